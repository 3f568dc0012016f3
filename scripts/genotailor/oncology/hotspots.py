"""Somatic variants of a tumour sample, matched to the cancer hotspot knowledge base.

This release matches exact genomic changes (chrom, pos, ref, alt) to known recurrent hotspots
and reports gene and protein change; tiers and therapies come with the oncology knowledge base
(they are reported as not assessed, never guessed).
"""

from __future__ import annotations

import pysam

from genotailor.core.kbfiles import read_hotspots


def annotate(vcf_path, hotspots_path) -> dict:
    kb = {(h["chrom"], int(h["pos"]), h["ref"], h["alt"]): h for h in read_hotspots(hotspots_path)}
    variants = []
    with pysam.VariantFile(str(vcf_path)) as vf:
        sample = list(vf.header.samples)[0]
        for rec in vf:
            if "PASS" not in rec.filter.keys() and len(rec.filter.keys()) > 0:
                continue
            call = rec.samples[sample]
            ad = call.get("AD")
            depth = call.get("DP") if "DP" in call else None
            vaf = None
            if "AF" in call and call["AF"] is not None:
                af = call["AF"][0] if isinstance(call["AF"], tuple) else call["AF"]
                vaf = round(af, 4)  # VCF floats come back as float32
            elif ad and sum(a or 0 for a in ad):
                vaf = round((ad[1] or 0) / sum(a or 0 for a in ad), 4)
            for alt in rec.alts or ():
                hit = kb.get((rec.chrom, rec.pos, rec.ref, alt))
                variants.append(
                    {
                        "gene": hit["gene"] if hit else None,
                        "chrom": rec.chrom,
                        "pos": rec.pos,
                        "ref": rec.ref,
                        "alt": alt,
                        "protein_change": hit["protein_change"] if hit else None,
                        "vaf": vaf,
                        "depth": depth,
                        "known_hotspot": bool(hit),
                        "tier": None,
                        "therapies": [],
                    }
                )
    return {"sample": sample, "somatic": variants}
