"""What a patient's consent leaves out of the analysis, as genomic regions.

Without consent to secondary findings, the ACMG SF genes are not analysed at all: reads over
them are not kept in the patient's BAM, germline calling and coverage never look at them, and
no record in them reaches the patient's VCFs — so no file of the patient can show a finding, a
count or a gene-level hint. A gene the patient is tested for (an indication panel) is analysed
whatever the secondary-findings consent; with pharmacogenomics consent the pharmacogenes that are
also SF genes (RYR1, CACNA1S) stay for their PGx positions. The withheld regions are computed
when needed and never written to a results file.
"""

from __future__ import annotations

from pathlib import Path

from genotailor.core.kbfiles import load_acmg_sf, load_positions
from genotailor.core.paths import GERMLINE_KB, PGX_KB
from genotailor.core.transcripts import models_by_gene

PAD = 1000  # bp each side of a gene's transcript: promoter, splice regions, reads hanging over the ends


def withheld_genes(secondary_findings: bool, keep_genes=(), pgx_consent: bool = False,
                   kb_dir: Path = GERMLINE_KB, pgx_kb: Path = PGX_KB) -> list[str]:
    """SF genes the patient's consent leaves out (none with SF consent), sorted."""
    if secondary_findings:
        return []
    keep = set(keep_genes)
    if pgx_consent:
        keep |= {gene for *_, gene, _ in load_positions(pgx_kb)}
    return sorted(set(load_acmg_sf(kb_dir)["genes"]) - keep)


def gene_spans(genes, models) -> list[tuple[str, int, int]]:
    """(chrom, start0, end) of each gene's transcript model +-PAD (0-based, half-open), sorted;
    genes without a model are skipped."""
    by_gene = models_by_gene(str(models))
    spans = []
    for gene in genes:
        t = by_gene.get(gene)
        if t is None:
            continue
        start = min(e[0] for e in t.exons)
        end = max(e[1] for e in t.exons)
        spans.append((t.chrom, max(0, start - 1 - PAD), end + PAD))
    return sorted(spans)


def subtract(intervals, spans):
    """BED intervals (chrom, start0, end, *rest) minus the spans (any iterable, e.g. a BED reader's
    generator: read once, used for every interval)."""
    spans = list(spans)
    out = []
    for chrom, start, end, *rest in intervals:
        pieces = [(start, end)]
        for c, s, e in spans:
            if c != chrom:
                continue
            pieces = [p for a, b in pieces for p in ((a, min(b, s)), (max(a, e), b)) if p[0] < p[1]]
        out += [(chrom, a, b, *rest) for a, b in pieces]
    return out
