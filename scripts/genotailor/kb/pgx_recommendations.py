"""Compile the drug-recommendation rules: validate `recommendations.yaml` and write its JSON mirror.

The runtime (`pgx.recommendations.read_document`) reads the mirror instead of parsing the YAML while
the mirror's SHA-256 of the YAML bytes matches, so an edited YAML file is always read itself.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from genotailor.core.errors import InputError
from genotailor.pgx import DEFAULT_KB
from genotailor.pgx.recommendations import DEFAULT_PATH, compiled_path, decode_text, parse_yaml, validate_document


def compile_recommendations(path=DEFAULT_PATH, kb_dir=DEFAULT_KB) -> tuple[Path, int]:
    """Validate the YAML file and write its JSON mirror beside it; return the mirror's path and
    the number of drugs."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: recommendations file not found")
    data = path.read_bytes()
    doc = parse_yaml(path, decode_text(path, data))  # the YAML itself, never an existing mirror
    validate_document(path, doc, kb_dir)  # valid before it is compiled
    try:
        same = json.loads(json.dumps(doc)) == doc
    except (TypeError, ValueError):
        same = False
    if not same:
        raise InputError(f"{path}: holds values JSON cannot represent (an unquoted date? quote it)")
    out = compiled_path(path)
    out.write_text(json.dumps({
        "source": path.name,
        "source_sha256": hashlib.sha256(data).hexdigest(),
        "note": f"generated from {path.name} by `genotailor kb-compile-pgx`; edit the YAML file, not this one",
        "document": doc,
    }, sort_keys=True, separators=(",", ":")) + "\n")
    return out, len(doc["drugs"])
