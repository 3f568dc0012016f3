"""Somatic copy number of a tumour's panel genes with CNVkit: per-gene copy number and calls.

The tumour's depth over the panel's targets (split into bins of about `bin_size` bases) is
compared with its matched normal's, or with a panel-of-normals reference built from the lab's
normals (`build_reference`, the `genotailor cnv-reference` command). CNVkit corrects the ratios
(target size and density; GC and repeats when a reference FASTA is given), centres them and
segments them: with circular binary segmentation (R/DNAcopy) when R and DNAcopy are installed,
else with CNVkit's pure-Python Haar wavelet method. The method that ran is in the output.

Per gene, the log2 ratio is the weighted mean of its bins. Copy number in the tumour cells
follows from the purity `p` (diploid normal cells and stroma): observed copies `2 * 2^log2` equal
`p * CN + (1 - p) * 2`, so `CN = (2 * 2^log2 - 2 * (1 - p)) / p`, not below 0 (the same
rescaling as CNVkit's `call -m clonal --purity`; segments get it too). Without a purity the tumour is
taken as pure, which underestimates every change: the output says so. Calls (thresholds in the
config, `cnv:`): amplification at CN >= `amplification_min_copies`, deletion (homozygous, no copy
left) at CN < `deletion_max_copies`, loss (one copy) at CN < `loss_max_copies`.

Not assessed, with the reason: the whole sample when there is no matched normal and no reference
or the bins are too noisy (spread of bin ratios around their segment above `max_spread`) or the
tumour's median depth over the bins is below `min_depth`; a
gene with fewer than `min_bins` bins; genes on the sex chromosomes (their expected copies depend
on the sex of tumour and reference, which this step does not model).
"""

from __future__ import annotations

import math
import shutil
import statistics
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from genotailor.core.errors import InputError
from genotailor.core.tools import ToolError, capture

SEX_CHROMOSOMES = {"chrX", "chrY", "X", "Y"}


@dataclass(frozen=True)
class CnvSettings:
    """Thresholds of the calls (config `cnv:`; the schema cites the source of each default)."""

    amplification_min_copies: float = 6.0
    deletion_max_copies: float = 0.5
    loss_max_copies: float = 1.5
    min_bins: int = 3
    max_spread: float = 0.3
    bin_size: int = 200
    min_depth: float = 20.0


def segmentation_method() -> tuple[str, str]:
    """CNVkit's segmentation method and why: `cbs` when R loads DNAcopy, else `haar`."""
    if shutil.which("Rscript"):
        try:
            capture(["Rscript", "-e", "suppressMessages(library(DNAcopy))"], "R: loading DNAcopy")
            return "cbs", "circular binary segmentation (R/DNAcopy)"
        except ToolError:
            pass
    return "haar", "Haar wavelet segmentation (CNVkit, pure Python; R/DNAcopy is not installed)"


def gene_of(name: str) -> str:
    """The gene a target is named after: `EGFR` for `EGFR` or `EGFR_ex19`."""
    return name.split("_", 1)[0]


def _read_targets(targets_bed) -> str:
    path = Path(targets_bed)
    if not path.exists():
        raise InputError(f"targets BED {path}: file not found")
    rows = [line.split("\t") for line in path.read_text().splitlines() if line.strip() and not line.startswith(("#", "track"))]
    bad = [i for i, r in enumerate(rows, 1) if len(r) < 4 or not r[3].strip()]
    if not rows or bad:
        raise InputError(f"targets BED {path}: every row needs chrom, start, end and the gene name in column 4 "
                         f"(rows without one: {', '.join(map(str, bad[:5])) or 'the file is empty'})")
    return str(path)


def _cnvlib():
    import cnvlib  # noqa: F401  (the version is recorded)
    from cnvlib import coverage, fix, reference, segmentation, target
    from skgenome import tabio

    return cnvlib, coverage, fix, reference, segmentation, target, tabio


def _bins(targets_bed, bin_size, work: Path) -> tuple[str, str]:
    """CNVkit's target bins (targets split to about `bin_size`) and an empty antitarget BED
    (a panel: no off-target bins)."""
    _, _, _, _, _, target, tabio = _cnvlib()
    bins = target.do_target(tabio.read_auto(_read_targets(targets_bed)), do_split=True, avg_size=bin_size)
    path = work / "targets.bins.bed"
    tabio.write(bins, str(path), "bed4")
    empty = work / "antitargets.bed"
    empty.write_text("")
    return str(path), str(empty)


def _coverage(bam, bins, empty, work: Path, name: str) -> tuple[str, str]:
    _, coverage, _, _, _, _, tabio = _cnvlib()
    if not Path(bam).exists():
        raise InputError(f"BAM {bam}: file not found")
    out_t, out_a = work / f"{name}.targetcoverage.cnn", work / f"{name}.antitargetcoverage.cnn"
    try:
        cna = coverage.do_coverage(bins, str(bam))
    except ValueError as e:
        if "chromosome names don't match" not in str(e):
            raise
        raise InputError(f"BAM {bam}: none of the targets' contigs is in it — name the contigs of the targets BED "
                         "as the BAM does (e.g. chr7, not 7)") from None
    tabio.write(cna, str(out_t))
    tabio.write(coverage.do_coverage(empty, str(bam)), str(out_a))
    return str(out_t), str(out_a)


def build_reference(normal_bams, targets_bed, out_cnn, fasta=None, bin_size: int = CnvSettings.bin_size) -> Path:
    """A CNVkit reference (.cnn) from one or more normals' BAMs over the panel's target bins."""
    if not normal_bams:
        raise InputError("cnv-reference: give at least one normal BAM (--normal-bam)")
    _, _, _, reference, _, _, tabio = _cnvlib()
    with tempfile.TemporaryDirectory(prefix="genotailor-cnv-") as tmp:
        work = Path(tmp)
        bins, empty = _bins(targets_bed, bin_size, work)
        covs = [_coverage(bam, bins, empty, work, f"normal{i}") for i, bam in enumerate(normal_bams)]
        ref = reference.do_reference([t for t, _ in covs], [a for _, a in covs], fa_fname=fasta,
                                     do_gc=fasta is not None, do_rmask=fasta is not None)
        tabio.write(ref, str(out_cnn))
    return Path(out_cnn)


def copy_number(log2: float, purity: float) -> float:
    """Copies in the tumour cells from a tumour/normal log2 ratio (diploid normal cells)."""
    return max(0.0, (2 * 2**log2 - 2 * (1 - purity)) / purity)


def call_of(cn: float, s: CnvSettings) -> str | None:
    if cn >= s.amplification_min_copies:
        return "amplification"
    if cn < s.deletion_max_copies:
        return "deletion"
    if cn < s.loss_max_copies:
        return "loss"
    return None


def not_assessed(sample: str, reason: str, purity, settings: CnvSettings, normal=None) -> dict:
    return {"sample": sample, "normal": normal, "status": "not_assessed", "reason": reason, "reference": None,
            "purity": purity, "purity_note": None, "method": None, "thresholds": asdict(settings), "qc": None,
            "genes": [], "segments": [], "bins": []}


def _r(x: float, n: int = 4) -> float:
    return round(float(x), n) + 0.0  # no -0.0


def run_cnv(tumour_bam, targets_bed, sample: str, purity: float | None = None, normal_bam=None, normal: str | None = None,
            reference_cnn=None, fasta=None, settings: CnvSettings = CnvSettings()) -> dict:
    """The copy-number stage document of one tumour (see the module's docstring)."""
    if purity is not None and not 0 < purity <= 1:
        raise InputError(f"purity {purity}: give the tumour cell fraction as a number in (0, 1]")
    if normal_bam is None and reference_cnn is None:
        return not_assessed(sample, "no matched normal and no panel-of-normals reference: the tumour's depth has "
                            "nothing to be compared with", purity, settings)
    cnvlib, _, fix, _, segmentation, _, _ = _cnvlib()
    method, method_note = segmentation_method()
    with tempfile.TemporaryDirectory(prefix="genotailor-cnv-") as tmp:
        work = Path(tmp)
        bins, empty = _bins(targets_bed, settings.bin_size, work)
        if reference_cnn is None:
            ref_path = build_reference([normal_bam], targets_bed, work / "matched.cnn", fasta, settings.bin_size)
            ref_kind = {"kind": "matched normal", "normal": normal}
        else:
            if not Path(reference_cnn).exists():
                raise InputError(f"CNV reference {reference_cnn}: file not found (build it with `genotailor cnv-reference`)")
            ref_path, ref_kind = Path(reference_cnn), {"kind": "panel of normals", "file": Path(reference_cnn).name}
        t_cov, a_cov = _coverage(tumour_bam, bins, empty, work, "tumour")
        tumour = cnvlib.read(t_cov)
        depth = float(tumour.data.depth.median()) if len(tumour) else 0.0
        if not depth >= settings.min_depth:
            doc = not_assessed(sample, f"failed QC: the tumour's median depth over the target bins is {depth:.0f}x, "
                               f"below {settings.min_depth:g}x (no reads there? check that the BAM and the targets BED "
                               "name the contigs alike, e.g. chr7)", purity, settings, normal)
            return {**doc, "reference": ref_kind}
        ref = cnvlib.read(str(ref_path))
        cnr = fix.do_fix(tumour, cnvlib.read(a_cov), ref, do_gc=fasta is not None, do_rmask=fasta is not None)
        cns = segmentation.do_segmentation(cnr, method)
    rows = cnr.data
    seg_rows = cns.data
    assumed = purity if purity is not None else 1.0
    residuals = []
    for seg in seg_rows.itertuples():
        inside = rows[(rows.chromosome == seg.chromosome) & (rows.start >= seg.start) & (rows.end <= seg.end)]
        residuals.extend((inside.log2 - seg.log2).tolist())
    spread = 1.4826 * statistics.median(abs(x) for x in residuals) if residuals else math.nan
    doc = {
        "sample": sample, "normal": normal, "status": "assessed", "reason": None, "reference": ref_kind,
        "purity": purity,
        "purity_note": None if purity is not None else
        "no purity in the sample sheet: copy numbers assume 100% tumour cells, which understates every change",
        "method": {"tool": f"CNVkit {cnvlib.__version__}", "segmentation": method, "segmentation_note": method_note,
                   "copy_number": "per gene: weighted mean log2 ratio of its bins, rescaled for purity "
                   "(CN = (2 * 2^log2 - 2 * (1 - purity)) / purity)"},
        "thresholds": asdict(settings),
        "qc": {"bins": int(len(rows)), "spread": _r(spread), "max_spread": settings.max_spread},
        "bins": [{"chrom": r.chromosome, "start": int(r.start), "end": int(r.end), "gene": gene_of(r.gene),
                  "log2": _r(r.log2)} for r in rows.itertuples()],
        "segments": [{"chrom": s.chromosome, "start": int(s.start), "end": int(s.end), "log2": _r(s.log2),
                      "bins": int(s.probes), "copy_number": _r(copy_number(s.log2, assumed), 2)}
                     for s in seg_rows.itertuples()],
    }
    if not spread <= settings.max_spread:
        doc.update(status="not_assessed", reason=f"failed QC: the bins' spread around their segments ({spread:.3f} "
                   f"log2 units) is above the limit {settings.max_spread}", genes=[])
        return doc
    genes = []
    for gene, part in rows.assign(g=rows.gene.map(gene_of)).groupby("g", sort=True):
        entry = {"gene": gene, "chrom": part.chromosome.iloc[0], "start": int(part.start.min()),
                 "end": int(part.end.max()), "bins": int(len(part))}
        if entry["chrom"] in SEX_CHROMOSOMES:
            genes.append({**entry, "status": "not_assessed", "log2": None, "copy_number": None, "call": None,
                          "reason": "sex chromosome: expected copies depend on the sex of tumour and reference"})
            continue
        if len(part) < settings.min_bins:
            genes.append({**entry, "status": "not_assessed", "log2": None, "copy_number": None, "call": None,
                          "reason": f"too few targets: {len(part)} bin(s), at least {settings.min_bins} needed"})
            continue
        w = part.weight.clip(lower=1e-6)
        log2 = float((part.log2 * w).sum() / w.sum())
        cn = copy_number(log2, assumed)
        genes.append({**entry, "status": "assessed", "reason": None, "log2": _r(log2), "copy_number": _r(cn, 2),
                      "call": call_of(cn, settings)})
    doc["genes"] = genes
    return doc
