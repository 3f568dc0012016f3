"""Cohort summary: one row per sample with QC (summary.tsv), one row per patient with the key
findings (findings.tsv), and both as one page (summary.html).

Findings come only from each report's summary lines, which each section writes with the
patient's consent in mind: a category the patient did not consent to is one "not analysed"
line, never a count or an empty result that could read as one."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

COLUMNS = [
    "patient", "sample", "kind", "entry", "qc_status", "failed_gates", "warned_gates",
    "reads_after_filtering", "q30_rate", "duplication_rate", "loci_mean_depth", "loci_covered_rate",
]


def summary_rows(report_paths) -> list[dict]:
    rows = []
    for path in report_paths:
        r = json.loads(Path(path).read_text())
        for s in r["samples"]:
            q = r["qc"][s["id"]]
            m = q["metrics"]
            rows.append({
                "patient": r["patient"],
                "sample": s["id"],
                "kind": s["kind"],
                "entry": s["entry"],
                "qc_status": q["status"],
                "failed_gates": ",".join(q["failed_gates"]),
                "warned_gates": ",".join(q["warned_gates"]),
                "reads_after_filtering": m.get("reads_after_filtering", ""),
                "q30_rate": m.get("q30_rate", ""),
                "duplication_rate": m.get("duplication_rate", ""),
                "loci_mean_depth": m.get("loci_mean_depth", ""),
                "loci_covered_rate": m.get("loci_covered_rate", ""),
            })
    rows.sort(key=lambda r: (r["patient"], r["sample"]))
    return rows


def summary_table(report_paths) -> pd.DataFrame:
    """The cohort table: one row per sample, columns in COLUMNS order (values as the reports give
    them, so a metric is printed exactly as it stands in the patient's JSON)."""
    return pd.DataFrame(summary_rows(report_paths), columns=COLUMNS, dtype=object)


def write_summary(report_paths, out):
    summary_table(report_paths).to_csv(out, sep="\t", index=False, lineterminator="\n")


# `conclusion`: the report's sentence on what cannot be concluded (a failed sample, an indeterminate
# or unassessed result), so that an empty `actionable` is never read as "nothing to change"
FINDING_COLUMNS = ["patient", "qc", "actionable", "results", "not_assessed", "conclusion"]


def _worst(statuses) -> str:
    for status in ("fail", "warn", "pass", "not_assessed"):
        if status in statuses:
            return status
    return ""


def findings_rows(report_paths) -> list[dict]:
    """One row per patient: QC (worst sample verdict) and the report's summary lines — which
    already respect consent: a category the patient did not consent to appears only as the one
    line saying it was not analysed."""
    rows = []
    for path in report_paths:
        r = json.loads(Path(path).read_text())
        s = r["summary"]
        rows.append({
            "patient": r["patient"],
            "qc": _worst([q["status"] for q in r["qc"].values()]),
            "actionable": " | ".join(ln["text"] for ln in s["actionable"]),
            "results": " | ".join(ln["text"] for ln in s["result"] + s["standard"]),
            "not_assessed": " | ".join(ln["text"] for ln in s["not_assessed"]),
            "conclusion": s.get("conclusion") or "",
        })
    rows.sort(key=lambda r: r["patient"])
    return rows


def write_findings(report_paths, out):
    pd.DataFrame(findings_rows(report_paths), columns=FINDING_COLUMNS, dtype=object).to_csv(
        out, sep="\t", index=False, lineterminator="\n")


def write_summary_html(report_paths, out):
    """The cohort summary as one self-contained page: per patient the QC verdict and key findings,
    then the per-sample QC table."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    from genotailor.report import words
    from genotailor.report.html import TEMPLATES

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["status_word"] = lambda s: words.word(words.QC_STATUS, s)
    # the TSV keeps the metric names; the page says them in words
    env.filters["column_word"] = lambda c: words.METRIC.get(c) or c.replace("_", " ")
    env.filters["gates_word"] = lambda gates: "; ".join(words.word(words.METRIC, g) for g in str(gates).split(",") if g)
    patients = []
    for path in sorted(report_paths):
        r = json.loads(Path(path).read_text())
        patients.append({"id": r["patient"], "qc": _worst([q["status"] for q in r["qc"].values()]),
                         "summary": r["summary"], "report": f"../{r['patient']}/report/{r['patient']}.html"})
    patients.sort(key=lambda p: p["id"])
    samples = summary_rows(report_paths)
    Path(out).write_text(env.get_template("cohort.html.j2").render(patients=patients, samples=samples, columns=COLUMNS))
