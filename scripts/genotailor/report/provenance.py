"""Provenance of a run: what went in (config, sheet, reference, knowledge bases) and what ran it.

Everything here is a checksum or a version, never a time: re-running with the same inputs and
versions gives the same file.
"""

from __future__ import annotations

import hashlib
import json
from importlib import metadata
from pathlib import Path

from genotailor import __version__
from genotailor.core.checksums import sha256_file
from genotailor.core.yamlio import load_yaml

PACKAGES = ["snakemake", "pysam", "pandas", "numpy", "jinja2", "jsonschema", "pyyaml"]



def merge_tool_versions(records) -> dict:
    """Tool -> version from the jobs' versions records (`genotailor --versions`), each written by the
    job that ran the tool, in the environment it ran in. A tool seen in more than one version (jobs
    on differently set-up machines) lists them all, comma-separated: the report must not pick one."""
    seen: dict[str, set] = {}
    for path in records:
        doc = json.loads(Path(path).read_text())
        seen.setdefault("genotailor", set()).add(doc["genotailor"])
        for tool, version in doc["tools"].items():
            seen.setdefault(tool, set()).add(version or "unknown")
    return {tool: ", ".join(sorted(versions)) for tool, versions in sorted(seen.items())}


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
    doc = load_yaml(path.read_bytes())
    compiled = doc.get("compiled") if isinstance(doc, dict) else None
    return {"version": f"CPIC rules compiled {compiled}" if compiled else None, "sha256": sha256_file(path),
            "source": "https://cpicpgx.org/guidelines/"}


def _oncology(kb_dir, models) -> dict:
    """The actionability knowledge base (its manifest's sources) and the transcript models."""
    out = {}
    if kb_dir:
        manifest_path = Path(kb_dir) / "manifest.json"
        manifest = json.loads(manifest_path.read_text())
        out["oncology_actionability"] = {
            "version": ", ".join(f"{s['name']} {s['release']}" for s in manifest["sources"]),
            "sha256": sha256_file(manifest_path)}
    if models:
        out["transcript_models"] = {"version": "MANE Select v1.5 (GRCh38), panel genes", "sha256": sha256_file(models)}
    return out


# Config keys left out of the config checksum: `resources` (threads, memory, runtime, where
# cluster jobs go) changes how a run is scheduled, never its results, so tuning a cluster run
# keeps its reports comparable with other runs'; `cost` (the price of a core-hour) only prices the
# run in results/cohort/cost.tsv.
CHECKSUM_EXCLUDES = ("resources", "cost")


def config_checksum(config: dict) -> str:
    """sha256 of the config as run, without the keys in CHECKSUM_EXCLUDES."""
    kept = {k: v for k, v in config.items() if k not in CHECKSUM_EXCLUDES}
    return hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()


def _germline(kb_dir) -> dict:
    """The inherited-disease knowledge base: ClinVar release and SF list (its manifest) and the panels file."""
    if not kb_dir:
        return {}
    manifest_path = Path(kb_dir) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    return {"clinvar": {"version": f"ClinVar {manifest['clinvar']['release']} (GRCh38)",
                        "sha256": sha256_file(manifest_path), "source": manifest["clinvar"]["source"]},
            "germline_panels": {"version": manifest["acmg_sf"]["list"],
                                "sha256": sha256_file(Path(kb_dir) / "panels.yaml")}}


def collect(config: dict, sheet, reference, kb_dir, hotspots, aligner, oncology_kb=None, models=None,
            germline_kb=None) -> dict:
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
            **_oncology(oncology_kb, models),
            **_germline(germline_kb),
        },
        "python_packages": package_versions(),
    }
