"""Consequence annotation on real GRCh38 transcripts (MANE Select models shipped in
workflow/resources/annotation/, real sequence of the demo reference's cancer windows)."""

import pysam
import pytest

from conftest import DEMO_REFERENCE, ROOT
from genotailor.core.consequence import annotate_vcf
from genotailor.core.kbfiles import read_hotspots
from genotailor.core.transcripts import UNRESOLVED, hgvs_p, models_by_gene, translate

GFF = ROOT / "workflow" / "resources" / "annotation" / "GRCh38.MANE_v1.5_Select.panel.gff3.gz"
HOTSPOTS = ROOT / "workflow" / "resources" / "oncology" / "hotspots.tsv"

RECORDS = [  # (chrom, pos, ref, alt) sorted as a VCF must be
    ("chr3", 179234297, "A", "G"),
    ("chr7", 55174771, "AGGAATTAAGAGAAGC", "A"),
    ("chr7", 55181378, "C", "T"),
    ("chr7", 55191822, "T", "G"),
    ("chr7", 140753250, "G", "A"),
    ("chr7", 140753274, "C", "T"),
    ("chr7", 140753336, "A", "T"),
    ("chr7", 140753394, "C", "T"),
    ("chr12", 25245342, "CT", "C"),
    ("chr12", 25245347, "C", "CTCC"),
    ("chr12", 25245350, "C", "A"),
    ("chr12", 25245351, "C", "A"),
]


@pytest.fixture(scope="module")
def annotated(tmp_path_factory):
    path = tmp_path_factory.mktemp("csq") / "calls.vcf"
    lines = ["##fileformat=VCFv4.2", "##contig=<ID=chr3,length=198295559>", "##contig=<ID=chr7,length=159345973>",
             "##contig=<ID=chr12,length=133275309>", "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"]
    lines += [f"{c}\t{p}\t.\t{r}\t{a}\t.\tPASS\t." for c, p, r, a in RECORDS]
    path.write_text("\n".join(lines) + "\n")
    return annotate_vcf(path, DEMO_REFERENCE, GFF)


def fields(a):
    return (a.gene, a.transcript, a.consequence, a.hgvs_c, a.hgvs_p, a.hgvs_p3)


def test_braf_v600e_on_the_minus_strand(annotated):
    a = annotated[("chr7", 140753336, "A", "T")]
    assert fields(a) == ("BRAF", "ENST00000646891", "missense_variant", "c.1799T>A", "p.V600E", "p.Val600Glu")
    assert (a.refseq, a.exon, a.codon) == ("NM_004333.6", 15, 600)


def test_egfr_l858r_and_t790m(annotated):
    assert fields(annotated[("chr7", 55191822, "T", "G")]) == (
        "EGFR", "ENST00000275493", "missense_variant", "c.2573T>G", "p.L858R", "p.Leu858Arg")
    assert annotated[("chr7", 55181378, "C", "T")].hgvs_p == "p.T790M"


def test_egfr_exon19_deletion_is_an_inframe_deletion_in_exon_19(annotated):
    a = annotated[("chr7", 55174771, "AGGAATTAAGAGAAGC", "A")]
    assert fields(a) == ("EGFR", "ENST00000275493", "inframe_deletion", "c.2235_2249del", "p.E746_A750del",
                         "p.Glu746_Ala750del")
    assert a.exon == 19


def test_two_kras_snvs_a_base_apart_stay_two_changes(annotated):
    # unphased calls: bcftools csq -l, so codon 12 is not merged into one haplotype (12G>12F)
    assert annotated[("chr12", 25245351, "C", "A")].hgvs_p == "p.G12C"
    assert annotated[("chr12", 25245351, "C", "A")].hgvs_c == "c.34G>T"
    assert annotated[("chr12", 25245350, "C", "A")].hgvs_p3 == "p.Gly12Val"


def test_pik3ca_h1047r_plus_strand(annotated):
    assert fields(annotated[("chr3", 179234297, "A", "G")])[2:] == (
        "missense_variant", "c.3140A>G", "p.H1047R", "p.His1047Arg")


def test_intronic_and_splice_site_variants_get_offset_c_positions_and_no_protein_change(annotated):
    intron = annotated[("chr7", 140753250, "G", "A")]
    assert (intron.consequence, intron.hgvs_c, intron.hgvs_p) == ("intron_variant", "c.1860+25C>T", None)
    donor = annotated[("chr7", 140753274, "C", "T")]
    assert (donor.consequence, donor.hgvs_c, donor.hgvs_p) == ("splice_donor_variant", "c.1860+1G>A", None)
    acceptor = annotated[("chr7", 140753394, "C", "T")]
    assert (acceptor.consequence, acceptor.hgvs_c, acceptor.truncating) == (
        "splice_acceptor_variant", "c.1742-1G>A", True)


def test_minus_strand_frameshift_and_inframe_insertion(annotated):
    fs = annotated[("chr12", 25245342, "CT", "C")]
    assert (fs.consequence, fs.hgvs_c, fs.hgvs_p) == ("frameshift_variant", "c.42del", "p.G15fs")
    ins = annotated[("chr12", 25245347, "C", "CTCC")]
    assert (ins.consequence, ins.hgvs_c, ins.hgvs_p) == ("inframe_insertion", "c.38_39insGAG", "p.G13_V14insS")


def test_codon_running_into_n_filled_reference_is_not_translated():
    # BRAF codon 581 starts in exon 14, which the demo reference fills with N
    braf = models_by_gene(str(GFF))["BRAF"]
    with pysam.FastaFile(str(DEMO_REFERENCE)) as fasta:
        p = hgvs_p(fasta, braf, 140753393, "T", "C")
    assert (p.hgvs_p, p.note) == (None, UNRESOLVED)


def test_knowledge_base_gene_models_give_the_hotspot_reference_amino_acids():
    # every SNV hotspot in the real windows: the model's codon translates to the hotspot's reference residue
    models = models_by_gene(str(GFF))
    checked = 0
    with pysam.FastaFile(str(DEMO_REFERENCE)) as fasta:
        for h in read_hotspots(HOTSPOTS):
            if len(h["ref"]) != 1 or len(h["alt"]) != 1:
                continue
            t = models[h["gene"]]
            aa_ref, codon = h["protein_change"][2], int("".join(ch for ch in h["protein_change"][3:] if ch.isdigit()))
            seq = t.cds_sequence(fasta, codon * 3 - 2, codon * 3)
            if "N" in seq:
                continue  # codon spans into N-filled demo sequence
            assert translate(seq) == aa_ref, (h["gene"], h["protein_change"])
            checked += 1
    assert checked >= 370
