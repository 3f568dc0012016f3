"""What an input file really is, read from its first bytes, before any tool opens it.

Users name files by habit: SAM text saved as `.bam`, a FASTA given as a FASTQ, a VCF compressed
with gzip instead of bgzip. Tools then fail deep inside with messages that blame the wrong thing
(`seek not implemented`, `truncated file`). Every input reader (VCF, BAM/CRAM, FASTQ, reference)
calls `checked_input` first: it names a missing file, a link loop, a folder, an unreadable or an
empty file, and returns the file's real format so the reader can say what it expected instead.
"""

from __future__ import annotations

import codecs
import errno
import gzip
import os
import zlib
from pathlib import Path

from genotailor.core.errors import InputError

GZIP_MAGIC = b"\x1f\x8b"

# Formats, as `sniff` names them, and how messages say them.
DESCRIPTIONS = {
    "bam": "a BAM file", "cram": "a CRAM file", "bcf": "a BCF file", "vcf": "VCF text",
    "sam": "SAM text", "fasta": "FASTA text", "fastq": "FASTQ text", "text": "text",
    "binary": "binary data of an unknown format", "empty": "empty",
}


def is_bgzf(head: bytes) -> bool:
    """BGZF (bgzip, BAM, BCF): a gzip member whose extra field holds the 'BC' subfield."""
    return len(head) >= 16 and head[:4] == b"\x1f\x8b\x08\x04" and head[12:14] == b"BC"


def _content_kind(data: bytes) -> str:
    if not data:
        return "empty"
    if data.startswith(b"BAM\x01"):
        return "bam"
    if data.startswith(b"BCF\x02") or data.startswith(b"BCF\x04"):
        return "bcf"
    if data.startswith(b"CRAM"):
        return "cram"
    if data.startswith(b"##fileformat=VCF") or data.startswith(b"#CHROM"):
        return "vcf"
    if data.startswith(b">"):
        return "fasta"
    if data.startswith(b"@"):
        # SAM headers are @HD/@SQ/@RG/@PG/@CO lines with tab-separated fields; FASTQ names are not.
        first = data.split(b"\n", 1)[0]
        if first[:3] in (b"@HD", b"@SQ", b"@RG", b"@PG", b"@CO") and b"\t" in first:
            return "sam"
        return "fastq"
    try:
        # incremental: a character cut at the 512th byte is not an error
        text = codecs.getincrementaldecoder("utf-8")().decode(data[:512], final=False)
    except UnicodeDecodeError:
        return "binary"
    return "text" if all(c.isprintable() or c in "\t\r\n" for c in text) else "binary"


def sniff(path) -> tuple[str, str]:
    """(compression, format) of a readable file: compression is 'none', 'gzip' or 'bgzf';
    format one of DESCRIPTIONS' keys, read from the (decompressed) start of the file."""
    with open(path, "rb") as fh:
        head = fh.read(65536)
    if head.startswith(GZIP_MAGIC):
        compression = "bgzf" if is_bgzf(head) else "gzip"
        try:
            data = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 4096)
        except zlib.error:
            return compression, "binary"
        return compression, _content_kind(data)
    return "none", _content_kind(head)


def checked_input(path, what: str, fix: str) -> tuple[str, str]:
    """Check that `path` is a readable, non-empty file and return `sniff(path)`.

    `what` names the input in messages ("VCF", "BAM/CRAM", "FASTQ"); `fix` says where the path
    comes from ("the path in the sample sheet")."""
    p = Path(path)
    try:
        st = p.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError(f"{what} {path}: a symbolic link that points to itself (a link loop) — "
                             "make it point to the real file") from None
        if exc.errno == errno.ENOENT:
            raise InputError(f"{what} {path}: file not found — check {fix}") from None
        raise InputError(f"{what} {path}: cannot open ({exc.strerror}) — check {fix}") from None
    if p.is_dir():
        raise InputError(f"{what} {path}: is a folder — give the path of a file in {fix}")
    if not os.access(p, os.R_OK):
        raise InputError(f"{what} {path}: cannot read it (permission denied) — make it readable (chmod +r)")
    if st.st_size == 0:
        raise InputError(f"{what} {path}: the file is empty — copy it again from its source")
    return sniff(p)


def open_maybe_gzip(path, mode="rt", **kwargs):
    """Open a plain or gzip/bgzip-compressed file by what its first bytes say, not its name."""
    with open(path, "rb") as fh:
        packed = fh.read(2) == GZIP_MAGIC
    return gzip.open(path, mode, **kwargs) if packed else open(path, mode, **kwargs)


def gunzip_to(path, out) -> None:
    """Decompress a gzip file (one or more members) to `out`; a truncated one is an InputError."""
    try:
        with gzip.open(path, "rb") as src, open(out, "wb") as dst:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
    except (EOFError, OSError, zlib.error) as exc:
        raise InputError(f"{path}: the gzip data is damaged or cut short ({exc}) — copy the file "
                         "again from its source") from None
