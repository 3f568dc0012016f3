"""Provenance of a run: what went in (config, sheet, reference, knowledge bases) and what ran it.

Everything here is a checksum or a version, never a time: re-running with the same inputs and
versions gives the same file.
"""

from __future__ import annotations

import hashlib
import json
from importlib import metadata
from pathlib import Path

import yaml

from genotailor import __version__
from genotailor.core.tools import tool_version

TOOLS = ("fastp", "bwa", "minimap2", "samtools", "bcftools", "tabix", "mosdepth")
PACKAGES = ["snakemake", "pysam", "pandas", "numpy", "jinja2", "jsonschema", "pyyaml", "matplotlib", "biopython"]


def sha256_file(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


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
    if not path.exists():
        return {"version": None, "sha256": None}
    doc = yaml.load(path.read_bytes(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    compiled = doc.get("compiled") if isinstance(doc, dict) else None
    return {"version": f"CPIC rules compiled {compiled}" if compiled else None, "sha256": sha256_file(path),
            "source": "https://cpicpgx.org/guidelines/"}


def collect(config: dict, sheet, reference, kb_dir, hotspots, aligner) -> dict:
    kb_manifest = Path(kb_dir) / "manifest.json"
    manifest = json.loads(kb_manifest.read_text())
    pgx_versions = sorted({v["definitions"] for v in manifest["versions"].values()})
    return {
        "workflow": {"name": "genotailor", "version": __version__},
        "config_sha256": hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest(),
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
        "tools": {name: tool_version(name) for name in TOOLS},
        "python_packages": package_versions(),
    }
