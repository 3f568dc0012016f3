"""Every demo patient's report, read as its users read it: no machine value on the page, no sentence
cut off, and each summary line a faithful abbreviation of its detail row (same strength, same
timing and dose, same caveat).

The reports are assembled from the demo run's own stage outputs (tests/data/demo_stages, copied by
its build_fixture.py from a finished `make demo`), with the drug rules applied again to the gene
results so that the knowledge base as it is now decides the recommendations. The targeted tests
below take their expected strength, action and dose from CPIC's recommendation rows
(tests/data/cpic/cpic_recommendations.tsv, CPIC database v1.38)."""

from __future__ import annotations

import csv
import gzip
import html as htmllib
import json
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from genotailor.core.samplesheet import load_sheet
from genotailor.pgx.recommendations import attach_to_genes, recommend
from genotailor.report.assemble import assemble
from genotailor.report.cohort import write_summary_html
from genotailor.report.fhir import build_bundle
from genotailor.report.figures import figures
from genotailor.report.html import render_html
from genotailor.report.pdf import write_pdf
from test_pgx_genes import TPMT_3B, TPMT_3C
from test_pgx_phenotypes import call
from test_report import make_report

ROOT = Path(__file__).resolve().parents[1]
STAGES = ROOT / "tests" / "data" / "demo_stages"
SCHEMAS = ROOT / "workflow" / "schemas"
CPIC_ROWS = ROOT / "tests" / "data" / "cpic" / "cpic_recommendations.tsv"
DEMO = ("GERM01", "GERM02", "LOWQ01", "LUNG01", "PGX001", "TUMOR01", "VCF001")


# --- what counts as a raw enum, a truncated sentence, a timing ------------------------------------
def _enum_values(node, out: set) -> set:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "enum":
                out.update(v for v in value if isinstance(v, str))
            else:
                _enum_values(value, out)
    elif isinstance(node, list):
        for value in node:
            _enum_values(value, out)
    return out


def raw_enum_tokens() -> set[str]:
    """Every machine value of the stage and report contracts: the enum values of the JSON schemas
    in workflow/schemas that are identifiers, not words (snake_case: `not_assessed`, `reduce_dose`,
    `likely_pathogenic`, `outside_panel`). One-word values (`pass`, `strong`) are English too and
    cannot be told from prose."""
    values = set()
    for path in sorted(SCHEMAS.glob("*.schema.json")):
        _enum_values(json.loads(path.read_text()), values)
    return {v for v in values if re.fullmatch(r"[a-z0-9]+(?:_[a-z0-9]+)+", v)}


def qc_metric_names() -> set[str]:
    """The QC metric names (`q30_rate`): the properties of a sample's QC metrics in qc.schema.json,
    by which the QC step names its gates."""
    schema = json.loads((SCHEMAS / "qc.schema.json").read_text())
    return set(schema["properties"]["metrics"]["properties"])


def raw_enums_in(text: str, tokens: set[str]) -> list[str]:
    return sorted(t for t in tokens if re.search(rf"(?<![\w-]){re.escape(t)}(?![\w-])", text))


# A word that cannot end a sentence or clause: prepositions, articles, conjunctions. A prose text
# ending in one of them (or in a separator that announces more: , ; : — ( ) was cut off.
DANGLING = {"a", "an", "the", "for", "of", "to", "in", "on", "at", "by", "with", "from", "into", "than", "as",
            "and", "or", "nor", "but", "if", "per", "via"}


def truncated(text: str, sentence: bool) -> str | None:
    """Why `text` reads as cut off, or None. Prose is a text of three words or more (a value such
    as an allele 'A' or a drug name is not). Prose may not end in a word of DANGLING or in ',',
    ';', ':', '—', '(' and may not hold '()'. A `sentence` (a summary line, the conclusion, the
    QC status line) must also end with a full stop, and may not be empty."""
    stripped = text.strip()
    if not stripped:
        return "empty" if sentence else None
    if len(stripped.split()) < 3 and not sentence:
        return None
    if "()" in stripped:
        return "empty parentheses"
    if stripped[-1] in ",;:—(":
        return f"ends with {stripped[-1]!r}"
    last = re.findall(r"[A-Za-z]+", stripped[-12:])
    if last and last[-1].lower() in DANGLING and not re.search(r"[.)!?]$", stripped):
        return f"ends with {last[-1]!r}"
    if sentence and not stripped.endswith("."):
        return "no closing full stop"
    return None


# 'after more than 12 weeks of effective treatment', 'after 2 weeks': when a dose applies
TIMING = re.compile(r"\bafter (?:more than |at least |about )?\d+ (?:days?|weeks?|months?|cycles?)[^;.)—]*")


# --- the reports ---------------------------------------------------------------------------------
def _unzip(src: Path, dst: Path) -> Path:
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(gzip.decompress(src.read_bytes()))
    return dst


def _stage_files(patient: str, folder: str, dst: Path) -> list[Path]:
    return [_unzip(f, dst / folder / f.name.removesuffix(".gz"))
            for f in sorted((STAGES / patient / folder).glob("*.json.gz"))]


def build_demo_report(patient_id: str, dst: Path) -> dict:
    """One demo patient's report (JSON), as `genotailor report` assembles it, from its stage files."""
    patient = load_sheet(ROOT / "config" / "samples.yaml", check_files=False).patient(patient_id)
    stages = {}
    pgx = _stage_files(patient_id, "pgx", dst)
    for path in pgx:
        doc = json.loads(path.read_text())
        doc["drugs"] = recommend(doc["pgx"])
        attach_to_genes(doc["pgx"], doc["drugs"])
        path.write_text(json.dumps(doc))
    for section, folder in (("pgx", "pgx"), ("somatic", "somatic"), ("germline_findings", "germline"),
                            ("examined", "ledger")):
        files = pgx if folder == "pgx" else _stage_files(patient_id, folder, dst)
        if files:
            stages[section] = files
    provenance = _unzip(STAGES / "provenance.json.gz", dst / "provenance.json")
    return assemble(patient, "2026-01-15", _stage_files(patient_id, "qc", dst), _stage_files(patient_id, "calls", dst),
                    provenance, stages)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """patient -> {report, html, fhir, pdf (its text)}."""
    out = {}
    for patient in DEMO:
        dst = tmp_path_factory.mktemp(patient)
        report = build_demo_report(patient, dst)
        drawn = figures(report)
        write_pdf(render_html(report, for_print=True, figures=drawn), dst / "report.pdf",
                  {f["id"]: f["svg"] for f in drawn}.get)
        pdf_text = "\n".join(p.extract_text() for p in PdfReader(dst / "report.pdf").pages)
        out[patient] = {"report": report, "html": render_html(report, figures=drawn), "fhir": build_bundle(report),
                        "pdf": pdf_text}
    return out


def visible_text(page: str) -> str:
    """What a reader sees of the HTML: no style, no SVG drawing code, no tags, entities resolved."""
    page = re.sub(r"(?s)<style>.*?</style>|<svg.*?</svg>", " ", page)
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", page))


# prose fields: of the JSON report, of the FHIR bundle (narrative, notes, text values, descriptions)
PROSE_KEYS = {"text", "conclusion", "qc_status", "reason", "note", "notes", "limitations", "meaning", "why_text",
              "div", "valueString", "description"}


def prose(node, key=None):
    """Every string under a PROSE_KEYS key, with the key it is under."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from prose(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from prose(v, key)
    elif isinstance(node, str) and key in PROSE_KEYS:
        yield key, node


def summary_sentences(report: dict):
    s = report["summary"]
    yield "conclusion", s.get("conclusion")
    yield "qc_status", s["qc_status"]
    for kind in ("actionable", "result", "standard", "not_assessed"):
        for ln in s[kind]:
            yield kind, ln["text"]


def drug_row(page: str, drug: str) -> dict:
    """The detail row of a drug in the HTML: its recommendation (action and dose), caveat and strength."""
    start = page.index(f'<tr id="drug-{drug}">')
    row = page[start: page.index("</tr>", start)]
    cells = re.findall(r"(?s)<td[^>]*>(.*?)</td>", row)
    rec_cell, strength_cell = cells[2], cells[3]
    caveat = re.search(r"(?s)<strong>Caveat:</strong>(.*?)</span>", rec_cell)

    def text(fragment):
        return re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", "", fragment))).strip()

    return {"recommendation": text(rec_cell.split("<br>")[0]), "caveat": text(caveat.group(1)) if caveat else None,
            "note": text(rec_cell.split("<br>")[1]) if "<br>" in rec_cell else "", "strength": text(strength_cell)}


# --- (a) every demo report -----------------------------------------------------------------------
def test_the_enum_list_comes_from_the_schemas_and_holds_the_values_seen_leaking():
    tokens = raw_enum_tokens()
    assert {"not_assessed", "not_applicable", "no_recommendation", "reduce_dose", "likely_pathogenic",
            "outside_panel"} <= tokens
    assert "pass" not in tokens and "strong" not in tokens


@pytest.mark.parametrize("patient", DEMO)
def test_no_raw_enum_reaches_the_page_the_pdf_or_the_prose_of_json_and_fhir(demo, patient):
    tokens = raw_enum_tokens()
    d = demo[patient]
    assert raw_enums_in(visible_text(d["html"]), tokens) == []
    assert raw_enums_in(d["pdf"], tokens) == []
    leaks = [(k, t) for source in ("report", "fhir") for k, t in prose(d[source]) if raw_enums_in(t, tokens)]
    assert leaks == []


def test_the_cohort_page_says_statuses_and_qc_gates_in_words(demo, tmp_path):
    paths = []
    for patient, d in demo.items():
        paths.append(tmp_path / f"{patient}.json")
        paths[-1].write_text(json.dumps(d["report"]))
    write_summary_html(paths, tmp_path / "summary.html")
    page = (tmp_path / "summary.html").read_text()
    assert raw_enums_in(visible_text(page), raw_enum_tokens() | qc_metric_names()) == []
    # LOWQ01 failed five gates: the page names them as the report's QC table does
    assert "Reads with adapters trimmed; Biomarker loci covered; Reads mapped; Bases with quality ≥ Q30; Reads " \
           "after filtering" in htmllib.unescape(page)


@pytest.mark.parametrize("patient", DEMO)
def test_no_sentence_is_cut_off(demo, patient):
    d = demo[patient]
    cut = [(kind, text, why) for kind, text in summary_sentences(d["report"]) if text is not None
           for why in [truncated(text, sentence=True)] if why]
    cut += [(k, t, why) for source in ("report", "fhir") for k, t in prose(d[source])
            if k not in ("div", "text") or source == "report" for why in [truncated(t, sentence=False)] if why]
    # in the page: a table cell, list item or paragraph whose text ends in a dangling word
    words = "|".join(sorted(DANGLING))
    cut += [("html", m.group(0), "dangling word before the end of an element") for m in re.finditer(
        rf"\b(?:{words})\s*</(?:td|li|p|span|div|em|strong)>", d["html"])]
    assert cut == []


@pytest.mark.parametrize("patient", DEMO)
def test_each_drug_summary_line_has_its_detail_rows_strength_timing_dose_and_caveat(demo, patient):
    d = demo[patient]
    lines = [ln for ln in d["report"]["summary"]["actionable"] if (ln.get("target") or "").startswith("drug-")]
    actionable = [r for r in d["report"]["drug_recommendations"] if r["status"] == "actionable"]
    assert len(lines) == len(actionable)
    for ln in lines:
        row = drug_row(d["html"], ln["target"].removeprefix("drug-"))
        text = ln["text"]
        assert re.search(rf"\b{re.escape(row['strength'])}\b", text), (text, row)
        recommendation = row["recommendation"][0].lower() + row["recommendation"][1:]
        assert recommendation in text, (text, row)
        for timing in TIMING.findall(row["recommendation"]):
            assert timing in text, (text, row)
        assert TIMING.findall(text.split(" — ")[0]) == TIMING.findall(row["recommendation"]), (text, row)
        if row["caveat"]:
            assert row["caveat"] in text, (text, row)


def test_the_demo_reports_have_the_lines_these_checks_are_about(demo):
    """The checks above are not vacuous: the demo has a timed, an optional and an ambiguous line."""
    pgx001 = [ln["text"] for ln in demo["PGX001"]["report"]["summary"]["actionable"]]
    omeprazole = [t for t in pgx001 if t.startswith("Omeprazole:")]
    assert omeprazole == ["Omeprazole: reduce the dose (the usual dose to start; 50% of it after more than 12 weeks "
                          "of effective treatment) — CPIC optional recommendation — CYP2C19 *2/*17 (Intermediate "
                          "Metabolizer)."]
    assert any(t.startswith("Azathioprine:") and "*3B/*3C (Poor Metabolizer" in t for t in pgx001)
    assert "DPYD (activity score 1.0)" in demo["PGX001"]["html"]


# --- (b) targeted: CPIC's own rows ---------------------------------------------------------------
def cpic_row(drug: str, lookup: dict) -> dict:
    with open(CPIC_ROWS, newline="") as f:
        rows = [r for r in csv.DictReader(f, delimiter="\t")
                if r["drug"] == drug and r["population"] == "general" and json.loads(r["lookup"]) == lookup]
    (row,) = rows
    return row


def _pct(factor: str) -> str:
    low, _, high = factor.partition("-")
    return f"{100 * float(low):g}–{100 * float(high):g}%" if high else f"{100 * float(low):g}%"


def _lines(report) -> dict:
    return {ln["text"].split(":")[0]: ln["text"] for ln in report["summary"]["actionable"]}


def test_omeprazole_intermediate_metabolizer_is_optional_and_the_half_dose_comes_after_12_weeks(tmp_path):
    # CPIC 2020 PPI guideline (PMID 32770672), CYP2C19 intermediate metabolizer: "Initiate standard
    # starting daily dose. For chronic therapy (>12 weeks) and efficacy achieved, consider 50%
    # reduction in daily dose"; classification optional
    row = cpic_row("omeprazole", {"CYP2C19": "Intermediate Metabolizer"})
    assert (row["classification"], row["action"], row["dose_factor"]) == ("Optional", "standard|reduce_dose", "0.5")
    report, page = make_report(tmp_path, "OME01", "female", [call(tmp_path, "CYP2C19", "*2", "*17")])
    recommendation = f"reduce the dose (the usual dose to start; {_pct(row['dose_factor'])} of it after more than 12 " \
                     "weeks of effective treatment)"
    assert _lines(report)["Omeprazole"] == (
        f"Omeprazole: {recommendation} — CPIC {row['classification'].lower()} recommendation — CYP2C19 *2/*17 "
        "(Intermediate Metabolizer).")
    detail = drug_row(page, "omeprazole")
    assert (detail["recommendation"], detail["strength"]) == (recommendation.capitalize(), "optional")


def test_omeprazole_ultrarapid_metabolizer_doubles_the_starting_dose_optional(tmp_path):
    # CPIC: "Increase starting daily dose by 100%"; classification optional
    row = cpic_row("omeprazole", {"CYP2C19": "Ultrarapid Metabolizer"})
    assert (row["classification"], row["action"], row["dose_factor"]) == ("Optional", "increase_dose", "2")
    report, page = make_report(tmp_path, "OME02", "female", [call(tmp_path, "CYP2C19", "*17", "*17")])
    assert _lines(report)["Omeprazole"] == (
        f"Omeprazole: increase the dose ({_pct(row['dose_factor'])} of the starting dose) — CPIC optional "
        "recommendation — CYP2C19 *17/*17 (Ultrarapid Metabolizer).")
    assert drug_row(page, "omeprazole")["strength"] == "optional"


def test_azathioprine_for_tpmt_star3a_or_star3b_star3c_says_both_in_the_summary_line(tmp_path):
    # unphased TPMT c.460G>A + c.719A>G: *1/*3A (intermediate) or *3B/*3C (poor). CPIC rows with
    # NUDT15 normal: intermediate, strong, reduce to 30-80%; poor, strong, alternative or 10%
    im = cpic_row("azathioprine", {"NUDT15": "Normal Metabolizer", "TPMT": "Intermediate Metabolizer"})
    pm = cpic_row("azathioprine", {"NUDT15": "Normal Metabolizer", "TPMT": "Poor Metabolizer"})
    assert (im["classification"], im["action"], im["dose_factor"]) == ("Strong", "reduce_dose", "0.3-0.8")
    assert (pm["classification"], pm["action"], pm["dose_factor"]) == ("Strong", "alternative|reduce_dose", "0.1")
    from genotailor.pgx.run import call_gene
    from test_pgx_genes import gene_vcf

    tpmt = call_gene("TPMT", gene_vcf(tmp_path, "TPMT", {**TPMT_3B, **TPMT_3C}, {}), None, None)
    nudt15 = call_gene("NUDT15", gene_vcf(tmp_path, "NUDT15", {}, {}), None, None)
    report, page = make_report(tmp_path, "AZA01", "female", [tpmt, nudt15])
    text = _lines(report)["Azathioprine"]
    assert text.startswith(f"Azathioprine: reduce the dose ({_pct(im['dose_factor'])} of the starting dose) — CPIC "
                           f"{im['classification'].lower()} recommendation — NUDT15 *1/*1 (Normal Metabolizer), TPMT "
                           "indeterminate (2 diplotypes fit; Intermediate Metabolizer); caveat: ")
    caveat = text.split("; caveat: ", 1)[1]
    poor = json.loads(pm["lookup"])["TPMT"]
    # CPIC's "alternative|reduce_dose": an alternative drug, or a tenth of the dose if it is used
    assert f"TPMT *3B/*3C ({poor}: consider an alternative drug, if used at {_pct(pm['dose_factor'])} of the usual " \
           "dose)" in caveat
    assert "phased genotypes or family testing" in caveat
    assert drug_row(page, "azathioprine")["caveat"] + "." == caveat


def test_an_activity_score_is_labelled_in_the_detail_row_and_the_summary_line(tmp_path):
    # CPIC DPYD: one c.1905+1G>A (*2A) allele, activity score 1.0: reduce to 50%, strong
    row = cpic_row("capecitabine", {"DPYD": "1.0"})
    assert (row["classification"], row["action"], row["dose_factor"]) == ("Strong", "reduce_dose", "0.5")
    report, page = make_report(tmp_path, "DPD01", "female", [call(tmp_path, "DPYD", "Reference", "c.1905+1G>A (*2A)")])
    assert "DPYD (activity score 1.0)" in page and "DPYD (1.0)" not in page
    assert _lines(report)["Capecitabine"].startswith(
        f"Capecitabine: reduce the dose ({_pct(row['dose_factor'])} of the starting dose) — CPIC strong recommendation "
        "— DPYD Reference/c.1905+1G>A (*2A) (Intermediate Metabolizer, activity score 1.0)")
