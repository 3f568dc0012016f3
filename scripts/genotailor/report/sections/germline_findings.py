"""Inherited disease: diagnostic findings for the patient's indications, and ACMG secondary findings
only with the patient's consent."""

from __future__ import annotations

from genotailor.report.sections.base import Section

NOT_ANALYSED = "not analysed, by the patient's choice"
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


SECTION = Section("germline_findings", build, stage="germline")
