"""The reference genome: contig names and lengths (from the .fai) and sequence look-ups."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pysam

from genotailor.core.contigs import GRCH37_LENGTHS, GRCH38_LENGTHS, reference_name
from genotailor.core.errors import InputError
from genotailor.core.formats import DESCRIPTIONS, checked_input

# the build tables live with the contig rule (core.contigs); kept importable from here
__all__ = ["GRCH37_LENGTHS", "GRCH38_LENGTHS", "Reference", "check_reference", "chrom_order"]


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
        return reference_name(name, self.lengths)


def chrom_order(chrom: str):
    """Sort key putting chr1..chr22 in numeric order, then X, Y, M."""
    c = chrom.removeprefix("chr")
    return (0, int(c), "") if c.isdigit() else (1, 0, c)
