"""The cohort's MultiQC page: the same bytes from the same metrics, wherever and whenever it is
built, dated with the reports' date, with samtools' duplicate-marking section found."""

import json
from pathlib import Path

from genotailor.report.cohort_qc import run_multiqc

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
