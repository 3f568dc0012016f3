"""HGVS c./p. and consequence of well-known variants, against their published descriptions on the
MANE Select transcript — not against the engine's own earlier output.

Sources of each expected value (facts only):
- CIViC variant summaries (release 01-Aug-2024; variant id given): c. and p. on the RefSeq
  transcript (its GRCh37 position is moved to GRCh38 by the BRAF/KRAS offsets the V600E and G12D
  rows fix, or CIViC's own NC_000007.14 description);
- ClinVar (VariationID given): GRCh38 position, and the shipped table's ClinVar g. (3'-shifted);
- the cancer hotspot table (workflow/resources/oncology/hotspots.tsv source): left-aligned GRCh38
  VCF alleles and protein change of the EGFR and BRAF duplications;
- where a c. is worked by hand (BRAF T599dup, BRCA2 c.5del), the working is in the comment, from the
  GRCh38 bases of the demo reference's real-sequence windows and the HGVS 3' rule.
"""

from __future__ import annotations

import pysam
import pytest

from conftest import DEMO_REFERENCE
from genotailor.core.consequence import annotate_allele, run_csq_sites
from genotailor.core.paths import TRANSCRIPT_MODELS
from genotailor.core.transcripts import models_by_gene

# (chrom, pos, ref, alt) GRCh38 VCF alleles -> (gene, RefSeq transcript, c., p. three-letter, consequence or None)
KNOWN = {
    # CIViC 12, ClinVar 13961: NM_004333.4:c.1799T>A NP_004324.2:p.Val600Glu (GRCh37 7:140453136 = GRCh38 140753336)
    ("chr7", 140753336, "A", "T"): ("BRAF", "NM_004333.6", "c.1799T>A", "p.Val600Glu", "missense_variant"),
    # ClinVar 16609: EGFR NM_005228.5:c.2573T>G p.Leu858Arg
    ("chr7", 55191822, "T", "G"): ("EGFR", "NM_005228.5", "c.2573T>G", "p.Leu858Arg", "missense_variant"),
    # ClinVar 12582: KRAS NM_004985.5:c.35G>A p.Gly12Asp (GRCh37 12:25398284 = GRCh38 25245350)
    ("chr12", 25245350, "C", "T"): ("KRAS", "NM_004985.5", "c.35G>A", "p.Gly12Asp", "missense_variant"),
    # ClinVar 13652: PIK3CA NM_006218.4:c.3140A>G p.His1047Arg
    ("chr3", 179234297, "A", "G"): ("PIK3CA", "NM_006218.4", "c.3140A>G", "p.His1047Arg", "missense_variant"),
    # CIViC 563: BRAF V600K NM_004333.4:c.1798_1799delinsAA p.Val600Lys (GRCh37 140453136_140453137delinsTT)
    ("chr7", 140753336, "AC", "TT"): ("BRAF", "NM_004333.6", "c.1798_1799delinsAA", "p.Val600Lys", None),
    # CIViC 11: BRAF V600D NM_004333.4:c.1799_1800delinsAT p.Val600Asp (GRCh37 140453135_140453136 CA>AT)
    ("chr7", 140753335, "CA", "AT"): ("BRAF", "NM_004333.6", "c.1799_1800delinsAT", "p.Val600Asp", None),
    # CIViC 1517: KRAS G13V NM_004985.4:c.38_39delinsTT p.Gly13Val (GRCh37 25398280_25398281 GC>AA)
    ("chr12", 25245346, "GC", "AA"): ("KRAS", "NM_004985.5", "c.38_39delinsTT", "p.Gly13Val", None),
    # CIViC 1580: EGFR L747_S752delinsQ NC_000007.14:g.55174776_55174793delinsCAA,
    # NM_005228.5:c.2239_2256delinsCAA, NP_005219.2:p.Leu747_Ser752delinsGln
    ("chr7", 55174776, "TTAAGAGAAGCAACATCT", "CAA"): ("EGFR", "NM_005228.5", "c.2239_2256delinsCAA",
                                                      "p.Leu747_Ser752delinsGln", None),
    # CIViC 1445: NC_000007.14:g.55181312_55181320dup, NM_005228.5:c.2303_2311dup; left-aligned in VCF
    # it is 55181309 C>CCAGCGTGGA, the hotspot table's p.S768_D770dup (HGVS: a duplication is a dup,
    # CIViC's p.Asp770_Asn771insSerValAsp describes the same protein)
    ("chr7", 55181309, "C", "CCAGCGTGGA"): ("EGFR", "NM_005228.5", "c.2303_2311dup", "p.Ser768_Asp770dup",
                                            "inframe_insertion"),
    # Minus strand: the hotspot table's BRAF p.T599dup, 140753338 T>TGTA. Worked by hand: codon 599 is
    # c.1795-1797 = reverse complement of g.140753338-140753340 (T G T) = ACA (Thr); GTA inserted after
    # g.140753338 is TAC inserted between c.1796 and c.1797, equal to c.1794-1796 (T A C, g.140753341 A
    # complemented = T) and not shiftable 3' (c.1797 is A, not T): c.1794_1796dup
    ("chr7", 140753338, "T", "TGTA"): ("BRAF", "NM_004333.6", "c.1794_1796dup", "p.Thr599dup", "inframe_insertion"),
    # ClinVar 9325 (expert panel): BRCA2 c.5946del p.Ser1982fs (6174delT, p.Ser1982ArgfsTer22); shipped
    # table: chr13 32340300 GT>G, NC_000013.11:g.32340301del
    ("chr13", 32340300, "GT", "G"): ("BRCA2", "NM_000059.4", "c.5946del", "p.Ser1982fs", "frameshift_variant"),
    # ClinVar 51985 (expert panel): shipped table chr13 32316463 GC>G, g.32316465del. The ATG is
    # g.32316461-32316463 (ClinVar 51063 c.10G>T is g.32316470); g.32316464-32316465 are c.4-5 (CC of
    # Pro2's CCT): deleting one C is c.5del by the 3' rule, a frameshift at Pro2
    ("chr13", 32316463, "GC", "G"): ("BRCA2", "NM_000059.4", "c.5del", "p.Pro2fs", "frameshift_variant"),
}


@pytest.fixture(scope="module")
def annotated():
    sites = sorted(KNOWN, key=lambda k: (k[0], k[1], k[2], k[3]))
    by_chrom = {}
    for s in sites:
        by_chrom.setdefault(s[0], []).append(s)
    models = models_by_gene(str(TRANSCRIPT_MODELS))
    out = {}
    with pysam.FastaFile(str(DEMO_REFERENCE)) as fasta:
        for chrom, chrom_sites in by_chrom.items():
            csq = run_csq_sites(chrom_sites, str(DEMO_REFERENCE), str(TRANSCRIPT_MODELS), [chrom])
            for key in chrom_sites:
                out[key] = annotate_allele(fasta, models, *key, csq.get(key, []))
    return out


@pytest.mark.parametrize("key", list(KNOWN), ids=[f"{v[0]}-{v[2]}" for v in KNOWN.values()])
def test_hgvs_equals_the_published_description(annotated, key):
    gene, refseq, c, p3, consequence = KNOWN[key]
    got = annotated[key]
    assert (got.gene, got.refseq, got.hgvs_c, got.hgvs_p3) == (gene, refseq, c, p3)
    if consequence is not None:
        assert got.consequence == consequence


def test_the_reference_alleles_are_the_grch38_bases_of_the_demo_reference():
    with pysam.FastaFile(str(DEMO_REFERENCE)) as fasta:
        for chrom, pos, ref, _ in KNOWN:
            assert fasta.fetch(chrom, pos - 1, pos - 1 + len(ref)).upper() == ref, (chrom, pos)
