"""The PGx knowledge-base files: the recommendations' JSON mirror is current and never stale."""

import json
import shutil

from genotailor.kb.pgx_recommendations import compile_recommendations
from genotailor.pgx.recommendations import DEFAULT_PATH, compiled_path, load_recommendations


def test_committed_mirror_matches_the_yaml_byte_for_byte(tmp_path):
    shutil.copy(DEFAULT_PATH, tmp_path / DEFAULT_PATH.name)
    out, drugs = compile_recommendations(tmp_path / DEFAULT_PATH.name)
    assert drugs == len(load_recommendations())
    assert out.name == "recommendations.compiled.json"
    assert out.read_bytes() == compiled_path(DEFAULT_PATH).read_bytes(), (
        "recommendations.compiled.json is out of date: run .venv/bin/genotailor kb-compile-pgx")


def test_an_edited_yaml_is_read_itself_not_its_stale_mirror(tmp_path):
    yaml_path = tmp_path / DEFAULT_PATH.name
    shutil.copy(DEFAULT_PATH, yaml_path)
    shutil.copy(compiled_path(DEFAULT_PATH), compiled_path(yaml_path))
    text = yaml_path.read_text()
    assert "  - drug: clopidogrel\n" in text
    yaml_path.write_text(text.replace("  - drug: clopidogrel\n", "  - drug: clopidogrel-edited\n"))
    names = {d.drug for d in load_recommendations(yaml_path)}
    assert "clopidogrel-edited" in names and "clopidogrel" not in names


def test_the_mirror_is_what_runs_read_while_it_matches(tmp_path):
    yaml_path = tmp_path / DEFAULT_PATH.name
    shutil.copy(DEFAULT_PATH, yaml_path)
    mirror = compiled_path(yaml_path)
    shutil.copy(compiled_path(DEFAULT_PATH), mirror)
    doc = json.loads(mirror.read_text())
    doc["document"]["drugs"] = [d for d in doc["document"]["drugs"] if d["drug"] == "clopidogrel"]
    mirror.write_text(json.dumps(doc))
    assert [d.drug for d in load_recommendations(yaml_path)] == ["clopidogrel"]


def test_compiling_a_file_with_an_unquoted_date_names_the_fix(tmp_path):
    import pytest

    from genotailor.core.errors import InputError

    yaml_path = tmp_path / DEFAULT_PATH.name
    yaml_path.write_text(DEFAULT_PATH.read_text().replace('compiled: "2026-11-28"', "compiled: 2026-11-28"))
    with pytest.raises(InputError, match=r"holds values JSON cannot represent \(an unquoted date\? quote it\)"):
        compile_recommendations(yaml_path)
    yaml_path.write_bytes(b"drugs: [\xff]\n")
    with pytest.raises(InputError, match=r"not UTF-8 text \(byte 8\)"):
        load_recommendations(yaml_path)
