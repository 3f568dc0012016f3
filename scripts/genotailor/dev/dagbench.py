"""How long Snakemake takes to plan a large cohort: `snakemake -n` for 100 and 1,000 patients.

A lab's first whole-cohort run should not spend minutes building its DAG. The figures land in
WORKDIR/dag_bench.json: seconds and peak memory per cohort size, and `dag_scaling` =
time(1,000) / time(100): linear growth gives 10, the goal is at most 12.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from genotailor.core.tools import run_measured
from genotailor.dev.sheet import ROOT, write_config, write_sheet

SCALING_GOAL = 12


def plan(config: Path, workdir: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one `snakemake -n` (the DAG of every job, nothing run)."""
    cmd = [sys.executable, "-m", "snakemake", "-n", "-s", str(ROOT / "workflow" / "Snakefile"),
           "-d", str(workdir), "--configfile", str(config), "--cores", "1", "--quiet", "all",
           "--workflow-profile", "none"]
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'scripts'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    return run_measured(cmd, f"snakemake -n with {config}", env=env)


def run(workdir: Path, sizes=(100, 1000)) -> dict:
    workdir = Path(workdir) / "dag"
    workdir.mkdir(parents=True, exist_ok=True)
    result = {}
    for n in sizes:
        sheet = write_sheet(n, workdir / f"patients_{n}.yaml")
        config = write_config(sheet.resolve(), workdir / f"config_{n}.yaml")
        seconds, peak_mb = plan(config, workdir / f"run_{n}")
        result[f"dag_{n}_patients_s"] = round(seconds, 2)
        result[f"dag_{n}_patients_peak_mb"] = round(peak_mb, 1)
        print(f"snakemake -n, {n} patients ({3 * n} samples): {seconds:.1f} s, peak {peak_mb:.0f} MB", flush=True)
    small, large = min(sizes), max(sizes)
    scaling = result[f"dag_{large}_patients_s"] / result[f"dag_{small}_patients_s"]
    result["dag_scaling"] = round(scaling, 2)
    result["dag_scaling_goal"] = SCALING_GOAL
    print(f"dag_scaling = time({large}) / time({small}) = {scaling:.2f} (goal: at most {SCALING_GOAL}; "
          f"linear: {large / small:.0f})")
    (workdir.parent / "dag_bench.json").write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    from genotailor.dev.bench import record

    record(workdir.parent, result)
    return result
