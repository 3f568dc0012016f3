"""`genotailor somatic`: a tumour's VCF from any caller -> annotated, tiered somatic variants and TMB."""

from __future__ import annotations

from genotailor.core.paths import HOTSPOTS, ONCOLOGY_KB, TRANSCRIPT_MODELS


def register(sub):
    p = sub.add_parser(
        "somatic",
        help="annotate, match and tier a tumour's somatic variants; TMB",
        description="Consequences on the MANE Select models (bcftools csq -l, HGVS c./p. from the models), "
        "matches in the actionability knowledge base (CIViC + CGI), AMP/ASCO/CAP tiers for the tumour's "
        "OncoTree type, VAF and depth from the caller's read counts (or allele fraction; tags named with "
        "--vaf-tags), and the TMB over the callable coding territory. Writes the somatic[] and tmb parts of the report contract.",
    )
    p.add_argument("--vcf", required=True, help="tumour VCF (sorted; Mutect2, Strelka2, DRAGEN, VarDict, VarScan, ...; "
                   "contigs named chr7 or 7)")
    p.add_argument("--tumor", required=True, help="the tumour's sample column")
    p.add_argument("--normal", help="the matched normal's sample column, when the VCF has one")
    p.add_argument("--tumor-type", required=True, help="OncoTree code, e.g. MEL, LUAD")
    p.add_argument("--reference", required=True, help="GRCh38 FASTA (.fai; .gzi when bgzipped)")
    p.add_argument("--json", required=True, help="output JSON")
    p.add_argument("--models", default=str(TRANSCRIPT_MODELS), help="transcript models GFF3 (default: %(default)s)")
    p.add_argument("--kb", default=str(ONCOLOGY_KB), help="actionability knowledge base (default: %(default)s)")
    p.add_argument("--hotspots", default=str(HOTSPOTS), help="hotspot table (default: %(default)s)")
    p.add_argument("--panel", help="panel BED: the territory for TMB when no coverage is given")
    p.add_argument("--coverage-tumor", help="per-region depth of the tumour over the panel (mosdepth regions.bed.gz)")
    p.add_argument("--coverage-normal", help="the same for the matched normal")
    p.add_argument("--vaf-tags", help="the tags holding the tumour's VAF and depth when the caller's are not read "
                   "by default: vaf=, depth=, alt_reads= each INFO/NAME or FORMAT/NAME, e.g. "
                   "vaf=INFO/TVAF,depth=INFO/TDP (the sample sheet's vaf_tags)")
    p.add_argument("--min-vaf", type=float, default=0.05, help="TMB: minimum VAF (default: %(default)s)")
    p.add_argument("--min-depth", type=int, default=50, help="TMB: minimum depth, per variant and per region "
                   "(default: %(default)s)")
    p.add_argument("--count-synonymous", action="store_true", help="TMB: count synonymous variants too")
    p.add_argument("--min-callable-mb", type=float, default=1.0,
                   help="TMB: below this callable coding territory TMB is not assessed (default: %(default)s)")
    p.set_defaults(func=_somatic)


def _somatic(args):
    import json
    from pathlib import Path

    from genotailor.core.contracts import validate_stage
    from genotailor.oncology.readcounts import parse_vaf_tags
    from genotailor.oncology.run import run_somatic
    from genotailor.oncology.tmb import TmbSettings

    settings = TmbSettings(min_vaf=args.min_vaf, min_depth=args.min_depth, count_synonymous=args.count_synonymous,
                           min_callable_mb=args.min_callable_mb)
    doc = run_somatic(args.vcf, args.tumor, args.tumor_type, args.reference, args.models, args.kb, args.hotspots,
                      settings, normal=args.normal, panel=args.panel, coverage_tumor=args.coverage_tumor,
                      coverage_normal=args.coverage_normal, vaf_tags=parse_vaf_tags(args.vaf_tags, "--vaf-tags"))
    validate_stage("somatic", doc, args.json)
    # compact: json's C encoder runs only without indent, and a whole-exome VCF gives a large file
    Path(args.json).write_text(json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n")
    return 0
