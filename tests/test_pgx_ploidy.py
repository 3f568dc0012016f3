"""Copies of the gene: G6PD is X-linked (one copy in males, two in females; CPIC's G6PD guideline
calls males hemizygous), the other PGx genes autosomal. Genotypes written from PharmCAT's G6PD and
TPMT definitions (`pgx_source_tables.py`): G6PD A- 202A_376G carries two variants (c.202G>A at
154536002 and c.376A>G at 154535277), TPMT *3A two (18130687, 18138997). A genotype that contradicts
the number of copies is not matched: the gene is left uncalled with the reason, never guessed.
"""

from __future__ import annotations

import pytest

from genotailor.pgx.definitions import DEFAULT_KB, cached_gene
from genotailor.pgx.genotypes import PositionCall
from genotailor.pgx.rules import interpret
from pgx_source_tables import ALL

A_MINUS = "A- 202A_376G"


def calls(gene: str, hap1: dict, hap2: dict | None, extra: dict | None = None):
    """Haploid (hap2 None) or diploid unphased calls at every defining position; `extra` sets the
    alleles of some positions outright (e.g. three alleles, or one among diploid calls)."""
    out = []
    for v in ALL.definitions(gene)["variants"]:
        p, r = v["position"], v["ref"]
        alleles = (hap1.get(p, r),) if hap2 is None else (hap1.get(p, r), hap2.get(p, r))
        out.append(PositionCall(p, v["rsid"], r, "called", (extra or {}).get(p, alleles)))
    return out


def g6pd(sex, hap1, hap2, extra=None):
    return interpret(cached_gene("G6PD", DEFAULT_KB), calls("G6PD", hap1, hap2, extra), sex)


def test_a_male_is_called_as_one_hemizygous_allele():
    r = g6pd("male", ALL.haplotype("G6PD", [A_MINUS]), None)
    assert (r["status"], r["diplotype"], r["zygosity"]) == ("called", A_MINUS, "hemizygous")
    assert r["phenotype"] == ALL.pypgx_phenotype("G6PD", A_MINUS, "MALE")
    assert "male: G6PD called as one hemizygous allele" in r["notes"]


def test_a_heterozygous_g6pd_genotype_in_a_male_is_not_called():
    ref = ALL.reference_name("G6PD")
    r = g6pd("male", ALL.haplotype("G6PD", [ref]), ALL.haplotype("G6PD", [A_MINUS]))
    assert r["status"] != "called" and r["phenotype"] is None
    assert r["reason"] == ("heterozygous genotype at 154535277 (T/C), 154536002 (C/T) in a male: G6PD is "
                           "X-linked (one copy in males); check the recorded sex, sample identity and "
                           "contamination before using this gene")


def test_a_haploid_g6pd_genotype_in_a_female_is_not_called():
    r = g6pd("female", ALL.haplotype("G6PD", [A_MINUS]), None)
    assert r["status"] != "called" and r["phenotype"] is None
    assert r["reason"].startswith("haploid genotype at ") and r["reason"].endswith(
        " in a female: expected two copies of X-linked G6PD; check the recorded sex and the VCF")
    assert "154536002 (T)" in r["reason"]


def test_haploid_and_diploid_g6pd_genotypes_without_a_sex_are_not_called():
    ref = ALL.reference_name("G6PD")
    h = ALL.haplotype("G6PD", [A_MINUS])
    r = g6pd("unknown", ALL.haplotype("G6PD", [ref]), ALL.haplotype("G6PD", [ref]), extra={154536002: ("T",)})
    assert r["status"] != "called" and r["phenotype"] is None
    assert r["reason"] == ("haploid (154536002 (T)) and diploid genotypes together: the number of X "
                           "chromosomes is unclear")
    assert h[154536002] == "T"


def test_haploid_g6pd_genotypes_without_a_sex_are_read_as_a_male():
    r = g6pd("unknown", ALL.haplotype("G6PD", [A_MINUS]), None)
    assert (r["status"], r["diplotype"], r["zygosity"]) == ("called", A_MINUS, "hemizygous")
    assert ("sex not given: the haploid genotypes are read as one hemizygous G6PD allele (male)"
            in r["notes"])


def test_diploid_g6pd_genotypes_without_a_sex_are_read_as_a_female():
    ref = ALL.reference_name("G6PD")
    r = g6pd("unknown", ALL.haplotype("G6PD", [ref]), ALL.haplotype("G6PD", ["A"]))
    assert (r["status"], sorted(r["alleles"]), r.get("zygosity")) == ("called", sorted([ref, "A"]), None)
    assert r["phenotype"] == ALL.pypgx_phenotype("G6PD", ref, "A")
    assert ("sex not given: G6PD called as two alleles (female); for a male, a homozygous call means "
            "one hemizygous allele") in r["notes"]


@pytest.mark.parametrize("sex", ["male", "female", "unknown"])
def test_three_alleles_at_a_position_are_not_called(sex):
    ref = ALL.reference_name("G6PD")
    r = g6pd(sex, ALL.haplotype("G6PD", [ref]), ALL.haplotype("G6PD", [ref]), extra={154536002: ("C", "T", "T")})
    assert r["status"] != "called" and r["phenotype"] is None
    assert r["reason"] == "genotype with more than two alleles at 154536002 (C/T/T)"


def test_a_haploid_genotype_of_an_autosomal_gene_is_not_used():
    ref = ALL.reference_name("TPMT")
    h = ALL.haplotype("TPMT", ["*3A"])
    r = interpret(cached_gene("TPMT", DEFAULT_KB),
                  calls("TPMT", ALL.haplotype("TPMT", [ref]), h, extra={18130687: ("C",)}), "male")
    assert "haploid genotype at 18130687 (C) for an autosomal gene: not used" in r["notes"]
    assert 18130687 in {p["position"] for p in r["missing_positions"]}
