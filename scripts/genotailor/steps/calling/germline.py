"""Built-in germline calling with bcftools, plus forced genotyping of every knowledge-base position.

Two passes over the same BAM, then one sorted VCF:
1. variant discovery over the sample's panel (`mpileup | call -mv`);
2. every knowledge-base position genotyped with its defined alleles (`call -m -C alleles`),
   reference calls included, so "homozygous reference at 35x" is a record with a depth.
Where discovery found a variant at a knowledge-base position, its record is kept and the forced
one dropped: forced genotyping cannot match repeat indels whose REF mpileup spells differently
(the UGT1A1 TA repeat), while discovery calls them. A position with no reads gets no record;
coverage (mosdepth) tells that case apart.
"""

from __future__ import annotations

from pathlib import Path

from genotailor.core.scratch import scratch_beside
from genotailor.core.tools import pipeline, run

ANNOTATE = "FORMAT/AD,FORMAT/DP"


def call_germline(bam, reference, regions, sites, alleles, out, min_mq=20, min_bq=13, withheld=()):
    """`sites`/`alleles` None: variant discovery only (a patient without PGx consent).
    `withheld`: (chrom, start0, end) regions the patient's consent leaves out: not called."""
    out = Path(out)
    mp = ["bcftools", "mpileup", "--no-version", "-f", str(reference), "-a", ANNOTATE, "-q", str(min_mq),
          "-Q", str(min_bq), "--max-depth", "10000", "-Ou"]
    # bcftools sort -T is a prefix it adds XXXXXX to: `{tmp}/sort.` keeps its folder inside the scratch.
    with scratch_beside(out) as tmp:
        discovered, forced = f"{tmp}/discovered.bcf", f"{tmp}/forced.bcf"
        found = f"{tmp}/discovered_positions.tsv"
        if withheld:
            from genotailor.core.consent import subtract
            from genotailor.core.coverage import bed_intervals

            kept = subtract(list(bed_intervals(regions)), withheld)
            regions = f"{tmp}/regions.bed"
            Path(regions).write_text("".join(f"{c}\t{s}\t{e}\n" for c, s, e in kept))
        pipeline([[*mp, "-R", regions, bam], ["bcftools", "call", "--no-version", "-m", "-v", "-Ob", "-o", discovered]],
                 f"{bam}: variant discovery")
        if sites is None:  # no PGx consent: no knowledge-base position is genotyped
            run(["bcftools", "sort", "-T", f"{tmp}/sort.", "-Oz", "-o", out, discovered], f"{bam}: sorting the calls")
            return
        run(["bcftools", "query", "-f", "%CHROM\\t%POS\\n", discovered], f"{bam}: listing discovered variants",
            stdout=found)
        # bcftools refuses an empty targets file: with nothing discovered, nothing is dropped.
        drop = ["-T", f"^{found}"] if Path(found).stat().st_size else []
        pipeline([[*mp, "-T", sites, bam],
                  ["bcftools", "call", "--no-version", "-m", "-C", "alleles", "-T", alleles, "-Ou"],
                  ["bcftools", "view", "--no-version", *drop, "-Ob", "-o", forced]],
                 f"{bam}: genotyping the knowledge-base positions")
        for calls in (discovered, forced):
            run(["bcftools", "index", calls], f"{bam}: indexing the call sets")
        # -a: both sets cover the same chromosomes, each sorted; concat interleaves them by position.
        pipeline([["bcftools", "concat", "--no-version", "-a", discovered, forced, "-Ou"],
                  ["bcftools", "sort", "-T", f"{tmp}/sort.", "-Oz", "-o", out]], f"{bam}: merging the call sets")
