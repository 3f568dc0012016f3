"""A small cohort for end-to-end runs that must stay cheap on a 2-core machine: one patient from
FASTQ (LOWQ01's ~3,000 read pairs, PGx consented), one from an outside VCF (VCF001, with its
outside CYP2D6 call), and one from FASTQ without PGx or secondary-findings consent (NOPGX01:
LOWQ01's reads under other names). The FASTQ patients share the demo's minimap2 index."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from genotailor.dev.sheet import write_config

ROOT = Path(__file__).resolve().parents[1]
READS = ROOT / "test-data" / "reads"
DEMO_VCF = ROOT / "test-data" / "vcf" / "VCF001.outside-lab.vcf.gz"
PATIENTS = ("LOWQ01", "NOPGX01", "VCF001")
SAMPLES = {"LOWQ01": ["LOWQ01-blood"], "NOPGX01": ["NOPGX01-blood"], "VCF001": ["VCF001-dna"]}


def write_inputs(folder: Path) -> Path:
    """The sheet, its inputs and a config with absolute paths; returns the config."""
    inputs = folder / "inputs"
    inputs.mkdir(parents=True)
    for mate in ("R1", "R2"):
        shutil.copy(READS / f"LOWQ01-blood_S4_L001_{mate}_001.fastq.gz", inputs / f"NOPGX01_{mate}.fastq.gz")
    lowq = {m: str(READS / f"LOWQ01-blood_S4_L001_{m}_001.fastq.gz") for m in ("R1", "R2")}
    sheet = {"patients": {
        "LOWQ01": {"sex": "male", "consent": {"pharmacogenomics": True, "secondary_findings": False},
                   "samples": {"LOWQ01-blood": {"kind": "germline", "units": {
                       "L001": {"r1": lowq["R1"], "r2": lowq["R2"]}}}}},
        "NOPGX01": {"sex": "female", "consent": {"pharmacogenomics": False, "secondary_findings": False},
                    "samples": {"NOPGX01-blood": {"kind": "germline", "units": {
                        "L001": {"r1": "inputs/NOPGX01_R1.fastq.gz", "r2": "inputs/NOPGX01_R2.fastq.gz"}}}}},
        "VCF001": {"sex": "female", "consent": {"pharmacogenomics": True, "secondary_findings": False},
                   "outside_calls": {"CYP2D6": {"diplotype": "*1/*4", "method": "example outside caller (demo)"}},
                   "samples": {"VCF001-dna": {"kind": "germline", "vcf": str(DEMO_VCF), "vcf_sample": "VCF001_DNA",
                                              "caller": "DeepVariant (demo)"}}},
    }}
    (folder / "samples.yaml").write_text(yaml.safe_dump(sheet, sort_keys=True))
    return write_config(folder / "samples.yaml", folder / "config.yaml")


def snakemake_argv(workdir: Path, config: Path, *extra) -> list[str]:
    # mem_mb caps jobs side by side: the aligner and minimap2's index each take ~2.5 GB.
    return [sys.executable, "-m", "snakemake", "-s", str(ROOT / "workflow" / "Snakefile"), "-d", str(workdir),
            "--configfile", str(config), "--cores", "2", "--resources", "mem_mb=4000", *extra]


def run(workdir: Path, config: Path, *extra) -> subprocess.CompletedProcess:
    return subprocess.run(snakemake_argv(workdir, config, *extra), cwd=workdir, capture_output=True, text=True)


def tree(folder: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file under `folder` (links: "link -> target")."""
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = str(p.relative_to(folder))
        if p.is_symlink():
            out[rel] = f"link -> {os.readlink(p)}"
        elif p.is_file():
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out
