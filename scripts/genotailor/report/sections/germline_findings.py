"""Germline findings (ACMG secondary findings): only with the patient's consent."""

from __future__ import annotations

from genotailor.report.sections.base import Section, line

# The one thing a report says about secondary findings of a patient who did not consent to them.
NOT_CONSENTED = "Germline findings: not analysed, by choice of the patient."


def build(patient, docs):
    limitations = []
    if patient.consent_secondary:
        limitations.append({
            "section": "germline_findings",
            "reason": "consented, but secondary findings are not assessed in this release",
        })
    return {}, limitations


def summarize(fields, patient):
    if not patient.consent_secondary:
        # a statement about consent, filed under it: nothing of the category itself appears
        return [line("consent", "not_assessed", NOT_CONSENTED, 40)]
    return [line("germline_findings", "not_assessed", "Germline findings (ACMG secondary findings): consented, "
                 "but not assessed in this release.", 40)]


SECTION = Section("germline_findings", build, summarize=summarize)
