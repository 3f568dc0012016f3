"""`genotailor pgx` and `genotailor outside-calls`.

`pgx` runs once per patient and is timed by `make bench`: this module imports nothing of the engine
at start-up; `pgx.run` starts opening the VCF before it imports the engine's modules.
"""

from __future__ import annotations

from genotailor.pgx import CALLED_GENES, DEFAULT_KB, SEXES


def register(sub):
    p = sub.add_parser("pgx", help="star-allele diplotypes and phenotypes from a normalized VCF")
    p.add_argument("--vcf", required=True, help="normalized VCF, bgzipped and tabix-indexed (a plain or gzip VCF, "
                   "or one without an index, is read from an indexed copy in a temporary folder: slower)")
    p.add_argument("--sample", help="sample column (default: the first)")
    p.add_argument("--sex", choices=list(SEXES), default="unknown",
                   help="patient's sex: G6PD (X-linked) is one allele in males (default: %(default)s)")
    p.add_argument("--coverage", help="mosdepth regions file of the knowledge-base loci (tells not covered from reference)")
    p.add_argument("--outside-calls", help="TSV of outside calls (gene, diplotype, method[, phenotype]); they override VCF calls")
    p.add_argument("--genes", default=",".join(CALLED_GENES), help="comma-separated genes (default: %(default)s)")
    p.add_argument("--kb", default=str(DEFAULT_KB), help="PGx knowledge-base directory")
    p.add_argument("--min-depth", type=int, default=8, help="depth below which a position without a record is 'not covered'")
    p.add_argument("--cyp2d6-cn", help="the sample's CYP2D6 copy number from read depth (JSON of `genotailor "
                   "cyp2d6-cn`); without it CYP2D6 says 'copy number not assessed'")
    p.add_argument("--json", required=True, help="output JSON")
    p.set_defaults(func=_pgx, quick_exit=True)

    n = sub.add_parser("cyp2d6-cn", help="CYP2D6 copy number (0-4+) and hybrid suspicion from read depth",
                       description="Depth over 9 CYP2D6 segments with their CYP2D7 paralog segments, normalised to "
                       "the unique flanks and CYP2D8P of the same sample; a copy number with its confidence, an "
                       "exon-level profile ('hybrid suspected — confirm'), or 'not assessed' with the reason.")
    n.add_argument("--bam", required=True, help="the germline sample's BAM (indexed)")
    n.add_argument("--sample", help="sample name written into the result")
    n.add_argument("--kind", choices=["germline", "tumor"], default="germline",
                   help="sample kind: a tumour is not assessed (default: %(default)s)")
    n.add_argument("--qc", help="the sample's QC JSON: a sample that failed QC is not assessed")
    n.add_argument("--features", help="CYP2D locus features TSV (default: the knowledge base's)")
    n.add_argument("--kb", default=str(DEFAULT_KB), help="PGx knowledge-base directory (CYP2D6 defining positions "
                   "whose allele balance is reported)")
    n.add_argument("--min-mapq", type=int, default=20, help="MAPQ of a uniquely placed read (default: %(default)s)")
    n.add_argument("--min-depth", type=float, default=10.0,
                   help="diploid depth below which copy number is not assessed (default: %(default)s)")
    n.add_argument("--out", required=True, help="output JSON")
    n.set_defaults(func=_cyp2d6_cn)

    c = sub.add_parser("pgx-cohort", help="PGx for every sample of a multi-sample (joint) VCF, read once",
                       description="Calls every gene for every sample of a bgzipped, indexed joint VCF (or one "
                       "file per chromosome) with the per-patient engine, once per distinct genotype pattern; "
                       "writes OUT/samples/{sample}.pgx.json (the per-patient JSON), OUT/table.tsv and, unless "
                       "--chunk is given, the cohort table as TSV and Parquet and per-gene frequencies.")
    c.add_argument("--vcf", required=True, nargs="+", help="joint VCF(s), bgzipped and tabix-indexed; several "
                   "files (one per chromosome) must have the same samples")
    c.add_argument("--samples", help="file of sample IDs to call, one per line (default: every sample of the VCF)")
    c.add_argument("--sex", help="TSV sample<TAB>sex (female|male|unknown; G6PD is X-linked); unlisted: unknown")
    c.add_argument("--chunk", type=int, help="call only chunk CHUNK (0-based) of --chunk-size samples")
    c.add_argument("--chunk-size", type=int, help="samples per chunk")
    c.add_argument("--genes", default=",".join(CALLED_GENES), help="comma-separated genes (default: all called)")
    c.add_argument("--kb", default=str(DEFAULT_KB), help="PGx knowledge-base directory")
    c.add_argument("--min-depth", type=int, default=8, help="depth below which a genotype is not trusted")
    c.add_argument("--no-sample-json", action="store_true", help="write the tables only")
    c.add_argument("--out", required=True, help="output folder")
    c.set_defaults(func=_pgx_cohort, quick_exit=True)

    m = sub.add_parser("pgx-cohort-merge", help="merge the chunk tables of a cohort into the cohort table "
                       "(TSV, Parquet) and per-gene diplotype, phenotype and status frequencies")
    m.add_argument("--tables", required=True, nargs="+", help="chunk tables (table.tsv), in chunk order")
    m.add_argument("--out", required=True, help="output folder")
    m.set_defaults(func=_pgx_cohort_merge)

    o = sub.add_parser("outside-calls", help="write one patient's outside calls from the sample sheet as TSV")
    o.add_argument("--sheet", required=True)
    o.add_argument("--patient", required=True)
    o.add_argument("--out", required=True)
    o.set_defaults(func=_outside_calls)


def _pgx(args):
    import json
    from pathlib import Path

    from genotailor.pgx.run import run_pgx

    genes = [g.strip() for g in args.genes.split(",") if g.strip()]
    out = run_pgx(args.vcf, args.sample, args.coverage, args.outside_calls, genes, Path(args.kb), args.min_depth,
                  args.sex, args.cyp2d6_cn)
    # Compact: the C encoder (used only without indent) writes the evidence of 1,200 positions ~10x faster.
    Path(args.json).write_text(json.dumps(out, sort_keys=True, separators=(",", ":")) + "\n")
    return 0


def _cyp2d6_cn(args):
    import json
    from pathlib import Path

    from genotailor.pgx.cyp2d6_cn import Settings, call_copy_number
    from genotailor.pgx.cyp2d6_locus import DEFAULT_FEATURES, read_locus
    from genotailor.pgx.definitions import cached_gene

    qc_status = None
    if args.qc:
        from genotailor.core.contracts import load_stage

        qc_status = load_stage("qc", args.qc).get("status")
    gene = cached_gene("CYP2D6", Path(args.kb))
    snvs = [(p.pos, p.ref) for p in gene.positions if len(p.ref) == 1 and all(len(a) == 1 for a in p.alts)]
    result = call_copy_number(args.bam, read_locus(args.features or DEFAULT_FEATURES), args.kind, qc_status,
                              Settings(min_mapq=args.min_mapq, min_depth=args.min_depth), args.sample, snvs)
    Path(args.out).write_text(json.dumps(result, sort_keys=True, indent=1, ensure_ascii=False) + "\n")
    print(f"CYP2D6 copy number: {result['copy_number_label'] or result['status']}"
          + (f" ({result['reason']})" if result["reason"] else ""))
    return 0


def _pgx_cohort(args):
    from genotailor.pgx.cohort import run_cohort, summarise

    genes = [g.strip() for g in args.genes.split(",") if g.strip()]
    counts = run_cohort(args.vcf, args.out, args.samples, args.sex, genes, args.kb, args.min_depth, args.chunk,
                        args.chunk_size, write_json=not args.no_sample_json)
    if args.chunk is None:
        from pathlib import Path

        summarise([Path(args.out) / "table.tsv"], args.out)
    print(f"{counts['samples']} samples x {counts['genes']} genes: "
          f"{sum(counts['patterns'].values())} distinct gene genotype patterns called")
    return 0


def _pgx_cohort_merge(args):
    from genotailor.pgx.cohort import summarise

    summarise(args.tables, args.out)
    return 0


def _outside_calls(args):
    from genotailor.pgx.run import write_outside_calls

    write_outside_calls(args.sheet, args.patient, args.out)
    return 0
