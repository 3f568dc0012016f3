"""Germline exon-level deletions and duplications: candidates from each exon's depth against a
reference set of samples (the run's other samples, or a lab's normals), never a diagnosis.

Each coding exon of the examined genes' MANE Select transcripts is one target; CNVkit gives its
mean depth in the sample and in every reference sample. A sample's depths are divided by their
median over all targets (library size), and an exon's ratio is the sample's over the median of
the references'. The exon's spread is the references' own (1.4826 x median absolute deviation of
their log2 ratios to that median; at least `min_spread`), so an exon that varies between normal
samples needs a larger change. An exon is an outlier at ratio <= `deletion_max_ratio` (one copy
of two gives 0.5) or >= `duplication_min_ratio` (three copies give 1.5) with |log2 ratio| at least
`min_z` spreads; adjacent outlier exons of one gene in the same direction are one call.

Every call is a candidate that needs confirmation by an orthogonal method (MLPA, array CGH or
long-range PCR): the report gives the exons and the depth ratio, never a classification. Genes
come from the patient's indications; ACMG secondary-findings genes only with consent — without
it they are not examined and nothing of them is written. Not assessed, with the reason: fewer
than `min_references` reference samples (the whole sample), an exon whose references' median
depth is below `min_depth`.
"""

from __future__ import annotations

import math
import statistics
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from genotailor.core.errors import InputError
from genotailor.core.transcripts import models_by_gene

CANDIDATE = "candidate — needs confirmation by an orthogonal method (MLPA, array CGH or long-range PCR)"


@dataclass(frozen=True)
class ExonCnvSettings:
    deletion_max_ratio: float = 0.75
    duplication_min_ratio: float = 1.25
    min_z: float = 3.0
    min_spread: float = 0.1
    min_references: int = 2
    min_depth: float = 20.0


def exon_targets(models_gff, genes) -> list[tuple[str, int, int, str, int]]:
    """(chrom, 0-based start, end, gene, exon number) of each coding exon, in genomic order per gene
    (a gene without a MANE Select transcript in the models has none)."""
    models = models_by_gene(str(models_gff))
    out = []
    for gene in genes:
        t = models.get(gene)
        if t is None:
            continue
        for s, e in sorted(t.cds):
            rank = next((r for a, b, r in t.exons if a <= s and e <= b), 0)
            out.append((t.chrom, s - 1, e, gene, rank))
    return out


def _depths(bams, targets) -> list[list[float]]:
    """Mean depth of every target in every BAM (CNVkit coverage)."""
    from cnvlib import coverage

    with tempfile.TemporaryDirectory(prefix="genotailor-exon-cnv-") as tmp:
        bed = Path(tmp) / "exons.bed"
        bed.write_text("".join(f"{c}\t{s}\t{e}\t{g}_ex{r}\n" for c, s, e, g, r in targets))
        out = []
        for bam in bams:
            if not Path(bam).exists():
                raise InputError(f"BAM {bam}: file not found")
            cna = coverage.do_coverage(str(bed), str(bam))
            by_target = {(row.chromosome, int(row.start), int(row.end)): float(row.depth) for row in cna.data.itertuples()}
            out.append([by_target.get((c, s, e), 0.0) for c, s, e, _, _ in targets])
    return out


def _normalised(depths: list[float], informative: list[int]) -> list[float]:
    """Depths over the sample's median depth of the informative targets (those its references cover)."""
    median = statistics.median(depths[i] for i in informative) if informative else 0.0
    return [d / median if median > 0 else 0.0 for d in depths]


def _r(x: float, n: int = 3) -> float:
    return round(float(x), n) + 0.0


def exon_cnv(bam, sample: str, reference_bams, models_gff, indication_genes, secondary_genes=(),
             consent_secondary: bool = False, settings: ExonCnvSettings = ExonCnvSettings()) -> dict:
    """Candidate exon-level deletions and duplications of one germline sample (see the module's docstring)."""
    categories = {g: "diagnostic" for g in indication_genes}
    for g in secondary_genes if consent_secondary else ():
        categories.setdefault(g, "secondary")
    doc = {"sample": sample, "method": "per-exon depth ratio against the reference samples (CNVkit coverage), "
           "outlier test on the references' spread", "settings": asdict(settings),
           "references": len(reference_bams),
           "secondary_findings": "analysed (consent)" if consent_secondary else "not analysed (no consent)",
           "status": "assessed", "reason": None, "genes": [], "calls": []}
    if len(reference_bams) < settings.min_references:
        doc.update(status="not_assessed", reason=f"{len(reference_bams)} reference sample(s), at least "
                   f"{settings.min_references} needed to tell an exon's depth from its normal variation")
        return doc
    genes = sorted(categories)
    targets = exon_targets(models_gff, genes)
    sample_depths, *ref_depths = _depths([bam, *reference_bams], targets)
    informative = [i for i in range(len(targets)) if statistics.median(d[i] for d in ref_depths) >= settings.min_depth]
    norm = _normalised(sample_depths, informative)
    refs = [_normalised(d, informative) for d in ref_depths]
    exons = []
    for i, (chrom, start, end, gene, rank) in enumerate(targets):
        ref_med = statistics.median(r[i] for r in refs)
        raw_med = statistics.median(d[i] for d in ref_depths)
        entry = {"gene": gene, "exon": rank, "chrom": chrom, "start": start + 1, "end": end}
        if raw_med < settings.min_depth or ref_med <= 0:
            exons.append({**entry, "status": "not_assessed", "ratio": None, "z": None,
                          "reason": f"references' median depth {raw_med:.0f}x, below {settings.min_depth:g}x"})
            continue
        logs = [math.log2(max(r[i], 1e-6) / ref_med) for r in refs]
        spread = max(settings.min_spread, 1.4826 * statistics.median(abs(x) for x in logs))
        ratio = norm[i] / ref_med
        z = math.log2(max(ratio, 1e-6)) / spread
        kind = None
        if ratio <= settings.deletion_max_ratio and z <= -settings.min_z:
            kind = "deletion"
        elif ratio >= settings.duplication_min_ratio and z >= settings.min_z:
            kind = "duplication"
        exons.append({**entry, "status": "assessed", "ratio": _r(ratio), "z": _r(z, 2), "kind": kind, "reason": None})
    for gene in genes:
        mine = [e for e in exons if e["gene"] == gene]
        if not mine:
            doc["genes"].append({"gene": gene, "category": categories[gene], "status": "not_assessed", "exons": [],
                                 "reason": f"no MANE Select transcript in {Path(models_gff).name}: its exons are not known"})
            continue
        done = [e for e in mine if e["status"] == "assessed"]
        status = "assessed" if len(done) == len(mine) else ("partly" if done else "not_assessed")
        reason = (f"{len(done)} of {len(mine)} coding exons assessed"
                  + ("" if len(done) == len(mine) else "; not assessed: exon " +
                     ", ".join(str(e["exon"]) for e in mine if e["status"] != "assessed")))
        doc["genes"].append({"gene": gene, "category": categories[gene], "status": status, "reason": reason,
                             "exons": [{k: e[k] for k in ("exon", "status", "ratio", "z", "reason")} for e in mine]})
        run: list[dict] = []
        for e in mine + [{"kind": None, "status": None}]:  # a sentinel closes the last run
            if run and e.get("kind") != run[-1]["kind"]:
                doc["calls"].append(_call(gene, categories[gene], run))
                run = []
            if e.get("kind"):
                run.append(e)
    return doc


def _call(gene, category, run) -> dict:
    ratios = [e["ratio"] for e in run]
    numbers = sorted(e["exon"] for e in run)
    exons = f"exon {numbers[0]}" if len(numbers) == 1 else f"exons {numbers[0]}-{numbers[-1]}"
    return {"gene": gene, "category": category, "type": run[0]["kind"], "exons": numbers,
            "chrom": run[0]["chrom"], "start": min(e["start"] for e in run), "end": max(e["end"] for e in run),
            "ratio": _r(statistics.mean(ratios)), "status": "candidate",
            "summary": f"{gene} {exons} {run[0]['kind']} (depth ratio {statistics.mean(ratios):.2f}): {CANDIDATE}"}
