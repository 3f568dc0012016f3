"""Depth over regions with mosdepth: the biomarker loci (for the QC gate and for telling "not
covered" from "homozygous reference") and the sample's panel. `core.coverage` reads the results."""

from __future__ import annotations

from genotailor.core.tools import run

MIN_MAPPING_QUALITY = 20


def mosdepth(bam, regions, prefix, threads=1):
    """Mean depth per region of `regions` (BED) into `{prefix}.regions.bed.gz` and a summary;
    no per-base output (it is large and nothing reads it)."""
    run(["mosdepth", "--no-per-base", "--by", regions, "--mapq", str(MIN_MAPPING_QUALITY), "-t", str(threads),
         prefix, bam], f"{bam}: depth over {regions}")
