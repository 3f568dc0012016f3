"""Somatic variants of the patient's tumour samples (tiers, therapies, evidence) and the TMB."""

from __future__ import annotations

from genotailor.report.sections.base import Section

NOT_ASSESSED_TMB = {"per_mb": None, "mutations": None, "callable_mb": None, "method": "not_assessed"}
MATCHING = ("variants are matched to the actionability knowledge base ({kb}) by protein change, codon, exon "
            "and gene class, not by genomic position (the sources give GRCh37 coordinates); tiers follow "
            "AMP/ASCO/CAP 2017 for {tumor} ({code}); diagnostic and prognostic evidence, copy number, "
            "fusions and expression are not assessed")


def build(patient, docs):
    somatic = [{"sample": d["sample"], **v} for d in docs for v in d["somatic"]]
    # the PASS variants each sample's stage counted but did not list (not protein-altering, not at a
    # splice site, no knowledge-base match): the report says how many, by consequence
    other = [{"sample": d["sample"], **d["other_variants"]} for d in docs]
    limitations = []
    tmb = dict(NOT_ASSESSED_TMB, reason="no tumour sample")
    if docs:
        d = docs[0]
        kb = ", ".join(f"{k} {v}" for k, v in sorted(d["knowledge_base"].items()))
        limitations.append({"section": "somatic", "reason": MATCHING.format(
            kb=kb, tumor=d["tumor_type_name"], code=d["tumor_type"])})
        tmb = d["tmb"]
        if tmb["method"] == "not_assessed":
            limitations.append({"section": "tmb", "reason": tmb["reason"]})
        for v in somatic:
            if v["annotation_note"]:
                limitations.append({"section": "somatic", "gene": v["gene"] or v["chrom"],
                                    "reason": f"{v['chrom']}:{v['pos']} {v['ref']}>{v['alt']}: {v['annotation_note']}"})
    elif any(s.kind == "tumor" for s in patient.samples):
        limitations.append({"section": "somatic", "reason": "the somatic stage did not run for this tumour"})
    return {"somatic": somatic, "somatic_other_variants": other, "tmb": tmb}, limitations


SECTION = Section("somatic", build, stage="somatic")
