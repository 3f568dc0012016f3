"""Inherited disease: diagnostic findings for the patient's indications, and ACMG secondary findings
only with the patient's consent."""

from __future__ import annotations

from genotailor.report.sections.base import Section, anchor, line, qc_caveat
from genotailor.report.sections.examined import assessed_genes, genes_of, has_ledger, named

NOT_ANALYSED = "not analysed, by the patient's choice"
# The one thing the first page says about secondary findings of a patient who did not consent.
NOT_CONSENTED = "Secondary findings: not analysed, by the patient's choice."
REPORTED_AS = {"pathogenic": "pathogenic", "likely_pathogenic": "likely pathogenic"}
SECOND_HIT = ("germline {gene} {what} ({cls}) and somatic {gene} {somatic} in {sample}: consistent with a second "
              "hit in the tumour (biallelic inactivation), which the germline variant may explain")


def build(patient, docs):
    sf_status = "analysed" if patient.consent_secondary else NOT_ANALYSED
    germline = {"secondary_findings": sf_status}
    limitations = []
    if not docs:
        if patient.indications:
            limitations.append({"section": "germline_findings",
                                "reason": "indications given, but the germline stage did not run (no germline sample)"})
        return {"germline": germline}, limitations
    d = docs[0]
    germline.update(sample=d["sample"], indications=d["indications"], genes_analysed=d["genes_analysed"],
                    classification=d["classification"])
    if d["secondary_findings"]["analysed"]:
        germline["secondary_findings_list"] = d["secondary_findings"]["list"]
    c = d["classification"]
    limitations.append({"section": "germline_findings", "reason": (
        f"pathogenic / likely pathogenic per ClinVar (release {c['clinvar_release']}) at {c['min_stars']} or more "
        "review stars; " + " ".join(d["limitations"]))})
    return {"germline": germline, "germline_findings": d["findings"]}, limitations


def second_hits(fields) -> list[dict]:
    """Germline findings a somatic variant of the same gene in the tumour may complete (a second hit);
    each gets an `explains_somatic` note. Returns the notes."""
    notes = []
    somatic = fields.get("somatic") or []
    for f in fields.get("germline_findings") or []:
        if f["classification"] not in ("pathogenic", "likely_pathogenic", "candidate_needs_expert_review") \
                or f.get("mechanism") != "loss_of_function":
            continue
        for v in somatic:
            if v.get("gene") != f["gene"]:
                continue
            what = f.get("hgvs_p") or f.get("hgvs_c") or f"{f['chrom']}:{f['pos']} {f['ref']}>{f['alt']}"
            somatic_what = v.get("protein_change") or v.get("hgvs_c") or f"{v['chrom']}:{v['pos']} {v['ref']}>{v['alt']}"
            note = SECOND_HIT.format(gene=f["gene"], what=what, cls=f["classification"].replace("_", " "),
                                     somatic=somatic_what, sample=v.get("sample", "the tumour"))
            f.setdefault("explains_somatic", []).append(note)
            notes.append({"gene": f["gene"], "note": note})
    return notes


def finding_anchor(f: dict) -> str:
    return anchor("germline", f["chrom"], f["pos"], f["ref"], f["alt"])


def _variant(f: dict) -> str:
    where = f"{f['chrom']}:{f['pos']} {f['ref']}>{f['alt']}"
    return f"{f['gene']} {f.get('hgvs_p') or f.get('hgvs_c') or where}"


def _evidence(f: dict) -> str:
    c = f.get("clinvar")
    if not c:
        return "not in ClinVar at the required review level"
    return f"ClinVar {c['accession']}, {c['stars']} star{'' if c['stars'] == 1 else 's'}"


def summarize(fields, patient):
    out = []
    if not patient.consent_secondary:
        # a statement about consent, filed under it: nothing of the category itself appears
        out.append(line("consent", "not_assessed", NOT_CONSENTED, 40))
    g = fields.get("germline") or {}
    if "indications" not in g:
        if patient.indications:
            out.append(line("germline_findings", "not_assessed", "Inherited disease: not assessed — there is no "
                            "germline sample to test.", 40))
        elif patient.consent_secondary:
            out.append(line("germline_findings", "not_assessed", "Secondary findings: consented, but there is no "
                            "germline sample to test.", 40))
        return out
    findings = fields.get("germline_findings") or []
    caveat = qc_caveat(fields, [g["sample"]] if g.get("sample") else [])
    for f in findings:
        secondary = f["category"] == "secondary"
        what = "Secondary finding (ACMG)" if secondary else "Inherited disease"
        if f["classification"] in REPORTED_AS:
            out.append(line("germline_findings", "actionable", f"{what}: {_variant(f)} — {REPORTED_AS[f['classification']]} "
                            f"({_evidence(f)}), {f['zygosity']}: {f['meaning']}{caveat}.", 25 if secondary else 20,
                            finding_anchor(f)))
        else:  # a loss-of-function candidate or, when the config asks, a variant of uncertain significance
            label = f["classification"].replace("_", " ")
            out.append(line("germline_findings", "result", f"{what}: {_variant(f)} — {label} ({_evidence(f)}), "
                            f"{f['zygosity']}{caveat}.", 50, finding_anchor(f)))
    if g.get("indications") and not any(f["category"] == "diagnostic" for f in findings):
        names = ", ".join(p["title"] for p in g["indications"])
        out += _negative("diagnostic", f"Inherited disease ({names})", "no pathogenic or likely pathogenic variant and "
                         "no loss-of-function candidate found", fields, caveat)
    if patient.consent_secondary and not any(f["category"] == "secondary" for f in findings):
        out += _negative("secondary", "Secondary findings (ACMG)", "no reportable finding", fields, caveat)
    return out


def _negative(category, title, negative, fields, caveat="") -> list[dict]:
    """The negative line of a category, stated only for the genes the ledger calls assessed; the
    others are named by the ledger's own summary line."""
    if not has_ledger(fields):  # a report assembled without the ledger: the negative names no gene
        return [line("germline_findings", "not_assessed", f"{title}: what was examined is not known (no ledger); "
                     "no negative result can be stated.", 40, "germline_findings")]
    genes = assessed_genes(fields, category)
    total = len(genes_of(fields, category))
    if not genes:
        which = "the requested gene" if total == 1 else f"none of the {total} requested genes"
        could = "could not" if total == 1 else "could"
        return [line("germline_findings", "not_assessed", f"{title}: {which} {could} be fully assessed — no negative "
                     "result can be stated (see What this test examined).", 35, "examined")]
    rest = total - len(genes)
    tail = f"; {rest} other requested gene{'' if rest == 1 else 's'} not fully assessed" if rest else ""
    return [line("germline_findings", "result", f"{title}: {negative} in the {len(genes)} assessed gene"
                 f"{'' if len(genes) == 1 else 's'} ({named(genes)}){tail}{caveat}.", 50, "germline_findings")]


SECTION = Section("germline_findings", build, stage="germline", summarize=summarize)
