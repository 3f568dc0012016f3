"""Germline findings (ACMG secondary findings): only with the patient's consent."""

from __future__ import annotations

from genotailor.report.sections.base import Section


def build(patient, docs):
    limitations = []
    if patient.consent_secondary:
        limitations.append({
            "section": "germline_findings",
            "reason": "consented, but secondary findings are not assessed in this release",
        })
    return {}, limitations


SECTION = Section("germline_findings", build, template=False)
