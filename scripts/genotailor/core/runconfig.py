"""Checks of the files a run's config names, made before any job runs (the schema checks the shape).

The workflow calls `config_problems` while it reads the config, with the sample sheet's checks,
so a wrong reference or panel path is reported at once with the other problems — not as a
missing-input error naming a rule, or an index written into the user's reference folder.
"""

from __future__ import annotations

from pathlib import Path

from genotailor.core.errors import InputError
from genotailor.core.reference import check_reference


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


def config_problems(config) -> list[str]:
    """Every problem with the files the config names, each naming the config key and the fix."""
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
    kb = config.get("knowledge_base", {})
    if "pgx" in kb and not (Path(kb["pgx"]) / "manifest.json").is_file():
        problems.append(f"config knowledge_base.pgx: {kb['pgx']}: no knowledge base there (no manifest.json) — "
                        "point it at workflow/resources/pgx")
    if "hotspots" in kb and not Path(kb["hotspots"]).is_file():
        problems.append(f"config knowledge_base.hotspots: {kb['hotspots']}: file not found — point it at "
                        "workflow/resources/oncology/hotspots.tsv")
    return problems
