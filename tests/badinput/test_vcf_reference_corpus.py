"""Bad-input corpus: VCFs (through `genotailor normalize-vcf`, the one hand-off step every VCF passes)
and reference FASTAs (through `genotailor check-vcf`, which opens the reference the same way every
step does). Each is rejected naming the file, the record or contig, and the fix."""

import gzip
import os
import shutil
from pathlib import Path

import pytest
from corpus import Case, assert_rejected

from conftest import DEMO_REFERENCE, ROOT

DEMO_VCF = ROOT / "test-data" / "vcf" / "VCF001.outside-lab.vcf.gz"


def demo_lines():
    with gzip.open(DEMO_VCF, "rt") as fh:
        return fh.read().splitlines(keepends=True)


def data_index(lines, n=0):
    """Index in `lines` of the n-th data line."""
    return [i for i, line in enumerate(lines) if not line.startswith("#")][n]


def normalize(d, vcf, column="VCF001_DNA"):
    out = d.parent / "out"
    out.mkdir(exist_ok=True)
    return ["normalize-vcf", "--vcf", vcf, "--sample", "S1", "--column", column, "--reference", DEMO_REFERENCE,
            "--out", out / "S1.vcf.gz"]


def vcf_text(edit, name="in.vcf", column="VCF001_DNA"):
    """A builder writing the demo VCF as text after `edit(lines)`."""
    def build(d):
        lines = demo_lines()
        edit(lines)
        (d / name).write_text("".join(lines))
        return normalize(d, d / name, column)
    return build


def vcf_bytes(make, name="in.vcf.gz"):
    def build(d):
        (d / name).write_bytes(make())
        return normalize(d, d / name)
    return build


def set_field(n, col, value):
    def edit(lines):
        i = data_index(lines, n)
        f = lines[i].rstrip("\n").split("\t")
        f[col] = value
        lines[i] = "\t".join(f) + "\n"
    return edit


def cut_columns(lines):
    i = data_index(lines, 2)
    lines[i] = "\t".join(lines[i].split("\t")[:5]) + "\n"


def other_contigs(lines):
    lines[:] = [line for line in lines if not line.startswith("##contig")]
    for i, line in enumerate(lines):
        if not line.startswith("#"):
            lines[i] = "chrUn_x" + line[line.index("\t"):]


def grch37(d):
    shutil.copy(ROOT / "test-data" / "vcf" / "bad" / "GRCh37_build.vcf", d / "old.vcf")
    return normalize(d, d / "old.vcf", column="OLDLAB_SAMPLE")


def ref_shift(lines):
    for n in range(0, 12):
        set_field(n, 1, str(int(lines[data_index(lines, n)].split("\t")[1]) + 1))(lines)


def bgzip_cut():
    data = DEMO_VCF.read_bytes()
    return data[: len(data) // 2]


def vcf_loop(d):
    os.symlink("b.vcf", d / "a.vcf")
    os.symlink("a.vcf", d / "b.vcf")
    return normalize(d, d / "a.vcf")


V = "VCF {d}/in.vcf: "
FIX = " — correct that record, or export the VCF again from the caller"

VCF_CASES = [
    Case("malformed GT", vcf_text(set_field(0, 9, "0/x:59:43:42,0:0")),
         V + "line 32 (2:233759924) cannot be read: GT '0/x' is not a genotype (e.g. 0/1, 1|0, ./.)" + FIX),
    Case("record with five columns", vcf_text(cut_columns),
         V + "line 34 (2:233760498) cannot be read: it has 5 tab-separated columns; a VCF record has at least 8" + FIX),
    Case("position that is not a number", vcf_text(set_field(1, 1, "2337x")),
         V + "line 33 (2:2337x) cannot be read: htslib: truncated file" + FIX),
    Case("GRCh37 contig lengths", grch37,
         "VCF {d}/old.vcf: contig chr1 is 249250621 bp in the VCF header (that is its GRCh37 length) but 248956422 "
         "bp in the reference GRCh38_demo.fa.gz: the VCF was made against another genome build — call the variants "
         "against GRCh38 (or lift them over) and give that VCF"),
    Case("REF alleles of another build", vcf_text(ref_shift),
         V + "7 of 40 REF alleles differ from the reference GRCh38_demo.fa.gz (2:233759925 REF C but reference has "
             "T; 2:233760234 REF CAT but reference has ATA; 2:233760974 REF C but reference has G): the VCF was made "
             "against another genome build — call the variants against GRCh38 (or lift them over) and give that VCF"),
    Case("sample column not in the VCF", vcf_text(lambda lines: None, column="NA12878"),
         V + "no sample column 'NA12878' (columns: OTHER_PATIENT, VCF001_DNA) — set vcf_sample in the sample sheet "
             "to one of the columns"),
    Case("contigs not in the reference", vcf_text(other_contigs),
         V + "none of its contigs (chrUn_x) is in the reference GRCh38_demo.fa.gz — check that the VCF is from a "
             "human GRCh38 alignment"),
    Case("no #CHROM line", vcf_text(lambda lines: lines.remove(next(x for x in lines if x.startswith("#CHROM")))),
         V + "its header is incomplete (no '#CHROM' line naming the columns after the ## lines) — export the VCF "
             "again from the caller"),
    Case("bgzip cut short", vcf_bytes(bgzip_cut),
         "VCF {d}/in.vcf.gz: the file is cut short (no BGZF end-of-file marker) — copy it again from its source, "
         "or export it again from the caller"),
    Case("FASTQ named .vcf", vcf_bytes(lambda: b"@r1\nACGT\n+\nFFFF\n", name="in.vcf"),
         V + "the file is FASTQ text, not a VCF — give the VCF (plain, gzip or bgzip text starting with "
             "##fileformat=VCF, or BCF)"),
    Case("BAM named .vcf.gz", vcf_bytes(lambda: (ROOT / "tests" / "data" / "tiny.bam").read_bytes()
                                        if (ROOT / "tests" / "data" / "tiny.bam").exists() else
                                        gzip.compress(b"BAM\x01" + bytes(64))),
         "VCF {d}/in.vcf.gz: the file is a BAM file (gzip-compressed), not a VCF — give the VCF (plain, gzip or "
         "bgzip text starting with ##fileformat=VCF, or BCF)"),
    Case("empty file", vcf_bytes(lambda: b""), "VCF {d}/in.vcf.gz: the file is empty — copy it again from its source"),
    Case("symlink loop", vcf_loop,
         "VCF {d}/a.vcf: a symbolic link that points to itself (a link loop) — make it point to the real file"),
    Case("missing file", lambda d: normalize(d, d / "gone.vcf"),
         "VCF {d}/gone.vcf: file not found — check the path in the sample sheet (vcf:)"),
]


def with_reference(prepare):
    """A builder: a copy of the demo reference (and the files `prepare` keeps) checked by check-vcf."""
    def build(d):
        shutil.copy(DEMO_VCF, d / "ok.vcf.gz")
        fasta = prepare(d)
        return ["check-vcf", d / "ok.vcf.gz", "--sample", "S1", "--column", "VCF001_DNA", "--reference", fasta]
    return build


def copy_ref(d, *suffixes):
    for s in ("", *suffixes):
        shutil.copy(f"{DEMO_REFERENCE}{s}", d / f"ref.fa.gz{s}")
    return d / "ref.fa.gz"


def plain_gzip_ref(d):
    with gzip.open(DEMO_REFERENCE, "rb") as src:
        (d / "ref.fa.gz").write_bytes(gzip.compress(src.read(200_000)))
    shutil.copy(f"{DEMO_REFERENCE}.fai", d / "ref.fa.gz.fai")
    return d / "ref.fa.gz"


def vcf_as_reference(d):
    shutil.copy(ROOT / "test-data" / "vcf" / "bad" / "GRCh37_build.vcf", d / "ref.fa")
    return d / "ref.fa"


def ref_loop(d):
    os.symlink("b.fa", d / "ref.fa")
    os.symlink("ref.fa", d / "b.fa")
    return d / "ref.fa"


R = "reference {d}/ref.fa.gz: "
REFERENCE_CASES = [
    Case("bgzipped reference without .gzi", with_reference(lambda d: copy_ref(d, ".fai")),
         R + "bgzip-compressed but without its ref.fa.gz.gzi index — run `samtools faidx {d}/ref.fa.gz` (writes the "
             ".fai and .gzi beside it); genotailor does not write into the reference's folder"),
    Case("reference without .fai", with_reference(lambda d: copy_ref(d, ".gzi")),
         R + "no index ref.fa.gz.fai — run `samtools faidx {d}/ref.fa.gz`"),
    Case("reference compressed with plain gzip", with_reference(plain_gzip_ref),
         R + "compressed with gzip, not bgzip, so it cannot be indexed — recompress it (gunzip -c {d}/ref.fa.gz | "
             "bgzip > GRCh38.fa.gz; samtools faidx GRCh38.fa.gz) or give the uncompressed FASTA"),
    Case("a VCF given as the reference", with_reference(vcf_as_reference),
         "reference {d}/ref.fa: the file is VCF text, not a FASTA — set reference.fasta in the config to the GRCh38 "
         "FASTA"),
    Case("reference missing", with_reference(lambda d: d / "ref.fa"),
         "reference {d}/ref.fa: file not found — check reference.fasta in the config"),
    Case("reference symlink loop", with_reference(ref_loop),
         "reference {d}/ref.fa: a symbolic link that points to itself (a link loop) — make it point to the real file"),
    Case("empty reference", with_reference(lambda d: (d / "ref.fa").write_text("") or d / "ref.fa"),
         "reference {d}/ref.fa: the file is empty — copy it again from its source"),
]


@pytest.mark.parametrize("case", VCF_CASES, ids=str)
def test_damaged_vcf_is_rejected_by_file_and_record(case, tmp_path, capfd):
    assert_rejected(case, tmp_path, capfd)
    assert not list(Path(tmp_path / "out").glob("S1.vcf.gz*"))


@pytest.mark.parametrize("case", REFERENCE_CASES, ids=str)
def test_unusable_reference_is_rejected_and_nothing_is_written_beside_it(case, tmp_path, capfd):
    assert_rejected(case, tmp_path, capfd)
