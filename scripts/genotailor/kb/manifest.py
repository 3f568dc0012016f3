"""What every knowledge-base builder writes beside its files: checksums and stable JSON."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path


def sha256_file(path) -> str:
    """Hex SHA-256 of a file, read in blocks (release files can be large)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def dump_json(obj, path: Path):
    """Knowledge-base JSON as the builders write it: one key per line, keys in the builder's order."""
    Path(path).write_text(json.dumps(obj, indent=1, sort_keys=False) + "\n")
