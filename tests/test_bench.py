"""`genotailor bench somatic` on a small synthetic tumour VCF: the file is what the bench claims and
the JSON holds every run and the ratio of the medians (speed itself is measured by `make bench`)."""

import json
import statistics

import pysam

from conftest import DEMO_REFERENCE
from genotailor.cli import main


def test_somatic_bench_writes_runs_medians_and_their_ratio(tmp_path):
    assert main(["bench", "somatic", "--workdir", str(tmp_path), "--records", "2000", "--repeats", "3"]) == 0
    result = json.loads((tmp_path / "somatic_bench.json").read_text())
    assert (result["name"], result["records"], result["repeats"], result["goal"]) == (
        "somatic_vs_bcftools_scan", 2000, 3, "<= 3")
    somatic, view = statistics.median(result["genotailor_somatic_runs_s"]), statistics.median(result["bcftools_view_runs_s"])
    assert (result["genotailor_somatic_s"], result["bcftools_view_s"]) == (round(somatic, 3), round(view, 3))
    # the ratio of the unrounded medians (the listed runs are rounded to the microsecond: bcftools view
    # of 2,000 records takes about 9 ms, where millisecond rounding alone moved the ratio by 5%)
    assert abs(result["ratio"] - somatic / view) <= 0.05 * somatic / view and len(result["bcftools_view_runs_s"]) == 3
    with pysam.VariantFile(str(tmp_path / "synthetic_tumour_2000.vcf.gz")) as vf, \
            pysam.FastaFile(str(DEMO_REFERENCE)) as fa:
        recs = list(vf)
        assert list(vf.header.samples) == ["NORMAL", "TUMOR"]
        assert all(fa.fetch(r.chrom, r.pos - 1, r.pos - 1 + len(r.ref)).upper() == r.ref for r in recs)
    assert len(recs) == 2000
    filtered = sum(1 for r in recs if "PASS" not in r.filter.keys())
    # every PASS record is either listed in full or counted by consequence
    assert result["filtered_records"] == filtered
    assert result["variants_reported"] + result["variants_counted"] == 2000 - filtered
    assert 0 < result["variants_reported"] < 2000 - filtered
    assert result["protein_changes"] > 0  # coding records are among them
    # a whole genome's coding share (about 1.5%; the demo's gene-rich windows alone would give 2.2%)
    assert 0.005 <= result["coding_share_of_records"] <= 0.03
    # the coding-dense file: a third of its records at coding positions, so many more listed in full
    dense = result["coding_dense"]
    assert (dense["records"], dense["vcf"]) == (2000, "synthetic_tumour_coding_dense_2000.vcf.gz")
    assert dense["variants_reported"] > 5 * result["variants_reported"]
    assert 0.25 <= dense["coding_share_of_records"] <= 0.4
    dense_ratio = statistics.median(dense["genotailor_somatic_runs_s"]) / statistics.median(dense["bcftools_view_runs_s"])
    assert abs(dense["ratio"] - dense_ratio) <= 0.05 * dense_ratio
    bench = json.loads((tmp_path / "bench.json").read_text())
    assert (bench["somatic_vs_bcftools_scan"], bench["somatic_vs_bcftools_scan_coding_dense"]) == (
        result["ratio"], dense["ratio"])


def test_cohort_bench_records_its_figures_in_bench_json_beside_the_others(tmp_path):
    (tmp_path / "bench.json").write_text(json.dumps({"pgx_vs_bcftools_region": 1.2}))
    assert main(["bench", "cohort", "--workdir", str(tmp_path), "--samples", "40", "--repeats", "1"]) == 0
    doc = json.loads((tmp_path / "bench.json").read_text())
    assert doc["pgx_vs_bcftools_region"] == 1.2  # other benches' figures are kept
    assert doc["cohort_samples"] == 40
    assert doc["cohort_10k_s"] == min(doc["cohort_10k_one_process_s"], doc["cohort_10k_two_chunks_s"])
    ratio = doc["cohort_10k_s"] / doc["cohort_bcftools_query_gt_s"]  # of the rounded figures: within 5%
    assert abs(doc["cohort_vs_bcftools_query"] - ratio) <= 0.05 * ratio
    assert set(doc["cohort_peak_mb_by_chunk_size"]) == {"40"}  # chunk sizes below the cohort's only
    # the two-chunk run and the one-process run give the same cohort table
    out = tmp_path / "cohort_out"
    assert (out / "one" / "cohort_pgx.tsv").read_bytes() == (out / "two" / "cohort_pgx.tsv").read_bytes()
    query = (tmp_path / "cohort_query.txt").read_text().splitlines()
    assert len(query) == 1201 and len(query[0].split("\t")) == 4 + 40
