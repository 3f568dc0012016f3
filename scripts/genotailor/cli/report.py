"""Report commands: `report` (one patient's JSON, HTML, PDF and FHIR), `cohort-summary`, `multiqc`, `cost`,
`tool-versions` and `provenance`."""

from __future__ import annotations

import json
from pathlib import Path


def register(sub):
    p = sub.add_parser("report", help="assemble one patient's report: JSON, HTML, PDF and FHIR bundle")
    p.add_argument("--sheet", required=True)
    p.add_argument("--patient", required=True)
    p.add_argument("--date", required=True, help="report date (YYYY-MM-DD), from the config")
    p.add_argument("--qc", action="append", default=[], help="QC JSON of a sample (repeat)")
    p.add_argument("--calls", action="append", default=[], help="normalization summary of a sample (repeat)")
    p.add_argument("--stage", action="append", default=[], metavar="SECTION=JSON",
                   help="a biomarker stage's JSON for its report section, e.g. pgx=P1.pgx.json or "
                   "somatic=T1.json (repeat; sections: see genotailor.report.sections)")
    p.add_argument("--provenance", required=True)
    p.add_argument("--tool-versions", action="append", default=[],
                   help="versions record of a job that ran external tools for the patient (repeat)")
    p.add_argument("--job-log", action="append", default=[], metavar="RULE=LOG=BENCHMARK",
                   help="a job of the patient with its log and benchmark file, listed in the report's "
                   "provenance (repeat)")
    p.add_argument("--min-locus-depth", type=int, default=20,
                   help="depth a biomarker position needs (config qc.min_locus_depth), drawn in the coverage figure")
    p.add_argument("--json", required=True)
    p.add_argument("--html", required=True)
    p.add_argument("--pdf", help="the report as PDF (printed from the HTML with WeasyPrint)")
    p.add_argument("--fhir", help="the report as an HL7 FHIR R4 Genomics Reporting bundle (JSON)")
    p.set_defaults(func=_report, quick_exit=True)

    p = sub.add_parser("cohort-summary", help="the cohort summary from the patients' JSON reports: QC per sample, "
                       "key findings per patient (TSV) and both as one HTML page")
    p.add_argument("reports", nargs="+")
    p.add_argument("--out", required=True, help="one row per sample: identifiers and QC (TSV)")
    p.add_argument("--findings", help="one row per patient: QC and the report's summary lines (TSV)")
    p.add_argument("--html", help="both tables as one self-contained page")
    p.set_defaults(func=_cohort_summary)

    p = sub.add_parser("multiqc", help="MultiQC over the tools' metrics plus the workflow's QC gates")
    p.add_argument("--reports", nargs="+", required=True, help="the patients' JSON reports (their QC gates)")
    p.add_argument("--metrics", nargs="*", default=[], help="fastp JSON, samtools, mosdepth and bcftools stats files")
    p.add_argument("--workdir", required=True, help="folder for the gates section MultiQC reads")
    p.add_argument("--out", required=True, help="the MultiQC HTML report")
    p.set_defaults(func=_multiqc)

    p = sub.add_parser("cost", help="core-hours, wall time and peak memory per sample, patient and step, from the "
                       "jobs' benchmark files, with a price per core-hour if given (TSV)")
    p.add_argument("reports", nargs="+", help="the patients' JSON reports (their jobs: provenance.jobs)")
    p.add_argument("--rule", action="append", default=[], metavar="NAME=THREADS=TEMPLATE",
                   help="a rule the reports list: its threads and benchmark template, e.g. "
                   "align_unit=2=logs/benchmarks/align/{patient}/{sample}.{unit}.tsv (repeat per rule)")
    p.add_argument("--shared", action="append", default=[], metavar="NAME=THREADS=BENCHMARK",
                   help="a job serving the whole run (reference index, cohort summary, ...): rule, threads, benchmark file")
    p.add_argument("--per-core-hour", type=float, help="price of one core for one hour (config cost.per_core_hour)")
    p.add_argument("--currency", help="currency of that price, e.g. EUR (config cost.currency)")
    p.add_argument("--out", required=True, help="the cost table (TSV)")
    p.set_defaults(func=_cost)

    p = sub.add_parser("tool-versions", help="the versions of the external tools the run's jobs ran, from their records")
    p.add_argument("records", nargs="+", help="versions records written by `genotailor --versions`")
    p.add_argument("--out", required=True)
    p.set_defaults(func=_tool_versions)

    p = sub.add_parser("provenance", help="record config, sheet, reference, knowledge-base and package versions")
    p.add_argument("--config-json", required=True, help="the config as run, as JSON")
    p.add_argument("--sheet", required=True)
    p.add_argument("--reference", required=True)
    p.add_argument("--kb", required=True)
    p.add_argument("--hotspots", required=True)
    p.add_argument("--oncology-kb", help="actionability knowledge-base folder (its manifest)")
    p.add_argument("--transcript-models", help="transcript models GFF3")
    p.add_argument("--germline-kb", help="inherited-disease knowledge-base folder (its manifest and panels file)")
    p.add_argument("--aligner", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--config-out", required=True, help="copy of the config as run (YAML)")
    p.add_argument("--sheet-out", required=True, help="copy of the sample sheet as run")
    p.set_defaults(func=_provenance)


def _report(args):
    # Two child processes start first: one loads WeasyPrint for the PDF, the other matplotlib for
    # the figures, while this one assembles the report (report.pdf, report.figures).
    from genotailor.report.figures import Drawer

    printer = None
    if args.pdf:
        from genotailor.report.pdf import Printer

        printer = Printer()
    drawer = Drawer()
    from genotailor.core.samplesheet import load_sheet
    from genotailor.report.assemble import assemble, validate
    from genotailor.report.figures import plan
    from genotailor.report.html import render_html

    try:
        stages = _stages(args.stage)
        patient = load_sheet(args.sheet, check_files=False).patient(args.patient)
        report = assemble(patient, args.date, args.qc, args.calls, args.provenance, stages, args.tool_versions,
                          args.min_locus_depth, _job_logs(args.job_log), check=printer is None)
        if printer is not None:
            # the print page goes to the printer before its figures are drawn
            printer.print(render_html(report, for_print=True, figures=[p.meta for p in plan(report)]), args.pdf)
        drawer.draw(report)  # after the page: the report may wait in the pipe until matplotlib is loaded
        drawn = drawer.drawn()
        if printer is not None:
            printer.figures(drawn)
            # checked against its schema while the PDF is laid out, before any output is written
            validate(report)
        Path(args.json).write_text(json.dumps(report, indent=1, sort_keys=True) + "\n")
        Path(args.html).write_text(render_html(report, figures=drawn))
        if args.fhir:
            from genotailor.report.fhir import write_bundle

            write_bundle(report, args.fhir)
        if printer is not None:
            printer.wait()
    except BaseException:
        # whatever failed, the children end and no PDF is left behind
        drawer.cancel()
        if printer is not None:
            printer.cancel()
        raise
    return 0


def _job_logs(values) -> list[dict]:
    from genotailor.core.errors import InputError

    jobs = []
    for value in values:
        parts = value.split("=")
        if len(parts) != 3 or not all(parts):
            raise InputError(f"--job-log {value}: expected RULE=LOG=BENCHMARK")
        jobs.append(dict(zip(("rule", "log", "benchmark"), parts)))
    return jobs


def _stages(values) -> dict:
    from genotailor.core.errors import InputError
    from genotailor.report.sections import SECTIONS

    known = [s.name for s in SECTIONS]
    stages: dict[str, list[str]] = {}
    for value in values:
        name, sep, path = value.partition("=")
        if not sep or name not in known:
            raise InputError(f"--stage {value}: expected SECTION=JSON with SECTION one of {', '.join(known)}")
        stages.setdefault(name, []).append(path)
    return stages


def _cohort_summary(args):
    from genotailor.report.cohort import write_summary

    write_summary(args.reports, args.out)
    if args.findings:
        from genotailor.report.cohort import write_findings

        write_findings(args.reports, args.findings)
    if args.html:
        from genotailor.report.cohort import write_summary_html

        write_summary_html(args.reports, args.html)
    return 0


def _multiqc(args):
    from genotailor.report.cohort_qc import run_multiqc

    run_multiqc(args.reports, args.metrics, args.out, args.workdir)
    return 0


def _name_threads_path(value: str, option: str) -> tuple[str, int, str]:
    from genotailor.core.errors import InputError

    name, _, rest = value.partition("=")
    threads, _, path = rest.partition("=")
    if not (name and threads.isdigit() and int(threads) > 0 and path):
        raise InputError(f"{option} {value!r}: give NAME=THREADS=PATH, THREADS a whole number of at least 1")
    return name, int(threads), path


def _cost(args):
    from genotailor.report.cost import Rule, write_cost

    rules = [Rule(*_name_threads_path(v, "--rule")) for v in args.rule]
    shared = [(name, path, threads) for name, threads, path in (_name_threads_path(v, "--shared") for v in args.shared)]
    write_cost(args.reports, rules, shared, args.out, args.per_core_hour, args.currency)
    return 0


def _tool_versions(args):
    from genotailor.report.provenance import merge_tool_versions

    record = {"jobs": len(args.records), "tools": merge_tool_versions(args.records)}
    Path(args.out).write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    return 0


def _provenance(args):
    import yaml

    from genotailor.report.provenance import collect

    config = json.loads(args.config_json)
    prov = collect(config, args.sheet, args.reference, args.kb, args.hotspots, args.aligner,
                   args.oncology_kb, args.transcript_models, args.germline_kb)
    Path(args.out).write_text(json.dumps(prov, indent=1, sort_keys=True) + "\n")
    Path(args.config_out).write_text(yaml.safe_dump(config, sort_keys=True))
    Path(args.sheet_out).write_bytes(Path(args.sheet).read_bytes())
    return 0
