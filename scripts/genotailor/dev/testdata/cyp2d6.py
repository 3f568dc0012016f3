"""Simulated reads over the real GRCh38 CYP2D locus with CYP2D6 structural haplotypes.

Haplotypes are rearrangements of the real window chr22:42120000-42160000 at homologous points,
as the alleles arise (non-allelic recombination between near-identical copies); no base is
invented:

- reference (*1 and SNV alleles): the window, with the allele's SNVs;
- `copies` = 0, the *5 whole-gene deletion: the window with the CYP2D6 unit removed. The unit runs
  from a point in REP6 (downstream of CYP2D6) to the same point of REP7, which lies one unit
  further on: REP6 and REP7 share one diagonal of identical 25-mers, and the deletion leaves one
  fused REP behind (PharmVar's *5 structure);
- `copies` = N >= 2, a tandem duplication xN: the same unit N times in a row (the reciprocal
  product of the same crossover), every copy carrying the allele's SNVs;
- `hybrid_exon` = x, a CYP2D7-CYP2D6 hybrid (*13-like): CYP2D6 exons 1..x replaced by CYP2D7, i.e.
  the window joined from a point in CYP2D6 intron x to the homologous point of CYP2D7 (the
  sequence between is lost; the gene keeps CYP2D6's 3' part and CYP2D7's 5' part).

Reads come from `simulate.simulate` (the demo's Illumina model), one haplotype at a time with
pairs in proportion to its length, so each haplotype contributes half the stated diploid depth
along its whole length. `align` maps them with the workflow's own alignment step to a reference
holding the window at its GRCh38 coordinates (N before it), so BAM coordinates are GRCh38's.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from genotailor.dev.testdata.simulate import Haplotype, Library, ReadSet, Variant, simulate, write_gzip
from genotailor.pgx.cyp2d6_locus import Locus, read_locus

REP_KMER = 25
SWITCH_KMER = 20


@dataclass(frozen=True)
class Window:
    chrom: str
    start: int  # 1-based GRCh38 coordinate of seq[0]
    seq: bytes

    @property
    def end(self) -> int:
        return self.start + len(self.seq) - 1

    def index(self, pos: int) -> int:
        """0-based offset of a 1-based GRCh38 position."""
        if not self.start <= pos <= self.end:
            raise ValueError(f"{self.chrom}:{pos} is outside the window {self.start}-{self.end}")
        return pos - self.start


def read_window(path) -> Window:
    """The window FASTA (`>chrN:START-END name`, one record)."""
    lines = Path(path).read_text().splitlines()
    chrom, span = lines[0][1:].split()[0].split(":")
    start, end = (int(x) for x in span.split("-"))
    seq = "".join(x.strip() for x in lines[1:]).upper().encode()
    if len(seq) != end - start + 1:
        raise ValueError(f"{path}: {len(seq)} bases for {chrom}:{start}-{end}")
    return Window(chrom, start, seq)


@dataclass(frozen=True)
class StructuralHaplotype:
    """One chromosome's CYP2D6 arrangement: `copies` of the gene unit (0 = *5), or a hybrid whose
    CYP2D6 exons 1..`hybrid_exon` are CYP2D7's; `variants` SNVs in GRCh38 coordinates, carried by
    every CYP2D6 copy."""

    name: str
    copies: int = 1
    variants: tuple[Variant, ...] = ()
    hybrid_exon: int | None = None


def rep_unit(window: Window, locus: Locus) -> tuple[int, int]:
    """(0-based breakpoint in REP6, unit length): the most common offset of 25-mers shared by REP6
    and REP7 is the unit length; the breakpoint is the shared 25-mer nearest REP6's middle."""
    r6, r7 = locus.repeats["REP6"], locus.repeats["REP7"]
    s = window.seq
    seen: dict = {}
    for i in range(window.index(r7.start), window.index(r7.end) - REP_KMER + 2):
        seen.setdefault(s[i : i + REP_KMER], []).append(i)
    offsets = Counter()
    hits = []
    for i in range(window.index(r6.start), window.index(r6.end) - REP_KMER + 2):
        for j in seen.get(s[i : i + REP_KMER], ()):
            offsets[j - i] += 1
            hits.append((i, j - i))
    unit = offsets.most_common(1)[0][0]
    middle = (window.index(r6.start) + window.index(r6.end)) // 2
    point = min((i for i, off in hits if off == unit), key=lambda i: (abs(i - middle), i))
    return point, unit


def hybrid_switch(window: Window, locus: Locus, exon: int) -> tuple[int, int]:
    """(0-based point in CYP2D6 intron `exon`, the homologous 0-based point in CYP2D7): the
    20-mer identical in both copies nearest the middle of the intron, at an offset within 40 bp
    of those between the flanking exons and their CYP2D7 segments."""
    if not 1 <= exon <= 8:
        raise ValueError("a hybrid switches in CYP2D6 introns 1-8")
    s = window.seq
    # CYP2D6 is on the minus strand: intron x lies between exon x+1 (lower) and exon x (higher).
    lo, hi = window.index(locus.exons[exon + 1].end) + 1, window.index(locus.exons[exon].start)
    # the intron's offset lies near its flanking exons' (small indels between the copies)
    o1, o2 = sorted((locus.paralog_offset(exon), locus.paralog_offset(exon + 1)))
    offsets = range(o1 - 40, o2 + 41)
    middle = (lo + hi) // 2
    best = None
    for off in offsets:
        for i in range(lo, hi - SWITCH_KMER):
            if s[i : i + SWITCH_KMER] == s[i + off : i + off + SWITCH_KMER]:
                key = (abs(i - middle), i)
                if best is None or key < best[0]:
                    best = (key, i, i + off)
    if best is None:
        raise ValueError(f"no 20-mer shared by CYP2D6 intron {exon} and CYP2D7 at the exon offsets")
    return best[1], best[2]


def haplotype_sequence(window: Window, locus: Locus, hap: StructuralHaplotype) -> bytes:
    """The chromosome's sequence over the locus (see the module docstring)."""
    seq = bytearray(window.seq)
    for v in hap.variants:
        i = window.index(v.pos)
        if len(v.ref) != 1 or len(v.alt) != 1:
            raise ValueError(f"{v}: only SNVs are planted on the CYP2D locus")
        if seq[i] != ord(v.ref):
            raise ValueError(f"{v}: REF does not match the window ({chr(seq[i])})")
        seq[i] = ord(v.alt)
    seq = bytes(seq)
    if hap.hybrid_exon is not None:
        a, b = hybrid_switch(window, locus, hap.hybrid_exon)
        return seq[:a] + seq[b:]
    point, unit = rep_unit(window, locus)
    return seq[:point] + seq[point : point + unit] * hap.copies + seq[point + unit :]


class _Sequences:
    """A `genome` for simulate(): fetch(name, start, end) over in-memory sequences."""

    def __init__(self, seqs: dict):
        self.seqs = seqs

    def fetch(self, chrom, start, end):
        return self.seqs[chrom][start:end]


def simulate_sample(window: Window, locus: Locus, haplotypes, depth: float, seed: int,
                    library: Library | None = None) -> list[ReadSet]:
    """Read sets, one per haplotype, each at depth/2 along its whole sequence."""
    lib = library or Library(duplicate_rate=0.0)
    out = []
    for i, hap in enumerate(haplotypes):
        seq = haplotype_sequence(window, locus, hap)
        name = f"hap{i + 1}"
        n_pairs = int(round(depth / 2 * len(seq) / lib.mean_covered_bases()))
        out.append(simulate(_Sequences({name: seq}), [(name, 0, len(seq))], [Haplotype(1.0)], n_pairs,
                            seed=seed * 100 + i, library=lib, run=i + 1, flowcell="HCYP2DSIM"))
    return out


def write_reference(window: Window, path) -> Path:
    """FASTA with contig `window.chrom` at its GRCh38 length, N except the window: GRCh38
    coordinates and contig length without a whole chromosome (and its .fai)."""
    import pysam

    from genotailor.core.contigs import GRCH38_LENGTHS

    path = Path(path)
    length = GRCH38_LENGTHS[window.chrom]
    line = b"N" * 60 + b"\n"
    with open(path, "wb") as fh:
        fh.write(f">{window.chrom}\n".encode())
        full_before = window.start - 1
        # N lines up to the window, then the window and the rest, 60 bases a line
        head = b"N" * (full_before % 60)
        fh.write(line * (full_before // 60))
        rest = head + window.seq + b"N" * (length - window.end)
        for i in range(0, len(rest), 60):
            fh.write(rest[i : i + 60] + b"\n")
    pysam.faidx(str(path))
    return path


def write_fastq(read_sets, r1, r2) -> None:
    for read, path in ((1, r1), (2, r2)):
        write_gzip(Path(path), b"".join(rs.fastq_bytes(read) for rs in read_sets), level=1)


def align(reference, r1, r2, out_bam, sample: str, threads: int = 1) -> Path:
    """The workflow's alignment step (fastp | minimap2 -ax sr | fixmate | sort), then the BAM index."""
    import pysam

    from genotailor.steps.align import align_unit

    out_bam = Path(out_bam)
    rg = f"@RG\\tID:{sample}.1\\tSM:{sample}\\tPL:ILLUMINA"
    align_unit(str(r1), str(r2), "minimap2", str(reference), rg, threads, str(out_bam.with_suffix(".fastp.json")),
               str(out_bam))
    pysam.index(str(out_bam))
    return out_bam


def simulate_bam(window: Window, locus: Locus, reference, haplotypes, depth: float, seed: int, folder,
                 sample: str = "SIM", library: Library | None = None) -> Path:
    """Simulated, aligned and indexed BAM of one sample."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    sets = simulate_sample(window, locus, haplotypes, depth, seed, library)
    r1, r2 = folder / f"{sample}_R1.fastq.gz", folder / f"{sample}_R2.fastq.gz"
    write_fastq(sets, r1, r2)
    return align(reference, r1, r2, folder / f"{sample}.bam", sample)


def load(window_path, features_path=None) -> tuple[Window, Locus]:
    return read_window(window_path), read_locus(features_path) if features_path else read_locus()
