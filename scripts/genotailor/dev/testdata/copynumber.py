"""Tumour and normal BAMs with planted copy numbers, for the copy-number tests and benchmarks.

Fragments come from the demo read simulator (`simulate.simulate`: fragment lengths, placement,
PCR duplicates) over the coding exons of each gene, padded as a capture panel's reads spill past
its baits. A gene at `c` copies in a tumour of purity `p` holds `p * c + (1 - p) * 2` copies per
cell against 2 in the normal, so its share of the fragments is scaled by that over 2. The
fragments are written as aligned pairs at the positions the simulator drew them (no aligner:
the copy-number caller reads depth only), with the reference's bases and the simulator's
qualities. Coordinates are true GRCh38 (contigs at their GRCh38 lengths); the sequence is the
real GRCh38 windows of `tests/data/cnv/` (no synthetic base).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pysam

from genotailor.core.reference import GRCH38_LENGTHS, chrom_order
from genotailor.core.transcripts import models_by_gene
from genotailor.dev.testdata.simulate import Haplotype, Library, simulate

PAD = 100  # bases beyond each bait that capture reads still cover
LIBRARY = Library(read_length=150, fragment_mean=220.0, fragment_sd=50.0, fragment_min=100, fragment_max=400)


class WindowGenome:
    """Sequence of FASTA windows with headers `>chrN:START-END NAME` at their GRCh38 coordinates."""

    def __init__(self, fasta_gz: Path):
        self.windows: list[tuple[str, int, int, bytes]] = []  # chrom, 0-based start, end, sequence
        opener = gzip.open if str(fasta_gz).endswith(".gz") else open
        name, parts = None, []
        with opener(fasta_gz, "rt") as fh:
            for line in list(fh) + [">end"]:
                if line.startswith(">"):
                    if name:
                        chrom, span = name.split(":")
                        start = int(span.split("-")[0]) - 1
                        seq = "".join(parts).encode()
                        self.windows.append((chrom, start, start + len(seq), seq))
                    name, parts = line[1:].split()[0], []
                else:
                    parts.append(line.strip())

    def fetch(self, chrom: str, start: int, end: int) -> bytes:
        for c, s, e, seq in self.windows:
            if c == chrom and s <= start and end <= e:
                return seq[start - s : end - s]
        raise ValueError(f"{chrom}:{start}-{end} lies outside every window")


def coding_targets(models_gff, genes, exon_names: bool = False) -> list[tuple[str, int, int, str]]:
    """(chrom, 0-based start, end, name) of each coding exon of the genes' MANE Select transcripts;
    the name is the gene, or `GENE_exN` (N: the exon's number in the transcript) with `exon_names`."""
    models = models_by_gene(str(models_gff))
    out = []
    for gene in genes:
        t = models[gene]
        for s, e in t.cds:
            rank = next((r for a, b, r in t.exons if a <= s and e <= b), 0)
            out.append((t.chrom, s - 1, e, f"{gene}_ex{rank}" if exon_names else gene))
    return sorted(out, key=lambda r: (chrom_order(r[0]), r[1], r[2]))


def write_targets_bed(targets, path: Path) -> Path:
    Path(path).write_text("".join(f"{c}\t{s}\t{e}\t{g}\n" for c, s, e, g in targets))
    return Path(path)


def simulate_bam(genome: WindowGenome, targets, out_bam: Path, sample: str, seed: int, depth: float = 300.0,
                 copies: dict | None = None, purity: float = 1.0) -> Path:
    """A coordinate-sorted, indexed BAM of `sample`: about `depth`-fold over the targets of a gene at
    2 copies; `copies` (target name -> copies in the tumour cells; a name is a gene, or `GENE_exN`)
    and `purity` scale the fragments of the targets of that name."""
    copies = copies or {}
    by_gene: dict[str, list] = {}
    for c, s, e, g in targets:
        by_gene.setdefault(g, []).append((c, max(0, s - PAD), e + PAD))
    covered = LIBRARY.mean_covered_bases()
    contigs = sorted({t[0] for t in targets}, key=chrom_order)
    header = {"HD": {"VN": "1.6", "SO": "unsorted"},
              "SQ": [{"SN": c, "LN": GRCH38_LENGTHS[c]} for c in contigs],
              "RG": [{"ID": sample, "SM": sample, "PL": "ILLUMINA"}]}
    unsorted = Path(str(out_bam) + ".unsorted.bam")
    rl = LIBRARY.read_length
    with pysam.AlignmentFile(str(unsorted), "wb", header=header) as out:
        for k, gene in enumerate(sorted(by_gene)):
            spans = by_gene[gene]
            per_cell = purity * copies.get(gene, 2) + (1 - purity) * 2
            bases = sum(e - s for _, s, e in spans)
            n = int(round(depth * bases / covered * per_cell / 2))
            if n == 0:
                continue
            reads = simulate(genome, spans, [Haplotype(1.0)], n, seed=[seed, k], library=LIBRARY)
            f = reads.fragments
            for i in range(n):
                chrom, start, end = f["chrom"][i], int(f["start"][i]), int(f["end"][i])
                length = end - start
                tid = out.get_tid(chrom)
                for mate, (a, b) in enumerate(((start, start + min(rl, length)), (max(end - rl, start), end))):
                    r = pysam.AlignedSegment(out.header)
                    r.query_name = reads.names[i]
                    r.reference_id = r.next_reference_id = tid
                    r.reference_start = a
                    r.next_reference_start = start if mate else max(end - rl, start)
                    r.flag = (1 | 2 | (32 if mate == 0 else 16) | (64 if mate == 0 else 128)
                              | (1024 if f["duplicate"][i] else 0))
                    r.mapping_quality = 60
                    r.cigartuples = [(0, b - a)]
                    r.query_sequence = genome.fetch(chrom, a, b).decode()
                    q = reads.q1[i] if mate == 0 else reads.q2[i]
                    r.query_qualities = pysam.qualitystring_to_array("".join(chr(int(x) + 33) for x in q[: b - a]))
                    r.template_length = length if mate == 0 else -length
                    r.set_tag("RG", sample)
                    out.write(r)
    pysam.sort("-o", str(out_bam), str(unsorted))
    unsorted.unlink()
    pysam.index(str(out_bam))
    return Path(out_bam)


def expected_ratio(copies: float, purity: float) -> float:
    """Tumour/normal depth ratio of a gene at `copies` in the tumour cells (diploid normal cells)."""
    return (purity * copies + (1 - purity) * 2) / 2


__all__ = ["WindowGenome", "coding_targets", "expected_ratio", "simulate_bam", "write_targets_bed"]
