"""Pharmacogenomics: gene results, drug recommendations, and what could not be assessed."""

from __future__ import annotations

from genotailor.report import words
from genotailor.report.sections.base import Section, anchor, line, qc_caveat

# When CYP2D6 is not among the PGx results at all. A CYP2D6 result called from the VCF carries
# its own limitation (SNVs and indels only: `genotailor.pgx.rules.CYP2D6_LIMITATION`); every
# gene result's limitations are repeated among the report's limitations.
CYP2D6_LIMITATION = (
    "CYP2D6 was not called; copy number changes, deletions (*5) and CYP2D6/CYP2D7 hybrids "
    "cannot be seen in SNV/indel calls in any case. Use a dedicated caller and give its result "
    "as an outside call."
)


# ASCII without quotes: the sentence reads the same in the JSON, the HTML and the cohort files
NOT_CONSENTED = "Pharmacogenomics: not analysed, as the patient did not consent to it."


def build(patient, docs):
    limitations = []
    pgx, drugs = [], []
    if not patient.consent_pgx:
        limitations.append({"section": "pgx", "reason": "no consent for pharmacogenomic testing: not analysed"})
    elif not docs:
        limitations.append({"section": "pgx", "reason": "no germline sample: pharmacogenes not assessed"})
    else:
        pgx, drugs = docs[0]["pgx"], docs[0].get("drugs", [])
        for g in pgx:
            # `diplotype` stays as the stage wrote it (for an ambiguous call, the first candidate)
            g["diplotype_display"] = words.diplotype_display(g)
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


# summary rank of a drug line by its action (report/words.ACTION_GROUPS order); somatic Tier I
# therapies come first (10s), Tier II after these (30s)
RANK = {action: 20 + i for i, (_, _, actions) in enumerate(words.ACTION_GROUPS) for action in actions}


def _gene_results(drug: dict, genes: dict) -> str:
    """'CYP2C19 *2/*17 (Intermediate Metabolizer)' for each gene with a result behind a drug (the
    gene's own phenotype, and the activity score when the drug's rules used it)."""
    parts = []
    used = drug.get("phenotypes") or {}
    for name in sorted(drug.get("genes") or used):
        g = genes.get(name)
        if g is None or g["status"] == "not_assessed":
            continue
        diplotype, phenotype = words.diplotype_display(g), g["phenotype"]
        value = words.gene_value(used.get(name), g)
        if value and value.startswith("activity score"):
            phenotype = f"{phenotype}, {value}" if phenotype else value
        if g["status"] in words.INDETERMINATE and phenotype:
            # every equally supported diplotype, or the one the cis rule leads with, has this phenotype
            parts.append(f"{name} {diplotype[:-1]}; {phenotype})")
        else:
            parts.append(" ".join(x for x in (name, diplotype, f"({phenotype})" if phenotype else None) if x))
    return ", ".join(parts)


def drug_line(d: dict, genes: dict, caveat: str = "") -> str:
    """A drug's summary line: the detail row's action and dose (with what the dose is a fraction
    of and when it applies), its strength, the gene results behind it and the row's caveat.
    'Omeprazole: reduce the dose (the usual dose to start; 50% of it after more than 12 weeks of
    effective treatment) — CPIC optional recommendation — CYP2C19 *2/*17 (Intermediate Metabolizer).'"""
    action = words.recommendation_text(d)
    parts = [f"{d['drug'].capitalize()}: {action[:1].lower()}{action[1:]}"]
    strength = words.strength_phrase(d)
    if strength:
        parts.append(strength)
    results = _gene_results(d, genes)
    if results:
        parts.append(results + caveat)
    text = " — ".join(parts)
    if d.get("reason"):
        text += f"; caveat: {d['reason']}"
    return text + "."


def unsettled(fields, patient) -> list[str]:
    """'DPYD indeterminate (3240 diplotypes fit)', 'TPMT not assessed' for each gene without a
    diplotype; nothing without consent (the consent line says it) or without a germline sample."""
    if not patient.consent_pgx:
        return []
    genes = fields.get("pgx") or []
    out = [f"{g['gene']} {words.diplotype_display(g)}" for g in genes if g["status"] in words.INDETERMINATE]
    unassessed = [g["gene"] for g in genes if g["status"] == "not_assessed"]
    if unassessed:
        out.append(f"{words.and_list(unassessed)} not assessed")
    return out


def summarize(fields, patient):
    if not patient.consent_pgx:
        # a statement about consent, filed under it: nothing of the category itself appears
        return [line("consent", "not_assessed", NOT_CONSENTED, 10)]
    genes = fields.get("pgx") or []
    if not genes:
        return [line("pgx", "not_assessed", "Pharmacogenomics: not assessed — there is no germline sample to test.", 10)]
    unassessed = [g["gene"] for g in genes if g["status"] == "not_assessed"]
    if len(unassessed) == len(genes):
        return [line("pgx", "not_assessed", f"Pharmacogenomics: not assessed — the sequenced data cover none of the "
                     f"defining positions of the {len(genes)} pharmacogenes tested (a panel without pharmacogene "
                     "positions, or no reads there).", 10, "pgx")]
    out = []
    # PGx is called on the germline sample: from one that failed QC, no result line reads as settled
    caveat = qc_caveat(fields, [s.id for s in patient.samples if s.kind == "germline"])
    by_name = {g["gene"]: g for g in genes}
    drugs = fields.get("drug_recommendations") or []
    for d in drugs:
        if d.get("status") != "actionable":
            continue
        out.append(line("pgx", "actionable", drug_line(d, by_name, caveat), RANK.get(d["action"], 29),
                        anchor("drug", d["drug"])))
    standard = [d for d in drugs if d.get("status") == "standard"]
    if standard:
        out.append(line("pgx", "standard", f"{len(standard)} other drug{'s' if len(standard) > 1 else ''}: standard use "
                        f"and dosing — not affected by the genes tested{caveat}.", 50, "drugs-standard"))
    called = [g for g in genes if g["status"] != "not_assessed" and g.get("phenotype")]
    if called:
        out.append(line("pgx", "result", f"Pharmacogenomics: {len(called)} of {len(genes)} genes have a phenotype "
                        f"({', '.join(g['gene'] for g in called)}){caveat}.", 50, "pgx"))
    if unassessed:
        out.append(line("pgx", "not_assessed", f"Pharmacogenomics: {len(unassessed)} of {len(genes)} genes not assessed — "
                        f"no genotype at their defining positions ({', '.join(unassessed)}).", 20, "pgx"))
    unclear = [g for g in genes if g["status"] in words.INDETERMINATE]
    if unclear:
        out.append(line("pgx", "not_assessed", "Pharmacogenomics: " + ", ".join(
            f"{g['gene']} {words.diplotype_display(g)}" + ("" if g.get("phenotype") else ", no phenotype")
            for g in unclear) + " — more than one diplotype fits or none matches the genotypes.", 21, "pgx"))
    undecided = [d for d in drugs if d.get("status") in ("indeterminate", "not_assessed")]
    if undecided:
        out.append(line("pgx", "not_assessed", f"{len(undecided)} drug{'s' if len(undecided) > 1 else ''} without a "
                        "recommendation — a gene behind them has no result or an ambiguous one.", 22, "drugs-undecided"))
    return out


SECTION = Section("pgx", build, stage="pgx", summarize=summarize, unsettled=unsettled)
