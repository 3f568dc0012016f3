"""Synthetic sample sheets for scale tests: N patients, each reusing the demo's files.

Every patient has three samples — a germline normal and a tumour from FASTQ pairs, and a
germline VCF from an outside lab — so a sheet of N patients gives a DAG of 19 x N jobs
with every entry point and input function of the workflow in it. A sheet lists each file once,
so every patient gets hard links to the demo's files (test-data/) in a folder beside the sheet:
no data is copied unless the folder is on another file system.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import yaml

from genotailor.core.paths import REPO as ROOT

READS = ROOT / "test-data" / "reads"
VCF = ROOT / "test-data" / "vcf" / "VCF001.outside-lab.vcf.gz"


def absolute_config(sheet) -> dict:
    """The demo config (config/config.yaml) naming `sheet` as its sample sheet (as given), with the
    reference, panels and knowledge bases as absolute paths: the workflow then runs from any folder."""
    cfg = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    cfg["samples"] = str(sheet)
    cfg["reference"]["fasta"] = str(ROOT / cfg["reference"]["fasta"])
    cfg["panels"] = {k: str(ROOT / v) for k, v in cfg["panels"].items()}
    cfg["knowledge_base"] = {k: str(ROOT / v) for k, v in cfg["knowledge_base"].items()}
    return cfg


def write_config(sheet, out: Path) -> Path:
    """`absolute_config(sheet)` written to `out`; returns `out`."""
    Path(out).write_text(yaml.safe_dump(absolute_config(sheet)))
    return Path(out)


def _link(source: Path, target: Path) -> None:
    if target.exists():
        return
    try:
        os.link(source, target)
    except OSError:  # another file system: copy
        shutil.copyfile(source, target)


def _patient_files(pid: str, folder: Path) -> dict:
    """Hard links to the demo's files under this patient's names."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "n1": READS / "TUMOR01-N_S2_L001_R1_001.fastq.gz", "n2": READS / "TUMOR01-N_S2_L001_R2_001.fastq.gz",
        "t1": READS / "TUMOR01-T_S3_L001_R1_001.fastq.gz", "t2": READS / "TUMOR01-T_S3_L001_R2_001.fastq.gz",
        "vcf": VCF,
    }
    names = {"n1": f"{pid}-N_L001_R1.fastq.gz", "n2": f"{pid}-N_L001_R2.fastq.gz",
             "t1": f"{pid}-T_L001_R1.fastq.gz", "t2": f"{pid}-T_L001_R2.fastq.gz", "vcf": f"{pid}-dna.vcf.gz"}
    out = {}
    for key, source in files.items():
        _link(source, folder / names[key])
        out[key] = folder / names[key]
    tbi = Path(f"{VCF}.tbi")
    if tbi.exists():
        _link(tbi, folder / f"{names['vcf']}.tbi")
    return out


def write_sheet(patients: int, out: Path) -> Path:
    """Write a sheet of `patients` synthetic patients to `out`; their files go to OUT_STEM-files/."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    folder = out.parent / f"{out.stem}-files"
    doc = {}
    for i in range(1, patients + 1):
        pid = f"SYN{i:05d}"
        f = {k: os.path.relpath(v, out.parent) for k, v in _patient_files(pid, folder).items()}
        doc[pid] = {
            "sex": "female" if i % 2 else "male",
            "tumor_type": "MEL",
            "consent": {"pharmacogenomics": True, "secondary_findings": False},
            "samples": {
                f"{pid}-N": {"kind": "germline", "panel": "cancer",
                             "units": {"L001": {"r1": f["n1"], "r2": f["n2"]}}},
                f"{pid}-T": {"kind": "tumor", "purity": 0.6, "normal": f"{pid}-N", "panel": "cancer",
                             "units": {"L001": {"r1": f["t1"], "r2": f["t2"]}}},
                f"{pid}-dna": {"kind": "germline", "vcf": f["vcf"], "vcf_sample": "VCF001_DNA",
                               "caller": "DeepVariant (synthetic)"},
            },
        }
    header = (f"# {patients} synthetic patients (genotailor dev sheet): the demo's files under "
              "other ids, for scale tests.\n")
    text = yaml.safe_dump({"patients": doc}, sort_keys=False, default_flow_style=None, width=120)
    out.write_text(header + text)
    return out
