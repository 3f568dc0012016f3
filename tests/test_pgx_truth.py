"""Genotype -> diplotype -> phenotype against the published sources, not the engine.

Every case picks two named alleles, writes their genotypes from the allele-definition file
(PharmVar/CPIC as PharmCAT distributes it: positions, reference and allele at each position) and
takes the expected phenotype and activity score from CPIC's diplotype table (PharmCAT's phenotype
file) or, for genes PharmCAT has no phenotype file for, from pypgx's CPIC-derived tables. The
excerpts the test reads are in `tests/data/pgx_sources/truth/` (PROVENANCE.md there); nothing here
goes through the engine's knowledge base, matcher or renderer.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from genotailor.pgx.run import CALLED_GENES, call_gene
from pgx_source_tables import TRUTH

S = TRUTH  # the excerpts of `tests/data/pgx_sources/truth/` (readers in pgx_source_tables.py)
definitions, cpic_phenotypes, pypgx = S.definitions, S.cpic_phenotypes, S.pypgx
reference_name, haplotype, source_vcf, cpic_functions = S.reference_name, S.haplotype, S.source_vcf, S.cpic_functions
pypgx_phenotype, expected = S.pypgx_phenotype, S.expected


def cpic_row(gene: str, a1: str, a2: str) -> dict:
    row = S.cpic_row(gene, a1, a2)
    assert row is not None, (gene, a1, a2)
    return row


# --- every gene: chosen pairs ---------------------------------------------------------------------

REF = object()  # the gene's reference allele, by its name in the definition file
PAIRS = {
    "ABCG2": [(REF, REF), (REF, "rs2231142 variant (T)"), ("rs2231142 variant (T)", "rs2231142 variant (T)")],
    "CACNA1S": [(REF, REF), (REF, "c.520C>T"), (REF, "c.3257G>A")],
    "CFTR": [(REF, REF), (REF, "G551D"), ("G551D", "R117H")],
    "CYP2B6": [(REF, "*6"), ("*6", "*6"), (REF, "*18"), ("*4", "*9")],
    "CYP2C19": [("*1", "*2"), ("*2", "*17"), ("*17", "*17"), ("*1", REF), ("*2", "*3")],
    "CYP2C9": [(REF, "*2"), (REF, "*3"), ("*2", "*3"), ("*3", "*3"), (REF, "*8")],
    "CYP2D6": [(REF, "*4"), ("*4", "*4"), (REF, "*10"), ("*10", "*41"), ("*4", "*17"), ("*3", "*4")],
    "CYP3A4": [(REF, REF), (REF, "*22"), ("*22", "*22")],
    "CYP3A5": [(REF, "*3"), ("*3", "*3"), ("*3", "*6")],
    "CYP4F2": [(REF, "*3"), ("*2", "*3")],
    "DPYD": [(REF, REF), (REF, "c.2846A>T"), ("c.1905+1G>A (*2A)", "c.2846A>T"),
             (REF, "c.1129-5923C>G, c.1236G>A (HapB3)"), ("c.1679T>G (*13)", "c.2983G>T (*10)")],
    "G6PD": [(REF, REF), (REF, "A- 202A_376G"), ("A", "A- 202A_376G"), (REF, "A")],
    "IFNL3": [(REF, REF), (REF, "rs12979860 variant (T)"), ("rs12979860 variant (T)", "rs12979860 variant (T)")],
    "NAT2": [(REF, "*5"), ("*5", "*6"), ("*6", "*7"), ("*5", "*5")],
    "NUDT15": [(REF, "*3"), ("*3", "*3"), (REF, "*2")],
    "RYR1": [(REF, REF), (REF, "c.103T>C"), ("c.103T>C", "c.487C>T")],
    "SLCO1B1": [(REF, "*5"), (REF, "*15"), ("*5", "*15"), ("*14", "*15")],
    "TPMT": [(REF, "*3A"), ("*3A", "*3C"), (REF, "*2"), ("*3B", "*3C")],
    "UGT1A1": [(REF, "*28"), ("*28", "*28"), ("*6", "*28")],
    "VKORC1": [(REF, REF), (REF, "rs9923231 variant (T)"), ("rs9923231 variant (T)", "rs9923231 variant (T)")],
}
CASES = [(g, a1, a2) for g, pairs in PAIRS.items() for a1, a2 in pairs]


def _name(gene, a):
    return reference_name(gene) if a is REF else a


def test_every_called_gene_has_source_truth_cases():
    assert sorted(PAIRS) == sorted(CALLED_GENES)
    assert all(len(p) >= 2 for p in PAIRS.values())


@pytest.mark.parametrize("gene, a1, a2", CASES, ids=[f"{g}:{a1 if a1 is not REF else 'ref'}/"
                                                      f"{a2 if a2 is not REF else 'ref'}" for g, a1, a2 in CASES])
def test_phased_diplotype_gets_the_sources_phenotype(tmp_path, gene, a1, a2):
    a1, a2 = _name(gene, a1), _name(gene, a2)
    vcf = source_vcf(tmp_path, gene, haplotype(gene, [a1]), haplotype(gene, [a2]), phased=True)
    r = call_gene(gene, vcf, None, None, sex="female" if gene == "G6PD" else "unknown")
    assert r["status"] == "called", (r["status"], r["diplotype"], r.get("reason"), r.get("tie"))
    assert sorted(r["alleles"]) == sorted([a1, a2])
    assert sorted(r["diplotype"].split("/")) == sorted([a1, a2])
    functions = cpic_functions(gene)
    if functions:  # CPIC's allele functions, where PharmCAT's phenotype file gives them
        assert r["allele_functions"] == {a: functions[a] for a in (a1, a2)}
    phenotype, activity = expected(gene, a1, a2)
    if gene == "CYP2D6":  # a sum, compared as a number
        assert (r["phenotype"], float(r["activity_score"])) == (phenotype, activity)
    else:
        assert (r["phenotype"], r["activity_score"]) == (phenotype, activity)


# Unphased genotypes, as most VCFs give them: homozygous pairs, and heterozygous pairs whose
# variants no other pair of defined alleles explains.
UNPHASED = [("ABCG2", REF, "rs2231142 variant (T)"), ("CYP2B6", "*6", "*6"), ("CYP2C9", REF, "*3"),
            ("CYP2C9", "*2", "*3"), ("CYP2D6", "*4", "*4"), ("CYP3A5", REF, "*3"), ("CYP3A5", "*3", "*3"),
            ("DPYD", REF, "c.1905+1G>A (*2A)"), ("DPYD", "c.1905+1G>A (*2A)", "c.2846A>T"), ("NAT2", "*5", "*5"),
            ("NUDT15", REF, "*3"), ("SLCO1B1", REF, "*5"), ("TPMT", REF, "*2"), ("TPMT", "*3A", "*3A"),
            ("UGT1A1", REF, "*28"), ("UGT1A1", "*28", "*28"), ("VKORC1", REF, "rs9923231 variant (T)")]


@pytest.mark.parametrize("gene, a1, a2", UNPHASED, ids=[f"{g}:{a1 if a1 is not REF else 'ref'}/{a2}"
                                                         for g, a1, a2 in UNPHASED])
def test_unphased_diplotype_gets_the_sources_phenotype(tmp_path, gene, a1, a2):
    a1, a2 = _name(gene, a1), _name(gene, a2)
    r = call_gene(gene, source_vcf(tmp_path, gene, haplotype(gene, [a1]), haplotype(gene, [a2])), None, None)
    assert (r["status"], sorted(r["alleles"])) == ("called", sorted([a1, a2])), (r["diplotype"], r.get("tie"))
    phenotype, activity = expected(gene, a1, a2)
    if gene == "CYP2D6":
        assert (r["phenotype"], float(r["activity_score"])) == (phenotype, activity)
    else:
        assert (r["phenotype"], r["activity_score"]) == (phenotype, activity)


@pytest.mark.parametrize("allele", ["A- 202A_376G", "A", "B (reference)"])
def test_g6pd_male_hemizygous_allele_gets_the_sources_phenotype(tmp_path, allele):
    vcf = source_vcf(tmp_path, "G6PD", haplotype("G6PD", [allele]), None)
    r = call_gene("G6PD", vcf, None, None, sex="male")
    assert (r["status"], r["alleles"], r["zygosity"]) == ("called", [allele], "hemizygous")
    assert r["phenotype"] == pypgx_phenotype("G6PD", allele, "MALE")


def test_cyp4f2_has_no_phenotype_in_the_sources_nor_in_the_result(tmp_path):
    # Neither CPIC (no PharmCAT phenotype file) nor pypgx give CYP4F2 a phenotype.
    assert cpic_phenotypes("CYP4F2") is None
    assert not [r for r in pypgx("phenotype-table.csv") if r["Gene"] == "CYP4F2"]
    vcf = source_vcf(tmp_path, "CYP4F2", haplotype("CYP4F2", ["*3"]), haplotype("CYP4F2", ["*3"]))
    r = call_gene("CYP4F2", vcf, None, None)
    assert (r["status"], r["diplotype"], r["phenotype"], r["activity_score"]) == ("called", "*3/*3", None, None)


# --- DPYD: CPIC's rule for more variants than a diplotype holds --------------------------------


def dpyd_activity(name: str) -> float:
    return float(next(a["activityValue"] for a in cpic_phenotypes("DPYD")["namedAlleles"] if a["name"] == name))


def dpyd_cpic(picks: list[str]) -> tuple[str, str]:
    row = cpic_row("DPYD", *picks)
    return row["phenotype"], row["activityScore"]


def _dpyd_copies(alleles: list[str]) -> dict[int, tuple[str, int]]:
    """{position: (allele, copies)} of variant alleles carried (a name twice: homozygous)."""
    out: dict[int, tuple[str, int]] = {}
    for name in alleles:
        for pos, allele in haplotype("DPYD", [name]).items():
            out[pos] = (allele, out.get(pos, (allele, 0))[1] + 1)
    return out


def dpyd_unphased_vcf(tmp_path, alleles: list[str]):
    """Unphased genotypes of the variant alleles carried (one copy per listing)."""
    copies = _dpyd_copies(alleles)
    hap1 = {p: a for p, (a, n) in copies.items()}
    hap2 = {p: a for p, (a, n) in copies.items() if n == 2}
    return source_vcf(tmp_path, "DPYD", hap1, hap2, name="dpyd")


# Each carries more variant alleles than one diplotype holds. In the first four, allele-name order
# and activity order differ: picking by name gives another activity score.
DPYD_UNPHASED = [
    # HapB3 (0.5) and c.2846A>T (0.5) sort before *10 (0): by name 1.0 Intermediate, by CPIC 0.5 Poor
    ["c.1129-5923C>G, c.1236G>A (HapB3)", "c.2846A>T", "c.2983G>T (*10)"],
    ["c.557A>G", "c.868A>G", "c.2933A>G"],
    # four variants: two no-function (0 + 0) and two decreased; by name HapB3 + *2A = 0.5
    ["c.1129-5923C>G, c.1236G>A (HapB3)", "c.1905+1G>A (*2A)", "c.2846A>T", "c.2983G>T (*10)"],
    # homozygous decreased-function variant plus a no-function one
    ["c.557A>G", "c.557A>G", "c.2983G>T (*10)"],
    ["c.1679T>G (*13)", "c.1905+1G>A (*2A)", "c.2846A>T"],
]


def _lowest_two(alleles):
    return sorted(alleles, key=dpyd_activity)[:2]


def test_dpyd_cases_separate_name_order_from_activity_order():
    # The cases are chosen so that a pick by name gives another activity score (CPIC values).
    def score(picks):
        return sum(dpyd_activity(n) for n in picks)
    by_name = [sorted(c, key=lambda n: [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", n)])[:2]
               for c in DPYD_UNPHASED]
    differ = [score(n) != score(_lowest_two(c)) for n, c in zip(by_name, DPYD_UNPHASED)]
    assert differ == [True, True, True, True, False]


@pytest.mark.parametrize("alleles", DPYD_UNPHASED, ids=lambda a: "+".join(n.split()[0] for n in a))
def test_dpyd_unphased_variants_take_cpics_two_lowest_activity_values(tmp_path, alleles):
    r = call_gene("DPYD", dpyd_unphased_vcf(tmp_path, alleles), None, None)
    picks = _lowest_two(alleles)
    phenotype, activity = dpyd_cpic(picks)
    assert (r["status"], r["activity_score"], r["phenotype"]) == ("called", activity, phenotype)
    # the named alleles carry the two lowest activity values (which of two equal ones is named is free)
    assert sorted(dpyd_activity(n) for n in r["alleles"]) == sorted(dpyd_activity(n) for n in picks)
    assert sorted((v["allele"], v["copies"]) for v in r["variant_alleles"]) == sorted(Counter(alleles).items())


# Phased: one haplotype's variants in cis; the lowest activity of each haplotype counts.
DPYD_PHASED = [
    (["c.557A>G", "c.2983G>T (*10)"], ["c.868A>G"]),  # by name 557 + 868 = 1.0; CPIC *10 + 868 = 0.5
    (["c.2846A>T", "c.2933A>G"], []),  # by name Reference + 2846 = 1.5; CPIC Reference + 2933 = 1.0
]


@pytest.mark.parametrize("hap1, hap2", DPYD_PHASED, ids=["both", "one"])
def test_dpyd_phased_variants_take_each_haplotypes_lowest_activity_value(tmp_path, hap1, hap2):
    vcf = source_vcf(tmp_path, "DPYD", haplotype("DPYD", hap1), haplotype("DPYD", hap2), phased=True)
    r = call_gene("DPYD", vcf, None, None)
    picks = [min(h, key=dpyd_activity) if h else reference_name("DPYD") for h in (hap1, hap2)]
    phenotype, activity = dpyd_cpic(picks)
    assert (r["status"], sorted(r["alleles"]), r["activity_score"], r["phenotype"]) == (
        "called", sorted(picks), activity, phenotype)


# --- the demo's truth: CPIC's phenotypes of the planted diplotypes -------------------------------

DEMO_TRUTH = Path(__file__).resolve().parents[1] / "test-data" / "truth"


def _same(gene, got: tuple, want: tuple) -> bool:
    if gene == "CYP2D6":  # a sum: compared as a number
        return (got[0], float(got[1])) == (want[0], float(want[1]))
    return got == want


def test_published_phenotypes_of_the_demo_generator_are_the_sources():
    from genotailor.dev.testdata.published import NO_PHENOTYPE, PUBLISHED

    for (gene, (a1, a2)), row in PUBLISHED.items():
        assert _same(gene, row, expected(gene, a1, a2)), (gene, a1, a2)
    assert sorted(NO_PHENOTYPE) == ["CYP4F2"] and cpic_phenotypes("CYP4F2") is None


@pytest.mark.parametrize("patient", ["PGX001", "VCF001"])
def test_demo_truth_phenotypes_are_the_sources(patient):
    truth = json.loads((DEMO_TRUTH / f"{patient}.json").read_text())
    planted = {**truth["expected_diplotypes"], **truth.get("outside_calls", {})}
    assert planted
    for gene, e in planted.items():
        a1, a2 = e["diplotype"].split("/")
        assert _same(gene, (e["phenotype"], e["activity_score"]), expected(gene, a1, a2)), (patient, gene)
        assert (e["phenotype_reason"] is None) == (gene != "CYP4F2"), (patient, gene)
