"""The report's figures, drawn with matplotlib as inline SVG, each with a text equivalent.

SVG output is made reproducible: element ids are hashed with a fixed salt (`svg.hashsalt`), the
date is left out of the metadata, text stays text (`svg.fonttype: none`, drawn in the page's
DejaVu Sans) and nothing depends on the machine's font cache. Figures are drawn on a bare
`Figure` (no pyplot state), so drawing one report never affects another."""

from __future__ import annotations

import io
import re
import statistics

from matplotlib import rc_context
from matplotlib.figure import Figure

from genotailor.report import words

RC = {
    "svg.hashsalt": "genotailor",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
METADATA = {"Date": None, "Creator": "genotailor", "Format": None, "Type": None}

# TMB reference bands (mutations per Mb). 10 is the FDA's tumour-agnostic TMB-high cut-off for
# pembrolizumab (FoundationOne CDx, 2020); 20 marks the very high burden seen in melanoma and
# NSCLC responders (Chalmers et al. 2017, doi:10.1186/s13073-017-0424-2).
TMB_BANDS = ((0, 10, "low (< 10)", "#e4efe4"), (10, 20, "high (≥ 10)", "#fbe9cf"), (20, None, "very high (≥ 20)", "#f6d3d3"))
OK, LOW = "#24527a", "#a0141e"


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    with rc_context(RC):
        fig.savefig(buf, format="svg", metadata=METADATA, bbox_inches="tight")
    text = buf.getvalue()
    # inline in HTML: no XML declaration or DOCTYPE; the width and height come from the CSS
    text = text[text.index("<svg"):]
    return re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1', text, count=1)


def _figure(width, height) -> Figure:
    with rc_context(RC):
        return Figure(figsize=(width, height))


def coverage_figure(report: dict) -> dict | None:
    """Depth at each pharmacogene's defining positions (range and median) and at each listed
    somatic variant, per sample, against the depth a biomarker position needs."""
    threshold = report.get("qc_thresholds", {}).get("min_locus_depth", 20)
    germline = next((s["id"] for s in report["samples"] if s["kind"] == "germline"), None)
    groups = []  # (label, sample, depths)
    for g in report.get("pgx") or []:
        depths = [p["depth"] or 0 for p in g.get("positions") or []]
        if depths and g.get("source") == "vcf":
            groups.append((g["gene"], germline, depths))
    for v in report.get("somatic") or []:
        if v["depth"] is not None:
            label = " ".join(x for x in (v["gene"], v["protein_change"]) if x) or f"{v['chrom']}:{v['pos']}"
            groups.append((label, v["sample"], [v["depth"]]))
    if not groups:
        return None
    with rc_context(RC):
        fig = _figure(max(4.0, 0.32 * len(groups) + 1.5), 2.6)
        ax = fig.add_subplot()
        # per group: the range of depths as a bar and the median as a dot (a few elements per
        # gene instead of one per position keeps the SVG small and the PDF quick to print)
        for i, (_, _, depths) in enumerate(groups):
            colour = LOW if min(depths) < threshold else OK
            ax.vlines(i, min(depths), max(depths), color=colour, linewidth=3, alpha=0.45)
            ax.plot([i], [statistics.median(depths)], marker="o", markersize=4, color=colour)
        ax.axhline(threshold, color=LOW, linewidth=0.8, linestyle="--")
        ax.text(len(groups) - 0.5, threshold, f" {threshold}x needed", color=LOW, va="bottom", ha="right")
        ax.set_xticks(range(len(groups)), [f"{label}\n{sample or ''}" if len({s for _, s, _ in groups}) > 1 else label
                                           for label, sample, _ in groups], rotation=60, ha="right", fontsize=7)
        ax.set_ylabel("Read depth")
        ax.set_xlim(-0.7, len(groups) - 0.3)
        ax.set_ylim(bottom=0)
    text = [f"{label} ({sample}): {len(depths)} position{'s' if len(depths) > 1 else ''}, median depth "
            f"{statistics.median(depths):g}, {sum(d < threshold for d in depths)} below {threshold}x"
            for label, sample, depths in groups]
    return {"id": "figure-coverage", "title": f"Read depth at biomarker positions: range and median (needed: {threshold}x)",
            "svg": _svg(fig), "text": text}


def vaf_figure(report: dict) -> dict | None:
    """Each listed somatic variant's VAF, against what a clonal heterozygous variant would show at
    the sample's purity (purity / 2)."""
    variants = [v for v in report.get("somatic") or [] if v["vaf"] is not None]
    if not variants:
        return None
    purity = {s["id"]: s.get("purity") for s in report["samples"] if s["kind"] == "tumor"}
    labels = [" ".join(x for x in (v["gene"], v["protein_change"]) if x) or f"{v['chrom']}:{v['pos']}" for v in variants]
    with rc_context(RC):
        fig = _figure(5.0, 0.35 * len(variants) + 1.0)
        ax = fig.add_subplot()
        ys = list(range(len(variants)))[::-1]
        ax.barh(ys, [v["vaf"] for v in variants], color=[OK if v["tier"] in ("I", "II") else "#8a99a8" for v in variants],
                height=0.6)
        ax.set_yticks(ys, labels)
        for sample, p in sorted(purity.items()):
            if p is not None:
                ax.axvline(p / 2, color=LOW, linewidth=0.8, linestyle="--")
                ax.text(p / 2, len(variants) - 0.4, f" purity {p:.0%}: clonal heterozygous VAF {p / 2:.0%}", color=LOW,
                        fontsize=7, va="bottom")
        ax.set_xlim(0, 1)
        ax.set_ylim(-0.6, len(variants) + 0.2)
        ax.set_xlabel("Variant allele fraction (VAF)")
    text = []
    for v, label in zip(variants, labels):
        p = purity.get(v["sample"])
        expected = f"; a clonal heterozygous variant at purity {p:.0%} would show about {p / 2:.0%}" if p is not None else \
            "; purity not given"
        text.append(f"{label} ({v['sample']}, {words.word(words.TIER, v['tier'])}): VAF {words.pct(v['vaf'])} at depth "
                    f"{v['depth']}{expected}")
    return {"id": "figure-vaf", "title": "Somatic variant allele fractions and tumour purity", "svg": _svg(fig), "text": text}


def tmb_band(per_mb: float) -> str:
    for low, high, label, _ in TMB_BANDS:
        if per_mb >= low and (high is None or per_mb < high):
            return label
    return ""


def tmb_figure(report: dict) -> dict | None:
    """The TMB as a marker on the reference bands; none when the TMB was not assessed."""
    tmb = report.get("tmb") or {}
    if tmb.get("per_mb") is None:
        return None
    value = tmb["per_mb"]
    top = max(40.0, value * 1.15)
    with rc_context(RC):
        fig = _figure(5.0, 1.1)
        ax = fig.add_subplot()
        for low, high, label, colour in TMB_BANDS:
            ax.axvspan(low, high if high is not None else top, color=colour)
            ax.text((low + (high if high is not None else top)) / 2, 0.8, label, ha="center", fontsize=7)
        ax.plot([value], [0.35], marker="v", color=LOW, markersize=9)
        ax.text(value, 0.05, f"{value:g}", ha="center", color=LOW)
        ax.set_xlim(0, top)
        ax.set_ylim(0, 1)
        ax.set_yticks([])
        ax.set_xlabel("Mutations per Mb")
    return {"id": "figure-tmb", "title": "Tumour mutational burden against reference bands", "svg": _svg(fig),
            "text": [f"TMB {value:g} mutations/Mb ({tmb['mutations']} mutations over {tmb['callable_mb']} Mb): "
                     f"band {tmb_band(value)}"]}


def figures(report: dict) -> list[dict]:
    """Every figure the report has data for, in page order."""
    return [f for f in (coverage_figure(report), vaf_figure(report), tmb_figure(report)) if f is not None]
