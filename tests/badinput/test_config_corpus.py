"""Bad-input corpus: the run's config. The files it names are checked with the sample sheet while
the workflow reads its config, before any job runs (`core.runconfig.config_problems`); two cases
go through Snakemake itself to show what a user sees there."""

import shutil
import subprocess
import sys

import pytest
import yaml

from conftest import DEMO_REFERENCE, ROOT
from genotailor.core.runconfig import config_problems
from genotailor.dev.sheet import absolute_config


def demo_config():
    return absolute_config(ROOT / "config" / "samples.yaml")


def ref_without_gzi(cfg, d):
    for s in ("", ".fai"):
        shutil.copy(f"{DEMO_REFERENCE}{s}", d / f"ref.fa.gz{s}")
    cfg["reference"]["fasta"] = str(d / "ref.fa.gz")


def panel(text):
    def edit(cfg, d):
        (d / "panel.bed").write_text(text)
        cfg["panels"]["default"] = str(d / "panel.bed")
    return edit


CASES = [
    ("bgzipped reference without .gzi", ref_without_gzi,
     "config reference.fasta: reference {d}/ref.fa.gz: bgzip-compressed but without its ref.fa.gz.gzi index — run "
     "`samtools faidx {d}/ref.fa.gz` (writes the .fai and .gzi beside it); genotailor does not write into the "
     "reference's folder"),
    ("reference path wrong", lambda cfg, d: cfg["reference"].update(fasta=str(d / "GRCh38.fa")),
     "config reference.fasta: reference {d}/GRCh38.fa: file not found — check reference.fasta in the config"),
    ("panel missing", lambda cfg, d: cfg["panels"].update(cancer=str(d / "cancer.bed")),
     "config panels.cancer: {d}/cancer.bed: file not found — check the path (relative paths start from the folder "
     "Snakemake runs in)"),
    ("panel with spaces instead of tabs", panel("chr10 94761000 94900000\n"),
     "config panels.default: {d}/panel.bed: line 1 is not a BED region (tab-separated chrom, start, end with start < "
     "end) — correct the file"),
    ("panel region with start after end", panel("track name=x\nchr10\t100\t200\nchr10\t500\t400\n"),
     "config panels.default: {d}/panel.bed: line 3 is not a BED region (tab-separated chrom, start, end with start < "
     "end) — correct the file"),
    ("knowledge base folder wrong", lambda cfg, d: cfg["knowledge_base"].update(pgx=str(d)),
     "config knowledge_base.pgx: {d}: no knowledge base there (no manifest.json) — point it at a knowledge-base "
     "folder, or leave the key out to use the workflow's own"),
    ("germline knowledge base folder wrong", lambda cfg, d: cfg["knowledge_base"].update(germline=str(d)),
     "config knowledge_base.germline: {d}: no knowledge base there (no manifest.json) — point it at a "
     "knowledge-base folder, or leave the key out to use the workflow's own"),
    ("hotspots file missing", lambda cfg, d: cfg["knowledge_base"].update(hotspots=str(d / "hot.tsv")),
     "config knowledge_base.hotspots: {d}/hot.tsv: file not found — check the path, or leave the key out to use "
     "the workflow's own"),
    ("transcript models missing", lambda cfg, d: cfg["knowledge_base"].update(transcript_models=str(d / "m.gff3")),
     "config knowledge_base.transcript_models: {d}/m.gff3: file not found — check the path, or leave the key out "
     "to use the workflow's own"),
    # 2026 is not a leap year: February has 28 days.
    ("report date that does not exist", lambda cfg, d: cfg.update(report_date="2026-02-30"),
     'config report_date: 2026-02-30 is not a calendar date — give a real one as "YYYY-MM-DD"'),
    ("report date with month 13", lambda cfg, d: cfg.update(report_date="2026-13-01"),
     'config report_date: 2026-13-01 is not a calendar date — give a real one as "YYYY-MM-DD"'),
    ("negative read-count threshold", lambda cfg, d: cfg["qc"]["gates"]["reads_after_filtering"].update(fail_below=-1),
     "config qc.gates.reads_after_filtering.fail_below: -1 is negative — give 0 or more"),
    ("negative rate threshold", lambda cfg, d: cfg["qc"]["gates"]["mapped_rate"].update(fail_below=-0.1),
     "config qc.gates.mapped_rate.fail_below: -0.1 is not a rate — give a fraction between 0 and 1 (0.9 for 90%)"),
    ("rate threshold given as a percentage", lambda cfg, d: cfg["qc"]["gates"]["q30_rate"].update(warn_below=85),
     "config qc.gates.q30_rate.warn_below: 85 is not a rate — give a fraction between 0 and 1 (0.9 for 90%)"),
    ("warn_below under its fail_below", lambda cfg, d: cfg["qc"]["gates"].update(
        q30_rate={"warn_below": 0.75, "fail_below": 0.85}),
     "config qc.gates.q30_rate: warn_below 0.75 is below fail_below 0.85, so a sample would fail without first "
     "being warned — make warn_below at least fail_below"),
    ("warn_above over its fail_above", lambda cfg, d: cfg["qc"]["gates"].update(
        duplication_rate={"warn_above": 0.5, "fail_above": 0.35}),
     "config qc.gates.duplication_rate: warn_above 0.5 is above fail_above 0.35, so a sample would fail without "
     "first being warned — make warn_above at most fail_above"),
]


@pytest.mark.parametrize("name, edit, message", CASES, ids=[c[0] for c in CASES])
def test_config_file_problem_is_named_by_key_with_the_fix(name, edit, message, tmp_path):
    cfg = demo_config()
    edit(cfg, tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    assert config_problems(cfg) == [message.format(d=tmp_path)]
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no .gzi/.fai written beside the inputs


def test_the_demo_config_has_no_problems():
    assert config_problems(demo_config()) == []


def snakemake_dry_run(tmp_path, cfg):
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(cfg))
    proc = subprocess.run([sys.executable, "-m", "snakemake", "-s", str(ROOT / "workflow" / "Snakefile"), "-d",
                           str(tmp_path / "run"), "--configfile", str(tmp_path / "config.yaml"), "-n", "--cores", "1"],
                          capture_output=True, text=True, cwd=tmp_path)
    return proc.returncode, proc.stdout + proc.stderr


@pytest.mark.workflow
def test_snakemake_reports_config_and_sheet_problems_together_before_any_job(tmp_path):
    cfg = demo_config()
    ref_without_gzi(cfg, tmp_path)
    (tmp_path / "s.yaml").write_text(
        "patients:\n  P1:\n    sex: female\n    consent: {pharmacogenomics: true, secondary_findings: false}\n"
        "    samples:\n      S1:\n")
    cfg["samples"] = str(tmp_path / "s.yaml")
    code, out = snakemake_dry_run(tmp_path, cfg)
    assert code == 1
    assert ("config reference.fasta: reference {d}/ref.fa.gz: bgzip-compressed but without its ref.fa.gz.gzi index"
            .format(d=tmp_path)) in out
    assert ("  - patient P1 / sample S1: expected a mapping, got an empty value — write it like "
            "S1: {kind: germline, vcf: calls/S1.vcf.gz}") in out
    assert "Traceback" not in out
    assert not (tmp_path / "run" / "results").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.yaml", "ref.fa.gz", "ref.fa.gz.fai", "run", "s.yaml"]


@pytest.mark.workflow
def test_snakemake_names_a_config_value_the_schema_rejects(tmp_path):
    cfg = demo_config()
    cfg["aligner"] = "bowtie"
    code, out = snakemake_dry_run(tmp_path, cfg)
    assert code == 1
    assert "'bowtie' is not one of ['bwa', 'minimap2']" in out
    assert "Failed validating 'enum' in schema['properties']['aligner']" in out


def test_snakemake_stops_on_an_impossible_date_and_threshold_before_any_job(tmp_path):
    cfg = demo_config()
    cfg["report_date"] = "2026-02-30"
    cfg["qc"]["gates"]["loci_mean_depth"] = {"fail_below": -5}
    code, out = snakemake_dry_run(tmp_path, cfg)
    assert code == 1
    assert 'config report_date: 2026-02-30 is not a calendar date — give a real one as "YYYY-MM-DD"' in out
    assert "config qc.gates.loci_mean_depth.fail_below: -5 is negative — give 0 or more" in out
    assert "Traceback" not in out and not (tmp_path / "run" / "results").exists()
