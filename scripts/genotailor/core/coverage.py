"""Reading mosdepth outputs: depth at 1-bp biomarker loci, and which loci a panel targets."""

from __future__ import annotations

from bisect import bisect_right

from genotailor.core.formats import open_maybe_gzip


def read_locus_depths(path) -> dict:
    """(chrom, 1-based pos) -> depth from a mosdepth `--by` regions file of 1-bp loci."""
    depths = {}
    with open_maybe_gzip(path) as fh:
        for line in fh:
            chrom, start, end, *rest = line.rstrip("\n").split("\t")
            depths[(chrom, int(end))] = float(rest[-1])
    return depths


def bed_intervals(path, min_depth: float | None = None):
    """(chrom, start, end) of each BED line (0-based half-open; plain or gzip); with `min_depth`, only
    the lines whose last column (a mosdepth mean depth) reaches it."""
    with open_maybe_gzip(path) as fh:
        for line in fh:
            if not line.strip() or line.startswith(("#", "track", "browser")):
                continue
            f = line.rstrip("\n").split("\t")
            if min_depth is not None and float(f[-1]) < min_depth:
                continue
            yield f[0], int(f[1]), int(f[2])


def regions_by_chrom(intervals) -> dict:
    """(chrom, start, end) intervals as chrom -> sorted list of (start, end), what `in_regions` reads."""
    regions = {}
    for chrom, start, end in intervals:
        regions.setdefault(chrom, []).append((start, end))
    return {c: sorted(v) for c, v in regions.items()}


def read_bed(path) -> dict:
    """chrom -> sorted list of (start, end), 0-based half-open."""
    return regions_by_chrom(bed_intervals(path))


def in_regions(regions: dict, chrom: str, pos: int) -> bool:
    """Is 1-based `pos` inside one of the (sorted, non-overlapping) regions?"""
    spans = regions.get(chrom, [])
    i = bisect_right(spans, (pos - 1, float("inf"))) - 1
    return i >= 0 and spans[i][0] <= pos - 1 < spans[i][1]
