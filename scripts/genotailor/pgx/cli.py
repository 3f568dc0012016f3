"""`genotailor pgx`: star-allele diplotypes and phenotypes for the pharmacogenes from one VCF."""

from __future__ import annotations

import json
from pathlib import Path

from genotailor.errors import InputError
from genotailor.pgx import CALLED_GENES, DEFAULT_KB, SEXES

# The engine's modules are imported inside the functions below, not here: `genotailor pgx` starts
# opening the VCF (vcfopen.prefetch_vcf) first and imports them while the tabix index loads.


def call_gene(gene_name, vcf, sample, depths, kb_dir=DEFAULT_KB, min_depth=8, sex="unknown") -> dict:
    """The PGx result of one gene from a VCF (the report's `pgx[]` entry)."""
    from genotailor.pgx.definitions import cached_gene
    from genotailor.pgx.genotypes import gene_evidence
    from genotailor.pgx.rules import interpret

    gene = cached_gene(gene_name, kb_dir)
    calls = gene_evidence(vcf, sample, gene, depths, min_depth)
    return interpret(gene, calls, sex)


def read_outside_calls(path) -> list[dict]:
    """Outside calls TSV: gene, diplotype, method[, phenotype]."""
    import csv

    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    for i, row in enumerate(rows, start=2):
        if not row.get("gene") or not row.get("diplotype"):
            raise InputError(f"{path} line {i}: gene and diplotype are required")
    return rows


def outside_call_result(row: dict, kb_dir=DEFAULT_KB) -> dict:
    """An outside call as a gene result; without a stated phenotype, the knowledge base's
    phenotype of the stated diplotype (if it has one) is given and labelled as such."""
    result = {
        "gene": row["gene"],
        "source": "outside_call",
        "status": "called",
        "diplotype": row["diplotype"],
        "alleles": row["diplotype"].split("/"),
        "alternatives": [],
        "alternatives_total": 0,
        "alternatives_change_phenotype": False,
        "alternatives_change_recommendations": [],
        "phenotype": row.get("phenotype") or None,
        "activity_score": None,
        "missing_positions": [],
        "limitations": [],
        "notes": [],
        "drugs": [],
        "method": row.get("method") or None,
    }
    if result["phenotype"] is None and (Path(kb_dir) / "genes" / f"{row['gene']}.json").exists():
        from genotailor.pgx.definitions import cached_gene
        from genotailor.pgx.matcher import phenotype_of

        phenotype, activity = phenotype_of(cached_gene(row["gene"], kb_dir), result["alleles"])
        if phenotype:
            result.update(phenotype=phenotype, activity_score=activity)
            result["notes"].append("phenotype of the outside diplotype from the knowledge base")
    return result


def run_pgx(vcf, sample=None, coverage=None, outside_calls=None, genes=CALLED_GENES, kb_dir=DEFAULT_KB,
            min_depth=8, sex="unknown") -> dict:
    """Every gene's result (outside calls override the VCF call of their gene), then the drug
    recommendations from them: `{"pgx": [gene results, each with its drugs], "drugs": [...]}`."""
    if sex not in SEXES:
        raise InputError(f"sex must be one of {', '.join(SEXES)}, not {sex!r}")
    from genotailor.pgx.vcfopen import prefetch_vcf

    prefetch_vcf(vcf, sample)  # the index loads while the engine imports and the knowledge base loads
    from genotailor.pgx import genotypes, rules  # noqa: F401  (imported now, used by call_gene)
    from genotailor.pgx.definitions import cached_gene
    from genotailor.pgx.recommendations import attach_to_genes, load_recommendations, recommend

    drug_rules = load_recommendations(Path(kb_dir) / "recommendations.yaml", kb_dir)
    from genotailor.pgx.matcher import gene_index

    for gene in genes:  # the matching index of every gene, built while the VCF index may still load
        if (Path(kb_dir) / "genes" / f"{gene}.json").exists():
            gene_index(cached_gene(gene, kb_dir))
    depths = None
    if coverage:
        from genotailor.coverage import read_locus_depths

        depths = read_locus_depths(coverage)
    outside = {}
    if outside_calls:
        outside = {r["gene"]: outside_call_result(r, kb_dir) for r in read_outside_calls(outside_calls)}
    results = []
    for gene in genes:
        if gene in outside:
            continue
        results.append(call_gene(gene, vcf, sample, depths, kb_dir, min_depth, sex))
    results.extend(outside.values())
    results.sort(key=lambda r: r["gene"])
    drugs = recommend(results, drug_rules)
    attach_to_genes(results, drugs)
    return {"pgx": results, "drugs": drugs}


def register(sub):
    p = sub.add_parser("pgx", help="star-allele diplotypes and phenotypes from a normalized VCF")
    p.add_argument("--vcf", required=True, help="normalized VCF (bgzip + tabix)")
    p.add_argument("--sample", help="sample column (default: the first)")
    p.add_argument("--sex", choices=list(SEXES), default="unknown",
                   help="patient's sex: G6PD (X-linked) is one allele in males (default: %(default)s)")
    p.add_argument("--coverage", help="mosdepth regions file of the knowledge-base loci (tells not covered from reference)")
    p.add_argument("--outside-calls", help="TSV of outside calls (gene, diplotype, method[, phenotype]); they override VCF calls")
    p.add_argument("--genes", default=",".join(CALLED_GENES), help="comma-separated genes (default: %(default)s)")
    p.add_argument("--kb", default=str(DEFAULT_KB), help="PGx knowledge-base directory")
    p.add_argument("--min-depth", type=int, default=8, help="depth below which a position without a record is 'not covered'")
    p.add_argument("--json", required=True, help="output JSON")
    p.set_defaults(func=_cli, quick_exit=True)
    o = sub.add_parser("outside-calls", help="write one patient's outside calls from the sample sheet as TSV")
    o.add_argument("--sheet", required=True)
    o.add_argument("--patient", required=True)
    o.add_argument("--out", required=True)
    o.set_defaults(func=lambda a: write_outside_calls(a.sheet, a.patient, a.out) or 0)


def write_outside_calls(sheet_path, patient_id, out):
    """The sheet's outside calls of one patient as the TSV `genotailor pgx` reads."""
    from genotailor.samplesheet import load_sheet

    patient = load_sheet(sheet_path, check_files=False).patient(patient_id)
    with open(out, "w") as fh:
        fh.write("gene\tdiplotype\tmethod\tphenotype\n")
        for c in sorted(patient.outside_calls, key=lambda c: c.gene):
            fh.write(f"{c.gene}\t{c.diplotype}\t{c.method}\t{c.phenotype or ''}\n")


def _cli(args):
    genes = [g.strip() for g in args.genes.split(",") if g.strip()]
    out = run_pgx(args.vcf, args.sample, args.coverage, args.outside_calls, genes, Path(args.kb), args.min_depth,
                  args.sex)
    # Compact: the C encoder (used only without indent) writes the evidence of 1,200 positions ~10x faster.
    Path(args.json).write_text(json.dumps(out, sort_keys=True, separators=(",", ":")) + "\n")
    return 0
