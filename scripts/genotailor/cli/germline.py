"""`genotailor germline`: a germline VCF -> diagnostic findings for the indications, and consented
ACMG secondary findings."""

from __future__ import annotations

from genotailor.core.paths import GERMLINE_KB, TRANSCRIPT_MODELS


def register(sub):
    _register_exon_cnv(sub)
    p = sub.add_parser(
        "germline",
        help="inherited disease: ClinVar-based findings in the indication panels' genes; ACMG SF with consent",
        description="Reads the sample's variants in the genes of its indication panels (and, only with "
        "--secondary-findings, in the ACMG SF genes), annotates them on the MANE Select models, looks them up in "
        "the compiled ClinVar table and reports pathogenic / likely pathogenic variants at the required review "
        "stars, predicted loss-of-function variants ClinVar does not know in loss-of-function genes as candidates "
        "needing expert review, and secondary findings by each gene's ACMG rule; zygosity, inheritance and meaning "
        "per finding.",
    )
    p.add_argument("--vcf", required=True, help="germline VCF (bgzip + tabix; the hand-off contract)")
    p.add_argument("--sample", required=True, help="the sample's column in the VCF")
    p.add_argument("--panels", default="", help="comma-separated indication panels or gene symbols "
                   "(workflow/resources/germline/panels.yaml)")
    p.add_argument("--secondary-findings", action="store_true",
                   help="the patient consented to ACMG secondary findings (without it the SF genes are not read)")
    p.add_argument("--sex", default="unknown", choices=["female", "male", "unknown"], help="for X-linked genes")
    p.add_argument("--reference", required=True, help="GRCh38 FASTA (.fai; .gzi when bgzipped)")
    p.add_argument("--models", default=str(TRANSCRIPT_MODELS), help="transcript models GFF3 (default: %(default)s)")
    p.add_argument("--kb", default=str(GERMLINE_KB), help="germline knowledge base (default: %(default)s)")
    p.add_argument("--min-stars", type=int, default=1, choices=range(0, 5), metavar="0-4",
                   help="ClinVar review stars a classification needs (default: %(default)s)")
    p.add_argument("--report-vus", action="store_true", help="also report uncertain and conflicting classifications")
    p.add_argument("--json", required=True, help="output JSON")
    p.set_defaults(func=_germline)


def _germline(args):
    import json
    from pathlib import Path

    from genotailor.core.contracts import validate_stage
    from genotailor.germline.run import run_germline

    indications = [x for x in args.panels.split(",") if x]
    doc = run_germline(args.vcf, args.sample, indications, args.secondary_findings, args.reference, args.models,
                       args.kb, min_stars=args.min_stars, report_vus=args.report_vus, sex=args.sex)
    validate_stage("germline", doc, args.json)
    Path(args.json).write_text(json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    return 0


def _register_exon_cnv(sub):
    p = sub.add_parser(
        "germline-cnv",
        help="germline exon-level deletion/duplication candidates in the indication genes (SF genes with consent)",
        description="Each coding exon's depth (CNVkit coverage) against reference samples sequenced alike (the run's "
        "other samples or a lab's normals), normalised per sample; an exon whose ratio falls to about 0.5 (or rises to "
        "about 1.5) beyond its references' spread is an outlier, adjacent outliers one call. Calls are candidates "
        "needing confirmation by an orthogonal method, with the exons and the depth ratio; never a diagnosis.",
    )
    p.add_argument("--bam", required=True, help="the germline sample's BAM (indexed)")
    p.add_argument("--sample", required=True, help="the sample's ID")
    p.add_argument("--reference-bam", nargs="+", default=[], help="reference samples' BAMs (indexed; at least 2)")
    p.add_argument("--panels", default="", help="comma-separated indication panels or gene symbols "
                   "(workflow/resources/germline/panels.yaml)")
    p.add_argument("--secondary-findings", action="store_true",
                   help="the patient consented to ACMG secondary findings (without it the SF genes are not examined)")
    p.add_argument("--models", default=str(TRANSCRIPT_MODELS), help="transcript models GFF3 (default: %(default)s)")
    p.add_argument("--kb", default=str(GERMLINE_KB), help="germline knowledge base (default: %(default)s)")
    p.add_argument("--json", required=True, help="output JSON")
    p.set_defaults(func=_exon_cnv)


def _exon_cnv(args):
    import json
    from pathlib import Path

    from genotailor.core.contracts import validate_stage
    from genotailor.core.kbfiles import indication_genes, load_acmg_sf
    from genotailor.germline.exon_cnv import exon_cnv

    genes = indication_genes([p for p in args.panels.split(",") if p], args.kb)
    secondary = sorted(load_acmg_sf(args.kb)["genes"]) if args.secondary_findings else []
    doc = exon_cnv(args.bam, args.sample, args.reference_bam, args.models, genes, secondary, args.secondary_findings)
    validate_stage("exon_cnv", doc, args.json)
    Path(args.json).write_text(json.dumps(doc, sort_keys=True, ensure_ascii=False, indent=1) + "\n")
    return 0
