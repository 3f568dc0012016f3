"""AMP/ASCO/CAP tiers at their edges, on the shipped knowledge base (CIViC 01-Aug-2024 + CGI 2018 +
OncoTree 2025-10-03).

Expected values are the knowledge base's sources: the CIViC/CGI items named in each test (their
level, disease and therapy), CGI's codon ranges, OncoTree's names, and the tier rules of AMP/ASCO/CAP
2017 (Li et al., J Mol Diagn 19:4): Tier I = level A/B evidence in this tumour type, Tier II = level
A/B evidence in another tumour type (reported as level C) or level C/D evidence, Tier III = a
protein-altering variant without evidence."""

import shutil

import pytest

from conftest import ROOT
from genotailor.core.consequence import Consequence
from genotailor.core.errors import InputError
from genotailor.oncology.actionability import KnowledgeBase, assess, assess_copy_number, load_kb, variant_label

SHIPPED = ROOT / "workflow" / "resources" / "oncology"


def variant(gene, hgvs_p, codon, exon, consequence="missense_variant", hgvs_c=None):
    return Consequence(gene, "ENST", None, consequence, [consequence], hgvs_c, hgvs_p, None, codon, exon)


@pytest.fixture(scope="module")
def kb():
    return load_kb(str(SHIPPED))


def matches(result):
    return sorted({(r["match"], r["kb_variant"]) for r in result["therapies"]})


# ---- the knowledge base itself

def test_a_knowledge_base_whose_file_differs_from_its_manifest_is_refused_naming_the_file_and_the_fix(tmp_path):
    for name in ("manifest.json", "actionability.json", "oncotree.json"):
        shutil.copy(SHIPPED / name, tmp_path / name)
    with open(tmp_path / "actionability.json", "a") as fh:
        fh.write("\n")
    with pytest.raises(InputError) as err:
        KnowledgeBase(tmp_path)
    assert str(err.value) == (f"{tmp_path / 'actionability.json'}: checksum differs from its manifest; rebuild it "
                              "with `genotailor kb-build-oncology`")


def test_versions_and_the_oncotree_release_are_the_shipped_sources():
    kb = KnowledgeBase(SHIPPED)  # built here, not the cached one: this test reads what the constructor keeps
    assert kb.versions() == {"CIViC": "01-Aug-2024", "Cancer Genome Interpreter biomarkers": "2018-01-17",
                             "OncoTree": "oncotree_2025_10_03"}
    with pytest.raises(InputError) as err:
        assess(variant("BRAF", "p.V600E", 600, 15), "MELANOMA", kb)
    assert str(err.value) == "tumour type 'MELANOMA' is not an OncoTree code (oncotree_2025_10_03)"


def test_a_row_names_its_disease_by_its_oncotree_name_and_its_source_with_pmid():
    # CIViC EID650: BRCA2 loss-of-function, prostate cancer, olaparib, level B (Mateo et al. 2015, PMID 26510020)
    r = assess(variant("BRCA2", "p.R2520*", 2520, 18, "stop_gained"), "PRAD", KnowledgeBase(SHIPPED))
    (row,) = [t for t in r["therapies"] if t["kb_variant"] == "Loss-of-function"]
    assert (row["match"], row["oncotree"], row["disease"], row["therapies"], row["evidence_level"]) == (
        "gene", "PROSTATE", "Prostate", ["Olaparib"], "B")
    assert row["sources"] == [{"source": "CIViC", "id": "EID650", "url": "https://civicdb.org/links/evidence_items/650",
                               "pmid": "26510020"}]


# ---- gene-level classes and CGI codon ranges

def test_loss_of_function_items_match_a_truncating_variant_only(kb):
    # EID650 is for BRCA2 loss of function: a stop-gain is one, a missense is not
    stop = assess(variant("BRCA2", "p.R2520*", 2520, 18, "stop_gained"), "PRAD", kb)
    assert ("gene", "Loss-of-function") in matches(stop)
    missense = assess(variant("BRCA2", "p.R2520Q", 2520, 18), "PRAD", kb)
    assert ("gene", "Loss-of-function") not in matches(missense)


def test_gene_level_level_b_in_the_tumours_own_type_is_tier_ii_with_its_reason(kb):
    # EID650 (level B, prostate cancer) is gene-level: AMP Tier I needs evidence for the variant
    r = assess(variant("BRCA2", "p.R2520*", 2520, 18, "stop_gained"), "PRAD", kb)
    assert (r["tier"], r["amp_level"], r["tier_reason"]) == (
        "II", "C", "level A/B evidence for this tumour type at gene level only (a gene-level item gives Tier I only at "
                   "level A and for a known hotspot)")


@pytest.mark.parametrize("codon", [550, 592])
def test_a_kit_missense_on_the_first_and_last_codon_of_exon_11_matches_cgis_exon_11_range(kb, codon):
    # CGI "KIT mutation in exon 11" = codons 550-592 (sunitinib in GIST, level B); with CIViC EID654
    # (KIT exon 11 mutation, imatinib in GIST, level A): Tier I at level A
    r = assess(variant("KIT", f"p.X{codon}Y", codon, 11), "GIST", kb)
    assert ("exon", "KIT mutation in exon 11") in matches(r)
    assert (r["tier"], r["amp_level"]) == ("I", "A")


@pytest.mark.parametrize(("codon", "exon"), [(549, 10), (593, 12)])
def test_a_kit_missense_just_outside_exon_11_does_not_match_its_range(kb, codon, exon):
    r = assess(variant("KIT", f"p.X{codon}Y", codon, exon), "GIST", kb)
    assert ("exon", "KIT mutation in exon 11") not in matches(r)


def test_a_kit_variant_without_a_codon_matches_no_codon_range(kb):
    splice = assess(variant("KIT", None, None, None, "splice_donor_variant", "c.1648+1G>A"), "GIST", kb)
    assert not [t for t in splice["therapies"] if t["match"] == "exon"]


def test_level_c_evidence_only_is_tier_ii_at_level_c(kb):
    # CSF3R T618I in chronic neutrophilic leukaemia: ruxolitinib at CIViC level C (EID6381) and D (EID6380)
    r = assess(variant("CSF3R", "p.T618I", 618, 14), "CNL", kb)
    assert (r["tier"], r["amp_level"], r["tier_reason"]) == ("II", "C", "level C evidence only")
    assert [(t["evidence_level"], t["sources"][0]["id"]) for t in r["therapies"]] == [("C", "EID6381"), ("D", "EID6380")]


def test_a_protein_altering_variant_without_evidence_is_tier_iii_with_its_reason(kb):
    r = assess(variant("TTN", "p.R100W", 100, 2), "BRCA", kb)
    assert (r["tier"], r["amp_level"], r["therapies"]) == ("III", None, [])
    assert r["tier_reason"] == "protein-altering variant without evidence in the knowledge base (unknown significance)"


def test_rows_of_this_tumour_type_come_first(kb):
    r = assess(variant("BRAF", "p.V600E", 600, 15), "MEL", kb, known_hotspot=True)
    flags = [t["this_tumour_type"] for t in r["therapies"]]
    assert flags[0] is True and False in flags
    assert flags == sorted(flags, reverse=True)


def test_a_variant_without_a_protein_change_is_labelled_by_its_hgvs_c():
    assert variant_label(variant("KIT", None, None, None, "splice_donor_variant", "c.1648+1G>A")) == "KIT c.1648+1G>A"
    assert variant_label(variant("KIT", None, None, None, "intron_variant")) == "KIT intron_variant"


# ---- copy number

def cnv(gene, call, tumour_type, kb):
    return assess_copy_number({"gene": gene, "status": "assessed", "call": call}, tumour_type, kb)


def test_an_amplification_with_level_a_b_evidence_in_other_tumour_types_only_is_tier_ii_at_level_c(kb):
    # CGI "TOP2A amplification": anthracyclines, breast cancer, level B; a lung adenocarcinoma has none
    r = cnv("TOP2A", "amplification", "LUAD", kb)
    assert (r["tier"], r["amp_level"], r["tier_reason"]) == ("II", "C", "level A/B evidence for other tumour types only")
    assert [(t["therapies"], t["oncotree"], t["this_tumour_type"], t["match"]) for t in r["therapies"]] == [
        (["Anthracyclines"], "BRCA", False, "gene")]


def test_an_amplification_with_level_d_evidence_only_is_tier_ii_at_level_d(kb):
    # MYCN amplification in neuroblastoma: CIViC EID744 (CBL0137) and EID6019 (JQ1 + panobinostat), level D
    r = cnv("MYCN", "amplification", "NBL", kb)
    assert (r["tier"], r["amp_level"], r["tier_reason"]) == ("II", "D", "level D evidence only")
    assert {s["id"] for t in r["therapies"] if t["this_tumour_type"] for s in t["sources"]} == {"EID744", "EID6019"}


def test_a_gene_without_copy_number_evidence_is_not_tiered_and_says_so(kb):
    assert cnv("TTN", "amplification", "BRCA", kb) == {
        "tier": None, "amp_level": None, "therapies": [],
        "tier_reason": "TTN amplification without evidence in the knowledge base: not tiered"}


def test_a_deletion_matches_only_the_genes_copy_number_loss_items(kb):
    # PTEN items in the knowledge base: CIViC "Loss"/"Deletion", CGI "deletion" (copy-number loss) and
    # "Mutation"/"oncogenic mutation"/R233* (sequence variants, not matched by a deletion)
    r = cnv("PTEN", "deletion", "BRCA", kb)
    assert {t["kb_variant"] for t in r["therapies"]} == {"Loss", "Deletion", "deletion"}
    assert {t["match"] for t in r["therapies"]} == {"gene"}


def test_copy_number_rows_of_this_tumour_type_come_first(kb):
    r = cnv("ERBB2", "amplification", "BRCA", kb)
    flags = [t["this_tumour_type"] for t in r["therapies"]]
    assert flags[0] is True and False in flags
    assert flags == sorted(flags, reverse=True)
