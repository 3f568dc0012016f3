"""The CYP2D6 structural haplotypes the copy-number tests simulate reads from.

Expected values come from the definitions (PharmVar: *5 is the whole-gene deletion, xN tandem
copies of the gene; *13-like hybrids carry CYP2D7 sequence at the 5' end of CYP2D6) and from the
real GRCh38 window itself, never from the builder: every 25-mer of a rearranged haplotype must
exist in the real window (nothing invented at the junctions)."""

from pathlib import Path

import pytest

from genotailor.dev.testdata import cyp2d6 as sim
from genotailor.dev.testdata.simulate import Variant
from genotailor.pgx.cyp2d6_locus import read_locus

ROOT = Path(__file__).resolve().parents[1]
WINDOW = ROOT / "tests" / "data" / "grch38" / "cyp2d_locus_window.fa"


@pytest.fixture(scope="module")
def locus():
    return sim.read_window(WINDOW), read_locus()


def _count(seq: bytes, window, span) -> int:
    piece = window.seq[window.index(span.start): window.index(span.end) + 1]
    return seq.count(piece)


def _kmers(seq: bytes, k=25) -> set:
    return {seq[i: i + k] for i in range(len(seq) - k + 1)}


def test_window_is_the_staged_grch38_locus(locus):
    window, features = locus
    assert (window.chrom, window.start, window.end) == ("chr22", 42120000, 42160000)
    # rs3892097 (CYP2D6*4, c.506-1G>A) is chr22:42128945 C>T on GRCh38 (minus-strand gene).
    assert window.seq[window.index(42128945)] == ord("C")
    assert features.genes["CYP2D6"].start == 42126499 and features.genes["CYP2D6"].end == 42130865


@pytest.mark.parametrize("copies, expected", [(0, 0), (1, 1), (2, 2), (3, 3)])
def test_every_cyp2d6_exon_occurs_once_per_gene_copy(locus, copies, expected):
    window, features = locus
    seq = sim.haplotype_sequence(window, features, sim.StructuralHaplotype("h", copies=copies))
    assert [_count(seq, window, features.exons[n]) for n in range(1, 10)] == [expected] * 9
    # the paralogs are untouched
    assert [_count(seq, window, features.homologs[("CYP2D7", n)]) for n in range(1, 10)] == [1] * 9


@pytest.mark.parametrize("copies", [0, 2])
def test_deletion_and_duplication_invent_no_sequence(locus, copies):
    window, features = locus
    seq = sim.haplotype_sequence(window, features, sim.StructuralHaplotype("h", copies=copies))
    assert _kmers(seq) <= _kmers(window.seq)


def test_hybrid_replaces_cyp2d6_exons_1_to_4_by_cyp2d7(locus):
    window, features = locus
    seq = sim.haplotype_sequence(window, features, sim.StructuralHaplotype("*13-like", hybrid_exon=4))
    assert [_count(seq, window, features.exons[n]) for n in range(1, 10)] == [0] * 4 + [1] * 5
    assert [_count(seq, window, features.homologs[("CYP2D7", n)]) for n in range(1, 10)] == [1] * 4 + [0] * 5
    assert _kmers(seq) <= _kmers(window.seq)


def test_planted_snv_is_carried_by_every_copy(locus):
    window, features = locus
    rs3892097 = Variant("chr22", 42128945, "C", "T")
    seq = sim.haplotype_sequence(window, features, sim.StructuralHaplotype("*4x2", 2, (rs3892097,)))
    i = window.index(42128945)
    context = window.seq[i - 15: i] + b"T" + window.seq[i + 1: i + 16]
    reference = window.seq[i - 15: i + 16]
    # CYP2D7 carries the same 31 bases: it keeps its copy, both CYP2D6 copies carry the T.
    assert seq.count(context) == 2 and seq.count(reference) == window.seq.count(reference) - 1 == 1


def test_snv_with_wrong_ref_is_refused(locus):
    window, features = locus
    with pytest.raises(ValueError, match="REF does not match"):
        sim.haplotype_sequence(window, features, sim.StructuralHaplotype("x", 1, (Variant("chr22", 42128945, "G", "A"),)))
