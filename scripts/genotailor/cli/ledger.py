"""`genotailor ledger`: what one patient's test examined, gene by gene and biomarker by biomarker."""

from __future__ import annotations

import json
from pathlib import Path


def _pairs(values, option):
    from genotailor.core.errors import InputError

    out = {}
    for value in values:
        sample, sep, path = value.partition("=")
        if not sep or not sample or not path:
            raise InputError(f"{option} {value}: expected SAMPLE=PATH")
        out[sample] = path
    return out


def register(sub):
    p = sub.add_parser("ledger", help="what a patient's test examined: per requested gene assessed / partly / "
                       "not assessed with the reason and callable fraction (per-exon depth with mosdepth), and the "
                       "biomarker classes not assessed")
    p.add_argument("--sheet", required=True)
    p.add_argument("--patient", required=True)
    p.add_argument("--reference", required=True, help="GRCh38 FASTA (its N bases are territory without sequence)")
    p.add_argument("--models", required=True, help="transcript models GFF3 (coding exons)")
    p.add_argument("--germline-kb", required=True, help="inherited-disease knowledge base (ClinVar table, panels, ACMG SF)")
    p.add_argument("--oncology-kb", required=True, help="oncology knowledge base (genes with records)")
    p.add_argument("--pgx-kb", required=True, help="PGx knowledge base (defining positions)")
    p.add_argument("--pgx-genes", default="", help="comma-separated pharmacogenes requested (config pgx.genes)")
    p.add_argument("--pgx", help="the patient's PGx stage JSON (with PGx consent)")
    p.add_argument("--qc", action="append", default=[], help="QC JSON of a sample (repeat)")
    p.add_argument("--cnv", action="append", default=[], help="copy-number stage JSON of a tumour (repeat)")
    p.add_argument("--exon-cnv", action="append", default=[],
                   help="exon-level deletion/duplication screen of a germline sample (`genotailor germline-cnv`; repeat)")
    p.add_argument("--bam", action="append", default=[], metavar="SAMPLE=BAM", help="a sample's BAM (repeat)")
    p.add_argument("--panel", action="append", default=[], metavar="SAMPLE=BED", help="a sample's panel BED (repeat)")
    p.add_argument("--msi", action="append", default=[], metavar="SAMPLE=JSON",
                   help="a tumour's MSI stage JSON (repeat); a tumour without one is listed with why MSI did not run")
    p.add_argument("--germline-min-depth", type=int, default=20)
    p.add_argument("--tumor-min-depth", type=int, default=50)
    p.add_argument("--min-callable-fraction", type=float, default=0.95)
    p.add_argument("--splice-margin", type=int, default=10)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", required=True, help="the ledger JSON (workflow/schemas/ledger.schema.json)")
    p.set_defaults(func=_ledger)


def _ledger(args):
    from genotailor.core.samplesheet import load_sheet
    from genotailor.steps.ledger import build_ledger

    patient = load_sheet(args.sheet, check_files=False).patient(args.patient)
    out = Path(args.out)
    doc = build_ledger(patient, reference=args.reference, models_gff=args.models, germline_kb=args.germline_kb,
                       oncology_kb=args.oncology_kb, pgx_kb=args.pgx_kb,
                       pgx_genes=[g for g in args.pgx_genes.split(",") if g], pgx_json=args.pgx, qc_files=args.qc,
                       bams=_pairs(args.bam, "--bam"), panels=_pairs(args.panel, "--panel"),
                       germline_depth=args.germline_min_depth, tumor_depth=args.tumor_min_depth,
                       min_fraction=args.min_callable_fraction, margin=args.splice_margin, scratch=out.parent,
                       threads=args.threads, msi=_pairs(args.msi, "--msi"), cnv_jsons=args.cnv,
                       exon_cnv_jsons=args.exon_cnv)
    out.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    return 0
