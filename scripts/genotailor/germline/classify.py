"""How a germline variant becomes a finding, and what a finding means for the patient.

Classification stays within what the evidence supports:
- ClinVar's aggregate classification at or above the required review stars: pathogenic /
  likely pathogenic are reported as such; uncertain significance and conflicting classifications
  only when the configuration asks; benign / likely benign never (they are named in the stage's
  `classified_not_reported` list instead).
- A variant ClinVar does not know (or knows below the review level) that is predicted loss of
  function (stop gained, frameshift, canonical splice site +-1/2) in a gene whose disease
  mechanism is loss of function is a "candidate — needs expert review", never a diagnosis.
- ACMG secondary findings follow each gene's reportable-variant rule and use ClinVar P/LP only.
"""

from __future__ import annotations

from collections import defaultdict

PLP = {"Pathogenic": "pathogenic", "Likely pathogenic": "likely_pathogenic"}
BENIGN = {"Benign", "Likely benign"}
LOF = {"stop_gained", "frameshift_variant", "splice_acceptor_variant", "splice_donor_variant"}
CANDIDATE = "candidate_needs_expert_review"


def clinvar_class(entry: dict | None, min_stars: int) -> str | None:
    """pathogenic | likely_pathogenic | uncertain_significance | conflicting | benign | None (not
    known at the required review level)."""
    if entry is None or entry["stars"] < min_stars:
        return None
    if entry["conflict"]:
        return "conflicting"
    terms = set(entry["clnsig"])
    if "Pathogenic" in terms:
        return "pathogenic"
    if "Likely pathogenic" in terms:
        return "likely_pathogenic"
    if terms & BENIGN:
        return "benign"
    if "Uncertain significance" in terms:
        return "uncertain_significance"
    return None


def benign_class(entry: dict | None, min_stars: int) -> str | None:
    """"benign" or "likely_benign" when ClinVar classes the variant so at the required review level (not
    reported, but named so a reader knows it was seen); None otherwise."""
    if clinvar_class(entry, min_stars) != "benign":
        return None
    return "benign" if "Benign" in entry["clnsig"] else "likely_benign"


def classify(entry, consequence: str, mechanism: str | None, min_stars: int, report_vus: bool) -> str | None:
    """The reported classification of one variant, or None when it is not reported."""
    cls = clinvar_class(entry, min_stars)
    if cls in ("pathogenic", "likely_pathogenic"):
        return cls
    if cls == "benign":
        return None
    if cls in ("uncertain_significance", "conflicting"):
        return cls if report_vus else None
    if consequence in LOF and mechanism == "loss_of_function":
        return CANDIDATE
    return None


def meaning(inheritance: str, zygosity: str, plp_alleles_in_gene: int, sex: str) -> str:
    """What the genotype means under the gene's mode of inheritance."""
    if inheritance == "AD":
        return "heterozygous carrier of a dominant condition: affected or at risk" if zygosity == "heterozygous" \
            else "homozygous for a variant of a dominant condition: affected or at risk"
    if inheritance == "AR":
        if zygosity == "homozygous":
            return "biallelic (homozygous): consistent with the recessive condition"
        if plp_alleles_in_gene >= 2:
            return ("two variants in a recessive gene, phase unknown: biallelic, and consistent with the "
                    "condition, if they lie on different chromosomes (test the parents)")
        return "carrier of a recessive condition: one variant; the condition needs two"
    if inheritance.startswith("XL"):
        if zygosity == "hemizygous" or (sex == "male" and zygosity == "homozygous"):
            return "hemizygous (male) for an X-linked condition: affected or at risk"
        # a female with the variant on both X chromosomes has no working copy: affected, not a carrier
        if zygosity == "homozygous":
            return ("homozygous for an X-linked condition: affected or at risk (a female with the variant on both "
                    "X chromosomes is not only a carrier)")
        if plp_alleles_in_gene >= 2:
            return ("two variants in an X-linked gene, phase unknown: affected or at risk if they lie on different "
                    "X chromosomes (test the parents), otherwise a carrier")
        return "heterozygous (female) for an X-linked condition: carrier, may be affected"
    return "mode of inheritance not stated: interpret with the gene's condition"


def sf_reportable(rule: str, gene_variants: list[dict]) -> list[dict]:
    """The ClinVar P/LP variants of one SF gene that its ACMG rule reports (all or none for the
    recessive rule)."""
    plp = [v for v in gene_variants if v["classification"] in ("pathogenic", "likely_pathogenic")]
    if rule == "any_plp":
        return plp
    if rule == "truncating_plp":
        return [v for v in plp if v["consequence"] in LOF]
    if rule == "biallelic_plp":
        alleles = sum(2 if v["zygosity"] == "homozygous" else 1 for v in plp)
        return plp if alleles >= 2 else []
    if rule == "homozygous_p.C282Y":
        return [v for v in plp if v.get("hgvs_p") == "p.C282Y" and v["zygosity"] == "homozygous"]
    raise ValueError(f"unknown ACMG SF rule {rule!r}")


def alleles_by_gene(findings) -> dict[str, int]:
    """Reportable P/LP (and candidate) alleles per gene: a homozygous variant counts twice."""
    out = defaultdict(int)
    for f in findings:
        if f["classification"] in ("pathogenic", "likely_pathogenic", CANDIDATE):
            out[f["gene"]] += 2 if f["zygosity"] == "homozygous" else 1
    return out
