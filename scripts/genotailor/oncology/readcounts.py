"""Allele read counts, depth and VAF of one sample of a somatic VCF, whichever caller wrote it.

One reader (`VafReader`) for every convention. With per-allele read counts, VAF = alternate reads
/ depth and depth = reference + alternate reads (at a multi-allelic site, the reads of every allele
counted: one ALT's VAF is its reads over all reads at the site, as bcftools +fill-tags FORMAT/VAF):
- FORMAT/AD with one value per allele (Mutect2, DRAGEN, VarDict, GATK, bcftools, the built-in screen);
  a record split from a multi-allelic one keeps only its REF and ALT counts in AD, so the reads of
  every allele at the site come from FORMAT/ADSUM, written before the split (`core.vcf`, `SITE_READS`)
  and by the built-in screen;
- Strelka2 SNVs: tier-1 counts of the REF and ALT bases (FORMAT AU/CU/GU/TU, first value);
- Strelka2 indels: tier-1 FORMAT TAR (reference) and TIR (indel) counts;
- VarScan: FORMAT RD (reference reads) and its one-value AD (alternate reads);
- TCGA-style tumour/control columns: FORMAT ADT (tumour) or ADC (control), reference and
  alternate depths in allele order, beside DPT/DPC.
Without read counts for both alleles, in this order: VarDict FORMAT VD / DP; the caller's FORMAT/AF
(Mutect2, DRAGEN, VarDict) with FORMAT/DP as depth; VarScan FORMAT/FREQ ("12.5%") with DP;
PCGR-style INFO TVAF/TDP (tumour) or CVAF/CDP (control). `vaf_source` names what was read.

Anything else is named by the user (sample sheet `vaf_tags`, `genotailor somatic --vaf-tags`):
then only the named tags are read. A VAF that cannot be read is None with `vaf_status` saying why
(never guessed); the caller's own FORMAT/DP, when present, is reported beside (`caller_depth`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from genotailor.core.errors import InputError
from genotailor.core.vcf import SITE_READS

STRELKA_BASES = {"A": "AU", "C": "CU", "G": "GU", "T": "TU"}
KNOWN_TAGS = ("FORMAT AD, AF, DP, Strelka2 AU/CU/GU/TU and TAR/TIR, VarScan RD/FREQ, VarDict VD, ADT/DPT (ADC/DPC); "
              "INFO TVAF/TDP (CVAF/CDP)")
TAG_KEYS = ("vaf", "depth", "alt_reads")
_TAG = re.compile(r"^(INFO|FORMAT)/([A-Za-z_][0-9A-Za-z_.]*)$")
READ = "read"


@dataclass(frozen=True)
class ReadCounts:
    ref_reads: int | None
    alt_reads: int | None
    depth: int | None
    vaf: float | None
    vaf_source: str  # the convention read (FORMAT/AD, Strelka2 tier-1 counts, ...) or "none"
    caller_depth: int | None
    vaf_status: str = READ  # "read", or why VAF or depth could not be read


def parse_vaf_tags(text: str | dict | None, where: str) -> dict | None:
    """The user's tag names {vaf, depth, alt_reads: "INFO/X" | "FORMAT/X"} from a mapping or the
    CLI text "vaf=INFO/TVAF,depth=INFO/TDP"; `where` names the source in messages. None if empty."""
    if not text:
        return None
    if isinstance(text, str):
        pairs = {}
        for part in (p.strip() for p in text.split(",") if p.strip()):
            key, sep, value = part.partition("=")
            if not sep:
                raise InputError(f"{where}: {part!r} is not KEY=TAG — write e.g. vaf=INFO/TVAF,depth=INFO/TDP")
            pairs[key.strip()] = value.strip()
        text = pairs
    problems = [f"{k!r} is not one of {', '.join(TAG_KEYS)}" for k in text if k not in TAG_KEYS]
    problems += [f"{k}: {v!r} is not INFO/NAME or FORMAT/NAME" for k, v in text.items()
                 if k in TAG_KEYS and not (isinstance(v, str) and _TAG.match(v))]
    if not problems and "vaf" not in text and not {"alt_reads", "depth"} <= set(text):
        problems.append("name vaf (with depth), or alt_reads and depth")
    if problems:
        raise InputError(f"{where}: " + "; ".join(problems) + " — e.g. vaf: INFO/TVAF, depth: INFO/TDP")
    return {k: text[k] for k in TAG_KEYS if k in text}


def _ints(value) -> tuple | None:
    """Integer values of a FORMAT/INFO value (an int, a tuple, or text like "70,30"); None when missing."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.split(",")
    elif not isinstance(value, tuple):
        value = (value,)
    out = []
    for v in value:
        if v is None or v == "." or v == "":
            out.append(None)
            continue
        try:
            out.append(int(float(v)))
        except (TypeError, ValueError):
            return None
    return tuple(out)


def _number(value, index: int = 0):
    """One number of a value (`index` into a list), as float; None when missing or not a number."""
    if isinstance(value, tuple):
        value = value[index] if len(value) > index else None
    if value is None or value in (".", ""):
        return None
    text = str(value).strip()
    try:
        return float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        return None


def _other_alts(counts: tuple, alt_index: int) -> int:
    """Reads of the ALTs other than `alt_index` in per-allele counts (REF first); 0 when biallelic."""
    return sum(c for j, c in enumerate(counts) if j not in (0, alt_index) and c is not None)


def _first(value):
    return value[0] if isinstance(value, tuple) else value


class VafReader:
    """VAF and depth of a VCF's records; built once from the header (which tags it defines, and how
    many values each holds), then `read(record, sample, alt_index, role)` per allele."""

    def __init__(self, header, path=None, tags: dict | None = None):
        self.formats = {k: header.formats[k].number for k in header.formats}
        self.infos = {k: header.info[k].number for k in header.info}
        self.tags = tags
        if tags:
            for key, tag in tags.items():
                kind, name = tag.split("/", 1)
                defined = self.formats if kind == "FORMAT" else self.infos
                if name not in defined:
                    have = ", ".join(sorted(defined)) or "none"
                    raise InputError(f"VCF {path}: vaf_tags {key}: {tag} is not defined in the VCF header "
                                     f"({kind} tags defined: {have}) — name a tag of this VCF in the sample "
                                     "sheet's vaf_tags (or --vaf-tags)")

    def read(self, rec, sample: str, alt_index: int = 1, role: str = "tumour") -> ReadCounts:
        """Counts of ALT allele number `alt_index` (1 = the first ALT) for `sample` of a pysam record;
        `role` ("tumour" or "normal") chooses the tumour or control tags of one-column conventions."""
        call = rec.samples[sample]
        keys = set(call.keys())
        dp = _first(call.get("DP")) if "DP" in keys else None
        dp = int(dp) if isinstance(dp, (int, float)) else None
        if self.tags and (role == "tumour" or all(t.startswith("FORMAT/") for t in self.tags.values())):
            return self._named(rec, call, keys, alt_index, dp)
        got = self._counts(rec, call, keys, alt_index, role)
        if got is not None:
            r, a, source, caller_depth, others = got
            depth = r + a + others
            return ReadCounts(r, a, depth, round(a / depth, 4) if depth else None, source,
                              dp if caller_depth is None else caller_depth,
                              READ if depth else "unreadable: the reference and alternate read counts are both 0")
        return self._fraction(rec, call, keys, alt_index, dp, role)

    def _counts(self, rec, call, keys, alt_index, role):
        """(ref reads, alt reads, source, caller depth or None, reads of the site's other ALTs) from
        per-allele read counts, or None."""
        ref, alt = rec.ref, rec.alleles[alt_index]
        if "AD" in keys and self.formats.get("AD") != 1:
            ad = _ints(call.get("AD"))
            if ad and len(ad) > alt_index and ad[0] is not None and ad[alt_index] is not None:
                others = _other_alts(ad, alt_index)
                site = _first(call.get(SITE_READS)) if SITE_READS in keys else None
                if isinstance(site, int) and site > ad[0] + ad[alt_index] + others:
                    return ad[0], ad[alt_index], "FORMAT/AD, FORMAT/ADSUM", None, site - ad[0] - ad[alt_index]
                return ad[0], ad[alt_index], "FORMAT/AD", None, others
        if len(ref) == 1 and len(alt) == 1 and STRELKA_BASES.get(ref) in keys and STRELKA_BASES.get(alt) in keys:
            r, a = _first(call[STRELKA_BASES[ref]]), _first(call[STRELKA_BASES[alt]])
            if r is not None and a is not None:
                return r, a, "Strelka2 tier-1 counts", None, 0
        if "TAR" in keys and "TIR" in keys:
            r, a = _first(call["TAR"]), _first(call["TIR"])
            if r is not None and a is not None:
                return r, a, "Strelka2 tier-1 counts", None, 0
        if "RD" in keys and "AD" in keys and self.formats.get("AD") == 1 and len(rec.alleles) == 2:
            r, a = _first(call["RD"]), _first(call["AD"])
            if r is not None and a is not None:
                return int(r), int(a), "VarScan RD/AD", None, 0
        counts, total = ("ADT", "DPT") if role == "tumour" else ("ADC", "DPC")
        if counts in keys:
            ad = _ints(call.get(counts))
            if ad and len(ad) > alt_index and ad[0] is not None and ad[alt_index] is not None:
                caller = _ints(call.get(total)) if total in keys else None
                return (ad[0], ad[alt_index], f"FORMAT/{counts}", caller[0] if caller else None,
                        _other_alts(ad, alt_index))
        return None

    def _fraction(self, rec, call, keys, alt_index, dp, role) -> ReadCounts:
        """A caller's allele fraction (with its depth) where no read counts of both alleles are given."""
        single = len(rec.alleles) == 2
        if "VD" in keys and dp and single:
            vd = _first(call["VD"])
            if vd is not None:
                return ReadCounts(None, int(vd), dp, round(int(vd) / dp, 4), "VarDict VD/DP", dp)
        if "AF" in keys:
            af = _number(call.get("AF"), alt_index - 1)
            if af is not None:
                return self._with_depth(af, dp, "FORMAT/AF", dp, "FORMAT/DP")
        if "FREQ" in keys and single:
            freq = _number(call.get("FREQ"))
            if freq is not None:
                return self._with_depth(freq, dp, "VarScan FREQ", dp, "FORMAT/DP")
        vaf_tag, depth_tag = ("TVAF", "TDP") if role == "tumour" else ("CVAF", "CDP")
        if vaf_tag in self.infos:
            vaf = _number(rec.info.get(vaf_tag), alt_index - 1)
            if vaf is not None:
                depth = _ints(rec.info.get(depth_tag)) if depth_tag in self.infos else None
                return self._with_depth(vaf, depth[0] if depth else None, f"INFO/{vaf_tag}", dp, f"INFO/{depth_tag}")
        present = ", ".join(k for k in call.keys() if k != "GT") or "GT only"
        return ReadCounts(None, None, dp, None, "none", dp,
                          f"unreadable: no VAF tag this reader knows for {call.name} (FORMAT here: {present}; "
                          f"known: {KNOWN_TAGS}) — name the tags in the sample sheet's vaf_tags")

    @staticmethod
    def _with_depth(vaf, depth, source, caller_depth, depth_tag) -> ReadCounts:
        if not 0 <= vaf <= 1:
            return ReadCounts(None, None, depth, None, source, caller_depth,
                              f"unreadable: {source} is {vaf}, not a fraction between 0 and 1")
        status = READ if depth is not None else f"depth unreadable: {source} without {depth_tag}"
        return ReadCounts(None, None, depth, round(vaf, 4), source, caller_depth, status)

    def _named(self, rec, call, keys, alt_index, dp) -> ReadCounts:
        """The tags the user named: for the tumour; for the normal too when they are all FORMAT tags
        (a named INFO tag is the tumour's: the normal is then read by convention)."""

        def value(key):
            tag = self.tags.get(key)
            if tag is None:
                return None, None
            kind, name = tag.split("/", 1)
            raw = (call.get(name) if name in keys else None) if kind == "FORMAT" else rec.info.get(name)
            number = self.formats.get(name) if kind == "FORMAT" else self.infos.get(name)
            index = alt_index if number == "R" else alt_index - 1 if number == "A" else 0
            return tag, _number(raw, index)

        depth_tag, depth = value("depth")
        depth = int(depth) if depth is not None else None
        vaf_tag, vaf = value("vaf")
        alt_tag, alt = value("alt_reads")
        alt = int(alt) if alt is not None else None
        source = "vaf_tags " + ", ".join(t for t in (vaf_tag, alt_tag, depth_tag) if t)
        if vaf is None and alt is not None and depth:
            vaf = alt / depth
        if vaf is None:
            missing = ", ".join(t for t, v in ((vaf_tag, vaf), (alt_tag, alt), (depth_tag, depth)) if t and v is None)
            return ReadCounts(None, alt, depth, None, source, dp, f"unreadable: no value of {missing} in this record")
        out = self._with_depth(vaf, depth, source, dp, depth_tag or "a depth tag")
        return ReadCounts(None, alt, out.depth, out.vaf, source, dp, out.vaf_status)


def read_counts(rec, sample: str, alt_index: int = 1, role: str = "tumour") -> ReadCounts:
    """`VafReader(...).read` of one record, its reader built from the record's header."""
    return VafReader(rec.header).read(rec, sample, alt_index, role)
