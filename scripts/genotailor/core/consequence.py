"""Consequence annotation of a VCF on GRCh38: `bcftools csq` with the shipped MANE Select models,
plus HGVS c. and p. computed from the same models (`transcripts.py`).

`bcftools csq` runs with `--local-csq` (`-l`): somatic and unphased calls are not assumed to share a
haplotype (without it two KRAS SNVs a base apart would be merged into one codon change), and with
`--samples -`, so the consequence does not depend on a genotype call. Its SNV protein change is
checked against ours; a disagreement is reported, never silently resolved.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import pysam

from genotailor.core.tools import capture_pipeline
from genotailor.core.transcripts import hgvs_c, hgvs_p, models_by_gene

# bcftools csq consequence words -> Sequence Ontology terms
SO_TERMS = {
    "missense": "missense_variant", "synonymous": "synonymous_variant", "stop_gained": "stop_gained",
    "stop_lost": "stop_lost", "start_lost": "start_lost", "stop_retained": "stop_retained_variant",
    "start_retained": "start_retained_variant", "frameshift": "frameshift_variant",
    "inframe_deletion": "inframe_deletion", "inframe_insertion": "inframe_insertion",
    "inframe_altering": "protein_altering_variant", "splice_acceptor": "splice_acceptor_variant",
    "splice_donor": "splice_donor_variant", "splice_region": "splice_region_variant",
    "intron": "intron_variant", "5_prime_utr": "5_prime_UTR_variant", "3_prime_utr": "3_prime_UTR_variant",
    "non_coding": "non_coding_transcript_variant", "coding_sequence": "coding_sequence_variant",
    "feature_elongation": "feature_elongation",
}
# most severe first (Ensembl's order for these terms)
# (a frameshift that bcftools csq also calls stop_gained is named as the frameshift, as HGVS p. does)
SEVERITY = ["splice_acceptor_variant", "splice_donor_variant", "frameshift_variant", "stop_gained", "stop_lost",
            "start_lost", "inframe_insertion", "inframe_deletion", "protein_altering_variant", "missense_variant",
            "splice_region_variant", "start_retained_variant", "stop_retained_variant", "synonymous_variant",
            "coding_sequence_variant", "5_prime_UTR_variant", "3_prime_UTR_variant", "non_coding_transcript_variant",
            "intron_variant", "feature_elongation"]
PROTEIN_ALTERING = set(SEVERITY[:10])
# what the somatic stage lists in full (with HGVS): protein-altering and splice-site/-region variants
REPORTED = PROTEIN_ALTERING | {"splice_region_variant"}
TRUNCATING = {"stop_gained", "frameshift_variant", "splice_acceptor_variant", "splice_donor_variant"}
_BCSQ_AA = re.compile(r"^(\d+)([A-Z*])(?:>\d+([A-Z*]))?$")


@dataclass
class Consequence:
    gene: str | None
    transcript: str | None  # Ensembl id of the MANE Select transcript
    refseq: str | None  # its RefSeq NM_
    consequence: str  # most severe SO term (`intergenic_variant` outside every model)
    consequences: list  # all SO terms bcftools csq gave
    hgvs_c: str | None
    hgvs_p: str | None
    hgvs_p3: str | None
    codon: int | None
    exon: int | None
    note: str | None = None

    @property
    def protein_altering(self) -> bool:
        return self.consequence in PROTEIN_ALTERING

    @property
    def truncating(self) -> bool:
        return self.consequence in TRUNCATING

    def as_dict(self) -> dict:
        return asdict(self)


def run_csq(vcf, reference, gff) -> dict[tuple, list[str]]:
    """BCSQ entries of every record, keyed by (chrom, pos, ref, alt)."""
    text = capture_pipeline([["bcftools", "csq", "--force", "-l", "-p", "a", "-s", "-", "-f", reference, "-g", gff,
                              "-O", "v", vcf], ["bcftools", "query", "-f", "%CHROM\t%POS\t%REF\t%ALT\t%INFO/BCSQ\n"]],
                            f"VCF {vcf}: consequence annotation (bcftools csq)")
    out = {}
    for line in text.splitlines():
        chrom, pos, ref, alts, bcsq = line.split("\t")
        for alt in alts.split(","):
            out[(chrom, int(pos), ref, alt)] = [] if bcsq == "." else bcsq.split(",")
    return out


def run_csq_sites(sites, reference, gff, contigs=()) -> dict[tuple, list[str]]:
    """BCSQ entries of `sites` ((chrom, pos, ref, alt), in VCF order), keyed by the site: one
    `bcftools csq -l` over a sites-only VCF fed on its standard input, so only the sites that need
    it are annotated, in one batch."""
    head = ["##fileformat=VCFv4.2", *(f"##contig=<ID={c}>" for c in contigs),
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"]
    text = "\n".join(head + [f"{c}\t{p}\t.\t{r}\t{a}\t.\t.\t." for c, p, r, a in sites]) + "\n"
    out_text = capture_pipeline([["bcftools", "csq", "--force", "-l", "-p", "a", "-s", "-", "--no-version",
                                  "-f", reference, "-g", gff, "-O", "v", "-"]],
                                "somatic variants: consequence annotation (bcftools csq)", input_text=text)
    out = {}
    for line in out_text.splitlines():
        if line.startswith("#"):
            continue
        f = line.split("\t", 8)
        info = f[7]
        bcsq = next((kv[5:] for kv in info.split(";") if kv.startswith("BCSQ=")), None)
        out[(f[0], int(f[1]), f[3], f[4])] = bcsq.split(",") if bcsq else []
    return out


def _parse(entry: str):
    f = entry.split("|")
    terms = [SO_TERMS.get(w.lstrip("*"), w.lstrip("*")) for w in f[0].split("&")]
    return terms, (f[1] if len(f) > 1 else None), (f[5] if len(f) > 5 else "")


def annotate_allele(fasta, models, chrom, pos, ref, alt, bcsq_entries, hgvs_for=None) -> Consequence:
    """One ALT allele: the most severe consequence on a model gene, HGVS c./p. from the models.

    `hgvs_for`: a set of SO terms; a most severe consequence outside it gets no HGVS (the somatic
    stage only counts such variants). None: HGVS for every allele."""
    best = None
    for entry in bcsq_entries:
        terms, gene, aa = _parse(entry)
        t = models.get(gene)
        if t is None or t.chrom != chrom:
            continue
        terms = sorted(terms, key=lambda s: SEVERITY.index(s) if s in SEVERITY else len(SEVERITY))
        rank = SEVERITY.index(terms[0]) if terms[0] in SEVERITY else len(SEVERITY)
        if best is None or rank < best[0]:
            best = (rank, terms, t, aa)
    if best is None:
        return Consequence(None, None, None, "intergenic_variant", [], None, None, None, None, None,
                           "outside every shipped transcript model")
    _, terms, t, aa = best
    if hgvs_for is not None and terms[0] not in hgvs_for:
        return Consequence(t.gene, t.transcript_id, t.refseq, terms[0], terms, None, None, None, None, None)
    c = hgvs_c(fasta, t, pos, ref, alt)
    exon = t.exon_rank(pos)
    note = None
    if terms[0] in PROTEIN_ALTERING or terms[0] in ("synonymous_variant", "stop_retained_variant"):
        p = hgvs_p(fasta, t, pos, ref, alt)
        one, three, codon, note = p.hgvs_p, p.hgvs_p3, p.codon, p.note
        m = _BCSQ_AA.match(aa)
        if m and one and len(ref) == len(alt) == 1:
            theirs = f"{m.group(2)}{m.group(1)}{m.group(3) or '='}"
            ours = re.sub(r"ext\*(\d+|\?)$", "", one[2:])
            if not ours.startswith(theirs[:-1]) or (m.group(3) and not ours.endswith(m.group(3))):
                note = f"bcftools csq reports {aa}, the models give {one}: check the transcript model"
    else:
        one = three = codon = None
    return Consequence(t.gene, t.transcript_id, t.refseq, terms[0], terms, c, one, three, codon, exon, note)


def annotate_vcf(vcf, reference, gff) -> dict[tuple, Consequence]:
    """Every allele of `vcf` annotated, keyed by (chrom, pos, ref, alt)."""
    csq = run_csq(vcf, reference, gff)
    models = models_by_gene(str(gff))
    with pysam.FastaFile(str(reference)) as fasta:
        return {key: annotate_allele(fasta, models, *key, entries) for key, entries in csq.items()}
