"""What keeps `genotailor pgx` fast must not change what it says: compact phenotype tables and the
VCF opened in the background."""

import json

import pytest
from conftest import write_vcf

from genotailor.errors import InputError
from genotailor.pgx import DEFAULT_KB
from genotailor.pgx.definitions import gene_from_dict
from genotailor.pgx.kb_phenotypes import compact_table
from genotailor.pgx.matcher import phenotype_of
from genotailor.pgx.vcfopen import opened, prefetch_vcf


def _doc(table, functions):
    alleles = [{"name": n, "reference": n == "*1", "function": f, "activity_value": a, "definition": {}}
               for n, (f, a) in functions.items()]
    return {"gene": "GENE", "chrom": "chr1", "build": "GRCh38", "version": "t", "positions": [],
            "alleles": alleles, "phenotypes": table}


FUNCTIONS = {"*1": ("Normal function", "1.0"), "*2": ("No function", "0.0"), "*3": ("No function", "0.0")}
TABLE = {
    "*1/*1": {"phenotype": "Normal Metabolizer", "activity_score": "2.0"},
    "*1/*2": {"phenotype": "Intermediate Metabolizer", "activity_score": "1.0"},
    "*1/*3": {"phenotype": "Intermediate Metabolizer", "activity_score": "1.0"},
    "*2/*2": {"phenotype": "Poor Metabolizer", "activity_score": "0.0"},
    "*2/*3": {"phenotype": "Poor Metabolizer", "activity_score": "0.0"},
    "*3/*3": {"phenotype": "Poor Metabolizer", "activity_score": "0.0"},
}


def test_a_table_that_follows_allele_function_becomes_a_few_rows_with_the_same_answers():
    doc = _doc(TABLE, FUNCTIONS)
    method = compact_table(doc)
    assert method["kind"] == "lookup_pair" and len(method["table"]) == 3
    full, small = gene_from_dict(doc), gene_from_dict({**doc, "phenotypes": {}, "phenotype_method": method})
    for d in [("*1", "*1"), ("*1", "*2"), ("*3", "*1"), ("*2", "*3"), ("*3", "*3"), ("*1", "*9"), ("*1",)]:
        assert phenotype_of(small, d) == phenotype_of(full, d), d
    assert phenotype_of(small, ("*3", "*1")) == ("Intermediate Metabolizer", "1.0")


def test_a_table_that_depends_on_more_than_function_stays_a_table():
    table = dict(TABLE, **{"*2/*3": {"phenotype": "Intermediate Metabolizer", "activity_score": "0.0"}})
    assert compact_table(_doc(table, FUNCTIONS)) is None
    missing = {k: v for k, v in TABLE.items() if k != "*3/*3"}  # *2/*2 has a row, *3/*3 none
    assert compact_table(_doc(missing, FUNCTIONS)) is None


def test_shipped_genes_are_compact_where_the_builder_proved_it():
    sizes = {}
    for path in sorted((DEFAULT_KB / "genes").glob("*.json")):
        d = json.loads(path.read_text())
        sizes[path.stem] = (d.get("phenotype_method") or {}).get("kind"), len(d.get("phenotypes") or {})
    assert sizes["CFTR"] == ("lookup_pair", 0) and sizes["DPYD"] == ("lookup_pair", 0)
    assert sizes["TPMT"] == ("lookup_pair", 0) and sizes["CYP2D6"] == ("activity_sum", 0)
    tpmt = gene_from_dict(json.loads((DEFAULT_KB / "genes" / "TPMT.json").read_text()))
    assert phenotype_of(tpmt, ("*1", "*3A")) == ("Intermediate Metabolizer", None)
    assert phenotype_of(tpmt, ("*3B", "*3C")) == ("Poor Metabolizer", None)


def test_a_background_open_reports_its_error_in_the_caller(tmp_path):
    vcf = write_vcf(tmp_path / "one.vcf.gz", [("chr10", 100, "A", "G", "0/1")])
    prefetch_vcf(vcf, "NOBODY")
    with pytest.raises(InputError, match=r"no sample 'NOBODY' \(samples: S1\)"):
        opened(vcf, "NOBODY")
    with pytest.raises(InputError, match="VCF not found"):
        prefetch_vcf(tmp_path / "missing.vcf.gz", None)
    handle, sample = opened(vcf, None)
    assert sample == "S1" and [r.pos for r in handle.fetch("chr10", 99, 100)] == [100]
