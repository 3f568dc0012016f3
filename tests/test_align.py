"""Alignment of one unit with either aligner: reads land where they came from, with read groups."""

import gzip
import random
import subprocess

import pysam
import pytest

from conftest import revcomp, tiny_reference
from genotailor.steps.align import align_unit, index_prefix


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A 6 kb contig and 150 read pairs cut from it (2x100, inserts of 300), with their origins."""
    d = tmp_path_factory.mktemp("align")
    rng = random.Random(11)
    fa, seq = tiny_reference(d, rng)
    origins = {}
    with gzip.open(d / "r1.fq.gz", "wt") as r1, gzip.open(d / "r2.fq.gz", "wt") as r2:
        for i in range(150):
            start = rng.randrange(0, 6000 - 300)
            frag = seq[start : start + 300]
            name = f"frag{i:03d}"
            origins[name] = start + 1
            r1.write(f"@{name}/1\n{frag[:100]}\n+\n{'F' * 100}\n")
            r2.write(f"@{name}/2\n{revcomp(frag)[:100]}\n+\n{'F' * 100}\n")
    subprocess.run(["bwa", "index", str(fa)], check=True, capture_output=True)
    return d, origins


@pytest.mark.parametrize("aligner", ["bwa", "minimap2"])
def test_every_read_maps_to_its_origin_with_the_units_read_group(tiny, aligner):
    d, origins = tiny
    index = str(d / "ref.fa") if aligner == "bwa" else str(d / "ref.mmi")
    out = d / f"{aligner}.bam"
    rg = r"@RG\tID:S1.L001\tSM:S1\tLB:S1\tPL:ILLUMINA\tPU:L001"
    align_unit(d / "r1.fq.gz", d / "r2.fq.gz", aligner, index_prefix(index, aligner), rg, 2, d / f"{aligner}.fastp.json", out)
    with pysam.AlignmentFile(str(out)) as bam:
        assert bam.header.to_dict()["HD"]["SO"] == "coordinate"
        assert [rg["SM"] for rg in bam.header.to_dict()["RG"]] == ["S1"]
        reads = [r for r in bam if r.is_read1 and not r.is_secondary and not r.is_supplementary]
    assert len(reads) == 150
    assert all(r.reference_start + 1 == origins[r.query_name] for r in reads)
    assert all(r.get_tag("RG") == "S1.L001" and r.has_tag("MC") for r in reads)  # fixmate ran


def test_repeated_alignment_gives_identical_records(tiny):
    # Headers differ only in the output names recorded in @PG; records must be identical.
    d, _ = tiny
    rg = r"@RG\tID:S1.L001\tSM:S1"
    for run in ("a", "b"):
        align_unit(d / "r1.fq.gz", d / "r2.fq.gz", "minimap2", str(d / "ref.mmi"), rg, 2,
                   d / f"{run}.fastp.json", d / f"rep_{run}.bam")
    with pysam.AlignmentFile(str(d / "rep_a.bam")) as a, pysam.AlignmentFile(str(d / "rep_b.bam")) as b:
        assert [r.to_string() for r in a] == [r.to_string() for r in b]
