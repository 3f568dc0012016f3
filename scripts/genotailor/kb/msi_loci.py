"""The microsatellite loci list the MSI caller reads (`workflow/resources/oncology/msi_loci.tsv`).

Built from real GRCh38 sequence windows (FASTA headers `>chrN:START-END NAME`, 1-based inclusive)
and a BED of candidate repeats inside them: each repeat is checked against the window's bases (the
run must be exactly `unit` x `copies`, bounded by bases that do not continue it), and its
`FLANK` reference bases on each side are stored, so the caller needs no reference at run time
(as MSIsensor's `scan` list carries its flanks). Named markers without staged sequence are listed
with '.' flanks and the note "not staged" (never informative; the report names them).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from genotailor.core.errors import InputError

FLANK = 10
# A locus is kept only if each of its anchors (the FLANK bases next to the repeat, of which the
# caller reads up to all) occurs once within READ_SPAN bases around it: an anchor found twice in a
# read (a compound or tandemly duplicated repeat) makes the length read from it ambiguous.
READ_SPAN = 150
COLUMNS = ("chrom", "start0", "end", "name", "unit", "copies", "left_flank", "right_flank", "marker", "note")
_HEADER = re.compile(r"^>(\S+):(\d+)-(\d+)(?:\s+(\S+))?")


def read_windows(paths) -> dict[str, list[tuple[int, str]]]:
    """chrom -> [(0-based start, sequence)] of every window of the FASTA files."""
    out: dict[str, list[tuple[int, str]]] = {}
    for path in paths:
        chrom = start = None
        seq: list[str] = []
        with open(path) as fh:
            for line in [*fh, ">"]:
                if line.startswith(">"):
                    if chrom is not None:
                        out.setdefault(chrom, []).append((start, "".join(seq).upper()))
                    m = _HEADER.match(line)
                    if line.strip() != ">" and not m:
                        raise InputError(f"{path}: header {line.strip()!r} is not >chrN:START-END NAME")
                    chrom, start, seq = (m.group(1), int(m.group(2)) - 1, []) if m else (None, None, [])
                else:
                    seq.append(line.strip())
    return out


def fetch(windows, chrom: str, start: int, end: int) -> str | None:
    """Bases [start, end) when one window holds them all, else None."""
    for a, seq in windows.get(chrom, []):
        if a <= start and end <= a + len(seq):
            return seq[start - a : end - a]
    return None


def locus_row(windows, chrom, start0, end, name, unit, copies, marker=".") -> dict | None:
    """The loci-list row of one repeat, or None when the windows do not hold it and its flanks or
    the bases are not the stated repeat."""
    seq = fetch(windows, chrom, start0 - FLANK - 1, end + FLANK + 1)
    if seq is None:
        return None
    run = seq[FLANK + 1 : -FLANK - 1]
    if run != unit * copies:
        return None
    before, after = seq[: FLANK + 1], seq[-FLANK - 1 :]
    if before.endswith(unit) or after.startswith(unit):
        return None  # not the maximal run
    context = fetch(windows, chrom, start0 - READ_SPAN, end + READ_SPAN)
    if context is None or any(_occurrences(context, a) != 1 for a in (before[1:], after[:-1])):
        return None
    return {"chrom": chrom, "start0": start0, "end": end, "name": name, "unit": unit, "copies": copies,
            "left_flank": before[1:], "right_flank": after[:-1], "marker": marker, "note": "."}


def _occurrences(text: str, word: str) -> int:
    """Occurrences of `word` in `text`, overlapping ones included."""
    n, i = 0, text.find(word)
    while i >= 0:
        n, i = n + 1, text.find(word, i + 1)
    return n


def build_loci(windows_fa, candidates_bed, markers_tsv, *, max_length: int = 30) -> list[dict]:
    """Rows of the loci list: every candidate of at most `max_length` bases the windows hold, then
    the named markers without sequence ("not staged"), sorted by chromosome and position."""
    windows = read_windows(windows_fa)
    rows, seen = [], set()
    with open(candidates_bed) as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            f = line.rstrip("\n").split("\t")
            chrom, start0, end, name, length, unit, copies = f[0], int(f[1]), int(f[2]), f[3], int(f[4]), f[6], int(f[7])
            if length > max_length or (chrom, start0) in seen:
                continue
            row = locus_row(windows, chrom, start0, end, name, unit, copies, f[10] if len(f) > 10 else ".")
            if row is not None:
                seen.add((chrom, start0))
                rows.append(row)
    staged = {r["marker"] for r in rows}
    with open(markers_tsv) as fh:
        for m in csv.DictReader(fh, delimiter="\t"):
            if m["marker"] in staged:
                continue
            start0, end = int(m["grch38_start"]) - 1, int(m["grch38_end"])
            rows.append({"chrom": m["grch38_chrom"], "start0": start0, "end": end,
                         "name": f"{m['unit']}{end - start0}", "unit": m["unit"], "copies": end - start0,
                         "left_flank": ".", "right_flank": ".", "marker": m["marker"],
                         "note": "not staged: no GRCh38 sequence in the project (lifted coordinates only)"})
    return sorted(rows, key=lambda r: (_chrom_rank(r["chrom"]), r["start0"]))


def _chrom_rank(chrom: str) -> tuple:
    c = chrom.removeprefix("chr")
    return (0, int(c), "") if c.isdigit() else (1, 0, c)


def write_loci(rows, path: Path) -> None:
    with open(path, "w") as fh:
        fh.write("\t".join(COLUMNS) + "\n")
        for r in rows:
            fh.write("\t".join(str(r[c]) for c in COLUMNS) + "\n")
