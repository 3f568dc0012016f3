"""CYP2D6 copy number from read depth, normalised within the sample.

Method (one pass over the locus of one BAM):

1. Depth. Per base, from primary alignments that are not duplicates or QC failures, twice: all
   reads (any MAPQ), and reads placed with MAPQ >= `min_mapq` ("unique").
2. Baseline. Regions no known CYP2D6 arrangement changes are taken as two copies: the unique
   flank upstream of REP6, CYP2D8P, and the flank past CYP2D8P (500 bp bins; the *5 deletion
   and the duplications span REP6..REP7, the CYP2D7-CYP2D6 hybrids CYP2D6..CYP2D7). Their median
   bin depth is the diploid depth; the spread of their bins is the sample's depth noise.
3. CYP2D6 and its paralog. CYP2D6 is cut into 9 segments, one around each exon (the exon and
   half of each neighbouring intron), and each segment is paired with its CYP2D7 segment (the
   same stretch shifted by the exon's paralog offset). Multi-mapping reads: CYP2D6 and CYP2D7 are
   ~95% identical, so a read from one may be placed on the other, usually with a low MAPQ. Such
   reads are not dropped: every read counts towards the pair's total (all MAPQ), which is
   therefore independent of where the aligner put it, and that total is divided between CYP2D6
   and CYP2D7 in the proportion of the uniquely placed reads (MAPQ >= `min_mapq`). Dropping
   low-MAPQ reads alone would lower CYP2D6's depth wherever the copies are identical and look
   like a deletion; counting them on CYP2D6 alone would let CYP2D7 reads inflate it.
   Copy number of a segment = 2 x (CYP2D6 + CYP2D7 depth, all reads) / baseline x unique share.
4. Call. The gene's copy number is the length-weighted mean of its segments. Its noise is the
   larger of the baseline bins' spread and the segments' own scatter (which also carries the
   noise of the CYP2D6 share), scaled to the gene's and the baseline's lengths; the confidence is
   the posterior probability of the nearest whole number (Gaussian likelihood, equal priors over
   0..8 copies). 4 or more copies are reported as "4+" (depth separates 4 from 5 poorly). Below
   `min_confidence`, or further than `max_deviation` from the whole number, the copy number is
   "uncertain" and not used.
5. Hybrid. A CYP2D6/CYP2D7 hybrid (*13, *36, *68 …) changes the copy number part-way along the
   gene. The best split of the 9 segments into a 5' and a 3' part is tested: parts that round to
   different copy numbers, at least `hybrid_min_step` apart and `hybrid_min_z` times the noise of
   the step, give "hybrid suspected — confirm", never a copy-number call; a weaker step
   (`uneven_min_z`) makes the copy number "uncertain". A hybrid changing only one segment's
   region is not reliably seen at 15x; one that keeps only exon 9 of CYP2D6 reads as one copy
   fewer (as *5: both are no-function alleles).

"Not assessed", with the reason, when the sample is a tumour, failed QC, the contig is missing,
the locus or the normalising regions have no or too little depth, the normalising regions
disagree (uneven depth), or too few reads are placed uniquely to tell CYP2D6 from CYP2D7.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from genotailor.core.errors import InputError
from genotailor.pgx.cyp2d6_locus import Locus, Span, read_locus

GENE = "CYP2D6"
BIN = 500
FLANK = 3000  # bp of unique flank on each side used as baseline
FLANK_GAP = 200  # kept between a flank and the repeat / pseudogene it borders
MAX_CN = 8
METHOD = ("read depth over 9 CYP2D6 segments (exon +- half introns) with their CYP2D7 segments, all reads split "
          "by the share of uniquely placed reads, normalised to the unique flanks and CYP2D8P of the same sample")


@dataclass(frozen=True)
class Settings:
    min_mapq: int = 20
    min_depth: float = 10.0  # baseline (diploid) depth below which nothing is called
    max_cv: float = 0.35  # baseline bins' coefficient of variation above which depth is uneven
    max_region_disagreement: float = 0.3  # relative spread between the three baseline regions
    min_unique_reads: int = 20  # uniquely placed reads a segment pair needs for its CYP2D6 share
    min_confidence: float = 0.95
    max_deviation: float = 0.35  # a whole copy number further than this from the estimate is not called
    hybrid_min_step: float = 0.6
    hybrid_min_z: float = 3.5
    uneven_min_z: float = 3.0  # a weaker step along the gene: no copy number is called from it


def segments(locus: Locus) -> list[tuple[str, Span, int]]:
    """(label, CYP2D6 span, CYP2D7 offset) of the 9 segments, exon 1 first (5' end: CYP2D6 is on
    the minus strand, so exon 1 has the highest coordinates)."""
    gene = locus.genes[GENE]
    ex = locus.exons
    out = []
    for n in range(1, 10):
        hi = gene.end if n == 1 else (ex[n].end + ex[n - 1].start) // 2
        lo = gene.start if n == 9 else (ex[n + 1].end + ex[n].start) // 2 + 1
        out.append((f"exon {n}", Span(locus.chrom, lo, hi), locus.paralog_offset(n)))
    return out


def baseline_regions(locus: Locus) -> list[tuple[str, Span]]:
    rep6, d8 = locus.repeats["REP6"], locus.genes["CYP2D8P"]
    c = locus.chrom
    return [
        ("flank upstream of REP6", Span(c, rep6.start - FLANK_GAP - FLANK, rep6.start - FLANK_GAP - 1)),
        ("CYP2D8P", Span(c, d8.start, d8.end)),
        ("flank past CYP2D8P", Span(c, d8.end + FLANK_GAP + 1, d8.end + FLANK_GAP + FLANK)),
    ]


class _Depth:
    """Per-base depth (all reads, unique reads) over [start, end] (1-based)."""

    def __init__(self, bam_path, chrom: str, start: int, end: int, min_mapq: int):
        import pysam

        self.start = start
        n = end - start + 1
        all_diff = np.zeros(n + 1, dtype=np.int64)
        uniq_diff = np.zeros(n + 1, dtype=np.int64)
        skip = 0x4 | 0x100 | 0x200 | 0x400 | 0x800
        with pysam.AlignmentFile(str(bam_path)) as bam:
            for read in bam.fetch(chrom, start - 1, end):
                if read.flag & skip:
                    continue
                unique = read.mapping_quality >= min_mapq
                for bs, be in read.get_blocks():  # 0-based half-open
                    a = max(bs - (start - 1), 0)
                    b = min(be - (start - 1), n)
                    if a < b:
                        all_diff[a] += 1
                        all_diff[b] -= 1
                        if unique:
                            uniq_diff[a] += 1
                            uniq_diff[b] -= 1
        self.all = np.cumsum(all_diff)[:n]
        self.unique = np.cumsum(uniq_diff)[:n]

    def mean(self, span: Span, unique: bool = False) -> float:
        a = self.unique if unique else self.all
        return float(a[span.start - self.start: span.end - self.start + 1].mean())

    def bins(self, span: Span, size: int = BIN) -> list[float]:
        a = self.all[span.start - self.start: span.end - self.start + 1]
        return [float(a[i: i + size].mean()) for i in range(0, len(a) - size + 1, size)]


def _r(x, digits=3):
    return None if x is None else round(float(x), digits)


def _not_assessed(result: dict, reason: str) -> dict:
    result.update(status="not_assessed", copy_number=None, copy_number_label=None, confidence=None, reason=reason)
    return result


def _posterior(estimate: float, rel_sigma: float) -> np.ndarray:
    cns = np.arange(MAX_CN + 1)
    sig = rel_sigma * np.maximum(cns, 1) + 0.05
    loglik = -0.5 * ((estimate - cns) / sig) ** 2 - np.log(sig)
    p = np.exp(loglik - loglik.max())
    return p / p.sum()


def _split_noise(cn, w, parts, floor: float) -> float:
    """Relative noise of a 500 bp stretch, from the segments' scatter around the means of their
    parts (length-scaled), never below `floor` (the model from the baseline bins)."""
    resid, dof = 0.0, len(cn) - len(parts)
    for part in parts:
        m = float(np.average(cn[part], weights=w[part]))
        resid += float((((cn[part] - m) / max(m, 0.5)) ** 2 * (w[part] / BIN)).sum())
    return max(math.sqrt(resid / dof) if dof > 0 else 0.0, floor)


def _mean_var(cn, w, part, rel) -> tuple[float, float]:
    m = float(np.average(cn[part], weights=w[part]))
    var = (rel * max(m, 0.5)) ** 2 * BIN / w[part]
    return m, float((w[part] ** 2 * var).sum() / w[part].sum() ** 2)


def _best_split(profile: list[dict], cv: float) -> dict:
    """The split of the segment copy numbers into a 5' and a 3' part with the largest step
    relative to its noise (estimated from the segments' own scatter)."""
    cn = np.array([p["copy_number"] for p in profile], dtype=float)
    w = np.array([p["end"] - p["start"] + 1 for p in profile], dtype=float)
    best = None
    for j in range(1, len(cn)):
        left, right = slice(0, j), slice(j, None)
        rel = _split_noise(cn, w, (left, right), cv / 2)
        ml, vl = _mean_var(cn, w, left, rel)
        mr, vr = _mean_var(cn, w, right, rel)
        z = abs(ml - mr) / math.sqrt(vl + vr)
        if best is None or z > best[0]:
            best = (z, j, ml, mr)
    z, j, ml, mr = best
    return {"exons_5prime": f"1-{j}", "exons_3prime": f"{j + 1}-9", "copy_number_5prime": _r(ml, 2),
            "copy_number_3prime": _r(mr, 2), "z": _r(z, 1)}


def allele_counts(bam, chrom: str, snvs, min_mapq: int, min_bq: int = 13, min_fraction: float = 0.1) -> list[dict]:
    """Base counts of uniquely placed reads at CYP2D6 defining SNV positions ((pos, ref) pairs)
    that show a second base in at least `min_fraction` of the reads: the allele balance the
    star-allele step reads to place a duplication on one allele."""
    import pysam

    wanted = dict(snvs)
    out = []
    if not wanted:
        return out
    lo, hi = min(wanted), max(wanted)
    with pysam.AlignmentFile(str(bam)) as aln:
        for col in aln.pileup(chrom, lo - 1, hi, truncate=True, min_mapping_quality=min_mapq,
                              min_base_quality=min_bq, ignore_orphans=False, stepper="all"):
            pos = col.reference_pos + 1
            if pos not in wanted:
                continue
            counts: dict = {}
            for b in col.get_query_sequences():
                if b:
                    counts[b.upper()] = counts.get(b.upper(), 0) + 1
            total = sum(counts.values())
            if total and any(n >= min_fraction * total for b, n in counts.items() if b != wanted[pos]):
                out.append({"position": pos, "ref": wanted[pos], "counts": dict(sorted(counts.items()))})
    return out


def call_copy_number(bam, locus: Locus | None = None, sample_kind: str = "germline", qc_status: str | None = None,
                     settings: Settings = Settings(), sample: str | None = None, snvs=()) -> dict:
    """The copy-number result of one sample's BAM (the `cyp2d6-cn` JSON); `snvs`: (position, REF)
    of the CYP2D6 defining SNVs whose allele balance is reported with a called copy number."""
    import pysam

    locus = locus or read_locus()
    s = settings
    result = {"gene": GENE, "sample": sample, "status": None, "copy_number": None, "copy_number_label": None,
              "estimate": None, "confidence": None, "reason": None, "hybrid": None, "baseline": None, "profile": [],
              "allele_counts": [],
              "method": METHOD, "settings": {"min_mapq": s.min_mapq, "min_depth": s.min_depth,
                                             "min_confidence": s.min_confidence}}
    if sample_kind == "tumor":
        return _not_assessed(result, "tumour sample: tumour content and somatic copy-number changes make CYP2D6 "
                                     "copy number from its depth unreliable; it is called from the germline sample")
    if qc_status == "fail":
        return _not_assessed(result, "the sample failed QC")
    try:
        with pysam.AlignmentFile(str(bam)) as aln:
            contigs = set(aln.references)
    except (OSError, ValueError) as exc:
        raise InputError(f"BAM {bam}: cannot be read ({exc}) — give the sample's indexed BAM") from None
    if locus.chrom not in contigs:
        return _not_assessed(result, f"contig {locus.chrom} is not in the BAM")
    base = baseline_regions(locus)
    segs = segments(locus)
    lo = min(sp.start for _, sp in base)
    hi = max(max(sp.end for _, sp in base), max(sp.end + off for _, sp, off in segs))
    try:
        depth = _Depth(bam, locus.chrom, lo, hi, s.min_mapq)
    except ValueError as exc:
        raise InputError(f"BAM {bam}: cannot fetch {locus.chrom}:{lo}-{hi} ({exc}) — is the BAM indexed?") from None
    region_means = {name: depth.mean(sp) for name, sp in base}
    bins = [b for _, sp in base for b in depth.bins(sp)]
    baseline = float(np.median(bins))
    cv = float(np.std(bins) / np.mean(bins)) if np.mean(bins) > 0 else None
    result["baseline"] = {"depth": _r(baseline, 2), "cv": _r(cv), "regions": [
        {"region": name, "start": sp.start, "end": sp.end, "depth": _r(region_means[name], 2)} for name, sp in base]}
    gene_depth = depth.mean(locus.genes[GENE]) + depth.mean(Span(locus.chrom, *(
        locus.genes[GENE].start + segs[0][2], locus.genes[GENE].end + segs[0][2])))
    if gene_depth < 1 and baseline < 1:
        return _not_assessed(result, f"no reads over the CYP2D locus ({locus.chrom}:{lo}-{hi}): not sequenced")
    if baseline < 1:
        return _not_assessed(result, "the regions the depth is normalised to (unique flanks, CYP2D8P) have no reads: "
                                     "the panel does not cover them")
    if baseline < s.min_depth:
        return _not_assessed(result, f"depth over the normalising regions is {baseline:.1f}x, below {s.min_depth:g}x")
    spread = (max(region_means.values()) - min(region_means.values())) / baseline
    if cv > s.max_cv or spread > s.max_region_disagreement:
        shown = ", ".join(f"{k} {v:.1f}x" for k, v in region_means.items())
        return _not_assessed(result, f"depth is uneven across the normalising regions ({shown}; bin CV {cv:.2f}), "
                                     "so it cannot be read as copy number")
    total6 = total7 = uniq6 = uniq7 = 0.0
    weight = 0
    for label, sp, off in segs:
        sp7 = Span(sp.chrom, sp.start + off, sp.end + off)
        a6, a7 = depth.mean(sp), depth.mean(sp7)
        u6, u7 = depth.mean(sp, unique=True), depth.mean(sp7, unique=True)
        n_unique = (u6 + u7) * sp.length / 150
        if n_unique < s.min_unique_reads:
            return _not_assessed(result, f"too few uniquely placed reads in CYP2D6 {label} and its CYP2D7 segment to "
                                         "tell the two apart")
        share = u6 / (u6 + u7)
        cn = 2 * (a6 + a7) / baseline * share
        result["profile"].append({"region": label, "start": sp.start, "end": sp.end, "cyp2d6_depth": _r(a6, 2),
                                  "cyp2d7_depth": _r(a7, 2), "cyp2d6_unique_share": _r(share),
                                  "copy_number": _r(cn, 2)})
        total6 += a6 * sp.length
        total7 += a7 * sp.length
        uniq6 += u6 * sp.length
        uniq7 += u7 * sp.length
        weight += sp.length
    estimate = 2 * (total6 + total7) / weight / baseline * uniq6 / (uniq6 + uniq7)
    # The estimate's noise: the baseline bins' spread or, if larger, the segments' own scatter
    # (which also carries the noise of the CYP2D6 share), over the gene's and the baseline's lengths.
    cn = np.array([p["copy_number"] for p in result["profile"]], dtype=float)
    w = np.array([p["end"] - p["start"] + 1 for p in result["profile"]], dtype=float)
    rel_bin = _split_noise(cn, w, (slice(None),), cv)
    rel_sigma = math.sqrt((rel_bin ** 2) * BIN / weight + cv ** 2 / len(bins))
    result["estimate"] = _r(estimate, 2)
    post = _posterior(estimate, rel_sigma)
    best = int(np.argmax(post))
    confidence = float(post[4:].sum()) if best >= 4 else float(post[best])
    result["confidence"] = _r(confidence, 4)
    split = _best_split(result["profile"], cv)
    step = abs(split["copy_number_5prime"] - split["copy_number_3prime"])
    differs = round(split["copy_number_5prime"]) != round(split["copy_number_3prime"])
    hybrid = split if step >= s.hybrid_min_step and differs and split["z"] >= s.hybrid_min_z else None
    if hybrid:
        result.update(status="hybrid_suspected", hybrid=hybrid, reason=(
            f"hybrid suspected — confirm: copy number {hybrid['copy_number_5prime']} over CYP2D6 exons "
            f"{hybrid['exons_5prime']} but {hybrid['copy_number_3prime']} over exons {hybrid['exons_3prime']}, the "
            "pattern of a CYP2D6/CYP2D7 hybrid (*13, *36, *68 …); no copy number or star allele is called from "
            "depth — confirm with a CYP2D6-specific assay (long-range PCR or long reads)"))
        return result
    label = "4+" if best >= 4 else str(best)
    if step >= s.hybrid_min_step - 0.1 and differs and split["z"] >= s.uneven_min_z:
        result.update(status="uncertain", reason=(
            f"copy number uncertain: it differs along the gene ({split['copy_number_5prime']} over exons "
            f"{split['exons_5prime']}, {split['copy_number_3prime']} over exons {split['exons_3prime']}), too weakly to "
            "suspect a hybrid and too strongly to call one number"))
        return result
    if confidence < s.min_confidence or (best < 4 and abs(estimate - best) > s.max_deviation):
        low = math.floor(estimate)
        result.update(status="uncertain", reason=(
            f"copy number uncertain: the depth gives {estimate:.2f} copies, between {low} and {low + 1} "
            f"(confidence {confidence:.2f} for {label}, below {s.min_confidence:g})"))
        return result
    result.update(status="called", copy_number=min(best, 4), copy_number_label=label)
    result["allele_counts"] = allele_counts(bam, locus.chrom, snvs, s.min_mapq)
    return result
