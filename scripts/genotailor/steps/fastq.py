"""The reads of one sequencing unit, checked as they stream into the alignment pipeline.

fastp accepts damaged input quietly: a FASTQ cut short mid-record is logged ("sequence and
quality have different length") and the run exits 0 with the reads before the damage; R1/R2 with
different read counts, a FASTA named .fastq, or R2 from another lane are trimmed and aligned as
if nothing were wrong. A damaged upload must never become a report, so the pair is read here,
once, on its way to fastp (`interleave`): every record must be complete (header '@', '+' line,
as many qualities as bases), the gzip stream must end properly, and R1 and R2 must hold the same
number of reads with the same names in the same order. The first problem stops the unit, with a
message naming the file, the record and the fix.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

from genotailor.core.errors import InputError
from genotailor.core.formats import DESCRIPTIONS, checked_input


def _open(path):
    compression, kind = checked_input(path, "FASTQ", "the path in the sample sheet (units: r1/r2)")
    if kind == "fasta":
        raise InputError(f"FASTQ {path}: the file is FASTA (no base qualities), not FASTQ — give the FASTQ "
                         "files from the sequencer or demultiplexer")
    if kind != "fastq":
        raise InputError(f"FASTQ {path}: the file is {DESCRIPTIONS[kind]}, not FASTQ — give the FASTQ files "
                         "(plain or gzip-compressed) from the sequencer or demultiplexer")
    return gzip.open(path, "rb") if compression != "none" else open(path, "rb")


def _mate_name(header: bytes) -> bytes:
    """The read name both mates share: the first word, without a /1 or /2 suffix."""
    name = header[1:].split(None, 1)[0] if len(header) > 1 else b""
    return name[:-2] if name[-2:] in (b"/1", b"/2") else name


class _Reader:
    """FASTQ records of one file, checked one by one."""

    def __init__(self, path):
        self.path = path
        self.fh = _open(path)
        self.count = 0

    def close(self):
        self.fh.close()

    def _fail(self, what, fix="the file is damaged or cut short — copy it again from its source"):
        raise InputError(f"FASTQ {self.path}: {what} — {fix}")

    def next(self):
        """The mate name of the next read; None at the end of the file."""
        try:
            lines = [self.fh.readline() for _ in range(4)]
        except EOFError:
            self._fail(f"the gzip stream ends after read {self.count} without its end marker (cut short)")
        except (OSError, zlib.error) as exc:
            self._fail(f"the gzip data is damaged after read {self.count} ({exc})")
        header, seq, plus, qual = (line.rstrip(b"\r\n") for line in lines)
        if not lines[0]:
            return None
        self.count += 1
        n = self.count
        if not header.startswith(b"@"):
            self._fail(f"read {n} (line {4 * n - 3}) does not start with '@' — it is not a FASTQ record")
        if not lines[3]:
            self._fail(f"read {n} (line {4 * n - 3}) is incomplete: the file ends inside it")
        if not plus.startswith(b"+"):
            self._fail(f"read {n} (line {4 * n - 1}) has no '+' separator line")
        if len(seq) != len(qual):
            self._fail(f"read {n} (line {4 * n - 3}) has {len(seq)} bases but {len(qual)} quality values "
                       "(sequence and quality have different lengths)")
        return _mate_name(header)


def check_pair(r1, r2) -> int:
    """Read and check both files of a pair (see the module docstring); return the number of read pairs."""
    a, b = _Reader(Path(r1)), _Reader(Path(r2))
    try:
        while True:
            ra, rb = a.next(), b.next()
            if ra is None or rb is None:
                if ra is not None or rb is not None:
                    longer, shorter = (a, b) if ra is not None else (b, a)
                    raise InputError(
                        f"FASTQ {shorter.path}: ends after {shorter.count} reads but its mate {longer.path} has "
                        "more — R1 and R2 must hold the same reads; copy the shorter file again (it may be cut short)")
                break
            if ra != rb:
                raise InputError(
                    f"FASTQ {r2}: read {b.count} is {rb.decode(errors='replace')} but read {a.count} of {r1} is "
                    f"{ra.decode(errors='replace')} — the files are not mates (R2 of another lane or sample?); "
                    "give the R1 and R2 of the same unit")
        if a.count == 0:
            raise InputError(f"FASTQ {r1}: holds no reads — give the unit's FASTQ files with their reads")
        return a.count
    finally:
        a.close()
        b.close()
