"""Cross-links between the somatic and the pharmacogenomic results of one report.

A therapy of a somatic result whose dosing or effect depends on a pharmacogene (CPIC's gene–drug
pairs: fluoropyrimidines with DPYD, irinotecan with UGT1A1, thiopurines with TPMT and NUDT15,
tamoxifen with CYP2D6) is flagged in both places: the somatic therapy row names the gene result
and the PGx recommendation for that drug; the PGx drug row (or, for a drug the PGx knowledge base
has no recommendation for, the gene result) names the tumour finding.

This works on the assembled report only, after every section is built: the biomarker packages stay
independent of each other, and the sections read only their own stage JSONs. Without PGx consent
nothing is linked, so no PGx word reaches a report that must not have one.
"""

from __future__ import annotations

from genotailor.report import words

# therapy name (lower case) -> the pharmacogenes whose result bears on it
PGX_GENES_OF_THERAPY = {
    "fluorouracil": ("DPYD",),
    "capecitabine": ("DPYD",),
    "tegafur": ("DPYD",),
    "irinotecan": ("UGT1A1",),
    "mercaptopurine": ("TPMT", "NUDT15"),
    "thioguanine": ("TPMT", "NUDT15"),
    "azathioprine": ("TPMT", "NUDT15"),
    "tamoxifen": ("CYP2D6",),
}
RECOMMENDATION_KEYS = ("action", "dose_factor", "strength", "status", "note", "reason", "guideline", "source")


def _gene_link(gene: str, result: dict | None) -> dict:
    if result is None:
        return {"gene": gene, "status": "not_assessed", "diplotype": None, "phenotype": None,
                "reason": f"{gene} is not among this patient's pharmacogenomic results"}
    link = {"gene": gene, "status": result["status"], "diplotype": result["diplotype"],
            "diplotype_display": words.diplotype_display(result), "phenotype": result["phenotype"]}
    if result["status"] == "not_assessed":
        link["reason"] = result.get("reason") or "no defining position has a genotype"
    return link


def _pgx_link(name: str, genes: dict, drugs: dict) -> dict:
    key = name.lower()
    link = {"drug": key, "genes": [_gene_link(g, genes.get(g)) for g in PGX_GENES_OF_THERAPY[key]]}
    row = drugs.get(key)
    if row is None:
        link["recommendation"] = None
        link["reason"] = f"the pharmacogenomic knowledge base has no recommendation for {key}"
    else:
        link["recommendation"] = {k: row[k] for k in RECOMMENDATION_KEYS if row.get(k) is not None}
    return link


def _finding(variant: dict, therapy_row: dict) -> dict:
    return {
        "sample": variant["sample"], "gene": variant["gene"],
        "variant": variant["protein_change"] or variant["hgvs_c"] or
        f"{variant['chrom']}:{variant['pos']} {variant['ref']}>{variant['alt']}",
        "tier": variant["tier"], "therapy": " + ".join(therapy_row["therapies"]),
        "direction": therapy_row["direction"], "evidence_level": therapy_row["evidence_level"],
        "disease": therapy_row.get("disease") or therapy_row["oncotree"],
        "this_tumour_type": therapy_row["this_tumour_type"],
    }


def _unique_sorted(findings: list[dict]) -> list[dict]:
    seen, out = set(), []
    for f in findings:
        key = tuple(sorted(f.items(), key=lambda kv: kv[0]))
        if key not in seen:
            seen.add(key)
            out.append(f)
    tier_rank = {"I": 0, "II": 1, "III": 2, None: 3}
    return sorted(out, key=lambda f: (not f["this_tumour_type"], f["evidence_level"], tier_rank[f["tier"]],
                                      f["gene"] or "", f["variant"], f["therapy"], f["direction"], f["disease"]))


def link_pgx_and_somatic(report: dict, consent_pgx: bool) -> list[dict]:
    """Add `pgx` links to the somatic therapy rows and `tumour_findings` to the PGx drug rows (or
    gene results) of `report`, in place. Returns the links as {drug, genes, somatic findings} for
    the report's `crosslinks` list."""
    if not consent_pgx:
        return []
    genes = {g["gene"]: g for g in report.get("pgx", [])}
    drugs = {d["drug"].lower(): d for d in report.get("drug_recommendations", [])}
    findings: dict[str, list[dict]] = {}
    for variant in report.get("somatic", []):
        for row in variant["therapies"]:
            links = [_pgx_link(name, genes, drugs) for name in row["therapies"]
                     if name.lower() in PGX_GENES_OF_THERAPY]
            if links:
                row["pgx"] = links
                for link in links:
                    findings.setdefault(link["drug"], []).append(_finding(variant, row))
    summary = []
    for drug in sorted(findings):
        found = _unique_sorted(findings[drug])
        if drug in drugs:
            drugs[drug]["tumour_findings"] = found
        else:
            for gene in PGX_GENES_OF_THERAPY[drug]:
                if gene in genes:
                    genes[gene].setdefault("tumour_findings", []).extend(dict(f, drug=drug) for f in found)
        summary.append({"drug": drug, "genes": list(PGX_GENES_OF_THERAPY[drug]), "pgx_recommendation": drug in drugs,
                        "somatic": found})
    return summary
