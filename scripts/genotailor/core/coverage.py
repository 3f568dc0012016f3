"""Reading mosdepth outputs: depth at 1-bp biomarker loci, and which loci a panel targets."""

from __future__ import annotations

import gzip
from bisect import bisect_right


def read_locus_depths(path) -> dict:
    """(chrom, 1-based pos) -> depth from a mosdepth `--by` regions file of 1-bp loci."""
    depths = {}
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt") as fh:
        for line in fh:
            chrom, start, end, *rest = line.rstrip("\n").split("\t")
            depths[(chrom, int(end))] = float(rest[-1])
    return depths


def read_bed(path) -> dict:
    """chrom -> sorted list of (start, end), 0-based half-open."""
    regions = {}
    with open(path) as fh:
        for line in fh:
            if not line.strip() or line.startswith(("#", "track", "browser")):
                continue
            chrom, start, end = line.split("\t")[:3]
            regions.setdefault(chrom, []).append((int(start), int(end)))
    return {c: sorted(v) for c, v in regions.items()}


def in_regions(regions: dict, chrom: str, pos: int) -> bool:
    """Is 1-based `pos` inside one of the (sorted, non-overlapping) regions?"""
    spans = regions.get(chrom, [])
    i = bisect_right(spans, (pos - 1, float("inf"))) - 1
    return i >= 0 and spans[i][0] <= pos - 1 < spans[i][1]
