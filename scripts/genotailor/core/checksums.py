"""SHA-256 of files: sample-sheet checksums, knowledge-base manifests, provenance, test data."""

from __future__ import annotations

import hashlib

CHUNK_SIZE = 1 << 20


def sha256_file(path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks so a large FASTQ or reference fits in memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            digest.update(chunk)
    return digest.hexdigest()
