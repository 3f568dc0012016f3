"""The demo reference: real GRCh38 windows at their true coordinates, `N` everywhere else.

Input: `test-data/reference/source/grch38_windows.fa.gz`, real GRCh38 sequence windows with
headers like `>chr10:94757681-94857551 CYP2C19` (1-based inclusive, plus strand).

Output: `GRCh38_demo.fa.gz` (bgzip) with one contig per GRCh38 chromosome that holds a window,
each at its true GRCh38 length, so any coordinate in the demo reference is the same coordinate
in GRCh38 and the demo data can be analysed with the production configuration unchanged.
The cancer hotspot windows are shorter than a read pair, so the N positions within
`FLANK` bp of each of them are filled with seeded synthetic sequence; those intervals are
listed in `synthetic_flanks.bed` (real sequence is never overwritten).
"""

from __future__ import annotations

import gzip
import re
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from genotailor.core.errors import InputError
from genotailor.core.reference import GRCH38_LENGTHS as GENOME_LENGTHS
from genotailor.core.tools import run

# The chromosomes the demo reference holds (those with a window), at their true GRCh38 lengths.
DEMO_CHROMOSOMES = ("chr1", "chr2", "chr3", "chr4", "chr6", "chr7", "chr8", "chr10", "chr11", "chr12",
                    "chr13", "chr15", "chr16", "chr19", "chr22", "chrX")
GRCH38_LENGTHS = {c: GENOME_LENGTHS[c] for c in DEMO_CHROMOSOMES}

LINE_WIDTH = 60
FLANK = 600  # synthetic sequence on each side of a cancer window
REFERENCE_NAME = "GRCh38_demo.fa.gz"
FLANKS_BED = "synthetic_flanks.bed"
_HEADER = re.compile(r"^>(\S+):(\d+)-(\d+)\s+(\S+)")
_CANCER_NAME = re.compile(r"^[A-Z0-9]+_ex\d+$")  # e.g. BRAF_ex15, EGFR_ex19


@dataclass(frozen=True)
class Window:
    """A real GRCh38 window: 1-based inclusive coordinates, plus-strand sequence."""

    chrom: str
    start: int
    end: int
    name: str
    seq: bytes

    @property
    def is_cancer(self) -> bool:
        return bool(_CANCER_NAME.match(self.name))


def read_windows(path: Path) -> list[Window]:
    """Parse the source windows; check coordinates, lengths, alphabet and overlaps."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: source windows FASTA not found")
    windows, header, chunks = [], None, []

    def flush():
        if header is None:
            return
        m = _HEADER.match(header)
        if not m:
            raise InputError(f"{path}: header {header!r} is not like '>chr10:94757681-94857551 NAME'")
        chrom, start, end, name = m.group(1), int(m.group(2)), int(m.group(3)), m.group(4)
        seq = b"".join(chunks).upper()
        if chrom not in GRCH38_LENGTHS:
            raise InputError(f"{path}: window {name} is on {chrom}, which the demo reference does not hold")
        if len(seq) != end - start + 1:
            raise InputError(f"{path}: window {name} has {len(seq)} bases, header says {end - start + 1}")
        if end > GRCH38_LENGTHS[chrom] or start < 1:
            raise InputError(f"{path}: window {name} lies outside {chrom}")
        if seq.translate(None, b"ACGTN"):
            raise InputError(f"{path}: window {name} has characters other than ACGTN")
        windows.append(Window(chrom, start, end, name, seq))

    with gzip.open(path, "rb") as fh:
        for line in fh:
            line = line.strip()
            if line.startswith(b">"):
                flush()
                header, chunks = line.decode(), []
            elif line:
                chunks.append(line)
    flush()
    by_chrom: dict[str, list[Window]] = {}
    for w in windows:
        by_chrom.setdefault(w.chrom, []).append(w)
    for chrom, ws in by_chrom.items():
        ws.sort(key=lambda w: w.start)
        for a, b in zip(ws, ws[1:]):
            if b.start <= a.end:
                raise InputError(f"{path}: windows {a.name} and {b.name} overlap")
    return windows


def synthetic_flank_intervals(windows: list[Window], flank: int = FLANK) -> list[tuple[str, int, int, str]]:
    """N intervals within `flank` bp of each cancer window (0-based half-open, merged).

    Real sequence is excluded, so intervals between close windows (EGFR exons) are shared;
    the name column lists the cancer window(s) each interval flanks.
    """
    out = []
    for chrom in GRCH38_LENGTHS:
        ws = sorted((w for w in windows if w.chrom == chrom), key=lambda w: w.start)
        cancer = [w for w in ws if w.is_cancer]
        if not cancer:
            continue
        # candidate spans, 0-based half-open
        spans = sorted(
            (max(0, w.start - 1 - flank), min(GRCH38_LENGTHS[chrom], w.end + flank), w.name) for w in cancer
        )
        merged: list[list] = []
        for s, e, n in spans:
            if merged and s <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
                merged[-1][2].append(n)
            else:
                merged.append([s, e, [n]])
        for s, e, _names in merged:
            # subtract the real windows
            pieces = [(s, e)]
            for w in ws:
                ws0, we0 = w.start - 1, w.end
                nxt = []
                for a, b in pieces:
                    if we0 <= a or ws0 >= b:
                        nxt.append((a, b))
                        continue
                    if a < ws0:
                        nxt.append((a, ws0))
                    if we0 < b:
                        nxt.append((we0, b))
                pieces = nxt
            for a, b in pieces:
                near = [w.name for w in cancer if a < w.end + flank and b > w.start - 1 - flank]
                out.append((chrom, a, b, ",".join(near)))
    return out


def synthetic_sequences(flanks, seed: int) -> list[tuple[str, int, bytes]]:
    """Seeded random ACGT for each synthetic interval: [(chrom, 0-based start, bytes)]."""
    rng = np.random.default_rng([seed, 1])  # stream 1 of the build seed: synthetic flanks
    acgt = np.frombuffer(b"ACGT", dtype=np.uint8)
    return [(chrom, a, acgt[rng.integers(0, 4, size=b - a)].tobytes()) for chrom, a, b, _ in flanks]


class DemoGenome:
    """The demo chromosomes as sparse sequence segments on an all-`N` background."""

    def __init__(self, windows: list[Window], seed: int, flank: int = FLANK):
        self.windows = windows
        self.flanks = synthetic_flank_intervals(windows, flank)
        segs: dict[str, list[tuple[int, bytes]]] = {c: [] for c in GRCH38_LENGTHS}
        for w in windows:
            segs[w.chrom].append((w.start - 1, w.seq))
        for chrom, a, seq in synthetic_sequences(self.flanks, seed):
            segs[chrom].append((a, seq))
        for v in segs.values():
            v.sort(key=lambda x: x[0])
        self.segments = segs
        self.lengths = dict(GRCH38_LENGTHS)

    @classmethod
    def from_segments(cls, lengths: dict, segments: dict) -> DemoGenome:
        """A genome of the given contig lengths holding `segments` ({chrom: [(0-based start, bytes)]})."""
        self = cls.__new__(cls)
        self.windows, self.flanks = [], []
        self.lengths = dict(lengths)
        self.segments = {c: sorted(segments.get(c, []), key=lambda x: x[0]) for c in lengths}
        return self

    def fetch(self, chrom: str, start: int, end: int) -> bytes:
        """Sequence of [start, end) (0-based half-open)."""
        out = bytearray(b"N") * (end - start)
        for a, seq in self.segments[chrom]:
            b = a + len(seq)
            if b <= start or a >= end:
                continue
            lo, hi = max(a, start), min(b, end)
            out[lo - start : hi - start] = seq[lo - a : hi - a]
        return bytes(out)

    def has_sequence(self, chrom: str, start: int, end: int) -> bool:
        """True if [start, end) overlaps real or synthetic sequence."""
        return any(a < end and a + len(seq) > start for a, seq in self.segments[chrom])


# --- BGZF writing -------------------------------------------------------------------------
# The demo FASTA is ~2.2 GB uncompressed, nearly all `N`. Blocks that hold only N lines differ
# only by their phase within the 61-byte line, so each distinct one is compressed once and
# reused: the whole reference is written in seconds, at zlib level 9.

BGZF_BLOCK = 0xFF00  # uncompressed bytes per block, as bgzip
BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
_NLINE = b"N" * LINE_WIDTH + b"\n"
_NPATTERN = _NLINE * (BGZF_BLOCK // len(_NLINE) + 2)


def bgzf_block(data: bytes, level: int = 9) -> bytes:
    """One BGZF block (gzip member with the BC extra field) holding `data`."""
    comp = zlib.compressobj(level, zlib.DEFLATED, -15)
    cdata = comp.compress(data) + comp.flush()
    if len(cdata) + 26 > 65536:  # incompressible: store
        comp = zlib.compressobj(0, zlib.DEFLATED, -15)
        cdata = comp.compress(data) + comp.flush()
    header = b"\x1f\x8b\x08\x04\x00\x00\x00\x00\x00\xff\x06\x00BC\x02\x00" + struct.pack("<H", len(cdata) + 25)
    return header + cdata + struct.pack("<II", zlib.crc32(data), len(data))


class _Layout:
    """Positions of headers and sequence lines in the uncompressed FASTA stream."""

    def __init__(self, genome: DemoGenome):
        self.genome = genome
        self.records = []  # (chrom, header_start, header_bytes, body_start, body_len, length)
        pos = 0
        for chrom, length in genome.lengths.items():
            header = b">" + chrom.encode() + b"\n"
            nlines = -(-length // LINE_WIDTH)
            body_len = length + nlines
            self.records.append((chrom, pos, header, pos + len(header), body_len, length))
            pos += len(header) + body_len
        self.total = pos

    def _body(self, chrom, length, a, b) -> bytes:
        """Bytes [a, b) of a record's line-formatted body."""
        w = LINE_WIDTH + 1
        l1, l2 = a // w, (b - 1) // w
        seq = self.genome.fetch(chrom, l1 * LINE_WIDTH, min(length, (l2 + 1) * LINE_WIDTH))
        text = b"".join(seq[i : i + LINE_WIDTH] + b"\n" for i in range(0, len(seq), LINE_WIDTH))
        return text[a - l1 * w : b - l1 * w]

    def pure_n_phase(self, a: int, b: int):
        """Phase of the N-line pattern if stream bytes [a, b) are whole-line N only, else None."""
        for chrom, _h, _hb, bs, bl, length in self.records:
            if bs <= a and b <= bs + bl:
                w = LINE_WIDTH + 1
                l1, l2 = (a - bs) // w, (b - 1 - bs) // w
                if length % LINE_WIDTH and l2 == bl // w:  # touches the short last line
                    return None
                if self.genome.has_sequence(chrom, l1 * LINE_WIDTH, (l2 + 1) * LINE_WIDTH):
                    return None
                return (a - bs) % w
        return None

    def bytes(self, a: int, b: int) -> bytes:
        out = []
        for chrom, hs, hb, bs, bl, length in self.records:
            re_ = bs + bl
            if re_ <= a or hs >= b:
                continue
            lo, hi = max(a, hs), min(b, bs)
            if lo < hi:
                out.append(hb[lo - hs : hi - hs])
            lo, hi = max(a, bs), min(b, re_)
            if lo < hi:
                out.append(self._body(chrom, length, lo - bs, hi - bs))
        return b"".join(out)


def write_bgzf_fasta(genome: DemoGenome, path: Path, level: int = 9) -> None:
    layout = _Layout(genome)
    cache: dict[tuple[int, int], bytes] = {}
    with open(path, "wb") as fh:
        for a in range(0, layout.total, BGZF_BLOCK):
            b = min(a + BGZF_BLOCK, layout.total)
            phase = layout.pure_n_phase(a, b)
            if phase is None:
                fh.write(bgzf_block(layout.bytes(a, b), level))
                continue
            key = (phase, b - a)
            if key not in cache:
                cache[key] = bgzf_block(_NPATTERN[phase : phase + b - a], level)
            fh.write(cache[key])
        fh.write(BGZF_EOF)


def write_reference(out_dir: Path, source: Path, seed: int) -> DemoGenome:
    """Write GRCh38_demo.fa.gz (+ .fai and .gzi from `samtools faidx`) and synthetic_flanks.bed."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    genome = DemoGenome(read_windows(source), seed)
    fa = out_dir / REFERENCE_NAME
    for suffix in ("", ".fai", ".gzi"):
        Path(str(fa) + suffix).unlink(missing_ok=True)
    write_bgzf_fasta(genome, fa)
    run(["samtools", "faidx", fa], f"indexing the demo reference {fa}")
    with open(out_dir / FLANKS_BED, "w") as fh:
        fh.write("# Synthetic sequence (seeded random, NOT GRCh38) beside the cancer windows; 0-based half-open\n")
        fh.write("#chrom\tstart\tend\tflanked_windows\n")
        for chrom, a, b, names in genome.flanks:
            fh.write(f"{chrom}\t{a}\t{b}\t{names}\n")
    return genome
