"""Somatic variants of the patient's tumour samples, and tumour mutational burden."""

from __future__ import annotations

from genotailor.report.sections.base import Section

NOT_ASSESSED_TMB = {"per_mb": None, "mutations": None, "callable_mb": None, "method": "not_assessed"}


def build(patient, docs):
    somatic = [{"sample": d["sample"], **v} for d in docs for v in d["somatic"]]
    limitations = []
    if any(s.kind == "tumor" for s in patient.samples):
        limitations.append({
            "section": "somatic",
            "reason": "variants are matched to known cancer hotspots by exact genomic change; "
            "AMP/ASCO/CAP tiers and therapies are not assessed in this release",
        })
        limitations.append({"section": "tmb", "reason": "tumour mutational burden is not assessed in this release"})
    return {"somatic": somatic, "tmb": dict(NOT_ASSESSED_TMB)}, limitations


SECTION = Section("somatic", build, stage="somatic")
