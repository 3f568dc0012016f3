"""What this test examined: the patient's ledger (stage `ledger`), read by every other section.

The report's `assessed[]` lists one entry per requested gene (per category) and per biomarker
class, with its status (assessed | partly | not_assessed), reason and callable fraction. A section
states a negative only for a gene this list calls assessed (`assessed_genes`), and the counts the
report prints ("N genes analysed") come from here.
"""

from __future__ import annotations

from genotailor.report.sections.base import Section, line

CATEGORY_TITLES = {"pgx": "Pharmacogenomics", "diagnostic": "Inherited disease", "secondary": "Secondary findings (ACMG)",
                   "somatic": "Tumour panel"}
MAX_NAMED = 8  # genes named in one summary line; the section lists them all


def build(patient, docs):
    if not docs:
        return {}, []
    d = docs[0]
    assessed = [{"scope": "gene", "name": g["gene"], "category": g["category"], "sample": g["sample"],
                 "status": g["status"], "reason": g["reason"], "callable_fraction": g["callable_fraction"],
                 "territory": g["territory"], "regions_below": g["regions_below"],
                 **({"knowledge_base": g["knowledge_base"]} if "knowledge_base" in g else {})} for g in d["genes"]]
    assessed += [{"scope": "biomarker", "name": b["name"], "category": b["group"], "status": b["status"],
                  "reason": b["reason"], "callable_fraction": None,
                  **({"sample": b["sample"], "result": b.get("result")} if "sample" in b else {})}
                 for b in d["biomarkers"]]
    return {"assessed": assessed, "examined": d["settings"]}, []


def add_tmb(fields, patient) -> None:
    """TMB enters the ledger of a patient with a tumour sample as a biomarker: assessed with its
    figure, or not assessed with the reason."""
    tmb = fields.get("tmb")
    if tmb is None or "assessed" not in fields or not any(s.kind == "tumor" for s in patient.samples):
        return
    if tmb.get("per_mb") is not None:
        entry = {"status": "assessed", "reason": f"{tmb['per_mb']} mutations/Mb over {tmb['callable_mb']} Mb",
                 "callable_fraction": None}
    else:
        entry = {"status": "not_assessed", "reason": tmb.get("reason") or "not computed", "callable_fraction": None}
    fields["assessed"].insert(_first_biomarker(fields["assessed"]),
                              {"scope": "biomarker", "name": "tumour mutational burden (TMB)", "category": "somatic",
                               **entry})


def _first_biomarker(entries) -> int:
    return next((i for i, e in enumerate(entries) if e["scope"] == "biomarker"), len(entries))


def genes_of(fields, category, status=None) -> list[str]:
    """The genes of a category in the ledger (with `status`: only those), in ledger order."""
    return [e["name"] for e in fields.get("assessed") or []
            if e["scope"] == "gene" and e["category"] == category and (status is None or e["status"] == status)]


def assessed_genes(fields, category) -> list[str]:
    return genes_of(fields, category, "assessed")


def has_ledger(fields) -> bool:
    return "assessed" in fields


def named(genes) -> str:
    shown = ", ".join(genes[:MAX_NAMED])
    return shown + (f" and {len(genes) - MAX_NAMED} more" if len(genes) > MAX_NAMED else "")


def summarize(fields, patient):
    out = []
    entries = fields.get("assessed") or []
    for category, title in CATEGORY_TITLES.items():
        genes = [e for e in entries if e["scope"] == "gene" and e["category"] == category]
        if not genes:
            continue
        missing = [e for e in genes if e["status"] == "not_assessed"]
        partly = [e for e in genes if e["status"] == "partly"]
        if not missing and not partly:
            continue
        parts = []
        if missing:
            reasons = {}
            for e in missing:
                reasons.setdefault(_short(e["reason"]), []).append(e["name"])
            parts.append("not assessed: " + "; ".join(f"{named(g)} ({r})" for r, g in reasons.items()))
        if partly:
            parts.append("partly assessed: " + named([e["name"] for e in partly]))
        n_ok = len(genes) - len(missing) - len(partly)
        out.append(line("examined", "not_assessed", f"{title}: {n_ok} of {len(genes)} requested gene"
                        f"{'' if len(genes) == 1 else 's'} fully assessed; " + "; ".join(parts) + ".", 15, "examined"))
    classes = [e["name"] for e in entries if e["scope"] == "biomarker" and e["status"] == "not_assessed"
               and not e["name"].startswith("tumour mutational burden") and not e.get("sample")]
    if classes:
        out.append(line("examined", "not_assessed", "Not assessed by this test: " + ", ".join(classes) + ".", 95,
                        "examined"))
    return out


def _short(reason: str) -> str:
    """A reason without its per-gene detail, so genes sharing it are named together."""
    head = reason.split(" (also ")[0]
    if head.startswith("no ClinVar records for "):
        return "no ClinVar records in the knowledge base"
    if head.startswith("no record for ") and "oncology knowledge base" in reason:
        return "no oncology knowledge-base record"
    if head.startswith("sample ") and "failed QC" in head:
        return "sample failed QC"
    if head.startswith("entered as a VCF"):
        return "entered as a VCF: callable territory not known"
    return head.removeprefix("nothing examined: ")


SECTION = Section("examined", build, stage="ledger", summarize=summarize)
