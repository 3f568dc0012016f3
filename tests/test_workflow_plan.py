"""The jobs Snakemake plans for a patient (a dry run: nothing is computed): which rule makes each
sample's analysis-ready BAM and raw calls, and that metrics are written by the jobs that make the
files they describe."""

import re
import subprocess

import yaml

from genotailor.dev.sheet import write_config
from smallcohort import READS, snakemake_argv


def plan(tmp_path) -> dict[str, list[dict]]:
    """rule -> [{"output": [...], "threads": n}] of `snakemake -n` for a tumour from a BAM
    (made elsewhere) with its normal from FASTQ."""
    (tmp_path / "T.bam").write_bytes(b"")  # the sheet checks that it exists; a dry run reads nothing
    reads = {m: str(READS / f"LOWQ01-blood_S4_L001_{m}_001.fastq.gz") for m in ("R1", "R2")}
    sheet = {"patients": {"P1": {
        "sex": "female", "tumor_type": "MEL", "consent": {"pharmacogenomics": True, "secondary_findings": False},
        "samples": {"P1-N": {"kind": "germline", "units": {"L001": {"r1": reads["R1"], "r2": reads["R2"]}}},
                    "P1-T": {"kind": "tumor", "bam": str(tmp_path / "T.bam"), "normal": "P1-N", "purity": 0.5}}}}}
    (tmp_path / "samples.yaml").write_text(yaml.safe_dump(sheet))
    write_config(tmp_path / "samples.yaml", tmp_path / "config.yaml")
    work = tmp_path / "work"
    work.mkdir()
    proc = subprocess.run(snakemake_argv(work, tmp_path / "config.yaml", "-n"), cwd=work, capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    jobs: dict[str, list[dict]] = {}
    for block in re.split(r"\n(?=rule \w+:)", proc.stdout):
        m = re.match(r"rule (\w+):", block)
        if m:
            out = re.search(r"^\s+output: (.*)$", block, re.M)
            threads = re.search(r"^\s+threads: (\d+)$", block, re.M)
            jobs.setdefault(m.group(1), []).append({"output": out.group(1).split(", ") if out else [],
                                                    "threads": int(threads.group(1)) if threads else 1})
    return jobs


def test_bam_entry_is_imported_fastq_is_marked_and_each_caller_writes_its_own_raw_file(tmp_path):
    jobs = plan(tmp_path)
    assert [j["output"][0] for j in jobs["import_alignment"]] == ["results/P1/align/P1-T.bam"]
    assert [j["output"][0] for j in jobs["markdup"]] == ["results/P1/align/P1-N.bam"]
    # the read counts QC gates on come from the job that wrote the BAM
    assert "results/P1/align/P1-T.flagstat.json" in jobs["import_alignment"][0]["output"]
    assert "results/P1/align/P1-N.flagstat.json" in jobs["markdup"][0]["output"]
    assert [j["output"][0] for j in jobs["call_germline"]] == ["results/P1/calls/P1-N.germline.raw.vcf.gz"]
    assert [j["output"][0] for j in jobs["call_somatic"]] == ["results/P1/calls/P1-T.somatic.raw.vcf.gz"]
    # bcftools stats for MultiQC from the normalization job; outside calls from the PGx job
    assert sorted(o for j in jobs["normalize_vcf"] for o in j["output"] if o.endswith("bcftools_stats.txt")) == [
        "results/P1/qc/P1-N.bcftools_stats.txt", "results/P1/qc/P1-T.bcftools_stats.txt"]
    assert "results/P1/pgx/P1.outside_calls.tsv" in jobs["pgx"][0]["output"]
    # CYP2D6 copy number from the germline sample's reads only (a tumour's depth is not read as it)
    assert [j["output"][0] for j in jobs["cyp2d6_copy_number"]] == ["results/P1/pgx/P1-N.cyp2d6_cn.json"]
    # depth over the panel (the TMB territory) for the tumour and its normal, over the loci for both
    assert sorted(j["output"][0] for j in jobs["coverage_panel"]) == [
        "results/P1/coverage/P1-N.panel.mosdepth.summary.txt", "results/P1/coverage/P1-T.panel.mosdepth.summary.txt"]
    assert len(jobs["coverage_loci"]) == 2
    # MSI of the tumour against its matched normal (both with reads), read by the somatic step and the ledger
    assert [j["output"][0] for j in jobs["msi"]] == ["results/P1/msi/P1-T.json"]
    assert not {"flagstat", "vcf_stats", "outside_calls"} & jobs.keys()


def test_the_report_job_asks_for_the_two_cores_its_processes_use(tmp_path):
    # the report command prints the PDF and draws the figures in two child processes beside itself
    (job,) = plan(tmp_path)["report"]
    assert job["output"][0] == "results/P1/report/P1.json" and job["threads"] == 2


def test_a_tumour_without_a_normal_is_compared_with_the_configs_panel_of_normals(tmp_path):
    (tmp_path / "T.bam").write_bytes(b"")
    (tmp_path / "pon.cnn").write_text("")
    sheet = {"patients": {"P2": {
        "sex": "female", "tumor_type": "BRCA", "consent": {"pharmacogenomics": False, "secondary_findings": False},
        "samples": {"P2-T": {"kind": "tumor", "bam": str(tmp_path / "T.bam"), "purity": 0.6}}}}}
    (tmp_path / "samples.yaml").write_text(yaml.safe_dump(sheet))
    write_config(tmp_path / "samples.yaml", tmp_path / "config.yaml")
    config = yaml.safe_load((tmp_path / "config.yaml").read_text())
    config.setdefault("oncology", {})["cnv"] = {"reference": str(tmp_path / "pon.cnn")}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    work = tmp_path / "work"
    work.mkdir()
    proc = subprocess.run(snakemake_argv(work, tmp_path / "config.yaml", "-n", "-p", "results/P2/cnv/P2-T.json"),
                          cwd=work, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (shell,) = [line for line in proc.stdout.splitlines() if " cnv --tumor-bam " in line]
    assert f"--reference {tmp_path / 'pon.cnn'}" in shell and "--normal-bam" not in shell
    assert "--purity 0.6" in shell and "--tumor-type BRCA" in shell
