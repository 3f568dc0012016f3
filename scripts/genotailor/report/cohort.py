"""Cohort summary: one row per sample across the run's patient reports — identifiers and QC only.

A cohort file is read by more people than one patient's report (QC staff, the lab's
dashboards), and a finding column would need each patient's consent (a count of 0 pharmacogenes
called for a patient who did not consent reads as a result): findings stay in the reports."""

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
