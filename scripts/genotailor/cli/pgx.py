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
    p.add_argument("--json", required=True, help="output JSON")
    p.set_defaults(func=_pgx, quick_exit=True)

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
                  args.sex)
    # Compact: the C encoder (used only without indent) writes the evidence of 1,200 positions ~10x faster.
    Path(args.json).write_text(json.dumps(out, sort_keys=True, separators=(",", ":")) + "\n")
    return 0


def _outside_calls(args):
    from genotailor.pgx.run import write_outside_calls

    write_outside_calls(args.sheet, args.patient, args.out)
    return 0
