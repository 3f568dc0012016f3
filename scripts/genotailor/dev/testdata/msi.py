"""Simulated tumour/normal alignments over real GRCh38 microsatellite windows, with planted MSI.

Windows: `test-data/reference/source/msi_locus_windows.fa`, one real GRCh38 window per locus
of `test-data/reference/source/msi_loci.tsv` (the locus ± `WINDOW_PAD` bases, cut from the real
GRCh38 windows the loci list was built from; no base is synthetic). Reads come from the
project's read simulator (`simulate.py`), are aligned to the windows with bwa mem and moved to
their GRCh38 coordinates, so the BAMs look like any GRCh38 alignment restricted to these loci.

The planted truth, per sample (haplotype weights are exact in expectation):
- normal: reference-length alleles, plus PCR slippage shared by every sample: `STUTTER_MINUS` of
  the molecules one unit shorter and `STUTTER_PLUS` one unit longer at every locus;
- germline length polymorphisms (optional, `germline_fraction` of the loci outside the unstable
  ones): one allele of normal and tumour cells differs by 1 or 2 units — what tumour-only MSI
  cannot tell from instability;
- tumour at purity p: the normal's alleles with weight 1 - p; tumour cells' two alleles with
  p / 2 each. At each unstable locus the first tumour allele loses `d1` units; at half of them the
  second loses `d2` units too (biallelic shifts, common in MSI-H). Unstable loci: a seeded
  `unstable_fraction` of the loci, always including BAT-25 and BAT-26 (unstable in nearly every
  MSI-H tumour). A stable tumour has none.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from genotailor.core.contigs import GRCH38_LENGTHS
from genotailor.core.tools import run
from genotailor.dev.testdata.simulate import Haplotype, Library, Variant, simulate
from genotailor.oncology.msi import read_loci

WINDOW_PAD = 350
STUTTER_MINUS = 0.04
STUTTER_PLUS = 0.01
ALWAYS_UNSTABLE = ("BAT-25", "BAT-26")
_HEADER = re.compile(r"^>(\S+):(\d+)-(\d+)\s+(\S+)")


class _Windows:
    """The windows FASTA as simulator contigs w000, w001, ... with their GRCh38 placement."""

    def __init__(self, path: Path):
        self.names, self.seqs, self.place = [], {}, {}
        name = None
        for line in Path(path).read_text().splitlines():
            if line.startswith(">"):
                m = _HEADER.match(line)
                name = f"w{len(self.names):03d}"
                self.names.append(name)
                self.seqs[name] = []
                self.place[name] = (m.group(1), int(m.group(2)) - 1, m.group(4))
            else:
                self.seqs[name].append(line.strip().upper())
        self.seqs = {k: "".join(v) for k, v in self.seqs.items()}

    def fetch(self, chrom, start, end) -> bytes:
        return self.seqs[chrom][start:end].encode()

    def write(self, path: Path):
        with open(path, "w") as fh:
            for n in self.names:
                s = self.seqs[n]
                fh.write(f">{n}\n" + "".join(s[i : i + 60] + "\n" for i in range(0, len(s), 60)))


def plant(loci, unstable_fraction: float, seed: int) -> dict:
    """locus name key (chrom:start) -> (d1, d2) units lost by the tumour's two alleles."""
    rng = np.random.default_rng([seed, 24])
    keys = [f"{lc.chrom}:{lc.start0 + 1}" for lc in loci]
    forced = [i for i, lc in enumerate(loci) if lc.marker in ALWAYS_UNSTABLE]
    n = int(round(unstable_fraction * len(loci)))
    if n == 0:
        return {}
    rest = [i for i in range(len(loci)) if i not in forced]
    chosen = sorted(forced + list(rng.choice(rest, size=max(0, n - len(forced)), replace=False)))
    out = {}
    for j, i in enumerate(chosen):
        lc = loci[i]
        top = 4 if len(lc.unit) == 1 else 2
        top = max(1, min(top, lc.copies - 3))
        d1 = int(rng.integers(1, top + 1))
        d2 = int(rng.integers(1, top + 1)) if j % 2 == 0 else 0
        out[keys[i]] = (d1, d2)
    return out


def _indel(win: _Windows, contig: str, lc, units: int) -> Variant:
    """`units` repeat units deleted (< 0) or inserted (> 0) at a locus, left-anchored (VCF style)."""
    off = lc.start0 - win.place[contig][1]  # repeat start within the window
    anchor = win.seqs[contig][off - 1]
    if units < 0:
        return Variant(contig, off, anchor + lc.unit * -units, anchor)
    return Variant(contig, off, anchor, anchor + lc.unit * units)


def germline_lengths(loci, fraction: float, seed: int, avoid=()) -> dict:
    """locus key -> units one germline allele differs by (+-1 or +-2; a length polymorphism), at a
    seeded `fraction` of the loci not in `avoid`."""
    rng = np.random.default_rng([seed, 25])
    keys = [f"{lc.chrom}:{lc.start0 + 1}" for lc in loci]
    free = [i for i, k in enumerate(keys) if k not in avoid and loci[i].copies > 4]
    n = min(len(free), int(round(fraction * len(loci))))
    chosen = sorted(rng.choice(free, size=n, replace=False)) if n else []
    return {keys[i]: int(rng.choice([-2, -1, 1, 2])) for i in chosen}


def haplotypes(win: _Windows, loci, planted: dict, purity: float, germline: dict | None = None) -> list[Haplotype]:
    contig_of = {(win.place[c][0], win.place[c][1] + WINDOW_PAD): c for c in win.names}
    located = [(contig_of[(lc.chrom, lc.start0)], lc) for lc in loci]
    stutter = [Haplotype(STUTTER_MINUS, tuple(_indel(win, c, lc, -1) for c, lc in located)),
               Haplotype(STUTTER_PLUS, tuple(_indel(win, c, lc, 1) for c, lc in located))]
    germline = germline or {}
    germ = tuple(_indel(win, c, lc, germline[f"{lc.chrom}:{lc.start0 + 1}"]) for c, lc in located
                 if f"{lc.chrom}:{lc.start0 + 1}" in germline)
    # without germline polymorphisms the normal alleles are one haplotype (the draws stay as they were)
    normal = [Haplotype(0.5, germ), Haplotype(0.5)] if germ else [Haplotype(1.0)]
    if purity == 0 or not planted:
        return [*normal, *stutter]
    t1, t2 = [], []
    for c, lc in located:
        d1, d2 = planted.get(f"{lc.chrom}:{lc.start0 + 1}", (0, 0))
        if d1:
            t1.append(_indel(win, c, lc, -d1))
        if d2:
            t2.append(_indel(win, c, lc, -d2))
    t2_germ = tuple(sorted([*t2, *germ], key=lambda v: (v.chrom, v.pos)))
    return [*(Haplotype(h.weight * (1.0 - purity), h.variants) for h in normal), Haplotype(purity / 2, tuple(t1)),
            Haplotype(purity / 2, t2_germ), *stutter]


def _align(win: _Windows, reads, ref_fa: Path, bam: Path, sample: str, work: Path):
    """bwa mem to the windows, then every record moved to its GRCh38 chromosome and position."""
    import pysam

    r1, r2 = work / f"{sample}_R1.fastq.gz", work / f"{sample}_R2.fastq.gz"
    reads.write(r1, r2, level=1)
    sam = work / f"{sample}.sam"
    run(["bwa", "mem", "-t", "1", "-R", f"@RG\\tID:{sample}\\tSM:{sample}", ref_fa, r1, r2],
        f"aligning the simulated {sample} reads", stdout=sam)
    chroms = sorted({win.place[c][0] for c in win.names}, key=lambda c: list(GRCH38_LENGTHS).index(c))
    header = {"HD": {"VN": "1.6", "SO": "unsorted"},
              "SQ": [{"SN": c, "LN": GRCH38_LENGTHS[c]} for c in chroms],
              "RG": [{"ID": sample, "SM": sample}]}
    offset = {c: win.place[c][1] for c in win.names}
    unsorted = work / f"{sample}.unsorted.bam"
    with pysam.AlignmentFile(str(sam)) as fin, pysam.AlignmentFile(str(unsorted), "wb", header=header) as fout:
        names = fin.references
        for rec in fin:
            d = rec.to_dict()
            if rec.reference_id >= 0:
                w = names[rec.reference_id]
                d["ref_name"], d["ref_pos"] = win.place[w][0], str(rec.reference_start + 1 + offset[w])
            if rec.next_reference_id >= 0:
                w = names[rec.next_reference_id]
                d["next_ref_name"] = "=" if rec.next_reference_id == rec.reference_id else win.place[w][0]
                d["next_ref_pos"] = str(rec.next_reference_start + 1 + offset[w])
            d["tags"] = [t for t in d.get("tags", []) if not t.startswith(("SA:", "XA:"))]
            fout.write(pysam.AlignedSegment.from_dict(d, fout.header))
    pysam.sort("-o", str(bam), str(unsorted))
    pysam.index(str(bam))
    for f in (r1, r2, sam, unsorted):
        f.unlink()


def simulate_pair(windows_fa, loci_tsv, out: Path, *, purity: float, unstable_fraction: float, seed: int,
                  depth: float = 150.0, normal: bool = True, tumour: bool = True,
                  germline_fraction: float = 0.0) -> dict:
    """Write tumour.bam and normal.bam (either one can be left out) into `out`; return the planted truth."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    win = _Windows(windows_fa)
    loci = [lc for lc in read_loci(loci_tsv) if lc.staged]
    ref = out / "windows.fa"
    win.write(ref)
    run(["bwa", "index", ref], "indexing the MSI windows")
    targets = [(c, 0, len(win.seqs[c])) for c in win.names]
    total = sum(e for _, _, e in targets)
    lib = Library()
    n_pairs = int(depth * total / lib.mean_covered_bases())
    planted = plant(loci, unstable_fraction, seed)
    germline = germline_lengths(loci, germline_fraction, seed, avoid=planted)
    truth = {"purity": purity, "unstable_fraction": unstable_fraction, "seed": seed, "depth": depth,
             "loci": len(loci), "unstable": sorted(planted), "stutter": [STUTTER_MINUS, STUTTER_PLUS],
             "germline_length_polymorphisms": sorted(germline)}
    samples = ([("tumour", purity, 1)] if tumour else []) + ([("normal", 0.0, 2)] if normal else [])
    for name, p, stream in samples:
        haps = haplotypes(win, loci, planted if p else {}, p, germline)
        reads = simulate(win, targets, haps, n_pairs, [seed, stream], lib, flowcell=f"HMSI{stream}")
        _align(win, reads, ref, out / f"{name}.bam", name, out)
    for f in out.glob("windows.fa*"):
        f.unlink()
    (out / "truth.json").write_text(json.dumps(truth, indent=1, sort_keys=True) + "\n")
    return truth


def write_test_windows(staged_fa, loci_tsv, out: Path, n: int = 120) -> int:
    """Pick `n` loci of the loci list (every staged marker, the rest evenly spaced through the
    list), cut each locus ± WINDOW_PAD from the staged GRCh38 windows and write
    msi_locus_windows.fa and msi_loci.tsv (the picked rows, as in the list) into `out`."""
    from genotailor.kb.msi_loci import fetch, read_windows

    windows = read_windows(staged_fa)
    rows = Path(loci_tsv).read_text().splitlines()
    loci = read_loci(loci_tsv)
    usable = [i for i, lc in enumerate(loci) if lc.staged
              and fetch(windows, lc.chrom, lc.start0 - WINDOW_PAD, lc.end + WINDOW_PAD) is not None]
    markers = [i for i in usable if loci[i].marker]
    others = [i for i in usable if not loci[i].marker]
    step = len(others) / (n - len(markers))
    chosen = sorted(markers + [others[int(k * step)] for k in range(n - len(markers))])
    spans = sorted((loci[i].chrom, loci[i].start0 - WINDOW_PAD, loci[i].end + WINDOW_PAD) for i in chosen)
    if any(a[0] == b[0] and b[1] < a[2] for a, b in zip(spans, spans[1:])):
        raise ValueError("two picked windows overlap")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "msi_locus_windows.fa", "w") as fh:
        for i in chosen:
            lc = loci[i]
            a, b = lc.start0 - WINDOW_PAD, lc.end + WINDOW_PAD
            seq = fetch(windows, lc.chrom, a, b)
            fh.write(f">{lc.chrom}:{a + 1}-{b} {lc.marker or lc.name}\n")
            fh.write("".join(seq[j : j + 60] + "\n" for j in range(0, len(seq), 60)))
    (out / "msi_loci.tsv").write_text("\n".join([rows[0]] + [rows[i + 1] for i in chosen]) + "\n")
    return len(chosen)


def purity_scan(windows_fa, loci_tsv, out: Path, purities, seeds, *, unstable_fraction: float = 0.4,
                depth: float = 150.0, settings=None) -> list[dict]:
    """MSI status of simulated MSI-H tumours at each purity (one normal per seed, the same planted
    loci at every purity): the purity below which they are no longer called MSI-H."""
    from genotailor.oncology.msi import MsiSettings, run_msi

    settings = settings or MsiSettings(min_purity=0.0)
    rows = []
    for seed in seeds:
        base = Path(out) / f"seed{seed}"
        simulate_pair(windows_fa, loci_tsv, base / "normal", purity=0.0, unstable_fraction=unstable_fraction,
                      seed=seed, depth=depth, tumour=False)
        for p in purities:
            d = base / f"p{p:g}"
            truth = simulate_pair(windows_fa, loci_tsv, d, purity=p, unstable_fraction=unstable_fraction, seed=seed,
                                  depth=depth, normal=False)
            doc = run_msi(d / "tumour.bam", loci_tsv, settings, tumor="T", normal_bam=base / "normal" / "normal.bam",
                          normal="N", purity=p)
            called = {f"{r['chrom']}:{r['start']}" for r in doc["loci"] if r["status"] == "unstable"}
            planted = set(truth["unstable"])
            rows.append({"seed": seed, "purity": p, "status": doc["status"], "score_percent": doc["score_percent"],
                         "planted_unstable": len(planted), "called_unstable": len(called),
                         "true_positive": len(called & planted), "false_positive": len(called - planted)})
            (d / "tumour.bam").unlink()
            (d / "tumour.bam.bai").unlink()
    return rows
