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
