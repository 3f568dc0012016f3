"""Checks of `make test-cluster` (scripts/test-cluster.sh), from sacct and from the files.

Reads the runs the script made under its state directory:
  slurm/    the demo through workflow/profiles/slurm (minimap2_index given too little memory)
  local/    the same demo on this machine (workflow/profiles/local)
  timeout/  tests/cluster/Snakefile: one job that outlives its 1-minute limit
and exits non-zero, naming every failed check, unless all hold.
"""

from __future__ import annotations

import argparse
import filecmp
import re
import subprocess
import sys
from pathlib import Path

SUBMITTED = re.compile(r"Job (\S+) has been submitted with SLURM jobid (\d+) \(log: (.+?)\)\.?$")
FIELDS = ["JobID", "State", "ReqMem", "Timelimit", "Elapsed", "MaxRSS", "Account", "Partition", "Comment"]
# The config as run records the run's own `resources` (here: the cluster site file); the
# checksum that reports carry leaves them out, so everything else must be identical (MultiQC's
# page included: it is dated with the report date, see report/cohort_qc.py). The cost table holds
# the jobs' measured times (report/cost.py).
MAY_DIFFER = {"provenance/config.yaml", "cohort/cost.tsv"}

failures: list[str] = []


def check(ok: bool, message: str) -> bool:
    print(("  ok    " if ok else "  FAIL  ") + message)
    if not ok:
        failures.append(message)
    return ok


def submissions(log: Path) -> list[tuple[str, str]]:
    """(SLURM job ID, its log) of every job Snakemake submitted, in order."""
    found = []
    for line in log.read_text(errors="replace").splitlines():
        m = SUBMITTED.search(line)
        if m:
            found.append((m.group(2), m.group(3)))
    return found


def sacct(job_ids: list[str]) -> dict[str, dict]:
    """sacct records by job ID; each has its steps (batch, 0, ...) under "steps"."""
    out = subprocess.run(
        ["sacct", "-n", "-P", "--units=M", "-j", ",".join(job_ids), "-o", ",".join(FIELDS)],
        check=True, capture_output=True, text=True,
    ).stdout
    jobs: dict[str, dict] = {}
    for line in out.splitlines():
        row = dict(zip(FIELDS, line.split("|")))
        job, _, step = row["JobID"].partition(".")
        if not step:
            jobs[job] = {**row, "steps": {}}
        else:
            jobs[job]["steps"][step] = row
    return jobs


def megabytes(value: str) -> float:
    return float(value.rstrip("MKGT") or 0) if value else 0.0


def rule_of(job: dict) -> str:
    """Rule (or group) name from the comment the executor gives each job: rule_NAME_wildcards_..."""
    return job["Comment"].removeprefix("rule_").split("_wildcards_")[0]


def check_demo(state: Path, account: str) -> list[tuple[str, dict]]:
    print("Demo through workflow/profiles/slurm")
    log = state / "slurm.log"
    text = log.read_text(errors="replace")
    subs = submissions(log)
    jobs = sacct([j for j, _ in subs]) if subs else {}
    total = re.search(r"^total\s+(\d+)$", text, re.M)
    done = re.findall(r"^(\d+) of (\d+) steps \(100%\) done$", text, re.M)
    check(bool(total) and bool(done) and done[-1] == (total.group(1), total.group(1)),
          f"Snakemake finished all {total.group(1) if total else '?'} jobs of the demo")
    local = set(re.findall(r"^localrule (\S+):$", text, re.M)) - {"all"}
    check(not local, f"no job ran outside SLURM (only `all`, which runs no command, is a localrule): {sorted(local)}")
    check(len(subs) > 0 and all(j in jobs for j, _ in subs),
          f"every one of the {len(subs)} submissions is in sacct")
    index = [(j, log_) for j, log_ in subs if j in jobs and rule_of(jobs[j]) == "minimap2_index"]
    others = [j for j, _ in subs if j in jobs and (j, _) not in index]
    check(all(jobs[j]["State"] == "COMPLETED" for j in others),
          "every other job COMPLETED: " + ", ".join(
              f"{j}={jobs[j]['State']}" for j in others if jobs[j]["State"] != "COMPLETED"))
    check(all(jobs[j]["steps"].get("0", {}).get("State") == "COMPLETED" for j in others),
          "each of them ran its work as job step 0 (srun inside the allocation), COMPLETED")
    check(all(jobs[j]["Account"] == account for j, _ in subs if j in jobs),
          f"every job was charged to account `{account}` (config resources.cluster)")
    print("Out of memory on attempt 1, retried with more memory")
    if check(len(index) == 2, f"minimap2_index was submitted twice ({len(index)})"):
        (first, first_log), (second, _) = index
        a, b = jobs[first], jobs[second]
        check(a["State"] in ("FAILED", "OUT_OF_MEMORY") and megabytes(a["ReqMem"]) == 1500,
              f"attempt 1 (job {first}, 1500 MB): {a['State']}, {a['ReqMem']}")
        slurm_log = Path(first_log).read_text(errors="replace") if Path(first_log).exists() else ""
        check("exceeded memory limit" in slurm_log, f"its log says it exceeded its memory limit: {first_log}")
        check(f"SLURM-job '{first}' failed" in text and first_log in text,
              "Snakemake reported the failure with the job's log")
        rss = megabytes(b["steps"].get("0", {}).get("MaxRSS", ""))
        check(b["State"] == "COMPLETED" and megabytes(b["ReqMem"]) == 3000 and rss > 1500,
              f"attempt 2 (job {second}, 3000 MB): {b['State']}, peak {rss:.0f} MB (> 1500 MB)")
    return [(j, jobs[j]) for j, _ in subs if j in jobs]


def check_timeout(state: Path) -> list[tuple[str, dict]]:
    print("A job killed for its time limit")
    log = state / "timeout.log"
    text = log.read_text(errors="replace")
    subs = submissions(log)
    if not check(len(subs) == 1, f"one job submitted ({len(subs)})"):
        return []
    (job_id, job_log), = subs
    job = sacct([job_id])[job_id]
    check(job["State"] == "TIMEOUT" and job["Timelimit"] == "00:01:00",
          f"job {job_id}: {job['State']} (limit {job['Timelimit']}, ran {job['Elapsed']})")
    check(f"SLURM-job '{job_id}' failed, SLURM status is: 'TIMEOUT'" in text and job_log in text,
          f"Snakemake reported TIMEOUT with the job's log: {job_log}")
    slurm_log = Path(job_log).read_text(errors="replace") if Path(job_log).exists() else ""
    check("DUE TO TIME LIMIT" in slurm_log, "the job's log says it was cancelled due to its time limit")
    return [(job_id, job)]


def check_identical(state: Path) -> None:
    print("Cluster run vs local run")
    local, slurm = state / "local" / "results", state / "slurm" / "results"
    files = lambda d: {str(p.relative_to(d)) for p in d.rglob("*") if p.is_file()}  # noqa: E731
    a, b = files(local), files(slurm)
    check(a == b and len(a) > 0, f"the same {len(a)} result files (only local: {sorted(a - b)[:5]}, "
          f"only cluster: {sorted(b - a)[:5]})")
    differ = sorted(f for f in a & b if not filecmp.cmp(local / f, slurm / f, shallow=False))
    check(set(differ) <= MAY_DIFFER, f"byte-identical except the config as run and the cost table: differ = {differ}")
    reports = sorted(f for f in a & b if "/report/" in f)
    check(len(reports) >= 8 and not set(reports) & set(differ),
          f"{len(reports)} report files (JSON, HTML) identical, config checksum included")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state", type=Path, required=True)
    parser.add_argument("--account", required=True)
    args = parser.parse_args()
    demo = check_demo(args.state, args.account)
    timed_out = check_timeout(args.state)
    check_identical(args.state)

    print("\nSLURM jobs (sacct):")
    print(f"  {'JobID':>6}  {'rule or group':<20} {'State':<10} {'ReqMem':>8} {'Limit':>9} {'Elapsed':>9}")
    for job_id, job in demo + timed_out:
        print(f"  {job_id:>6}  {rule_of(job):<20} {job['State']:<10} {job['ReqMem']:>8} "
              f"{job['Timelimit']:>9} {job['Elapsed']:>9}")
    retried = [j for j, job in demo if rule_of(job) == "minimap2_index"]
    print(f"  demo: {len(demo)} submissions ({', '.join(j for j, _ in demo)}); "
          f"retried after out of memory: {' -> '.join(retried)}; "
          f"time limit: {', '.join(j for j, _ in timed_out)}")
    if failures:
        print(f"\ntest-cluster: {len(failures)} check(s) FAILED", file=sys.stderr)
        return 1
    print("\ntest-cluster: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
