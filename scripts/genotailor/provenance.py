"""Provenance of a run: what went in (config, sheet, reference, knowledge bases) and what ran it.

Everything here is a checksum or a version, never a time: re-running with the same inputs and
versions gives the same file.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from importlib import metadata
from pathlib import Path

import yaml

from genotailor import __version__

TOOLS = {
    "fastp": ["fastp", "--version"],
    "bwa": ["bwa"],
    "minimap2": ["minimap2", "--version"],
    "samtools": ["samtools", "--version"],
    "bcftools": ["bcftools", "--version"],
    "tabix": ["tabix", "--version"],
    "mosdepth": ["mosdepth", "--version"],
}
PACKAGES = ["snakemake", "pysam", "pandas", "numpy", "jinja2", "jsonschema", "pyyaml", "matplotlib", "biopython"]
VERSION_RE = re.compile(r"(\d+\.\d+(?:\.\d+)?(?:[-.+][0-9A-Za-z]+)*)")


def sha256_file(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def tool_version(cmd) -> str | None:
    """First version-looking string a tool prints about itself; None if it is not installed."""
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=30)
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return None
    text = proc.stdout + proc.stderr
    m = re.search(r"Version:\s*(\S+)", text) or VERSION_RE.search(text)
    return m.group(1) if m else None


def package_versions() -> dict:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _drug_rules(path: Path) -> dict:
    """Version (compilation date) and checksum of the drug-recommendation file in use."""
    from genotailor.pgx.recommendations import read_document

    if not path.exists():
        return {"version": None, "sha256": None}
    doc = read_document(path)
    compiled = doc.get("compiled") if isinstance(doc, dict) else None
    return {"version": f"CPIC rules compiled {compiled}" if compiled else None, "sha256": sha256_file(path),
            "source": "https://cpicpgx.org/guidelines/"}


# Config keys left out of the config checksum: `resources` (threads, memory, runtime, where
# cluster jobs go) changes how a run is scheduled, never its results, so tuning a cluster run
# keeps its reports comparable with other runs'.
CHECKSUM_EXCLUDES = ("resources",)


def config_checksum(config: dict) -> str:
    """sha256 of the config as run, without the keys in CHECKSUM_EXCLUDES."""
    kept = {k: v for k, v in config.items() if k not in CHECKSUM_EXCLUDES}
    return hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()


def collect(config: dict, sheet, reference, kb_dir, hotspots, aligner) -> dict:
    kb_manifest = Path(kb_dir) / "manifest.json"
    manifest = json.loads(kb_manifest.read_text())
    pgx_versions = sorted({v["definitions"] for v in manifest["versions"].values()})
    return {
        "workflow": {"name": "genotailor", "version": __version__},
        "config_sha256": config_checksum(config),
        "config_sha256_excludes": list(CHECKSUM_EXCLUDES),
        "sample_sheet_sha256": sha256_file(sheet),
        "reference": {"name": Path(reference).name, "build": "GRCh38", "sha256": sha256_file(reference)},
        "aligner": aligner,
        "knowledge_bases": {
            "pgx": {"version": ", ".join(pgx_versions), "sha256": sha256_file(kb_manifest),
                    "source": manifest["sources"]["definitions"]},
            "pgx_drug_rules": _drug_rules(Path(kb_dir) / "recommendations.yaml"),
            "cancer_hotspots": {"version": "hotspots_in_windows (Chang et al. recurrent hotspots)",
                                "sha256": sha256_file(hotspots)},
        },
        "tools": {name: tool_version(cmd) for name, cmd in TOOLS.items()},
        "python_packages": package_versions(),
    }


def register(sub):
    p = sub.add_parser("provenance", help="record config, sheet, reference, knowledge-base and tool versions")
    p.add_argument("--config-json", required=True, help="the config as run, as JSON")
    p.add_argument("--sheet", required=True)
    p.add_argument("--reference", required=True)
    p.add_argument("--kb", required=True)
    p.add_argument("--hotspots", required=True)
    p.add_argument("--aligner", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--config-out", required=True, help="copy of the config as run (YAML)")
    p.add_argument("--sheet-out", required=True, help="copy of the sample sheet as run")
    p.set_defaults(func=_cli)


def _cli(args):
    config = json.loads(args.config_json)
    prov = collect(config, args.sheet, args.reference, args.kb, args.hotspots, args.aligner)
    Path(args.out).write_text(json.dumps(prov, indent=1, sort_keys=True) + "\n")
    Path(args.config_out).write_text(yaml.safe_dump(config, sort_keys=True))
    Path(args.sheet_out).write_bytes(Path(args.sheet).read_bytes())
    return 0
