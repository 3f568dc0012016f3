"""Interval index of the transcript models: which variants need consequence annotation at all.

A somatic VCF is mostly intronic and intergenic. Only a variant that touches the coding sequence
or an exon boundary (splice sites and splice regions) can be protein-altering, at a splice site or
matched by the actionability knowledge base (every match level needs a protein change, a codon, or
a protein-altering or truncating consequence; `actionability.match_level`). `RegionIndex.needs_csq`
decides that by bisection before any per-variant annotation work; `RegionIndex.cheap_class` gives
every other variant its SO consequence class (5'/3' UTR, intron, intergenic) from the same models,
so it is counted, not lost.

The windows are wider than the consequences they guard (a conservative pre-filter): every CDS base
and, at every exon boundary inside a transcript, 3 exonic and 10 intronic bases (bcftools csq
calls splice_region up to 3 exonic and 8 intronic bases from the boundary). A variant's span is
POS..POS+len(REF) (one base past the REF, for insertions after the anchor base).
"""

from __future__ import annotations

from bisect import bisect_right

SPLICE_EXON = 3
SPLICE_INTRON = 10
# the classes a variant outside every window can have, most severe first (consequence.SEVERITY order)
CHEAP_ORDER = ("5_prime_UTR_variant", "3_prime_UTR_variant", "intron_variant", "intergenic_variant")


def _merge(intervals):
    out = []
    for s, e in sorted(intervals):
        if out and s <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return out


class RegionIndex:
    """Per chromosome: merged annotation windows (1-based inclusive) and a painted map of the cheap
    classes."""

    def __init__(self, models):
        windows: dict[str, list] = {}
        features: dict[str, list] = {}  # chrom -> (start, end, rank in CHEAP_ORDER)
        for t in models.values():
            w = windows.setdefault(t.chrom, [])
            f = features.setdefault(t.chrom, [])
            w.extend(t.cds)
            exons = sorted((s, e) for s, e, _ in t.exons)
            for (_, e1), (s2, _) in zip(exons, exons[1:]):
                w.append((e1 - SPLICE_EXON + 1, e1 + SPLICE_INTRON))
                w.append((s2 - SPLICE_INTRON, s2 + SPLICE_EXON - 1))
            f.append((exons[0][0], exons[-1][1], 2))  # the span: intron unless an exon paints over it
            lo, hi = min(s for s, _ in t.cds), max(e for _, e in t.cds)
            before, after = (0, 1) if t.plus else (1, 0)  # 5' UTR lies before the CDS on the plus strand
            for s, e in exons:
                if s < lo:
                    f.append((s, min(e, lo - 1), before))
                if e > hi:
                    f.append((max(s, hi + 1), e, after))
        self._win = {}
        for chrom, w in windows.items():
            merged = _merge(w)
            self._win[chrom] = ([s for s, _ in merged], [e for _, e in merged])
        self._paint = {chrom: self._painted(f) for chrom, f in features.items()}

    @staticmethod
    def _painted(features):
        """Breakpoints and the most severe class of each elementary interval between them."""
        points = sorted({p for s, e, _ in features for p in (s, e + 1)})
        labels = [3] * len(points)  # label i holds for points[i] <= pos < points[i + 1]
        for s, e, rank in features:
            i, j = bisect_right(points, s) - 1, bisect_right(points, e + 1) - 1
            for k in range(i, j):
                if rank < labels[k]:
                    labels[k] = rank
        return points, labels

    def windows(self, chrom: str) -> tuple[list, list]:
        """Starts and ends of the chromosome's merged windows (for callers that bisect themselves,
        record after record of one chromosome); empty lists when it has none."""
        return self._win.get(chrom, ([], []))

    def painted(self, chrom: str) -> tuple[list, list]:
        """Breakpoints and CHEAP_ORDER ranks of the chromosome (empty: intergenic throughout)."""
        return self._paint.get(chrom, ([], []))

    def needs_csq(self, chrom: str, pos: int, ref_len: int) -> bool:
        """True when POS..POS+ref_len overlaps a CDS or exon-boundary window."""
        got = self._win.get(chrom)
        if got is None:
            return False
        starts, ends = got
        i = bisect_right(starts, pos + ref_len) - 1
        return i >= 0 and ends[i] >= pos

    def cheap_class(self, chrom: str, pos: int) -> str:
        """The SO class of a position outside every window: UTR, intron or intergenic."""
        got = self._paint.get(chrom)
        if got is None:
            return CHEAP_ORDER[3]
        points, labels = got
        i = bisect_right(points, pos) - 1
        return CHEAP_ORDER[labels[i] if i >= 0 else 3]
