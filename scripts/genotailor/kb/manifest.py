"""How every knowledge-base builder writes its JSON files (manifests included): stable and diffable."""

from __future__ import annotations

import json
from pathlib import Path


def dump_json(obj, path: Path):
    """Knowledge-base JSON as the builders write it: one key per line, keys in the builder's order."""
    Path(path).write_text(json.dumps(obj, indent=1, sort_keys=False) + "\n")
