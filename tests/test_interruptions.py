"""Interruptions (slow): the workflow is killed at eight points — SIGTERM (what a scheduler or
`kill` sends) and SIGKILL (an out-of-memory kill, a lost node) — each time while a given job
runs, and resumed each time as the profiles do (`--rerun-incomplete`; after a SIGKILL, which
leaves Snakemake's lock behind, `--unlock` first). Every job killed is run again by a later run,
never taken for complete, and the finished results are byte-identical to an uninterrupted run's,
with no scratch or partial file left behind.

The kill points are deterministic: each waits for a job's log to appear (its shell has started)
— for normalization, its output VCF, so that part of its outputs is left behind — and then kills
Snakemake's whole process group; each job killed depends on the one killed before it or
(mosdepth, run alone as the target) could not run before, so its log is new."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from smallcohort import run, snakemake_argv, tree

pytestmark = pytest.mark.workflow

COVERAGE = "results/LOWQ01/coverage/LOWQ01-blood.loci.regions.bed.gz"
# (the job's log — or output — whose appearance triggers the kill, signal, the job's rule and output,
#  the run's target or None for all)
KILLS = [
    ("logs/align/LOWQ01/LOWQ01-blood.L001.log", signal.SIGTERM, "align_unit", "results/LOWQ01/align/LOWQ01-blood/L001.bam", None),
    ("logs/markdup/LOWQ01/LOWQ01-blood.log", signal.SIGKILL, "markdup", "results/LOWQ01/align/LOWQ01-blood.bam", None),
    # mosdepth writes five files after a prefix; run for its own output, so that it is the next
    # job after markdup whatever order the scheduler picks
    ("logs/coverage/LOWQ01/LOWQ01-blood.loci.log", signal.SIGKILL, "coverage_loci", COVERAGE, COVERAGE),
    ("logs/call_germline/LOWQ01/LOWQ01-blood.log", signal.SIGTERM, "call_germline",
     "results/LOWQ01/calls/LOWQ01-blood.germline.raw.vcf.gz", None),
    # once the normalized VCF has appeared (bcftools sort writing it), before its .tbi and summary
    ("results/LOWQ01/calls/LOWQ01-blood.vcf.gz", signal.SIGKILL, "normalize_vcf",
     "results/LOWQ01/calls/LOWQ01-blood.vcf.gz", None),
    ("logs/pgx/LOWQ01.log", signal.SIGTERM, "pgx", "results/LOWQ01/pgx/LOWQ01.pgx.json", None),
    ("logs/report/LOWQ01.log", signal.SIGKILL, "report", "results/LOWQ01/report/LOWQ01.json", None),
    ("logs/cohort/summary.log", signal.SIGKILL, "cohort_summary", "results/cohort/summary.tsv", None),
]


def run_until(workdir: Path, config: Path, log: str, sig: int, target: str | None) -> subprocess.CompletedProcess:
    """Run the workflow; when the file `log` appears, send `sig` to Snakemake and every job it started."""
    argv = snakemake_argv(workdir, config, "--rerun-incomplete", *([target] if target else []))
    out, err = workdir.parent / "run.out", workdir.parent / "run.err"
    with open(out, "w") as o, open(err, "w") as e:
        proc = subprocess.Popen(argv, cwd=workdir, stdout=o, stderr=e, start_new_session=True)
        try:
            while not (workdir / log).exists():
                if proc.poll() is not None:
                    pytest.fail(f"the run ended before {log} appeared:\n{err.read_text()[-3000:]}")
                time.sleep(0.005)
            os.killpg(proc.pid, sig)
            proc.wait(timeout=300)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    deadline = time.time() + 60
    while time.time() < deadline:  # the jobs of the group end with it
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail("processes of the killed run are still alive")
    return subprocess.CompletedProcess(argv, proc.returncode, out.read_text(), err.read_text())


def ran(proc: subprocess.CompletedProcess, rule: str, output: str) -> bool:
    """Did this run start `rule`'s job for `output`?"""
    blocks = proc.stderr.split("rule ")
    return any(b.startswith(f"{rule}:") and output in b.split("log:")[0] for b in blocks)


def test_killed_runs_resume_to_byte_identical_results(small_cohort, tmp_path):
    base = small_cohort
    config = base / "config.yaml"
    work = tmp_path / "interrupted" / "run"
    # the same config, sheet and inputs as the uninterrupted run's, in another run directory;
    # the minimap2 index is the same file in both; it is built once, to spare a shared machine
    shutil.copytree(base / "results" / "reference", work / "results" / "reference")
    cut_short = []  # jobs killed and not yet run again
    for log, sig, rule, output, target in KILLS:
        proc = run_until(work, config, log, sig, target)
        assert proc.returncode != 0, f"{rule}: the run was not interrupted"
        if log == output:  # the VCF written (maybe cut short) stays after the SIGKILL: the job is not complete
            assert (work / output).exists()
            print("  left:", sorted(p.name for p in (work / output).parent.iterdir()))
        cut_short = [job for job in cut_short if not ran(proc, *job)] + [(rule, output)]
        marked = [m for m in (work / ".snakemake" / "incomplete").glob("*")]
        print(f"{signal.Signals(sig).name} during {rule}: {output} "
              f"{'present' if (work / output).exists() else 'absent'}, {len(marked)} incomplete marker(s)")
        if sig == signal.SIGKILL:
            # Snakemake's lock outlives a SIGKILL: the next run refuses until it is removed
            refused = run(work, config, "--rerun-incomplete")
            assert refused.returncode == 1 and "Directory cannot be locked" in refused.stderr
            assert run(work, config, "--unlock").returncode == 0
        else:  # SIGTERM: Snakemake sees its job fail and removes what the job wrote
            assert f"Error in rule {rule}:" in proc.stderr
            assert not (work / output).exists()
    final = run(work, config, "--rerun-incomplete")
    assert final.returncode == 0, final.stderr[-3000:]
    # every job cut short was run again: none was taken for complete
    assert [job for job in cut_short if not ran(final, *job)] == []
    made, expected = tree(work / "results"), tree(base / "results")
    assert "cohort/multiqc_report.html" in made
    # the cost table holds the jobs' measured times (report/cost.py): present, not compared
    assert made.pop("cohort/cost.tsv") and expected.pop("cohort/cost.tsv")
    assert made == expected
    # no scratch folder or partial file anywhere: the trees above list every file
    assert not [p for p in (work / "results").rglob(".*")]
