"""Unphased TPMT c.460G>A + c.719A>G: *1/*3A (both variants on one chromosome, the common *3A
haplotype) or *3B/*3C (one on each). The recommendation follows *1/*3A and names what *3B/*3C would
mean; both readings' phenotypes and actions are CPIC's (PharmCAT's TPMT diplotype rows and CPIC's
recommendation rows, `tests/data/cpic/`), the genotypes PharmCAT's definitions (PharmVar)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from genotailor.pgx.definitions import DEFAULT_KB, cached_gene
from genotailor.pgx.recommendations import recommend
from genotailor.pgx.rules import interpret
from pgx_source_tables import ALL
from test_pgx_allpairs import SourceGene

CPIC_ROWS = Path(__file__).parent / "data" / "cpic" / "cpic_recommendations.tsv"
PHRASE = {"alternative": "consider an alternative drug, if used at", "reduce_dose": "reduce the dose to"}


def cpic_row(drug: str, tpmt: str) -> dict:
    with CPIC_ROWS.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh, delimiter="\t") if r["drug"] == drug
                and json.loads(r["lookup"]) == {"NUDT15": "No Result", "TPMT": tpmt}]
    assert len(rows) == 1, (drug, tpmt)
    return rows[0]


@pytest.fixture(scope="module")
def drugs():
    tpmt = interpret(cached_gene("TPMT", DEFAULT_KB), SourceGene("TPMT").calls("*3B", "*3C", False), "unknown")
    assert (tpmt["status"], tpmt["diplotype"], tpmt["tie"]["resolved_by"]) == ("ambiguous", "*1/*3A", "cis")
    return {d["drug"]: d for d in recommend([tpmt])}


@pytest.mark.parametrize("drug", ["azathioprine", "mercaptopurine", "thioguanine"])
def test_the_recommendation_follows_star1_star3a_and_names_star3b_star3c(drugs, drug):
    leading_phenotype = ALL.cpic_row("TPMT", "*1", "*3A")["phenotype"]
    other_phenotype = ALL.cpic_row("TPMT", "*3B", "*3C")["phenotype"]
    assert (leading_phenotype, other_phenotype) == ("Intermediate Metabolizer", "Poor Metabolizer")
    lead, other = cpic_row(drug, leading_phenotype), cpic_row(drug, other_phenotype)
    d = drugs[drug]
    factor = [float(x) for x in lead["dose_factor"].split("-")]
    assert (d["status"], d["action"], d["dose_factor"]) == ("actionable", "reduce_dose", factor)
    assert d["strength"] == lead["classification"].lower()
    [alt] = d["alternative_actions"]
    assert (alt["gene"], alt["diplotype"], alt["phenotype"]) == ("TPMT", "*3B/*3C", other_phenotype)
    assert alt["dose_factor"] == float(other["dose_factor"]) and alt["strength"] == other["classification"].lower()
    kind = "alternative" if alt["action"].endswith("alternative") else alt["action"]
    assert kind in other["action"].split("|")
    share = f"{100 * float(other['dose_factor']):g}% of the usual dose"
    assert (f"the genotypes also fit TPMT *3B/*3C ({other_phenotype}: {PHRASE[kind]} {share}), with the variants "
            "on different chromosomes, which phased genotypes or family testing would rule out") in d["reason"]
    assert "given for the leading diplotype (the observed variants together on one documented haplotype)" in d["reason"]
