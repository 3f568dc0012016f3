"""`genotailor somatic`: a tumour's VCF from any caller -> annotated, tiered somatic variants and TMB;
`genotailor msi`: microsatellite instability from the tumour's and its normal's reads;
`genotailor cnv` / `cnv-reference`: somatic copy number of the panel's genes (CNVkit)."""

from __future__ import annotations

from genotailor.core.paths import HOTSPOTS, MSI_LOCI, ONCOLOGY_KB, TRANSCRIPT_MODELS
from genotailor.oncology.copynumber import CnvSettings


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
    p.add_argument("--msi", help="the tumour's MSI result (genotailor msi JSON): its status, score and therapies "
                   "are carried into the somatic document")
    p.add_argument("--min-vaf", type=float, default=0.05, help="TMB: minimum VAF (default: %(default)s)")
    p.add_argument("--min-depth", type=int, default=50, help="TMB: minimum depth, per variant and per region "
                   "(default: %(default)s)")
    p.add_argument("--count-synonymous", action="store_true", help="TMB: count synonymous variants too")
    p.add_argument("--min-callable-mb", type=float, default=1.0,
                   help="TMB: below this callable coding territory TMB is not assessed (default: %(default)s)")
    p.set_defaults(func=_somatic)
    register_msi(sub)
    register_cnv(sub)


def register_msi(sub):
    from genotailor.oncology.msi import MsiSettings

    d = MsiSettings()
    p = sub.add_parser(
        "msi",
        help="microsatellite instability (MSI-H / MSS) of a tumour from its reads",
        description="Reads the repeat length of every read spanning each locus of the loci list in the tumour "
        "and its matched normal BAM, tests each locus (chi-square, Benjamini-Hochberg), and calls MSI-H when the "
        "share of unstable informative loci reaches the threshold. Not assessed, with the reason, below the minimum "
        "purity, number of informative loci or depth. Without --normal-bam: tumour-only, against the reference "
        "length, with its caveat.",
    )
    p.add_argument("--tumor-bam", required=True, help="the tumour's BAM (indexed)")
    p.add_argument("--tumor", required=True, help="the tumour's sample id")
    p.add_argument("--normal-bam", help="the matched normal's BAM (indexed); without it: tumour-only")
    p.add_argument("--normal", help="the matched normal's sample id")
    p.add_argument("--loci", default=str(MSI_LOCI), help="microsatellite loci list (default: %(default)s)")
    p.add_argument("--panel", help="panel BED: only loci inside it are examined")
    p.add_argument("--purity", type=float, help="tumour purity (0-1] from the sample sheet")
    p.add_argument("--tumor-type", help="OncoTree code: the tier and therapies of the result (with --kb)")
    p.add_argument("--kb", default=str(ONCOLOGY_KB), help="actionability knowledge base (default: %(default)s)")
    p.add_argument("--json", required=True, help="output JSON")
    p.add_argument("--threshold", type=float, default=d.threshold_percent,
                   help="MSI-H at or above this %% of unstable informative loci (default: %(default)s)")
    p.add_argument("--min-loci", type=int, default=d.min_informative_loci,
                   help="fewer informative loci: not assessed (default: %(default)s)")
    p.add_argument("--min-reads", type=int, default=d.min_reads,
                   help="spanning reads a locus needs in each sample to be informative (default: %(default)s)")
    p.add_argument("--min-purity", type=float, default=d.min_purity,
                   help="below this tumour purity: not assessed (default: %(default)s)")
    p.add_argument("--fdr", type=float, default=d.fdr, help="Benjamini-Hochberg q below which a locus can be "
                   "unstable (default: %(default)s)")
    p.add_argument("--min-distance", type=float, default=d.min_distance,
                   help="minimum total variation distance of an unstable locus (default: %(default)s)")
    p.add_argument("--anchor", type=int, default=d.anchor, help="reference bases a read must hold on each side "
                   "of the repeat, 1-10 (default: %(default)s)")
    p.add_argument("--tumor-only-min-shifted", type=float, default=d.tumor_only_min_shifted,
                   help="tumour-only: share of reads off the reference length of an unstable locus "
                   "(default: %(default)s)")
    p.set_defaults(func=_msi)


def _msi(args):
    import json
    from pathlib import Path

    from genotailor.core.contracts import validate_stage
    from genotailor.core.errors import InputError
    from genotailor.oncology.msi import MsiSettings, run_msi

    if bool(args.normal_bam) != bool(args.normal):
        raise InputError("msi: give --normal-bam and --normal together (or neither, for tumour-only)")
    settings = MsiSettings(threshold_percent=args.threshold, min_informative_loci=args.min_loci,
                           min_reads=args.min_reads, min_purity=args.min_purity, fdr=args.fdr,
                           min_distance=args.min_distance, anchor=args.anchor,
                           tumor_only_min_shifted=args.tumor_only_min_shifted)
    doc = run_msi(args.tumor_bam, args.loci, settings, tumor=args.tumor, normal_bam=args.normal_bam,
                  normal=args.normal, panel=args.panel, purity=args.purity, tumor_type=args.tumor_type,
                  kb_dir=args.kb)
    validate_stage("msi", doc, args.json)
    Path(args.json).write_text(json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    return 0


def register_cnv(sub):
    d = CnvSettings()
    c = sub.add_parser(
        "cnv",
        help="somatic copy number of a tumour's panel genes (CNVkit): per-gene copy number, amplification/deletion",
        description="The tumour's depth over the panel's target bins against its matched normal (--normal-bam) or a "
        "panel-of-normals reference (--reference, from `genotailor cnv-reference`), segmented with R/DNAcopy when "
        "installed, else CNVkit's Haar method (the output names which ran); per-gene copy number rescaled for purity, "
        "amplification/deletion/loss calls by the thresholds given. Without a normal or reference the stage says "
        "'not assessed' with the reason.",
    )
    c.add_argument("--tumor-bam", required=True, help="the tumour's BAM (indexed)")
    c.add_argument("--tumor", required=True, help="the tumour's sample ID")
    c.add_argument("--targets", required=True, help="panel targets BED; column 4 names the gene (EGFR or EGFR_ex19)")
    c.add_argument("--normal-bam", help="the matched normal's BAM (indexed)")
    c.add_argument("--normal", help="the matched normal's sample ID")
    c.add_argument("--reference", dest="cnv_reference", help="panel-of-normals reference .cnn (`genotailor cnv-reference`); "
                   "used instead of the matched normal")
    c.add_argument("--fasta", help="reference FASTA for GC and repeat correction (optional)")
    c.add_argument("--purity", type=float, help="tumour cell fraction, e.g. 0.6 (the sample sheet's purity)")
    c.add_argument("--amplification-min-copies", type=float, default=d.amplification_min_copies,
                   help="amplification at this many copies or more (default: %(default)s)")
    c.add_argument("--deletion-max-copies", type=float, default=d.deletion_max_copies,
                   help="deletion (homozygous) below this many copies (default: %(default)s)")
    c.add_argument("--loss-max-copies", type=float, default=d.loss_max_copies,
                   help="loss (one copy) below this many copies (default: %(default)s)")
    c.add_argument("--min-bins", type=int, default=d.min_bins,
                   help="a gene with fewer bins is not assessed (default: %(default)s)")
    c.add_argument("--max-spread", type=float, default=d.max_spread,
                   help="the sample is not assessed when its bins' spread around their segments (log2) is above "
                   "this (default: %(default)s)")
    c.add_argument("--bin-size", type=int, default=d.bin_size, help="target bin size in bases (default: %(default)s)")
    c.add_argument("--min-depth", type=float, default=d.min_depth,
                   help="the sample is not assessed below this median depth over the bins (default: %(default)s)")
    c.add_argument("--tumor-type", help="OncoTree code: matched copy-number evidence is tiered for it")
    c.add_argument("--kb", default=str(ONCOLOGY_KB), help="actionability knowledge base (default: %(default)s)")
    c.add_argument("--json", required=True, help="output JSON")
    c.set_defaults(func=_cnv)

    r = sub.add_parser("cnv-reference", help="a panel-of-normals copy-number reference from the lab's normal BAMs",
                       description="CNVkit reference (.cnn) of the panel's target bins from one or more normal BAMs, "
                       "for `genotailor cnv --reference` when a tumour has no matched normal.")
    r.add_argument("--normal-bam", nargs="+", required=True, help="normal BAMs (indexed), sequenced with the same panel")
    r.add_argument("--targets", required=True, help="panel targets BED; column 4 names the gene")
    r.add_argument("--fasta", help="reference FASTA for GC and repeat correction (optional)")
    r.add_argument("--bin-size", type=int, default=d.bin_size, help="target bin size in bases (default: %(default)s)")
    r.add_argument("--out", required=True, help="output reference .cnn")
    r.set_defaults(func=_cnv_reference)


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
                      coverage_normal=args.coverage_normal, vaf_tags=parse_vaf_tags(args.vaf_tags, "--vaf-tags"),
                      msi=args.msi)
    validate_stage("somatic", doc, args.json)
    # compact: json's C encoder runs only without indent, and a whole-exome VCF gives a large file
    Path(args.json).write_text(json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n")
    return 0


def _cnv(args):
    import json
    from pathlib import Path

    from genotailor.core.contracts import validate_stage
    from genotailor.oncology.copynumber import run_cnv

    settings = CnvSettings(amplification_min_copies=args.amplification_min_copies,
                           deletion_max_copies=args.deletion_max_copies, loss_max_copies=args.loss_max_copies,
                           min_bins=args.min_bins, max_spread=args.max_spread, bin_size=args.bin_size,
                           min_depth=args.min_depth)
    doc = run_cnv(args.tumor_bam, args.targets, args.tumor, purity=args.purity, normal_bam=args.normal_bam,
                  normal=args.normal, reference_cnn=args.cnv_reference, fasta=args.fasta, settings=settings)
    if args.tumor_type:
        from genotailor.oncology.actionability import assess_copy_number, load_kb

        kb = load_kb(str(args.kb))
        doc["tumor_type"] = args.tumor_type
        doc["knowledge_base"] = kb.versions()
        for gene in doc["genes"]:
            gene.update(assess_copy_number(gene, args.tumor_type, kb))
    validate_stage("cnv", doc, args.json)
    Path(args.json).write_text(json.dumps(doc, sort_keys=True, ensure_ascii=False, indent=1) + "\n")
    return 0


def _cnv_reference(args):
    from genotailor.oncology.copynumber import build_reference

    build_reference(args.normal_bam, args.targets, args.out, fasta=args.fasta, bin_size=args.bin_size)
    return 0
