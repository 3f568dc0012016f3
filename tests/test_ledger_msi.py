"""The ledger's MSI entry: assessed / not assessed from each tumour's MSI stage file, or why MSI did
not run (core.ledger.msi_entry, biomarker_entries; steps.ledger)."""

from __future__ import annotations

import json

from genotailor.core.ledger import MSI_CLASS, MSI_NO_NORMAL, MSI_NO_READS, biomarker_entries, msi_entry
from genotailor.core.samplesheet import Sample
from genotailor.steps.ledger import _msi_entry


def _doc(status, reason, caveat=None, sample="T1"):
    return {"sample": sample, "status": status, "reason": reason, "caveat": caveat}


def test_an_msi_h_result_is_assessed_with_its_score_in_the_reason():
    e = msi_entry(_doc("MSI-H", "48 of 120 informative loci unstable (40%; MSI-H at >= 20%)"))
    assert e == {"name": MSI_CLASS, "group": "somatic", "status": "assessed", "sample": "T1", "result": "MSI-H",
                 "reason": "MSI-H: 48 of 120 informative loci unstable (40%; MSI-H at >= 20%)"}


def test_a_not_assessed_result_keeps_its_reason():
    e = msi_entry(_doc("not_assessed", "depth too low: 3 of the 120 loci ..."))
    assert (e["status"], e["reason"], e["result"]) == ("not_assessed", "depth too low: 3 of the 120 loci ...", None)


def test_a_tumour_only_result_carries_its_caveat_into_the_ledger():
    e = msi_entry(_doc("MSS", "0 of 80 informative loci unstable", caveat="tumour-only: ..."))
    assert e["reason"] == "MSS: 0 of 80 informative loci unstable; tumour-only: ..."


def test_msi_entries_replace_the_not_assessed_class_and_the_other_classes_stay():
    entries = biomarker_entries({"somatic"}, msi=[msi_entry(_doc("MSS", "0 of 120 informative loci unstable"))])
    assert [(b["name"], b["status"]) for b in entries] == [
        ("copy number", "not_assessed"), ("structural variants", "not_assessed"), ("gene fusions", "not_assessed"),
        (MSI_CLASS, "assessed")]


def test_without_msi_results_msi_stays_a_class_not_assessed_by_the_test():
    entries = biomarker_entries({"somatic"})
    assert [b["status"] for b in entries if b["name"] == MSI_CLASS] == ["not_assessed"]


def _sample(sid, kind, entry, normal=None):
    return Sample(sid, "P1", kind, entry, (), None, None, None, None, normal, None, None)


def test_a_tumour_without_a_matched_normal_is_not_assessed_for_that_reason():
    t = _sample("T1", "tumor", "bam")
    assert _msi_entry(t, {}, {"T1": t}, {})["reason"] == MSI_NO_NORMAL


def test_a_tumour_entered_as_a_vcf_is_not_assessed_for_lack_of_reads():
    t, n = _sample("T1", "tumor", "vcf", normal="N1"), _sample("N1", "germline", "bam")
    assert _msi_entry(t, {}, {"T1": t, "N1": n}, {})["reason"] == MSI_NO_READS


def test_an_assessed_msi_of_a_tumour_that_failed_qc_becomes_not_assessed(tmp_path):
    t, n = _sample("T1", "tumor", "bam", normal="N1"), _sample("N1", "germline", "bam")
    path = tmp_path / "msi.json"  # read through its contract (workflow/schemas/msi.schema.json)
    path.write_text(json.dumps(_stage()))
    e = _msi_entry(t, {"T1": path}, {"T1": t, "N1": n}, {"T1": "sample T1 failed QC (duplication)"})
    assert (e["status"], e["result"]) == ("not_assessed", None)
    assert e["reason"].startswith("sample T1 failed QC (duplication) (MSI-H: ")


def _stage():
    from collections import Counter

    from genotailor.oncology.msi import Locus, MsiSettings, assess_msi

    loci = [Locus("chr1", 1000 * i, 1000 * i + 12, "A12", "A", 12, "ACGTACGTAC", "GTCAGTCAGT", None, None)
            for i in range(1, 6)]
    tumour = [Counter({12: 50, 10: 50})] * 2 + [Counter({12: 100})] * 3
    normal = [Counter({12: 100})] * 5
    doc = assess_msi(tumour, normal, loci, [True] * 5, MsiSettings(min_informative_loci=5), 0.5)
    return {"sample": "T1", "normal": "N1", **doc, "actionability": None}


def test_the_report_lists_the_tumours_msi_entry_with_its_sample_and_reason():
    from genotailor.report.sections.examined import build

    ledger = {"settings": {}, "genes": [],
              "biomarkers": biomarker_entries({"somatic"}, msi=[msi_entry(_doc("MSI-H", "48 of 120 informative loci "
                                                                          "unstable (40%; MSI-H at >= 20%)"))])}
    fields, _ = build(None, [ledger])
    msi = [e for e in fields["assessed"] if e["name"] == MSI_CLASS]
    assert msi == [{"scope": "biomarker", "name": MSI_CLASS, "category": "somatic", "status": "assessed",
                    "reason": "MSI-H: 48 of 120 informative loci unstable (40%; MSI-H at >= 20%)",
                    "callable_fraction": None, "sample": "T1", "result": "MSI-H"}]


# --- the report's summary lines (report/sections/somatic.py, examined.py)

def _report_fields(msi_doc, actionability=None):
    from genotailor.report.sections.examined import build

    ledger = {"settings": {}, "genes": [], "biomarkers": biomarker_entries({"somatic"}, msi=[msi_entry(msi_doc)])}
    fields, _ = build(None, [ledger])
    fields["msi"] = [{**msi_doc, "actionability": actionability}]
    fields["somatic"], fields["tmb"] = [], {}
    return fields


def _patient():
    from types import SimpleNamespace

    return SimpleNamespace(samples=[SimpleNamespace(id="T1", kind="tumor")])


def _summary(fields):
    from genotailor.report.sections.examined import summarize as examined
    from genotailor.report.sections.somatic import summarize as somatic

    return [(ln["kind"], ln["text"]) for ln in somatic(fields, _patient()) + examined(fields, _patient())]


def test_msi_h_leads_with_pembrolizumab_at_its_tier_and_level():
    from genotailor.core.paths import ONCOLOGY_KB
    from genotailor.oncology.msi import actionability

    fields = _report_fields(_doc("MSI-H", "48 of 120 informative loci unstable (40%; MSI-H at >= 20%)"),
                            actionability("MSI-H", "COADREAD", ONCOLOGY_KB))
    assert ("actionable", "MSI-H in T1 — Tier I: sensitivity to Pembrolizumab (evidence level A); 48 of 120 "
            "informative loci unstable (40%; MSI-H at >= 20%).") in _summary(fields)


def test_mss_is_a_result_line_with_its_score():
    fields = _report_fields(_doc("MSS", "0 of 120 informative loci unstable (0%; MSI-H at >= 20%)"))
    assert ("result", "Microsatellite instability: MSS in T1 (0 of 120 informative loci unstable (0%; MSI-H at "
            ">= 20%)).") in _summary(fields)


def test_msi_not_assessed_names_its_reason_and_is_not_called_a_class_the_test_skips():
    fields = _report_fields(_doc("not_assessed", "tumour purity 0.1 is below the minimum 0.2: instability would be "
                                 "diluted below what the test detects"))
    lines = _summary(fields)
    assert ("not_assessed", "Microsatellite instability: not assessed in T1 — tumour purity 0.1 is below the minimum "
            "0.2: instability would be diluted below what the test detects.") in lines
    classes = [t for k, t in lines if t.startswith("Not assessed by this test:")]
    assert classes and MSI_CLASS not in classes[0]
