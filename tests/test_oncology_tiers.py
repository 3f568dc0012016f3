"""Match levels and AMP/ASCO/CAP tiers by tumour type through OncoTree ancestry.

Match levels are checked on a knowledge base built from the small fixtures
(tests/data/oncology_sources); the demo's clinical cases on the shipped knowledge base (CIViC
01-Aug-2024 + CGI)."""

import pytest

from conftest import ROOT
from genotailor.core.consequence import Consequence
from genotailor.core.errors import InputError
from genotailor.kb.oncology import build_oncology_kb
from genotailor.oncology.actionability import CoOccurring, KnowledgeBase, assess, load_kb

SRC = ROOT / "tests" / "data" / "oncology_sources"
SHIPPED = ROOT / "workflow" / "resources" / "oncology"


def variant(gene, hgvs_p, codon, exon, consequence="missense_variant"):
    return Consequence(gene, "ENST", None, consequence, [consequence], None, hgvs_p, None, codon, exon)


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    out = tmp_path_factory.mktemp("kb")
    build_oncology_kb(SRC / "civic", SRC / "cgi_biomarkers_per_variant.tsv", SRC / "oncotree_fixture.tsv",
                      SRC / "crosswalk_fixture.tsv", out, "01-Aug-2024", "2018", "fixture")
    return KnowledgeBase(out)


def matches(result):
    return sorted({(r["match"], r["kb_variant"]) for r in result["therapies"]})


def test_same_amino_acid_change_matches_at_protein_level_and_codon_entries_too(kb):
    r = assess(variant("BRAF", "p.V600E", 600, 15), "MEL", kb)
    assert matches(r) == [("codon", "V600"), ("protein", "V600E")]


def test_other_change_at_the_codon_matches_only_the_codon_entry(kb):
    r = assess(variant("BRAF", "p.V600K", 600, 15), "MEL", kb)
    assert matches(r) == [("codon", "V600")]
    # codon-level evidence here is level C for any cancer: Tier II, never Tier I
    assert (r["tier"], r["amp_level"]) == ("II", "C")


def test_exon_19_inframe_deletion_matches_exon_and_cgi_codon_range_but_a_missense_in_exon_19_does_not(kb):
    dele = assess(variant("EGFR", "p.L747_P753delinsS", 747, 19, "inframe_deletion"), "LUAD", kb)
    assert matches(dele) == [("exon", "EGFR exon 19 deletions"), ("exon", "Exon 19 Deletion")]
    assert dele["tier"] == "I"
    missense = assess(variant("EGFR", "p.L747F", 747, 19), "LUAD", kb)
    assert matches(missense) == []


def test_gene_level_class_matches_any_protein_altering_variant_but_tiers_ii_unless_a_hotspot(kb):
    r = assess(variant("KRAS", "p.A146T", 146, 4), "COADREAD", kb)
    assert matches(r) == [("gene", "oncogenic mutation")]
    assert r["tier"] == "II"
    assert assess(variant("KRAS", "p.A146T", 146, 4), "COADREAD", kb, known_hotspot=True)["tier"] == "I"
    assert matches(assess(variant("KRAS", "p.A146=", 146, 4, "synonymous_variant"), "COADREAD", kb)) == []


def test_oncotree_ancestor_and_descendant_count_as_the_same_tumour_type(kb):
    # CIViC "Melanoma" (MEL) evidence for a cutaneous melanoma (SKCM, a descendant of MEL) ...
    down = assess(variant("BRAF", "p.V600E", 600, 15), "SKCM", kb)
    assert (down["tier"], down["amp_level"]) == ("I", "A")
    # ... and CIViC "Lung Adenocarcinoma" (LUAD) evidence for an NSCLC (its ancestor)
    up = assess(variant("EGFR", "p.E746_A750del", 746, 19, "inframe_deletion"), "NSCLC", kb)
    assert any(r["oncotree"] == "LUAD" and r["this_tumour_type"] for r in up["therapies"])


def test_level_a_evidence_in_another_tumour_type_gives_tier_ii(kb):
    r = assess(variant("BRAF", "p.V600E", 600, 15), "BRCA", kb)
    assert (r["tier"], r["amp_level"], r["tier_reason"]) == ("II", "C", "level A/B evidence for other tumour types only")


def test_resistance_is_listed_apart_and_counts_for_the_tier(kb):
    r = assess(variant("EGFR", "p.T790M", 790, 20), "LUAD", kb)
    (row,) = r["therapies"]
    assert (row["therapies"], row["direction"], row["evidence_level"], row["this_tumour_type"]) == (
        ["Gefitinib"], "resistance", "A", True)
    assert [s["source"] for s in row["sources"]] == ["CIViC", "CGI"]
    assert r["tier"] == "I"


def test_no_evidence_is_tier_iii_and_non_coding_is_not_tiered(kb):
    assert assess(variant("BRAF", "p.G469A", 469, 11), "MEL", kb)["tier"] == "III"
    syn = assess(Consequence("BRAF", "T", None, "intron_variant", [], "c.1860+25C>T", None, None, None, None), "MEL", kb)
    assert (syn["tier"], syn["tier_reason"]) == (None, "not protein-altering (intron_variant): not tiered")


def test_unknown_tumour_type_is_an_error(kb):
    with pytest.raises(InputError, match="'MELANOMA' is not an OncoTree code"):
        assess(variant("BRAF", "p.V600E", 600, 15), "MELANOMA", kb)


# ---- the shipped knowledge base (CIViC 01-Aug-2024 + CGI): the cases the demo shows

def test_shipped_braf_v600e_melanoma_is_tier_i_level_a_with_dabrafenib_trametinib():
    r = assess(variant("BRAF", "p.V600E", 600, 15), "MEL", load_kb(SHIPPED), known_hotspot=True)
    assert (r["tier"], r["amp_level"]) == ("I", "A")
    here_a = {tuple(t["therapies"]) for t in r["therapies"] if t["this_tumour_type"] and t["evidence_level"] == "A"}
    assert ("Dabrafenib", "Trametinib") in here_a and ("Vemurafenib",) in here_a


def test_shipped_pik3ca_h1047r_is_tiered_by_tumour_type():
    kb = load_kb(SHIPPED)
    h1047r = variant("PIK3CA", "p.H1047R", 1047, 21)
    assert assess(h1047r, "BRCA", kb, known_hotspot=True)["tier"] == "I"
    mel = assess(h1047r, "MEL", kb, known_hotspot=True)
    assert (mel["tier"], mel["tier_reason"]) == ("II", "level A/B evidence for other tumour types only")


def test_shipped_egfr_t790m_shows_first_generation_inhibitor_resistance_in_luad():
    r = assess(variant("EGFR", "p.T790M", 790, 20), "LUAD", load_kb(SHIPPED), known_hotspot=True)
    resistant = {t["therapies"][0] for t in r["therapies"]
                 if t["direction"] == "resistance" and t["this_tumour_type"] and len(t["therapies"]) == 1}
    sensitive = {t["therapies"][0] for t in r["therapies"]
                 if t["direction"] == "sensitivity" and t["this_tumour_type"] and t["evidence_level"] == "A"}
    assert {"Erlotinib", "Gefitinib"} <= resistant
    assert "Osimertinib" in sensitive


def test_evidence_for_two_variants_together_counts_only_when_the_tumour_carries_both(kb):
    l858r, t790m = variant("EGFR", "p.L858R", 858, 21), variant("EGFR", "p.T790M", 790, 20)
    both = CoOccurring([("a", l858r), ("b", t790m)])
    with_both = assess(l858r, "LUAD", kb, others=both, key="a")
    (row,) = [r for r in with_both["therapies"] if r["therapies"] == ["Osimertinib"]]
    assert (row["together_with"], row["evidence_level"], row["this_tumour_type"]) == (["EGFR p.T790M"], "B", True)
    t790m_rows = assess(t790m, "LUAD", kb, others=both, key="b")["therapies"]
    assert [r["together_with"] for r in t790m_rows if r["therapies"] == ["Osimertinib"]] == [["EGFR p.L858R"]]
    # L858R alone: the osimertinib evidence for the pair does not apply, the erlotinib evidence does
    alone = assess(l858r, "LUAD", kb, others=CoOccurring([("a", l858r)]), key="a")
    assert [r["therapies"] for r in alone["therapies"]] == [["Erlotinib"]]
    # the variant cannot stand in for its own partner
    twice = CoOccurring([("a", l858r), ("a2", variant("EGFR", "p.L858R", 858, 21))])
    assert not [r for r in assess(l858r, "LUAD", kb, others=twice, key="a")["therapies"]
                if r["therapies"] == ["Osimertinib"]]


def test_level_b_evidence_in_the_tumours_own_type_gives_tier_i_and_elsewhere_tier_ii(kb):
    # AMP/ASCO/CAP 2017 (Li et al., J Mol Diagn 19:4): Tier I is level A *or B* evidence in this
    # tumour type; level A/B evidence for another type only is Tier II (level C). The fixture holds
    # PIK3CA H1047R -> alpelisib at CIViC level B for breast cancer (EID9011) and nothing stronger.
    own = assess(variant("PIK3CA", "p.H1047R", 1047, 21), "BRCA", kb)
    assert (own["tier"], own["amp_level"]) == ("I", "B")
    other = assess(variant("PIK3CA", "p.H1047R", 1047, 21), "MEL", kb)
    assert (other["tier"], other["amp_level"]) == ("II", "C")
    # level B in its own type outranks level A elsewhere: BRAF V600E in colorectal cancer (EID9003)
    crc = assess(variant("BRAF", "p.V600E", 600, 15), "COADREAD", kb)
    assert (crc["tier"], crc["amp_level"]) == ("I", "B")
