"""Report commands: `report` (one patient's JSON and HTML), `cohort-summary` and `provenance`."""

from __future__ import annotations

import json
from pathlib import Path


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
    p.set_defaults(func=_report)

    p = sub.add_parser("cohort-summary", help="one row per sample from the patients' JSON reports")
    p.add_argument("reports", nargs="+")
    p.add_argument("--out", required=True)
    p.set_defaults(func=_cohort_summary)

    p = sub.add_parser("provenance", help="record config, sheet, reference, knowledge-base and tool versions")
    p.add_argument("--config-json", required=True, help="the config as run, as JSON")
    p.add_argument("--sheet", required=True)
    p.add_argument("--reference", required=True)
    p.add_argument("--kb", required=True)
    p.add_argument("--hotspots", required=True)
    p.add_argument("--aligner", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--config-out", required=True, help="copy of the config as run (YAML)")
    p.add_argument("--sheet-out", required=True, help="copy of the sample sheet as run")
    p.set_defaults(func=_provenance)


def _report(args):
    from genotailor.core.samplesheet import load_sheet
    from genotailor.report.assemble import assemble
    from genotailor.report.html import render_html

    patient = load_sheet(args.sheet, check_files=False).patient(args.patient)
    report = assemble(patient, args.date, args.qc, args.calls, args.provenance, args.pgx, args.somatic)
    Path(args.json).write_text(json.dumps(report, indent=1, sort_keys=True) + "\n")
    Path(args.html).write_text(render_html(report))
    return 0


def _cohort_summary(args):
    from genotailor.report.cohort import write_summary

    write_summary(args.reports, args.out)
    return 0


def _provenance(args):
    import yaml

    from genotailor.report.provenance import collect

    config = json.loads(args.config_json)
    prov = collect(config, args.sheet, args.reference, args.kb, args.hotspots, args.aligner)
    Path(args.out).write_text(json.dumps(prov, indent=1, sort_keys=True) + "\n")
    Path(args.config_out).write_text(yaml.safe_dump(config, sort_keys=True))
    Path(args.sheet_out).write_bytes(Path(args.sheet).read_bytes())
    return 0
