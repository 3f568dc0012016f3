"""A PharmVar sub-allele takes its core allele's function where CPIC's tables name only the core
allele (SLCO1B1 *45.001 and *45.002 of *45), with a note; built by `genotailor kb-build-pgx`."""

import json
from pathlib import Path

import pytest

from genotailor.cli import main
from genotailor.pgx.definitions import DEFAULT_KB, cached_gene, gene_from_dict
from genotailor.pgx.genotypes import PositionCall
from genotailor.pgx.matcher import gene_index, phenotype_call
from genotailor.pgx.rules import interpret

DATA = Path(__file__).resolve().parent / "data" / "pgx_sources" / "sub_alleles"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("kb")
    assert main(["kb-build-pgx", "--definitions", str(DATA / "definitions"), "--phenotypes",
                 str(DATA / "phenotypes"), "--out", str(out)]) == 0
    return gene_from_dict(json.loads((out / "genes" / "SLCO1B1.json").read_text()))


def _phased(gene, first, second):
    ix = gene_index(gene)
    haps = [ix.render(ix.names.index(first)), ix.render(ix.names.index(second))]
    return [PositionCall(p.pos, p.rsid, p.ref, "called", tuple(h.get(p.pos, p.ref) for h in haps), True, 1, 30)
            for p in gene.positions]


def test_sub_alleles_take_the_core_allele_function(built):
    functions = {a.name: a.function for a in built.alleles}
    assert functions["*45.001"] == functions["*45.002"] == "No function"  # the function table names *45


@pytest.mark.parametrize("pair,phenotype", [
    (["*5", "*45.001"], "Poor Function"),
    (["*1", "*45.002"], "Decreased Function"),
    (["*45.001", "*45.002"], "Poor Function"),
])
def test_sub_allele_diplotypes_take_the_core_allele_phenotype_with_a_note(built, pair, phenotype):
    call = phenotype_call(built, pair)
    assert call.phenotype == phenotype
    assert "has the function of *45" in call.note and "name only the core allele" in call.note


def test_a_diplotype_without_a_sub_allele_has_no_such_note(built):
    call = phenotype_call(built, ["*1", "*5"])
    assert (call.phenotype, call.note) == ("Decreased Function", None)


def test_the_engine_calls_5_45_001_poor_function_and_reports_the_note(built):
    result = interpret(built, _phased(built, "*5", "*45.001"))
    assert (result["status"], result["diplotype"], result["phenotype"]) == ("called", "*5/*45.001", "Poor Function")
    assert any("*45.001 has the function of *45" in n for n in result["notes"])


def test_the_shipped_knowledge_base_has_the_rule():
    gene = cached_gene("SLCO1B1", DEFAULT_KB)
    assert phenotype_call(gene, ["*5", "*45.001"]).phenotype == "Poor Function"
    result = interpret(gene, _phased(gene, "*5", "*45.001"))
    assert (result["diplotype"], result["phenotype"]) == ("*5/*45.001", "Poor Function")
