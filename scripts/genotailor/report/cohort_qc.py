"""Cohort QC: MultiQC over the tools' own metrics (fastp, samtools, mosdepth, bcftools stats) with
the project's QC gates as a custom-content section.

MultiQC is run with its online version check off, so building the cohort report makes no
network request. It is run in this process, through its own command line, with the things that
would change its page from run to run held still (see `reproducible_multiqc`), so the same
metrics give the same bytes, as every other output of the workflow does."""

from __future__ import annotations

import json
from pathlib import Path

from genotailor.core import tools
from genotailor.report import words

GATES_SECTION = """# id: 'genotailor_qc_gates'
# section_name: 'genotailor QC gates'
# description: 'Verdicts of the workflow''s QC gates (config qc.gates) per sample, with the gated metrics.'
# plot_type: 'table'
"""


def gates_table(reports) -> str:
    """The QC gates of every sample of the run's reports (loaded JSON reports) as MultiQC custom
    content (TSV)."""
    metrics = sorted({g["metric"] for r in reports for q in r["qc"].values() for g in q.get("gates", [])})
    header = ["Sample", "QC status", "Failed gates", "Warned gates"] + [words.word(words.METRIC, m) for m in metrics]
    rows = []
    for r in reports:
        for s in r["samples"]:
            q = r["qc"][s["id"]]
            values = {g["metric"]: g["value"] for g in q.get("gates", [])}
            rows.append([s["id"], words.word(words.QC_STATUS, q["status"]),
                         ", ".join(words.word(words.METRIC, m) for m in q["failed_gates"]) or "none",
                         ", ".join(words.word(words.METRIC, m) for m in q["warned_gates"]) or "none"] +
                        [f"{values[m]:g}" if m in values else "" for m in metrics])
    rows.sort()
    return GATES_SECTION + "\n".join("\t".join(map(str, r)) for r in [header] + rows) + "\n"


MARKDUP_PATTERN = "sp: {samtools/markdup_txt: {contents: 'COMMAND: samtools markdup', num_lines: 2}}"


def run_multiqc(report_paths, metric_files, out_html, workdir) -> None:
    """Write the gates section into `workdir` and run MultiQC over it and `metric_files`. The page
    is dated with the reports' own date (config `report_date`)."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    reports = [json.loads(Path(p).read_text()) for p in report_paths]  # each read once: they are large
    (workdir / "genotailor_qc_gates_mqc.tsv").write_text(gates_table(reports))
    dates = sorted({r["report_date"] for r in reports})
    out_html = Path(out_html)
    # quiet: its log is a cohort file, and MultiQC would list every patient folder it searched.
    # show_analysis_paths off: MultiQC would list every file's absolute path at the top of the
    # page (thousands in a large cohort), and the page would change with the folder the run is in.
    # MARKDUP_PATTERN: MultiQC 1.35 looks for the literal text "^COMMAND:" in `samtools markdup -f`
    # statistics, which no such file holds, so its markdup section would stay empty.
    reproducible_multiqc(["--quiet", "--force", "--no-data-dir", "--no-ansi", "--title", "genotailor cohort QC",
                          "--cl-config", "no_version_check: true", "--cl-config", "show_analysis_paths: false",
                          "--cl-config", MARKDUP_PATTERN,
                          "--filename", out_html.name, "--outdir", str(out_html.parent),
                          str(workdir / "genotailor_qc_gates_mqc.tsv"), *sorted(map(str, metric_files))], dates[-1])


def reproducible_multiqc(argv: list[str], date: str) -> None:
    """Run MultiQC's command line with `argv` in this process, its page the same for the same inputs.

    Four things in MultiQC 1.x change the page between runs of the same data: the time of the
    run (`report.creation_date`, shown as "generated on" and stored with every plot's data), the
    time in the gzip header of the embedded plot data, a random report UUID and random plot and
    series IDs. Here both times are `date` (ISO, midnight UTC), the UUID is derived from that
    date, and Python's random generator is seeded, so the IDs come out the same. Nothing else of
    MultiQC is changed; a failure keeps MultiQC's own message."""
    import gzip
    import io
    import random
    import uuid
    from datetime import datetime, timezone
    from types import SimpleNamespace

    import multiqc.core.write_results
    import multiqc.report
    from multiqc.multiqc import run_cli

    class _FixedClock(datetime):
        """`now()` is the report date; `astimezone()` keeps it in UTC, whatever the machine's zone."""

        @classmethod
        def now(cls, tz=None):
            return fixed if tz is None else datetime.astimezone(fixed, tz)

        def astimezone(self, tz=None):
            return self if tz is None else datetime.astimezone(self, tz)

    day = datetime.fromisoformat(date)
    fixed = _FixedClock(day.year, day.month, day.day, tzinfo=timezone.utc)
    multiqc.report.datetime = _FixedClock

    def gzip_open(fileobj, mode="rb", compresslevel=9, encoding=None):
        binary = gzip.GzipFile(fileobj=fileobj, mode=mode.replace("t", ""), compresslevel=compresslevel,
                               mtime=int(fixed.timestamp()))
        return io.TextIOWrapper(binary, encoding=encoding) if "t" in mode else binary

    multiqc.report.gzip = SimpleNamespace(open=gzip_open)
    report_uuid = uuid.uuid5(uuid.NAMESPACE_URL, f"genotailor-cohort-qc/{date}")
    multiqc.core.write_results.uuid = SimpleNamespace(uuid4=lambda: report_uuid)
    random.seed(0)
    try:
        run_cli.main(args=argv, prog_name="multiqc", standalone_mode=False)
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise tools.ToolError(f"MultiQC over the cohort's QC metrics failed (exit code {exc.code}); "
                                  "its messages are above") from None
