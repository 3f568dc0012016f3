"""Cohort QC: MultiQC over the tools' own metrics (fastp, samtools, mosdepth, bcftools stats) with
the project's QC gates as a custom-content section.

MultiQC is run with its online version check off, so building the cohort report makes no
network request. Its HTML embeds the time it was made: it is the one cohort output left out of
the byte-identity guarantee."""

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


def bcftools_stats(vcf, out) -> None:
    """`bcftools stats` of a normalized VCF, for MultiQC's bcftools module."""
    tools.run(["bcftools", "stats", str(vcf)], f"bcftools stats of {vcf}", stdout=out)


def gates_table(report_paths) -> str:
    """The QC gates of every sample of the run's reports as MultiQC custom content (TSV)."""
    metrics = sorted({g["metric"] for path in report_paths for q in json.loads(Path(path).read_text())["qc"].values()
                      for g in q.get("gates", [])})
    header = ["Sample", "QC status", "Failed gates", "Warned gates"] + [words.word(words.METRIC, m) for m in metrics]
    rows = []
    for path in sorted(report_paths):
        r = json.loads(Path(path).read_text())
        for s in r["samples"]:
            q = r["qc"][s["id"]]
            values = {g["metric"]: g["value"] for g in q.get("gates", [])}
            rows.append([s["id"], words.word(words.QC_STATUS, q["status"]),
                         ", ".join(words.word(words.METRIC, m) for m in q["failed_gates"]) or "none",
                         ", ".join(words.word(words.METRIC, m) for m in q["warned_gates"]) or "none"] +
                        [f"{values[m]:g}" if m in values else "" for m in metrics])
    rows.sort()
    return GATES_SECTION + "\n".join("\t".join(map(str, r)) for r in [header] + rows) + "\n"


def run_multiqc(report_paths, metric_files, out_html, workdir) -> None:
    """Write the gates section into `workdir` and run MultiQC over it and `metric_files`."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "genotailor_qc_gates_mqc.tsv").write_text(gates_table(report_paths))
    out_html = Path(out_html)
    listing = workdir / "files.txt"
    listing.write_text("".join(f"{f}\n" for f in [workdir / "genotailor_qc_gates_mqc.tsv", *sorted(map(str, metric_files))]))
    # quiet: its log is a cohort file, and MultiQC would list every patient folder it searched
    tools.run(["multiqc", "--quiet", "--force", "--no-data-dir", "--no-ansi", "--title", "genotailor cohort QC",
               "--cl-config", "no_version_check: true", "--filename", out_html.name, "--outdir", str(out_html.parent),
               "--file-list", str(listing)], "MultiQC over the cohort's QC metrics")
