"""The per-patient report: JSON assembled from the step outputs and the self-contained HTML.

Gene results come from real calls on small VCFs (`genotailor.pgx`), so the notes, limitations
and reasons checked here are the ones the workflow writes."""

import html
import json
from pathlib import Path

import pytest
from markupsafe import escape

from conftest import vcf_entry_stage_files
from genotailor.core.errors import InputError
from genotailor.core.samplesheet import Patient, Sample
from genotailor.pgx.recommendations import attach_to_genes, recommend
from genotailor.pgx.rules import CYP2D6_LIMITATION
from genotailor.pgx.run import outside_call_result
from genotailor.report.assemble import assemble
from genotailor.report.html import render_html
from test_pgx_phenotypes import G6PD_A_MINUS, call

G6PD_MALE_NOTE = "male: G6PD called as one hemizygous allele"
CYP4F2_REASON = "CPIC defines no phenotype for CYP4F2; drug rules use carriage of its alleles"


def _dump(path: Path, obj) -> Path:
    path.write_text(json.dumps(obj))
    return path


def make_report(tmp_path, patient_id, sex, results, sample_id=None):
    """Assemble one VCF-entry patient's report from gene results; return (report, html)."""
    folder = tmp_path / patient_id
    folder.mkdir()
    sample_id = sample_id or f"{patient_id}-dna"
    sample = Sample(sample_id, patient_id, "germline", "vcf", (), folder / "in.vcf.gz", None, "DeepVariant",
                    None, None, None, None)
    patient = Patient(patient_id, sex, None, True, False, (), (sample,))
    qc, calls = vcf_entry_stage_files(folder, sample_id, records=12)
    provenance = _dump(folder / "provenance.json", {
        "workflow": {"version": "test"}, "reference": {"name": "GRCh38 demo", "sha256": "0" * 64},
        "aligner": "none", "tools": {}, "knowledge_bases": {"pgx": {"version": "test"}}})
    drugs = recommend(results)
    attach_to_genes(results, drugs)
    pgx = _dump(folder / "pgx.json", {"pgx": sorted(results, key=lambda r: r["gene"]), "drugs": drugs})
    report = assemble(patient, "2026-01-15", [qc], [calls], provenance, {"pgx": [pgx]})
    return report, render_html(report)


def gene(report, name):
    (g,) = [g for g in report["pgx"] if g["gene"] == name]
    return g


def pgx_row(page, name):
    """The PGx table row of a gene (from its <tr> to the next </tr>)."""
    start = page.index(f"<td><strong>{name}</strong></td>")
    return page[page.rindex("<tr>", 0, start): page.index("</tr>", start)]


@pytest.fixture(scope="module")
def male_patient(tmp_path_factory):
    """A male: hemizygous G6PD A-, RYR1 with an allele of no stated function, CYP2D6 *1/*4 from
    the VCF, CYP4F2 *1/*3."""
    tmp = tmp_path_factory.mktemp("male")
    results = [
        call(tmp, "G6PD", G6PD_A_MINUS, sex="male", haploid=True),
        call(tmp, "RYR1", "c.38T>G", "Reference"),
        call(tmp, "CYP2D6", "*1", "*4"),
        call(tmp, "CYP4F2", "*1", "*3"),
    ]
    return make_report(tmp, "PATM01", "male", results)


@pytest.fixture(scope="module")
def female_patient(tmp_path_factory):
    """A female: RYR1 reference, IFNL3 CT, CYP2D6 from an outside caller."""
    tmp = tmp_path_factory.mktemp("female")
    results = [
        call(tmp, "RYR1", "Reference", "Reference"),
        call(tmp, "IFNL3", "rs12979860 reference (C)", "rs12979860 variant (T)"),
        outside_call_result({"gene": "CYP2D6", "diplotype": "*2/*41", "method": "copy-number-aware assay"}),
    ]
    return make_report(tmp, "PATF02", "female", results)


def test_ryr1_note_is_in_the_html(male_patient):
    report, page = male_patient
    (note,) = gene(report, "RYR1")["notes"]
    assert note.startswith("c.38T>G: no allele function in the knowledge base")
    assert "'Uncertain Susceptibility' means that no such allele was found, not that this variant is known to be " \
           "harmless" in note
    assert str(escape(note)) in pgx_row(page, "RYR1")  # autoescaped: the quotes are entities
    assert note in html.unescape(page)


def test_g6pd_male_hemizygous_note_is_in_the_html(male_patient):
    report, page = male_patient
    g6pd = gene(report, "G6PD")
    assert (g6pd["diplotype"], g6pd["phenotype"], g6pd["notes"]) == (G6PD_A_MINUS, "Deficient", [G6PD_MALE_NOTE])
    row = pgx_row(page, "G6PD")
    assert f"<li>{G6PD_MALE_NOTE}</li>" in row and "Deficient" in row


def test_cyp2d6_snv_only_limitation_is_shown_with_the_gene_and_among_the_limitations(male_patient):
    report, page = male_patient
    assert gene(report, "CYP2D6")["limitations"] == [CYP2D6_LIMITATION]
    assert {"section": "pgx", "gene": "CYP2D6", "reason": CYP2D6_LIMITATION} in report["limitations"]
    text = str(escape(CYP2D6_LIMITATION))
    row = pgx_row(page, "CYP2D6")
    assert "Intermediate Metabolizer" in row
    assert f'<li class="gene-limit"><strong>Limitation:</strong> {text}</li>' in row
    limits = page[page.index("<h2>Limitations: what could not be assessed</h2>"):]
    assert f"<strong>Pharmacogenomics (CYP2D6):</strong> {text}</div>" in limits
    assert "not called from VCF" not in page  # the release does call CYP2D6 from the VCF


def test_outside_cyp2d6_call_has_no_snv_only_limitation(female_patient):
    report, page = female_patient
    cyp2d6 = gene(report, "CYP2D6")
    assert (cyp2d6["source"], cyp2d6["phenotype"]) == ("outside_call", "Normal Metabolizer")
    assert not [lim for lim in report["limitations"] if lim.get("gene") == "CYP2D6"]
    row = pgx_row(page, "CYP2D6")
    assert "outside call: copy-number-aware assay" in row
    assert "<li>phenotype of the outside diplotype from the knowledge base</li>" in row
    assert str(escape(CYP2D6_LIMITATION)) not in page


def test_a_result_without_a_phenotype_shows_its_reason(male_patient):
    report, page = male_patient
    cyp4f2 = gene(report, "CYP4F2")
    assert (cyp4f2["diplotype"], cyp4f2["phenotype"]) == ("*1/*3", None)
    assert cyp4f2["reason"].startswith(CYP4F2_REASON)
    row = pgx_row(page, "CYP4F2")
    phenotype_cell = row.split("<td>")[3]
    assert phenotype_cell.startswith("no phenotype<br><span class=\"note\">")
    assert str(escape(cyp4f2["reason"])) in phenotype_cell
    assert row.count(str(escape(cyp4f2["reason"]))) == 1  # once, not again beside the call


def test_notes_and_limitations_are_escaped(tmp_path):
    ryr1 = call(tmp_path, "RYR1", "Reference", "Reference")
    ryr1["notes"].append('<script>alert("x")</script> & <b>bold</b>')
    ryr1["limitations"].append("<img src=x onerror=alert(1)>")
    _, page = make_report(tmp_path, "ESC01", "unknown", [ryr1])
    # the page's one script is its own table sorter, after the last section; nothing from the data
    assert page.count("<script") == 1 and page.index("<script>") > page.index('<section id="disclaimer"')
    assert "alert" not in page[page.index("<script>"):] and "<img" not in page and "<b>bold" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<link" not in page and "<style>" in page  # self-contained: inline CSS, nothing fetched


def test_gene_without_notes_or_limitations_gets_no_empty_list(female_patient):
    report, page = female_patient
    assert gene(report, "RYR1")["notes"] == [] and gene(report, "RYR1")["limitations"] == []
    assert "gene-notes" not in pgx_row(page, "RYR1")


def test_no_patient_data_appears_in_another_patients_report(male_patient, female_patient):
    (male, male_page), (female, female_page) = male_patient, female_patient
    assert male["patient"] == "PATM01" and female["patient"] == "PATF02"
    # identifiers
    for page, other in ((male_page, female), (female_page, male)):
        assert other["patient"] not in page
        assert not [s["id"] for s in other["samples"] if s["id"] in page]
    # results only the other patient has
    assert G6PD_MALE_NOTE not in female_page and G6PD_A_MINUS not in female_page
    assert "c.38T>G" not in female_page and "*1/*4" not in female_page
    assert "*2/*41" not in male_page and "copy-number-aware assay" not in male_page
    assert "Unfavorable response genotype" not in male_page
    # each page names its own patient and sex only
    assert "<strong>PATM01</strong>" in male_page and "<dt>Sex</dt><dd>male</dd>" in male_page
    assert "<strong>PATF02</strong>" in female_page and "<dt>Sex</dt><dd>female</dd>" in female_page


def test_rendering_is_deterministic_and_keeps_no_state_between_patients(tmp_path, male_patient, female_patient):
    (male, male_page), (female, _) = male_patient, female_patient
    render_html(female)
    assert render_html(male) == male_page


def test_the_job_records_give_the_tools_and_two_versions_of_one_tool_are_both_shown(tmp_path):
    from genotailor.report.provenance import merge_tool_versions

    a = _dump(tmp_path / "a.json", {"genotailor": "0.1.0", "tools": {"bcftools": "1.16", "tabix": "1.16"}})
    b = _dump(tmp_path / "b.json", {"genotailor": "0.1.0", "tools": {"bcftools": "1.17"}})
    assert merge_tool_versions([a, b]) == {"bcftools": "1.16, 1.17", "genotailor": "0.1.0", "tabix": "1.16"}


def test_a_stage_output_that_breaks_its_contract_stops_the_report(tmp_path):
    results = [{"gene": "CYP2C19", "status": "maybe"}]
    with pytest.raises(InputError) as err:
        make_report(tmp_path, "PATX1", "female", results)
    assert "pgx.json: not a valid pgx stage output (workflow/schemas/pgx.schema.json)" in str(err.value)


def test_the_report_command_names_an_unknown_section(tmp_path, capsys):
    from genotailor.cli import main

    code = main(["report", "--sheet", "x.yaml", "--patient", "P", "--date", "2026-01-01", "--provenance", "p.json",
                 "--json", str(tmp_path / "r.json"), "--html", str(tmp_path / "r.html"), "--stage", "tarot=cards.json"])
    assert code == 2
    assert capsys.readouterr().err == ("genotailor report: error: --stage tarot=cards.json: expected SECTION=JSON "
                                       "with SECTION one of examined, pgx, somatic, copy_number, germline_findings\n")


def test_a_malformed_job_log_flag_is_refused_with_the_expected_form():
    from genotailor.cli.report import _job_logs
    from genotailor.core.errors import InputError

    assert _job_logs(["pgx=logs/pgx/P1.log=logs/benchmarks/pgx/P1.tsv"]) == [
        {"rule": "pgx", "log": "logs/pgx/P1.log", "benchmark": "logs/benchmarks/pgx/P1.tsv"}]
    with pytest.raises(InputError, match=r"^--job-log pgx=logs/pgx/P1.log: expected RULE=LOG=BENCHMARK$"):
        _job_logs(["pgx=logs/pgx/P1.log"])


def test_a_report_command_that_fails_once_printing_began_leaves_no_pdf(tmp_path):
    from genotailor.cli import main

    sample = "CLI01-dna"
    sheet = tmp_path / "samples.yaml"
    sheet.write_text(json.dumps({"patients": {"CLI01": {
        "sex": "female", "consent": {"pharmacogenomics": True, "secondary_findings": False},
        "samples": {sample: {"kind": "germline", "vcf": str(tmp_path / "in.vcf.gz"), "caller": "DeepVariant"}}}}}))
    qc, calls = vcf_entry_stage_files(tmp_path, sample, records=12)
    provenance = _dump(tmp_path / "provenance.json", {
        "workflow": {"version": "test"}, "reference": {"name": "GRCh38 demo", "sha256": "0" * 64},
        "aligner": "none", "tools": {}, "knowledge_bases": {"pgx": {"version": "test"}}})
    results = [call(tmp_path, "CYP2C19", "*2", "*2")]
    drugs = recommend(results)
    attach_to_genes(results, drugs)
    pgx = _dump(tmp_path / "pgx.json", {"pgx": results, "drugs": drugs})
    argv = ["report", "--sheet", str(sheet), "--patient", "CLI01", "--date", "2026-01-15", "--provenance",
            str(provenance), "--qc", str(qc), "--calls", str(calls), "--stage", f"pgx={pgx}"]
    out = tmp_path / "out"
    out.mkdir()
    files = {k: out / f"r.{k}" for k in ("json", "html", "pdf")}
    flags = [a for k, f in files.items() for a in (f"--{k}", str(f))]
    assert main([*argv, *flags, "--fhir", str(out / "r.fhir.json")]) == 0
    assert files["pdf"].read_bytes().startswith(b"%PDF-")
    assert json.loads(files["json"].read_text())["patient"] == "CLI01"
    # the FHIR bundle cannot be written (no such folder): the PDF the printer was making is removed
    assert main([*argv, *flags, "--fhir", str(tmp_path / "missing" / "r.fhir.json")]) != 0
    assert not files["pdf"].exists()
