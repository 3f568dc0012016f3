"""Bad-input corpus: FASTQ pairs. `genotailor align` (the command the workflow's alignment job runs)
stops on a damaged pair with a message naming the file and the read, and leaves no BAM behind.
fastp alone would exit 0 on most of these (it logs "sequence and quality have different length"
and aligns the reads before the damage)."""

import gzip
import random

import pytest
from corpus import Case, assert_rejected

from conftest import tiny_reference

N = 40


@pytest.fixture(scope="module")
def ref(tmp_path_factory):
    d = tmp_path_factory.mktemp("fastq-ref")
    fa, seq = tiny_reference(d, random.Random(8))
    return d / "ref.mmi", seq


SEQ = None  # set by the fixture below for the builders


@pytest.fixture(autouse=True)
def _seq(ref):
    global SEQ
    SEQ = ref[1]


def records(read, n=N, name=lambda i, r: f"@r{i} {r}:N:0:1"):
    rng = random.Random(read)
    out = []
    for i in range(n):
        start = rng.randrange(0, len(SEQ) - 400)
        frag = SEQ[start:start + 300]
        s = frag[:100] if read == 1 else frag[-100:][::-1].translate(str.maketrans("ACGT", "TGCA"))
        out.append(f"{name(i, read)}\n{s}\n+\n{'F' * 100}\n")
    return out


def write(path, text: str):
    if str(path).endswith(".gz"):
        with gzip.open(path, "wt") as fh:
            fh.write(text)
    else:
        path.write_text(text)
    return path


def pair(r1_text=None, r2_text=None, r1="r1.fq.gz", r2="r2.fq.gz"):
    """A builder writing the pair (default: N good records each) and returning `genotailor align` argv."""
    def build(d):
        a = write(d / r1, "".join(records(1)) if r1_text is None else r1_text())
        b = write(d / r2, "".join(records(2)) if r2_text is None else r2_text())
        return align_argv(a, b, d.parent / "out")
    return build


def align_argv(r1, r2, out_dir):
    out_dir.mkdir(exist_ok=True)
    return ["align", "--r1", r1, "--r2", r2, "--aligner", "minimap2", "--index", INDEX[0],
            "--read-group", r"@RG\tID:u\tSM:S1", "--fastp-json", out_dir / "u.fastp.json", "--out", out_dir / "u.bam"]


INDEX = []


@pytest.fixture(autouse=True)
def _index(ref):
    INDEX[:] = [ref[0]]


def raw(build):
    """A builder writing bytes it makes from the folder."""
    def b(d):
        r1 = d / "r1.fq.gz"
        build(d, r1)
        r2 = write(d / "r2.fq.gz", "".join(records(2)))
        return align_argv(r1, r2, d.parent / "out")
    return b


def truncated_gzip(d, r1):
    write(r1, "".join(records(1)))
    data = r1.read_bytes()
    r1.write_bytes(data[: len(data) // 2])


def corrupted_gzip(d, r1):
    write(r1, "".join(records(1)))
    data = bytearray(r1.read_bytes())
    for i in range(40, 60):
        data[i] ^= 0xFF
    r1.write_bytes(bytes(data))


def binary(d, r1):
    rng = random.Random(1)
    r1.write_bytes(bytes(rng.randrange(256) for _ in range(2000)))


def empty_gzip(d, r1):
    write(r1, "")


def empty_file(d, r1):
    r1.write_bytes(b"")


def cut_mid_quality():
    text = "".join(records(1))
    return text[: text.index("+\n", len(text) // 2) + 2 + 37]


def short_quality_in_the_middle():
    recs = records(1)
    recs[5] = recs[5].replace("F" * 100, "F" * 99)
    return "".join(recs)


def missing_plus():
    recs = records(1)
    recs[3] = recs[3].replace("\n+\n", "\n-\n")
    return "".join(recs)


def blank_line():
    recs = records(1)
    recs[7] = "\n" + recs[7]
    return "".join(recs)


def fasta():
    return "".join(f">r{i}\n{'ACGT' * 25}\n" for i in range(N))


def other_lane():
    return "".join(records(2, name=lambda i, r: f"@L2r{i} {r}:N:0:1"))


F = "FASTQ {d}/r1.fq.gz: "
DAMAGED = " — the file is damaged or cut short — copy it again from its source"

CASES = [
    Case("gzip cut short", raw(truncated_gzip),
         F + "the gzip stream ends after read 15 without its end marker (cut short)" + DAMAGED),
    Case("gzip data damaged", raw(corrupted_gzip),
         F + "the file is binary data of an unknown format, not FASTQ — give the FASTQ files (plain or "
             "gzip-compressed) from the sequencer or demultiplexer"),
    Case("plain FASTQ cut inside a quality line", pair(cut_mid_quality, r1="r1.fq"),
         "FASTQ {d}/r1.fq: read 21 (line 81) has 100 bases but 37 quality values (sequence and quality have "
         "different lengths)" + DAMAGED),
    Case("a record with a short quality line", pair(short_quality_in_the_middle),
         F + "read 6 (line 21) has 100 bases but 99 quality values (sequence and quality have different lengths)"
         + DAMAGED),
    Case("a record without its '+' line", pair(missing_plus), F + "read 4 (line 15) has no '+' separator line" + DAMAGED),
    Case("a blank line between records", pair(blank_line),
         F + "read 8 (line 29) does not start with '@' — it is not a FASTQ record" + DAMAGED),
    Case("R2 has fewer reads", pair(r2_text=lambda: "".join(records(2)[:-3])),
         "FASTQ {d}/r2.fq.gz: ends after 37 reads but its mate {d}/r1.fq.gz has more — R1 and R2 must hold the "
         "same reads; copy the shorter file again (it may be cut short)"),
    Case("R1 has fewer reads", pair(lambda: "".join(records(1)[:10])),
         F + "ends after 10 reads but its mate {d}/r2.fq.gz has more — R1 and R2 must hold the same reads; copy "
             "the shorter file again (it may be cut short)"),
    Case("R2 from another lane", pair(r2_text=other_lane),
         "FASTQ {d}/r2.fq.gz: read 1 is L2r0 but read 1 of {d}/r1.fq.gz is r0 — the files are not mates (R2 of "
         "another lane or sample?); give the R1 and R2 of the same unit"),
    Case("FASTA given as FASTQ", pair(fasta),
         F + "the file is FASTA (no base qualities), not FASTQ — give the FASTQ files from the sequencer or "
             "demultiplexer"),
    Case("binary data", raw(binary),
         F + "the file is binary data of an unknown format, not FASTQ — give the FASTQ files (plain or "
             "gzip-compressed) from the sequencer or demultiplexer"),
    Case("empty file", raw(empty_file), F + "the file is empty — copy it again from its source"),
    Case("gzip with no reads", raw(empty_gzip),
         F + "the file is empty, not FASTQ — give the FASTQ files (plain or gzip-compressed) from the sequencer "
             "or demultiplexer"),
    Case("missing file", lambda d: align_argv(d / "r1.fq.gz", write(d / "r2.fq.gz", "".join(records(2))), d.parent / "out"),
         F + "file not found — check the path in the sample sheet (units: r1/r2)"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_damaged_fastq_pair_stops_the_unit_and_leaves_no_bam(case, tmp_path, capfd):
    assert_rejected(case, tmp_path, capfd)
    assert not (tmp_path / "out" / "u.bam").exists()
    assert not (tmp_path / "out" / "u.fastp.json").exists()
