"""`genotailor report`: one patient's JSON and HTML report from the step outputs."""

from __future__ import annotations

import json
from pathlib import Path

from genotailor.report.assemble import assemble
from genotailor.report.html import render_html
from genotailor.samplesheet import load_sheet


def register(sub):
    p = sub.add_parser("report", help="assemble one patient's JSON and HTML report")
    p.add_argument("--sheet", required=True)
    p.add_argument("--patient", required=True)
    p.add_argument("--date", required=True, help="report date (YYYY-MM-DD), from the config")
    p.add_argument("--qc", action="append", default=[], help="QC JSON of a sample (repeat)")
    p.add_argument("--calls", action="append", default=[], help="normalization summary of a sample (repeat)")
    p.add_argument("--pgx", help="PGx JSON of the patient")
    p.add_argument("--somatic", action="append", default=[], help="somatic JSON of a tumour sample (repeat)")
    p.add_argument("--provenance", required=True)
    p.add_argument("--json", required=True)
    p.add_argument("--html", required=True)
    p.set_defaults(func=_cli)


def _cli(args):
    patient = load_sheet(args.sheet, check_files=False).patient(args.patient)
    report = assemble(patient, args.date, args.qc, args.calls, args.provenance, args.pgx, args.somatic)
    Path(args.json).write_text(json.dumps(report, indent=1, sort_keys=True) + "\n")
    Path(args.html).write_text(render_html(report))
    return 0
