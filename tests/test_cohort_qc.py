"""The cohort's MultiQC page: the same bytes from the same metrics, wherever and whenever it is
built, dated with the reports' date, with samtools' duplicate-marking section found, and one fastp
row per sequencing unit named `{sample}.{unit}`."""

import gzip
import json
import random
import subprocess
from pathlib import Path

import pytest

from genotailor.core.errors import InputError
from genotailor.report.cohort_qc import run_multiqc
from genotailor.steps.align import align_commands, unit_name

MARKDUP = """COMMAND: samtools markdup -@ 1 -f P1-blood.markdup.txt -T tmp - P1-blood.bam
READ: 30724
WRITTEN: 30724
EXCLUDED: 46
EXAMINED: 30678
PAIRED: 30632
SINGLE: 46
DUPLICATE PAIR: 3738
DUPLICATE SINGLE: 27
DUPLICATE PAIR OPTICAL: 0
DUPLICATE SINGLE OPTICAL: 0
DUPLICATE NON PRIMARY: 0
DUPLICATE NON PRIMARY OPTICAL: 0
DUPLICATE PRIMARY TOTAL: 3765
DUPLICATE TOTAL: 3765
ESTIMATED_LIBRARY_SIZE: 57538
"""
REPORT = {"patient": "P1", "report_date": "2026-11-28", "samples": [{"id": "P1-blood"}],
          "qc": {"P1-blood": {"status": "pass", "failed_gates": [], "warned_gates": [],
                              "gates": [{"metric": "mapped_rate", "value": 0.99}]}}}


def build(folder, monkeypatch):
    """The multiqc job's call, run from `folder` with paths relative to it, as the workflow does."""
    folder.mkdir()
    monkeypatch.chdir(folder)
    Path("P1.json").write_text(json.dumps(REPORT))
    Path("P1-blood.markdup.txt").write_text(MARKDUP)
    out = Path("cohort/multiqc_report.html")
    out.parent.mkdir()
    run_multiqc(["P1.json"], ["P1-blood.markdup.txt"], out, "cohort/multiqc")
    return out.read_bytes()


def test_multiqc_page_is_byte_identical_in_two_folders_and_dated_with_the_report_date(tmp_path, monkeypatch):
    first, second = build(tmp_path / "a", monkeypatch), build(tmp_path / "b", monkeypatch)
    assert first == second
    page = first.decode()
    assert "generated on 2026-11-28, 00:00 UTC" in page
    assert 'id="mqc-module-section-samtools"' in page and 'id="mqc-module-section-genotailor_qc_gates"' in page
    assert str(tmp_path) not in page


def _fastq(path, mate, rng):
    with gzip.open(path, "wt") as f:
        for i in range(40):
            seq = "".join(rng.choice("ACGT") for _ in range(60))
            f.write(f"@r{i}/{mate}\n{seq}\n+\n{'I' * 60}\n")


def test_multiqc_names_fastp_rows_by_sample_and_unit_so_lanes_of_two_samples_stay_apart(tmp_path):
    # Two samples, both with a lane L001 (as in the demo, where seven units shared two lane names):
    # fastp runs with the argv of the align step and the read group the workflow gives each unit.
    import multiqc

    rng = random.Random(3)
    reports = []
    for sample, unit in [("S1", "L001"), ("S1", "L002"), ("S2", "L001")]:
        d = tmp_path / sample
        d.mkdir(exist_ok=True)
        _fastq(d / f"{unit}_1.fq.gz", 1, rng)
        _fastq(d / f"{unit}_2.fq.gz", 2, rng)
        rg = rf"@RG\tID:{sample}.{unit}\tSM:{sample}\tLB:{sample}\tPL:ILLUMINA\tPU:{unit}"
        fastp = align_commands(d / f"{unit}_1.fq.gz", d / f"{unit}_2.fq.gz", "minimap2", "ref.mmi", rg, 1,
                               d / f"{unit}.fastp.json", d / f"{unit}.bam")[0]
        subprocess.run(fastp, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        reports.append(d / f"{unit}.fastp.json")
    multiqc.reset()
    try:
        multiqc.parse_logs(*reports, quiet=True, no_version_check=True)
        assert multiqc.list_samples() == ["S1.L001", "S1.L002", "S2.L001"]
        assert sorted(multiqc.get_module_data(module="fastp")) == ["S1.L001", "S1.L002", "S2.L001"]
    finally:
        multiqc.reset()


def test_a_read_group_without_id_is_refused_naming_the_fix():
    assert unit_name(r"@RG\tID:P1-blood.L002\tSM:P1-blood") == "P1-blood.L002"
    with pytest.raises(InputError, match=r"has no ID field: give it as @RG\\tID:SAMPLE.UNIT"):
        unit_name(r"@RG\tSM:P1-blood")
