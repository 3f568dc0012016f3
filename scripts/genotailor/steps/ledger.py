"""`genotailor ledger`: what one patient's test examined, gene by gene (`core.ledger` decides the
statuses; this module gathers the request, the territories and their depth).

The genes come from the patient's request and consent only: the pharmacogenes with PGx consent,
the indication panels' genes, the ACMG SF genes with secondary-findings consent, and the genes the
tumour's panel targets. Each gene's territory is clipped by what the knowledge base holds, by the
sample's panel and by the reference's real sequence; mosdepth (`--thresholds`) counts the bases of
the rest that reach the depth, per exon. Nothing about a gene outside the request is computed.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pysam

from genotailor.core.contracts import load_stage, validate_stage
from genotailor.core.coverage import read_bed
from genotailor.core.errors import InputError
from genotailor.core.kbfiles import clinvar_gene_coverage, indication_genes, load_acmg_sf, load_positions
from genotailor.core.ledger import (
    NOT_ASSESSED_CLASSES,
    biomarker_entries,
    clip,
    coding_territory,
    judge,
    not_assessed,
    pgx_entry,
)
from genotailor.core.qcmetrics import metric_words
from genotailor.core.scratch import scratch_beside
from genotailor.core.tools import run
from genotailor.core.transcripts import models_by_gene
from genotailor.steps.coverage import MIN_MAPPING_QUALITY  # the reads the coverage step and the callers count

VCF_ENTRY = ("entered as a VCF: its callable territory is not known, so the absence of a variant is not a "
             "negative result (variants the VCF lists are still reported)")


def _germline_sample(patient):
    return next((s for s in patient.samples if s.kind == "germline"), None)


def requested_genes(patient, *, germline_kb, pgx_genes, panels: dict, models: dict) -> list[tuple[str, str, str]]:
    """(category, gene, sample id) of every gene the patient's request covers, in report order."""
    out = []
    germline = _germline_sample(patient)
    if germline is not None:
        if patient.consent_pgx:
            out += [("pgx", g, germline.id) for g in pgx_genes]
        diagnostic = indication_genes(patient.indications, germline_kb) if patient.indications else []
        out += [("diagnostic", g, germline.id) for g in diagnostic]
        if patient.consent_secondary:
            out += [("secondary", g, germline.id) for g in load_acmg_sf(germline_kb)["genes"] if g not in diagnostic]
    for s in patient.samples:
        if s.kind == "tumor" and s.id in panels:
            out += [("somatic", g, s.id) for g in panel_genes(read_bed(panels[s.id]), models)]
    return out


def panel_genes(panel: dict, models: dict) -> list[str]:
    """The genes whose coding sequence a panel (chrom -> sorted spans) touches, sorted."""
    genes = []
    for gene, t in models.items():
        spans = panel.get(t.chrom, [])
        if any(clip(cs - 1, ce, spans)[0] for cs, ce in t.cds):
            genes.append(gene)
    return sorted(genes)


def _oncology_kb(kb_dir) -> tuple[set, str]:
    """(genes, releases) of the oncology knowledge base: the genes it holds records of, from its
    manifest's list (a knowledge base built before the list existed: counted from its entries)."""
    path = Path(kb_dir) / "manifest.json"
    if not path.exists():
        raise InputError(f"{path}: not found — point --oncology-kb at the compiled oncology knowledge base")
    manifest = json.loads(path.read_text())
    release = ", ".join(f"{s['name']} {s['release']}" for s in manifest.get("sources", []) if s["name"] != "OncoTree")
    if "genes" in manifest:
        return set(manifest["genes"]), release
    return {e["gene"] for e in json.loads((Path(kb_dir) / "actionability.json").read_text())["entries"]}, release


class _Bases:
    """N counts of the reference, per interval."""

    def __init__(self, fasta):
        self.fasta = pysam.FastaFile(str(fasta))
        self.contigs = set(self.fasta.references)

    def n_count(self, chrom, start, end) -> int:
        if chrom not in self.contigs:
            return end - start
        seq = self.fasta.fetch(chrom, start, end).upper()
        return (end - start - len(seq)) + seq.count("N")


def _callable_counts(bam, pieces, depth, scratch: Path, threads=1) -> list[int]:
    """Bases with depth >= `depth` in each (chrom, start, end) piece, with mosdepth --thresholds."""
    if not pieces:
        return []
    bed = scratch / "territory.bed"
    order = sorted(range(len(pieces)), key=lambda i: pieces[i])
    bed.write_text("".join(f"{pieces[i][0]}\t{pieces[i][1]}\t{pieces[i][2]}\t{i}\n" for i in order))
    prefix = scratch / "territory"
    run(["mosdepth", "--no-per-base", "--by", bed, "--thresholds", str(depth), "--mapq", str(MIN_MAPPING_QUALITY),
         "-t", str(threads), prefix, bam], f"{bam}: depth over the requested genes' territory")
    counts = [0] * len(pieces)
    with gzip.open(f"{prefix}.thresholds.bed.gz", "rt") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            f = line.rstrip("\n").split("\t")
            counts[int(f[3])] = int(f[4])
    return counts


def _measure(entries, bam, depth, scratch, bases: _Bases, threads=1):
    """Fill each region's callable bases and the reasons of the others: `entries` are
    (regions, kb span or None, panel) per gene."""
    pieces, owners = [], []
    for regions, kb_span, panel in entries:
        for r in regions:
            inside_kb, outside_kb = clip(r.start, r.end, [kb_span or (r.start, r.end)])
            if outside_kb:
                r.missing["no_kb_records"] = sum(e - s for s, e in outside_kb)
            for s, e in inside_kb:
                in_panel, off_panel = clip(s, e, panel.get(r.chrom, []))
                if off_panel:
                    r.missing["outside_panel"] = r.missing.get("outside_panel", 0) + sum(b - a for a, b in off_panel)
                for a, b in in_panel:
                    pieces.append((r.chrom, a, b))
                    owners.append(r)
    counts = _callable_counts(bam, pieces, depth, scratch, threads)
    for (chrom, a, b), r, n in zip(pieces, owners, counts):
        n_bases = bases.n_count(chrom, a, b)
        r.callable_bp += n
        if n_bases:
            r.missing["no_reference"] = r.missing.get("no_reference", 0) + min(n_bases, b - a - n)
        low = (b - a) - n - min(n_bases, b - a - n)
        if low:
            r.missing["low_depth"] = r.missing.get("low_depth", 0) + low


def _clinvar(kb_dir) -> dict:
    d = clinvar_gene_coverage(kb_dir)
    return {"release": d["release"], "genes": d["gene_coverage"]}


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _qc_failures(qc_files) -> dict:
    """sample -> reason, for each sample whose QC failed."""
    out = {}
    for f in qc_files:
        d = load_stage("qc", f)
        if d["status"] == "fail":
            gates = ", ".join(_lower_first(metric_words(g)) for g in d.get("failed_gates") or []) or "see its QC"
            out[d["sample"]] = f"sample {d['sample']} failed QC ({gates}): its results are not a negative"
    return out


def build_ledger(patient, *, reference, models_gff, germline_kb, oncology_kb, pgx_kb, pgx_genes=(), pgx_json=None,
                 qc_files=(), bams=None, panels=None, germline_depth=20, tumor_depth=50, min_fraction=0.95,
                 margin=10, scratch: Path, threads=1) -> dict:
    """The ledger of one patient (stage `ledger`). `bams`/`panels`: sample id -> path."""
    bams, panels = bams or {}, panels or {}
    models = models_by_gene(str(models_gff))
    panel_regions = {s: read_bed(p) for s, p in panels.items()}
    request = requested_genes(patient, germline_kb=germline_kb, pgx_genes=pgx_genes, panels=panels, models=models)
    failed = _qc_failures(qc_files)
    samples = {s.id: s for s in patient.samples}
    bases = _Bases(reference)
    pgx_results = {}
    if pgx_json:
        pgx_results = {g["gene"]: g for g in load_stage("pgx", pgx_json)["pgx"]}
    kb_positions = {}
    if any(c == "pgx" for c, *_ in request):
        for chrom, pos, _ref, _alts, gene, _rsid in load_positions(pgx_kb):
            kb_positions.setdefault(gene, (chrom, []))[1].append(pos)
    clinvar = _clinvar(germline_kb) if any(c in ("diagnostic", "secondary") for c, *_ in request) else None
    onco_genes, onco_release = _oncology_kb(oncology_kb) if any(c == "somatic" for c, *_ in request) else (set(), None)

    entries: list = [None] * len(request)
    to_measure: dict[str, list] = {}  # sample -> [(index, gene, category, regions, kb_span, kb name)]
    for i, (category, gene, sample_id) in enumerate(request):
        if category == "pgx":
            chrom, positions = kb_positions.get(gene, (None, []))
            has_reads = sample_id in bams
            entries[i] = pgx_entry(pgx_results.get(gene), gene, chrom, positions, sample_id,
                                   reference_n=bases.n_count if has_reads else None,
                                   panel=panel_regions.get(sample_id) if has_reads else None, depth=germline_depth)
        elif gene not in models:
            entries[i] = not_assessed(gene, category, sample_id, "no transcript model for the gene in the shipped "
                                      "models: its coding exons are not known")
        elif category == "somatic":
            if gene not in onco_genes:
                entries[i] = not_assessed(gene, category, sample_id, f"no record for {gene} in the oncology knowledge "
                                          f"base ({onco_release}): variants are listed, none can be tiered above III",
                                          knowledge_base=onco_release)
        else:
            cov = clinvar["genes"].get(gene)
            kb_name = f"ClinVar {clinvar['release']}"
            if cov is None:
                entries[i] = not_assessed(gene, category, sample_id, f"no ClinVar records for {gene} in the knowledge "
                                          f"base (ClinVar release {clinvar['release']})", knowledge_base=kb_name)
        if entries[i] is not None:
            continue
        if sample_id not in bams:
            entries[i] = not_assessed(gene, category, sample_id, VCF_ENTRY)
            continue
        t = models[gene]
        if category == "somatic":  # gene-level records: the whole territory is within them
            kb_span, kb_name = None, onco_release
        else:  # the span of the gene's ClinVar records (none on another contig)
            cov = clinvar["genes"][gene]
            kb_span = (cov["start"] - 1, cov["end"]) if cov["chrom"] == t.chrom else (0, 0)
            kb_name = f"ClinVar {clinvar['release']}"
        to_measure.setdefault(sample_id, []).append((i, gene, category, coding_territory(t, margin), kb_span, kb_name))

    for sample_id, items in to_measure.items():
        depth = tumor_depth if samples[sample_id].kind == "tumor" else germline_depth
        with scratch_beside(scratch / f"{sample_id}.ledger") as tmp:
            _measure([(regions, kb_span, panel_regions.get(sample_id, {})) for _, _, _, regions, kb_span, _ in items],
                     bams[sample_id], depth, Path(tmp), bases, threads)
        for i, gene, category, regions, _kb_span, kb_name in items:
            entries[i] = judge(gene, category, sample_id, regions, min_fraction=min_fraction, depth=depth,
                               knowledge_base=kb_name)

    for e in entries:
        if e.sample in failed and e.status != "not_assessed":
            e.status, e.reason = "not_assessed", failed[e.sample] + f" ({e.reason})"
    groups = set()
    for category, _gene, _sample in request:
        groups.add({"pgx": "pgx", "somatic": "somatic"}.get(category, "germline"))
    if any(s.kind == "tumor" for s in patient.samples):
        groups.add("somatic")
    doc = {
        "patient": patient.id,
        "settings": {"germline_min_depth": germline_depth, "tumor_min_depth": tumor_depth,
                     "min_callable_fraction": min_fraction, "splice_margin": margin},
        "genes": [e.to_dict() for e in entries],
        "biomarkers": biomarker_entries(groups & set(NOT_ASSESSED_CLASSES)),
    }
    validate_stage("ledger", doc, f"ledger of {patient.id}")
    return doc
