"""The hand-off: every VCF is checked against the reference and normalized the same way."""

import json
import random

import pysam
import pytest

from conftest import write_vcf
from genotailor.core.errors import InputError
from genotailor.core.vcf import normalize_vcf


@pytest.fixture
def ref(tmp_path):
    """A 2 kb 'chr10' and 'chr2' (seeded random sequence, with a TA repeat in chr2)."""
    rng = random.Random(7)
    chr10 = "".join(rng.choice("ACGT") for _ in range(2000))
    chr2 = "".join(rng.choice("ACGT") for _ in range(1000)) + "GCATATATATGC" + "".join(rng.choice("ACGT") for _ in range(988))
    fa = tmp_path / "ref.fa"
    fa.write_text(f">chr10\n{chr10}\n>chr2\n{chr2}\n")
    pysam.faidx(str(fa))
    return fa, {"chr10": chr10, "chr2": chr2}


def base(seq, pos, n=1):
    return seq[pos - 1 : pos - 1 + n]


def records_of(path):
    with pysam.VariantFile(str(path)) as vf:
        return [(r.chrom, r.pos, r.ref, r.alts, r.samples[0]["GT"]) for r in vf], list(vf.header.samples)


def test_external_vcf_is_renamed_split_left_aligned_and_reduced_to_its_sample(tmp_path, ref):
    fa, seq = ref
    s10, s2 = seq["chr10"], seq["chr2"]
    assert (base(s10, 100), base(s2, 1000, 13)) == ("G", "AGCATATATATGC")
    records = [
        "10\t100\t.\tG\tA\t50\tPASS\t.\tGT\t1/1\t0/1",
        "2\t1001\t.\tGC\tG,GCAT\t50\tPASS\t.\tGT\t0/0\t1/2",  # multi-allelic
        "2\t1008\t.\tTAT\tT\t50\tPASS\t.\tGT\t0/0\t0/1",  # AT deleted at the repeat's right end
    ]
    vcf = write_vcf(tmp_path / "outside.vcf", records, samples=("OTHER_PATIENT", "P1_DNA"),
                    contigs=(("10", 2000), ("2", 2000)))
    out = tmp_path / "results" / "P1-dna.vcf.gz"
    summary = normalize_vcf(vcf, "P1-dna", "P1_DNA", fa, out, tmp_path / "norm.json")
    recs, samples = records_of(out)
    assert samples == ["P1-dna"]  # the other patient's column is gone
    assert recs == [
        ("chr10", 100, "G", ("A",), (0, 1)),
        ("chr2", 1001, "GC", ("G",), (1, 0)),
        ("chr2", 1002, "C", ("CAT",), (0, 1)),
        ("chr2", 1002, "CAT", ("C",), (0, 1)),  # left-aligned to the start of the repeat
    ]
    assert summary.contig_renames == {"10": "chr10", "2": "chr2"}
    assert json.loads((tmp_path / "norm.json").read_text())["source_column"] == "P1_DNA"
    assert (tmp_path / "results" / "P1-dna.vcf.gz.tbi").exists()


def test_vcf_with_grch37_contig_lengths_is_rejected_by_name(tmp_path, ref):
    fa, seq = ref
    vcf = write_vcf(tmp_path / "old.vcf", [("chr10", 100, "G", "A", "0/1")], contigs=(("chr10", 135534747),))
    with pytest.raises(InputError) as e:
        normalize_vcf(vcf, "S1", None, fa, tmp_path / "out.vcf.gz")
    assert str(e.value) == (
        f"VCF {vcf}: contig chr10 is 135534747 bp in the VCF header (that is its GRCh37 length) but "
        "2000 bp in the reference ref.fa: the VCF was made against another genome build — call the "
        "variants against GRCh38 (or lift them over) and give that VCF"
    )
    assert not (tmp_path / "out.vcf.gz").exists()


def test_vcf_whose_ref_alleles_disagree_with_the_reference_is_another_build(tmp_path, ref):
    fa, seq = ref
    s10 = seq["chr10"]
    wrong = {"A": "C", "C": "G", "G": "T", "T": "A"}
    records = [("chr10", p, wrong[base(s10, p)], base(s10, p), "0/1") for p in (10, 20, 30, 40)]
    vcf = write_vcf(tmp_path / "shifted.vcf", records, contigs=(("chr10", None),))
    with pytest.raises(InputError) as e:
        normalize_vcf(vcf, "S1", None, fa, tmp_path / "out.vcf.gz")
    first = "; ".join(f"chr10:{p} REF {wrong[base(s10, p)]} but reference has {base(s10, p)}" for p in (10, 20, 30))
    assert str(e.value) == (
        f"VCF {vcf}: 4 of 4 REF alleles differ from the reference ref.fa ({first}): the VCF was made "
        "against another genome build — call the variants against GRCh38 (or lift them over) and give that VCF"
    )


def test_single_ref_mismatch_is_reported_as_a_damaged_file(tmp_path, ref):
    fa, seq = ref
    s10 = seq["chr10"]
    good = [("chr10", p, base(s10, p), "A" if base(s10, p) != "A" else "C", "0/1") for p in range(100, 1100, 25)]
    bad_ref = "A" if base(s10, 50) != "A" else "C"
    vcf = write_vcf(tmp_path / "edited.vcf", [("chr10", 50, bad_ref, base(s10, 50), "0/1"), *good],
                    contigs=(("chr10", 2000),))
    with pytest.raises(InputError, match=r"1 of 41 REF alleles differ .* the file is damaged or was edited"):
        normalize_vcf(vcf, "S1", None, fa, tmp_path / "out.vcf.gz")


def test_sample_column_must_exist(tmp_path, ref):
    fa, _ = ref
    vcf = write_vcf(tmp_path / "two.vcf", [], samples=("A", "B"))
    with pytest.raises(InputError) as e:
        normalize_vcf(vcf, "S1", "C", fa, tmp_path / "out.vcf.gz")
    assert str(e.value) == (
        f"VCF {vcf}: no sample column 'C' (columns: A, B) — set vcf_sample in the sample sheet to one of the columns"
    )


def test_several_columns_and_none_named_after_the_sample_is_an_error(tmp_path, ref):
    fa, _ = ref
    vcf = write_vcf(tmp_path / "two.vcf", [], samples=("A", "B"))
    with pytest.raises(InputError, match=r"2 sample columns \(A, B\) and none is named 'S1'"):
        normalize_vcf(vcf, "S1", None, fa, tmp_path / "out.vcf.gz")


def test_a_file_that_is_not_a_vcf_is_named(tmp_path, ref):
    fa, _ = ref
    bad = tmp_path / "reads.vcf"
    bad.write_text("@read1\nACGT\n+\nIIII\n")
    with pytest.raises(InputError, match=rf"VCF {bad}: the file is FASTQ text, not a VCF — give the VCF"):
        normalize_vcf(bad, "S1", None, fa, tmp_path / "out.vcf.gz")


def test_check_vcf_cli_rejects_the_shifted_demo_vcf_by_name(demo_reference, capsys):
    from genotailor.cli import main

    bad = demo_reference.parents[1] / "vcf" / "bad" / "ref_mismatch.vcf"
    assert main(["check-vcf", str(bad), "--sample", "X", "--reference", str(demo_reference)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"genotailor check-vcf: error: VCF {bad}: 16 of 16 REF alleles differ from the reference "
        "GRCh38_demo.fa.gz (chr1:97078990 REF G but reference has T; chr1:97078996 REF C but reference "
        "has A; chr2:233759927 REF C but reference has G): the VCF was made against another genome "
        "build — call the variants against GRCh38 (or lift them over) and give that VCF\n"
    )
