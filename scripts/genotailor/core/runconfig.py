"""Checks of a run's config made before any job runs (the schema checks the shape), and where its
knowledge bases are.

The workflow calls `config_problems` while it reads the config, with the sample sheet's checks,
so a wrong reference or panel path, an impossible date or threshold is reported at once with the
other problems — not as a missing-input error naming a rule, an index written into the user's
reference folder, or a QC status no sample could earn.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

from genotailor.core.errors import InputError
from genotailor.core.paths import KNOWLEDGE_BASES, REPO
from genotailor.core.reference import check_reference


def knowledge_bases(config, workdir=None) -> dict[str, str]:
    """`knowledge_base` key -> the path its knowledge base is read from, as the rules use it.

    A key left out, or set to the path config/config.yaml gives (`workflow/resources/...`), names
    the workflow's own knowledge base wherever Snakemake runs (`--directory`), so a config copied
    from the shipped one works from the user's own folder without rewriting it. That path is
    relative to `workdir` (default: the current folder) when the workflow lies inside it — a run
    from the repository keeps the commands and the config it always had — else absolute. Any
    other value is the user's own, relative to `workdir` like every path of the config.
    """
    workdir = Path(workdir or Path.cwd()).resolve()
    given = config.get("knowledge_base") or {}
    paths = {}
    for key, own in KNOWLEDGE_BASES.items():
        value = given.get(key)
        if value is None or Path(value) == own.relative_to(REPO):
            value = own.relative_to(workdir) if own.is_relative_to(workdir) else own
        paths[key] = str(value)
    return paths


def _bed_problem(path) -> str | None:
    """What is wrong with a target BED, or None."""
    try:
        with open(path, errors="replace") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip() or line.startswith(("#", "track", "browser")):
                    continue
                f = line.rstrip("\r\n").split("\t")
                if len(f) < 3 or not (f[1].isdigit() and f[2].isdigit()) or int(f[1]) >= int(f[2]):
                    return (f"line {n} is not a BED region (tab-separated chrom, start, end with start < end) — "
                            "correct the file")
        return None
    except OSError as exc:
        return f"cannot read it ({exc.strerror}) — check the path"


# What each knowledge base must hold: a folder with this file, or (None) a file.
_KB_HOLDS = {"pgx": "manifest.json", "germline": "manifest.json", "oncology": "manifest.json",
             "hotspots": None, "transcript_models": None, "msi_loci": None}


def _knowledge_base_problems(config) -> list[str]:
    problems = []
    for key, path in knowledge_bases(config).items():
        holds = _KB_HOLDS[key]
        if holds and not (Path(path) / holds).is_file():
            problems.append(f"config knowledge_base.{key}: {path}: no knowledge base there (no {holds}) — point "
                            "it at a knowledge-base folder, or leave the key out to use the workflow's own")
        elif not holds and not Path(path).is_file():
            problems.append(f"config knowledge_base.{key}: {path}: file not found — check the path, or leave the "
                            "key out to use the workflow's own")
    return problems


def _gate_problems(gates) -> list[str]:
    """Thresholds no metric could meet sensibly: a negative count, a rate outside 0-1, or a warning
    threshold beyond its failing one (a sample would fail without ever being warned)."""
    problems = []
    for metric, gate in sorted(gates.items()):
        key = f"config qc.gates.{metric}"
        for bound, value in sorted(gate.items()):
            if metric.endswith("_rate") and not 0 <= value <= 1:
                problems.append(f"{key}.{bound}: {value} is not a rate — give a fraction between 0 and 1 "
                                "(0.9 for 90%)")
            elif value < 0:
                problems.append(f"{key}.{bound}: {value} is negative — give 0 or more")
        if gate.get("warn_below", float("inf")) < gate.get("fail_below", float("-inf")):
            problems.append(f"{key}: warn_below {gate['warn_below']} is below fail_below {gate['fail_below']}, so "
                            "a sample would fail without first being warned — make warn_below at least fail_below")
        if gate.get("warn_above", float("-inf")) > gate.get("fail_above", float("inf")):
            problems.append(f"{key}: warn_above {gate['warn_above']} is above fail_above {gate['fail_above']}, so "
                            "a sample would fail without first being warned — make warn_above at most fail_above")
    return problems


def _report_date_problem(value) -> str | None:
    text = str(value)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            datetime.date.fromisoformat(text)
            return None
        except ValueError:
            pass
    return f'config report_date: {text} is not a calendar date — give a real one as "YYYY-MM-DD"'


def config_problems(config) -> list[str]:
    """Every problem with the config's files and values the schema cannot see, each naming the
    config key and the fix."""
    problems = []
    try:
        check_reference(config["reference"]["fasta"])
    except InputError as exc:
        problems.append(f"config reference.fasta: {exc}")
    for name, bed in config.get("panels", {}).items():
        path = Path(bed)
        if not path.is_file():
            problems.append(f"config panels.{name}: {bed}: file not found — check the path (relative paths start "
                            "from the folder Snakemake runs in)")
            continue
        problem = _bed_problem(path)
        if problem:
            problems.append(f"config panels.{name}: {bed}: {problem}")
    problems += _knowledge_base_problems(config)
    date_problem = _report_date_problem(config["report_date"]) if "report_date" in config else None
    if date_problem:
        problems.append(date_problem)
    problems += _gate_problems(config.get("qc", {}).get("gates", {}))
    return problems
