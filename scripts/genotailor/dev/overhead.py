"""`genotailor bench overhead` (`workflow_overhead`): what the workflow costs beyond its steps.

One germline sample of simulated read pairs over the PGx panel (the demo reference and the
`default` panel, the demo's read simulator: `write_reads`) goes through the whole workflow
(QC -> alignment -> calling -> PGx -> report, plus the provenance record and the cohort summary)
with `snakemake --cores 2`; then the very same step commands, in the order Snakemake would run
them (`snakemake -n -p` lists them), run one after another in one bash script on the same cores
(`hand_script`). `workflow_overhead` = workflow wall time / script wall time (goal: at most 1.15).
Each step command is a thin `genotailor` wrapper around its tools (fastp | minimap2 | samtools,
bcftools, mosdepth ...): their own time is in both sides; the difference is Snakemake's planning,
scheduling and job bookkeeping. The per-job times (Snakemake's benchmark files) and the time
`snakemake -n` takes alone are reported to show where the rest goes, and the patient's totals in
the run's cost table (core-hours, CPU hours, job wall time, peak memory: `overhead_patient_*`).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sys
from pathlib import Path

import yaml

from genotailor.core.paths import REPO
from genotailor.core.tools import run_measured

REFERENCE = REPO / "test-data" / "reference" / "GRCh38_demo.fa.gz"
PANEL = REPO / "test-data" / "panels" / "pgx_panel.bed"
# The sample is CYP2C19 *1/*2 (each haplotype carries its allele's defining variants; *2's
# rs4244285, c.681G>A, is the one the reads test checks).
PLANTED = ("chr10", 94781859, "G", "A")
DIPLOTYPE = ("CYP2C19", "*1", "*2")
PATIENT, SAMPLE = "OVH01", "OVH01-blood"


def write_reads(out: Path, pairs: int, seed: int = 1) -> tuple[Path, Path]:
    """R1/R2 FASTQ (gzip level 1) of `pairs` simulated pairs over the PGx panel of the demo reference,
    from a CYP2C19 *1/*2 sample."""
    import pysam

    from genotailor.dev.testdata.simulate import Haplotype, Variant, simulate

    out.mkdir(parents=True, exist_ok=True)
    targets = []
    for line in PANEL.read_text().splitlines():
        if line.strip() and not line.startswith(("#", "track", "browser")):
            c, s, e = line.split("\t")[:3]
            targets.append((c, int(s), int(e)))
    from genotailor.dev.testdata.scenarios import allele_variants
    from genotailor.pgx.definitions import cached_gene

    gene = cached_gene(DIPLOTYPE[0])
    haplotypes = [Haplotype(0.5, tuple(v for v, _ in allele_variants(gene, name))) for name in DIPLOTYPE[1:]]
    if Variant(*PLANTED) not in haplotypes[1].variants:
        raise ValueError(f"{DIPLOTYPE[0]} {DIPLOTYPE[2]} no longer carries {PLANTED} in the knowledge base")
    r1, r2 = out / f"{SAMPLE}_L001_R1.fastq.gz", out / f"{SAMPLE}_L001_R2.fastq.gz"
    with pysam.FastaFile(str(REFERENCE)) as fa:
        reads = simulate(fa, targets, haplotypes, pairs, [seed, 13], flowcell="HOVERHEAD", index="ACGTACGT+TGCATGCA")
    reads.write(r1, r2, level=1)
    return r1, r2


def write_sheet_and_config(folder: Path, r1: Path, r2: Path) -> Path:
    """A one-patient sheet (the sample from FASTQ) and the demo config pointing at it; the config's path."""
    from genotailor.dev.sheet import write_config

    sheet = folder / "samples.yaml"
    doc = {"patients": {PATIENT: {
        "sex": "female", "consent": {"pharmacogenomics": True, "secondary_findings": False},
        "samples": {SAMPLE: {"kind": "germline", "units": {"L001": {"r1": str(r1), "r2": str(r2)}}}}}}}
    sheet.write_text(yaml.safe_dump(doc, sort_keys=False))
    return write_config(sheet.resolve(), folder / "config.yaml")


def _snakemake(config: Path, workdir: Path, *extra) -> list[str]:
    return [sys.executable, "-m", "snakemake", "-s", str(REPO / "workflow" / "Snakefile"), "-d", str(workdir),
            "--configfile", str(config), "--cores", "2", *extra]


_FIELD = re.compile(r"^\s+(output|log|benchmark): (.*)$")
_RULE = re.compile(r"^(?:local)?rule (\w+):")
# Jobs that read what only Snakemake writes: the cost table sums the jobs' benchmark files, which a
# script of the bare commands does not produce, so the script leaves it out.
NOT_BY_HAND = {"run_cost"}


def hand_script(dry_run: str, prefix: str) -> str:
    """A bash script running the shell commands of a `snakemake -n -p` listing in its order, after
    creating the folders of their outputs and logs (Snakemake creates them for a job); the jobs of
    NOT_BY_HAND are left out."""
    lines = ["#!/usr/bin/env bash", prefix]
    folders: list[str] = []
    commands = []
    rule = None
    for line in dry_run.splitlines():
        m = _FIELD.match(line)
        r = _RULE.match(line)
        if r:
            rule = r.group(1)
        elif rule in NOT_BY_HAND:
            continue
        elif m and m.group(1) in ("output", "log"):
            for path in m.group(2).split(", "):
                parent = os.path.dirname(path.strip())
                if parent and parent not in folders:
                    folders.append(parent)
        elif line.startswith("Shell command: ") and line != "Shell command: None":  # None: a rule without shell
            commands.append(line[len("Shell command: "):])
    if not commands:
        raise ValueError("no 'Shell command:' lines in the dry-run listing (run snakemake -n -p)")
    lines.append("mkdir -p " + " ".join(shlex.quote(f) for f in folders))
    lines += commands
    return "\n".join(lines) + "\n"


def _job_seconds(workdir: Path) -> dict:
    """Wall seconds per job from Snakemake's benchmark files (logs/benchmarks/**.tsv)."""
    out = {}
    for path in sorted((workdir / "logs" / "benchmarks").rglob("*.tsv")):
        rows = path.read_text().splitlines()
        if len(rows) > 1:
            out[str(path.relative_to(workdir / "logs" / "benchmarks"))] = float(rows[1].split("\t")[0])
    return out


def bench_overhead(workdir: Path, pairs: int = 1_000_000, repeats: int = 1) -> dict:
    workdir = Path(workdir).resolve() / "overhead"  # the sheet names the reads by absolute path
    data = workdir / f"reads_{pairs}_{'_'.join(DIPLOTYPE).replace('*', '')}"
    r1, r2 = data / f"{SAMPLE}_L001_R1.fastq.gz", data / f"{SAMPLE}_L001_R2.fastq.gz"
    if not r2.exists():
        write_reads(data, pairs)
    config = write_sheet_and_config(workdir, r1, r2)
    env = {**os.environ, "PYTHONPATH": f"{REPO / 'scripts'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    plan_dir = workdir / "plan"
    shutil.rmtree(plan_dir, ignore_errors=True)
    from genotailor.core.tools import capture

    listing = capture(_snakemake(config, plan_dir, "-n", "-p", "--forceall", "--workflow-profile", "none"),
                      "bench overhead: listing the workflow's jobs")
    prefix = (f"set -euo pipefail; umask 027; export PYTHONPATH={shlex.quote(str(REPO / 'scripts'))}; "
              f"export PATH={shlex.quote(str(Path(sys.executable).parent))}:$PATH")
    script = workdir / "by_hand.sh"
    script.write_text(hand_script(listing, prefix))
    plan_s, _ = run_measured(_snakemake(config, plan_dir, "-n", "--forceall", "--quiet", "all"),
                             "bench overhead: snakemake -n", env=env)
    wf_runs, hand_runs, jobs = [], [], {}
    for _ in range(repeats):
        wf_dir, hand_dir = workdir / "workflow_run", workdir / "hand_run"
        for d in (wf_dir, hand_dir):
            shutil.rmtree(d, ignore_errors=True)
            d.mkdir(parents=True)
        seconds, _ = run_measured(_snakemake(config, wf_dir), "bench overhead: the workflow", env=env)
        wf_runs.append(seconds)
        jobs = _job_seconds(wf_dir)
        seconds, _ = run_measured(["bash", str(script)], "bench overhead: the steps by hand", env=env, cwd=hand_dir)
        hand_runs.append(seconds)
    import statistics

    wf, hand = statistics.median(wf_runs), statistics.median(hand_runs)
    cost = _patient_cost(workdir / "workflow_run" / "results" / "cohort" / "cost.tsv")
    pgx = (workdir / "workflow_run" / "results" / PATIENT / "report" / f"{PATIENT}.json")
    cyp2c19 = None
    if pgx.exists():
        import json

        doc = json.loads(pgx.read_text())
        cyp2c19 = next((g["diplotype"] for g in doc.get("pgx", []) if g["gene"] == "CYP2C19"), None)
    return {
        "workflow_overhead": round(wf / hand, 3),
        "workflow_overhead_goal": "<= 1.15",
        "overhead_read_pairs": pairs,
        "overhead_workflow_s": round(wf, 2),
        "overhead_by_hand_s": round(hand, 2),
        "overhead_snakemake_plan_s": round(plan_s, 2),
        "overhead_jobs": len(jobs),
        "overhead_job_seconds": {k: round(v, 2) for k, v in jobs.items()},
        "overhead_sum_of_jobs_s": round(sum(jobs.values()), 2),
        "overhead_workflow_runs_s": [round(t, 2) for t in wf_runs],
        "overhead_by_hand_runs_s": [round(t, 2) for t in hand_runs],
        "overhead_cyp2c19_diplotype": cyp2c19,
        **cost,
    }


def _patient_cost(table: Path) -> dict:
    """The patient's totals in the workflow run's cost table (results/cohort/cost.tsv)."""
    if not table.exists():
        return {}
    lines = table.read_text().splitlines()
    header = lines[0].split("\t")
    for line in lines[1:]:
        row = dict(zip(header, line.split("\t")))
        if row["scope"] == "patient" and row["patient"] == PATIENT and row["step"] == "all":
            return {"overhead_patient_core_hours": float(row["core_hours"]),
                    "overhead_patient_cpu_hours": float(row["cpu_hours"]) if row["cpu_hours"] != "NA" else None,
                    "overhead_patient_job_wall_s": float(row["wall_s"]),
                    "overhead_patient_peak_rss_mb": float(row["peak_rss_mb"]) if row["peak_rss_mb"] != "NA" else None}
    return {}
