"""What a germline finding means for the patient, and the ClinVar classes behind it
(germline/classify.py).

Expected values come from the genetics and from ClinVar's own definitions:
- dominant (AD): one variant is enough — heterozygous or homozygous, affected or at risk;
- recessive (AR): two variants are needed — homozygous is biallelic; two different variants are
  biallelic only if they lie on different chromosomes (phase unknown from one sample's calls);
  one is a carrier; a homozygous variant is two alleles;
- X-linked (XL): a male has one X — hemizygous, affected or at risk; a female with the variant on
  both X chromosomes (homozygous, or two variants in trans) has no working copy — affected or at risk,
  not a carrier; one variant in a female — a carrier, who may be affected;
- ClinVar's review-status stars: no assertion criteria 0, criteria provided single submitter 1,
  multiple submitters no conflicts 2, reviewed by expert panel 3, practice guideline 4; the
  aggregate terms "Likely pathogenic", "Likely benign", "Benign|Likely benign" (ACMG/AMP's five
  classes). The records below are facts of the shipped ClinVar release (2026-02-26).
"""

from __future__ import annotations

import pytest

from conftest import DEMO_REFERENCE, write_vcf
from genotailor.core.paths import GERMLINE_KB, TRANSCRIPT_MODELS
from genotailor.germline.classify import CANDIDATE, alleles_by_gene, benign_class, classify, clinvar_class, meaning, sf_reportable
from genotailor.germline.run import run_germline

STARS = {"no assertion criteria provided": 0, "criteria provided, single submitter": 1,
         "criteria provided, multiple submitters, no conflicts": 2, "reviewed by expert panel": 3,
         "practice guideline": 4}

# --- meaning: one sentence per inheritance and genotype -------------------------------------------


@pytest.mark.parametrize("inheritance,zygosity,alleles,sex,expected", [
    ("AD", "heterozygous", 1, "female", "heterozygous carrier of a dominant condition: affected or at risk"),
    ("AD", "homozygous", 2, "male", "homozygous for a variant of a dominant condition: affected or at risk"),
    ("AR", "homozygous", 2, "female", "biallelic (homozygous): consistent with the recessive condition"),
    ("AR", "heterozygous", 2, "female", "two variants in a recessive gene, phase unknown: biallelic, and consistent "
     "with the condition, if they lie on different chromosomes (test the parents)"),
    ("AR", "heterozygous", 1, "male", "carrier of a recessive condition: one variant; the condition needs two"),
    ("XL", "hemizygous", 1, "male", "hemizygous (male) for an X-linked condition: affected or at risk"),
    # a caller's diploid 1/1 call in a male
    ("XL", "homozygous", 2, "male", "hemizygous (male) for an X-linked condition: affected or at risk"),
    ("XL", "heterozygous", 1, "female", "heterozygous (female) for an X-linked condition: carrier, may be affected"),
    ("not stated", "heterozygous", 1, "female", "mode of inheritance not stated: interpret with the gene's condition"),
], ids=["AD-het", "AD-hom", "AR-hom", "AR-two", "AR-one", "XL-hemi", "XL-male-1/1", "XL-female-het", "unstated"])
def test_meaning_of_each_inheritance_and_genotype(inheritance, zygosity, alleles, sex, expected):
    assert meaning(inheritance, zygosity, alleles, sex) == expected


@pytest.mark.parametrize("sex", ["female", "unknown"])
def test_a_female_homozygous_for_an_x_linked_variant_is_affected_or_at_risk_not_a_carrier(sex):
    said = meaning("XL", "homozygous", 2, sex)
    assert said == ("homozygous for an X-linked condition: affected or at risk (a female with the variant on both "
                    "X chromosomes is not only a carrier)")
    assert not said.startswith(("heterozygous", "hemizygous (male)"))


def test_a_female_with_two_x_linked_variants_is_affected_if_they_lie_on_different_x_chromosomes():
    said = meaning("XL", "heterozygous", 2, "female")
    assert said == ("two variants in an X-linked gene, phase unknown: affected or at risk if they lie on different "
                    "X chromosomes (test the parents), otherwise a carrier")


def test_reportable_alleles_per_gene_count_a_homozygous_variant_twice_and_only_plp_and_candidates():
    def f(gene, cls, zygosity="heterozygous"):
        return {"gene": gene, "classification": cls, "zygosity": zygosity}

    counts = alleles_by_gene([
        f("MUTYH", "pathogenic", "homozygous"),  # biallelic by itself
        f("ATP7B", "likely_pathogenic"), f("ATP7B", CANDIDATE),  # two different variants
        f("BRCA2", "pathogenic"), f("BRCA2", "uncertain_significance"), f("BRCA2", "conflicting"),  # one allele
        f("PALB2", "uncertain_significance", "homozygous"),  # not reportable: no allele
    ])
    assert dict(counts) == {"MUTYH": 2, "ATP7B": 2, "BRCA2": 1}


def test_an_unknown_acmg_sf_rule_is_an_error_naming_it():
    with pytest.raises(ValueError, match="^unknown ACMG SF rule 'dominant_plp'$"):
        sf_reportable("dominant_plp", [])


# --- ClinVar classes from real records ---------------------------------------------------------------


def entry(variation_id, clnsig, review_status):
    return {"variation_id": variation_id, "clnsig": clnsig.split("|"), "review_status": review_status,
            "stars": STARS[review_status], "conflict": False}


BRCA2_LP = entry("52775", "Likely pathogenic", "criteria provided, multiple submitters, no conflicts")  # missense
BRCA2_LB = entry("433742", "Likely benign", "criteria provided, single submitter")  # intronic
BRCA2_B_LB = entry("37714", "Benign|Likely benign", "criteria provided, multiple submitters, no conflicts")


def test_a_likely_pathogenic_record_is_reported_likely_pathogenic_at_its_review_level():
    assert clinvar_class(BRCA2_LP, 2) == "likely_pathogenic"
    assert classify(BRCA2_LP, "missense_variant", "loss_of_function", 2, False) == "likely_pathogenic"
    # asking for an expert panel (3 stars): not known at that level, and a missense is no LoF candidate
    assert classify(BRCA2_LP, "missense_variant", "loss_of_function", 3, False) is None


def test_likely_benign_and_benign_records_are_named_with_their_own_class():
    assert (benign_class(BRCA2_LB, 1), classify(BRCA2_LB, "intron_variant", "loss_of_function", 1, True)) == (
        "likely_benign", None)
    assert benign_class(BRCA2_B_LB, 1) == "benign"  # "Benign|Likely benign": the record's benign term is kept
    assert benign_class(BRCA2_LB, 2) is None  # one star: below a two-star requirement


CONTIGS = (("chr3", 198295559), ("chr13", 114364328))


def test_a_patient_with_a_likely_pathogenic_and_a_likely_benign_brca2_variant(tmp_path):
    vcf = write_vcf(tmp_path / "g.vcf.gz", [("chr13", 32316386, "C", "G", "1/1"), ("chr13", 32319100, "T", "C", "0/1")],
                    contigs=CONTIGS)
    doc = run_germline(vcf, "S1", ["hereditary_breast_ovarian"], False, DEMO_REFERENCE, TRANSCRIPT_MODELS, GERMLINE_KB)
    [f] = doc["findings"]
    assert (f["gene"], f["pos"], f["classification"], f["clinvar"]["variation_id"], f["clinvar"]["stars"]) == (
        "BRCA2", 32319100, "likely_pathogenic", "52775", 2)
    assert f["meaning"] == "heterozygous carrier of a dominant condition: affected or at risk"
    [b] = doc["classified_not_reported"]
    assert (b["pos"], b["clinvar_class"], b["variation_id"], b["zygosity"]) == (32316386, "likely_benign", "433742",
                                                                               "homozygous")
