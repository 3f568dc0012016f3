"""The report's figures, drawn with matplotlib as inline SVG, each with a text equivalent.

Each figure is planned first (`plan`: its ID, title and text equivalent, without matplotlib) and
drawn after (`draw`). The report command hands its printer the print page made from the plan
(report.pdf), while a `Drawer` process, which imported matplotlib as the report was assembled,
draws the figures.

SVG output is made reproducible: element ids are hashed with a fixed salt (`svg.hashsalt`), the
date is left out of the metadata, text stays text (`svg.fonttype: none`, drawn in the page's
DejaVu Sans) and nothing depends on the machine's font cache. Figures are drawn on a bare
`Figure` (no pyplot state), so drawing one report never affects another."""

from __future__ import annotations

import contextlib
import io
import re
import statistics
from typing import TYPE_CHECKING, Callable, NamedTuple

from genotailor.core.errors import GenotailorError
from genotailor.report import child, words

if TYPE_CHECKING:
    from matplotlib.figure import Figure

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


class Planned(NamedTuple):
    """A figure the report has data for: `meta` its ID, title and text equivalent; `make` draws it
    (matplotlib is imported then) and returns its SVG."""

    meta: dict
    make: Callable[[], str]


def _svg(fig: Figure) -> str:
    from matplotlib import rc_context

    buf = io.StringIO()
    with rc_context(RC):
        fig.savefig(buf, format="svg", metadata=METADATA, bbox_inches="tight")
    text = buf.getvalue()
    # inline in HTML: no XML declaration or DOCTYPE; the width and height come from the CSS
    text = text[text.index("<svg"):]
    return re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1', text, count=1)


def _figure(width, height) -> Figure:
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    with rc_context(RC):
        return Figure(figsize=(width, height))


def _drawn(planned: Planned | None) -> dict | None:
    if planned is None:
        return None
    return {**planned.meta, "svg": scope_ids(planned.make(), planned.meta["id"])}


_ID_OR_REFERENCE = re.compile(r'(\sid="|href="#|url\(#)([^")]+)')


def scope_ids(svg: str, prefix: str) -> str:
    """The SVG with each element id, and every reference to one (`href="#…"`, `url(#…)`), prefixed
    with its figure's ID: matplotlib numbers its ids afresh in every figure (`figure_1`, `axes_1`),
    and the page holds several figures, whose ids must not repeat."""
    ids = set(re.findall(r'\sid="([^"]+)"', svg))
    return _ID_OR_REFERENCE.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}" if m.group(2) in ids else m.group(0),
                                svg)


def coverage_figure(report: dict) -> dict | None:
    return _drawn(_coverage(report))


def _coverage(report: dict) -> Planned | None:
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
    text = [f"{label} ({sample}): {len(depths)} position{'s' if len(depths) > 1 else ''}, median depth "
            f"{statistics.median(depths):g}, {sum(d < threshold for d in depths)} below {threshold}x"
            for label, sample, depths in groups]
    meta = {"id": "figure-coverage", "title": f"Read depth at biomarker positions: range and median (needed: {threshold}x)",
            "text": text}
    return Planned(meta, lambda: _draw_coverage(groups, threshold))


def _draw_coverage(groups: list, threshold: int) -> str:
    from matplotlib import rc_context

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
    return _svg(fig)


def vaf_figure(report: dict) -> dict | None:
    return _drawn(_vaf(report))


def _vaf(report: dict) -> Planned | None:
    """Each listed somatic variant's VAF, against what a clonal heterozygous variant would show at
    the sample's purity (purity / 2)."""
    variants = [v for v in report.get("somatic") or [] if v["vaf"] is not None]
    if not variants:
        return None
    purity = {s["id"]: s.get("purity") for s in report["samples"] if s["kind"] == "tumor"}
    labels = [" ".join(x for x in (v["gene"], v["protein_change"]) if x) or f"{v['chrom']}:{v['pos']}" for v in variants]
    text = []
    for v, label in zip(variants, labels):
        p = purity.get(v["sample"])
        expected = f"; a clonal heterozygous variant at purity {p:.0%} would show about {p / 2:.0%}" if p is not None else \
            "; purity not given"
        text.append(f"{label} ({v['sample']}, {words.word(words.TIER, v['tier'])}): VAF {words.pct(v['vaf'])} at depth "
                    f"{v['depth']}{expected}")
    meta = {"id": "figure-vaf", "title": "Somatic variant allele fractions and tumour purity", "text": text}
    return Planned(meta, lambda: _draw_vaf(variants, labels, purity))


def _draw_vaf(variants: list, labels: list, purity: dict) -> str:
    from matplotlib import rc_context

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
    return _svg(fig)


def tmb_band(per_mb: float) -> str:
    for low, high, label, _ in TMB_BANDS:
        if per_mb >= low and (high is None or per_mb < high):
            return label
    return ""


def tmb_figure(report: dict) -> dict | None:
    return _drawn(_tmb(report))


def _tmb(report: dict) -> Planned | None:
    """The TMB as a marker on the reference bands; none when the TMB was not assessed."""
    tmb = report.get("tmb") or {}
    if tmb.get("per_mb") is None:
        return None
    value = tmb["per_mb"]
    meta = {"id": "figure-tmb", "title": "Tumour mutational burden against reference bands",
            "text": [f"TMB {value:g} mutations/Mb ({tmb['mutations']} mutations over {tmb['callable_mb']} Mb): "
                     f"band {tmb_band(value)}"]}
    return Planned(meta, lambda: _draw_tmb(value))


def _draw_tmb(value: float) -> str:
    from matplotlib import rc_context

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
    return _svg(fig)


def copy_number_figures(report: dict) -> list[dict]:
    return [_drawn(p) for p in _copy_number(report)]


def _copy_number(report: dict) -> list[Planned]:
    """Per assessed tumour: each bin's log2 ratio against its reference, genes side by side in panel
    order, with the log2 ratios the amplification and deletion thresholds give at the tumour's purity."""
    cn = report.get("copy_number") or {}
    samples = {s["sample"]: s for s in cn.get("samples", ())}
    out = []
    for item in cn.get("plot", ()):
        s = samples[item["sample"]]
        purity = s["purity"] if s["purity"] is not None else 1.0
        t = s["thresholds"]
        lines = {"amplification": _log2_at(t["amplification_min_copies"], purity),
                 "deletion": _log2_at(t["deletion_max_copies"], purity)}
        calls = [f"{g['gene']} {g['call']} (copy number {g['copy_number']:g})" for g in cn["genes"]
                 if g["sample"] == item["sample"] and g["call"]]
        meta = {"id": f"figure-copy-number-{item['sample']}",
                "title": f"Copy number of {item['sample']}: log2 ratio of each target bin against the {s['reference']['kind']}",
                "text": [f"{len(item['bins'])} bins; " + ("; ".join(calls) if calls else "no amplification or deletion")
                         + f"; thresholds at purity {purity:g}: amplification log2 >= {lines['amplification']:.2f}, "
                         f"deletion log2 < {lines['deletion']:.2f}"]}
        out.append(Planned(meta, lambda bins=item["bins"], lines=lines: _draw_copy_number(bins, lines)))
    return out


def _log2_at(copies: float, purity: float) -> float:
    import math

    return math.log2(max((purity * copies + (1 - purity) * 2) / 2, 1e-3))


def _draw_copy_number(bins: list, lines: dict) -> str:
    from matplotlib import rc_context

    with rc_context(RC):
        fig = _figure(6.5, 2.2)
        ax = fig.add_subplot()
        genes, starts = [], []
        for i, (gene, _) in enumerate(bins):
            if not genes or genes[-1] != gene:
                genes.append(gene)
                starts.append(i)
        starts.append(len(bins))
        for k, gene in enumerate(genes):
            a, b = starts[k], starts[k + 1]
            ax.scatter(range(a, b), [v for _, v in bins[a:b]], s=6, color=OK if k % 2 == 0 else "#6b8fb3")
            ax.text((a + b - 1) / 2, 1.02, gene, transform=ax.get_xaxis_transform(), ha="center", fontsize=6, rotation=90)
        ax.axhline(0, color="#888888", linewidth=0.6)
        for name, y in sorted(lines.items()):
            ax.axhline(y, color=LOW, linewidth=0.6, linestyle="--")
            ax.text(len(bins), y, f" {name}", color=LOW, fontsize=6, va="center")
        ax.set_xlim(-1, len(bins))
        ax.set_xticks([])
        ax.set_ylabel("log2 ratio")
    return _svg(fig)


def plan(report: dict) -> list[Planned]:
    """Every figure the report has data for, in page order, not yet drawn."""
    return [p for p in (_coverage(report), _vaf(report), _tmb(report)) if p is not None] + _copy_number(report)


def draw(planned: list[Planned]) -> list[dict]:
    """The planned figures drawn: each one's ID, title, text equivalent and SVG."""
    return [_drawn(p) for p in planned]


def figures(report: dict) -> list[dict]:
    """Every figure the report has data for, in page order, drawn."""
    return draw(plan(report))


def _load_matplotlib() -> None:
    """Import what drawing needs: matplotlib's figure and its SVG backend."""
    import matplotlib.backends.backend_svg  # noqa: F401
    import matplotlib.figure  # noqa: F401


def _drawing(conn) -> None:
    try:
        _load_matplotlib()
        report = conn.recv()
        if report is None:
            return
        answer = (figures(report), None)
    except EOFError:  # the parent ended without a report
        return
    except Exception as exc:  # reported by the parent
        answer = (None, child.failure(exc))
    with contextlib.suppress(BrokenPipeError):  # unless the parent has ended
        conn.send(answer)


class Drawer:
    """Draws a report's figures in a child process started now, which imports matplotlib (about
    a third of a second) while the caller assembles the report; where a process cannot be
    forked, it draws in this process.

    >>> drawer = Drawer(); ...; drawer.draw(report); ...; drawn = drawer.drawn()
    """

    def __init__(self):
        self._report = None
        self._conn, self._process = child.start(_drawing)

    def draw(self, report: dict) -> None:
        """Hand over the report whose figures to draw."""
        if self._process is None:
            self._report = report
        else:
            with contextlib.suppress(BrokenPipeError):  # the child has ended; `drawn` says why
                self._conn.send(report)

    def drawn(self) -> list[dict]:
        """The figures, as `figures` gives them; a failure in the child is raised here."""
        if self._process is None:
            return figures(self._report)
        answer, ended = child.reply(self._conn, self._process, "drawing")
        self._process = None
        drawn, error = answer if ended is None else (None, ended)
        if error is not None:
            raise GenotailorError(f"the report's figures could not be drawn — {error}")
        return drawn

    def cancel(self) -> None:
        """End the child without waiting for its figures."""
        if self._process is not None:
            child.stop(self._conn, self._process)
            self._process = None
