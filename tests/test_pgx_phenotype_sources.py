"""The phenotype layer of the matcher (`pgx/matcher.py`) against the published tables.

Phenotype terms, activity scores, the order of allele names and the reasons given when there is no
phenotype, each compared with what the sources say (`tests/data/pgx_sources/all/`, read by
`pgx_source_tables.py`): CPIC's diplotype rows (PharmCAT's phenotype files), pypgx's CPIC-derived
allele, phenotype and equation tables, PharmCAT's allele definitions in PharmVar's order.
"""

from __future__ import annotations

import pytest

from genotailor.pgx.definitions import DEFAULT_KB, cached_gene
from genotailor.pgx.genotypes import PositionCall
from genotailor.pgx.matcher import (
    activity_scores,
    allele_order,
    compatible_diplotypes,
    format_activity,
    gene_index,
    has_phenotypes,
    phenotype_call,
    phenotype_terms,
)
from genotailor.pgx.run import CALLED_GENES
from pgx_source_tables import ALL, PYPGX_TERM
from test_pgx_allpairs import SourceGene, check_pair

PYPGX_GENES = ("CYP2D6", "G6PD", "IFNL3", "RYR1")  # no CPIC diplotype rows in PharmCAT's files


@pytest.fixture(autouse=True)
def _cold_caches():
    """The matcher's per-process caches (gene indexes, allele-name keys) emptied before each test,
    so that each builds them as a fresh run does rather than reading what earlier tests left."""
    import genotailor.pgx.matcher as m

    m._INDEX.clear()
    m._ORDER.clear()


def gene(name):
    return cached_gene(name, DEFAULT_KB)


def cpic_rows(name):
    p = ALL.cpic_phenotypes(name)
    return p["diplotypes"] if p else []


def pypgx_function(name: str, allele: str) -> str:
    return next(r["Function"] for r in ALL.pypgx("allele-table.csv") if r["Gene"] == name and r["StarAllele"] == allele)


# --- terms and scores -----------------------------------------------------------------------------

# pypgx lists "Indeterminate" for CYP2D6 and IFNL3; for a pair with an allele of unknown activity
# (CYP2D6) or a single IFNL3 allele the engine gives no phenotype with its reason instead (below).
NOT_A_TERM = {"CYP2D6": {"Indeterminate"}, "IFNL3": {"Indeterminate"}}


@pytest.mark.parametrize("name", [g for g in CALLED_GENES if g != "CYP4F2"])
def test_the_phenotype_terms_are_the_sources(name):
    if cpic_rows(name):
        want = {r["phenotype"] for r in cpic_rows(name)}
    else:
        assert name in PYPGX_GENES
        want = {PYPGX_TERM.get(name, {}).get(r["Phenotype"], r["Phenotype"]) for r in ALL.pypgx("phenotype-table.csv")
                if r["Gene"] == name}
    assert phenotype_terms(gene(name)) == want - NOT_A_TERM.get(name, set())
    assert has_phenotypes(gene(name))


def test_cyp4f2_has_no_phenotype_as_in_the_sources():
    assert ALL.cpic_phenotypes("CYP4F2") is None
    assert not [r for r in ALL.pypgx("phenotype-table.csv") if r["Gene"] == "CYP4F2"]
    assert not has_phenotypes(gene("CYP4F2")) and phenotype_terms(gene("CYP4F2")) == set()
    call = phenotype_call(gene("CYP4F2"), ["*1", "*3"])
    assert (call.phenotype, call.activity_score) == (None, None) and call.reason.startswith("CPIC defines no phenotype")


@pytest.mark.parametrize("name", [g for g in CALLED_GENES if cpic_rows(g)])
def test_the_activity_scores_are_cpics(name):
    want = {float(r["activityScore"]) for r in cpic_rows(name) if r["activityScore"] not in (None, "n/a")}
    assert activity_scores(gene(name)) == want


def test_cyp2d6_activity_scores_are_the_sums_of_two_cpic_activity_values():
    values = {float(v) for n, v in ALL.cyp2d6_activity_values().items()
              if n in ALL.allele_names("CYP2D6") and v != "N/A"}
    assert activity_scores(gene("CYP2D6")) == {a + b for a in values for b in values}


@pytest.mark.parametrize("name", ["DPYD", "CYP2C9"])
def test_activity_scores_are_written_as_cpic_writes_them(name):
    written = {r["activityScore"] for r in cpic_rows(name) if r["activityScore"] not in (None, "n/a")}
    assert {format_activity(float(s)) for s in written} == written
    assert format_activity(0.25) == "0.25" and format_activity(1.75) == "1.75"  # CPIC's CYP2D6 scores


# --- names in PharmVar's order ----------------------------------------------------------------------

@pytest.mark.parametrize("name", CALLED_GENES)
def test_allele_names_sort_in_the_definition_files_order(name):
    # PharmCAT lists a gene's alleles (after its reference allele) in PharmVar's natural order:
    # *2 before *10, *1.001 after *1, c.61C>T before c.313G>A.
    names = [n for n in ALL.allele_names(name) if n != ALL.reference_name(name)]
    assert sorted(reversed(names), key=allele_order) == names
    assert gene_index(gene(name)).names[1:] == names or gene_index(gene(name)).names == sorted(
        ALL.allele_names(name), key=allele_order)


def test_a_diplotype_is_written_lower_name_first():
    # unphased CYP2D6 *10/*4 (one copy each): shown as *4/*10 (natural order), PharmCAT's writing
    sg_calls = []
    h4, h10 = ALL.haplotype("CYP2D6", ["*4"]), ALL.haplotype("CYP2D6", ["*10"])
    for v in ALL.definitions("CYP2D6")["variants"]:
        p = v["position"]
        sg_calls.append(PositionCall(p, v["rsid"], v["ref"], "called", (h10.get(p, v["ref"]), h4.get(p, v["ref"]))))
    top = compatible_diplotypes(gene("CYP2D6"), sg_calls)[0]
    assert top.name == "*4/*10" and top.alleles == ("*4", "*10")


# --- no phenotype: the reason names what is missing -----------------------------------------------

def test_cyp2d6_allele_without_an_activity_value_gives_no_score_and_says_why():
    function = pypgx_function("CYP2D6", "*22")
    assert ALL.cyp2d6_activity_values()["*22"] == "N/A" and function == "Uncertain Function"
    call = phenotype_call(gene("CYP2D6"), ["*1", "*22"])
    assert (call.phenotype, call.activity_score, call.reason) == (
        None, None, f"no activity value for *22 ({function}), so no activity score or phenotype for *1/*22")


def test_cyp2d6_score_of_a_source_pair():
    # *1 (1) + *10 (0.25) = 1.25: Normal Metabolizer in CPIC's ranges
    call = phenotype_call(gene("CYP2D6"), ["*1", "*10"])
    assert (call.phenotype, call.activity_score, call.reason) == ("Normal Metabolizer", "1.25", None)
    assert ALL.cyp2d6_expected("*1", "*10") == ("Normal Metabolizer", 1.25)


def test_an_activity_score_needs_two_alleles():
    call = phenotype_call(gene("CYP2D6"), ["*1"])
    assert (call.phenotype, call.activity_score, call.reason) == (
        None, None, "a CYP2D6 activity score needs two alleles (*1)")


@pytest.mark.parametrize("name, pair", [("CYP2D6", ["*1", "*999"]), ("G6PD", ["B (reference)", "*999"]),
                                        ("RYR1", ["Reference", "*999"])])
def test_an_allele_the_definitions_lack_gets_no_phenotype_and_is_named(name, pair):
    assert "*999" not in ALL.allele_names(name)
    call = phenotype_call(gene(name), pair)
    assert (call.phenotype, call.activity_score, call.reason) == (
        None, None, f"*999: not a {name} allele of the knowledge base, so no phenotype for {'/'.join(pair)}")


@pytest.mark.parametrize("name, pair", [("TPMT", ["*1", "*999"]), ("CYP2C19", ["*1", "*999"])])
def test_a_pair_without_a_cpic_row_gets_no_phenotype_and_is_named(name, pair):
    assert ALL.cpic_row(name, *pair) is None
    call = phenotype_call(gene(name), pair)
    assert (call.phenotype, call.activity_score, call.reason) == (
        None, None, f"the knowledge base gives no phenotype for {'/'.join(pair)}")


def test_one_ifnl3_allele_has_no_cpic_phenotype_and_the_reason_names_its_function():
    ref = ALL.reference_name("IFNL3")
    function = ALL.cpic_functions("IFNL3")[ref]
    call = phenotype_call(gene("IFNL3"), [ref])
    assert (call.phenotype, call.reason) == (
        None, f"the knowledge base gives no IFNL3 phenotype for one allele of function {function} ({ref})")


@pytest.mark.parametrize("allele", ["A", "Aachen", "A- 202A_376G"])
def test_one_g6pd_allele_takes_pypgxs_male_phenotype(allele):
    call = phenotype_call(gene("G6PD"), [allele])
    assert (call.phenotype, call.activity_score, call.reason) == (ALL.pypgx_phenotype("G6PD", allele, "MALE"), None,
                                                                  None)


def test_ryr1_alleles_without_a_function_give_uncertain_susceptibility_with_a_note():
    # pypgx: c.103T>C is "Malignant Hyperthermia Associated"; c.38T>G and c.51_53del have no row
    functions = {r["StarAllele"]: r["Function"] for r in ALL.pypgx("allele-table.csv") if r["Gene"] == "RYR1"}
    carriers = [functions["c.103T>C"]]
    unlisted = [n for n in ALL.allele_names("RYR1") if n not in functions][:2]
    assert unlisted == ["c.38T>G", "c.51_53del"] and carriers == ["Malignant Hyperthermia Associated"]
    call = phenotype_call(gene("RYR1"), unlisted)
    assert (call.phenotype, call.reason) == ("Uncertain Susceptibility", None)
    assert call.note == (f"{', '.join(unlisted)}: no allele function in the knowledge base (not among the alleles "
                         f"listed as {carriers[0]}); 'Uncertain Susceptibility' means that no such allele was found, "
                         "not that this variant is known to be harmless")
    assert phenotype_call(gene("RYR1"), ["Reference", "Reference"]).note is None
    carrier = phenotype_call(gene("RYR1"), ["c.38T>G", "c.103T>C"])
    assert (carrier.phenotype, carrier.note) == (ALL.pypgx_phenotype("RYR1", "Reference", "c.103T>C"), None)


# --- a knowledge base missing a value: the reason says which (a gene file edited in a copy) ---------

def _edited(name: str, edit) -> object:
    import json

    from genotailor.pgx.definitions import gene_from_dict

    d = json.loads((DEFAULT_KB / "genes" / f"{name}.json").read_text())
    edit(d)
    return gene_from_dict(d)


def test_a_g6pd_allele_without_a_function_gets_no_phenotype_and_is_named():
    def drop(d):
        next(a for a in d["alleles"] if a["name"] == "A")["function"] = None

    g = _edited("G6PD", drop)
    call = phenotype_call(g, ["A", "A"])
    assert (call.phenotype, call.activity_score, call.reason) == (
        None, None, "no allele function for A in the knowledge base, so no phenotype for A/A")
    assert phenotype_call(g, ["Aachen"]).phenotype == ALL.pypgx_phenotype("G6PD", "Aachen", "MALE")


def test_a_cyp2d6_allele_without_activity_value_or_function_is_named_as_such():
    def drop(d):
        a = next(a for a in d["alleles"] if a["name"] == "*10")
        a["activity_value"], a["function"] = "", None

    call = phenotype_call(_edited("CYP2D6", drop), ["*10", "*1"])
    assert (call.phenotype, call.activity_score, call.reason) == (
        None, None, "no activity value for *10 (function not known), so no activity score or phenotype for *10/*1")


def test_an_activity_score_below_every_range_gets_no_phenotype_and_says_so():
    def raise_poor(d):
        for t in d["phenotype_method"]["thresholds"]:
            t["min"] = max(float(t["min"]), 0.25)

    call = phenotype_call(_edited("CYP2D6", raise_poor), ["*4", "*4"])
    assert (call.phenotype, call.activity_score, call.reason) == (
        None, "0.0", "activity score 0.0 is below every phenotype threshold")


@pytest.mark.parametrize("name", ["TPMT", "CYP2C19", "UGT1A1", "CYP3A5", "NUDT15"])
def test_every_pair_is_called_as_the_sources_say_by_a_freshly_built_index(name):
    # the all-pairs check (test_pgx_allpairs.py) with the gene index built in this test
    sg, kb_gene = SourceGene(name), gene(name)
    failures = [problem for i, a1 in enumerate(sg.names) for a2 in sg.names[i:] for phased in (True, False)
                if (problem := check_pair(sg, kb_gene, a1, a2, phased, "unknown"))]
    assert not failures, failures[:20]
