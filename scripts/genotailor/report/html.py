"""The per-patient report as a self-contained HTML page (inline CSS, no scripts, prints well)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).resolve().parent / "templates"

STATUS_WORDS = {
    "pass": "Passed",
    "warn": "Passed with warnings",
    "fail": "FAILED",
    "not_assessed": "Not assessed (entered as VCF)",
}


def render_html(report: dict) -> str:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["status_word"] = lambda s: STATUS_WORDS.get(s, s)
    env.filters["pct"] = lambda v: "—" if v is None else f"{100 * v:.1f}%"
    return env.get_template("report.html.j2").render(r=report)
