"""Tumour mutational burden: somatic coding mutations per megabase of callable coding territory.

Callable coding territory = coding exons of the shipped transcript models (CDS, MANE Select) ∩
the panel's regions whose mean depth reaches the configured minimum in the tumour and, when there
is one, the matched normal (the coverage step's per-region means: a region is callable as a whole
or not at all). Numerator: PASS SNVs and indels inside that territory with VAF and depth at or
above the thresholds, protein-altering (plus synonymous when the config says so). A variant that
would count but whose VAF or depth the VCF does not give readably is not counted, and the number of
such variants is stated (`uncounted_no_vaf`): the figure is then a lower bound. Below the configured
minimum territory TMB is "not assessed", with the reason and the figures.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from genotailor.core.coverage import bed_intervals


@dataclass(frozen=True)
class TmbSettings:
    min_vaf: float = 0.05
    min_depth: int = 50
    count_synonymous: bool = False
    min_callable_mb: float = 1.0


def merge(intervals):
    """Sorted, merged (chrom, start0, end) intervals."""
    out = []
    for chrom, s, e in sorted(intervals):
        if out and out[-1][0] == chrom and s <= out[-1][2]:
            out[-1] = (chrom, out[-1][1], max(out[-1][2], e))
        else:
            out.append((chrom, s, e))
    return out


def intersect(a, b):
    """Intersection of two merged interval lists."""
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        (ca, sa, ea), (cb, sb, eb) = a[i], b[j]
        if ca != cb:
            if ca < cb:
                i += 1
            else:
                j += 1
            continue
        s, e = max(sa, sb), min(ea, eb)
        if s < e:
            out.append((ca, s, e))
        if ea < eb:
            i += 1
        else:
            j += 1
    return out


def coding_territory(models) -> list:
    """CDS of every transcript model as merged 0-based half-open intervals."""
    return merge((t.chrom, s - 1, e) for t in models.values() for s, e in t.cds)


def read_bed(path, min_depth: float | None = None) -> list:
    """BED intervals, merged; with `min_depth`, only those whose last column (a mosdepth mean) reaches it."""
    return merge(bed_intervals(path, min_depth))


def size(intervals) -> int:
    return sum(e - s for _, s, e in intervals)


def inside(intervals, chrom, pos) -> bool:
    return any(c == chrom and s < pos <= e for c, s, e in intervals)


def _fraction(v) -> float:
    """The VAF compared with the threshold: alternate reads / depth when the reads are known (the
    entry's `vaf` is rounded to four decimals: 105 of 2101 reads is 0.05 there, yet below 5%)."""
    if v.get("alt_reads") is not None and v["depth"]:
        return v["alt_reads"] / v["depth"]
    return v["vaf"]


def tmb(variants, callable_coding, settings: TmbSettings, basis: str) -> dict:
    """`variants`: the somatic entries (chrom, pos, vaf, depth, alt_reads when known, consequence, filter)."""
    counted_terms = "protein-altering" + (" and synonymous" if settings.count_synonymous else "")
    mutations = unreadable = 0
    for v in variants:
        if v["filter"] != "PASS":
            continue
        coding = v["protein_altering"] or (settings.count_synonymous and v["consequence"] == "synonymous_variant")
        if not coding or not inside(callable_coding, v["chrom"], v["pos"]):
            continue
        if v["vaf"] is None or v["depth"] is None:
            unreadable += 1
            continue
        if _fraction(v) >= settings.min_vaf and v["depth"] >= settings.min_depth:
            mutations += 1
    callable_mb = round(size(callable_coding) / 1e6, 6)
    out = {"mutations": mutations, "callable_mb": callable_mb, "counted": counted_terms, "territory": basis,
           "thresholds": asdict(settings), "uncounted_no_vaf": unreadable}
    if callable_mb < settings.min_callable_mb:
        return {"per_mb": None, "method": "not_assessed", **out,
                "reason": f"callable coding territory {callable_mb} Mb is below the configured minimum "
                          f"{settings.min_callable_mb} Mb: the panel is too small for a TMB"}
    return {"per_mb": round(mutations / callable_mb, 2), "method": "coding_mutations_per_callable_mb", **out}
