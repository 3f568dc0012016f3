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

import subprocess
import sys
import tempfile
from pathlib import Path

from genotailor.errors import GenotailorError

ANNOTATE = "FORMAT/AD,FORMAT/DP"


def _pipe(cmd: str, what: str):
    proc = subprocess.run(["bash", "-c", "set -o pipefail; " + cmd], capture_output=True, text=True)
    print(proc.stderr, end="", file=sys.stderr)
    if proc.returncode != 0:
        raise GenotailorError(f"{what} failed (exit {proc.returncode}): {proc.stderr.strip()[-500:]}")


def call_germline(bam, reference, regions, sites, alleles, out, min_mq=20, min_bq=13):
    out = Path(out)
    mp = (f"bcftools mpileup --no-version -f {reference} -a {ANNOTATE} -q {min_mq} -Q {min_bq}"
          f" --max-depth 10000 -Ou")
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".call.") as tmp:
        discovered, forced = f"{tmp}/discovered.bcf", f"{tmp}/forced.bcf"
        found = f"{tmp}/discovered_positions.tsv"
        _pipe(f"{mp} -R {regions} {bam} | bcftools call --no-version -m -v -Ob -o {discovered}",
              "variant discovery")
        _pipe(f"bcftools query -f '%CHROM\\t%POS\\n' {discovered} > {found}", "listing discovered variants")
        # bcftools refuses an empty targets file: with nothing discovered, nothing is dropped.
        drop = f"-T ^{found}" if Path(found).stat().st_size else ""
        _pipe(f"{mp} -T {sites} {bam} | bcftools call --no-version -m -C alleles -T {alleles} -Ou"
              f" | bcftools view --no-version {drop} -Ob -o {forced}",
              "genotyping the knowledge-base positions")
        _pipe(f"bcftools index {discovered} && bcftools index {forced}", "indexing the call sets")
        # -a: both sets cover the same chromosomes, each sorted; concat interleaves them by position.
        _pipe(f"bcftools concat --no-version -a {discovered} {forced} -Ou"
              f" | bcftools sort -T {tmp} -Oz -o {out}", "merging the call sets")


def register(sub):
    p = sub.add_parser("call-germline", help="bcftools germline calls + forced genotypes at knowledge-base positions")
    p.add_argument("--bam", required=True)
    p.add_argument("--reference", required=True)
    p.add_argument("--regions", required=True, help="BED of the sequenced targets")
    p.add_argument("--sites", required=True, help="knowledge-base positions (tabix-indexed CHROM POS)")
    p.add_argument("--alleles", required=True, help="knowledge-base alleles (tabix-indexed CHROM POS REF,ALT)")
    p.add_argument("--min-mq", type=int, default=20)
    p.add_argument("--min-bq", type=int, default=13)
    p.add_argument("--out", required=True)
    p.set_defaults(func=_cli)


def _cli(args):
    call_germline(args.bam, args.reference, args.regions, args.sites, args.alleles, args.out, args.min_mq, args.min_bq)
    return 0
