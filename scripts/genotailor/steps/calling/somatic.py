"""Built-in tumour/normal screen: bcftools mpileup allele counts, then somatic filters.

This is a screen for known-panel somatic SNVs/indels at moderate-to-high VAF, not a replacement
for a full somatic caller (Mutect2, Strelka2), whose VCFs enter through the sample sheet. Every
candidate with alternate reads is written; those failing a filter carry its name in FILTER, so
what was seen and why it was not reported stays visible.

mpileup gives one record per site with every allele seen; the screen writes one record per ALT.
An ALT's VAF is its reads over the reads of every allele at the site (DP and FORMAT/ADSUM), so a
second ALT's reads lower it; AD keeps the REF and this ALT's reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pysam

from genotailor.core.errors import GenotailorError
from genotailor.core.reference import Reference
from genotailor.core.scratch import scratch_beside
from genotailor.core.tools import run
from genotailor.core.vcf import SITE_READS

FILTERS = {
    "LowDepth": "tumour depth below the minimum",
    "LowAltReads": "fewer alternate reads in the tumour than the minimum",
    "LowVAF": "tumour VAF below the minimum",
    "LowNormalDepth": "matched normal depth below the minimum",
    "GermlineOrNormal": "alternate allele present in the matched normal above the maximum VAF",
}


@dataclass
class SomaticThresholds:
    min_depth: int = 50
    min_alt_reads: int = 8
    min_vaf: float = 0.05
    max_normal_vaf: float = 0.02
    min_normal_depth: int = 20


def somatic_filters(t_alt, t_depth, n_alt, n_depth, th: SomaticThresholds, has_normal: bool) -> list[str]:
    """Names of the filters a candidate fails (empty: it passes)."""
    failed = []
    if t_depth < th.min_depth:
        failed.append("LowDepth")
    if t_alt < th.min_alt_reads:
        failed.append("LowAltReads")
    if t_depth and t_alt / t_depth < th.min_vaf:
        failed.append("LowVAF")
    if has_normal:
        if n_depth < th.min_normal_depth:
            failed.append("LowNormalDepth")
        elif n_alt / n_depth > th.max_normal_vaf:
            failed.append("GermlineOrNormal")
    return failed


def _header(ref: Reference, tumor: str, has_normal: bool) -> pysam.VariantHeader:
    h = pysam.VariantHeader()
    for name, length in ref.lengths.items():
        h.contigs.add(name, length=length)
    for fid, desc in FILTERS.items():
        h.filters.add(fid, None, None, desc)
    h.info.add("SOMATIC", 0, "Flag", "Candidate somatic variant")
    h.info.add("TUMOR_ONLY", 0, "Flag", "No matched normal: germline variants cannot be excluded")
    h.info.add("NORMAL_AD", 2, "Integer", "Matched normal reads supporting REF and ALT")
    h.info.add("NORMAL_DP", 1, "Integer", "Matched normal reads of every allele at the site")
    h.info.add("NORMAL_VAF", 1, "Float", "Matched normal alternate allele fraction (ALT reads / NORMAL_DP)")
    h.formats.add("GT", 1, "String", "Genotype")
    h.formats.add("AD", "R", "Integer", "Reads supporting REF and ALT")
    h.formats.add("DP", 1, "Integer", "Reads of every allele at the site")
    h.formats.add(SITE_READS, 1, "Integer", "Reads of every allele at the site: the sum of AD over all alleles "
                  "of the record before multi-allelic records were split")
    h.formats.add("AF", "A", "Float", "Alternate allele fraction (VAF): ALT reads / DP")
    h.add_sample(tumor)
    return h


def _site_depth(ad) -> int:
    """Reads of every allele at an mpileup site (its AD over all alleles, <*> included)."""
    return sum(c or 0 for c in ad)


def screen(pileup_bcf, tumor: str, normal: str | None, ref: Reference, out, th: SomaticThresholds, min_alt_seen=2):
    header = _header(ref, tumor, normal is not None)
    records = []
    with pysam.VariantFile(str(pileup_bcf)) as vf:
        for rec in vf:
            t_ad = rec.samples[tumor]["AD"]
            n_ad = rec.samples[normal]["AD"] if normal else None
            for i, alt in enumerate(rec.alts or (), start=1):
                if alt == "<*>":
                    continue
                t_alt, t_depth = t_ad[i] or 0, _site_depth(t_ad)
                if t_alt < min_alt_seen:
                    continue
                n_ref = n_alt = n_depth = 0
                if n_ad is not None:
                    n_ref, n_alt, n_depth = n_ad[0] or 0, n_ad[i] or 0, _site_depth(n_ad)
                records.append((rec.chrom, rec.pos, rec.ref, alt, t_ad[0] or 0, t_alt, t_depth, n_ref, n_alt, n_depth))
    records.sort(key=lambda r: (list(ref.lengths).index(r[0]), r[1], r[3]))
    with pysam.VariantFile(str(out), "wz", header=header) as w:
        for chrom, pos, refa, alt, t_ref, t_alt, t_depth, n_ref, n_alt, n_depth in records:
            r = w.new_record(contig=chrom, start=pos - 1, alleles=(refa, alt))
            failed = somatic_filters(t_alt, t_depth, n_alt, n_depth, th, normal is not None)
            for f in failed or ["PASS"]:
                r.filter.add(f)
            r.info["SOMATIC"] = True
            if normal:
                r.info["NORMAL_AD"] = (n_ref, n_alt)
                r.info["NORMAL_DP"] = n_depth
                r.info["NORMAL_VAF"] = round(n_alt / n_depth, 4) if n_depth else 0.0
            else:
                r.info["TUMOR_ONLY"] = True
            s = r.samples[tumor]
            s["GT"] = (0, 1)
            s["AD"] = (t_ref, t_alt)
            s["DP"] = t_depth
            s[SITE_READS] = t_depth
            s["AF"] = round(t_alt / t_depth, 4) if t_depth else 0.0
            w.write(r)


def _sample_name(bam) -> str:
    with pysam.AlignmentFile(str(bam)) as a:
        names = sorted({rg["SM"] for rg in a.header.to_dict().get("RG", []) if "SM" in rg})
    if len(names) != 1:
        raise GenotailorError(f"{bam}: expected one sample name in the read groups, found {names or 'none'}")
    return names[0]


def call_somatic(tumor_bam, normal_bam, reference, regions, out, th: SomaticThresholds, min_mq=20, min_bq=13):
    ref = Reference(reference)
    tumor = _sample_name(tumor_bam)
    normal = _sample_name(normal_bam) if normal_bam else None
    out = Path(out)
    with scratch_beside(out) as tmp:
        pileup = f"{tmp}/pileup.bcf"
        bams = [str(tumor_bam)] + ([str(normal_bam)] if normal_bam else [])
        run(["bcftools", "mpileup", "--no-version", "-f", reference, "-R", regions, "-a", "FORMAT/AD,FORMAT/DP",
             "-q", str(min_mq), "-Q", str(min_bq), "--max-depth", "100000", "-Ob", "-o", pileup, *bams],
            f"{tumor_bam}: counting alleles")
        screen(pileup, tumor, normal, ref, out, th)
