"""QC gates and the somatic screen's filters: the decisions, from small readable inputs."""

import json

from genotailor.steps.calling.somatic import SomaticThresholds, somatic_filters
from genotailor.steps.qc import judge, sample_qc

GATES = {
    "reads_after_filtering": {"warn_below": 20000, "fail_below": 10000},
    "q30_rate": {"warn_below": 0.85, "fail_below": 0.75},
    "duplication_rate": {"warn_above": 0.20, "fail_above": 0.35},
}


def fastp_json(path, reads, q30_bases, bases, adapter=0, peak=300):
    path.write_text(json.dumps({
        "summary": {"before_filtering": {"total_reads": reads + 10},
                    "after_filtering": {"total_reads": reads, "total_bases": bases, "q30_bases": q30_bases}},
        "adapter_cutting": {"adapter_trimmed_reads": adapter},
        "insert_size": {"peak": peak},
    }))
    return path


def test_metric_between_warn_and_fail_thresholds_warns():
    (v,) = judge({"q30_rate": 0.80}, {"q30_rate": GATES["q30_rate"]})
    assert (v["metric"], v["status"]) == ("q30_rate", "warn")


def test_metric_above_fail_threshold_fails():
    (v,) = judge({"duplication_rate": 0.4}, {"duplication_rate": GATES["duplication_rate"]})
    assert v["status"] == "fail"


def test_sample_status_is_worst_gate_and_units_are_summed(tmp_path):
    u1 = fastp_json(tmp_path / "u1.json", reads=4000, q30_bases=500_000, bases=600_000)
    u2 = fastp_json(tmp_path / "u2.json", reads=4000, q30_bases=500_000, bases=600_000)
    qc = sample_qc("S1", {"gates": GATES, "min_locus_depth": 20}, fastp=[u1, u2])
    assert qc["metrics"]["reads_after_filtering"] == 8000
    assert qc["metrics"]["q30_rate"] == 0.8333
    assert (qc["status"], qc["failed_gates"], qc["warned_gates"]) == ("fail", ["reads_after_filtering"], ["q30_rate"])


def test_locus_coverage_counts_only_loci_inside_the_panel(tmp_path):
    loci = tmp_path / "loci.regions.bed"
    loci.write_text("chr1\t99\t100\tA\t30.00\nchr1\t199\t200\tB\t5.00\nchr2\t9\t10\tC\t0.00\n")
    panel = tmp_path / "panel.bed"
    panel.write_text("chr1\t50\t250\n")
    gates = {"loci_covered_rate": {"warn_below": 0.95, "fail_below": 0.8}}
    qc = sample_qc("S1", {"gates": gates, "min_locus_depth": 20}, loci=loci, panel=panel)
    assert qc["metrics"]["loci_in_panel"] == 2
    assert qc["metrics"]["loci_covered_rate"] == 0.5
    assert qc["status"] == "fail"


def test_no_locus_inside_the_panel_is_no_gate_rather_than_a_failed_one(tmp_path):
    """e.g. a PGx panel of a patient without PGx consent: only hotspot loci are measured."""
    loci = tmp_path / "loci.regions.bed"
    loci.write_text("chr2\t9\t10\tC\t0.00\n")
    panel = tmp_path / "panel.bed"
    panel.write_text("chr1\t50\t250\n")
    gates = {"loci_covered_rate": {"warn_below": 0.95, "fail_below": 0.8}}
    qc = sample_qc("S1", {"gates": gates, "min_locus_depth": 20}, loci=loci, panel=panel)
    assert (qc["metrics"], qc["gates"], qc["status"]) == ({"loci_in_panel": 0}, [], "not_assessed")


def test_vcf_entry_has_no_read_gates_and_is_not_assessed(tmp_path):
    norm = tmp_path / "norm.json"
    norm.write_text(json.dumps({"records_out": 42}))
    qc = sample_qc("S1", {"gates": GATES, "min_locus_depth": 20}, norm=norm)
    assert (qc["status"], qc["metrics"]) == ("not_assessed", {"vcf_records": 42})


def test_somatic_candidate_seen_in_the_normal_is_filtered_as_germline():
    th = SomaticThresholds()
    assert somatic_filters(t_alt=60, t_depth=200, n_alt=0, n_depth=80, th=th, has_normal=True) == []
    assert somatic_filters(t_alt=100, t_depth=200, n_alt=40, n_depth=80, th=th, has_normal=True) == ["GermlineOrNormal"]


def test_somatic_candidate_below_vaf_and_read_minimums_is_filtered():
    th = SomaticThresholds(min_depth=50, min_alt_reads=8, min_vaf=0.05)
    assert somatic_filters(t_alt=5, t_depth=200, n_alt=0, n_depth=80, th=th, has_normal=True) == ["LowAltReads", "LowVAF"]
    assert somatic_filters(t_alt=10, t_depth=30, n_alt=0, n_depth=10, th=th, has_normal=True) == ["LowDepth", "LowNormalDepth"]
