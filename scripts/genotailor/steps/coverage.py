"""Depth over regions with mosdepth: the biomarker loci (for the QC gate and for telling "not
covered" from "homozygous reference") and the sample's panel. `core.coverage` reads the results."""

from __future__ import annotations

import os
from pathlib import Path

from genotailor.core.scratch import scratch_beside
from genotailor.core.tools import run

MIN_MAPPING_QUALITY = 20
# What mosdepth writes after its prefix, the regions (what later steps read) last.
OUTPUTS = (".mosdepth.global.dist.txt", ".mosdepth.region.dist.txt", ".mosdepth.summary.txt",
           ".regions.bed.gz.csi", ".regions.bed.gz")


def mosdepth(bam, regions, prefix, threads=1):
    """Mean depth per region of `regions` (BED) into `{prefix}.regions.bed.gz` and a summary;
    no per-base output (it is large and nothing reads it).

    mosdepth writes five files after a prefix, one after the other: it writes them into a
    scratch folder, and each is then renamed into place, so a killed job never leaves a file
    there that is cut short."""
    prefix = Path(prefix)
    with scratch_beside(f"{prefix}.regions.bed.gz") as tmp:
        run(["mosdepth", "--no-per-base", "--by", regions, "--mapq", str(MIN_MAPPING_QUALITY), "-t", str(threads),
             tmp / prefix.name, bam], f"{bam}: depth over {regions}")
        for suffix in OUTPUTS:
            os.replace(tmp / f"{prefix.name}{suffix}", f"{prefix}{suffix}")
