"""`genotailor reproduce`: re-run an analysis from its archived provenance into a new directory.

The archive (results/provenance/) holds the config and sample sheet as run and the checksums and
versions of everything else that shapes the results. Before anything runs, the reference, the
knowledge bases, the sheet, the input files whose sha256 the sheet declares, the tools, the
Python packages and the workflow version are compared with the archive; any difference is a
refusal naming what changed, since the re-run could not be expected to match. Then the workflow
runs with the archived config into OUT, and every result is compared byte for byte with the
original's.

Run it from the directory the original analysis ran in: the config's relative paths start there.
OUT gets symlinks to the folders those paths start with, so the config is used unchanged and
the re-run's config checksum is the original's.
"""

from __future__ import annotations

import filecmp
import hashlib
import json
import os
import sys
from pathlib import Path

import yaml

from genotailor.core.errors import GenotailorError
from genotailor.core.paths import REPO as ROOT
from genotailor.core.runconfig import knowledge_bases
from genotailor.core.tools import ToolError, run

# The config as run lists the run's own `resources`; it is not compared (see provenance). MultiQC's
# page embeds the time it was made (and a random id), so no two runs give the same bytes. The cost
# table holds the jobs' measured times (report/cost.py).
NOT_COMPARED = {"provenance/config.yaml", "cohort/multiqc_report.html", "cohort/cost.tsv"}


class ReproduceError(GenotailorError):
    """The archive cannot be reproduced here: something it depends on has changed."""


def _flatten(value, prefix=""):
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            out.update(_flatten(item, f"{prefix}.{key}" if prefix else key))
        return out
    return {prefix: value}


def config_paths(config: dict, base: Path) -> list[str]:
    """The input paths a config run from `base` names (sheet, reference, panels, knowledge bases)."""
    return [config["samples"], config["reference"]["fasta"], *config["panels"].values(),
            *knowledge_bases(config, base).values()]


def differences(archive: Path, base: Path) -> list[str]:
    """What differs between the archived provenance and this machine, as sentences; [] if nothing."""
    from genotailor.core.samplesheet import load_sheet
    from genotailor.report.provenance import collect, config_checksum

    old = json.loads((archive / "provenance.json").read_text())
    config = yaml.safe_load((archive / "config.yaml").read_text())
    problems = []
    # Archives from before `resources` left the checksum hashed the whole config.
    whole = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()
    if old["config_sha256"] not in (config_checksum(config), whole):
        problems.append(f"{archive / 'config.yaml'} is not the config the provenance describes "
                        "(its checksum differs): restore it from the archive")
    missing = [p for p in config_paths(config, base) if not (base / p).exists()]
    if missing:
        return problems + [f"input not found: {base / p} (run from the original analysis's folder)"
                           for p in missing]
    sheet = base / config["samples"]
    if sheet.read_bytes() != (archive / "samples.yaml").read_bytes():
        problems.append(f"sample sheet {sheet} differs from the archived copy {archive / 'samples.yaml'}")
    try:
        load_sheet(sheet, check_files=True, verify_checksums=True, panels=config["panels"])
    except GenotailorError as exc:
        problems.append(f"input files: {exc}")
    kbs = {key: base / path for key, path in knowledge_bases(config, base).items()}
    now = collect(config, sheet, base / config["reference"]["fasta"], kbs["pgx"], kbs["hotspots"],
                  config["aligner"], kbs["oncology"], kbs["transcript_models"], kbs["germline"])
    problems += tool_differences(archive)
    before, after = _flatten(old), _flatten(now)
    for key in sorted(set(before) | set(after)):
        if key in ("config_sha256", "config_sha256_excludes"):
            continue
        if before.get(key) != after.get(key):
            problems.append(f"{key}: was {before.get(key)!r}, now {after.get(key)!r}")
    return problems


def tool_differences(archive: Path) -> list[str]:
    """The external tools the archived run's jobs ran (tools.json, from each job's own record)
    whose version here differs, as sentences."""
    from genotailor import __version__
    from genotailor.core.tools import tool_version

    record = archive / "tools.json"
    if not record.exists():
        return [f"{record} is missing: the archive does not say which tool versions made the results"]
    problems = []
    for tool, was in sorted(json.loads(record.read_text())["tools"].items()):
        now = __version__ if tool == "genotailor" else tool_version(tool)
        if now != was:
            problems.append(f"tool {tool}: was {was}, now {now or 'not installed'}")
    return problems


def compare(original: Path, rerun: Path) -> tuple[list[str], list[str]]:
    """(identical, differing) result files, relative to results/; missing files count as differing."""
    files = lambda d: {str(p.relative_to(d)) for p in d.rglob("*") if p.is_file()}  # noqa: E731
    a, b = files(original), files(rerun)
    same, differ = [], []
    for name in sorted(a | b):
        if name in NOT_COMPARED:
            continue
        if name in a and name in b and filecmp.cmp(original / name, rerun / name, shallow=False):
            same.append(name)
        else:
            differ.append(name)
    return same, differ


def reproduce(archive: Path, out: Path, cores: int = 2, base: Path | None = None) -> int:
    archive, base = Path(archive).resolve(), Path(base or Path.cwd()).resolve()
    out = Path(out).resolve()
    problems = differences(archive, base)
    if problems:
        raise ReproduceError("cannot reproduce " + str(archive) + ": " + str(len(problems))
                             + " difference(s) from the archived run\n  - " + "\n  - ".join(problems))
    if out.exists() and any(out.iterdir()):
        raise ReproduceError(f"{out} is not empty: give a new directory")
    out.mkdir(parents=True, exist_ok=True)
    config = yaml.safe_load((archive / "config.yaml").read_text())
    for top in sorted({Path(p).parts[0] for p in config_paths(config, base) if not Path(p).is_absolute()}):
        os.symlink(base / top, out / top)
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'scripts'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    cmd = [sys.executable, "-m", "snakemake", "-s", str(ROOT / "workflow" / "Snakefile"), "-d", str(out),
           "--configfile", str(archive / "config.yaml"), "--replace-workflow-config", "--cores", str(cores),
           "--workflow-profile", "none"]
    print("running:", " ".join(cmd), file=sys.stderr, flush=True)
    try:
        run(cmd, f"re-running {archive}", env=env, cwd=out)
    except ToolError as exc:
        raise ReproduceError(f"the re-run failed: {exc}") from None
    same, differ = compare(archive.parent, out / "results")
    print(f"{len(same)} result files identical, {len(differ)} differ")
    for name in differ:
        print(f"  differs: results/{name}")
    return 0 if not differ else 1
