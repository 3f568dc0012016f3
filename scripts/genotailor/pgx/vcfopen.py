"""Reading the patient's VCF for the PGx engine: opened early, in the background, read as text.

`genotailor pgx` reads a few kilobases around ~1,200 defining positions of a whole-genome VCF, so
its run time is mostly fixed costs, and the largest is loading the whole-genome tabix index. This
module keeps that off the critical path:

- the file is opened through pysam's `TabixFile` (htslib's BGZF and tabix index code), which
  loads the index in half the time `VariantFile` takes and without holding the GIL, in a
  background thread started right after pysam is imported (`prefetch_vcf`); the engine imports
  and loads its knowledge base meanwhile, and `opened` waits for it;
- only the records at defining positions are parsed (`Record`), from the tab-separated line:
  position, REF/ALT, FILTER and the sample's GT, DP and PS, as VCF 4.x defines them. The
  equivalence with pysam's own VariantFile parsing is tested record by record
  (tests/test_pgx_fast_paths.py).

The fast path reads a bgzipped, indexed file (.tbi, or .csi), as the hand-off contract gives
it. A plain or plain-gzip VCF, or a bgzipped one without an index, is accepted through a slower
path: `indexed_copy` writes a bgzipped, indexed copy into a temporary folder (never beside the
input), which the run reads instead and removes at its end.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pysam

from genotailor.core.contigs import GRCH38_LENGTHS, match_contigs
from genotailor.core.errors import InputError


class Record:
    """One VCF record as the engine reads it: 1-based position, alleles (REF first), FILTER
    values other than PASS, and the sample's genotype (allele indexes, None for '.'), whether
    it is phased, depth and phase set."""

    __slots__ = ("pos", "ref", "alleles", "filters", "gt", "phased", "dp", "ps")

    def __init__(self, pos, ref, alleles, filters, gt, phased, dp, ps):
        self.pos, self.ref, self.alleles, self.filters = pos, ref, alleles, filters
        self.gt, self.phased, self.dp, self.ps = gt, phased, dp, ps

    def __repr__(self):
        return f"Record({self.pos}, {self.ref}, {self.alleles}, {self.filters}, {self.gt}, {self.phased}, " \
               f"{self.dp}, {self.ps})"


def _depth(text):
    """DP as an integer (a Float-typed DP is truncated, as before); None if missing."""
    if text in (None, "", "."):
        return None
    try:
        return int(text)
    except ValueError:
        return int(float(text))  # ValueError for text that is not a number: reported by record()


def _phase_set(text):
    """PS: an integer per the VCF specification; other text is kept as the set's name."""
    if text in (None, "", "."):
        return None
    try:
        return int(text)
    except ValueError:
        return text


def parse_genotype(text: str | None):
    """(allele indexes with None for '.', phased) of a VCF GT value; (None, False) if absent.

    Phased as htslib reads it: every separator '|' (a haploid call counts as phased); a VCF 4.4
    leading phase indicator ('|0|1', '/0/1') belongs to the first allele."""
    if text is None or text == "":
        return None, False
    if text[0] in "|/":
        text = text[1:]
    phased = "/" not in text
    parts = text.replace("|", "/").split("/")
    gt = tuple(None if p == "." else int(p) for p in parts)  # ValueError if not a genotype
    return gt, phased


class IndexedVcf:
    """A bgzipped, tabix-indexed VCF and the sample column to read."""

    def __init__(self, path, sample: str | None):
        path = str(path)
        self.path = path
        index = next((f"{path}{ext}" for ext in (".tbi", ".csi") if Path(f"{path}{ext}").exists()), None)
        if index is None:
            raise InputError(f"{path}: no tabix index ({path}.tbi or .csi): the VCF must be bgzipped and "
                             f"indexed (tabix -p vcf {path})")
        self.samples, declared = self._header(path)
        if not self.samples:
            raise InputError(f"{path}: the VCF has no sample column")
        if sample is None:
            sample = self.samples[0]
        elif sample not in self.samples:
            raise InputError(f"{path}: no sample {sample!r} (samples: {', '.join(self.samples)})")
        self.sample = sample
        self.column = 9 + self.samples.index(sample)
        try:
            # latin-1 decodes any byte: annotations (INFO) may hold UTF-8 text, which the fields
            # read here (positions, alleles, FILTER, GT/DP/PS) never do.
            self.tabix = pysam.TabixFile(path, index=index, encoding="latin-1")
        except (OSError, ValueError) as e:
            raise InputError(f"{path}: cannot read it as a bgzipped, indexed VCF ({e})") from None
        # '22' is read as chr22 (the knowledge base's name), and header lengths of another build refused
        # (core.contigs: the rule the workflow's normalization follows)
        self.indexed = set(self.tabix.contigs)
        self.names = match_contigs(path, {**dict.fromkeys(sorted(self.indexed)), **declared}, GRCH38_LENGTHS, "GRCh38")

    @staticmethod
    def _samples(path) -> list[str]:
        return IndexedVcf._header(path)[0]

    @staticmethod
    def _header(path) -> tuple[list[str], dict]:
        """(sample columns, ##contig names with their lengths or None) of the header."""
        contigs = {}
        try:
            with pysam.BGZFile(path, "rb") as fh:
                for raw in fh:
                    line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
                    if line.startswith("#CHROM"):
                        return line.split("\t")[9:], contigs
                    if line.startswith("##contig=<"):
                        fields = dict(kv.split("=", 1) for kv in line[10:].rstrip(">").split(",") if "=" in kv)
                        if "ID" in fields:
                            length = fields.get("length")
                            contigs[fields["ID"]] = int(length) if length and length.isdigit() else None
                    elif not line.startswith("##"):
                        break
        except OSError as e:
            raise InputError(f"{path}: cannot read it as a bgzipped VCF ({e})") from None
        raise InputError(f"{path}: no '#CHROM' header line: not a VCF")

    def has_contig(self, chrom: str) -> bool:
        """Whether the VCF has the reference contig `chrom` (spelled `chr22` or `22`), in its header
        or its index."""
        return self.names.vcf(chrom) is not None

    def lines(self, chrom: str, start: int, end: int):
        """Data lines overlapping [start, end) (0-based, half-open) of the reference contig `chrom`;
        none if the contig is absent."""
        chrom = self.names.vcf(chrom)
        if chrom is None or chrom not in self.indexed:
            return ()
        try:
            return self.tabix.fetch(chrom, start, end)
        except ValueError:  # contig not in the index
            return ()

    def record(self, line: str) -> Record:
        """The Record of one data line, for this VCF's sample."""
        f = line.rstrip("\r\n").split("\t")
        if len(f) <= self.column:
            raise InputError(f"{self.path}: record at {f[0]}:{f[1] if len(f) > 1 else '?'} has fewer columns "
                             "than the header names")
        ref, alleles, filters = record_site(f)
        gt, phased, dp, ps = sample_values(self.path, f, f[self.column], alleles)
        return Record(int(f[1]), ref, alleles, filters, gt, phased, dp, ps)


def record_site(f: list[str]):
    """(REF, alleles with REF first, FILTER values other than PASS) of a split data line."""
    ref, alt = f[3], f[4]
    alleles = (ref,) if alt in (".", "") else (ref, *alt.split(","))
    filters = [] if f[6] in (".", "PASS") else [x for x in f[6].split(";") if x != "PASS"]
    return ref, alleles, filters


def sample_values(path, f: list[str], value_text: str, alleles) -> tuple:
    """(GT allele indexes, phased, DP, PS) of one sample's FORMAT values `value_text` in the split
    data line `f` (the per-patient reader and the cohort reader both read a sample through this)."""
    keys, values = f[8].split(":"), value_text.split(":")
    where = f"{path}: record at {f[0]}:{f[1]}"
    if len(values) > len(keys) or len(set(keys)) < len(keys) or ("GT" in keys and keys[0] != "GT"):
        raise InputError(f"{where}: FORMAT {f[8]} and the sample's values {value_text} do not match "
                         "(GT must come first, keys once, no more values than keys)")
    field = dict(zip(keys, values))  # trailing fields may be dropped: they are missing
    try:
        gt, phased = parse_genotype(field.get("GT"))
        dp, ps = _depth(field.get("DP")), _phase_set(field.get("PS"))
    except ValueError:
        raise InputError(f"{where}: unreadable GT, DP or PS in {f[8]} = {value_text}") from None
    if gt is not None and any(a is not None and a >= len(alleles) for a in gt):
        raise InputError(f"{where}: genotype {field.get('GT')} names an allele the record does not have "
                         f"(REF {f[3]}, ALT {f[4]})")
    return gt, phased, dp, ps


def has_index(vcf_path) -> bool:
    """True when a tabix index lies beside the file: the fast path (nothing else is checked here;
    opening it reports a file that is not bgzipped)."""
    return any(Path(f"{vcf_path}{ext}").exists() for ext in (".tbi", ".csi"))


def indexed_copy(vcf_path, workdir) -> str:
    """A bgzipped, tabix-indexed copy of a plain, gzip or unindexed bgzip VCF, written in
    `workdir` (the caller's temporary folder); its path."""
    import shutil

    from genotailor.core.formats import open_maybe_gzip

    src = Path(vcf_path)
    if not src.is_file():
        raise InputError(f"{vcf_path}: VCF not found")
    dst = Path(workdir) / "input.vcf.gz"
    try:
        # gzip.open reads plain gzip and BGZF alike (BGZF is gzip in blocks); the copy is re-blocked
        with open_maybe_gzip(src, "rb") as fin, \
                pysam.BGZFile(str(dst), "wb") as fout:
            shutil.copyfileobj(fin, fout, 1 << 20)
    except (OSError, EOFError) as e:
        raise InputError(f"{vcf_path}: cannot read it as a plain or gzip-compressed VCF ({e})") from None
    try:
        pysam.tabix_index(str(dst), preset="vcf", force=True)
    except OSError as e:
        raise InputError(f"{vcf_path}: cannot index a copy of it ({e}); the VCF must be sorted by contig "
                         "and position (bcftools sort)") from None
    return str(dst)


def forget_vcf(vcf_path) -> None:
    """Drop an opened VCF from the cache (a temporary copy about to be removed)."""
    for key in [k for k in _OPEN if k[0] == str(vcf_path)]:
        _OPEN.pop(key, None)


def open_vcf(vcf_path, sample: str | None) -> IndexedVcf:
    """The VCF, ready to read `sample` (the first sample column if None)."""
    return IndexedVcf(vcf_path, sample)


class _Opening:
    """A VCF being opened in a background thread (see the module docstring)."""

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


def opened(vcf_path, sample) -> IndexedVcf:
    """The opened VCF, waiting for a prefetch in progress."""
    key = _key(vcf_path, sample)
    if key not in _OPEN:
        prefetch_vcf(vcf_path, sample)
    try:
        return _OPEN[key].get()
    except BaseException:
        _OPEN.pop(key, None)  # a failed open is not remembered
        raise
