"""What the somatic stage lists and what it only counts, and what it says about each listed variant.

A synthetic Mutect2-style VCF on the demo reference's real GRCh38 windows (the bench's generator,
1,500 records) is read two ways:
- the interval pre-filter loses nothing: `genotailor somatic` lists exactly what annotating every
  allele (`annotate_vcf`, bcftools csq + HGVS on all of them) would list, and counts the rest the
  same way (a check of the pre-filter against the full path, not of the annotation itself);
- the annotation itself, against an oracle that shares no code with it: for every single-base
  substitution the test reads the MANE Select models from the shipped GFF3 itself, splices the
  exons, reads the codon from the reference, translates it with the standard genetic code (NCBI
  table 1) and names the change by the HGVS rules (c. numbering from the A of the ATG, intronic
  c.N+d/c.N-d from the nearer exon, stop loss `ext*N` counted to the next in-frame stop in the
  3' UTR) and the Sequence Ontology terms (splice donor/acceptor: the intron's first/last two
  bases; splice region: 1-3 exonic or 3-8 intronic bases from an exon-intron boundary);
- published descriptions of known variants on their MANE transcripts, listed through the same
  command path (ClinVar VariationIDs in the comments).
"""

import gzip
import json
from collections import Counter
from dataclasses import dataclass, field

import pysam
import pytest

from conftest import DEMO_REFERENCE, write_vcf
from genotailor.core.consequence import REPORTED, annotate_vcf
from genotailor.core.paths import HOTSPOTS, ONCOLOGY_KB, TRANSCRIPT_MODELS
from genotailor.dev.bench import CODING_DENSE, synthetic_tumour_vcf
from genotailor.oncology.run import run_somatic
from genotailor.oncology.tmb import TmbSettings


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    vcf = synthetic_tumour_vcf(tmp_path_factory.mktemp("listing") / "t.vcf.gz", records=1500, seed=7,
                               coding_share=CODING_DENSE)
    full = annotate_vcf(vcf, DEMO_REFERENCE, TRANSCRIPT_MODELS)
    with pysam.VariantFile(str(vcf)) as vf:
        passed = {(r.chrom, r.pos, r.ref, r.alts[0]) for r in vf if list(r.filter.keys()) in ([], ["PASS"])}
    return vcf, {k: v for k, v in full.items() if k in passed}


@pytest.fixture(scope="module")
def listing(synthetic):
    vcf, _ = synthetic
    return run_somatic(vcf, "TUMOR", "LUAD", DEMO_REFERENCE, TRANSCRIPT_MODELS, ONCOLOGY_KB, HOTSPOTS, TmbSettings(),
                       normal="NORMAL")


def test_the_prefilter_lists_exactly_what_annotating_every_allele_lists_and_counts_the_rest_alike(synthetic, listing):
    vcf, full = synthetic
    doc = listing
    listed = {(v["chrom"], v["pos"], v["ref"], v["alt"]): v for v in doc["somatic"]}
    wanted = {k for k, c in full.items() if c.consequence in REPORTED}
    assert set(listed) == wanted and len(wanted) > 200
    for k, v in listed.items():
        c = full[k]
        assert (v["consequence"], v["hgvs_c"], v["protein_change"], v["exon"]) == (c.consequence, c.hgvs_c, c.hgvs_p,
                                                                                    c.exon)
    counted = Counter(c.consequence for k, c in full.items() if k not in wanted)
    assert doc["other_variants"]["by_consequence"] == dict(counted)
    assert doc["other_variants"]["count"] + len(listed) == len(full)
    assert {"intron_variant", "intergenic_variant", "synonymous_variant"} <= set(counted)


def test_synonymous_variants_are_counted_not_listed_and_enter_tmb_only_when_the_config_says_so(synthetic, tmp_path):
    vcf, full = synthetic
    panel = tmp_path / "all.bed"
    panel.write_text("".join(f"chr{c}\t0\t250000000\n" for c in [*range(1, 23), "X"]))
    docs = {syn: run_somatic(vcf, "TUMOR", "LUAD", DEMO_REFERENCE, TRANSCRIPT_MODELS, ONCOLOGY_KB, HOTSPOTS,
                             TmbSettings(count_synonymous=syn, min_callable_mb=0.0), normal="NORMAL", panel=panel)
            for syn in (False, True)}
    assert json.dumps(docs[False]["somatic"]) == json.dumps(docs[True]["somatic"])
    assert not any(v["consequence"] == "synonymous_variant" for v in docs[True]["somatic"])
    # the synonymous variants' own counts, read the same way: VAF >= 0.05 and depth >= 50
    syn = {k for k, c in full.items() if c.consequence == "synonymous_variant"}
    extra = 0
    with pysam.VariantFile(str(vcf)) as vf:
        for r in vf:
            if (r.chrom, r.pos, r.ref, r.alts[0]) in syn:
                ref_reads, alt_reads = r.samples["TUMOR"]["AD"]
                extra += alt_reads / (ref_reads + alt_reads) >= 0.05 and ref_reads + alt_reads >= 50
    assert extra > 10
    assert docs[True]["tmb"]["mutations"] == docs[False]["tmb"]["mutations"] + extra


# --- the oracle: the test's own reading of the models, the reference and the genetic code -------------

_BASES = "TCAG"
_AMINO = "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG"  # NCBI table 1, bases in TCAG order
CODE = {a + b + c: _AMINO[16 * i + 4 * j + k] for i, a in enumerate(_BASES) for j, b in enumerate(_BASES)
        for k, c in enumerate(_BASES)}
_PAIR = str.maketrans("ACGTN", "TGCAN")
NOT_LISTED = {"utr", "synonymous_variant", "intron_variant", "outside"}


@dataclass
class Model:
    """One MANE Select transcript as the GFF3 gives it; exons and CDS in the transcript's direction."""

    gene: str
    transcript: str
    refseq: str | None
    chrom: str
    minus: bool
    exons: list = field(default_factory=list)
    cds: list = field(default_factory=list)
    span: tuple = (0, 0)  # first and last exonic base on the genome


def read_models(path) -> list[Model]:
    genes, models = {}, {}
    with gzip.open(path, "rt") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            f = line.rstrip("\n").split("\t")
            attrs = dict(kv.split("=", 1) for kv in f[8].split(";") if "=" in kv)
            if f[2] == "gene":
                genes[attrs["ID"]] = attrs["Name"]
            elif f[2] == "mRNA":
                models[attrs["ID"]] = Model(genes[attrs["Parent"]], attrs["transcript_id"], attrs.get("refseq_nuc"),
                                            f[0], f[6] == "-")
            elif f[2] in ("exon", "CDS"):
                m = models[attrs["Parent"]]
                (m.exons if f[2] == "exon" else m.cds).append((int(f[3]), int(f[4])))
    for m in models.values():
        m.exons.sort(reverse=m.minus)
        m.cds.sort(reverse=m.minus)
        m.span = (min(s for s, _ in m.exons), max(e for _, e in m.exons))
    return list(models.values())


_SPLICED: dict = {}


def _spliced(m: Model):
    """The exonic genomic positions in transcript order, and each one's index in that list."""
    if m.transcript not in _SPLICED:
        spliced = [p for s, e in m.exons for p in (range(e, s - 1, -1) if m.minus else range(s, e + 1))]
        _SPLICED[m.transcript] = spliced, {p: i for i, p in enumerate(spliced)}
    return _SPLICED[m.transcript]


def expected(m: Model, fasta, pos: int, ref: str, alt: str):
    """(consequence, HGVS c., HGVS p. one-letter, exon number) of the SNV `ref`>`alt` at `pos` on `m`;
    None more than 8 bases outside the transcript."""
    if not m.span[0] - 8 <= pos <= m.span[1] + 8:
        return None
    spliced, index = _spliced(m)
    first = index[m.cds[0][1] if m.minus else m.cds[0][0]]  # the A of the ATG
    last = index[m.cds[-1][0] if m.minus else m.cds[-1][1]]  # the last base of the stop codon

    def c_of(p):
        i = index[p]
        return f"-{first - i}" if i < first else f"*{i - last}" if i > last else str(i - first + 1)

    def bases(ps):
        text = "".join(fasta.fetch(m.chrom, p - 1, p).upper() for p in ps)
        return text.translate(_PAIR) if m.minus else text

    r, a = (ref.translate(_PAIR), alt.translate(_PAIR)) if m.minus else (ref, alt)
    if pos not in index:
        for n, ((s1, e1), (s2, e2)) in enumerate(zip(m.exons, m.exons[1:]), 1):
            donor, acceptor = (s1, e2) if m.minus else (e1, s2)  # last base of exon n, first of exon n+1
            d_don, d_acc = abs(pos - donor), abs(acceptor - pos)
            if min(s1, s2) < pos < max(e1, e2) and pos not in index:
                c = f"c.{c_of(donor)}+{d_don}" if d_don <= d_acc else f"c.{c_of(acceptor)}-{d_acc}"
                kind = ("splice_donor_variant" if d_don <= 2 else "splice_acceptor_variant" if d_acc <= 2
                        else "splice_region_variant" if min(d_don, d_acc) <= 8 else "intron_variant")
                return kind, f"{c}{r}>{a}", None, None
        return "outside", None, None, None
    exon = next(n for n, (s, e) in enumerate(m.exons, 1) if s <= pos <= e)
    s, e = m.exons[exon - 1]
    from_start, to_end = (e - pos, pos - s) if m.minus else (pos - s, e - pos)
    splice = (exon > 1 and from_start < 3) or (exon < len(m.exons) and to_end < 3)
    c = f"c.{c_of(pos)}{r}>{a}"
    i = index[pos]
    if not first <= i <= last:
        return ("splice_region_variant" if splice else "utr"), c, None, exon
    k = i - first
    start = first + k - k % 3
    codon = bases(spliced[start:start + 3])
    assert codon[k % 3] == r, (m.gene, pos, codon, r)
    if "N" in codon:
        return "unknown", c, None, exon
    aa, new, n = CODE[codon], CODE[codon[:k % 3] + a + codon[k % 3 + 1:]], k // 3 + 1
    if aa == new:
        return ("splice_region_variant" if splice else "synonymous_variant"), c, None, exon
    if n == 1:
        return "start_lost", c, "p.M1?", exon
    if aa == "*":  # HGVS: p.*{n}{new}ext*{position of the new stop, counted from the codon after the old}
        tail = bases(spliced[start + 3:])
        codons = [tail[j:j + 3] for j in range(0, len(tail) - 2, 3)]
        stop = next((j for j, x in enumerate(codons, 1) if "N" in x or CODE[x] == "*"), None)
        known = stop is not None and "N" not in codons[stop - 1]
        return "stop_lost", c, f"p.*{n}{new}ext*{stop if known else '?'}", exon
    return ("stop_gained" if new == "*" else "missense_variant"), c, f"p.{aa}{n}{new}", exon


def test_every_listed_snv_has_the_hgvs_and_consequence_the_tests_own_translation_gives(synthetic, listing):
    vcf, _ = synthetic
    listed = {(v["chrom"], v["pos"], v["ref"], v["alt"]): v for v in listing["somatic"]}
    models = read_models(TRANSCRIPT_MODELS)
    fasta = pysam.FastaFile(str(DEMO_REFERENCE))
    checked, kinds, wrong = 0, Counter(), []
    with pysam.VariantFile(str(vcf)) as vf:
        for rec in vf:
            key = (rec.chrom, rec.pos, rec.ref, rec.alts[0])
            if list(rec.filter.keys()) not in ([], ["PASS"]) or len(rec.ref) != 1 or len(rec.alts[0]) != 1:
                continue
            ours = [(m.gene, m.transcript, m.refseq, *x) for m in models if m.chrom == rec.chrom
                    for x in [expected(m, fasta, rec.pos, rec.ref, rec.alts[0])] if x and x[0] not in NOT_LISTED]
            v = listed.get(key)
            if v is None:
                if ours:
                    wrong.append(("not listed", key, ours))
                continue
            checked += 1
            got = (v["gene"], v["transcript"], v["refseq"], v["consequence"], v["hgvs_c"], v["protein_change"], v["exon"])
            kinds[v["consequence"]] += 1
            if got not in ours:
                wrong.append(("differs", key, got, ours))
    assert wrong == []
    # the check reached every kind of listed substitution the file holds (all but 26 of the 379 listed)
    assert checked == 353
    assert kinds == {"missense_variant": 319, "stop_gained": 28, "splice_region_variant": 4, "stop_lost": 1,
                     "splice_acceptor_variant": 1}


# (chrom, pos, ref, alt) GRCh38 -> (gene, MANE transcript, RefSeq, consequence, c., p., exon) as published
PUBLISHED = {
    # ClinVar 13961: NM_004333.6(BRAF):c.1799T>A (p.Val600Glu), exon 15
    ("chr7", 140753336, "A", "T"): ("BRAF", "ENST00000646891", "NM_004333.6", "missense_variant", "c.1799T>A",
                                    "p.V600E", 15),
    # ClinVar 16609: NM_005228.5(EGFR):c.2573T>G (p.Leu858Arg), exon 21
    ("chr7", 55191822, "T", "G"): ("EGFR", "ENST00000275493", "NM_005228.5", "missense_variant", "c.2573T>G",
                                   "p.L858R", 21),
    # ClinVar 12583: NM_004985.5(KRAS):c.35G>T (p.Gly12Val), exon 2; GRCh38 chr12:25245350 C>A
    ("chr12", 25245350, "C", "A"): ("KRAS", "ENST00000311936", "NM_004985.5", "missense_variant", "c.35G>T",
                                    "p.G12V", 2),
    # Worked by hand from the GRCh38 bases chr3:179234362-179234379, TGA AAA GAT AAC TGA (PIK3CA is on the
    # plus strand): c.3205-3207 TGA is the stop codon of NM_006218.4 (1068 amino acids, stop = codon 1069);
    # c.3207A>T makes TGT (Cys); the 3' UTR reads on AAA GAT AAC (Lys Asp Asn) to TGA, the 4th codon after
    # the old stop: p.*1069Cysext*4 (HGVS extension)
    ("chr3", 179234364, "A", "T"): ("PIK3CA", "ENST00000263967", "NM_006218.4", "stop_lost", "c.3207A>T",
                                    "p.*1069Cext*4", 21),
}


def test_published_variants_are_listed_with_their_published_hgvs_on_the_mane_transcript(tmp_path):
    header = '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">'
    lines = [f"{c}\t{p}\t.\t{r}\t{a}\t50\tPASS\t.\tGT:AD\t0/1:60,40" for c, p, r, a in sorted(PUBLISHED)]
    vcf = write_vcf(tmp_path / "known.vcf.gz", lines, samples=("T",), extra_header=header,
                    contigs=(("chr12", 133275309), ("chr3", 198295559), ("chr7", 159345973)))
    doc = run_somatic(vcf, "T", "LUAD", DEMO_REFERENCE, TRANSCRIPT_MODELS, ONCOLOGY_KB, HOTSPOTS, TmbSettings())
    got = {(v["chrom"], v["pos"], v["ref"], v["alt"]): (v["gene"], v["transcript"], v["refseq"], v["consequence"],
                                                        v["hgvs_c"], v["protein_change"], v["exon"])
           for v in doc["somatic"]}
    assert got == PUBLISHED
    assert {v["protein_change_3"] for v in doc["somatic"]} == {"p.Val600Glu", "p.Leu858Arg", "p.Gly12Val",
                                                               "p.Ter1069CysextTer4"}
