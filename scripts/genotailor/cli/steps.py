"""Commands of the stages before the biomarkers: loci, align, markdup, index-reference,
coverage, import-alignment, qc, call-germline, call-somatic, normalize-vcf and check-vcf.
Each imports its step's module only when it runs."""

from __future__ import annotations

import json
from pathlib import Path

from genotailor.cli.consent import add_consent_options, withheld_spans


def register(sub):
    p = sub.add_parser("loci", help="biomarker loci BED and forced-genotyping sites from the knowledge bases")
    p.add_argument("--kb", required=True, help="PGx knowledge-base directory")
    p.add_argument("--hotspots", required=True, help="cancer hotspots TSV")
    p.add_argument("--fai", required=True, help="reference .fai (loci on other contigs are left out)")
    p.add_argument("--bed", required=True)
    p.add_argument("--sites", required=True)
    p.add_argument("--alleles", required=True)
    p.add_argument("--hotspot-bed", help="also a BED of the cancer hotspot loci alone (the loci of a patient "
                   "without PGx consent)")
    p.set_defaults(func=_loci)

    p = sub.add_parser("align", help="fastp | aligner | fixmate | sort for one sequencing unit")
    p.add_argument("--r1", required=True)
    p.add_argument("--r2", required=True)
    p.add_argument("--aligner", choices=["bwa", "minimap2"], required=True)
    p.add_argument("--index", required=True, help="minimap2 .mmi, or any bwa index file (e.g. .amb)")
    p.add_argument("--read-group", required=True, help=r"SAM @RG line with \t separators")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--fastp-json", required=True)
    p.add_argument("--out", required=True, help="coordinate-sorted BAM")
    p.set_defaults(func=_align)

    p = sub.add_parser("markdup", help="merge a sample's unit BAMs, mark duplicates, index")
    p.add_argument("--out", required=True, help="analysis-ready BAM (a .bai is written beside it)")
    p.add_argument("--stats", required=True, help="samtools markdup statistics")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--flagstat", help="also write the analysis-ready BAM's read counts as JSON here (samtools flagstat)")
    p.add_argument("units", nargs="+", help="coordinate-sorted BAM of each sequencing unit")
    add_consent_options(p)
    p.set_defaults(func=_markdup)

    p = sub.add_parser("index-reference", help="the aligner's index of the reference")
    p.add_argument("--aligner", choices=["bwa", "minimap2"], required=True)
    p.add_argument("--fasta", required=True)
    p.add_argument("--out", required=True, help="minimap2: the .mmi file; bwa: the index prefix")
    p.add_argument("--threads", type=int, default=1)
    p.set_defaults(func=_index_reference)

    p = sub.add_parser("coverage", help="mean depth per region of a BED (mosdepth)")
    p.add_argument("--bam", required=True)
    p.add_argument("--regions", required=True, help="BED of the regions")
    p.add_argument("--prefix", required=True, help="output prefix ({prefix}.regions.bed.gz, .mosdepth.summary.txt)")
    p.add_argument("--threads", type=int, default=1)
    p.set_defaults(func=_coverage)

    p = sub.add_parser("import-alignment", help="check an external BAM/CRAM and bring it into results/")
    p.add_argument("--input", required=True)
    p.add_argument("--sample", required=True)
    p.add_argument("--reference", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--flagstat", help="also write the imported BAM's read counts as JSON here (samtools flagstat)")
    add_consent_options(p)
    p.set_defaults(func=_import_alignment)

    p = sub.add_parser("qc", help="QC metrics and pass/warn/fail status of one sample")
    p.add_argument("--sample", required=True)
    p.add_argument("--settings", required=True, help="JSON: {gates: {...}, min_locus_depth: N} (the config's qc section)")
    p.add_argument("--fastp", action="append", default=[], help="fastp JSON of a unit (repeat per unit)")
    p.add_argument("--flagstat", help="samtools flagstat -O json output")
    p.add_argument("--loci", help="mosdepth regions of the biomarker loci")
    p.add_argument("--panel", help="the sample's target BED (loci outside it are not judged)")
    p.add_argument("--norm", help="normalization summary JSON of the sample's VCF")
    p.add_argument("--out", required=True)
    p.set_defaults(func=_qc)

    p = sub.add_parser("call-germline", help="bcftools germline calls + forced genotypes at knowledge-base positions")
    p.add_argument("--bam", required=True)
    p.add_argument("--reference", required=True)
    p.add_argument("--regions", required=True, help="BED of the sequenced targets")
    p.add_argument("--sites", help="knowledge-base positions (tabix-indexed CHROM POS) to genotype; without it "
                   "(and --alleles), variant discovery only, as for a patient without PGx consent")
    p.add_argument("--alleles", help="knowledge-base alleles (tabix-indexed CHROM POS REF,ALT)")
    p.add_argument("--min-mq", type=int, default=20)
    p.add_argument("--min-bq", type=int, default=13)
    p.add_argument("--out", required=True)
    add_consent_options(p)
    p.set_defaults(func=_call_germline)

    p = sub.add_parser("call-somatic", help="tumour/normal screen: mpileup allele counts + somatic filters")
    p.add_argument("--tumor-bam", required=True)
    p.add_argument("--normal-bam", help="matched normal (without it, calls are marked TUMOR_ONLY)")
    p.add_argument("--reference", required=True)
    p.add_argument("--regions", required=True, help="BED of the sequenced targets")
    p.add_argument("--min-mq", type=int, default=20)
    p.add_argument("--min-bq", type=int, default=13)
    # The defaults are SomaticThresholds' (shown in --help by the step; None here keeps start-up light).
    p.add_argument("--min-depth", type=int)
    p.add_argument("--min-alt-reads", type=int)
    p.add_argument("--min-vaf", type=float)
    p.add_argument("--max-normal-vaf", type=float)
    p.add_argument("--min-normal-depth", type=int)
    p.add_argument("--out", required=True)
    p.set_defaults(func=_call_somatic)

    p = sub.add_parser(
        "normalize-vcf",
        help="check a VCF against the reference and write the normalized single-sample VCF",
        description="The one hand-off step every VCF passes (built-in or external).",
    )
    p.add_argument("--vcf", required=True, help="input VCF/BCF (plain, gzip or bgzip)")
    p.add_argument("--sample", required=True, help="sample id (the output's sample column)")
    p.add_argument("--column", help="sample column to take from the input (default: the only one, or --sample)")
    p.add_argument("--reference", required=True, help="reference FASTA with .fai")
    p.add_argument("--out", required=True, help="output .vcf.gz (a .tbi is written beside it)")
    p.add_argument("--summary", help="write what was done as JSON here")
    p.add_argument("--stats", help="also write `bcftools stats` of the normalized VCF here (for MultiQC)")
    p.add_argument("--sites", help="knowledge-base positions (CHROM POS, bgzipped) at which a gVCF's reference "
                   "blocks become reference calls with the block's depth")
    add_consent_options(p)
    p.set_defaults(func=_normalize_vcf)

    p = sub.add_parser("check-vcf", help="only check a VCF (sample column, contigs, build, REF alleles)")
    p.add_argument("vcf")
    p.add_argument("--sample", required=True)
    p.add_argument("--column")
    p.add_argument("--reference", required=True)
    p.set_defaults(func=_check_vcf)


def _loci(args):
    from genotailor.steps.loci import write_loci

    write_loci(args.kb, args.hotspots, args.fai, args.bed, args.sites, args.alleles, args.hotspot_bed)
    return 0


def _align(args):
    from genotailor.steps.align import align_unit, index_prefix

    align_unit(args.r1, args.r2, args.aligner, index_prefix(args.index, args.aligner), args.read_group,
               args.threads, args.fastp_json, args.out)
    return 0


def _markdup(args):
    from genotailor.steps.align import flagstat, mark_duplicates

    mark_duplicates(args.units, args.out, args.stats, args.threads, withheld_spans(args))
    if args.flagstat:
        flagstat(args.out, args.flagstat)
    return 0


def _index_reference(args):
    from genotailor.steps.align import index_reference

    index_reference(args.aligner, args.fasta, args.out, args.threads)
    return 0


def _coverage(args):
    from genotailor.steps.coverage import mosdepth

    mosdepth(args.bam, args.regions, args.prefix, args.threads)
    return 0


def _import_alignment(args):
    from genotailor.steps.align import flagstat, import_alignment

    import_alignment(args.input, args.sample, args.reference, args.out, withheld_spans(args))
    if args.flagstat:
        flagstat(args.out, args.flagstat)
    return 0


def _qc(args):
    from genotailor.steps.qc import sample_qc

    settings = json.loads(args.settings)
    result = sample_qc(args.sample, settings, args.fastp, args.flagstat, args.loci, args.panel, args.norm)
    Path(args.out).write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    return 0


def _call_germline(args):
    from genotailor.steps.calling.germline import call_germline

    if (args.sites is None) != (args.alleles is None):
        from genotailor.core.errors import GenotailorError

        raise GenotailorError("call-germline: give both --sites and --alleles (forced genotyping), or neither")
    call_germline(args.bam, args.reference, args.regions, args.sites, args.alleles, args.out, args.min_mq, args.min_bq,
                  withheld_spans(args))
    return 0


def _call_somatic(args):
    from genotailor.steps.calling.somatic import SomaticThresholds, call_somatic

    given = {"min_depth": args.min_depth, "min_alt_reads": args.min_alt_reads, "min_vaf": args.min_vaf,
             "max_normal_vaf": args.max_normal_vaf, "min_normal_depth": args.min_normal_depth}
    th = SomaticThresholds(**{k: v for k, v in given.items() if v is not None})
    call_somatic(args.tumor_bam, args.normal_bam, args.reference, args.regions, args.out, th, args.min_mq, args.min_bq)
    return 0


def _normalize_vcf(args):
    from genotailor.core.vcf import normalize_vcf

    s = normalize_vcf(args.vcf, args.sample, args.column, args.reference, args.out, args.summary, args.sites,
                      withheld_spans(args))
    if args.stats:
        from genotailor.steps.qc import bcftools_stats

        bcftools_stats(args.out, args.stats)
    print(f"{args.out}: {s.records_out} records from {s.records_in} in {args.vcf}")
    return 0


def _check_vcf(args):
    from genotailor.core.reference import Reference
    from genotailor.core.vcf import check_vcf

    s = check_vcf(args.vcf, args.sample, args.column, Reference(args.reference))
    print(f"{args.vcf}: OK — column {s.source_column}, {s.records_checked} REF alleles checked")
    return 0
