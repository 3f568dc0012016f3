"""The per-patient report as a self-contained HTML page (inline CSS and SVG figures, no scripts,
no external resources; prints well, and the PDF is printed from the same page)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from genotailor.report import words
from genotailor.report.pdf import FIGURE_URL
from genotailor.report.sections import SECTIONS
from genotailor.report.sections.base import anchor
from genotailor.report.sections.germline_findings import finding_anchor
from genotailor.report.sections.somatic import variant_anchor
from genotailor.report.summary import failed_samples

TEMPLATES = Path(__file__).resolve().parent / "templates"

# kept under these names for the templates and callers that format doses and actions
STATUS_WORDS = words.QC_STATUS
ACTION_WORDS = words.ACTION
dose_words = words.dose_words


@lru_cache(maxsize=None)
def environment() -> Environment:
    """The templates' environment, made once per process: it keeps each template compiled, so the
    page and the print page share one compilation."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["status_word"] = lambda s: words.word(words.QC_STATUS, s)
    env.filters["gene_status"] = lambda s: words.word(words.GENE_STATUS, s)
    env.filters["diplotype_display"] = words.diplotype_display
    env.tests["startingwith"] = lambda text, prefix: str(text).startswith(prefix)
    env.filters["position_status"] = lambda s: words.word(words.POSITION_STATUS, s)
    env.filters["metric_word"] = lambda m: words.word(words.METRIC, m)
    env.filters["metric_value"] = words.metric_value
    env.filters["gate_threshold"] = words.gate_threshold
    env.filters["pct"] = words.pct
    env.filters["action_word"] = lambda a: words.word(words.ACTION, a)
    env.filters["dose"] = words.dose_words
    env.filters["recommendation"] = words.recommendation_text
    env.filters["strength_word"] = lambda s: words.word(words.STRENGTH, s) if s else "—"
    env.filters["gene_value"] = words.gene_value
    env.filters["drug_status_word"] = lambda s: words.word(words.DRUG_STATUS_SHORT, s)
    env.filters["direction_word"] = lambda s: words.word(words.DIRECTION_PLAIN, s)
    env.filters["consequence"] = words.consequence
    env.filters["section_word"] = lambda s: words.word(words.SECTION, s)
    env.filters["examined_status"] = lambda s: words.word(words.EXAMINED_STATUS, s)
    env.filters["examined_category"] = lambda c: words.word(words.EXAMINED_CATEGORY, c)
    env.filters["examined_fraction"] = lambda x: "—" if x is None else f"{100 * x:.1f}%"
    env.filters["examined_print_rows"] = examined_print_rows
    env.filters["anchor"] = anchor
    env.filters["variant_anchor"] = variant_anchor
    env.filters["germline_anchor"] = finding_anchor
    env.globals["figure_url"] = FIGURE_URL
    return env


def examined_print_rows(entries) -> list[dict]:
    """The ledger's gene rows for print: genes not assessed for the same reason in the same sample
    share one row (a panel that misses twenty pharmacogenes is one line, not twenty)."""
    rows, index = [], {}
    for e in entries:
        if e["scope"] != "gene" or e["status"] != "not_assessed":
            rows.append(e)
            continue
        reason = e["reason"].replace(f" for {e['name']} ", " for these genes ")
        key = (e["category"], e.get("sample"), reason)
        if key in index:
            index[key]["name"] += f", {e['name']}"
            index[key]["reason"] = reason
        else:
            index[key] = {**e}
            rows.append(index[key])
    return rows


def render_html(report: dict, for_print: bool = False, figures: list | None = None) -> str:
    """The page. `for_print`: the page the PDF is printed from — the same template, without the
    tables its print CSS hides anyway (the evidence per position and the reason of each drug
    without a recommendation, which stay in the HTML and JSON), and with each figure linked by
    its URL (`pdf.FIGURE_URL` + ID) where the web page has it inline, so that the page can be
    handed to the printer before the figures are drawn; `figures`: the report's figures (for the
    print page their plan suffices: ID, title and text), drawn for this report when not given."""
    if figures is None:
        from genotailor.report.figures import figures as draw_figures  # matplotlib: imported only to draw

        figures = draw_figures(report)
    sections = [s.name for s in SECTIONS if s.template]
    return environment().get_template("report.html.j2").render(
        r=report, sections=sections, figures=figures, failed_samples=failed_samples(report),
        indeterminate=words.INDETERMINATE, action_groups=words.ACTION_GROUPS, for_print=for_print,
        pgx_by_gene={g["gene"]: g for g in report.get("pgx") or []})
