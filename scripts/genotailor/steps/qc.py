"""Per-sample QC: metrics from fastp, samtools flagstat and mosdepth, judged by the config's gates.

Each gate has `warn_below`/`fail_below` (or `_above`) thresholds; the sample's status is the worst
of its gates. Metrics a sample's entry point cannot provide (no FASTQ for a BAM; no reads for a
VCF) are not gated, and the JSON says which were assessed.
"""

from __future__ import annotations

import json
from pathlib import Path

from genotailor.core import tools
from genotailor.core.coverage import in_regions, read_bed, read_locus_depths

ORDER = {"pass": 0, "warn": 1, "fail": 2}


def fastp_metrics(paths) -> dict:
    """Metrics over all units of a sample (sums, and base-weighted rates). fastp writes no
    `adapter_cutting` when adapter trimming is off and no `insert_size` for single-end reads: a
    metric some unit did not measure is left out (so not gated), never taken as 0."""
    units = [json.loads(Path(p).read_text()) for p in paths]
    before_reads = sum(u["summary"]["before_filtering"]["total_reads"] for u in units)
    after = [u["summary"]["after_filtering"] for u in units]
    after_bases = sum(a["total_bases"] for a in after)
    metrics = {
        "reads_before_filtering": before_reads,
        "reads_after_filtering": sum(a["total_reads"] for a in after),
        "q30_rate": round(sum(a["q30_bases"] for a in after) / after_bases, 4) if after_bases else 0.0,
    }
    if all("adapter_cutting" in u for u in units):
        adapter_reads = sum(u["adapter_cutting"]["adapter_trimmed_reads"] for u in units)
        metrics["adapter_trimmed_rate"] = round(adapter_reads / before_reads, 4) if before_reads else 0.0
    if all("insert_size" in u for u in units):
        # the smallest unit's peak: a library with short inserts is not hidden by a good one
        metrics["insert_size_peak"] = min(u["insert_size"]["peak"] for u in units)
    return metrics


def flagstat_metrics(path) -> dict:
    d = json.loads(Path(path).read_text())["QC-passed reads"]
    primary = d.get("primary", d["total"])
    mapped = d.get("primary mapped", d["mapped"])
    dups = d.get("primary duplicates", d["duplicates"])
    return {
        "primary_reads": primary,
        "mapped_rate": round(mapped / primary, 4) if primary else 0.0,
        "duplication_rate": round(dups / primary, 4) if primary else 0.0,
    }


def loci_metrics(loci_path, panel_path, min_depth) -> dict:
    depths = read_locus_depths(loci_path)
    panel = read_bed(panel_path) if panel_path else None
    inside = [d for (c, p), d in depths.items() if panel is None or in_regions(panel, c, p)]
    covered = sum(1 for d in inside if d >= min_depth)
    if not inside:  # nothing to judge (e.g. a PGx panel of a patient without PGx consent): no gate
        return {"loci_in_panel": 0}
    return {
        "loci_in_panel": len(inside),
        "loci_covered_rate": round(covered / len(inside), 4),
        "loci_mean_depth": round(sum(inside) / len(inside), 1),
    }


def judge(metrics: dict, gates: dict) -> list[dict]:
    """One verdict per gate whose metric is available, in the config's order."""
    verdicts = []
    for name, g in gates.items():
        if name not in metrics:
            continue
        v = metrics[name]
        status = "pass"
        if ("fail_below" in g and v < g["fail_below"]) or ("fail_above" in g and v > g["fail_above"]):
            status = "fail"
        elif ("warn_below" in g and v < g["warn_below"]) or ("warn_above" in g and v > g["warn_above"]):
            status = "warn"
        verdicts.append({"metric": name, "value": v, "status": status, **g})
    return verdicts


def sample_qc(sample, settings, fastp=(), flagstat=None, loci=None, panel=None, norm=None) -> dict:
    metrics = {}
    if fastp:
        metrics.update(fastp_metrics(fastp))
    if flagstat:
        metrics.update(flagstat_metrics(flagstat))
    if loci:
        metrics.update(loci_metrics(loci, panel, settings["min_locus_depth"]))
    if norm:
        n = json.loads(Path(norm).read_text())
        metrics["vcf_records"] = n["records_out"]
    verdicts = judge(metrics, settings["gates"])
    if verdicts:
        status = max((v["status"] for v in verdicts), key=ORDER.__getitem__)
    else:
        status = "not_assessed"  # a VCF entry: no reads to judge
    return {
        "sample": sample,
        "status": status,
        "metrics": dict(sorted(metrics.items())),
        "gates": verdicts,
        "failed_gates": [v["metric"] for v in verdicts if v["status"] == "fail"],
        "warned_gates": [v["metric"] for v in verdicts if v["status"] == "warn"],
    }


def bcftools_stats(vcf, out) -> None:
    """`bcftools stats` of a normalized VCF, for MultiQC's bcftools module."""
    tools.run(["bcftools", "stats", str(vcf)], f"bcftools stats of {vcf}", stdout=out)
