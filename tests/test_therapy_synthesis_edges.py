"""The therapy synthesis's weighing, one rule at a time, on the shipped knowledge base (CIViC
01-Aug-2024 + CGI 2018): each case is a real variant's evidence as `assess` finds it, and the expected
lines follow from the items named (their level, match and direction) and the synthesis rules: a
gene-level item at level B weighs as level C (as for the AMP tier); two sides at the same weight or
both at level A/B conflict, otherwise the stronger side decides; a strong (level A/B) resistance of one
variant defeats a drug (or a regimen holding it) that another variant of the gene responds to."""

import pytest

from conftest import ROOT
from genotailor.core.consequence import Consequence
from genotailor.oncology.actionability import CoOccurring, assess, load_kb
from genotailor.oncology.synthesis import drug_lines, synthesize, variant_label

SHIPPED = ROOT / "workflow" / "resources" / "oncology"


def csq(gene, hgvs_p, codon, exon, consequence="missense_variant"):
    return Consequence(gene, "ENST", None, consequence, [consequence], None, hgvs_p, None, codon, exon)


@pytest.fixture(scope="module")
def kb():
    return load_kb(str(SHIPPED))


def lines(kb, c, tumour_type, others=None, key=None):
    return drug_lines(assess(c, tumour_type, kb, known_hotspot=True, others=others, key=key)["therapies"])


def line(result, therapy):
    (ln,) = [ln for ln in result["drugs"] if ln["therapy"] == therapy]
    return ln


def ids(side):
    return [s["id"] for s in side["sources"]]


BRCA2_STOP = csq("BRCA2", "p.R2520*", 2520, 18, "stop_gained")


def test_a_gene_level_level_b_item_weighs_as_level_c(kb):
    # CIViC EID650: BRCA2 loss of function, prostate cancer, olaparib, level B — gene-level
    ln = line(lines(kb, BRCA2_STOP, "PRAD"), "Olaparib")
    assert (ln["verdict"], ln["level"], ln["effective_level"], ln["match"]) == ("sensitivity", "B", "C", "gene")
    assert ids(ln["sensitivity"]) == ["EID650"]


def test_a_gene_level_level_a_item_keeps_level_a(kb):
    # CGI "BRCA2 oncogenic mutation": olaparib in ovarian cancer at FDA-guideline level (A)
    ln = line(lines(kb, BRCA2_STOP, "HGSOC"), "Olaparib")
    assert (ln["level"], ln["effective_level"], ln["match"]) == ("A", "A", "gene")


def test_a_variant_specific_level_b_item_keeps_level_b(kb):
    # CIViC EID1326: KRAS exon 2 mutations, colorectal cancer, irinotecan + selumetinib, level B
    ln = line(lines(kb, csq("KRAS", "p.G13D", 13, 2), "COADREAD"), "Irinotecan + Selumetinib")
    assert (ln["level"], ln["effective_level"], ln["match"]) == ("B", "B", "exon")


def test_the_other_tumour_types_count_the_drugs_with_level_c_d_evidence_only(kb):
    # BRCA2 in prostate cancer: olaparib is the only drug for this type; elsewhere, one drug at
    # level A/B and four with level C/D evidence only
    r = lines(kb, BRCA2_STOP, "PRAD")
    assert (len(r["drugs"]), len(r["other_tumour_types"]), r["other_tumour_types_c_d"]) == (1, 1, 4)


def test_sensitivity_at_b_against_resistance_at_a_is_a_conflict(kb):
    # KRAS G13D, cetuximab: G13D-specific sensitivity EID306 (B) against exon 2 resistance EID993 (A)
    ln = line(lines(kb, csq("KRAS", "p.G13D", 13, 2), "COADREAD"), "Cetuximab")
    assert (ln["verdict"], ln["level"], ln["conflicting_evidence"]) == ("conflicting", "A", True)
    assert (ln["sensitivity"]["level"], ids(ln["sensitivity"])) == ("B", ["EID306"])
    assert ln["resistance"]["level"] == "A" and "EID993" in ids(ln["resistance"])


def test_two_sides_at_level_c_conflict(kb):
    # KRAS G12C in lung adenocarcinoma, selumetinib: CGI "KRAS oncogenic mutation" both ways at level C
    ln = line(lines(kb, csq("KRAS", "p.G12C", 12, 2), "LUAD"), "Selumetinib")
    assert (ln["verdict"], ln["level"], ln["conflicting_evidence"]) == ("conflicting", "C", True)


def test_stronger_resistance_against_weaker_sensitivity_is_resistance(kb):
    t790m = lines(kb, csq("EGFR", "p.T790M", 790, 20), "LUAD")
    # afatinib: resistance at level A (CGI "EGFR (T790M)") against level D sensitivity (EID2163, EID2164)
    afatinib = line(t790m, "Afatinib")
    assert (afatinib["verdict"], afatinib["level"], afatinib["conflicting_evidence"]) == ("resistance", "A", True)
    assert afatinib["sensitivity"]["level"] == "D"
    # dacomitinib: resistance at level B (EID240) against level D sensitivity (EID2161)
    dacomitinib = line(t790m, "Dacomitinib")
    assert (dacomitinib["verdict"], dacomitinib["level"]) == ("resistance", "B")
    # BRAF V600E in colorectal cancer, vemurafenib: resistance at B (EID1576) against C (EID5960)
    vemurafenib = line(lines(kb, csq("BRAF", "p.V600E", 600, 15), "COADREAD"), "Vemurafenib")
    assert (vemurafenib["verdict"], vemurafenib["level"]) == ("resistance", "B")
    # one side only: no conflict (osimertinib for T790M: EID1592, EID1867, CGI, level A)
    assert line(t790m, "Osimertinib")["conflicting_evidence"] is False


def test_evidence_for_two_variants_together_names_the_partner(kb):
    # CIViC EID1438: MTOR E2014K and E2419K together, bladder cancer, everolimus + pazopanib, level C
    a, b = csq("MTOR", "p.E2014K", 2014, 40), csq("MTOR", "p.E2419K", 2419, 53)
    ln = line(lines(kb, a, "BLCA", CoOccurring([("a", a), ("b", b)]), "a"), "Everolimus + Pazopanib")
    assert (ln["level"], ids(ln["sensitivity"]), ln["sensitivity"]["together_with"]) == (
        "C", ["EID1438"], ["MTOR p.E2419K"])
    # everolimus alone (CGI, the three MTOR variants each) needs no partner
    assert "together_with" not in line(lines(kb, a, "BLCA", CoOccurring([("a", a), ("b", b)]), "a"),
                                       "Everolimus")["sensitivity"]


def test_tumour_agnostic_evidence_is_named_any_tumour_type(kb):
    # CIViC EID3039: AKT1 E17K, capivasertib, solid tumours (the OncoTree root), level B: not this
    # tumour type's evidence (the root counts only at level A), listed among the other types' drugs
    r = lines(kb, csq("AKT1", "p.E17K", 17, 4), "LUAD")
    (ln,) = [ln for ln in r["other_tumour_types"] if ln["therapy"] == "Capivasertib"]
    assert "any tumour type" in ln["sensitivity"]["diseases"]


def test_sources_are_listed_once_each(kb):
    for c, tumour_type in ((csq("EGFR", "p.T790M", 790, 20), "LUAD"), (csq("BRAF", "p.V600E", 600, 15), "MEL"),
                           (csq("KRAS", "p.G13D", 13, 2), "COADREAD")):
        r = lines(kb, c, tumour_type)
        for ln in r["drugs"] + r["other_tumour_types"]:
            for side in (ln["sensitivity"], ln["resistance"]):
                if side:
                    keys = [(s["source"], s["id"]) for s in side["sources"]]
                    assert len(keys) == len(set(keys)), (ln["therapy"], keys)


# ---- the tumour

def variant(kb, c, tumour_type, pos, ref, alt, others=None, key=None):
    return {"gene": c.gene, "protein_change": c.hgvs_p, "hgvs_c": None, "chrom": "chr7", "pos": pos, "ref": ref,
            "alt": alt, "therapy_lines": lines(kb, c, tumour_type, others, key)}


def test_variant_labels_fall_back_to_hgvs_c_and_then_to_the_position():
    # EGFR c.2369C>T (p.T790M) at chr7:55181378 (GRCh38)
    base = {"chrom": "chr7", "pos": 55181378, "ref": "C", "alt": "T"}
    assert variant_label({**base, "gene": "EGFR", "protein_change": None, "hgvs_c": "c.2369C>T"}) == "EGFR c.2369C>T"
    assert variant_label({**base, "gene": None, "protein_change": None, "hgvs_c": None}) == "chr7:55181378 C>T"


def lung(kb, genomic_order=True):
    """EGFR T790M and L858R in a lung adenocarcinoma, in genomic order as the somatic stage lists them
    or the other way round (built in each test: mutmut ties work done in a shared fixture to one test)."""
    l858r, t790m = csq("EGFR", "p.L858R", 858, 21), csq("EGFR", "p.T790M", 790, 20)
    both = CoOccurring([("t790m", t790m), ("l858r", l858r)])
    vs = [variant(kb, t790m, "LUAD", 55181378, "C", "T", both, "t790m"),
          variant(kb, l858r, "LUAD", 55191822, "T", "G", both, "l858r")]
    return synthesize(vs if genomic_order else vs[::-1], "T", "LUAD", "Lung Adenocarcinoma")


@pytest.mark.parametrize("genomic_order", [True, False])
def test_t790m_defeats_a_regimen_through_its_erlotinib(kb, genomic_order):
    syn = lung(kb, genomic_order)
    # L858R: erlotinib + ramucirumab at level A (CIViC, RELAY); T790M: erlotinib resistance at level A
    # (CGI "EGFR (T790M)", EID238): the regimen is defeated through erlotinib
    (r,) = [r for r in syn["drugs"] if r["therapy"] == "Erlotinib + Ramucirumab"]
    assert (r["verdict"], r["defeated_by"], r["effective_against"]) == (
        "resistance", [{"variant": "EGFR p.T790M", "through": "Erlotinib"}], [])
    assert r["level"] == "A" and r["conflicting_evidence"] is True
    # a regimen T790M has no strong resistance to a drug of is not defeated: afatinib + cetuximab (CGI,
    # level C, for both variants)
    (ac,) = [r for r in syn["drugs"] if r["therapy"] == "Afatinib + Cetuximab"]
    assert (ac["verdict"], ac["defeated_by"]) == ("sensitivity", [])


@pytest.mark.parametrize("genomic_order", [True, False])
def test_the_reading_of_l858r_with_t790m_lists_the_defeated_drugs_in_order(kb, genomic_order):
    syn = lung(kb, genomic_order)
    (reading,) = syn["readings"]
    assert (reading["gene"], reading["sensitizing"], reading["resistance"]) == ("EGFR", ["EGFR p.L858R"], ["EGFR p.T790M"])
    assert {"Erlotinib", "Gefitinib", "Afatinib", "Erlotinib + Ramucirumab"} <= set(reading["defeated"])
    assert reading["defeated"] == sorted(reading["defeated"], key=str.lower)
    assert [d["therapy"] for d in reading["effective_against_all"]][0] == "Osimertinib"
    for d in reading["effective_against_all"]:
        (r,) = [r for r in syn["drugs"] if r["therapy"] == d["therapy"]]
        assert r["verdict"] == "sensitivity" and set(r["effective_against"]) == {"EGFR p.L858R", "EGFR p.T790M"}
    # the sensitizing variant is named first in each row's lines
    osimertinib = syn["drugs"][0]
    assert [ln["variant"] for ln in osimertinib["lines"]] == ["EGFR p.L858R", "EGFR p.T790M"]


def test_weak_resistance_does_not_defeat_another_variants_drug(kb):
    # PIK3CA H1047R in breast cancer: lapatinib + trastuzumab resistance at level D (EID6204) — a
    # second PIK3CA variant responding to it would not be defeated; alone it stays resistance
    h1047r = csq("PIK3CA", "p.H1047R", 1047, 21)
    syn = synthesize([variant(kb, h1047r, "BRCA", 1, "A", "G")], "T", "BRCA", "Invasive Breast Carcinoma")
    (r,) = [r for r in syn["drugs"] if r["therapy"] == "Lapatinib + Trastuzumab"]
    assert (r["verdict"], r["level"], r["defeated_by"]) == ("resistance", "D", [])
    assert syn["readings"] == []


def test_two_genes_resistance_without_a_sensitizing_variant_is_resistance_and_a_conflict_stays_one(kb):
    # colorectal cancer with KRAS G13D and BRAF V600E (CIViC/CGI): panitumumab resistance for both
    # (KRAS EID2004/EID6363 codon 13, level B; BRAF EID2115 + CGI, level B); cetuximab conflicting for
    # G13D (EID306 B against EID993 A) and resistance for V600E (EID126, EID2115, level B)
    vs = [variant(kb, csq("KRAS", "p.G13D", 13, 2), "COADREAD", 25245347, "C", "T"),
          variant(kb, csq("BRAF", "p.V600E", 600, 15), "COADREAD", 140753336, "A", "T")]
    syn = synthesize(vs, "T", "COADREAD", "Colorectal Adenocarcinoma")
    (panitumumab,) = [r for r in syn["drugs"] if r["therapy"] == "Panitumumab"]
    assert (panitumumab["verdict"], panitumumab["level"], panitumumab["conflicting_evidence"],
            panitumumab["defeated_by"], panitumumab["effective_against"]) == ("resistance", "B", False, [], [])
    (cetuximab,) = [r for r in syn["drugs"] if r["therapy"] == "Cetuximab"]
    assert (cetuximab["verdict"], cetuximab["level"], cetuximab["conflicting_evidence"], cetuximab["defeated_by"]) == (
        "conflicting", "A", True, [])
    assert [(ln["variant"], ln["verdict"]) for ln in cetuximab["lines"]] == [
        ("KRAS p.G13D", "conflicting"), ("BRAF p.V600E", "resistance")]
    assert syn["readings"] == []


def test_resistance_in_another_gene_makes_a_conflict_not_a_defeat(kb):
    # melanoma with NRAS Q61K and BRAF V600E: vemurafenib sensitivity for V600E at level A (CGI
    # "BRAF (V600E)", FDA; CIViC EID1409) and resistance for NRAS Q61 at level B (CIViC EID14). The
    # resistance is another gene's: no defeat, a conflict at the stronger side's level
    vs = [variant(kb, csq("NRAS", "p.Q61K", 61, 3), "MEL", 114713908, "T", "G"),
          variant(kb, csq("BRAF", "p.V600E", 600, 15), "MEL", 140753336, "A", "T")]
    syn = synthesize(vs, "T", "MEL", "Melanoma")
    (r,) = [r for r in syn["drugs"] if r["therapy"] == "Vemurafenib"]
    assert (r["verdict"], r["level"], r["conflicting_evidence"], r["defeated_by"], r["effective_against"]) == (
        "conflicting", "A", True, [], [])
    assert [(ln["variant"], ln["verdict"], ln["level"]) for ln in r["lines"]] == [
        ("NRAS p.Q61K", "resistance", "B"), ("BRAF p.V600E", "sensitivity", "A")]
    assert "EID14" in ids(r["lines"][0]["resistance"])
    assert syn["readings"] == []


def test_other_tumour_types_one_row_per_drug_across_the_variants(kb):
    # the same melanoma: cetuximab resistance in colorectal cancer for NRAS (gene level, level A: CIViC
    # EID5344, CGI "NRAS oncogenic mutation") and for BRAF V600E (level B: EID126, EID2115, CGI) — one
    # row, level A; cetuximab + encorafenib for V600E in colorectal cancer (CIViC EID9851, level A)
    vs = [variant(kb, csq("NRAS", "p.Q61K", 61, 3), "MEL", 114713908, "T", "G"),
          variant(kb, csq("BRAF", "p.V600E", 600, 15), "MEL", 140753336, "A", "T")]
    syn = synthesize(vs, "T", "MEL", "Melanoma")
    other = {o["therapy"]: o for o in syn["other_tumour_types"]}
    assert len(other) == len(syn["other_tumour_types"])
    assert not set(other) & {r["therapy"] for r in syn["drugs"]}
    cet = other["Cetuximab"]
    assert (cet["verdict"], cet["level"], cet["variants"], cet["diseases"], cet["conflicting_evidence"]) == (
        "resistance", "A", ["NRAS p.Q61K", "BRAF p.V600E"], ["Colorectal Adenocarcinoma"], False)
    enc = other["Cetuximab + Encorafenib"]
    assert (enc["verdict"], enc["level"], enc["variants"], enc["conflicting_evidence"]) == (
        "sensitivity", "A", ["BRAF p.V600E"], False)
    assert ids(enc["lines"][0]["sensitivity"]) == ["EID9851"]


def test_other_tumour_types_row_with_verdicts_that_differ_between_variants_is_a_conflict(kb):
    # a melanoma with KRAS G12C and EGFR L858R: for lung cancer, erlotinib resistance for KRAS
    # G12C (CIViC EID1216, level B) and erlotinib sensitivity for EGFR L858R (level A): one row, conflicting
    vs = [variant(kb, csq("KRAS", "p.G12C", 12, 2), "MEL", 25245351, "C", "A"),
          variant(kb, csq("EGFR", "p.L858R", 858, 21), "MEL", 55191822, "T", "G")]
    syn = synthesize(vs, "T", "MEL", "Melanoma")
    (erl,) = [o for o in syn["other_tumour_types"] if o["therapy"] == "Erlotinib"]
    assert (erl["verdict"], erl["level"], erl["conflicting_evidence"]) == ("conflicting", "A", True)
    assert [(ln["variant"], ln["verdict"], ln["level"], ln["conflicting_evidence"]) for ln in erl["lines"]] == [
        ("KRAS p.G12C", "resistance", "B", False), ("EGFR p.L858R", "sensitivity", "A", False)]
    assert ids(erl["lines"][0]["resistance"]) == ["EID1216"]
