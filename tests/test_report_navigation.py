"""A report page people can move in and a PDF that prints right: a table of contents whose links
resolve, a header row (<thead>) on every table, ids that occur once, tables that sort and filter in
the browser without any request, and PDF pages whose text stays inside the margins and none of
which ends on a heading or a table's header row.

The reports are built as the other report tests build them: every demo patient's report from the
demo run's stage outputs (tests/data/demo_stages), a colorectal BRAF p.V600E from a real
`genotailor somatic` run with DPYD and UGT1A1 calls (a long evidence table, two figures, the page
the browser tests use), a pharmacogenomic report and an inherited-disease report with its ledger."""

import re
from html.parser import HTMLParser

import pytest
from pypdf import PdfReader

from browser import chromium, requests_made  # noqa: F401  (the fixture)
from genotailor.report.figures import figures
from genotailor.report.html import render_html
from genotailor.report.pdf import write_pdf
from pdf_layout import MM, lines, text_runs
from test_report import male_patient  # noqa: F401  (the fixture)
from test_report_crosslinks import VCF, crc_report, pgx_results, somatic_json  # noqa: F401  (the fixtures)
from test_report_faithful import DEMO, build_demo_report
from test_trap_corpus import hboc  # noqa: F401  (the fixture)

# the print CSS's page: A4 with 14 mm margins left and right, 18 mm top and bottom
PAGE_MARGIN_X, PAGE_MARGIN_Y = 14 * MM, 18 * MM
RUNNING = re.compile(r"^(Patient \S+|Report date \S+|Page \d+ of \d+|QC failed.*)$")


@pytest.fixture(scope="module")
def crc(tmp_path_factory, somatic_json, pgx_results):  # noqa: F811
    return crc_report(tmp_path_factory.mktemp("crc-page"), somatic_json, pgx_results)


@pytest.fixture(scope="module")
def demo_reports(tmp_path_factory):
    """patient -> (report, drawn figures) of each demo patient."""
    out = {}
    for patient in DEMO:
        report = build_demo_report(patient, tmp_path_factory.mktemp(patient))
        out[patient] = (report, figures(report))
    return out


@pytest.fixture(scope="module")
def reports(crc, male_patient, hboc, demo_reports):  # noqa: F811
    """(report, web page) of each report."""
    pages = {p: (r, render_html(r, figures=drawn)) for p, (r, drawn) in demo_reports.items()}
    return {**pages, "CRC01": crc, "PATM01": male_patient, "H1": (hboc[1], render_html(hboc[1]))}


class Markup(HTMLParser):
    """What the tests need of a page: each table's first child element, every id, the in-page
    links and the contents' links."""

    def __init__(self):
        super().__init__()
        self.tables = []  # [first child tag] per table, in order
        self.ids, self.links, self.contents = [], [], []
        self._open_tables = []  # per open table: waiting for its first child
        self._in_contents = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if self._open_tables and self._open_tables[-1] is None and tag != "caption":
            self._open_tables[-1] = tag
        if tag == "table":
            self._open_tables.append(None)
        if tag == "nav" and attrs.get("id") == "contents":
            self._in_contents = 1
        if tag == "a" and (attrs.get("href") or "").startswith("#"):
            self.links.append(attrs["href"][1:])
            if self._in_contents:
                self.contents.append(attrs["href"][1:])

    def handle_endtag(self, tag):
        if tag == "table":
            self.tables.append(self._open_tables.pop())
        if tag == "nav":
            self._in_contents = 0


def markup(page: str) -> Markup:
    parser = Markup()
    parser.feed(page)
    return parser


def duplicates(values):
    return sorted({v for v in values if values.count(v) > 1})


@pytest.mark.parametrize("patient", DEMO + ("CRC01", "PATM01", "H1"))
def test_every_table_has_a_header_row_and_every_id_occurs_once(reports, patient):
    report, page = reports[patient]
    found = markup(page)
    assert len(found.tables) >= 3
    assert [t for t in found.tables if t != "thead"] == []
    assert duplicates(found.ids) == []
    # every link within the page has its target, and the contents reach every section
    assert sorted(set(found.links) - set(found.ids)) == []
    sections = re.findall(r'<section id="([^"]+)"', page)
    assert [s for s in found.contents if s in sections] == sections


def test_the_figures_ids_are_scoped_to_their_figure(reports):
    _, page = reports["CRC01"]
    ids = markup(page).ids
    assert "figure-coverage" in ids and "figure-vaf" in ids
    # matplotlib numbers every figure's elements from 1: each figure keeps its own under its ID
    assert "figure-coverage-axes_1" in ids and "figure-vaf-axes_1" in ids and "axes_1" not in ids
    vaf = page[page.index('<figure id="figure-vaf">'):]
    vaf = vaf[:vaf.index("</figure>")]
    assert re.findall(r'(?:href="#|url\(#)([^")]+)', vaf) and all(
        ref.startswith("figure-vaf-") for ref in re.findall(r'(?:href="#|url\(#)([^")]+)', vaf))


def test_contents_list_the_sections_and_sub_sections_this_report_has(reports):
    _, page = reports["CRC01"]
    nav = page[page.index('<nav id="contents"'):page.index("</nav>")]
    entries = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', nav)
    assert entries[:3] == [("summary", "Summary"), ("summary-actions", "What to do differently for this patient"),
                           ("summary-not-assessed", "Not assessed or failed quality control")]
    assert ("somatic", "Somatic variants") in entries and ("tmb", "Tumour mutational burden") in entries
    assert ("drugs", "Drug recommendations") in entries
    assert "germline_findings" not in dict(entries)  # no inherited-disease section in this report


def test_the_specimen_block_leaves_the_lab_its_fields_and_uses_only_dates_it_was_given(reports):
    report, page = reports["CRC01"]
    block = page[page.index('<div id="specimen"'):page.index("</header>")]
    assert page.index('<div id="specimen"') < page.index('<section id="summary">')
    rows = re.findall(r"<tr><td>(CRC-[NT])</td>\s*(.*?)</tr>", block, re.S)
    assert [sample for sample, _ in rows] == ["CRC-N", "CRC-T"]
    for _, cells in rows:  # no specimen in the sheet: type, collected and received are blank fields
        assert cells.count('<span class="fill"') == 3 and "<td>2026-01-15</td>" in cells  # analysed: the report date
    assert "<th>Reviewed by (name, signature)</th><th>Date</th>" in block
    given = {**report, "samples": [{**report["samples"][0], "specimen": {"type": "peripheral blood (EDTA)",
                                                                          "received": "2026-11-03"}}]}
    row = re.search(r"<tr><td>CRC-N</td>(.*?)</tr>", render_html(given, figures=[]), re.S).group(1)
    assert re.findall(r"<td>(.*?)</td>", row) == ["peripheral blood (EDTA)", '<span class="fill" title="not given in '
                                                  'the sample sheet"></span>', "2026-11-03", "2026-01-15"]


# --- the browser --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def crc_page(crc, tmp_path_factory):
    path = tmp_path_factory.mktemp("crc-html") / "CRC01.html"
    path.write_text(crc[1])
    return path


def _load(driver, path, script: bool) -> list[str]:
    """Open the page with or without script; the requests it made other than its own."""
    driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": not script})
    driver.get("about:blank")
    driver.get_log("performance")
    driver.get(path.as_uri())
    requests = [u for u in requests_made(driver) if not u.startswith(("chrome://", "chrome-untrusted://", "about:"))]
    assert path.as_uri() in requests  # the log sees the page's own request
    return [u for u in requests if u != path.as_uri()]


@pytest.mark.parametrize("script", [True, False], ids=["with-script", "without-script"])
def test_the_page_makes_no_request_and_its_contents_links_resolve(chromium, crc_page, script):  # noqa: F811
    assert _load(chromium, crc_page, script) == []
    targets = chromium.execute_script(
        "return [...document.querySelectorAll('#contents a')].map(a => a.getAttribute('href').slice(1))")
    assert len(targets) >= 8
    assert [t for t in targets if not chromium.execute_script(f"return !!document.getElementById('{t}')")] == []
    boxes = chromium.execute_script("return document.querySelectorAll('.table-tools input').length")
    rows = chromium.execute_script("return document.querySelectorAll('table.therapies tbody tr').length")
    hidden = chromium.execute_script("return [...document.querySelectorAll('tr, tbody')].filter(e => e.hidden).length")
    assert rows >= 8 and hidden == 0  # every row shown either way
    assert (boxes >= 1) if script else boxes == 0  # the filter boxes are the script's; without it, the whole report


@pytest.mark.parametrize("script", [True, False], ids=["with-script", "without-script"])
def test_every_demo_page_opens_without_request_or_error_and_its_contents_links_resolve(
        chromium, reports, tmp_path, script):  # noqa: F811
    for patient in DEMO:
        path = tmp_path / f"{patient}.html"
        path.write_text(reports[patient][1])
        chromium.get_log("browser")
        assert _load(chromium, path, script) == [], patient
        assert [e for e in chromium.get_log("browser") if e["level"] == "SEVERE"] == [], patient
        missing = chromium.execute_script(
            "return [...document.querySelectorAll('#contents a')].map(a => a.getAttribute('href').slice(1))"
            ".filter(id => !document.getElementById(id))")
        assert missing == [], patient


def _therapy_rows(driver):
    return driver.execute_script(
        "return [...document.querySelectorAll('table.therapies > tbody > tr')].filter(r => !r.hidden)"
        ".map(r => [...r.cells].map(c => c.innerText.trim()))")


def test_typing_in_a_filter_box_narrows_the_table_and_clearing_it_restores_it(chromium, crc_page):  # noqa: F811
    _load(chromium, crc_page, True)
    before = _therapy_rows(chromium)
    tools = chromium.find_element(
        "xpath", "//table[contains(@class, 'therapies')]/preceding-sibling::div[@class='table-tools'][1]")
    box = tools.find_element("css selector", "input")
    box.send_keys("capecitabine")
    after = _therapy_rows(chromium)
    assert 0 < len(after) < len(before)
    assert all("capecitabine" in " ".join(row).lower() for row in after)
    assert [row for row in before if "capecitabine" in " ".join(row).lower()] == after
    shown = tools.find_element("css selector", ".filter-count").text
    assert shown == f"{len(after)} of {len(before)} shown"
    box.clear()
    box.send_keys(" ")
    assert _therapy_rows(chromium) == before


def test_clicking_a_column_header_sorts_the_rows_and_again_reverses_them(chromium, crc_page):  # noqa: F811
    _load(chromium, crc_page, True)
    before = _therapy_rows(chromium)
    column = 3  # Disease
    header = chromium.find_elements("css selector", "table.therapies > thead th button.sort")[column]
    header.click()
    ascending = _therapy_rows(chromium)
    diseases = [row[column] for row in ascending]
    assert diseases == sorted(diseases, key=str.casefold) and diseases != [row[column] for row in before]
    assert sorted(map(tuple, ascending)) == sorted(map(tuple, before))  # rows move whole
    header.click()
    assert [row[column] for row in _therapy_rows(chromium)] == sorted(diseases, key=str.casefold, reverse=True)


# --- the PDF ------------------------------------------------------------------------------------

def _print(report, out):
    drawn = figures(report)
    write_pdf(render_html(report, for_print=True, figures=drawn), out, {f["id"]: f["svg"] for f in drawn}.get)
    return PdfReader(out)


@pytest.fixture(scope="module")
def demo_pdf(demo_reports, tmp_path_factory):
    """patient -> (report, PdfReader) of a demo patient's PDF, printed once when first asked for."""
    folder, printed = tmp_path_factory.mktemp("demo-pdf"), {}

    def pdf(patient):
        if patient not in printed:
            report, drawn = demo_reports[patient]
            write_pdf(render_html(report, for_print=True, figures=drawn), folder / f"{patient}.pdf",
                      {f["id"]: f["svg"] for f in drawn}.get)
            printed[patient] = report, PdfReader(folder / f"{patient}.pdf")
        return printed[patient]
    return pdf


def outside_the_margins(reader) -> list[tuple[int, float, float, float]]:
    """(page, left, right, baseline) of each text run not inside the page's content box, except
    the running header and footer in the top and bottom margins."""
    found = []
    for number, page in enumerate(reader.pages, 1):
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        running = {round(y, 1) for y, text in lines(page) if RUNNING.match(text)
                   or all(RUNNING.match(part) for part in re.split(r"\s{2,}|(?<=\S) (?=Report date|QC failed)", text))}
        for run in text_runs(reader, page):
            inside_x = PAGE_MARGIN_X - 0.5 <= run.x0 and run.x1 <= width - PAGE_MARGIN_X + 0.5
            inside_y = PAGE_MARGIN_Y <= run.y <= height - PAGE_MARGIN_Y
            in_running = round(run.y, 1) in running and 0 <= run.y <= height
            if not inside_x or not (inside_y or in_running):
                found.append((number, round(run.x0, 1), round(run.x1, 1), round(run.y, 1)))
    return found


def header_texts(page_html: str) -> tuple[list[str], list[list[str]]]:
    """The page's headings, and each table header row's cells, as text."""
    def text(fragment):
        return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())
    headings = [text(h) for h in re.findall(r"<h[1-3][^>]*>(.*?)</h[1-3]>", page_html, re.S)]
    headings += [text(c) for c in re.findall(r"<(?:figcaption|caption)>(.*?)</(?:figcaption|caption)>", page_html, re.S)]
    # a header row: a row of <th> cells only, inside a <thead> or not
    rows = [[text(c) for c in re.findall(r"<th[^>]*>(.*?)</th>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", page_html, re.S) if "<td" not in row]
    return headings, rows


def pages_ending_on_a_header(reader, page_html: str) -> list[tuple[int, str]]:
    """(page, last lines) of each page whose last lines of text are a heading or a table's header
    row: the words of the last one, two or three lines (a heading or header cell may wrap) are
    exactly the heading's or the header row's."""
    headings, rows = header_texts(page_html)
    headers = {tuple(sorted(h.split())) for h in headings} | {tuple(sorted(" ".join(r).split())) for r in rows if r}
    found = []
    for number, page in enumerate(reader.pages[:-1], 1):
        body = [text for _, text in lines(page) if not RUNNING.match(text)]
        for k in (1, 2, 3):
            last = " ".join(body[-k:])
            if len(body) >= k and tuple(sorted(last.split())) in headers:
                found.append((number, last))
                break
    return found


@pytest.mark.parametrize("patient", DEMO)
def test_the_pdf_keeps_its_text_inside_the_margins(demo_pdf, patient):
    _, reader = demo_pdf(patient)
    assert len(reader.pages) >= 3
    assert outside_the_margins(reader) == []


@pytest.mark.parametrize("patient", DEMO)
def test_no_pdf_page_ends_on_a_heading_or_a_table_header(demo_pdf, patient):
    report, reader = demo_pdf(patient)
    assert pages_ending_on_a_header(reader, render_html(report, for_print=True, figures=[])) == []


def test_a_table_running_over_pages_repeats_its_header_row(demo_pdf):
    _, reader = demo_pdf("TUMOR01")
    header = "Tier Gene Protein cDNA Consequence Genomic VAF Depth Sample"
    assert sum(any(t.startswith(header) for _, t in lines(p)) for p in reader.pages) >= 2


def test_the_specimen_and_sign_off_block_is_on_the_first_pdf_page(demo_pdf):
    _, reader = demo_pdf("TUMOR01")
    first = [t for _, t in lines(reader.pages[0])]
    assert "Specimens" in first and "Laboratory sign-off" in first and "Reviewed by (name, signature) Date" in first
    assert "TUMOR01-N peripheral blood (EDTA) 2026-01-15" in first and "TUMOR01-T tumour tissue (FFPE) 2026-01-15" in first
    assert "Summary" in first


GATES = [{"metric": "duplication_rate", "value": 0.082, "status": "pass", "warn_above": 0.2, "fail_above": 0.35},
         {"metric": "mapped_rate", "value": 0.9992, "status": "pass", "warn_below": 0.95, "fail_below": 0.9},
         {"metric": "q30_rate", "value": 0.8985, "status": "pass", "warn_below": 0.85, "fail_below": 0.75}]
SHELL = {
    "patient": "P1", "report_date": "2026-01-15", "sex": "female", "tumor_type": None,
    "consent": {"pharmacogenomics": False, "secondary_findings": False},
    "samples": [{"id": "P1-blood", "kind": "germline", "entry": "fastq"}],
    "qc": {"P1-blood": {"status": "pass", "gates": GATES, "failed_gates": [], "warned_gates": []}},
    "calls": {}, "pgx": [], "somatic": [], "tmb": {"per_mb": None}, "limitations": [],
    "provenance": {"workflow": {"version": "t"}, "reference": {"name": "r", "sha256": "0" * 64}, "aligner": "a",
                   "tools": {}, "knowledge_bases": {}},
}


@pytest.mark.parametrize("lines_before", range(12, 21))
def test_a_heading_or_table_header_that_would_end_a_page_moves_to_the_next(lines_before, tmp_path):
    """Wherever the page breaks, a heading stays with what follows it and a table's header row with
    its first row: the report's page with summary lines before the quality-gate heading and table,
    as many as put them at the foot of the first page one after the other."""
    summary = {"actionable": [], "result": [], "standard": [], "qc_status": "Quality control: passed.",
               "not_assessed": [{"text": f"Line {i}: a not-assessed line of the summary.", "target": None}
                                for i in range(lines_before)]}
    report = {**SHELL, "summary": summary}
    page = render_html(report, for_print=True, figures=[])
    write_pdf(page, tmp_path / "p.pdf", {}.get)
    reader = PdfReader(tmp_path / "p.pdf")
    assert len(reader.pages) >= 2
    assert pages_ending_on_a_header(reader, page) == []
