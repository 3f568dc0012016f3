"""Where the compiled knowledge bases live, and readers of the files more than one stage reads.

The PGx positions table feeds forced genotyping and coverage (steps) as well as the PGx engine; the
hotspot table feeds the loci and the somatic annotation. Both are written by `genotailor kb-*`
builders; nothing here builds them.
"""

from __future__ import annotations

import csv
from pathlib import Path

from genotailor.core.paths import PGX_KB


def load_positions(kb_dir: Path = PGX_KB) -> list[tuple[str, int, str, tuple[str, ...], str, str]]:
    """Every PGx knowledge-base position as (chrom, pos, ref, alts, gene, rsid), sorted."""
    out = []
    with open(Path(kb_dir) / "positions.tsv") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            chrom, pos, ref, alts, gene, rsid = line.rstrip("\n").split("\t")
            out.append((chrom, int(pos), ref, tuple(alts.split(",")), gene, rsid))
    return out


def read_hotspots(path) -> list[dict]:
    """The cancer hotspot table: one dict per row, keyed by the header."""
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))
