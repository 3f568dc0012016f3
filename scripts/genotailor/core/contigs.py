"""A VCF's contig names matched to the reference's: one rule for the workflow's normalization and for
every command that reads a VCF on its own (`somatic`, `germline`, `pgx`).

Callers name chromosomes two ways: `chr7` (UCSC, GATK's GRCh38 bundle) and `7` (NCBI, Ensembl, many
TCGA files); the mitochondrion is `chrM` or `MT`. Either spelling is read as the reference's name.
A contig whose header length differs from the reference's was made against another build: it is
refused, never read at the wrong coordinates (a GRCh37 length is named as such).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from genotailor.core.errors import InputError

# GRCh38 primary-assembly chromosome lengths.
GRCH38_LENGTHS = {
    "chr1": 248956422, "chr2": 242193529, "chr3": 198295559, "chr4": 190214555, "chr5": 181538259,
    "chr6": 170805979, "chr7": 159345973, "chr8": 145138636, "chr9": 138394717, "chr10": 133797422,
    "chr11": 135086622, "chr12": 133275309, "chr13": 114364328, "chr14": 107043718, "chr15": 101991189,
    "chr16": 90338345, "chr17": 83257441, "chr18": 80373285, "chr19": 58617616, "chr20": 64444167,
    "chr21": 46709983, "chr22": 50818468, "chrX": 156040895, "chrY": 57227415,
}

# Lengths of the GRCh37 chromosomes: when a VCF header declares one of these, the message can say
# which build the VCF most likely came from.
GRCH37_LENGTHS = {
    "1": 249250621, "2": 243199373, "3": 198022430, "4": 191154276, "5": 180915260,
    "6": 171115067, "7": 159138663, "8": 146364022, "9": 141213431, "10": 135534747,
    "11": 135006516, "12": 133851895, "13": 115169878, "14": 107349540, "15": 102531392,
    "16": 90354753, "17": 81195210, "18": 78077248, "19": 59128983, "20": 63025520,
    "21": 48129895, "22": 51304566, "X": 155270560, "Y": 59373566,
}

ANOTHER_BUILD = ("the VCF was made against another genome build — call the variants against GRCh38 (or lift them "
                 "over) and give that VCF")


def reference_name(name: str, names) -> str | None:
    """The name in `names` (the reference's contigs) of a contig spelled with or without 'chr'
    (MT/chrM too); None when the reference has no such contig."""
    if name in names:
        return name
    candidates = [f"chr{name}", name.removeprefix("chr")]
    if name in ("MT", "chrMT", "M", "chrM"):
        candidates += ["chrM", "MT"]
    for c in candidates:
        if c in names:
            return c
    return None


@dataclass
class ContigMap:
    """A VCF's contigs read as the reference's: `reference(name)` for a record's CHROM, `vcf(name)`
    for the VCF's spelling of a reference contig (to fetch from its index)."""

    lengths: dict  # the reference's contig lengths, in its order
    to_reference: dict = field(default_factory=dict)  # VCF name -> reference name
    to_vcf: dict = field(default_factory=dict)  # reference name -> VCF name

    def reference(self, name: str) -> str | None:
        """The reference's name of the VCF contig `name` (also one the header does not declare)."""
        got = self.to_reference.get(name)
        if got is None and name not in self.to_reference:
            got = reference_name(name, self.lengths)
            self.to_reference[name] = got
            if got is not None:
                self.to_vcf.setdefault(got, name)
        return got

    def vcf(self, name: str) -> str | None:
        """The VCF's name of the reference contig `name`; None when the VCF has no such contig."""
        return self.to_vcf.get(name)

    def renames(self) -> dict:
        """VCF name -> reference name, for the contigs spelled differently."""
        return {k: v for k, v in sorted(self.to_reference.items()) if v is not None and k != v}


def match_contigs(path, contigs, lengths: dict, build: str) -> ContigMap:
    """Match the VCF `path`'s contigs to the reference's.

    `contigs`: the VCF's contig names, each with its header length or None (a ##contig line
    without length, or a contig known only from the index); `lengths`: the reference's contig
    lengths; `build`: how a message names the reference ("the reference GRCh38.fa", "GRCh38").
    A declared length that differs from the reference's is an InputError naming the file, the
    contig and both builds when the length is GRCh37's."""
    cmap = ContigMap(dict(lengths))
    for name, length in contigs.items() if isinstance(contigs, dict) else ((c, None) for c in contigs):
        target = reference_name(name, lengths)
        cmap.to_reference[name] = target
        if target is None:
            continue
        cmap.to_vcf.setdefault(target, name)
        if length is not None and length != lengths[target]:
            grch37 = " (that is its GRCh37 length)" if GRCH37_LENGTHS.get(name.removeprefix("chr")) == length else ""
            raise InputError(f"VCF {path}: contig {name} is {length} bp in the VCF header{grch37} but "
                             f"{lengths[target]} bp in {build}: {ANOTHER_BUILD}")
    return cmap


def header_contigs(header) -> dict:
    """A pysam VariantHeader's ##contig names and lengths (None where the line has no length)."""
    return {name: contig.length for name, contig in header.contigs.items()}
