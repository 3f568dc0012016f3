"""TMB arithmetic: numerator, callable coding denominator, thresholds, not assessed below the minimum."""

from genotailor.oncology.tmb import TmbSettings, intersect, merge, read_bed, tmb


def v(pos, vaf=0.2, depth=100, consequence="missense_variant", filt="PASS", chrom="chr1"):
    return {"chrom": chrom, "pos": pos, "vaf": vaf, "depth": depth, "consequence": consequence, "filter": filt,
            "protein_altering": consequence in ("missense_variant", "frameshift_variant", "stop_gained")}


CODING = merge([("chr1", 0, 1_500_000), ("chr1", 1_400_000, 2_000_000), ("chr2", 0, 500_000)])


def test_per_mb_is_counted_coding_mutations_over_callable_megabases():
    variants = [v(10), v(20, consequence="frameshift_variant"), v(30, consequence="synonymous_variant"),
                v(40, vaf=0.01), v(50, depth=10), v(60, filt="LowVAF"), v(3_000_000), v(70, consequence="intron_variant")]
    result = tmb(variants, CODING, TmbSettings(min_vaf=0.05, min_depth=50, min_callable_mb=1.0), "test")
    assert (result["mutations"], result["callable_mb"], result["per_mb"]) == (2, 2.5, 0.8)
    assert result["method"] == "coding_mutations_per_callable_mb"
    assert result["counted"] == "protein-altering"


def test_synonymous_counted_when_configured():
    result = tmb([v(10), v(30, consequence="synonymous_variant")], CODING,
                 TmbSettings(count_synonymous=True), "test")
    assert (result["mutations"], result["per_mb"], result["counted"]) == (2, 0.8, "protein-altering and synonymous")


def test_small_panel_is_not_assessed_with_reason_and_figures():
    small = [("chr7", 140753239, 140753450)]
    result = tmb([v(140753336, chrom="chr7")], small, TmbSettings(min_callable_mb=1.0), "test")
    assert (result["per_mb"], result["method"], result["mutations"], result["callable_mb"]) == (
        None, "not_assessed", 1, 0.000211)
    assert "below the configured minimum 1.0 Mb" in result["reason"]


def test_callable_territory_keeps_only_regions_covered_in_tumour_and_normal(tmp_path):
    tumour, normal = tmp_path / "t.bed", tmp_path / "n.bed"
    tumour.write_text("chr1\t0\t100\tA\t80.5\nchr1\t200\t300\tB\t12.0\nchr1\t400\t500\tC\t60\n")
    normal.write_text("chr1\t0\t100\tA\t40\nchr1\t200\t300\tB\t40\nchr1\t400\t500\tC\t5\n")
    callable_ = intersect(read_bed(tumour, 20), read_bed(normal, 20))
    assert callable_ == [("chr1", 0, 100)]
    assert intersect(callable_, [("chr1", 50, 450)]) == [("chr1", 50, 100)]
