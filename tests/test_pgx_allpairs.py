"""Every pair of named alleles of every gene, written from the allele definitions and called back.

The genotypes and the expected values come from the published tables alone
(`tests/data/pgx_sources/all/`, read by `pgx_source_tables.py`): each unordered pair of a gene's
named alleles in PharmCAT's definition file (PharmVar/CPIC) is written as genotypes at every
defining position, phased and unphased, and handed to the engine's interpreter (`rules.interpret`,
the step after the VCF reader; a sample per gene also goes through real VCF files). The engine's
knowledge base, matcher and renderer give no expected value.

Pass criteria are exact, pair by pair:
- phased: the called diplotype is the written pair, status "called";
- unphased: the called diplotype is the written pair, or — the one allowed exception, checked for
  each such pair from the definitions — the genotypes are exactly those the called pair's own
  definitions give too (no caller can tell the pairs apart without phase), and the written pair is
  among the reported candidates;
- whatever pair is called, its phenotype and activity score are the sources' for that pair: CPIC's
  diplotype row (PharmCAT's phenotype file), for CYP2D6 the sum of CPIC activity values placed in
  CPIC's ranges (pypgx tables), for G6PD, IFNL3 and RYR1 pypgx's CPIC-derived diplotype table. An
  ambiguous call may give no phenotype; a pair the sources have no row for is not compared.
"""

from __future__ import annotations

from collections import Counter
from functools import cache

import pytest

from genotailor.cli import main
from genotailor.pgx.definitions import DEFAULT_KB, cached_gene
from genotailor.pgx.genotypes import PositionCall
from genotailor.pgx.rules import interpret
from genotailor.pgx.run import CALLED_GENES, call_gene
from pgx_source_tables import ALL, G6PD_UNKNOWN_FUNCTION_WITH_OLDER_ROWS, IUPAC

ROUND_TRIPS = 3  # pairs per gene (and mode) also written as a VCF and read by `call_gene`


def _allows(code: str, allele: str, ref: str) -> bool:
    return allele in IUPAC.get(code, code) if code in IUPAC else allele == code


class SourceGene:
    """One gene's definitions as genotypes: the test's own reading of the definition file."""

    def __init__(self, gene: str):
        d = ALL.definitions(gene)
        self.gene = gene
        self.variants = d["variants"]
        self.names = ALL.allele_names(gene)
        self.background = ALL.background(gene)
        self.haps = {n: ALL.haplotype(gene, [n]) for n in self.names}
        ref_codes = next(a["alleles"] for a in d["namedAlleles"] if a["reference"])
        # each allele's code at every position (None: the reference allele's code; then the reference base)
        self.codes = {a["name"]: [c if c is not None else (r if r is not None else v["ref"])
                                  for c, r, v in zip(a["alleles"], ref_codes, self.variants)]
                      for a in d["namedAlleles"]}
        self._base = {phased: [PositionCall(v["position"], v["rsid"], v["ref"], "called",
                                            (self.at(v, {}),) * 2, phased, 1 if phased else None)
                               for v in self.variants] for phased in (False, True)}

    def at(self, v, hap) -> str:
        return hap.get(v["position"], self.background.get(v["position"], v["ref"]))

    def genotypes(self, a1: str, a2: str | None) -> list[tuple[str, ...]]:
        h1, h2 = self.haps[a1], self.haps[a2] if a2 is not None else None
        return [(self.at(v, h1),) if h2 is None else (self.at(v, h1), self.at(v, h2)) for v in self.variants]

    def calls(self, a1: str, a2: str | None, phased: bool) -> list[PositionCall]:
        """PositionCalls as the VCF reader gives them (the definitions' positions and VCF alleles)."""
        if a2 is None:
            return [PositionCall(v["position"], v["rsid"], v["ref"], "called", g)
                    for v, g in zip(self.variants, self.genotypes(a1, None))]
        out = list(self._base[phased])
        for k, (v, g) in enumerate(zip(self.variants, self.genotypes(a1, a2))):
            if g != out[k].alleles:
                out[k] = PositionCall(v["position"], v["rsid"], v["ref"], "called", g, phased, 1 if phased else None)
        return out

    def gives(self, names: tuple[str, ...], genotypes: list[tuple[str, ...]]) -> bool:
        """Can these alleles' definitions give exactly these unphased genotypes (IUPAC-aware)?"""
        if len(names) != 2:
            return False
        c1, c2 = self.codes[names[0]], self.codes[names[1]]
        for k, v in enumerate(self.variants):
            x, y = genotypes[k]
            ref = v["ref"]
            if not ((_allows(c1[k], x, ref) and _allows(c2[k], y, ref))
                    or (_allows(c1[k], y, ref) and _allows(c2[k], x, ref))):
                return False
        return True


def _expected(gene: str, names) -> tuple | None:
    """The sources' (phenotype, activity score) of a called pair; None without a row."""
    return ALL.expected(gene, *names) if len(names) == 2 else None


def _got(gene: str, result) -> tuple:
    score = result["activity_score"]
    return result["phenotype"], (float(score) if gene == "CYP2D6" and score is not None else score)


def check_pair(sg: SourceGene, kb_gene, a1: str, a2: str, phased: bool, sex: str) -> str | None:
    """None when the engine's call of the written pair meets the criteria, else what is wrong."""
    result = interpret(kb_gene, sg.calls(a1, a2, phased), sex, max_alternatives=None, detail=False)
    truth = tuple(sorted((a1, a2)))
    called = tuple(sorted(result["alleles"] or ()))
    label = f"{sg.gene} {a1}/{a2} {'phased' if phased else 'unphased'}: {result['status']} {result['diplotype']}"
    if called != truth:
        if phased:
            return label
        candidates = {called} | {tuple(sorted(a["alleles"])) for a in result["alternatives"]}
        if not sg.gives(called, sg.genotypes(a1, a2)):
            return label + " (the called pair's definitions do not give these genotypes)"
        if truth not in candidates:
            return label + " (the written pair is not among the candidates)"
    elif result["status"] != "called" and phased:
        return label
    want = _expected(sg.gene, called)
    got = _got(sg.gene, result)
    if want is not None and got != tuple(want) and not (result["status"] == "ambiguous" and got == (None, None)):
        return f"{label}: phenotype {got}, the sources give {tuple(want)}"
    return None


@cache
def gene_failures(gene: str) -> tuple[list[str], Counter]:
    sg = SourceGene(gene)
    kb_gene = cached_gene(gene, DEFAULT_KB)
    sex = "female" if gene == "G6PD" else "unknown"
    failures, counts = [], Counter()
    for i, a1 in enumerate(sg.names):
        for a2 in sg.names[i:]:
            for phased in (True, False):
                problem = check_pair(sg, kb_gene, a1, a2, phased, sex)
                counts["phased" if phased else "unphased"] += 1
                if problem:
                    failures.append(problem)
    return failures, counts


def test_the_sources_define_every_called_gene():
    assert sorted(g for g in CALLED_GENES if ALL.definitions(g)["namedAlleles"]) == sorted(CALLED_GENES)


@pytest.mark.parametrize("gene", CALLED_GENES)
def test_every_pair_of_the_genes_named_alleles_is_called_as_the_sources_say(gene):
    failures, counts = gene_failures(gene)
    n = len(ALL.allele_names(gene))
    assert counts == {"phased": n * (n + 1) // 2, "unphased": n * (n + 1) // 2}
    assert not failures, f"{len(failures)} pairs:\n" + "\n".join(failures[:40])


def test_ryr1_every_pair_is_written():
    # RYR1: 339 named alleles in the definition file (PharmCAT data 2025-11-05)
    assert len(ALL.allele_names("RYR1")) == 339


def test_tpmt_star3b_star3c_unphased_is_reported_as_ambiguous_with_star1_star3a():
    # *3A carries *3B's and *3C's variants in cis (PharmVar): unphased, *3B/*3C and *1/*3A give
    # the same genotypes, and the engine must not claim either one.
    sg = SourceGene("TPMT")
    unphased = [sorted(g) for g in sg.genotypes("*3B", "*3C")]
    assert unphased == [sorted(g) for g in sg.genotypes("*1", "*3A")] and sg.gives(("*1", "*3A"), unphased)
    result = interpret(cached_gene("TPMT", DEFAULT_KB), sg.calls("*3B", "*3C", False), "unknown")
    candidates = {result["diplotype"]} | {a["diplotype"] for a in result["alternatives"]}
    assert result["status"] == "ambiguous" and {"*1/*3A", "*3B/*3C"} <= candidates


def test_the_g6pd_alleles_taken_as_unknown_function_are_so_in_pypgxs_allele_table():
    functions = {r["StarAllele"]: r["Function"] for r in ALL.pypgx("allele-table.csv") if r["Gene"] == "G6PD"}
    unknown = {n for n, f in functions.items() if f == "Unknown Function"}
    assert G6PD_UNKNOWN_FUNCTION_WITH_OLDER_ROWS <= unknown
    # each exception still needed: its diplotype rows give a definite phenotype; every other
    # unknown-function allele's rows with the reference allele say Indeterminate
    rows = {frozenset(r["Diplotype"].split("/")): r["Phenotype"] for r in ALL.pypgx("diplotype-table.csv")
            if r["Gene"] == "G6PD"}
    for name in sorted(unknown):
        older = name in G6PD_UNKNOWN_FUNCTION_WITH_OLDER_ROWS
        assert (rows[frozenset(["B (reference)", name])] != "G6PD Indeterminate") == older, name


@pytest.mark.parametrize("gene", ["G6PD"])
def test_g6pd_males_get_each_alleles_sources_phenotype(gene):
    sg = SourceGene(gene)
    kb_gene = cached_gene(gene, DEFAULT_KB)
    wrong = []
    for name in sg.names:
        r = interpret(kb_gene, sg.calls(name, None, False), "male", detail=False)
        want = ALL.pypgx_phenotype(gene, name, "MALE")
        if (r["status"], r["alleles"], r["zygosity"]) != ("called", [name], "hemizygous") or r["phenotype"] != want:
            wrong.append(f"{name}: {r['status']} {r['alleles']} {r['phenotype']} (sources: {want})")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("gene", CALLED_GENES)
def test_vcf_files_of_the_first_pairs_give_the_in_memory_calls(tmp_path, gene):
    sg = SourceGene(gene)
    kb_gene = cached_gene(gene, DEFAULT_KB)
    sex = "female" if gene == "G6PD" else "unknown"
    pairs = [(a1, a2) for i, a1 in enumerate(sg.names) for a2 in sg.names[i:]][:ROUND_TRIPS]
    for k, (a1, a2) in enumerate(pairs):
        for phased in (False, True):
            vcf = ALL.source_vcf(tmp_path, gene, sg.haps[a1], sg.haps[a2], phased=phased, name=f"p{k}{phased}")
            via_vcf = call_gene(gene, vcf, None, None, sex=sex)
            in_memory = interpret(kb_gene, sg.calls(a1, a2, phased), sex)
            keys = ("status", "diplotype", "phenotype", "activity_score", "alternatives")
            assert [via_vcf[x] for x in keys] == [in_memory[x] for x in keys], (gene, a1, a2, phased)


def test_cli_prints_the_table_and_writes_json(tmp_path, capsys):
    out = tmp_path / "acc.json"
    assert main(["pgx-accuracy", "--genes", "TPMT,UGT1A1", "--round-trips", "5", "--json", str(out)]) == 0
    table = capsys.readouterr().out
    assert table.splitlines()[0].split()[:3] == ["gene", "alleles", "pairs"]
    n = len(ALL.allele_names("TPMT"))  # every unordered pair of TPMT's named alleles
    assert any(line.startswith("TPMT ") and f" {n * (n + 1) // 2} " in line for line in table.splitlines())
    assert "TOTAL" in table and "containment 100.000%" in table
    assert [g["gene"] for g in __import__("json").loads(out.read_text())["genes"]] == ["TPMT", "UGT1A1"]


def test_the_source_tables_are_the_ones_their_provenance_lists():
    import hashlib
    import re

    root = ALL.root
    listed = dict(re.findall(r"\| `([^`]+)` \| `([0-9a-f]{64})` \|", (root / "PROVENANCE.md").read_text()))
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*.gz"))
    assert sorted(listed) == files
    assert all(hashlib.sha256((root / f).read_bytes()).hexdigest() == listed[f] for f in files)
