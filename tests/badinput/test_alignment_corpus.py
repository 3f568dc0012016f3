"""Bad-input corpus: BAM/CRAM files a sample enters with, through `genotailor import-alignment` (the
workflow's job that brings them in). Each is rejected naming the file, what it really is or which
build it was aligned to, and the fix; nothing is linked into results/."""

import os
import shutil

import pysam
import pytest
from corpus import Case, assert_rejected

from conftest import DEMO_REFERENCE

POS = 94781800  # chr10, CYP2C19


def reference_contigs():
    with open(f"{DEMO_REFERENCE}.fai") as fh:
        return [(line.split("\t")[0], int(line.split("\t")[1])) for line in fh]


def make_bam(path, contigs=None, so="coordinate", sm="S1", reads=True, fmt="wb", rename=None):
    contigs = reference_contigs() if contigs is None else contigs
    header = {"HD": {"VN": "1.6", "SO": so}, "SQ": [{"SN": n, "LN": n_len} for n, n_len in contigs],
              "RG": [{"ID": "u", "SM": sm}]}
    seq = pysam.FastaFile(str(DEMO_REFERENCE)).fetch("chr10", POS, POS + 300)
    target = [n for n, _ in contigs].index(rename or "chr10") if reads and contigs else None
    with pysam.AlignmentFile(str(path), fmt, header=header) as out:
        for i in range(20 if reads else 0):
            a = pysam.AlignedSegment(out.header)
            a.query_name, a.query_sequence = f"r{i}", seq[i * 10:i * 10 + 100]
            a.reference_id, a.reference_start, a.mapping_quality = target, POS + i * 10, 60
            a.cigarstring, a.query_qualities = "100M", pysam.qualitystring_to_array("F" * 100)
            a.set_tag("RG", "u")
            out.write(a)
    return path


def imported(d, path, sample="S1"):
    out = d.parent / "out"
    out.mkdir(exist_ok=True)
    return ["import-alignment", "--input", path, "--sample", sample, "--reference", DEMO_REFERENCE,
            "--out", out / "S1.bam"]


def bam(**kw):
    return lambda d: imported(d, make_bam(d / "in.bam", **kw))


def sam_as_bam(d):
    make_bam(d / "in.bam", fmt="w")
    return imported(d, d / "in.bam")


def cut_short(d):
    make_bam(d / "full.bam")
    data = (d / "full.bam").read_bytes()
    (d / "in.bam").write_bytes(data[:-28])  # without the BGZF end-of-file block
    (d / "full.bam").unlink()
    return imported(d, d / "in.bam")


def fastq_as_bam(d):
    (d / "in.bam").write_text("@r1\nACGT\n+\nFFFF\n")
    return imported(d, d / "in.bam")


def loop(d):
    os.symlink("b.bam", d / "in.bam")
    os.symlink("in.bam", d / "b.bam")
    return imported(d, d / "in.bam")


GRCH37 = [("1", 249250621), ("2", 243199373), ("10", 135534747)]
NO_CHR = [(n.removeprefix("chr"), length) for n, length in reference_contigs()]

B = "BAM/CRAM {d}/in.bam: "
CASES = [
    Case("SAM text named .bam", sam_as_bam,
         B + "the file is SAM text, not a BAM — convert it (samtools sort -o in.sorted.bam {d}/in.bam) and give "
             "that file"),
    Case("GRCh37 BAM", bam(contigs=GRCH37, rename="10"),
         B + "contig 1 is 249250621 bp, its GRCh37 length, but 248956422 bp in the reference GRCh38_demo.fa.gz "
             "(GRCh38): the reads were aligned to GRCh37 — realign them to GRCh38 (or give the FASTQs as units)"),
    Case("GRCh37 BAM with chr names", bam(contigs=[("chr" + n, x) for n, x in GRCH37], rename="chr10"),
         B + "contig chr1 is 249250621 bp, its GRCh37 length, but 248956422 bp in the reference GRCh38_demo.fa.gz "
             "(GRCh38): the reads were aligned to GRCh37 — realign them to GRCh38 (or give the FASTQs as units)"),
    Case("contigs named without chr", bam(contigs=NO_CHR, rename="10"),
         B + "its contigs are named 1, 2, 3... but the reference's chr1, chr2, chr3... — rename them to the "
             "reference's names (samtools reheader) or realign"),
    Case("cut short", cut_short,
         B + "the file is cut short or damaged (samtools quickcheck: no valid header or end-of-file marker) — copy "
             "it again from its source"),
    Case("not coordinate-sorted", bam(so="queryname"),
         B + "it is not coordinate-sorted (SO:queryname) — sort it with `samtools sort`"),
    Case("read groups of another sample", bam(sm="NA12878"),
         B + "its read groups name sample(s) NA12878, not S1 — correct the sample id in the sheet or the BAM's @RG SM"),
    Case("unaligned BAM", bam(contigs=[], reads=False),
         B + "it has no @SQ header lines: the reads are not aligned — give the FASTQs as units instead"),
    Case("FASTQ named .bam", fastq_as_bam,
         B + "the file is FASTQ text, not a BAM or CRAM — give the aligned reads as BAM or CRAM"),
    Case("empty file", lambda d: (d / "in.bam").write_bytes(b"") or imported(d, d / "in.bam"),
         B + "the file is empty — copy it again from its source"),
    Case("symlink loop", loop, B + "a symbolic link that points to itself (a link loop) — make it point to the real file"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_unusable_alignment_is_rejected_by_file_and_nothing_is_imported(case, tmp_path, capfd):
    assert_rejected(case, tmp_path, capfd)
    assert not list((tmp_path / "out").iterdir())


def test_a_good_bam_is_linked_and_indexed(tmp_path, capfd):
    src = make_bam(tmp_path / "in.bam")
    before = src.read_bytes()
    from corpus import run_cli
    code, err = run_cli(imported(tmp_path / "in", src), capfd)
    assert code == 0, err
    out = tmp_path / "out" / "S1.bam"
    assert out.is_symlink() and out.resolve() == src.resolve() and (tmp_path / "out" / "S1.bam.bai").exists()
    assert src.read_bytes() == before and not (tmp_path / "in.bam.bai").exists()
    shutil.rmtree(tmp_path / "out")
