"""Failed QC and ambiguous calls are never shown as results.

The patient is built like the demo's LOWQ01: a FASTQ sample that failed quality control, whose
reads gave a genotype at only a few defining positions. DPYD and CYP2C19 then fit hundreds of
diplotypes equally (the pgx stage writes the first of them, "Reference/Reference" and "*38/*38", as
`diplotype`, and `status: ambiguous`), TPMT has no genotype at all, and CYP2C9 is fully genotyped.
Each form of the report (HTML, PDF, summary, FHIR, cohort files) must say "indeterminate" for the
first two, never the first candidate, and must not read as a final or normal result.

Expected FHIR codes are those of the FHIR R4 specification: DiagnosticReport.status `partial`
("data in the report may be incomplete or unverified"), Observation.status `preliminary`,
data-absent-reason `unknown` ("the value is expected to exist but is not known") and the v3
ObservationInterpretation code `IND` (Indeterminate).
"""

import json
import re

import pytest
from pypdf import PdfReader

from conftest import vcf_entry_stage_files
from genotailor.core.samplesheet import Patient, Sample
from genotailor.pgx.recommendations import attach_to_genes, recommend
from genotailor.pgx.run import call_gene
from genotailor.report.assemble import assemble
from genotailor.report.cohort import findings_rows, write_summary_html
from genotailor.report.fhir import build_bundle
from genotailor.report.figures import figures
from genotailor.report.html import render_html
from genotailor.report.pdf import write_pdf
from test_pgx_genes import GENES, gene_vcf
from test_report import pgx_row

DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
CHANGE_SENTENCE = "calls for a change from standard practice"

# the gates LOWQ01-blood fails (config/config.yaml qc.gates), with values as poor as its truth file says
FAILED_QC = {"status": "fail", "metrics": {"q30_rate": 0.4521, "duplication_rate": 0.4},
             "gates": [{"metric": "q30_rate", "value": 0.4521, "status": "fail", "warn_below": 0.85, "fail_below": 0.75},
                       {"metric": "duplication_rate", "value": 0.4, "status": "fail", "warn_above": 0.2,
                        "fail_above": 0.35}],
             "failed_gates": ["q30_rate", "duplication_rate"], "warned_gates": []}


def _few_positions(tmp_path, gene, keep):
    """`gene` called from a VCF that has a (reference) genotype at its first `keep` defining positions only."""
    positions = sorted(p.pos for p in GENES[gene].positions)
    return call_gene(gene, gene_vcf(tmp_path, gene, {}, {}, skip=set(positions[keep:]), name=f"{gene}-{keep}"),
                     None, None)


def _report(tmp_path, patient_id, qc_status):
    sample_id = f"{patient_id}-blood"
    folder = tmp_path / patient_id
    folder.mkdir()
    entry = "fastq" if qc_status == "fail" else "vcf"
    sample = Sample(sample_id, patient_id, "germline", entry, (), folder / "in.vcf.gz", None, "DeepVariant",
                    None, None, None, None)
    patient = Patient(patient_id, "male", None, True, False, (), (sample,))
    qc, calls = vcf_entry_stage_files(folder, sample_id, records=40)
    if qc_status == "fail":
        qc.write_text(json.dumps({"sample": sample_id, **FAILED_QC}))
    results = [
        _few_positions(folder, "DPYD", 4),  # 79 of 83 positions without a genotype, as in LOWQ01
        _few_positions(folder, "CYP2C19", 4),
        _few_positions(folder, "TPMT", 0),
        call_gene("CYP2C9", gene_vcf(folder, "CYP2C9", {}, {}), None, None),
    ]
    drugs = recommend(results)
    attach_to_genes(results, drugs)
    pgx = folder / "pgx.json"
    pgx.write_text(json.dumps({"pgx": sorted(results, key=lambda r: r["gene"]), "drugs": drugs}))
    provenance = folder / "provenance.json"
    provenance.write_text(json.dumps({
        "workflow": {"version": "test"}, "reference": {"name": "GRCh38 demo", "sha256": "0" * 64},
        "aligner": "none", "tools": {}, "knowledge_bases": {"pgx": {"version": "test"}}}))
    report = assemble(patient, "2026-01-15", [qc], [calls], provenance, {"pgx": [pgx]})
    path = folder / f"{patient_id}.json"
    path.write_text(json.dumps(report))
    return report, path


@pytest.fixture(scope="module")
def lowq(tmp_path_factory):
    """(report, path of its JSON, web page) of the failed-QC patient."""
    report, path = _report(tmp_path_factory.mktemp("lowq"), "LOWQ01", "fail")
    return report, path, render_html(report)


@pytest.fixture(scope="module")
def passed(tmp_path_factory):
    """The same gene results from a sample that did not fail QC (a VCF entry)."""
    report, path = _report(tmp_path_factory.mktemp("passed"), "AMBI01", "not_assessed")
    return report, path, render_html(report)


def gene(report, name):
    (g,) = [g for g in report["pgx"] if g["gene"] == name]
    return g


def visible(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", page, flags=re.S)))


def test_the_fixture_is_the_lowq01_situation(lowq):
    report, _, _ = lowq
    dpyd, cyp2c19 = gene(report, "DPYD"), gene(report, "CYP2C19")
    assert len(dpyd["missing_positions"]) == 79 and len(GENES["DPYD"].positions) == 83
    # what the pgx stage writes: status ambiguous, the first candidate as `diplotype` (kept by the contract)
    assert (dpyd["status"], dpyd["diplotype"]) == ("ambiguous", "Reference/Reference")
    # *38 is CYP2C19's reference allele: the first candidate needs no variant at the untested positions
    assert (cyp2c19["status"], cyp2c19["diplotype"]) == ("ambiguous", "*38/*38")
    assert gene(report, "TPMT")["status"] == "not_assessed" and gene(report, "CYP2C9")["status"] == "called"


def test_json_says_indeterminate_beside_the_contract_diplotype(lowq):
    report, _, _ = lowq
    for name in ("DPYD", "CYP2C19"):
        g = gene(report, name)
        # every diplotype the stage found compatible fits equally: the tie count is all of them
        assert g["tie"]["count"] == g["alternatives_total"] + 1 > 100
        assert g["diplotype_display"] == f"indeterminate ({g['tie']['count']} diplotypes fit)"
    assert gene(report, "TPMT")["diplotype_display"] == "not assessed: no defining position has a genotype"
    assert gene(report, "CYP2C9")["diplotype_display"] == "*1/*1"


def test_html_rows_of_indeterminate_genes_show_no_candidate(lowq):
    report, _, page = lowq
    dpyd, cyp2c19 = pgx_row(page, "DPYD"), pgx_row(page, "CYP2C19")
    assert "Reference/Reference" not in dpyd and "Reference/" not in dpyd
    assert "*38/*38" not in cyp2c19 and "*1/*1" not in cyp2c19
    assert f'<strong class="indeterminate">indeterminate ({gene(report, "DPYD")["tie"]["count"]} diplotypes fit)' \
           '</strong>' in dpyd
    assert f"indeterminate ({gene(report, 'CYP2C19')['tie']['count']} diplotypes fit)" in cyp2c19
    assert "<code>*1/*1</code>" in pgx_row(page, "CYP2C9")  # a called diplotype is still shown as one


def test_summary_of_a_failed_sample_names_what_is_unsettled_and_never_says_nothing_to_change(lowq):
    report, _, page = lowq
    n_dpyd, n_cyp2c19 = gene(report, "DPYD")["tie"]["count"], gene(report, "CYP2C19")["tie"]["count"]
    assert report["summary"]["conclusion"] == (
        f"Sample LOWQ01-blood failed quality control: its results are not reliable; CYP2C19 indeterminate "
        f"({n_cyp2c19} diplotypes fit), DPYD indeterminate ({n_dpyd} diplotypes fit) and TPMT not assessed; "
        "no conclusion about standard practice can be drawn.")
    lines = [ln["text"] for kind in ("actionable", "result", "standard", "not_assessed") for ln in report["summary"][kind]]
    assert not [t for t in lines if "Reference/Reference" in t or "*38/*38" in t
                or "*1/*1" in t.replace("CYP2C9 *1/*1", "")]
    assert CHANGE_SENTENCE not in report["summary"]["conclusion"] and CHANGE_SENTENCE not in visible(page)
    summary = page[page.index('<section id="summary">'):page.index('<section id="qc">')]
    assert f'<p class="conclusion conclusion-failed">{report["summary"]["conclusion"]}</p>' in summary


def test_summary_of_a_passed_sample_with_indeterminate_genes_says_what_was_not_settled(passed):
    report, _, page = passed
    n_dpyd, n_cyp2c19 = gene(report, "DPYD")["tie"]["count"], gene(report, "CYP2C19")["tie"]["count"]
    assert report["summary"]["actionable"] == []
    assert report["summary"]["conclusion"] == (
        "None of the results that were assessed calls for a change from standard practice. Not settled: CYP2C19 "
        f"indeterminate ({n_cyp2c19} diplotypes fit), DPYD indeterminate ({n_dpyd} diplotypes fit) and TPMT not "
        "assessed — no conclusion can be drawn for what depends on them.")
    assert "No result in this report calls for a change from standard practice." not in visible(page)


def _resources(bundle):
    return [e["resource"] for e in bundle["entry"]]


def _genotype(bundle, name):
    (obs,) = [r for r in _resources(bundle) if r["resourceType"] == "Observation"
              and r["code"]["coding"][0]["code"] == "84413-4"
              and r["component"][0]["valueCodeableConcept"]["text"] == name]
    return obs


def test_fhir_results_of_a_failed_sample_are_not_final_and_indeterminate_genotypes_have_no_value(lowq):
    report, _, _ = lowq
    bundle = build_bundle(report)  # validated with fhir.resources
    (diagnostic,) = [r for r in _resources(bundle) if r["resourceType"] == "DiagnosticReport"]
    assert diagnostic["status"] == "partial"
    assert CHANGE_SENTENCE not in diagnostic["conclusion"]
    assert diagnostic["conclusion"].startswith("Sample LOWQ01-blood failed quality control")
    observations = [r for r in _resources(bundle) if r["resourceType"] == "Observation"]
    assert observations and {o["status"] for o in observations} == {"preliminary"}
    for name in ("DPYD", "CYP2C19"):
        obs = _genotype(bundle, name)
        assert not [k for k in obs if k.startswith("value")]
        assert obs["dataAbsentReason"]["coding"] == [{"system": DATA_ABSENT, "code": "unknown", "display": "Unknown"}]
        assert obs["interpretation"] == [{"coding": [{"system": INTERPRETATION, "code": "IND",
                                                      "display": "Indeterminate"}]}]
        assert "meta" not in obs  # the IG's genotype profile requires a value: not claimed without one
    assert _genotype(bundle, "CYP2C9")["valueCodeableConcept"]["text"] == "CYP2C9 *1/*1"
    assert "Reference/Reference" not in json.dumps(bundle) and "CYP2C19 *1/*1" not in json.dumps(bundle)


def test_fhir_results_of_a_sample_that_did_not_fail_are_final_and_still_without_a_candidate(passed):
    report, _, _ = passed
    bundle = build_bundle(report)
    (diagnostic,) = [r for r in _resources(bundle) if r["resourceType"] == "DiagnosticReport"]
    assert diagnostic["status"] == "final"
    assert {r["status"] for r in _resources(bundle) if r["resourceType"] == "Observation"} == {"final"}
    dpyd = _genotype(bundle, "DPYD")
    assert "valueCodeableConcept" not in dpyd and dpyd["dataAbsentReason"]["coding"][0]["code"] == "unknown"


def test_every_pdf_page_says_qc_failed_and_no_page_shows_a_candidate_as_the_diplotype(lowq, tmp_path):
    report, _, _ = lowq
    drawn = figures(report)
    out = tmp_path / "LOWQ01.pdf"
    write_pdf(render_html(report, for_print=True, figures=drawn), out, {f["id"]: f["svg"] for f in drawn}.get)
    pages = [p.extract_text() for p in PdfReader(out).pages]
    assert len(pages) >= 2
    for number, text in enumerate(pages, 1):
        assert "QC failed: LOWQ01-blood — not for clinical decisions" in text, number
    text = "\n".join(pages)
    assert "Reference/Reference" not in text and CHANGE_SENTENCE not in text
    assert re.search(r"indeterminate \(\d+\s+diplotypes fit\)", text)


def test_cohort_findings_carry_the_conclusion_and_the_summary_page_no_bare_none(lowq, passed, tmp_path):
    (report, path, _), (_, passed_path, _) = lowq, passed
    rows = {r["patient"]: r for r in findings_rows([path, passed_path])}
    assert rows["LOWQ01"]["conclusion"] == report["summary"]["conclusion"]
    assert rows["LOWQ01"]["actionable"] == "" and "Reference/Reference" not in json.dumps(rows)
    write_summary_html([path, passed_path], tmp_path / "summary.html")
    page = (tmp_path / "summary.html").read_text()
    row = page[page.index('<tr id="patient-LOWQ01">'):]
    row = row[:row.index("</tr>")]
    assert f'<p class="status-fail">{report["summary"]["conclusion"]}</p>' in row and ">none<" not in row


def test_result_lines_from_a_failed_sample_carry_the_qc_caveat(lowq, passed):
    (report, _, _), (ok, _, _) = lowq, passed
    caveat = " (sample LOWQ01-blood failed quality control: not reliable)."
    standard = [ln["text"] for ln in report["summary"]["standard"]]
    n = len([d for d in report["drug_recommendations"] if d["status"] == "standard"])
    assert n > 1 and standard == [f"{n} other drugs: standard use and dosing — not affected by the genes tested{caveat}"]
    assert [ln["text"] for ln in report["summary"]["result"]] == [
        f"Pharmacogenomics: 1 of 4 genes have a phenotype (CYP2C9){caveat}"]
    assert "failed quality control" not in json.dumps(ok["summary"])


def test_a_tie_the_cis_rule_leads_is_indeterminate_and_its_recommendation_names_the_shared_phenotype(tmp_path):
    # unphased TPMT c.460G>A + c.719A>G: *1/*3A (one documented haplotype, CPIC intermediate
    # metabolizer) or *3B/*3C (poor); the recommendation follows *1/*3A, the diplotype is not shown
    from test_pgx_genes import TPMT_3B, TPMT_3C
    from test_report import make_report

    tpmt = call_gene("TPMT", gene_vcf(tmp_path, "TPMT", {**TPMT_3B, **TPMT_3C}, {}), None, None)
    nudt15 = call_gene("NUDT15", gene_vcf(tmp_path, "NUDT15", {}, {}), None, None)
    report, page = make_report(tmp_path, "CIS01", "female", [tpmt, nudt15])
    assert (tpmt["status"], tpmt["diplotype"], tpmt["tie"]["resolved_by"]) == ("ambiguous", "*1/*3A", "cis")
    row = pgx_row(page, "TPMT")
    assert "*1/*3A" not in row and "indeterminate (2 diplotypes fit)" in row
    assert "they differ in the recommendation for azathioprine, mercaptopurine, thioguanine" in row
    lines = [ln["text"] for ln in report["summary"]["actionable"]]
    # the line carries the detail row's strength and its caveat: the diplotype the cis rule set aside
    assert ("Azathioprine: reduce the dose (30–80% of the starting dose) — CPIC strong recommendation — NUDT15 *1/*1 "
            "(Normal Metabolizer), TPMT indeterminate (2 diplotypes fit; Intermediate Metabolizer); caveat: given for "
            "the leading diplotype (the observed variants together on one documented haplotype); the genotypes also "
            "fit TPMT *3B/*3C (Poor Metabolizer: consider an alternative drug, if used at 10% of the usual dose), with "
            "the variants on different chromosomes, which phased genotypes or family testing would rule out.") in lines
    assert report["summary"]["conclusion"] == ("Not settled: TPMT indeterminate (2 diplotypes fit) — no conclusion "
                                               "can be drawn for what depends on them.")


def test_somatic_and_germline_lines_from_a_failed_sample_carry_the_qc_caveat():
    from genotailor.report.sections import germline_findings, somatic
    from test_report_summary import patient, therapy, variant, with_synthesis

    failed = {"qc": {"T1-T": {"status": "fail"}, "T1-N": {"status": "fail"}}}
    fields = {**failed, "somatic": [variant("TP53", "p.R175H", None, [])], "tmb": {"per_mb": 4.0}}
    assert [ln["text"] for ln in somatic.summarize(fields, patient())] == [
        "Somatic variants: no Tier I or II variant (1 variant listed); what was examined is not known (no ledger), so "
        "this is not a negative result (sample T1-T failed quality control: not reliable).",
        "Tumour mutational burden: 4.0 mutations/Mb (sample T1-T failed quality control: not reliable)."]
    braf = with_synthesis({**failed, "somatic": [variant("BRAF", "p.V600E", "I", [therapy("Dabrafenib")])], "tmb": {}},
                          "Melanoma")
    assert somatic.summarize(braf, patient())[0]["text"] == (
        "Therapies for Melanoma (T1-T; BRAF p.V600E, Tier I, VAF 30.0%): sensitivity — Dabrafenib (level A) "
        "(sample T1-T failed quality control: not reliable).")
    hboc = {"title": "Hereditary breast and ovarian cancer", "genes": ["BRCA1", "BRCA2"]}
    # the ledger calls every gene of a sample that failed QC not assessed: no negative is stated for them
    ledger = [{"scope": "gene", "name": g, "category": c, "status": "not_assessed", "reason": "sample T1-N failed QC"}
              for g, c in (("BRCA1", "diagnostic"), ("BRCA2", "diagnostic"), ("MLH1", "secondary"))]
    germline = {**failed, "germline": {"sample": "T1-N", "indications": [hboc], "secondary_findings": "analysed"},
                "germline_findings": [], "assessed": ledger}
    assert [ln["text"] for ln in germline_findings.summarize(germline, patient(consent_secondary=True))] == [
        "Inherited disease (Hereditary breast and ovarian cancer): none of the 2 requested genes could be fully "
        "assessed — no negative result can be stated (see What this test examined).",
        "Secondary findings (ACMG): the requested gene could not be fully assessed — no negative result can be "
        "stated (see What this test examined)."]
