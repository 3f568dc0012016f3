"""Opening the patient's VCF for the PGx engine, started early and in the background.

`genotailor pgx` spends a good part of its run loading the whole-genome tabix index of the VCF
(~0.1 s for a 5-million-record file). pysam loads it without holding the GIL, so the command starts
the open right after importing pysam (`prefetch_vcf`) and imports the engine and loads the
knowledge base meanwhile; `opened` waits for it. This module imports nothing else of the engine
so that the open can start first.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pysam

from genotailor.errors import InputError


def open_vcf(vcf_path, sample: str | None):
    """The VCF and the sample column to read (the first if not given)."""
    vcf = pysam.VariantFile(str(vcf_path))
    samples = list(vcf.header.samples)
    if not samples:
        vcf.close()
        raise InputError(f"{vcf_path}: the VCF has no sample column")
    if sample is None:
        sample = samples[0]
    elif sample not in samples:
        vcf.close()
        raise InputError(f"{vcf_path}: no sample {sample!r} (samples: {', '.join(samples)})")
    return vcf, sample


class _Opening:
    """A VCF being opened in a background thread: pysam loads the tabix index (~0.1 s for a
    whole genome) without holding the GIL, so the knowledge base loads meanwhile."""

    def __init__(self, vcf_path: str, sample: str | None):
        self.result = self.error = None
        self.thread = threading.Thread(target=self._run, args=(vcf_path, sample), daemon=True)
        self.thread.start()

    def _run(self, vcf_path, sample):
        try:
            self.result = open_vcf(vcf_path, sample)
        except BaseException as e:  # re-raised in the caller's thread by get()
            self.error = e

    def get(self):
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.result


_OPEN: dict = {}


def _key(vcf_path, sample):
    try:
        st = Path(vcf_path).stat()  # size and mtime: a rewritten file is reopened
    except FileNotFoundError:
        raise InputError(f"{vcf_path}: VCF not found") from None
    return str(vcf_path), sample, st.st_size, st.st_mtime_ns


def prefetch_vcf(vcf_path, sample: str | None) -> None:
    """Start opening the VCF for `gene_evidence` in the background (no-op if already open)."""
    key = _key(vcf_path, sample)
    if key not in _OPEN:
        if len(_OPEN) >= 4:
            _OPEN.clear()
        _OPEN[key] = _Opening(str(vcf_path), sample)


def opened(vcf_path, sample):
    """(open VariantFile, sample name) of the VCF, waiting for a prefetch in progress."""
    key = _key(vcf_path, sample)
    if key not in _OPEN:
        prefetch_vcf(vcf_path, sample)
    try:
        return _OPEN[key].get()
    except BaseException:
        _OPEN.pop(key, None)  # a failed open is not remembered
        raise
