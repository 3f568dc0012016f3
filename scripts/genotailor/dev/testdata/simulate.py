"""An Illumina-like paired-end read simulator for the demo data.

The model, in the order the simulator applies it:

1. Haplotypes. Each haplotype is a weight and a set of variants (VCF-style REF/ALT, 1-based,
   SNVs, MNVs and indels). A germline sample is two haplotypes of weight 0.5; a tumour is a
   mixture (e.g. normal cells plus clones carrying somatic variants), so the weights set the
   variant allele fractions exactly in expectation.
2. Fragments. A target interval is chosen with probability proportional to its length, a
   fragment length is drawn from normal(mean, sd) limited to [min, max] (out-of-range draws are
   drawn again, so no false peak forms at the bounds) and to the target length,
   and the fragment is placed uniformly inside the target, so fragments never leave the
   sequence the caller declares (no all-`N` reads). A haplotype is chosen by weight and a strand
   at random. A fraction of read pairs are PCR duplicates: additional copies of an already
   drawn fragment (sequencing errors on the copies are independent, as on a real flow cell).
3. Reads. R1 reads the fragment's 5' end, R2 the 3' end on the other strand. A fragment
   shorter than the read length reads through into the Illumina adapter (R1:
   AGATCGGAAGAGCACACGTCTGAACTCCAGTCA, R2: AGATCGGAAGAGCGTCGTGTAGGGAAAGAGTGT) and then
   into poly-G, as on two-colour instruments when no signal is left.
4. Qualities and errors. Each base gets a NovaSeq-binned quality (Phred 2, 12, 23, 37);
   the chance of a high-quality bin falls towards the 3' end, more for R2 and for poor
   clusters. A substitution error is then drawn with a probability set by the base's bin, so
   errors and low qualities go together; Q2 bases are often called `N`.
5. Names. `@SIM:<run>:<flowcell>:<lane>:<tile>:<x>:<y> <read>:N:0:<index>`, unique cluster
   coordinates, output in flow-cell order (tile, y, x), R1 and R2 in the same order.

All randomness comes from `numpy.random.default_rng(seed)`; FASTQ files are gzip'ed with
mtime 0 and no file name, so the same arguments give byte-identical files.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

ADAPTER_R1 = b"AGATCGGAAGAGCACACGTCTGAACTCCAGTCA"
ADAPTER_R2 = b"AGATCGGAAGAGCGTCGTGTAGGGAAAGAGTGT"
QUALITY_BINS = (2, 12, 23, 37)  # NovaSeq binned Phred scores
_COMPLEMENT = bytes.maketrans(b"ACGTNacgtn", b"TGCANtgcan")
_BASES = np.frombuffer(b"ACGT", dtype=np.uint8)


def revcomp(seq: bytes) -> bytes:
    return seq.translate(_COMPLEMENT)[::-1]


@dataclass(frozen=True)
class Variant:
    """A variant in VCF representation: 1-based position, REF as in the reference."""

    chrom: str
    pos: int
    ref: str
    alt: str


@dataclass(frozen=True)
class Haplotype:
    weight: float
    variants: tuple[Variant, ...] = ()


@dataclass(frozen=True)
class Library:
    """Library and sequencing characteristics."""

    read_length: int = 150
    fragment_mean: float = 300.0
    fragment_sd: float = 70.0
    fragment_min: int = 60
    fragment_max: int = 700
    duplicate_rate: float = 0.08
    # probability of the top quality bin (Q37) at the first and the last cycle of R1
    q37_first: float = 0.97
    q37_last: float = 0.86
    r2_penalty: float = 0.04  # R2 has this much less Q37 at every cycle
    poor_cluster_fraction: float = 0.03  # clusters with a much worse quality profile
    # how the remaining (non-Q37) probability is split over Q23, Q12, Q2
    low_bins: tuple[float, float, float] = (0.78, 0.18, 0.04)
    # substitution error probability for a base in bin Q2, Q12, Q23, Q37
    error_by_bin: tuple[float, float, float, float] = (0.5, 0.06, 0.005, 0.0002)
    n_fraction_q2: float = 0.5  # share of Q2 bases reported as N

    def error_free(self) -> Library:
        """The same library with perfect sequencing (for tests of the fragment model)."""
        return replace(
            self, q37_first=1.0, q37_last=1.0, r2_penalty=0.0, poor_cluster_fraction=0.0,
            error_by_bin=(0.0, 0.0, 0.0, 0.0), n_fraction_q2=0.0,
        )

    def mean_covered_bases(self) -> float:
        """Expected reference bases covered by one read pair (reads overlap on short fragments)."""
        lengths = np.arange(self.fragment_min, self.fragment_max + 1, dtype=float)
        z = (lengths - self.fragment_mean) / self.fragment_sd
        pdf = np.exp(-0.5 * z * z)
        pdf = pdf / pdf.sum()  # out-of-range draws are redrawn: the normal truncated to the bounds
        return float((np.minimum(lengths, 2 * self.read_length) * pdf).sum())


@dataclass
class ReadSet:
    """Simulated pairs plus the truth about each one (for tests and depth summaries)."""

    names: list[str]
    r1: np.ndarray  # (n, read_length) uint8 bases
    r2: np.ndarray
    q1: np.ndarray  # (n, read_length) uint8 Phred scores
    q2: np.ndarray
    comment_index: str
    fragments: dict = field(default_factory=dict)  # arrays: target, start, end, strand, hap, source

    def __len__(self):
        return len(self.names)

    def fastq_bytes(self, read: int) -> bytes:
        seqs, quals = (self.r1, self.q1) if read == 1 else (self.r2, self.q2)
        qual_text = (quals + 33).astype(np.uint8)
        comment = f" {read}:N:0:{self.comment_index}\n".encode()
        out = []
        for name, s, q in zip(self.names, seqs, qual_text):
            out.append(b"@" + name.encode() + comment + s.tobytes() + b"\n+\n" + q.tobytes() + b"\n")
        return b"".join(out)

    def write(self, r1_path: Path, r2_path: Path, level: int = 9) -> None:
        for read, path in ((1, r1_path), (2, r2_path)):
            write_gzip(path, self.fastq_bytes(read), level)

    def coverage(self, chrom: str, positions, exclude_duplicates: bool = False) -> np.ndarray:
        """Read depth (bases of R1 or R2 on the reference, overlapping mates counted once) at
        1-based positions, from the fragment truth. Indels are ignored (coordinates are
        reference-based), which is accurate to a few reads next to an indel."""
        f = self.fragments
        mask = f["chrom"] == chrom
        if exclude_duplicates:
            mask &= ~f["duplicate"]
        s, e = f["start"][mask], f["end"][mask]
        rl = self.r1.shape[1]
        out = []
        for p in positions:
            x = p - 1
            in_r1 = (x >= s) & (x < np.minimum(s + rl, e))
            in_r2 = (x >= np.maximum(e - rl, s)) & (x < e)
            out.append(int((in_r1 | in_r2).sum()))
        return np.array(out)


def write_gzip(path: Path, data: bytes, level: int = 9) -> None:
    """gzip with mtime 0 and no stored file name: identical input gives identical bytes."""
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=level, mtime=0) as gz:
            gz.write(data)


class _TargetHaplotypes:
    """Haplotype sequences of each target interval, with a reference->haplotype offset map."""

    def __init__(self, genome, targets, haplotypes):
        self.seqs = []  # [target][hap] -> bytes
        self.maps = []  # [target][hap] -> int array of length L+1
        for chrom, start, end in targets:
            ref = genome.fetch(chrom, start, end)
            ref = ref.encode() if isinstance(ref, str) else bytes(ref)
            ref = ref.upper()
            if len(ref) != end - start:
                raise ValueError(f"target {chrom}:{start}-{end} runs off the reference")
            if b"N" in ref:
                raise ValueError(f"target {chrom}:{start}-{end} contains N (no sequence there)")
            seqs, maps = [], []
            for hap in haplotypes:
                s, m = _apply(ref, chrom, start, end, hap.variants)
                seqs.append(s)
                maps.append(m)
            self.seqs.append(seqs)
            self.maps.append(maps)


def _apply(ref: bytes, chrom: str, start: int, end: int, variants) -> tuple[bytes, np.ndarray]:
    """Apply the variants that fall in [start, end) to `ref`; return sequence and offset map."""
    pieces, prev = [], 0
    mapping = np.arange(len(ref) + 1, dtype=np.int64)
    vs = sorted((v for v in variants if v.chrom == chrom and start <= v.pos - 1 < end), key=lambda v: v.pos)
    delta = 0
    for v in vs:
        o = v.pos - 1 - start
        r, a = v.ref.encode(), v.alt.encode()
        if o + len(r) > len(ref):
            raise ValueError(f"variant {v} runs past the end of its target {chrom}:{start}-{end}")
        if ref[o : o + len(r)] != r:
            raise ValueError(f"variant {v}: REF does not match the reference ({ref[o:o + len(r)].decode()})")
        if o < prev:
            raise ValueError(f"variant {v} overlaps the previous variant on the same haplotype")
        pieces.append(ref[prev:o])
        pieces.append(a)
        h0 = o + delta
        inner = np.arange(o + 1, o + len(r))
        mapping[inner] = h0 + np.minimum(inner - o, len(a))
        delta += len(a) - len(r)
        mapping[o + len(r) :] += len(a) - len(r)
        prev = o + len(r)
    pieces.append(ref[prev:])
    return b"".join(pieces), mapping


def _unique_clusters(rng, n, tiles, width=32000, height=37000):
    """n distinct (tile, x, y) cluster coordinates, sorted in flow-cell order."""
    space = len(tiles) * width * height
    codes = np.unique(rng.integers(0, space, size=n))
    while len(codes) < n:
        codes = np.unique(np.concatenate([codes, rng.integers(0, space, size=n - len(codes))]))
    tile_idx, rest = np.divmod(codes, width * height)
    y, x = np.divmod(rest, width)
    return np.asarray(tiles)[tile_idx], x + 1000, y + 1000


NOVASEQ_TILES = tuple(s * 1000 + sw * 100 + t for s in (1, 2) for sw in (1, 2, 3, 4) for t in range(1, 79))


def simulate(
    genome,
    targets,
    haplotypes,
    n_pairs: int,
    seed,
    library: Library = Library(),
    *,
    run: int = 1,
    flowcell: str = "HDEMOSIM1",
    lane: int = 1,
    index: str = "ACGTACGT+TGCATGCA",
) -> ReadSet:
    """Simulate `n_pairs` read pairs.

    genome: object with fetch(chrom, start, end) (0-based half-open; pysam.FastaFile works);
    targets: [(chrom, start, end)] 0-based half-open intervals holding sequence;
    haplotypes: [Haplotype]; weights are normalised.
    """
    rng = np.random.default_rng(seed)
    lib = library
    rl = lib.read_length
    targets = [(str(c), int(s), int(e)) for c, s, e in targets]
    haps = _TargetHaplotypes(genome, targets, haplotypes)
    lengths = np.array([e - s for _, s, e in targets], dtype=np.int64)
    weights = np.array([h.weight for h in haplotypes], dtype=float)
    weights = weights / weights.sum()

    # --- fragments ----------------------------------------------------------------------
    n_unique = max(1, int(round(n_pairs * (1.0 - lib.duplicate_rate))))
    t_idx = rng.choice(len(targets), size=n_unique, p=lengths / lengths.sum())
    flen = _fragment_lengths(rng, n_unique, lib)
    flen = np.minimum(flen, lengths[t_idx])
    offset = (rng.random(n_unique) * (lengths[t_idx] - flen + 1)).astype(np.int64)
    hap_idx = rng.choice(len(haplotypes), size=n_unique, p=weights)
    strand = rng.integers(0, 2, size=n_unique)
    # PCR duplicates: extra copies of fragments already drawn
    source = np.concatenate([np.arange(n_unique), rng.integers(0, n_unique, size=n_pairs - n_unique)])
    order = rng.permutation(n_pairs)  # flow-cell position of each pair is random
    source = source[order]
    is_dup = order >= n_unique

    # --- insert sequences (R1 reads `frag` forwards, R2 reads it reverse-complemented) -----
    inserts = []
    for t, o, f, h, st in zip(t_idx, offset, flen, hap_idx, strand):
        m = haps.maps[t][h]
        frag = haps.seqs[t][h][m[o] : m[o + f]]
        inserts.append(revcomp(frag) if st else frag)
    tail1 = ADAPTER_R1 + b"G" * rl
    tail2 = ADAPTER_R2 + b"G" * rl
    r1 = np.empty((n_pairs, rl), dtype=np.uint8)
    r2 = np.empty((n_pairs, rl), dtype=np.uint8)
    b1, b2 = [], []
    for i in source:
        ins = inserts[i]
        b1.append((ins[:rl] + tail1)[:rl] if len(ins) < rl else ins[:rl])
        rc = revcomp(ins)
        b2.append((rc[:rl] + tail2)[:rl] if len(rc) < rl else rc[:rl])
    r1[:] = np.frombuffer(b"".join(b1), dtype=np.uint8).reshape(n_pairs, rl)
    r2[:] = np.frombuffer(b"".join(b2), dtype=np.uint8).reshape(n_pairs, rl)

    # --- qualities and errors -----------------------------------------------------------------
    q1, r1 = _sequence(rng, r1, lib, penalty=0.0)
    q2, r2 = _sequence(rng, r2, lib, penalty=lib.r2_penalty)

    # --- names ------------------------------------------------------------------------------
    tiles, xs, ys = _unique_clusters(rng, n_pairs, NOVASEQ_TILES)
    names = [f"SIM:{run}:{flowcell}:{lane}:{t}:{x}:{y}" for t, x, y in zip(tiles.tolist(), xs.tolist(), ys.tolist())]

    starts = np.array([targets[t][1] for t in t_idx], dtype=np.int64) + offset
    fragments = {
        "chrom": np.array([targets[t][0] for t in t_idx], dtype=object)[source],
        "start": starts[source],
        "end": (starts + flen)[source],
        "length": flen[source],
        "strand": strand[source],
        "hap": hap_idx[source],
        "source": source,
        "duplicate": is_dup,
    }
    return ReadSet(names, r1, r2, q1, q2, index, fragments)


def _fragment_lengths(rng, n: int, lib: Library) -> np.ndarray:
    """normal(mean, sd) rounded, limited to [min, max]: out-of-range draws are drawn again (so
    the bounds do not pile up, which would show as a false insert-size peak), and what is still
    out of range after a few rounds is clipped."""
    flen = np.rint(rng.normal(lib.fragment_mean, lib.fragment_sd, n))
    for _ in range(8):
        bad = (flen < lib.fragment_min) | (flen > lib.fragment_max)
        if not bad.any():
            break
        flen[bad] = np.rint(rng.normal(lib.fragment_mean, lib.fragment_sd, int(bad.sum())))
    return np.clip(flen, lib.fragment_min, lib.fragment_max).astype(np.int64)


def _sequence(rng, bases: np.ndarray, lib: Library, penalty: float):
    """Binned qualities per base and substitution errors drawn from them."""
    n, rl = bases.shape
    x = np.arange(rl) / max(1, rl - 1)
    p37 = lib.q37_first - (lib.q37_first - lib.q37_last) * x**2 - penalty  # per cycle
    # some clusters are much worse along their whole length
    poor = rng.random(n) < lib.poor_cluster_fraction
    scale = np.where(poor, 0.45, 1.0)[:, None]
    p37 = np.clip(p37[None, :] * scale, 0.0, 1.0)
    lo = np.asarray(lib.low_bins, dtype=float)
    lo = lo / lo.sum()
    u = rng.random((n, rl))
    # cumulative thresholds: Q37 first, then Q23, Q12, Q2
    c1 = p37
    c2 = c1 + (1 - p37) * lo[0]
    c3 = c2 + (1 - p37) * lo[1]
    bin_idx = np.where(u < c1, 3, np.where(u < c2, 2, np.where(u < c3, 1, 0)))
    quals = np.asarray(QUALITY_BINS, dtype=np.uint8)[bin_idx]
    err_p = np.asarray(lib.error_by_bin, dtype=float)[bin_idx]
    err = rng.random((n, rl)) < err_p
    out = bases.copy()
    if err.any():
        # substitute with one of the three other bases
        code = np.minimum(np.searchsorted(_BASES, out[err]), 3)  # A=0 C=1 G=2 T=3
        new = (code + rng.integers(1, 4, size=code.size)) % 4
        out[err] = _BASES[new]
    ncall = (bin_idx == 0) & (rng.random((n, rl)) < lib.n_fraction_q2)
    out[ncall] = ord("N")
    return quals, out
