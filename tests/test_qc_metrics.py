"""QC metrics read from the tools' own outputs, and the gates they meet (steps/qc.py).

The inputs follow the tools' formats: fastp 0.23 JSON (`summary.before_filtering/after_filtering`,
`adapter_cutting` — absent with adapter trimming off (`-A`), `insert_size` — absent for single-end
reads; an empty FASTQ pair gives zeros and peak 0); `samtools flagstat -O json` (samtools >= 1.13
adds the `primary`, `primary mapped` and `primary duplicates` counts that exclude secondary and
supplementary records; 1.10-1.12 write only `total`, `mapped`, `duplicates`); mosdepth's
regions BED (mean depth in the last column); `bcftools stats` (its `SN` summary lines). Each
expected figure is worked by hand from the numbers below; rates are written to four decimals,
mean depths to one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from conftest import write_vcf
from genotailor.core.tools import ToolError
from genotailor.steps.qc import bcftools_stats, judge, sample_qc

ROOT = Path(__file__).resolve().parents[1]
GATES = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())["qc"]["gates"]
SETTINGS = {"gates": GATES, "min_locus_depth": 20}


def fastp_unit(path, before, after, bases, q30, adapters=None, peak=None):
    """A fastp JSON of one paired-end unit; `adapters`/`peak` None: that section absent."""
    doc = {"summary": {"fastp_version": "0.23.2",
                       "before_filtering": {"total_reads": before},
                       "after_filtering": {"total_reads": after, "total_bases": bases, "q30_bases": q30}}}
    if adapters is not None:
        doc["adapter_cutting"] = {"adapter_trimmed_reads": adapters, "adapter_trimmed_bases": 0}
    if peak is not None:
        doc["insert_size"] = {"peak": peak, "unknown": 0}
    path.write_text(json.dumps(doc))
    return path


def test_fastp_metrics_of_two_units_are_sums_and_rates_over_both(tmp_path):
    u1 = fastp_unit(tmp_path / "u1.json", 10_000, 9_000, 1_350_000, 1_200_000, adapters=1_000, peak=280)
    u2 = fastp_unit(tmp_path / "u2.json", 30_000, 28_000, 4_200_000, 3_900_000, adapters=2_001, peak=170)
    qc = sample_qc("S1", SETTINGS, fastp=[u1, u2])
    assert qc["metrics"] == {
        "reads_before_filtering": 40_000,
        "reads_after_filtering": 37_000,
        "q30_rate": 0.9189,  # 5,100,000 / 5,550,000 = 0.91892
        "adapter_trimmed_rate": 0.075,  # 3,001 / 40,000 = 0.075025
        "insert_size_peak": 170,  # the smaller unit's peak
    }
    # every gate met: 37,000 reads >= 20,000; q30 0.9189 >= 0.85; adapters 0.075 <= 0.30; peak 170 >= 150
    assert (qc["status"], qc["failed_gates"], qc["warned_gates"]) == ("pass", [], [])


def test_a_unit_with_short_inserts_is_not_hidden_by_a_good_one(tmp_path):
    good = fastp_unit(tmp_path / "good.json", 20_000, 20_000, 3_000_000, 2_900_000, adapters=0, peak=300)
    short = fastp_unit(tmp_path / "short.json", 20_000, 20_000, 3_000_000, 2_900_000, adapters=0, peak=95)
    qc = sample_qc("S1", SETTINGS, fastp=[good, short])
    assert (qc["metrics"]["insert_size_peak"], qc["failed_gates"]) == (95, ["insert_size_peak"])  # fail_below 100


def test_adapter_rate_and_insert_size_a_fastp_run_did_not_measure_are_not_gated(tmp_path):
    # fastp -A (adapter trimming off) on one unit, single-end reads (no insert size) on another
    no_adapters = fastp_unit(tmp_path / "a.json", 20_000, 20_000, 3_000_000, 2_900_000, peak=300)
    single_end = fastp_unit(tmp_path / "b.json", 20_000, 20_000, 3_000_000, 2_900_000, adapters=100)
    for units in ([no_adapters], [single_end], [no_adapters, single_end]):
        qc = sample_qc("S1", SETTINGS, fastp=units)
        gated = {g["metric"] for g in qc["gates"]}
        assert ("adapter_trimmed_rate" in qc["metrics"]) == ("adapter_trimmed_rate" in gated) == (no_adapters not in units)
        assert ("insert_size_peak" in qc["metrics"]) == ("insert_size_peak" in gated) == (single_end not in units)
        assert qc["status"] == "pass"


def test_a_unit_whose_reads_were_all_filtered_out_fails_with_rates_of_zero(tmp_path):
    # fastp of an empty FASTQ pair: every count 0, insert size peak 0
    empty = fastp_unit(tmp_path / "e.json", 0, 0, 0, 0, adapters=0, peak=0)
    qc = sample_qc("S1", SETTINGS, fastp=[empty])
    assert (qc["metrics"]["q30_rate"], qc["metrics"]["adapter_trimmed_rate"]) == (0.0, 0.0)
    assert (qc["status"], qc["failed_gates"], qc["warned_gates"]) == (
        "fail", ["reads_after_filtering", "q30_rate", "insert_size_peak"], [])


# samtools 1.16 `flagstat -O json` of five records: r1 primary mapped; r2 primary mapped, duplicate
# (flag 1024); r1 again as a secondary alignment (256); r3 supplementary and duplicate (3072); r4 unmapped (4).
FLAGSTAT_1_16 = {
    "total": 5, "primary": 3, "secondary": 1, "supplementary": 1, "duplicates": 2, "primary duplicates": 1,
    "mapped": 4, "mapped %": 80.00, "primary mapped": 2, "primary mapped %": 66.67, "paired in sequencing": 0,
    "read1": 0, "read2": 0, "properly paired": 0, "properly paired %": None, "with itself and mate mapped": 0,
    "singletons": 0, "singletons %": None, "with mate mapped to a different chr": 0,
    "with mate mapped to a different chr (mapQ >= 5)": 0}
BEFORE_1_13 = ("primary", "primary duplicates", "primary mapped", "primary mapped %")


def flagstat(path, passed):
    path.write_text(json.dumps({"QC-passed reads": passed, "QC-failed reads": {k: 0 for k in passed}}))
    return path


def test_flagstat_rates_count_primary_reads_only(tmp_path):
    qc = sample_qc("S1", SETTINGS, flagstat=flagstat(tmp_path / "f.json", FLAGSTAT_1_16))
    # 3 primary records (r1, r2, r4); 2 of them mapped; 1 of them a duplicate
    assert qc["metrics"] == {"primary_reads": 3, "mapped_rate": 0.6667, "duplication_rate": 0.3333}
    # mapped 0.6667 < fail_below 0.90; duplicates 0.3333 above warn_above 0.20, not above fail_above 0.35
    assert (qc["failed_gates"], qc["warned_gates"], qc["status"]) == (["mapped_rate"], ["duplication_rate"], "fail")


def test_flagstat_of_samtools_before_1_13_falls_back_to_all_records(tmp_path):
    old = {k: v for k, v in FLAGSTAT_1_16.items() if k not in BEFORE_1_13}
    qc = sample_qc("S1", SETTINGS, flagstat=flagstat(tmp_path / "f.json", old))
    assert qc["metrics"] == {"primary_reads": 5, "mapped_rate": 0.8, "duplication_rate": 0.4}


def test_flagstat_of_an_empty_bam_has_rates_of_zero_and_fails_the_mapped_gate(tmp_path):
    qc = sample_qc("S1", SETTINGS, flagstat=flagstat(tmp_path / "f.json", {k: 0 for k in FLAGSTAT_1_16}))
    assert qc["metrics"] == {"primary_reads": 0, "mapped_rate": 0.0, "duplication_rate": 0.0}
    assert (qc["failed_gates"], qc["warned_gates"]) == (["mapped_rate"], [])


def test_a_bam_entry_without_fastp_metrics_is_still_judged_on_its_later_gates():
    # the config's first gates are fastp's; a BAM entry has only flagstat's
    verdicts = judge({"mapped_rate": 0.5, "duplication_rate": 0.1}, GATES)
    assert [(v["metric"], v["status"]) for v in verdicts] == [("duplication_rate", "pass"), ("mapped_rate", "fail")]


def test_locus_depths_give_the_covered_rate_at_min_depth_and_the_mean_depth(tmp_path):
    loci = tmp_path / "loci.regions.bed"
    loci.write_text("chr1\t99\t100\tA\t20.00\nchr1\t199\t200\tB\t19.99\nchr1\t299\t300\tC\t30.60\n")
    panel = tmp_path / "panel.bed"
    panel.write_text("chr1\t0\t1000\n")
    qc = sample_qc("S1", SETTINGS, loci=loci, panel=panel)
    # covered: 20.00 (= min_locus_depth) and 30.60 -> 2/3; mean 70.59 / 3 = 23.53
    assert qc["metrics"] == {"loci_in_panel": 3, "loci_covered_rate": 0.6667, "loci_mean_depth": 23.5}


def test_bcftools_stats_writes_the_summary_multiqc_reads(tmp_path):
    vcf = write_vcf(tmp_path / "n.vcf.gz", [("chr10", 100, "A", "G", "0/1"), ("chr10", 200, "C", "T", "1/1"),
                                            ("chr10", 300, "CA", "C", "0/1")])
    out = tmp_path / "stats.txt"
    bcftools_stats(vcf, out)
    sn = {f[2]: int(f[3]) for f in (line.split("\t") for line in out.read_text().splitlines()) if f[0] == "SN"}
    assert (sn["number of records:"], sn["number of SNPs:"], sn["number of indels:"]) == (3, 2, 1)


def test_bcftools_stats_of_a_missing_vcf_names_the_file(tmp_path):
    missing = tmp_path / "missing.vcf.gz"
    with pytest.raises(ToolError, match=f"^bcftools stats of {missing} failed: bcftools exited with code"):
        bcftools_stats(missing, tmp_path / "stats.txt")
