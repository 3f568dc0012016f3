"""The MSI caller's parts: the chi-square and Benjamini-Hochberg arithmetic, reading a repeat length
from a read, the not-assessed rules and the shipped loci list (oncology/msi.py, kb/msi_loci.py)."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from genotailor.core.errors import InputError
from genotailor.core.paths import MSI_LOCI
from genotailor.oncology.msi import (
    Locus,
    MsiSettings,
    assess_msi,
    benjamini_hochberg,
    chi2_sf,
    chi_square,
    read_loci,
    repeat_length,
)

REPO = Path(__file__).resolve().parents[1]
TEST_LOCI = REPO / "test-data" / "reference" / "source" / "msi_loci.tsv"
TEST_WINDOWS = REPO / "test-data" / "reference" / "source" / "msi_locus_windows.fa"


# 5% critical values of the chi-square distribution (any statistics table, e.g. NIST/SEMATECH
# e-Handbook 1.3.6.7.4): P(X >= x) = 0.05
@pytest.mark.parametrize("x, df", [(3.841, 1), (5.991, 2), (7.815, 3), (9.488, 4), (11.070, 5), (18.307, 10)])
def test_chi2_survival_matches_the_table_critical_values(x, df):
    assert chi2_sf(x, df) == pytest.approx(0.05, abs=2e-4)


def test_chi2_survival_of_1_degree_at_6_635_is_one_percent():
    assert chi2_sf(6.635, 1) == pytest.approx(0.01, abs=1e-4)


def test_chi_square_of_a_worked_2x2_table():
    # tumour 30 at length 25, 10 at 24; normal 40 at 25, 0 at 24. Expected (row x col / n):
    # 35, 5 / 35, 5 -> (25/35 + 25/5) x 2 = 11.4286, 1 degree of freedom
    stat, df = chi_square(Counter({25: 30, 24: 10}), Counter({25: 40}))
    assert (round(stat, 4), df) == (11.4286, 1)


def test_benjamini_hochberg_of_a_hand_worked_list():
    # sorted 0.005, 0.01, 0.03, 0.04 (m = 4): x 4/1, 4/2, 4/3, 4/4 = 0.02, 0.02, 0.04, 0.04
    assert benjamini_hochberg([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.02, 0.04, 0.04, 0.02])


def test_benjamini_hochberg_keeps_q_values_monotone():
    # 0.04 x 2/1 = 0.08 but the larger p 0.045 gets 0.045: the smaller p cannot have the larger q
    assert benjamini_hochberg([0.04, 0.045]) == pytest.approx([0.045, 0.045])


BAT26 = Locus("chr2", 47414420, 47414447, "A27", "A", 27, "TTTTTCAGGT", "GGGTTAAAAA", "BAT-26", None)


def test_repeat_length_reads_the_units_between_the_anchors():
    read = "ACGT" + "TTCAGGT" + "A" * 24 + "GGGTTAAA" + "CC"
    assert repeat_length(read, BAT26, 7) == 24  # three units lost


def test_repeat_length_needs_both_anchors():
    assert repeat_length("TTCAGGT" + "A" * 27 + "GGGT", BAT26, 7) is None  # right anchor cut short


def test_repeat_length_rejects_a_read_with_another_base_inside_the_run():
    assert repeat_length("TTCAGGT" + "A" * 12 + "C" + "A" * 14 + "GGGTTAA", BAT26, 7) is None


def test_repeat_length_counts_whole_units_only():
    dinuc = Locus("chr1", 100, 110, "(CA)5", "CA", 5, "GGTTACGTAG", "TTGACCTGAA", None, None)
    assert repeat_length("TACGTAG" + "CA" * 3 + "TTGACCT", dinuc, 7) == 3
    assert repeat_length("TACGTAG" + "CA" * 3 + "C" + "TTGACCT", dinuc, 7) is None


def test_repeat_length_refuses_anchors_found_twice_with_different_lengths():
    # left anchor ATATAT, right anchor ATATAT around (GT)2: a run of AT matches with 0 units too
    locus = Locus("chr1", 100, 104, "(GT)2", "GT", 2, "TTTTATATAT", "ATATATCCCC", None, None)
    assert repeat_length("ATATAT" + "GTGT" + "ATATATATATATAT", locus, 6) is None


def _loci(n, staged=True):
    return [Locus("chr1", 1000 * i, 1000 * i + 12, "A12", "A", 12, "ACGTACGTAC" if staged else ".",
                  "GTCAGTCAGT" if staged else ".", None, None) for i in range(1, n + 1)]


def test_fewer_loci_in_the_panel_than_the_minimum_is_not_assessed_naming_the_loci():
    loci = _loci(10)
    counts = [Counter({12: 50}) for _ in loci]
    examined = [True] * 3 + [False] * 7
    doc = assess_msi(counts, counts, loci, examined, MsiSettings(min_informative_loci=5), purity=0.5)
    assert doc["status"] == "not_assessed"
    assert doc["not_assessed_because"] == ["loci"]
    assert doc["reason"] == ("the panel covers 3 of the 10 loci of the list; at least 5 informative loci are needed")
    assert doc["score_percent"] == 0.0 and doc["informative_loci"] == 3


def test_too_few_spanning_reads_is_not_assessed_naming_the_depth():
    loci = _loci(10)
    tumour = [Counter({12: 50}) for _ in range(4)] + [Counter({12: 19}) for _ in range(6)]
    normal = [Counter({12: 50}) for _ in loci]
    doc = assess_msi(tumour, normal, loci, [True] * 10, MsiSettings(min_informative_loci=5, min_reads=20), purity=0.5)
    assert doc["not_assessed_because"] == ["depth"]
    assert doc["reason"] == ("depth too low: 4 of the 10 loci in the panel have >= 20 spanning reads in the "
                             "tumour and the normal; at least 5 are needed")
    assert Counter(r["status"] for r in doc["loci"]) == Counter({"stable": 4, "low_depth": 6})


def test_purity_below_the_minimum_is_not_assessed_even_with_enough_loci():
    loci = _loci(10)
    counts = [Counter({12: 50}) for _ in loci]
    doc = assess_msi(counts, counts, loci, [True] * 10, MsiSettings(min_informative_loci=5, min_purity=0.2),
                     purity=0.1)
    assert (doc["status"], doc["not_assessed_because"]) == ("not_assessed", ["purity"])
    assert doc["reason"].startswith("tumour purity 0.1 is below the minimum 0.2")


def test_every_reason_that_applies_is_named():
    loci = _loci(10)
    counts = [Counter({12: 50}) for _ in loci]
    doc = assess_msi(counts, counts, loci, [True] * 2 + [False] * 8, MsiSettings(min_informative_loci=5,
                     min_purity=0.2), purity=0.1)
    assert doc["not_assessed_because"] == ["purity", "loci"]


def test_unstable_share_at_the_threshold_is_msi_h_and_below_it_mss():
    # 5 loci: one shifted by half its reads (p far below 0.05) = 20% unstable
    loci = _loci(5)
    normal = [Counter({12: 100}) for _ in loci]
    tumour = [Counter({12: 50, 10: 50})] + [Counter({12: 100}) for _ in range(4)]
    at = assess_msi(tumour, normal, loci, [True] * 5, MsiSettings(min_informative_loci=5, threshold_percent=20), 0.5)
    above = assess_msi(tumour, normal, loci, [True] * 5, MsiSettings(min_informative_loci=5, threshold_percent=20.1),
                       0.5)
    assert (at["status"], at["score_percent"], at["unstable_loci"]) == ("MSI-H", 20.0, 1)
    assert above["status"] == "MSS"


def test_a_significant_but_tiny_difference_is_not_instability():
    # 3% of 2,000 reads shifted: chi-square p ~ 1e-14, but the distance 0.03 is below min_distance 0.1
    loci = _loci(1)
    doc = assess_msi([Counter({12: 1940, 11: 60})], [Counter({12: 2000})], loci, [True], MsiSettings(
        min_informative_loci=1), None)
    row = doc["loci"][0]
    assert row["q_value"] < 1e-10 and row["distance"] == 0.03 and row["status"] == "stable"


def test_tumour_only_compares_with_the_reference_length_and_says_so():
    loci = _loci(5)
    tumour = [Counter({12: 70, 11: 30})] + [Counter({12: 100}) for _ in range(4)]
    doc = assess_msi(tumour, None, loci, [True] * 5, MsiSettings(min_informative_loci=5), 0.5)
    assert (doc["mode"], doc["status"], doc["unstable_loci"]) == ("tumor_only", "MSI-H", 1)
    assert "germline length polymorphism" in doc["caveat"]
    assert doc["loci"][0]["distance"] == 0.3


def test_a_marker_without_staged_sequence_is_named_not_staged():
    loci = _loci(1) + [Locus("chr14", 23183137, 23183158, "A21", "A", 21, ".", ".", "NR-21", "not staged: x")]
    doc = assess_msi([Counter({12: 50}), Counter()], [Counter({12: 50}), Counter()], loci, [True, False],
                     MsiSettings(min_informative_loci=1), None)
    assert doc["markers"] == [{"marker": "NR-21", "status": "not_staged", "reason": "not staged: x"}]
    assert (doc["loci_in_list"], doc["loci_not_staged"]) == (1, 1)


def test_a_loci_list_without_a_column_is_refused_naming_it(tmp_path):
    bad = tmp_path / "loci.tsv"
    bad.write_text("chrom\tstart0\tend\tname\tunit\tcopies\tleft_flank\tmarker\tnote\n")
    with pytest.raises(InputError, match=r"loci.tsv: missing column\(s\) right_flank"):
        read_loci(bad)


def test_a_loci_row_whose_span_is_not_its_units_is_refused(tmp_path):
    bad = tmp_path / "loci.tsv"
    bad.write_text("chrom\tstart0\tend\tname\tunit\tcopies\tleft_flank\tright_flank\tmarker\tnote\n"
                   "chr1\t100\t111\tA12\tA\t12\tACGTACGTAC\tGTCAGTCAGT\t.\t.\n")
    with pytest.raises(InputError, match="line 2: end - start0 must be len"):
        read_loci(bad)


# --- the shipped loci list -------------------------------------------------------------------------

def _rows(path):
    with open(path) as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def test_the_shipped_list_has_at_least_100_loci_and_the_staged_markers_at_their_grch38_runs():
    rows = _rows(MSI_LOCI)
    staged = [r for r in rows if r["left_flank"] != "."]
    assert len(staged) >= 100
    markers = {r["marker"]: (r["chrom"], int(r["start0"]) + 1, int(r["end"]), r["unit"] * int(r["copies"]))
               for r in staged if r["marker"] != "."}
    # GRCh38 runs of the markers (MSIDetector's hg19 markers lifted with the UCSC chain; shared PROVENANCE)
    assert markers == {
        "BAT-26": ("chr2", 47414421, 47414447, "A" * 27), "BAT-25": ("chr4", 54732046, 54732070, "T" * 25),
        "T15-3": ("chr7", 116769622, 116769636, "T" * 15), "T15-1": ("chr11", 108243935, 108243949, "T" * 15),
        "T15-2": ("chr11", 108271229, 108271243, "T" * 15), "T13": ("chr11", 108317540, 108317552, "T" * 13),
    }


def test_nr21_nr24_and_mono27_are_listed_as_not_staged():
    rows = {r["marker"]: r for r in _rows(MSI_LOCI) if r["marker"] != "."}
    for marker in ("NR-21", "NR-24", "MONO-27"):
        assert rows[marker]["left_flank"] == "." and rows[marker]["note"].startswith("not staged")


def test_the_test_loci_are_rows_of_the_shipped_list_and_their_windows_hold_them():
    shipped = {(r["chrom"], r["start0"]): r for r in _rows(MSI_LOCI)}
    test_rows = _rows(TEST_LOCI)
    assert len(test_rows) == 120
    windows = {}
    name = None
    for line in TEST_WINDOWS.read_text().splitlines():
        if line.startswith(">"):
            name = line[1:].split()[0]
            windows[name] = []
        else:
            windows[name].append(line)
    for r in test_rows:
        assert shipped[(r["chrom"], r["start0"])] == r
        s0, e = int(r["start0"]), int(r["end"])
        key = f"{r['chrom']}:{s0 - 350 + 1}-{e + 350}"
        seq = "".join(windows[key])
        assert seq[340:350] == r["left_flank"] and seq[350:-350] == r["unit"] * int(r["copies"])
        assert seq[-350:-340] == r["right_flank"]


# --- tier and therapies of the status (the shipped knowledge base's curated MSI-H evidence)

def test_msi_h_in_a_colorectal_tumour_is_tier_i_with_pembrolizumab_at_level_a():
    from genotailor.core.paths import ONCOLOGY_KB
    from genotailor.oncology.msi import actionability

    a = actionability("MSI-H", "COADREAD", ONCOLOGY_KB)
    assert (a["tier"], [r["therapies"] for r in a["therapies"]]) == ("I", [["Pembrolizumab"], ["Pembrolizumab"]])
    assert {r["oncotree"] for r in a["therapies"]} == {"COADREAD", "TISSUE"}


def test_msi_h_in_any_solid_tumour_is_tier_i_through_the_tumour_agnostic_approval():
    from genotailor.core.paths import ONCOLOGY_KB
    from genotailor.oncology.msi import actionability

    a = actionability("MSI-H", "UCEC", ONCOLOGY_KB)  # endometrial: only the tissue-agnostic approval applies
    assert (a["tier"], [(r["oncotree"], r["this_tumour_type"]) for r in a["therapies"]]) == (
        "I", [("TISSUE", True), ("COADREAD", False)])


def test_mss_has_no_therapy():
    from genotailor.core.paths import ONCOLOGY_KB
    from genotailor.oncology.msi import actionability

    a = actionability("MSS", "COADREAD", ONCOLOGY_KB)
    assert (a["tier"], a["therapies"]) == (None, [])


def test_msi_h_in_a_leukaemia_gets_no_tier_i_from_the_solid_tumour_approval():
    from genotailor.core.paths import ONCOLOGY_KB
    from genotailor.oncology.msi import actionability

    a = actionability("MSI-H", "AML", ONCOLOGY_KB)  # the 2017 approval covers solid tumours only
    assert a["tier"] == "II" and not any(r["this_tumour_type"] for r in a["therapies"])
