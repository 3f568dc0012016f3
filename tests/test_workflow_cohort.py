"""The workflow's `cohort` target: a joint VCF split into chunks, one job each, then merged."""

import json

import pytest
import yaml

from genotailor.dev.cohort import write_cohort
from genotailor.pgx.cohort import run_cohort, summarise
from test_workflow import demo_config, run_workflow

pytestmark = pytest.mark.workflow


def cohort_config(tmp, cohort):
    path = demo_config(tmp)
    cfg = yaml.safe_load(path.read_text())
    cfg["cohort"] = cohort
    path.write_text(yaml.safe_dump(cfg))
    return path


def test_cohort_rules_call_every_chunk_and_merge_to_the_single_run_tables(tmp_path):
    counts = write_cohort(tmp_path / "in", 60, seed=11, off_target=1)
    config = cohort_config(tmp_path, {"vcf": counts["vcf"], "sex": str(tmp_path / "in" / "sex.tsv"), "chunk_size": 25})
    proc = run_workflow(tmp_path / "run", config, "cohort")
    assert proc.returncode == 0, proc.stderr[-3000:]
    res = tmp_path / "run" / "results" / "cohort" / "pgx"
    assert sorted(p.name for p in (res / "chunks").iterdir()) == ["0", "1", "2"]
    assert len(list((res / "chunks" / "2" / "samples").glob("*.pgx.json"))) == 10
    for log in ("0", "1", "2", "merge"):
        assert (tmp_path / "run" / "logs" / "benchmarks" / "pgx_cohort" / f"{log}.tsv").exists()
    run_cohort([counts["vcf"]], tmp_path / "direct", sex_file=tmp_path / "in" / "sex.tsv")
    summarise([tmp_path / "direct" / "table.tsv"], tmp_path / "direct")
    for name in ("cohort_pgx.tsv", "frequencies.tsv", "cohort_pgx.parquet"):
        assert (res / name).read_bytes() == (tmp_path / "direct" / name).read_bytes(), name
    one = json.loads((res / "chunks" / "1" / "samples" / "S000030.pgx.json").read_text())
    assert one == json.loads((tmp_path / "direct" / "samples" / "S000030.pgx.json").read_text())


def test_cohort_sample_list_naming_absent_samples_stops_before_any_job(tmp_path):
    counts = write_cohort(tmp_path / "in", 5, seed=2, genes=("CYP2C19",), off_target=0)
    (tmp_path / "list.txt").write_text("S000001\nNOPE7\n")
    config = cohort_config(tmp_path, {"vcf": counts["vcf"], "samples": str(tmp_path / "list.txt"), "chunk_size": 2})
    proc = run_workflow(tmp_path / "run", config, "cohort", "-n")
    assert proc.returncode != 0
    assert f"config cohort: {tmp_path / 'list.txt'}: 1 sample(s) not in the joint VCF: NOPE7" in proc.stdout + proc.stderr
    assert not (tmp_path / "run" / "results").exists()


def test_cohort_unindexed_vcf_stops_before_any_job_naming_the_fix(tmp_path):
    counts = write_cohort(tmp_path / "in", 5, seed=2, genes=("CYP2C19",), off_target=0)
    (tmp_path / "in" / "cohort.vcf.gz.tbi").unlink()
    config = cohort_config(tmp_path, {"vcf": counts["vcf"], "chunk_size": 2})
    proc = run_workflow(tmp_path / "run", config, "cohort", "-n")
    assert proc.returncode != 0
    assert f"config cohort: {counts['vcf']}: no tabix index" in proc.stdout + proc.stderr
    assert f"tabix -p vcf {counts['vcf']}" in proc.stdout + proc.stderr
