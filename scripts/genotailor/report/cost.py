"""What a run cost: core-hours, wall time and peak memory per sample, patient and step, from the
jobs' own Snakemake benchmark files, and a price where the config sets one (`cost`).

The jobs of a patient are those its report lists (`provenance.jobs`: rule and benchmark file);
which sample a job worked for is read from its rule's benchmark template (`{sample}` in it), the
cores it held from the rule's threads. Jobs that serve the whole run (reference index, loci,
provenance, cohort summary, MultiQC) are `shared`: they are counted in the run's total, not split
over the samples.

- core-hours: threads x wall time, the cores a job held while it ran (what a scheduler charges);
- CPU hours: the CPU time the job's processes used, as Snakemake sampled it (a job of a second or
  less may read 0);
- wall time: the jobs' wall times added up (jobs run side by side, so more than the run took);
- peak memory: the largest `max_rss` of the jobs.

Benchmark times differ from run to run, so this table is the one output of the workflow that is
not byte-identical between runs of the same inputs.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path

from genotailor.core.errors import InputError

BENCHMARK_COLUMNS = ["s", "h:m:s", "max_rss", "max_vms", "max_uss", "max_pss", "io_in", "io_out",
                     "mean_load", "cpu_time"]
ALL = "all"
COLUMNS = ["scope", "patient", "sample", "step", "jobs", "wall_s", "core_hours", "cpu_hours", "peak_rss_mb"]


@dataclass(frozen=True)
class Rule:
    """A rule's threads and benchmark template (e.g. `logs/benchmarks/align/{patient}/{sample}.{unit}.tsv`)."""

    name: str
    threads: int
    benchmark: str


@dataclass(frozen=True)
class Usage:
    """One job's figures from its benchmark file."""

    wall_s: float
    cpu_s: float | None
    max_rss_mb: float | None
    threads: int


def read_benchmark(path, threads: int) -> Usage:
    """A Snakemake benchmark file: header and one row per run of the job (more with `repeat()`,
    whose mean is taken). `NA` (a value Snakemake could not measure) is left out."""
    path = Path(path)
    try:
        with path.open(newline="") as fh:
            rows = list(csv.DictReader(fh, delimiter="\t"))
    except FileNotFoundError:
        raise InputError(f"benchmark file {path} does not exist: the job that writes it has not run "
                         "here (run the workflow, or copy logs/ with results/)") from None
    if not rows or "s" not in rows[0] or "max_rss" not in rows[0] or "cpu_time" not in rows[0]:
        raise InputError(f"{path} is not a Snakemake benchmark file: it needs the columns "
                         f"{', '.join(BENCHMARK_COLUMNS)} and a row of values")

    def mean(column):
        values = []
        for row in rows:
            text = (row.get(column) or "").strip()
            if text in ("", "NA", "-"):
                continue
            try:
                values.append(float(text))
            except ValueError:
                raise InputError(f"{path}: column {column} holds {text!r}, not a number") from None
        return sum(values) / len(values) if values else None

    wall = mean("s")
    if wall is None:
        raise InputError(f"{path}: no wall time (column s) in any row")
    return Usage(wall_s=wall, cpu_s=mean("cpu_time"), max_rss_mb=mean("max_rss"), threads=threads)


def sample_of(rule: Rule, benchmark: str, patient: str, samples: list[str]) -> str | None:
    """The sample a job worked for: the id that fills `{sample}` when the rule's benchmark template
    is matched against the job's benchmark path (None for a job of the whole patient)."""
    if "{sample}" not in rule.benchmark:
        return None
    for sample in sorted(samples, key=len, reverse=True):
        pattern = ""
        for literal, field in re.findall(r"([^{]*)(?:\{(\w+)\})?", rule.benchmark):
            pattern += re.escape(literal)
            if field == "patient":
                pattern += re.escape(patient)
            elif field == "sample":
                pattern += re.escape(sample)
            elif field:
                pattern += r"[^/]+"
        if re.fullmatch(pattern, benchmark):
            return sample
    raise InputError(f"job {rule.name} of patient {patient}: its benchmark file {benchmark} matches no sample "
                     f"of the patient ({', '.join(samples)}) in the rule's template {rule.benchmark}")


def _rows(scope, patient, sample, jobs_by_step: dict[str, list[Usage]]) -> list[dict]:
    def row(step, usages):
        rss = [u.max_rss_mb for u in usages if u.max_rss_mb is not None]
        cpu = [u.cpu_s for u in usages if u.cpu_s is not None]
        return {"scope": scope, "patient": patient, "sample": sample, "step": step, "jobs": len(usages),
                "wall_s": sum(u.wall_s for u in usages),
                "core_hours": sum(u.wall_s * u.threads for u in usages) / 3600,
                "cpu_hours": sum(cpu) / 3600 if cpu else None,
                "peak_rss_mb": max(rss) if rss else None}

    rows = [row(step, jobs_by_step[step]) for step in sorted(jobs_by_step)]
    rows.append(row(ALL, [u for step in sorted(jobs_by_step) for u in jobs_by_step[step]]))
    return rows


def cost_rows(report_paths, rules: list[Rule], shared: list[tuple[str, str, int]]) -> list[dict]:
    """Rows per sample, per patient and for the shared jobs, each by step and in all, then the run.
    `rules`: every rule a report may list; `shared`: (rule, benchmark file, threads) of the run's jobs
    that serve every patient."""
    by_name = {r.name: r for r in rules}
    rows, everything = [], {}
    for path in report_paths:
        report = json.loads(Path(path).read_text())
        patient, samples = report["patient"], [s["id"] for s in report["samples"]]
        per_sample: dict[str, dict[str, list[Usage]]] = {s: {} for s in samples}
        per_patient: dict[str, list[Usage]] = {}
        for job in report["provenance"].get("jobs", []):
            rule = by_name.get(job["rule"])
            if rule is None:
                raise InputError(f"{path}: job rule {job['rule']!r} is not among the rules given to the cost "
                                 f"table ({', '.join(sorted(by_name))})")
            sample = sample_of(rule, job["benchmark"], patient, samples)
            usage = read_benchmark(job["benchmark"], rule.threads)
            if sample is not None:
                per_sample[sample].setdefault(rule.name, []).append(usage)
            per_patient.setdefault(rule.name, []).append(usage)
            everything.setdefault(rule.name, []).append(usage)
        for sample in sorted(samples):
            rows += _rows("sample", patient, sample, per_sample[sample])
        rows += _rows("patient", patient, "", per_patient)
    shared_jobs: dict[str, list[Usage]] = {}
    for name, benchmark, threads in shared:
        usage = read_benchmark(benchmark, threads)
        shared_jobs.setdefault(name, []).append(usage)
        everything.setdefault(name, []).append(usage)
    if shared_jobs:
        rows += _rows("shared", "", "", shared_jobs)
    rows.append(_rows("run", "", "", everything)[-1])
    order = {"sample": 0, "patient": 1, "shared": 2, "run": 3}
    rows.sort(key=lambda r: (order[r["scope"]] > 1, r["patient"], order[r["scope"]], r["sample"],
                             r["step"] == ALL, r["step"]))
    return rows


def _number(value, digits) -> str:
    return "NA" if value is None else f"{value:.{digits}f}"


def write_cost(report_paths, rules, shared, out, per_core_hour: float | None = None, currency: str | None = None):
    """The cost table as TSV; a `cost_<CURRENCY>` column (core-hours x price) when a price is set."""
    if (per_core_hour is None) != (currency is None):
        raise InputError("cost: give both per_core_hour and currency (config `cost: {per_core_hour: 0.05, "
                         "currency: EUR}`), or neither")
    columns = COLUMNS + ([f"cost_{currency}"] if currency else [])
    lines = ["\t".join(columns)]
    for r in cost_rows(report_paths, rules, shared):
        values = [r["scope"], r["patient"], r["sample"], r["step"], str(r["jobs"]), _number(r["wall_s"], 2),
                  _number(r["core_hours"], 6), _number(r["cpu_hours"], 6), _number(r["peak_rss_mb"], 1)]
        if currency:
            values.append(_number(r["core_hours"] * per_core_hour, 6))
        lines.append("\t".join(values))
    Path(out).write_text("\n".join(lines) + "\n")
