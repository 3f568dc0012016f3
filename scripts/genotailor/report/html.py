"""The per-patient report as a self-contained HTML page (inline CSS, no scripts, prints well)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from genotailor.report.sections import SECTIONS

TEMPLATES = Path(__file__).resolve().parent / "templates"

STATUS_WORDS = {
    "pass": "Passed",
    "warn": "Passed with warnings",
    "fail": "FAILED",
    "not_assessed": "Not assessed (entered as VCF)",
}


ACTION_WORDS = {
    "standard": "Standard use and dosing",
    "reduce_dose": "Reduce the dose",
    "increase_dose": "Increase the dose",
    "avoid": "Avoid",
    "use_alternative": "Use an alternative drug",
    "consider_alternative": "Consider an alternative drug",
    "monitor": "Use with extra monitoring",
}


def dose_words(factor) -> str:
    """0.5 -> '50% of the starting dose'; [0.25, 0.5] -> '25-50% of the starting dose'."""
    if isinstance(factor, (list, tuple)):
        return f"{100 * factor[0]:g}–{100 * factor[1]:g}% of the starting dose"
    return f"{100 * factor:g}% of the starting dose"


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
    env.filters["action_word"] = lambda a: ACTION_WORDS.get(a, str(a).replace("_", " "))
    env.filters["dose"] = dose_words
    sections = [s.name for s in SECTIONS if s.template]
    return env.get_template("report.html.j2").render(r=report, sections=sections)
