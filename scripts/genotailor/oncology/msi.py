"""Microsatellite instability (MSI) from the tumour's reads, against its matched normal's.

The method is MSIsensor's (Niu et al., Bioinformatics 2014): at each microsatellite locus of the
loci list (`workflow/resources/oncology/msi_loci.tsv`: the repeat with its reference flanks), the
repeat length is read from every read that spans it — the read holds `anchor` reference bases on
each side and only whole repeat units between them (read by sequence, so an aligner's choice of
CIGAR for the indel does not matter). A locus is informative when tumour and normal each have at
least `min_reads` such reads; its two length distributions are compared by a chi-square test of
homogeneity, the p-values of all informative loci corrected by Benjamini-Hochberg, and a locus is
unstable when q < `fdr` and the distributions differ by at least `min_distance` (total variation
distance: at high depth a test alone flags differences too small to be instability). The MSI score
is the percentage of unstable informative loci; MSI-H at or above `threshold_percent`, else MSS.

Not assessed, with every reason that applies: tumour purity below `min_purity` (instability is
then diluted below what the test sees: the figure was measured on simulations, see docs); fewer
informative loci than `min_informative_loci`, either because the panel covers too few loci or
because too few of those have `min_reads` spanning reads (depth).

Tumour-only: without a normal the tumour's lengths are compared with the reference length; a
locus is unstable when at least `tumor_only_min_shifted` of its reads differ from it. A germline
length polymorphism (common at microsatellites) and PCR slippage look the same, so the score is
biased upwards and the result always carries that caveat.
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from genotailor.core.errors import InputError

MSI_H, MSS, NOT_ASSESSED = "MSI-H", "MSS", "not_assessed"
LOCI_COLUMNS = ("chrom", "start0", "end", "name", "unit", "copies", "left_flank", "right_flank", "marker", "note")
THRESHOLD_SOURCE = ("MSIsensor2 (niu-lab/msisensor2 README): MSI-H when the MSI score (unstable / valid sites) "
                    "is >= 20%, the cutoff it reports as consistent with Illumina TruSight Oncology 500")
TUMOR_ONLY_CAVEAT = ("tumour-only: repeat lengths compared with the reference, not with the patient's normal; "
                     "a germline length polymorphism or PCR slippage at a locus is counted as instability, "
                     "so the score can be too high — confirm an MSI-H result with a matched normal, "
                     "immunohistochemistry of the mismatch-repair proteins or a PCR panel")
MIN_MAPPING_QUALITY = 20
SKIP_FLAGS = 0x4 | 0x100 | 0x200 | 0x400 | 0x800  # unmapped, secondary, QC fail, duplicate, supplementary


@dataclass(frozen=True)
class MsiSettings:
    threshold_percent: float = 20.0
    min_informative_loci: int = 50
    min_reads: int = 20
    min_purity: float = 0.2  # measured on simulations (docs/msi.md)
    fdr: float = 0.05
    min_distance: float = 0.1
    anchor: int = 8
    tumor_only_min_shifted: float = 0.2


@dataclass(frozen=True)
class Locus:
    chrom: str
    start0: int
    end: int
    name: str
    unit: str
    copies: int
    left_flank: str
    right_flank: str
    marker: str | None
    note: str | None

    @property
    def staged(self) -> bool:
        return self.left_flank != "."


def read_loci(path) -> list[Locus]:
    """The loci list; a malformed row stops with the file, line and the fix."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"MSI loci list {path}: not found — point --loci at a msi_loci.tsv "
                         "(workflow/resources/oncology/msi_loci.tsv)")
    out = []
    with open(path) as fh:
        reader = csv.DictReader(fh, delimiter="\t")
        missing = [c for c in LOCI_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(f"MSI loci list {path}: missing column(s) {', '.join(missing)} "
                             f"(expected {', '.join(LOCI_COLUMNS)})")
        for n, r in enumerate(reader, start=2):
            try:
                locus = Locus(r["chrom"], int(r["start0"]), int(r["end"]), r["name"], r["unit"].upper(),
                              int(r["copies"]), r["left_flank"].upper(), r["right_flank"].upper(),
                              None if r["marker"] in ("", ".") else r["marker"],
                              None if r["note"] in ("", ".") else r["note"])
            except (TypeError, ValueError):
                raise InputError(f"MSI loci list {path} line {n}: start0, end and copies must be integers") from None
            if locus.staged and (locus.end - locus.start0 != len(locus.unit) * locus.copies or not locus.unit):
                raise InputError(f"MSI loci list {path} line {n}: end - start0 must be len(unit) x copies")
            out.append(locus)
    return out


def in_panel(locus: Locus, panel: dict | None, anchor: int) -> bool:
    """True when the repeat and its anchors lie inside one panel region (no panel: every locus)."""
    if panel is None:
        return True
    a, b = locus.start0 - anchor, locus.end + anchor
    return any(s <= a and b <= e for s, e in panel.get(locus.chrom, []))


def repeat_length(seq: str, locus: Locus, anchor: int) -> int | None:
    """Repeat units between the locus's anchors in a read's sequence; None when the read does not
    hold both anchors with only whole units between them, or holds them in more than one way (an
    anchor that is itself repetitive: which length is the locus's cannot be told)."""
    left, right, unit = locus.left_flank[-anchor:], locus.right_flank[:anchor], locus.unit
    u = len(unit)
    found = set()
    i = seq.find(left)
    while i >= 0:
        j = k = i + anchor
        while seq.startswith(unit, k):
            k += u
        if seq.startswith(right, k):
            found.add((k - j) // u)
        i = seq.find(left, i + 1)
    return found.pop() if len(found) == 1 else None


def length_counts(bam, loci: list[Locus], anchor: int, contig_name=None) -> list[Counter]:
    """Per locus, the repeat lengths (in units) of the reads that span it: primary, mapped, not
    duplicates, mapping quality >= MIN_MAPPING_QUALITY; a read pair counted once per locus."""
    import pysam

    out = []
    with pysam.AlignmentFile(str(bam)) as fh:
        contigs = set(fh.references)
        for locus in loci:
            counts: Counter = Counter()
            chrom = contig_name(locus.chrom, contigs) if contig_name else locus.chrom
            if chrom is not None and chrom in contigs:
                seen = set()
                for read in fh.fetch(chrom, max(0, locus.start0 - 1), locus.end + 1):
                    if read.flag & SKIP_FLAGS or read.mapping_quality < MIN_MAPPING_QUALITY:
                        continue
                    n = repeat_length(read.query_sequence or "", locus, anchor)
                    if n is None or read.query_name in seen:
                        continue
                    seen.add(read.query_name)
                    counts[n] += 1
            out.append(counts)
    return out


def contig_in(chrom: str, contigs) -> str | None:
    """The BAM's name of a GRCh38 chromosome (chr7 or 7)."""
    if chrom in contigs:
        return chrom
    alt = chrom.removeprefix("chr") if chrom.startswith("chr") else f"chr{chrom}"
    return alt if alt in contigs else None


def chi2_sf(x: float, df: int) -> float:
    """P(X >= x) for a chi-square variable with integer `df` (closed forms of the regularised
    upper incomplete gamma function for integer and half-integer shape)."""
    if df < 1:
        raise ValueError("df must be >= 1")
    if x <= 0:
        return 1.0
    y = x / 2
    if df % 2 == 0:
        term, total = 1.0, 1.0
        for i in range(1, df // 2):
            term *= y / i
            total += term
        return min(1.0, math.exp(-y) * total)
    total = math.erfc(math.sqrt(y))
    term = math.sqrt(y) / math.gamma(1.5)
    for i in range(df // 2):
        if i:
            term *= y / (i + 0.5)
        total += math.exp(-y) * term
    return min(1.0, total)


def chi_square(a: Counter, b: Counter) -> tuple[float, int]:
    """Chi-square statistic and degrees of freedom of the 2 x k table of two length distributions."""
    lengths = sorted(set(a) | set(b))
    na, nb = sum(a.values()), sum(b.values())
    n = na + nb
    stat = 0.0
    for length in lengths:
        col = a.get(length, 0) + b.get(length, 0)
        for obs, row in ((a.get(length, 0), na), (b.get(length, 0), nb)):
            exp = row * col / n
            stat += (obs - exp) ** 2 / exp
    return stat, max(0, len(lengths) - 1)


def distance(a: Counter, b: Counter) -> float:
    """Total variation distance between two length distributions (0: identical, 1: disjoint)."""
    na, nb = sum(a.values()), sum(b.values())
    return 0.5 * sum(abs(a.get(k, 0) / na - b.get(k, 0) / nb) for k in set(a) | set(b))


def benjamini_hochberg(pvalues: list[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values (q-values), in the input order."""
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    q = [0.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, pvalues[i] * m / rank)
        q[i] = running
    return q


def _lengths(c: Counter) -> dict:
    return {str(k): c[k] for k in sorted(c)}


def assess_msi(tumor_counts, normal_counts, loci: list[Locus], examined: list[bool], settings: MsiSettings,
               purity: float | None) -> dict:
    """The MSI result from per-locus length counts (`normal_counts` None: tumour-only). `examined`
    says which loci the panel covers."""
    paired = normal_counts is not None
    rows = []
    for i, locus in enumerate(loci):
        row = {"chrom": locus.chrom, "start": locus.start0 + 1, "end": locus.end, "name": locus.name,
               "unit": locus.unit, "reference_copies": locus.copies, "marker": locus.marker,
               "tumor_reads": None, "normal_reads": None, "tumor_lengths": {}, "normal_lengths": {},
               "p_value": None, "q_value": None, "distance": None}
        if not locus.staged:
            row.update(status="not_staged", reason=locus.note or "no reference sequence for the locus")
        elif not examined[i]:
            row.update(status="outside_panel", reason="outside the sample's panel")
        else:
            t = tumor_counts[i]
            n = normal_counts[i] if paired else None
            row.update(tumor_reads=sum(t.values()), tumor_lengths=_lengths(t))
            if paired:
                row.update(normal_reads=sum(n.values()), normal_lengths=_lengths(n))
            low = [who for who, c in (("tumour", t), ("normal", n)) if c is not None and sum(c.values()) < settings.min_reads]
            if low:
                row.update(status="low_depth", reason=f"fewer than {settings.min_reads} spanning reads in the "
                           + " and the ".join(low))
            else:
                row.update(status="informative", reason="")
        rows.append(row)

    informative = [r for r in rows if r["status"] == "informative"]
    if paired and informative:
        for r in informative:
            t, n = Counter({int(k): v for k, v in r["tumor_lengths"].items()}), \
                Counter({int(k): v for k, v in r["normal_lengths"].items()})
            stat, df = chi_square(t, n)
            r["p_value"] = chi2_sf(stat, df) if df else 1.0
            r["distance"] = round(distance(t, n), 4)
        for r, q in zip(informative, benjamini_hochberg([r["p_value"] for r in informative])):
            r["q_value"] = q
            unstable = q < settings.fdr and r["distance"] >= settings.min_distance
            r["status"] = "unstable" if unstable else "stable"
    elif informative:
        for r in informative:
            total = r["tumor_reads"]
            shifted = total - r["tumor_lengths"].get(str(r["reference_copies"]), 0)
            r["distance"] = round(shifted / total, 4)
            r["status"] = "unstable" if shifted / total >= settings.tumor_only_min_shifted else "stable"
    for r in rows:
        for key in ("p_value", "q_value"):
            if r[key] is not None:
                r[key] = float(f"{r[key]:.4g}")
        r["reason"] = r["reason"] or {"unstable": "length distribution differs from the "
                                      + ("normal's" if paired else "reference length"),
                                      "stable": "no significant difference"}.get(r["status"], "")

    staged = [r for r in rows if r["status"] != "not_staged"]
    in_panel_rows = [r for r in staged if r["status"] != "outside_panel"]
    unstable = sum(r["status"] == "unstable" for r in informative)
    reasons, codes = [], []
    if purity is not None and purity < settings.min_purity:
        codes.append("purity")
        reasons.append(f"tumour purity {purity:g} is below the minimum {settings.min_purity:g}: instability "
                       "would be diluted below what the test detects")
    if len(informative) < settings.min_informative_loci:
        if len(in_panel_rows) < settings.min_informative_loci:
            codes.append("loci")
            reasons.append(f"the panel covers {len(in_panel_rows)} of the {len(staged)} loci of the list; "
                           f"at least {settings.min_informative_loci} informative loci are needed")
        else:
            codes.append("depth")
            reasons.append(f"depth too low: {len(informative)} of the {len(in_panel_rows)} loci in the panel have "
                           f">= {settings.min_reads} spanning reads in the tumour"
                           + (" and the normal" if paired else "")
                           + f"; at least {settings.min_informative_loci} are needed")
    score = round(100 * unstable / len(informative), 2) if informative else None
    if codes:
        status, reason = NOT_ASSESSED, "; ".join(reasons)
    else:
        status = MSI_H if score >= settings.threshold_percent else MSS
        reason = (f"{unstable} of {len(informative)} informative loci unstable ({score:g}%; MSI-H at >= "
                  f"{settings.threshold_percent:g}%)")
    markers = [{"marker": r["marker"], "status": r["status"], "reason": r["reason"]}
               for r in rows if r["marker"]]
    return {
        "mode": "paired" if paired else "tumor_only",
        "status": status,
        "reason": reason,
        "not_assessed_because": codes,
        "caveat": None if paired else TUMOR_ONLY_CAVEAT,
        "score_percent": score,
        "unstable_loci": unstable,
        "informative_loci": len(informative),
        "loci_in_panel": len(in_panel_rows),
        "loci_in_list": len(staged),
        "loci_not_staged": len(rows) - len(staged),
        "purity": purity,
        "settings": asdict(settings),
        "threshold_source": THRESHOLD_SOURCE,
        "method": ("repeat lengths of spanning reads, tumour vs matched normal, chi-square test per locus with "
                   "Benjamini-Hochberg correction (MSIsensor's method)" if paired else
                   "repeat lengths of spanning reads compared with the reference length (tumour-only)"),
        "markers": sorted(markers, key=lambda m: m["marker"]),
        "loci": rows,
    }


def actionability(status: str, tumor_type: str, kb_dir) -> dict:
    """Tier and therapies of an MSI status for the tumour's OncoTree type, from the knowledge base's
    curated biomarker evidence (AMP/ASCO/CAP as for variants: level A/B evidence for this tumour type,
    a related type or - at level A only - any tumour (a tumour-agnostic approval) is tier I; other
    evidence tier II). Only MSI-H has evidence; MSS and not assessed get none."""
    import json

    from genotailor.oncology.actionability import load_kb

    kb = load_kb(str(kb_dir))
    if tumor_type not in kb.nodes:
        raise InputError(f"tumour type {tumor_type!r} is not an OncoTree code ({kb.release})")
    doc = json.loads((Path(kb_dir) / "actionability.json").read_text())
    rows = []
    for b in doc.get("biomarkers", []) if status == MSI_H else ():
        if b["biomarker"] != MSI_H:
            continue
        excluded = bool(set(b.get("not_for", ())) & set(kb.lineage(tumor_type)))
        rows.append({"therapies": b["therapies"], "direction": b["direction"], "evidence_level": b["level"],
                     "oncotree": b["oncotree"], "disease": kb.nodes[b["oncotree"]]["name"],
                     "this_tumour_type": kb.related(b["oncotree"], tumor_type, b["level"]) and not excluded,
                     "sources": b["evidence"], "kb_id": b["id"]})
    rows.sort(key=lambda r: (not r["this_tumour_type"], r["evidence_level"], r["therapies"], r["oncotree"]))
    strong = [r for r in rows if r["this_tumour_type"] and r["evidence_level"] in "AB"]
    if strong:
        tier, level = "I", min(r["evidence_level"] for r in strong)
        reason = f"MSI-H: level {level} evidence for {tumor_type}, a related OncoTree type or any solid tumour"
    elif rows:
        tier, reason = "II", "MSI-H: evidence for other tumour types or below level B only"
    else:
        tier, reason = None, ("no therapy evidence for MSI-H in the knowledge base" if status == MSI_H
                              else f"{status}: no biomarker-directed therapy")
    return {"tumor_type": tumor_type, "tier": tier, "tier_reason": reason, "therapies": rows,
            "knowledge_base": kb.versions()}


def run_msi(tumor_bam, loci_path, settings: MsiSettings, *, tumor: str, normal_bam=None, normal: str | None = None,
            panel=None, purity: float | None = None, tumor_type: str | None = None, kb_dir=None) -> dict:
    """The MSI stage document of one tumour (and its matched normal, when given); with `tumor_type`
    and `kb_dir`, the tier and therapies of the result."""
    from genotailor.core.coverage import read_bed

    if not 1 <= settings.anchor <= 10:
        raise InputError(f"MSI anchor {settings.anchor}: must be 1 to 10 bases (the loci list stores 10)")
    if purity is not None and not 0 < purity <= 1:
        raise InputError(f"tumour purity {purity}: must be in (0, 1]")
    loci = read_loci(loci_path)
    regions = read_bed(panel) if panel else None
    examined = [locus.staged and in_panel(locus, regions, settings.anchor) for locus in loci]
    wanted = [locus for locus, e in zip(loci, examined) if e]
    counts_t = iter(length_counts(tumor_bam, wanted, settings.anchor, contig_in))
    counts_n = iter(length_counts(normal_bam, wanted, settings.anchor, contig_in)) if normal_bam else None
    tumor_counts = [next(counts_t) if e else Counter() for e in examined]
    normal_counts = [next(counts_n) if e else Counter() for e in examined] if counts_n else None
    doc = assess_msi(tumor_counts, normal_counts, loci, examined, settings, purity)
    action = actionability(doc["status"], tumor_type, kb_dir) if tumor_type and kb_dir else None
    return {"sample": tumor, "normal": normal, **doc, "actionability": action}
