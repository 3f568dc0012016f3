"""The JSON contracts between stages: each stage output checked against `workflow/schemas/{kind}.schema.json`.

A later stage that reads an earlier one's JSON calls `load_stage` (or `validate_stage` on a
document it already holds), so a file from another version, a hand edit or a truncated write
stops with the file, the contract and the failing fields named, not with a KeyError deep in the
reader. Each schema is read and checked once per process.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import fastjsonschema

from genotailor.core.errors import InputError
from genotailor.core.paths import REPO, SCHEMAS

KINDS = ("qc", "norm", "pgx", "somatic", "msi", "cnv", "germline", "exon_cnv", "ledger")
KEEP_REFS = {"pgx"}  # compiled with its `$ref`s as they are (see _fast_check)
# definitions used several times inside other definitions (the somatic therapy synthesis): inlined,
# they multiply the compiled code (0.20 s to compile the somatic schema instead of 0.07 s)
SHARED_DEFS = {"evidence_side", "therapy_line", "variant_line"}
MAX_SHOWN = 5  # failing fields named in a message; the rest are counted
MAX_MESSAGE = 200  # characters of one field's message (jsonschema quotes whole values)


def schema_path(kind: str) -> Path:
    if kind not in KINDS:
        raise ValueError(f"stage kind must be one of {', '.join(KINDS)}, not {kind!r}")
    return SCHEMAS / f"{kind}.schema.json"


def _shown(path: Path) -> str:
    """The schema's path as the repository names it (absolute when it lives elsewhere)."""
    try:
        return str(path.relative_to(REPO))
    except ValueError:
        return str(path)


@lru_cache(maxsize=None)
def _validator(kind: str):
    """jsonschema's validator, built only to name the failures of a rejected document (importing
    jsonschema and checking the schema cost a small stage more than validating it; every schema
    is checked against its meta-schema in tests/test_stage_schemas.py)."""
    import jsonschema

    schema = json.loads(schema_path(kind).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)  # a broken contract is our bug: fail loudly
    return jsonschema.Draft202012Validator(schema)


@lru_cache(maxsize=None)
def _fast_check(kind: str):
    """The same schema compiled to Python (fastjsonschema): about ten times faster on a large
    document such as a whole-exome somatic stage. It stops at the first error, so a document it
    rejects is validated again by jsonschema for the full, ordered list of failing fields. Our
    schemas use no keyword that fastjsonschema's draft-07 reading would ignore
    (tests/test_stage_schemas.py checks that both reject the same bad documents).

    Local `$ref`s are inlined first, except in the PGx schema: the compiled code formats the
    error-message prefix of every `$ref` call eagerly (`str.format(**locals())`), which on a large
    somatic document cost three times the checks themselves (0.079 s against 0.026 s on 2.6 MB).
    The PGx schema refers to its definitions from many places, so inlining doubles its code: it
    compiled in 0.099 s instead of 0.047 s and checked a patient's 337 KB in 0.022 s instead of
    0.013 s."""
    schema = json.loads(schema_path(kind).read_text())
    if kind in KEEP_REFS:
        return fastjsonschema.compile(schema)
    return fastjsonschema.compile(_inline_refs(schema, schema.get("$defs", {})))


def _inline_refs(node, defs, depth=0):
    """`{"$ref": "#/$defs/x"}` replaced by the definition (our schemas' refs are not recursive),
    except for the SHARED_DEFS, which stay references to the kept `$defs`."""
    if depth > 20:
        raise ValueError("schema $refs nest too deep (a recursive $ref?)")
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/") and len(node) == 1 \
                and ref[len("#/$defs/"):] not in SHARED_DEFS:
            return _inline_refs(defs[ref[len("#/$defs/"):]], defs, depth + 1)
        return {k: (v if k == "$defs" else _inline_refs(v, defs, depth)) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline_refs(v, defs, depth) for v in node]
    return node


def _where(error) -> str:
    """`pgx[3].drugs[0].action`: the failing value's place in the document."""
    out = ""
    for part in error.absolute_path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "top level"


def _message(error) -> str:
    if error.validator == "not" and error.validator_value == {}:
        # The schemas' `absent`: a key the writer never writes in this case (jsonschema would
        # say "... should not be valid under {}" and drops the key from a `false` schema's path).
        return "not expected here (the writer leaves it out for this status or source)"
    text = error.message
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 3] + "..."


def validate_stage(kind: str, doc, source) -> None:
    """Raise InputError naming `source`, the contract and up to MAX_SHOWN failing fields
    (ordered by place, so the message is the same from run to run)."""
    try:
        _fast_check(kind)(doc)
        return
    except fastjsonschema.JsonSchemaException:
        pass  # name every failing field below
    errors = sorted(_validator(kind).iter_errors(doc), key=lambda e: (_where(e), e.message))
    if not errors:
        return
    shown = "; ".join(f"{_where(e)}: {_message(e)}" for e in errors[:MAX_SHOWN])
    if len(errors) > MAX_SHOWN:
        shown += f"; and {len(errors) - MAX_SHOWN} more"
    raise InputError(f"{source}: not a valid {kind} stage output ({_shown(schema_path(kind))}): {shown}")


def load_stage(kind: str, path) -> dict:
    """The stage output at `path`, read as JSON and validated against its contract."""
    schema_path(kind)  # an unknown kind is a caller's bug, whatever the file holds
    try:
        doc = json.loads(Path(path).read_bytes())
    except OSError as e:
        raise InputError(f"{path}: cannot read the {kind} stage output ({e.strerror or e})") from None
    except ValueError as e:  # JSONDecodeError, or bytes that are not UTF-8
        raise InputError(f"{path}: not JSON ({e}) — expected the {kind} stage output; "
                         "rerun the step that writes it") from None
    validate_stage(kind, doc, path)
    return doc
