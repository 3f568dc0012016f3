"""`genotailor pgx`: star-allele diplotypes and phenotypes for the pharmacogenes from one VCF."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from genotailor.errors import InputError
from genotailor.pgx.definitions import DEFAULT_KB, load_gene
from genotailor.coverage import read_locus_depths
from genotailor.pgx.genotypes import gene_evidence
from genotailor.pgx.matcher import compatible_diplotypes, phenotype_of

# Genes called from VCF in this release; the others are listed as not assessed.
CALLED_GENES = ("CYP2C19",)


def call_gene(gene_name, vcf, sample, depths, kb_dir=DEFAULT_KB, min_depth=8) -> dict:
    """The PGx result of one gene (the report's `pgx[]` entry)."""
    gene = load_gene(gene_name, kb_dir)
    calls = gene_evidence(vcf, sample, gene, depths, min_depth)
    missing = [c for c in calls if c.status != "called"]
    result = {
        "gene": gene.gene,
        "source": "vcf",
        "status": "not_called",
        "diplotype": None,
        "alternatives": [],
        "phenotype": None,
        "activity_score": None,
        "alternatives_change_phenotype": False,
        "missing_positions": [c.to_dict() for c in missing],
        "positions": [c.to_dict() for c in calls],
        "drugs": [],
        "definitions_version": gene.version,
    }
    if len(missing) == len(calls):
        result["status"] = "not_assessed"
        result["reason"] = "no defining position has a genotype"
        return result
    candidates = compatible_diplotypes(gene, calls)
    if not candidates:
        result["reason"] = "the observed genotypes match no pair of defined alleles"
        return result
    best = candidates[0]
    phenotype, activity = phenotype_of(gene, best)
    result.update(diplotype=best.name, phenotype=phenotype, activity_score=activity)
    result["alternatives"] = []
    for alt in candidates[1:]:
        alt_phenotype, _ = phenotype_of(gene, alt)
        result["alternatives"].append({"diplotype": alt.name, "phenotype": alt_phenotype, "score": alt.score})
        if alt_phenotype != phenotype:
            result["alternatives_change_phenotype"] = True
    tied = [c for c in candidates if c.score == best.score]
    result["status"] = "ambiguous" if len(tied) > 1 else "called"
    tied_phenotypes = {phenotype_of(gene, c)[0] for c in tied}
    if len(tied_phenotypes) > 1:
        # Equally supported diplotypes disagree: a headline phenotype would be a guess.
        result.update(phenotype=None, activity_score=None)
        result["reason"] = (
            f"{len(tied)} equally supported diplotypes imply different phenotypes; "
            "genotype the positions without a call to resolve"
        )
    return result


def read_outside_calls(path) -> list[dict]:
    """Outside calls TSV: gene, diplotype, method[, phenotype]."""
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    for i, row in enumerate(rows, start=2):
        if not row.get("gene") or not row.get("diplotype"):
            raise InputError(f"{path} line {i}: gene and diplotype are required")
    return rows


def outside_call_result(row: dict) -> dict:
    return {
        "gene": row["gene"],
        "source": "outside_call",
        "status": "called",
        "diplotype": row["diplotype"],
        "alternatives": [],
        "phenotype": row.get("phenotype") or None,
        "activity_score": None,
        "missing_positions": [],
        "drugs": [],
        "method": row.get("method") or None,
    }


def run_pgx(vcf, sample=None, coverage=None, outside_calls=None, genes=CALLED_GENES, kb_dir=DEFAULT_KB,
            min_depth=8) -> dict:
    depths = read_locus_depths(coverage) if coverage else None
    outside = {r["gene"]: outside_call_result(r) for r in read_outside_calls(outside_calls)} if outside_calls else {}
    results = []
    for gene in genes:
        if gene in outside:
            continue
        results.append(call_gene(gene, vcf, sample, depths, kb_dir, min_depth))
    results.extend(outside.values())
    results.sort(key=lambda r: r["gene"])
    return {"pgx": results}


def register(sub):
    p = sub.add_parser("pgx", help="star-allele diplotypes and phenotypes from a normalized VCF")
    p.add_argument("--vcf", required=True, help="normalized VCF (bgzip + tabix)")
    p.add_argument("--sample", help="sample column (default: the first)")
    p.add_argument("--sex", choices=["female", "male", "unknown"], default="unknown")
    p.add_argument("--coverage", help="mosdepth regions file of the knowledge-base loci (tells not covered from reference)")
    p.add_argument("--outside-calls", help="TSV of outside calls (gene, diplotype, method[, phenotype]); they override VCF calls")
    p.add_argument("--genes", default=",".join(CALLED_GENES), help="comma-separated genes (default: %(default)s)")
    p.add_argument("--kb", default=str(DEFAULT_KB), help="PGx knowledge-base directory")
    p.add_argument("--min-depth", type=int, default=8, help="depth below which a position without a record is 'not covered'")
    p.add_argument("--json", required=True, help="output JSON")
    p.set_defaults(func=_cli)
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
    out = run_pgx(args.vcf, args.sample, args.coverage, args.outside_calls, args.genes.split(","), Path(args.kb), args.min_depth)
    Path(args.json).write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    return 0
