"""Shared fixtures: small VCFs written from a few readable lines."""

import subprocess
import sys
from pathlib import Path

import pysam
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

DEMO_REFERENCE = ROOT / "test-data" / "reference" / "GRCh38_demo.fa.gz"

VCF_HEADER = """##fileformat=VCFv4.2
##FILTER=<ID=PASS,Description="All filters passed">
##FILTER=<ID=LowQual,Description="Low quality">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">
##FORMAT=<ID=PS,Number=1,Type=Integer,Description="Phase set">
"""


def write_vcf(path: Path, records, samples=("S1",), contigs=(("chr10", 133797422),), index=True, extra_header=""):
    """Write a VCF from (chrom, pos, ref, alt, gt...) tuples or raw tab-separated lines."""
    lines = [VCF_HEADER.rstrip("\n")]
    lines += [f"##contig=<ID={c},length={n}>" if n else f"##contig=<ID={c}>" for c, n in contigs]
    if extra_header:
        lines.append(extra_header.rstrip("\n"))
    lines.append("\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *samples]))
    for r in records:
        if isinstance(r, str):
            lines.append(r)
            continue
        chrom, pos, ref, alt, *gts = r
        fmt = "GT:PS" if any(":" in g for g in gts) else "GT"
        lines.append("\t".join([chrom, str(pos), ".", ref, alt or ".", "50", "PASS", ".", fmt, *gts]))
    text = "\n".join(lines) + "\n"
    if str(path).endswith(".gz"):
        plain = Path(str(path)[:-3])
        plain.write_text(text)
        pysam.tabix_compress(str(plain), str(path), force=True)
        plain.unlink()
        if index:
            pysam.tabix_index(str(path), preset="vcf", force=True)
    else:
        Path(path).write_text(text)
    return Path(path)


def revcomp(seq: str) -> str:
    return seq[::-1].translate(str.maketrans("ACGT", "TGCA"))


def tiny_reference(folder: Path, rng, length=6000, name="chrT"):
    """A seeded random one-contig FASTA with .fai and a minimap2 index; returns (fasta, sequence)."""
    seq = "".join(rng.choice("ACGT") for _ in range(length))
    fa = folder / "ref.fa"
    fa.write_text(f">{name}\n{seq}\n")
    pysam.faidx(str(fa))
    subprocess.run(["minimap2", "-x", "sr", "-d", str(folder / "ref.mmi"), str(fa)], check=True, capture_output=True)
    return fa, seq


@pytest.fixture
def demo_reference():
    if not DEMO_REFERENCE.exists():
        pytest.fail(f"{DEMO_REFERENCE} missing: run `make testdata`")
    return DEMO_REFERENCE


def vcf_entry_stage_files(folder: Path, sample: str, records: int = 1) -> tuple[Path, Path]:
    """QC and normalization-summary JSONs of a sample that entered as a VCF, as the steps write them
    (valid against workflow/schemas/qc and norm): what a report of such a sample is assembled from."""
    import json

    qc = folder / f"{sample}.qc.json"
    qc.write_text(json.dumps({"sample": sample, "status": "not_assessed", "metrics": {}, "gates": [],
                              "failed_gates": [], "warned_gates": []}))
    norm = folder / f"{sample}.norm.json"
    norm.write_text(json.dumps({
        "vcf": str(folder / "in.vcf.gz"), "sample": sample, "records_in": records, "records_checked": records,
        "records_out": records, "source_column": sample, "contig_renames": {}, "records_on_other_contigs": 0,
        "other_contigs": {}, "ref_unverifiable": 0, "gvcf_reference_blocks": 0, "gvcf_sites_from_blocks": 0,
        "undeclared_contigs": []}))
    return qc, norm


@pytest.fixture(scope="session")
def small_cohort(tmp_path_factory):
    """The small cohort (tests/smallcohort.py) run once, uninterrupted; read-only for its users."""
    from smallcohort import run, write_inputs

    base = tmp_path_factory.mktemp("small_cohort")
    config = write_inputs(base)
    proc = run(base, config)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return base
