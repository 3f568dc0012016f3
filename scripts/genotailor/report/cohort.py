"""Cohort summary: one row per sample across the run's patient reports."""

from __future__ import annotations

import csv
import json
from pathlib import Path

COLUMNS = [
    "patient", "sample", "kind", "entry", "qc_status", "failed_gates", "warned_gates",
    "reads_after_filtering", "q30_rate", "duplication_rate", "loci_mean_depth", "loci_covered_rate",
    "pgx_genes_called", "somatic_variants", "known_hotspots",
]


def summary_rows(report_paths) -> list[dict]:
    rows = []
    for path in report_paths:
        r = json.loads(Path(path).read_text())
        for s in r["samples"]:
            q = r["qc"][s["id"]]
            m = q["metrics"]
            somatic = [v for v in r["somatic"] if v["sample"] == s["id"]]
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
                "pgx_genes_called": sum(1 for g in r["pgx"] if g["status"] in ("called", "ambiguous"))
                if s["kind"] == "germline" else "",
                "somatic_variants": len(somatic) if s["kind"] == "tumor" else "",
                "known_hotspots": ",".join(v["protein_change"] for v in somatic if v["known_hotspot"])
                if s["kind"] == "tumor" else "",
            })
    rows.sort(key=lambda r: (r["patient"], r["sample"]))
    return rows


def write_summary(report_paths, out):
    with open(out, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS, delimiter="\t", lineterminator="\n")
        w.writeheader()
        w.writerows(summary_rows(report_paths))
