"""Pharmacogenomics: gene results, drug recommendations, and what could not be assessed."""

from __future__ import annotations

from genotailor.report.sections.base import Section

# When CYP2D6 is not among the PGx results at all. A CYP2D6 result called from the VCF carries
# its own limitation (SNVs and indels only: `genotailor.pgx.rules.CYP2D6_LIMITATION`); every
# gene result's limitations are repeated among the report's limitations.
CYP2D6_LIMITATION = (
    "CYP2D6 was not called; copy number changes, deletions (*5) and CYP2D6/CYP2D7 hybrids "
    "cannot be seen in SNV/indel calls in any case. Use a dedicated caller and give its result "
    "as an outside call."
)


def build(patient, docs):
    limitations = []
    pgx, drugs = [], []
    if not patient.consent_pgx:
        limitations.append({"section": "pgx", "reason": "no consent for pharmacogenomic testing: not analysed"})
    elif not docs:
        limitations.append({"section": "pgx", "reason": "no germline sample: pharmacogenes not assessed"})
    else:
        pgx, drugs = docs[0]["pgx"], docs[0].get("drugs", [])
        if not any(g["gene"] == "CYP2D6" for g in pgx):
            limitations.append({"section": "pgx", "gene": "CYP2D6", "reason": CYP2D6_LIMITATION})
        for g in pgx:
            # a gene result's own limitations (CYP2D6 from the VCF: SNVs and indels only)
            for text in g.get("limitations") or []:
                limitations.append({"section": "pgx", "gene": g["gene"], "reason": text})
            if g["status"] == "not_assessed":
                limitations.append({"section": "pgx", "gene": g["gene"],
                                    "reason": g.get("reason") or "no defining position has a genotype"})
    # one row per drug, with the phenotypes it was decided from and, when no recommendation could
    # be made, the reason
    return {"pgx": pgx, "drug_recommendations": sorted(drugs, key=lambda d: d["drug"])}, limitations


SECTION = Section("pgx", build, stage="pgx")
