"""Allele read counts, depth and VAF of one sample of a somatic VCF, whichever caller wrote it.

One rule for every caller: VAF = alternate reads / (reference + alternate reads), and depth =
reference + alternate reads, from the caller's per-allele read counts:
- FORMAT/AD (Mutect2, DRAGEN, VarDict, GATK, bcftools, the built-in screen): AD[0] and AD[alt];
- Strelka2 SNVs: tier-1 counts of the REF and ALT bases (FORMAT AU/CU/GU/TU, first value);
- Strelka2 indels: tier-1 FORMAT TAR (reference) and TIR (indel) counts.
Without read counts the caller's FORMAT/AF (with FORMAT/DP as depth) is used and `vaf_source`
says so; without either, VAF and depth are None (never guessed). The caller's own FORMAT/DP, when
present, is reported beside (`caller_depth`): it also counts reads supporting neither allele.
"""

from __future__ import annotations

from dataclasses import dataclass

STRELKA_BASES = {"A": "AU", "C": "CU", "G": "GU", "T": "TU"}


@dataclass(frozen=True)
class ReadCounts:
    ref_reads: int | None
    alt_reads: int | None
    depth: int | None
    vaf: float | None
    vaf_source: str  # FORMAT/AD | Strelka2 tier-1 counts | FORMAT/AF | none
    caller_depth: int | None


def _first(value):
    return value[0] if isinstance(value, tuple) else value


def _counts(call, ref: str, alt: str, alt_index: int):
    """(ref reads, alt reads, source) from the call's FORMAT fields, or None."""
    keys = set(call.keys())
    ad = call.get("AD") if "AD" in keys else None
    if ad is not None and len(ad) > alt_index and ad[0] is not None and ad[alt_index] is not None:
        return ad[0], ad[alt_index], "FORMAT/AD"
    if len(ref) == 1 and len(alt) == 1 and STRELKA_BASES.get(ref) in keys and STRELKA_BASES.get(alt) in keys:
        r, a = _first(call[STRELKA_BASES[ref]]), _first(call[STRELKA_BASES[alt]])
        if r is not None and a is not None:
            return r, a, "Strelka2 tier-1 counts"
    if "TAR" in keys and "TIR" in keys:
        r, a = _first(call["TAR"]), _first(call["TIR"])
        if r is not None and a is not None:
            return r, a, "Strelka2 tier-1 counts"
    return None


def read_counts(rec, sample: str, alt_index: int = 1) -> ReadCounts:
    """Counts of ALT allele number `alt_index` (1 = the first ALT) for `sample` of a pysam record."""
    call = rec.samples[sample]
    keys = set(call.keys())
    dp = call.get("DP") if "DP" in keys else None
    alt = rec.alleles[alt_index]
    got = _counts(call, rec.ref, alt, alt_index)
    if got is not None:
        r, a, source = got
        depth = r + a
        return ReadCounts(r, a, depth, round(a / depth, 4) if depth else None, source, dp)
    if "AF" in keys and call.get("AF") is not None:
        af = call["AF"]
        af = af[alt_index - 1] if isinstance(af, tuple) else af
        if af is not None:
            return ReadCounts(None, None, dp, round(float(af), 4), "FORMAT/AF", dp)
    return ReadCounts(None, None, dp, None, "none", dp)
