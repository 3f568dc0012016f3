"""The consent options of the steps that see a germline sample's reads or calls (markdup,
import-alignment, call-germline, normalize-vcf): which ACMG SF gene regions they must leave out.
Not a command module: the step commands add these options."""

from __future__ import annotations


def add_consent_options(p):
    g = p.add_argument_group("consent (germline samples)")
    g.add_argument("--withhold-secondary-findings", action="store_true",
                   help="the patient did not consent to secondary findings: leave out the ACMG SF genes' regions "
                   "(except --keep-genes, and with --pgx-consent the pharmacogenes)")
    g.add_argument("--keep-genes", default="", help="comma-separated genes the patient is tested for (indications)")
    g.add_argument("--pgx-consent", action="store_true", help="the patient consented to pharmacogenomics")
    g.add_argument("--keep-regions", help="BED of regions always kept (a matched normal: its tumour's panel)")
    g.add_argument("--germline-kb", help="inherited-disease knowledge base with the ACMG SF list (default: the shipped one)")
    g.add_argument("--models", dest="consent_models", help="transcript models GFF3 the gene regions come from "
                   "(default: the shipped MANE Select models)")


def withheld_spans(args, models=None) -> list:
    """(chrom, start0, end) spans to leave out; empty without --withhold-secondary-findings."""
    if not getattr(args, "withhold_secondary_findings", False):
        return []
    from genotailor.core.consent import gene_spans, subtract, withheld_genes
    from genotailor.core.coverage import bed_intervals
    from genotailor.core.paths import GERMLINE_KB, TRANSCRIPT_MODELS

    genes = withheld_genes(False, [g for g in args.keep_genes.split(",") if g], args.pgx_consent,
                           kb_dir=args.germline_kb or GERMLINE_KB)
    spans = gene_spans(genes, models or args.consent_models or TRANSCRIPT_MODELS)
    if args.keep_regions:
        spans = [s[:3] for s in subtract(spans, bed_intervals(args.keep_regions))]
    return spans


def write_bed(spans, path) -> str:
    with open(path, "w") as fh:
        fh.writelines(f"{c}\t{s}\t{e}\n" for c, s, e in spans)
    return str(path)
