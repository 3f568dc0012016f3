"""Somatic copy number of the patient's tumour samples (the `cnv` stage): per-gene copy number,
amplification and deletion calls with their tiers and therapies, and what was not assessed."""

from __future__ import annotations

from genotailor.report import words
from genotailor.report.sections.base import Section, anchor, line, qc_caveat
from genotailor.report.sections.somatic import TIER_RANK, _therapy_names


def build(patient, docs):
    genes = [{"sample": d["sample"], **g} for d in docs for g in d["genes"]]
    samples = [{k: d[k] for k in ("sample", "normal", "status", "reason", "reference", "purity", "purity_note", "method",
                                  "thresholds", "qc")} for d in docs]
    limitations = []
    for d in docs:
        if d["status"] != "assessed":
            limitations.append({"section": "copy_number", "reason": f"{d['sample']}: copy number not assessed — {d['reason']}"})
            continue
        if d["purity_note"]:
            limitations.append({"section": "copy_number", "reason": f"{d['sample']}: {d['purity_note']}"})
        for g in d["genes"]:
            if g["status"] != "assessed":
                limitations.append({"section": "copy_number", "gene": g["gene"],
                                    "reason": f"{d['sample']}: {g['gene']} copy number not assessed — {g['reason']}"})
    # bins and segments stay in the stage file; the report keeps what the plot and the table need
    plot = [{"sample": d["sample"], "bins": [[b["gene"], b["log2"]] for b in d["bins"]]} for d in docs
            if d["status"] == "assessed"]
    return {"copy_number": {"samples": samples, "genes": genes, "plot": plot}} if docs else {}, limitations


def gene_anchor(g: dict) -> str:
    return anchor("cnv", g["sample"], g["gene"])


def _label(g: dict) -> str:
    return f"{g['gene']} {g['call']} (copy number {g['copy_number']:g})"


def summarize(fields, patient):
    cn = fields.get("copy_number")
    if not cn:
        return []
    out = []
    for g in cn["genes"]:
        if g.get("tier") in TIER_RANK:
            here = [t for t in g["therapies"] if t["this_tumour_type"]]
            where = ""
            if not here:
                here, where = g["therapies"], "evidence in other tumour types only: "
            # the strongest level first, in full; the weaker ones counted (the section lists them)
            best = min(t["evidence_level"] for t in here)
            top = [t for t in here if t["evidence_level"] == best]
            parts = [f"{words.word(words.DIRECTION, d)} to {names}" for d in ("sensitivity", "resistance",
                                                                           "reduced_sensitivity")
                     if (names := _therapy_names(top, d, limit=8))]
            therapy = where + "; ".join(parts) + f" (evidence level {best})"
            rest = len({tuple(t["therapies"]) for t in here if t["evidence_level"] in "AB"} -
                       {tuple(t["therapies"]) for t in top})
            if rest:
                therapy += f"; {rest} more at level {'B' if best == 'A' else best}"
            out.append(line("copy_number", "actionable", f"{_label(g)} — Tier {g['tier']} in {g['sample']}: {therapy}"
                            f"{qc_caveat(fields, [g['sample']])}.", TIER_RANK[g["tier"]], gene_anchor(g)))
        elif g["call"]:
            out.append(line("copy_number", "result", f"{_label(g)} in {g['sample']}: no therapy evidence at tier I or II"
                            f"{qc_caveat(fields, [g['sample']])}.", 50, gene_anchor(g)))
    for s in cn["samples"]:
        if s["status"] != "assessed":
            out.append(line("copy_number", "not_assessed", f"Copy number of {s['sample']}: not assessed — {s['reason']}.",
                            30, "copy_number"))
        elif not any(g["call"] for g in cn["genes"] if g["sample"] == s["sample"]):
            n = sum(1 for g in cn["genes"] if g["sample"] == s["sample"] and g["status"] == "assessed")
            out.append(line("copy_number", "result", f"Copy number of {s['sample']}: no amplification or deletion in the "
                            f"{n} assessed gene{'' if n == 1 else 's'}{qc_caveat(fields, [s['sample']])}.", 50,
                            "copy_number"))
    return out


SECTION = Section("copy_number", build, stage="cnv", summarize=summarize)
