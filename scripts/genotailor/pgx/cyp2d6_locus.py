"""The GRCh38 CYP2D6-CYP2D7-CYP2D8P locus: gene spans, CYP2D6 exons and their paralog segments.

Read from `workflow/resources/pgx/cyp2d_locus_features.tsv` (type, feature, chrom, start, end,
strand, source; 1-based inclusive GRCh38 coordinates). CYP2D6 and its paralogs lie on the minus
strand, so exon 1 has the highest coordinates. A paralog segment without coordinates (CYP2D8P has
none for CYP2D6 exon 1) is left out.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from genotailor.core.errors import InputError
from genotailor.core.paths import PGX_KB

DEFAULT_FEATURES = Path(PGX_KB) / "cyp2d_locus_features.tsv"
_EXON = re.compile(r"^CYP2D6 exon (\d+)$")
_HOMOLOG = re.compile(r"^(CYP2D7|CYP2D8P) segment homologous to CYP2D6 exon (\d+)$")


@dataclass(frozen=True)
class Span:
    """1-based inclusive interval on `chrom`."""

    chrom: str
    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1


@dataclass
class Locus:
    chrom: str
    genes: dict = field(default_factory=dict)  # name -> Span
    exons: dict = field(default_factory=dict)  # CYP2D6 exon number -> Span
    homologs: dict = field(default_factory=dict)  # (paralog, exon number) -> Span
    repeats: dict = field(default_factory=dict)  # "REP6" / "REP7" -> Span

    def paralog_offset(self, exon: int, paralog: str = "CYP2D7") -> int:
        """GRCh38 distance from a CYP2D6 exon to its paralog segment (both minus strand, so their
        3' ends are aligned: the segment's end minus the exon's end)."""
        return self.homologs[(paralog, exon)].end - self.exons[exon].end


def read_locus(path=DEFAULT_FEATURES) -> Locus:
    """The locus features; an InputError names the file and what is missing."""
    path = Path(path)
    try:
        rows = list(csv.DictReader(open(path, newline=""), delimiter="\t"))
    except OSError as exc:
        raise InputError(f"CYP2D locus features {path}: cannot be read ({exc.strerror})") from None
    need = {"type", "feature", "chrom", "start", "end"}
    if not rows or not need <= set(rows[0]):
        raise InputError(f"CYP2D locus features {path}: expected columns {', '.join(sorted(need))}")
    chroms = {r["chrom"] for r in rows}
    if len(chroms) != 1:
        raise InputError(f"CYP2D locus features {path}: features on several contigs ({', '.join(sorted(chroms))})")
    locus = Locus(chrom=chroms.pop())
    for i, r in enumerate(rows, start=2):
        if not r["start"] or not r["end"]:
            continue  # a segment the staging found no homolog for
        try:
            span = Span(locus.chrom, int(r["start"]), int(r["end"]))
        except ValueError:
            raise InputError(f"CYP2D locus features {path} line {i}: start/end must be integers") from None
        kind, name = r["type"], r["feature"]
        if kind == "gene":
            locus.genes[name] = span
        elif kind == "exon" and (m := _EXON.match(name)):
            locus.exons[int(m.group(1))] = span
        elif kind == "exon_homolog" and (m := _HOMOLOG.match(name)):
            locus.homologs[(m.group(1), int(m.group(2)))] = span
        elif kind == "repeat":
            locus.repeats[name.split()[0]] = span
    missing = [g for g in ("CYP2D6", "CYP2D7", "CYP2D8P") if g not in locus.genes]
    missing += [f"CYP2D6 exon {n}" for n in range(1, 10) if n not in locus.exons]
    missing += [f"CYP2D7 segment of exon {n}" for n in range(1, 10) if ("CYP2D7", n) not in locus.homologs]
    missing += [r for r in ("REP6", "REP7") if r not in locus.repeats]
    if missing:
        raise InputError(f"CYP2D locus features {path}: missing {', '.join(missing)}")
    return locus
