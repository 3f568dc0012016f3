"""Biomarker loci derived from the knowledge bases, for coverage and forced genotyping.

- a BED of 1-bp loci (every PGx defining position and every cancer hotspot) for mosdepth;
- the PGx sites and alleles files bcftools takes to genotype every knowledge-base position
  (`mpileup -T sites`, `call -C alleles -T alleles`), so a homozygous-reference position with
  reads gets a record of its own and can be told from a position nobody sequenced.
"""

from __future__ import annotations

from pathlib import Path

import pysam

from genotailor.core.kbfiles import load_positions, read_hotspots
from genotailor.core.reference import chrom_order


def write_loci(kb_dir, hotspots, fai, bed, sites, alleles, hotspot_bed=None):
    """`hotspot_bed`: also the hotspot loci alone, for patients without PGx consent (no depth is
    measured at a pharmacogene position of theirs)."""
    contigs = {line.split("\t")[0] for line in open(fai)}
    pgx = [p for p in load_positions(kb_dir) if p[0] in contigs]
    pgx_loci = {}
    for chrom, pos, ref, alts, gene, rsid in pgx:
        pgx_loci.setdefault((chrom, pos), f"{gene}:{rsid}")
    changes = {}
    for h in read_hotspots(hotspots):
        if h["chrom"] in contigs:
            changes.setdefault((h["chrom"], int(h["pos"]), h["gene"]), []).append(h["protein_change"])
    hotspot_loci = {}
    for (chrom, pos, gene), names in changes.items():
        hotspot_loci.setdefault((chrom, pos), f"{gene}:{'|'.join(sorted(set(names)))}")
    _write_bed(bed, {**hotspot_loci, **pgx_loci})  # a position of both keeps its PGx name
    if hotspot_bed:
        _write_bed(hotspot_bed, hotspot_loci)
    # One alleles line per position: bcftools -C alleles takes REF,ALT1,ALT2...
    merged = {}
    for chrom, pos, ref, alts, gene, rsid in sorted(pgx, key=lambda p: (chrom_order(p[0]), p[1])):
        key = (chrom, pos)
        if key in merged and merged[key][0] != ref:
            continue  # two genes define different REF spans here; genotype the first
        prev = merged.get(key, (ref, []))[1]
        merged[key] = (ref, prev + [a for a in alts if a not in prev])
    _write_tabixed(sites, [f"{c}\t{p}\n" for (c, p) in merged])
    _write_tabixed(alleles, [f"{c}\t{p}\t{r},{','.join(a)}\n" for (c, p), (r, a) in merged.items()])


def _write_bed(path, loci):
    with open(path, "w") as fh:
        for chrom, pos in sorted(loci, key=lambda k: (chrom_order(k[0]), k[1])):
            fh.write(f"{chrom}\t{pos - 1}\t{pos}\t{loci[(chrom, pos)]}\n")


def _write_tabixed(path, lines):
    plain = Path(str(path).removesuffix(".gz"))
    plain.write_text("".join(lines))
    pysam.tabix_compress(str(plain), str(path), force=True)
    plain.unlink()
    pysam.tabix_index(str(path), seq_col=0, start_col=1, end_col=1, force=True, zerobased=False)
