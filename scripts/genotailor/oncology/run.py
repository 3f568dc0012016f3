"""`genotailor somatic`: a tumour's VCF (any caller) -> annotated, tiered somatic variants and TMB.

Reads only the VCF, the reference, the shipped transcript models, the compiled actionability
knowledge base, the hotspot table and (for TMB) the panel and the coverage step's per-region depth.
Writes the `somatic[]` and `tmb` parts of the report contract (workflow/schemas/somatic.schema.json).

What is listed (as PCGR-like tools report): every PASS variant that is protein-altering or at a
splice site or in a splice region, every known hotspot and every knowledge-base match, in full
(consequence, HGVS, VAF, tier, therapies). Every other PASS variant is counted by its most severe
SO consequence (`other_variants`), so nothing is silently lost; TMB still counts what its rules
count (synonymous variants when the config says so). The work follows that split: an interval
index of the models (`regions.py`) classes the variants outside every coding or exon-boundary
window without annotating them, and only the rest go to bcftools csq, in one batch.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pysam

from genotailor.core.consequence import REPORTED, annotate_allele, run_csq_sites
from genotailor.core.contigs import header_contigs, match_contigs
from genotailor.core.errors import InputError
from genotailor.core.kbfiles import read_hotspots
from genotailor.core.reference import Reference
from genotailor.core.transcripts import load_models, models_by_gene
from genotailor.oncology.actionability import CoOccurring, assess, load_kb
from genotailor.oncology.external import annotations, claims_coding, cross_check, declared_formats
from genotailor.oncology.readcounts import VafReader
from genotailor.oncology.regions import CHEAP_ORDER, RegionIndex
from genotailor.oncology.tmb import TmbSettings, coding_territory, intersect, read_bed, tmb


@lru_cache(maxsize=2)
def region_index(models_gff: str) -> RegionIndex:
    return RegionIndex(load_models(models_gff))


def _sample(vf, name, path, role):
    samples = list(vf.header.samples)
    if name not in samples:
        raise InputError(f"VCF {path}: no {role} sample column '{name}' (columns: {', '.join(samples) or 'none'})")
    return name


LISTED_RULE = ("listed in full: protein-altering, splice-site and splice-region variants, known hotspots and "
               "knowledge-base matches; every other PASS variant is counted by its most severe SO consequence")


def run_somatic(vcf, tumor: str, tumor_type: str, reference, models_gff, kb_dir, hotspots, settings: TmbSettings,
                normal: str | None = None, panel=None, coverage_tumor=None, coverage_normal=None,
                vaf_tags: dict | None = None, msi=None) -> dict:
    """The somatic stage document of the tumour column `tumor` of `vcf`. Contigs spelled `7` or
    `chr7` are read as the reference names them (`core.contigs`); `vaf_tags` names the VAF/depth
    tags of a caller the reader does not know (`oncology.readcounts`); `msi`: the tumour's MSI
    stage file, summarised into the document."""
    kb = load_kb(str(kb_dir))
    lengths = Reference(reference).lengths
    if tumor_type not in kb.nodes:
        raise InputError(f"tumour type {tumor_type!r} is not an OncoTree code ({kb.release})")
    models = models_by_gene(str(models_gff))
    regions = region_index(str(models_gff))
    hot = {(h["chrom"], int(h["pos"]), h["ref"], h["alt"]) for h in read_hotspots(hotspots)}
    # One pass over the records: a variant outside every coding or exon-boundary window of the models
    # is classed and counted here; only the others (and known hotspots) go to bcftools csq, in one batch.
    other: Counter = Counter()
    candidates, filtered = [], 0  # (record, alt index, key)
    claimed: set[tuple] = set()
    records, elsewhere = 0, Counter()  # records read; records on contigs the reference does not have
    with pysam.VariantFile(str(vcf)) as vf:
        _sample(vf, tumor, vcf, "tumour")
        if normal is not None:
            _sample(vf, normal, vcf, "normal")
        names = match_contigs(vcf, header_contigs(vf.header), lengths, f"the reference {Path(reference).name}")
        reader = VafReader(vf.header, vcf, vaf_tags)
        contigs = []  # the reference's names of the contigs records lie on, in the VCF's order
        formats = declared_formats(vf.header)  # VEP CSQ / snpEff ANN, when the input carries them
        hot_sites = {k[:2] for k in hot}
        chrom_now = None
        # The hot loop (every record): the windows and classes of the current chromosome bisected
        # here (RegionIndex.needs_csq / cheap_class, inlined), the alleles of a record that is
        # only counted never looked at one by one.
        vcf_chrom = None
        for rec in vf:
            records += 1
            if rec.chrom != vcf_chrom:
                vcf_chrom = rec.chrom
                chrom_now = names.reference(vcf_chrom)
                if chrom_now is not None and chrom_now not in contigs:
                    contigs.append(chrom_now)
                    (starts, ends), (points, labels) = regions.windows(chrom_now), regions.painted(chrom_now)
            if chrom_now is None:
                elsewhere[vcf_chrom] += 1
                continue
            flt = rec.filter
            if len(flt) and not (len(flt) == 1 and "PASS" in flt):
                filtered += 1
                continue
            chrom, pos, ref = chrom_now, rec.pos, rec.ref
            w = bisect_right(starts, pos + len(ref)) - 1
            near = w >= 0 and ends[w] >= pos
            if not near and not formats and (chrom, pos) not in hot_sites:
                alts = rec.alts or ()
                if len(alts) == 1:  # most records
                    n = 0 if alts[0] == "*" or alts[0][:1] == "<" else 1
                else:
                    n = sum(1 for alt in alts if alt != "*" and alt[:1] != "<")
                if n:
                    j = bisect_right(points, pos) - 1
                    other[CHEAP_ORDER[labels[j] if j >= 0 else 3]] += n
                continue
            for i, alt in enumerate(rec.alts or (), start=1):
                if alt == "*" or alt.startswith("<"):
                    continue
                key = (chrom, pos, ref, alt)
                if near or key in hot:
                    candidates.append((rec, i, key))
                elif formats and claims_coding(annotations(rec, alt, formats), models):
                    # the input's own annotation (VEP/snpEff) calls it coding or splice on our
                    # transcript while our index does not: listed, with the disagreement noted
                    claimed.add(key)
                    candidates.append((rec, i, key))
                else:
                    other[regions.cheap_class(chrom, pos)] += 1
    if records and sum(elsewhere.values()) == records:
        raise InputError(
            f"VCF {vcf}: none of its {records} records lies on a contig of the reference {Path(reference).name} "
            f"(contigs: {', '.join(sorted(elsewhere)[:5])}): nothing was examined — check that the VCF is from a "
            "human GRCh38 alignment (chromosomes named 1..22, X, Y, MT or chr1..chr22, chrX, chrY, chrM)")
    csq_entries = run_csq_sites([k for _, _, k in candidates], str(reference), str(models_gff), contigs)
    listed, tmb_only = [], []
    with pysam.FastaFile(str(reference)) as fasta:
        for rec, i, key in candidates:
            csq = annotate_allele(fasta, models, *key, csq_entries.get(key, []),
                                  hgvs_for=None if key in hot else REPORTED)
            if key not in hot and key not in claimed and csq.consequence not in REPORTED:
                # No knowledge-base entry can match it (every match level needs a protein change,
                # codon or a protein-altering consequence): counted, and kept for TMB's rules.
                other[csq.consequence] += 1
                if settings.count_synonymous and csq.consequence == "synonymous_variant":
                    rc = reader.read(rec, tumor, i)
                    tmb_only.append({"chrom": key[0], "pos": key[1], "filter": "PASS", "vaf": rc.vaf,
                                     "depth": rc.depth, "alt_reads": rc.alt_reads, "protein_altering": False,
                                     "consequence": csq.consequence})
                continue
            listed.append((rec, i, key, csq))
    # evidence for several variants at once needs all of the tumour's listed variants first
    others = CoOccurring((key, csq) for _, _, key, csq in listed)
    variants = [_entry(reader, rec, i, key, csq, tumor, normal, tumor_type, kb, key in hot, formats, others)
                for rec, i, key, csq in listed]
    tier_rank = {"I": 0, "II": 1, "III": 2, None: 3}
    variants.sort(key=lambda v: (tier_rank[v["tier"]], v["gene"] or "~", v["chrom"], v["pos"], v["alt"]))
    doc = {
        "sample": tumor,
        "normal": normal,
        "tumor_type": tumor_type,
        "tumor_type_name": kb.nodes[tumor_type]["name"],
        "knowledge_base": {**kb.versions(), "transcript_models": "MANE Select v1.5 (GRCh38)"},
        "filtered_records": filtered,
        "records_on_other_contigs": {"count": sum(elsewhere.values()), "by_contig": dict(sorted(elsewhere.items())),
                                     "reason": "contigs the reference does not have: not examined"},
        "somatic": variants,
        "other_variants": {"count": sum(other.values()), "by_consequence": dict(sorted(other.items())),
                           "rule": LISTED_RULE},
        "tmb": _tmb(variants + tmb_only, models_gff, settings, panel, coverage_tumor, coverage_normal, normal),
    }
    if msi is not None:
        doc["msi"] = msi_summary(msi, tumor)
    return doc


def msi_summary(path, tumor: str) -> dict:
    """The tumour's MSI result without its per-locus rows (those stay in the MSI stage file)."""
    from genotailor.core.contracts import load_stage

    m = load_stage("msi", path)
    if m["sample"] != tumor:
        raise InputError(f"MSI result {path} is of sample {m['sample']!r}, not of the tumour {tumor!r}")
    keys = ("status", "reason", "not_assessed_because", "mode", "caveat", "score_percent", "unstable_loci",
            "informative_loci", "markers", "actionability")
    return {**{k: m[k] for k in keys}, "file": Path(path).name}


def _entry(reader, rec, i, key, csq, tumor, normal, tumor_type, kb, known_hotspot, formats, others) -> dict:
    rc = reader.read(rec, tumor, i)
    external, notes = cross_check(annotations(rec, key[3], formats), csq) if formats else ([], [])
    entry = {
        "gene": csq.gene, "chrom": key[0], "pos": key[1], "ref": key[2], "alt": key[3], "filter": "PASS",
        "transcript": csq.transcript, "refseq": csq.refseq, "consequence": csq.consequence,
        "protein_altering": csq.protein_altering, "exon": csq.exon,
        "hgvs_c": csq.hgvs_c, "protein_change": csq.hgvs_p, "protein_change_3": csq.hgvs_p3,
        "annotation_note": "; ".join(n for n in (csq.note, *notes) if n) or None,
        "external_annotations": external,
        "vaf": rc.vaf, "depth": rc.depth, "alt_reads": rc.alt_reads, "vaf_source": rc.vaf_source,
        "vaf_status": rc.vaf_status, "caller_depth": rc.caller_depth,
        "normal_vaf": reader.read(rec, normal, i, role="normal").vaf if normal else None,
        "known_hotspot": known_hotspot,
    }
    entry.update(assess(csq, tumor_type, kb, known_hotspot=known_hotspot, others=others, key=key))
    return entry


def _tmb(variants, models_gff, settings, panel, coverage_tumor, coverage_normal, normal):
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
    coding = coding_territory(models_by_gene(str(models_gff)))
    return tmb(variants, intersect(coding, territory), settings, basis)
