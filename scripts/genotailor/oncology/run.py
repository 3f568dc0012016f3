"""`genotailor somatic`: a tumour's VCF (any caller) -> annotated, tiered somatic variants and TMB.

Reads only the VCF, the reference, the shipped transcript models, the compiled actionability
knowledge base, the hotspot table and (for TMB) the panel and the coverage step's per-region depth.
Writes the `somatic[]` and `tmb` parts of the report contract (workflow/schemas/somatic.schema.json).
"""

from __future__ import annotations

import pysam

from genotailor.core.errors import InputError
from genotailor.core.kbfiles import read_hotspots
from genotailor.oncology.actionability import assess, load_kb
from genotailor.oncology.consequence import annotate_vcf
from genotailor.oncology.readcounts import read_counts
from genotailor.oncology.tmb import TmbSettings, coding_territory, intersect, read_bed, tmb
from genotailor.oncology.transcripts import models_by_gene


def _filter(rec) -> str:
    keys = list(rec.filter.keys())
    return "PASS" if not keys or keys == ["PASS"] else ";".join(keys)


def _sample(vf, name, path, role):
    samples = list(vf.header.samples)
    if name not in samples:
        raise InputError(f"VCF {path}: no {role} sample column '{name}' (columns: {', '.join(samples) or 'none'})")
    return name


def run_somatic(vcf, tumor: str, tumor_type: str, reference, models_gff, kb_dir, hotspots, settings: TmbSettings,
                normal: str | None = None, panel=None, coverage_tumor=None, coverage_normal=None) -> dict:
    kb = load_kb(str(kb_dir))
    if tumor_type not in kb.nodes:
        raise InputError(f"tumour type {tumor_type!r} is not an OncoTree code ({kb.release})")
    with pysam.VariantFile(str(vcf)) as vf:
        _sample(vf, tumor, vcf, "tumour")
        if normal is not None:
            _sample(vf, normal, vcf, "normal")
        records = list(vf)
    annotations = annotate_vcf(vcf, reference, models_gff)
    hot = {(h["chrom"], int(h["pos"]), h["ref"], h["alt"]) for h in read_hotspots(hotspots)}
    variants, filtered = [], 0
    for rec in records:
        status = _filter(rec)
        if status != "PASS":
            filtered += 1
            continue
        for i, alt in enumerate(rec.alts or (), start=1):
            if alt == "*" or alt.startswith("<"):
                continue
            key = (rec.chrom, rec.pos, rec.ref, alt)
            csq = annotations[key]
            rc = read_counts(rec, tumor, i)
            entry = {
                "gene": csq.gene, "chrom": rec.chrom, "pos": rec.pos, "ref": rec.ref, "alt": alt, "filter": status,
                "transcript": csq.transcript, "refseq": csq.refseq, "consequence": csq.consequence,
                "protein_altering": csq.protein_altering, "exon": csq.exon,
                "hgvs_c": csq.hgvs_c, "protein_change": csq.hgvs_p, "protein_change_3": csq.hgvs_p3,
                "annotation_note": csq.note,
                "vaf": rc.vaf, "depth": rc.depth, "alt_reads": rc.alt_reads, "vaf_source": rc.vaf_source,
                "caller_depth": rc.caller_depth,
                "normal_vaf": read_counts(rec, normal, i).vaf if normal else None,
                "known_hotspot": key in hot,
            }
            entry.update(assess(csq, tumor_type, kb, known_hotspot=key in hot))
            variants.append(entry)
    tier_rank = {"I": 0, "II": 1, "III": 2, None: 3}
    variants.sort(key=lambda v: (tier_rank[v["tier"]], v["gene"] or "~", v["chrom"], v["pos"], v["alt"]))
    return {
        "sample": tumor,
        "normal": normal,
        "tumor_type": tumor_type,
        "tumor_type_name": kb.nodes[tumor_type]["name"],
        "knowledge_base": {**kb.versions(), "transcript_models": "MANE Select v1.5 (GRCh38)"},
        "filtered_records": filtered,
        "somatic": variants,
        "tmb": _tmb(variants, models_gff, settings, panel, coverage_tumor, coverage_normal, normal),
    }


def _tmb(variants, models_gff, settings, panel, coverage_tumor, coverage_normal, normal):
    coding = coding_territory(models_by_gene(str(models_gff)))
    if coverage_tumor:
        territory = read_bed(coverage_tumor, settings.min_depth)
        basis = f"coding exons ∩ panel regions with mean depth >= {settings.min_depth} in the tumour"
        if coverage_normal:
            territory = intersect(territory, read_bed(coverage_normal, settings.min_depth))
            basis += " and the normal"
    elif panel:
        territory = read_bed(panel)
        basis = "coding exons ∩ panel (no coverage given: assumed callable)"
    else:
        return {"per_mb": None, "mutations": None, "callable_mb": None, "method": "not_assessed",
                "reason": "no panel or coverage given: the callable territory is unknown"}
    if normal is None and coverage_tumor:
        basis += " (tumour-only: germline variants cannot be excluded)"
    return tmb(variants, intersect(coding, territory), settings, basis)
