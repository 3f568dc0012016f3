"""The reference genome: contig names and lengths (from the .fai) and sequence look-ups."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pysam

from genotailor.core.errors import InputError
from genotailor.core.formats import DESCRIPTIONS, checked_input

# GRCh38 primary-assembly chromosome lengths.
GRCH38_LENGTHS = {
    "chr1": 248956422, "chr2": 242193529, "chr3": 198295559, "chr4": 190214555, "chr5": 181538259,
    "chr6": 170805979, "chr7": 159345973, "chr8": 145138636, "chr9": 138394717, "chr10": 133797422,
    "chr11": 135086622, "chr12": 133275309, "chr13": 114364328, "chr14": 107043718, "chr15": 101991189,
    "chr16": 90338345, "chr17": 83257441, "chr18": 80373285, "chr19": 58617616, "chr20": 64444167,
    "chr21": 46709983, "chr22": 50818468, "chrX": 156040895, "chrY": 57227415,
}

# Lengths of a few GRCh37 chromosomes: when a VCF header declares one of these, the message
# can say which build the VCF most likely came from.
GRCH37_LENGTHS = {
    "1": 249250621, "2": 243199373, "3": 198022430, "4": 191154276, "5": 180915260,
    "6": 171115067, "7": 159138663, "8": 146364022, "9": 141213431, "10": 135534747,
    "11": 135006516, "12": 133851895, "13": 115169878, "14": 107349540, "15": 102531392,
    "16": 90354753, "17": 81195210, "18": 78077248, "19": 59128983, "20": 63025520,
    "21": 48129895, "22": 51304566, "X": 155270560, "Y": 59373566,
}


def check_reference(fasta) -> Path:
    """Check that a reference FASTA can be read without writing anything next to it; return its .fai.

    htslib builds a missing .fai, or a bgzipped FASTA's missing .gzi, beside the FASTA — in the
    user's folder, or failing there on a read-only share. Both must exist already; a FASTA
    compressed with plain gzip cannot be indexed at all.
    """
    path = Path(fasta)
    compression, kind = checked_input(path, "reference", "reference.fasta in the config")
    if kind != "fasta":
        raise InputError(f"reference {path}: the file is {DESCRIPTIONS[kind]}, not a FASTA — set reference.fasta "
                         "in the config to the GRCh38 FASTA")
    if compression == "gzip":
        raise InputError(f"reference {path}: compressed with gzip, not bgzip, so it cannot be indexed — "
                         f"recompress it (gunzip -c {path} | bgzip > GRCh38.fa.gz; samtools faidx GRCh38.fa.gz) "
                         "or give the uncompressed FASTA")
    fai = Path(f"{path}.fai")
    if not fai.exists():
        raise InputError(f"reference {path}: no index {fai.name} — run `samtools faidx {path}`")
    if compression == "bgzf" and not Path(f"{path}.gzi").exists():
        raise InputError(f"reference {path}: bgzip-compressed but without its {path.name}.gzi index — run "
                         f"`samtools faidx {path}` (writes the .fai and .gzi beside it); genotailor does not write "
                         "into the reference's folder")
    return fai


class Reference:
    """A FASTA reference (plain or bgzipped, with .fai) opened for contig and base look-ups."""

    def __init__(self, fasta: str | Path):
        self.path = Path(fasta)
        fai = check_reference(self.path)
        self.lengths = {}
        with open(fai) as fh:
            for line in fh:
                name, length = line.split("\t")[:2]
                self.lengths[name] = int(length)
        self._fasta = pysam.FastaFile(str(self.path))

    @property
    def name(self):
        return self.path.name

    @lru_cache(maxsize=2)
    def contig_sequence(self, contig: str) -> str:
        """Whole contig, upper case (cached: REF checks walk a VCF contig by contig)."""
        return self._fasta.fetch(contig).upper()

    def bases(self, contig: str, pos: int, length: int) -> str:
        """`length` bases starting at 1-based `pos`."""
        return self.contig_sequence(contig)[pos - 1 : pos - 1 + length]

    def harmonise_contig(self, name: str) -> str | None:
        """The reference's name for a contig spelled with or without 'chr' (MT/chrM too); None if absent."""
        if name in self.lengths:
            return name
        candidates = [f"chr{name}", name.removeprefix("chr")]
        if name in ("MT", "chrMT", "M"):
            candidates += ["chrM", "MT"]
        for c in candidates:
            if c in self.lengths:
                return c
        return None


def chrom_order(chrom: str):
    """Sort key putting chr1..chr22 in numeric order, then X, Y, M."""
    c = chrom.removeprefix("chr")
    return (0, int(c), "") if c.isdigit() else (1, 0, c)
