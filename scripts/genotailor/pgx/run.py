"""One patient's PGx result: each gene called from one VCF (or taken from an outside call), then drug recommendations."""

from __future__ import annotations

from pathlib import Path

from genotailor.core.errors import InputError
from genotailor.pgx import CALLED_GENES, DEFAULT_KB, SEXES

# The engine's modules are imported inside the functions below, not here: `genotailor pgx` starts
# opening the VCF (vcfopen.prefetch_vcf) first and imports them while the tabix index loads.


def call_gene(gene_name, vcf, sample, depths, kb_dir=DEFAULT_KB, min_depth=8, sex="unknown",
              cyp2d6_copy_number: dict | None = None) -> dict:
    """The PGx result of one gene from a VCF (the report's `pgx[]` entry). CYP2D6 is combined with
    its copy number from read depth (`cyp2d6-cn`; None: not measured, and the result says so)."""
    from genotailor.pgx.definitions import cached_gene
    from genotailor.pgx.genotypes import gene_evidence
    from genotailor.pgx.rules import interpret
    from genotailor.pgx.vcfopen import opened

    gene = cached_gene(gene_name, kb_dir)
    calls = gene_evidence(vcf, sample, gene, depths, min_depth)
    result = interpret(gene, calls, sex)
    if not opened(vcf, sample).has_contig(gene.chrom) and result["status"] in ("not_assessed", "not_called"):
        result["reason"] = f"not examined: contig {gene.chrom} (or {gene.chrom.removeprefix('chr')}) is not in the VCF"
    if gene_name == "CYP2D6":
        from genotailor.pgx.cyp2d6_structure import with_copy_number

        result = with_copy_number(result, cyp2d6_copy_number, gene, calls)
    return result


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
            min_depth=8, sex="unknown", cyp2d6_cn=None) -> dict:
    """Every gene's result (outside calls override the VCF call of their gene), then the drug
    recommendations from them: `{"pgx": [gene results, each with its drugs], "drugs": [...]}`.
    `cyp2d6_cn`: the sample's `cyp2d6-cn` JSON (CYP2D6 copy number from read depth)."""
    if sex not in SEXES:
        raise InputError(f"sex must be one of {', '.join(SEXES)}, not {sex!r}")
    from genotailor.pgx.vcfopen import has_index

    if has_index(vcf):
        return _run_pgx(vcf, sample, coverage, outside_calls, genes, kb_dir, min_depth, sex, cyp2d6_cn)
    # The slower path: a plain, gzip or unindexed VCF is read from an indexed copy in a temporary
    # folder, never written beside the input.
    import shutil
    import tempfile

    from genotailor.pgx.vcfopen import forget_vcf, indexed_copy

    workdir = tempfile.mkdtemp(prefix="genotailor-pgx-")
    copy = None
    try:
        copy = indexed_copy(vcf, workdir)
        return _run_pgx(copy, sample, coverage, outside_calls, genes, kb_dir, min_depth, sex, cyp2d6_cn)
    except InputError as e:
        if copy is None:
            raise
        raise InputError(str(e).replace(copy, str(vcf))) from None  # name the user's file, not the copy
    finally:
        if copy is not None:
            forget_vcf(copy)
        shutil.rmtree(workdir, ignore_errors=True)


def read_copy_number(path) -> dict:
    """A `cyp2d6-cn` result file; an InputError names the file if it is not one."""
    import json

    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise InputError(f"CYP2D6 copy-number file {path}: cannot be read ({exc}) — give the JSON written by "
                         "`genotailor cyp2d6-cn`") from None
    if not isinstance(doc, dict) or doc.get("gene") != "CYP2D6" or "status" not in doc:
        raise InputError(f"CYP2D6 copy-number file {path}: not a `genotailor cyp2d6-cn` result (gene CYP2D6, status)")
    return doc


def _run_pgx(vcf, sample, coverage, outside_calls, genes, kb_dir, min_depth, sex, cyp2d6_cn=None) -> dict:
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
        from genotailor.core.coverage import read_locus_depths

        depths = read_locus_depths(coverage)
    outside = {}
    if outside_calls:
        outside = {r["gene"]: outside_call_result(r, kb_dir) for r in read_outside_calls(outside_calls)}
    copy_number = read_copy_number(cyp2d6_cn) if cyp2d6_cn else None
    results = []
    for gene in genes:
        if gene in outside:
            continue
        results.append(call_gene(gene, vcf, sample, depths, kb_dir, min_depth, sex, copy_number))
    if not outside:  # with outside calls the result is not empty; each gene not examined says why
        _examined_something(vcf, sample, genes, kb_dir)
    results.extend(outside.values())
    results.sort(key=lambda r: r["gene"])
    drugs = recommend(results, drug_rules)
    attach_to_genes(results, drugs)
    return {"pgx": results, "drugs": drugs}


def _examined_something(vcf, sample, genes, kb_dir) -> None:
    """Refuse a VCF that holds none of the contigs of the genes called from it: nothing was examined
    (a gene whose contig alone is missing is `not_assessed`, its reason naming the contig)."""
    from genotailor.pgx.definitions import cached_gene
    from genotailor.pgx.vcfopen import opened

    chroms = sorted({cached_gene(g, kb_dir).chrom for g in genes if (Path(kb_dir) / "genes" / f"{g}.json").exists()})
    opened_vcf = opened(vcf, sample)
    if chroms and not any(opened_vcf.has_contig(c) for c in chroms):
        have = ", ".join(sorted(opened_vcf.names.to_reference)[:5]) or "none"
        raise InputError(f"VCF {vcf}: none of the contigs of the genes called ({', '.join(chroms)}) is in the VCF "
                         f"(its contigs: {have}): nothing was examined — give the patient's GRCh38 VCF (contigs "
                         "named chr1..chr22, chrX or 1..22, X)")


def write_outside_calls(sheet_path, patient_id, out):
    """The sheet's outside calls of one patient as the TSV `genotailor pgx` reads."""
    from genotailor.core.samplesheet import load_sheet

    patient = load_sheet(sheet_path, check_files=False).patient(patient_id)
    with open(out, "w") as fh:
        fh.write("gene\tdiplotype\tmethod\tphenotype\n")
        for c in sorted(patient.outside_calls, key=lambda c: c.gene):
            fh.write(f"{c.gene}\t{c.diplotype}\t{c.method}\t{c.phenotype or ''}\n")
