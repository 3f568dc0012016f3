"""The report's other forms: matplotlib figures (deterministic inline SVG with a text
equivalent), the PDF printed by WeasyPrint, and the FHIR Genomics Reporting bundle."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from genotailor.core.errors import GenotailorError
from genotailor.report import child
from genotailor.report import figures as figures_module
from genotailor.report.fhir import build_bundle, validate_bundle
from genotailor.report.figures import Drawer, coverage_figure, draw, figures, plan, tmb_band, tmb_figure, vaf_figure
from genotailor.report.html import render_html
from genotailor.report.pdf import Printer, _ld_cache, write_pdf
from test_report_summary import cyp2c19_poor  # noqa: F401  (the fixture)

SOMATIC = {
    "patient": "T1", "report_date": "2026-01-15",
    "samples": [{"id": "T1-N", "kind": "germline", "entry": "fastq"},
                {"id": "T1-T", "kind": "tumor", "entry": "fastq", "purity": 0.6, "normal": "T1-N"}],
    "qc_thresholds": {"min_locus_depth": 20},
    "pgx": [{"gene": "DPYD", "source": "vcf", "positions": [{"depth": 0}, {"depth": 35}, {"depth": 12}]}],
    "somatic": [{"sample": "T1-T", "gene": "BRAF", "protein_change": "p.V600E", "chrom": "chr7", "pos": 140753336,
                 "vaf": 0.2881, "depth": 236, "tier": "I"}],
    "tmb": {"per_mb": 12.5, "mutations": 25, "callable_mb": 2.0},
}


def test_figures_are_byte_identical_svg_without_dates_and_say_the_same_in_text():
    first, second = figures(SOMATIC), figures(json.loads(json.dumps(SOMATIC)))
    assert [f["id"] for f in first] == ["figure-coverage", "figure-vaf", "figure-tmb"]
    assert [f["svg"] for f in first] == [f["svg"] for f in second]
    for f in first:
        assert f["svg"].startswith("<svg") and "<dc:date>" not in f["svg"] and "<?xml" not in f["svg"]
    assert coverage_figure(SOMATIC)["text"] == [
        "DPYD (T1-N): 3 positions, median depth 12, 2 below 20x",
        "BRAF p.V600E (T1-T): 1 position, median depth 236, 0 below 20x",
    ]
    assert vaf_figure(SOMATIC)["text"] == [
        "BRAF p.V600E (T1-T, Tier I — strong clinical significance): VAF 28.8% at depth 236; a clonal heterozygous "
        "variant at purity 60% would show about 30%"]
    assert tmb_figure(SOMATIC)["text"] == ["TMB 12.5 mutations/Mb (25 mutations over 2.0 Mb): band high (≥ 10)"]
    assert (tmb_band(9.9), tmb_band(10), tmb_band(25)) == ("low (< 10)", "high (≥ 10)", "very high (≥ 20)")


def test_a_figure_is_planned_without_matplotlib_and_drawn_the_same_as_at_once():
    planned = plan(SOMATIC)
    assert [p.meta for p in planned] == [{k: v for k, v in f.items() if k != "svg"} for f in figures(SOMATIC)]
    assert draw(planned) == figures(SOMATIC)


def test_the_drawing_process_draws_what_this_one_does():
    # the report command's drawer: forked at its start, matplotlib loaded while the report is
    # assembled
    drawer = Drawer()
    process = drawer._process
    assert process is not None and process.is_alive()
    drawer.draw(SOMATIC)
    assert drawer.drawn() == figures(SOMATIC)
    assert process.exitcode == 0 and drawer._process is None


def test_a_failure_in_the_drawing_process_is_an_error_saying_so():
    drawer = Drawer()
    drawer.draw({**SOMATIC, "samples": None})
    with pytest.raises(GenotailorError) as err:
        drawer.drawn()
    assert str(err.value) == ("the report's figures could not be drawn — TypeError: 'NoneType' object is not "
                              "iterable")


def test_a_cancelled_drawer_ends_its_process():
    drawer = Drawer()
    process = drawer._process
    drawer.cancel()
    assert process.exitcode is not None and drawer._process is None


def test_tmb_not_assessed_has_no_figure():
    assert tmb_figure({**SOMATIC, "tmb": {"per_mb": None, "reason": "panel too small"}}) is None


@pytest.fixture(scope="module")
def pdf(cyp2c19_poor, tmp_path_factory):  # noqa: F811
    report, _ = cyp2c19_poor
    folder = tmp_path_factory.mktemp("pdf")
    # once as the report command prints (a forked process loads WeasyPrint while the report is
    # assembled, and gets the print page before its figures are drawn), once in this process
    printer = Printer()
    assert printer._process is not None and printer._process.is_alive()
    planned = plan(report)
    printer.print(render_html(report, for_print=True, figures=[p.meta for p in planned]), folder / "a.pdf")
    printer.figures(draw(planned))
    printer.wait()
    drawn = figures(report)
    write_pdf(render_html(report, for_print=True, figures=drawn), folder / "b.pdf", {f["id"]: f["svg"] for f in drawn}.get)
    return folder / "a.pdf", folder / "b.pdf"


def test_pdf_is_the_same_bytes_twice_and_every_page_has_patient_date_and_page_x_of_y(pdf):
    first, second = pdf
    assert first.read_bytes() == second.read_bytes()  # the printing process prints what this one does
    pages = [p.extract_text() for p in PdfReader(first).pages]
    assert len(pages) >= 2
    for i, text in enumerate(pages, 1):
        assert "Patient SUMM01" in text and "Report date 2026-01-15" in text, i
        assert f"Page {i} of {len(pages)}" in text, i


def test_a_pdf_the_printing_process_cannot_write_is_an_error_naming_the_file(cyp2c19_poor, tmp_path):  # noqa: F811
    report, _ = cyp2c19_poor
    out = tmp_path / "no-such-folder" / "r.pdf"
    printer = Printer()
    drawn = figures(report)
    printer.print(render_html(report, for_print=True, figures=drawn), out)
    printer.figures(drawn)
    with pytest.raises(GenotailorError) as err:
        printer.wait()
    assert str(err.value).startswith(f"{out}: the PDF could not be printed — FileNotFoundError: ")
    assert not printer._process  # the process has ended


def test_a_cancelled_printer_leaves_no_pdf_behind(cyp2c19_poor, tmp_path):  # noqa: F811
    report, _ = cyp2c19_poor
    out = tmp_path / "r.pdf"
    out.write_bytes(b"partial")  # whatever the printing process wrote before it was stopped
    printer = Printer()
    process = printer._process
    printer.print(render_html(report, for_print=True, figures=figures(report)), out)
    printer.cancel()  # the report command's path when the report fails its schema
    assert not out.exists() and process.exitcode is not None and printer._process is None


def test_the_print_page_may_link_only_its_figures(tmp_path):
    # the printer serves the figures it is handed and fetches nothing else: no network, no disk
    page = '<p>x</p><img src="https://example.org/logo.png" alt="">'
    with pytest.raises(GenotailorError) as err:
        write_pdf(page, tmp_path / "r.pdf", {}.__getitem__)
    assert str(err.value) == ('Error fetching "https://example.org/logo.png" (ValueError: the print page links '
                              'https://example.org/logo.png, and only its figures may be linked)')
    assert not (tmp_path / "r.pdf").exists()


def test_a_figure_the_printer_was_not_handed_is_an_error_naming_it(cyp2c19_poor, tmp_path):  # noqa: F811
    report, _ = cyp2c19_poor
    out = tmp_path / "r.pdf"
    printer = Printer()
    printer.print(render_html(report, for_print=True, figures=figures(report)), out)
    printer.figures([])
    with pytest.raises(GenotailorError) as err:
        printer.wait()
    assert str(err.value) == (f"{out}: the PDF could not be printed — GenotailorError: Error fetching "
                              '"genotailor-figure:figure-coverage" (KeyError: \'figure-coverage\')')


def test_weasyprint_is_loaded_from_the_library_cache_and_without_it_should_that_fail():
    cache = _ld_cache()
    assert cache["libpango-1.0"].startswith("libpango-1.0.so") and cache["libfontconfig"].startswith("libfontconfig.so")
    # a library that cannot be loaded while the cache answers the look-ups (simulated): the import
    # is done again with ctypes' own look-up, and WeasyPrint's installation help, printed on the
    # failed attempt, is not shown
    code = """
import ctypes.util, cffi.api
load = cffi.api.FFI.dlopen
def dlopen(self, name, flags=0):
    if ctypes.util.find_library.__name__ == "<lambda>":
        raise OSError(f"{name}: not loadable (simulated)")
    return load(self, name, flags)
cffi.api.FFI.dlopen = dlopen
from genotailor.report.pdf import _ld_cache, import_weasyprint
print(import_weasyprint(_ld_cache()).__version__)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    import weasyprint

    assert done.stdout == f"{weasyprint.__version__}\n"


def test_without_child_processes_the_pdf_and_figures_are_made_in_process_the_same(
        cyp2c19_poor, pdf, tmp_path, monkeypatch):  # noqa: F811
    report, _ = cyp2c19_poor
    monkeypatch.setattr(child, "start", lambda target: (None, None))  # a platform that cannot fork
    printer, drawer = Printer(), Drawer()
    assert printer._process is None and drawer._process is None
    printer.print(render_html(report, for_print=True, figures=[p.meta for p in plan(report)]), tmp_path / "r.pdf")
    drawer.draw(report)
    printer.figures(drawer.drawn())
    printer.wait()
    assert (tmp_path / "r.pdf").read_bytes() == pdf[0].read_bytes()


def test_a_printing_process_that_died_is_reported_with_the_file(cyp2c19_poor, tmp_path):  # noqa: F811
    report, _ = cyp2c19_poor
    out = tmp_path / "r.pdf"
    printer = Printer()
    printer._process.kill()  # e.g. the kernel's out-of-memory killer
    printer._process.join()
    drawn = figures(report)
    printer.print(render_html(report, for_print=True, figures=drawn), out)  # the page cannot be handed over
    printer.figures(drawn)
    with pytest.raises(GenotailorError) as err:
        printer.wait()
    assert str(err.value) == f"{out}: the PDF could not be printed — the printing process ended with exit code -9"


def test_a_drawing_process_that_failed_before_the_report_came_says_why(monkeypatch):
    def no_matplotlib():
        raise ImportError("no module named matplotlib (simulated)")

    monkeypatch.setattr(figures_module, "_load_matplotlib", no_matplotlib)
    drawer = Drawer()
    drawer._process.join()  # it has reported and ended: handing it the report finds no reader
    drawer.draw(SOMATIC)
    with pytest.raises(GenotailorError) as err:
        drawer.drawn()
    assert str(err.value) == ("the report's figures could not be drawn — ImportError: no module named matplotlib "
                              "(simulated)")


@pytest.mark.parametrize("kind", ["printer", "drawer"])
def test_the_children_end_when_the_report_process_ends_without_telling_them(kind, tmp_path):
    # e.g. the report process killed on its own: each child sees the end of its pipe and ends,
    # though the drawer, forked second, inherited the printer's pipe end too
    code = ("import os; from genotailor.report.pdf import Printer; from genotailor.report.figures import Drawer; "
            "p, d = Printer(), Drawer(); print(p._process.pid, d._process.pid, flush=True); os._exit(0)")
    with open(tmp_path / "pids", "w") as out:  # a file, not a pipe: a child left running would hold a pipe open
        subprocess.run([sys.executable, "-c", code], stdout=out, check=True, timeout=60)
    pid = int((tmp_path / "pids").read_text().split()[["printer", "drawer"].index(kind)])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and _running(pid):
        time.sleep(0.1)
    running = _running(pid)
    if running:
        os.kill(pid, signal.SIGKILL)
    assert not running


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")  # an orphan that ended may wait to be reaped


def test_a_printer_without_a_report_ends_its_process():
    printer = Printer()
    process = printer._process
    printer.wait()
    assert process.exitcode == 0


def test_pdf_has_the_summary_first_and_every_section(pdf):
    text = "\n".join(p.extract_text() for p in PdfReader(pdf[0]).pages)
    at = 0
    for heading in ("Summary", "Samples and quality control", "Pharmacogenomics", "Drug recommendations", "Figures",
                    "Limitations: what could not be assessed", "Methods", "Disclaimer"):
        at = text.index(f"\n{heading}\n", at)  # each heading on its own line, in this order
    assert text.index("What to do differently for this patient") < text.index("Samples and quality control")
    # the summary line as printed (the PDF text breaks it where the page does)
    assert ("Clopidogrel: use an alternative drug — CPIC strong recommendation — CYP2C19 *2/*2 (Poor Metabolizer)."
            in " ".join(text.split()))


def test_fhir_bundle_validates_with_genotype_implication_and_recommendation(cyp2c19_poor):  # noqa: F811
    report, _ = cyp2c19_poor
    bundle = build_bundle(report)
    validate_bundle(bundle)
    kinds = [(e["resource"]["resourceType"], e["resource"].get("meta", {}).get("profile", [""])[0].rsplit("/", 1)[-1])
             for e in bundle["entry"]]
    assert kinds[:2] == [("Patient", ""), ("DiagnosticReport", "genomic-report")]
    resources = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    patient = resources[bundle["entry"][0]["fullUrl"]]
    assert patient["identifier"] == [{"system": "urn:genotailor:patient", "value": "SUMM01"}] and "name" not in patient
    (genotype,) = [r for r in resources.values() if r.get("code", {}).get("coding", [{}])[0].get("code") == "84413-4"
                   and r["valueCodeableConcept"]["text"] == "CYP2C19 *2/*2"]
    assert genotype["component"][0]["valueCodeableConcept"]["coding"][0]["code"] == "HGNC:2621"
    (task,) = [r for r in resources.values() if r["resourceType"] == "Task" and r["description"].startswith("clopidogrel")]
    implication = resources[task["reasonReference"]["reference"]]
    assert implication["derivedFrom"] == [{"reference": f"urn:uuid:{genotype['id']}"}]
    medication = {"system": "http://loinc.org", "code": "51963-7", "display": "Medication assessed [Identifier]"}
    assert {"code": {"coding": [medication]}, "valueCodeableConcept": {"text": "clopidogrel"}} in implication["component"]
    report_resource = bundle["entry"][1]["resource"]
    assert {"reference": f"urn:uuid:{genotype['id']}"} in report_resource["result"]
    assert build_bundle(report) == bundle  # ids from content: the same report, the same bundle


def test_fhir_bundle_without_pgx_consent_has_no_pgx_resource(cyp2c19_poor):  # noqa: F811
    report, _ = cyp2c19_poor
    declined = {**report, "pgx": [], "drug_recommendations": [],
                "summary": {**report["summary"], "actionable": []}}
    bundle = build_bundle(declined)
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == ["Patient", "DiagnosticReport"]
    assert "CYP2C19" not in json.dumps(bundle)


def test_fhir_validation_rejects_a_missing_required_element_and_an_unknown_one(cyp2c19_poor):  # noqa: F811
    from genotailor.core.errors import GenotailorError

    # fhir.resources checks elements, cardinality and types (not value-set bindings)
    bundle = build_bundle(cyp2c19_poor[0])
    del bundle["entry"][1]["resource"]["code"]
    with pytest.raises(GenotailorError, match="does not validate as R4 Bundle"):
        validate_bundle(bundle)
    bundle = build_bundle(cyp2c19_poor[0])
    bundle["entry"][2]["resource"]["diplotype"] = "*2/*2"
    with pytest.raises(GenotailorError, match="does not validate as R4 Bundle"):
        validate_bundle(bundle)
