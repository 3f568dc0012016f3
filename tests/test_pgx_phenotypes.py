"""Phenotypes from allele functions and activity values (CYP2D6, G6PD, RYR1, IFNL3), CYP4F2's
absence of a CPIC phenotype, the drug recommendations they reach, and the knowledge-base builder
that takes these facts from the pypgx tables."""

import csv
import hashlib
import itertools
import json
from pathlib import Path

import pytest
import yaml

from genotailor.cli import main
from genotailor.core.errors import InputError
from genotailor.pgx.definitions import DEFAULT_KB, GeneDefinition, NamedAllele, gene_from_dict
from genotailor.pgx.matcher import gene_index, phenotype_call, phenotype_of
from genotailor.pgx.recommendations import load_recommendations, recommend
from genotailor.pgx.rules import CYP2D6_LIMITATION
from genotailor.pgx.run import call_gene, outside_call_result, run_pgx
from test_pgx_genes import GENES, gene_vcf

DATA = Path(__file__).resolve().parent / "data" / "pgx_sources"

G6PD_MED = "Mediterranean, Dallas, Panama, Sassari, Cagliari, Birmingham"  # class II (c.563C>T)
G6PD_A_MINUS = "A- 202A_376G"  # class III
G6PD_CLASS_I = "Guadalajara"  # class I, deficient with CNSHA


@pytest.fixture(scope="module")
def kb():
    return load_recommendations()


def hap(gene, name):
    """The haplotype ({pos: allele}) of a named allele of the committed knowledge base."""
    ix = gene_index(GENES[gene])
    return ix.render(ix.names.index(name))


_VCF_NUMBER = itertools.count()


def call(tmp_path, gene, first, second=None, sex="unknown", haploid=False):
    h1 = hap(gene, first)
    h2 = {} if haploid else hap(gene, second)
    name = f"{gene}-{next(_VCF_NUMBER)}"
    return call_gene(gene, gene_vcf(tmp_path, gene, h1, h2, name=name, haploid=haploid), None, None, sex=sex)


def drug(results, name):
    (r,) = [d for d in results if d["drug"] == name]
    return r


# --- CYP2D6: activity score ---------------------------------------------------------------------


@pytest.mark.parametrize("first, second, phenotype, score", [
    ("*1", "*4", "Intermediate Metabolizer", "1.0"),
    ("*4", "*4", "Poor Metabolizer", "0.0"),
    ("*1", "*2", "Normal Metabolizer", "2.0"),
    ("*1", "*10", "Normal Metabolizer", "1.25"),  # *10: 0.25 since CPIC's 2019 consensus
])
def test_cyp2d6_phenotype_is_the_activity_score_band(tmp_path, first, second, phenotype, score):
    r = call(tmp_path, "CYP2D6", first, second)
    assert (r["status"], r["diplotype"], r["phenotype"], r["activity_score"]) == (
        "called", f"{first}/{second}", phenotype, score)
    assert r["limitations"] == [CYP2D6_LIMITATION]


def test_cyp2d6_allele_without_an_activity_value_gives_no_phenotype(tmp_path):
    r = call(tmp_path, "CYP2D6", "*1", "*22")
    assert (r["status"], r["diplotype"], r["phenotype"], r["activity_score"]) == ("called", "*1/*22", None, None)
    assert r["allele_functions"] == {"*1": "Normal Function", "*22": "Uncertain Function"}
    assert r["reason"] == "no activity value for *22 (Uncertain Function), so no activity score or phenotype for *1/*22"
    assert drug(recommend([r]), "codeine")["status"] == "indeterminate"


def test_cyp2d6_thresholds_are_cpic_2019_at_every_score():
    method = GENES["CYP2D6"].phenotype_method
    values = [0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5]
    alleles = [NamedAllele(f"a{v}", False, {}, "test", str(v)) for v in values]
    gene = GeneDefinition("CYP2D6", "chr22", "GRCh38", "test", [], alleles, {}, method)
    expected = {0.0: "Poor Metabolizer"}
    expected.update({s: "Intermediate Metabolizer" for s in (0.25, 0.5, 0.75, 1.0)})
    expected.update({s: "Normal Metabolizer" for s in (1.25, 1.5, 1.75, 2.0, 2.25)})
    expected.update({s: "Ultrarapid Metabolizer" for s in (2.5, 2.75, 3.0)})
    for a in values:
        for b in values:
            assert phenotype_of(gene, [f"a{a}", f"a{b}"])[0] == expected[a + b], (a, b)


def test_codeine_from_a_vcf_call_of_cyp2d6(tmp_path):
    out = run_pgx(gene_vcf(tmp_path, "CYP2D6", hap("CYP2D6", "*4"), hap("CYP2D6", "*4")), genes=["CYP2D6"])
    (cyp2d6,) = out["pgx"]
    assert (cyp2d6["phenotype"], cyp2d6["limitations"]) == ("Poor Metabolizer", [CYP2D6_LIMITATION])
    codeine = drug(out["drugs"], "codeine")
    assert (codeine["action"], codeine["strength"], codeine["phenotypes"]) == (
        "avoid", "strong", {"CYP2D6": "Poor Metabolizer"})
    assert any(d["drug"] == "codeine" for d in cyp2d6["drugs"])
    vcf = gene_vcf(tmp_path, "CYP2D6", hap("CYP2D6", "*1"), hap("CYP2D6", "*2"), name="nm")
    codeine = drug(run_pgx(vcf, genes=["CYP2D6"])["drugs"], "codeine")
    assert (codeine["action"], codeine["strength"], codeine["phenotypes"]) == (
        "standard", "strong", {"CYP2D6": "Normal Metabolizer"})


def test_cyp2d6_outside_calls_get_the_knowledge_base_phenotype_and_may_say_indeterminate(kb):
    r = outside_call_result({"gene": "CYP2D6", "diplotype": "*1/*4", "method": "lab assay"})
    assert (r["phenotype"], r["activity_score"]) == ("Intermediate Metabolizer", "1.0")
    assert r["notes"] == ["phenotype of the outside diplotype from the knowledge base"]
    # A dedicated caller's "Indeterminate" is a known CYP2D6 term (outside_call_vocabulary).
    stated = outside_call_result({"gene": "CYP2D6", "diplotype": "*1/*5", "method": "lab",
                                  "phenotype": "Indeterminate"})
    codeine = drug(recommend([stated], kb), "codeine")
    assert (codeine["status"], codeine["reason"]) == (
        "indeterminate", "the knowledge base has no recommendation for CYP2D6 Indeterminate")


# --- G6PD -----------------------------------------------------------------------------------------


def test_g6pd_male_hemizygous_deficient_avoids_rasburicase(tmp_path, kb):
    r = call(tmp_path, "G6PD", G6PD_A_MINUS, sex="male", haploid=True)
    assert (r["diplotype"], r["zygosity"], r["phenotype"]) == (G6PD_A_MINUS, "hemizygous", "Deficient")
    assert r["allele_functions"] == {G6PD_A_MINUS: "Class III (Deficient)"}
    for name in ("rasburicase", "pegloticase"):
        d = drug(recommend([r], kb), name)
        assert (d["action"], d["strength"], d["phenotypes"]) == ("avoid", "strong", {"G6PD": "Deficient"})


@pytest.mark.parametrize("allele, phenotype", [
    (G6PD_MED, "Deficient"), (G6PD_CLASS_I, "Deficient with CNSHA"), ("B (reference)", "Normal"),
    ("Cairo", "Indeterminate"),  # pypgx: unknown function
])
def test_g6pd_male_phenotype_follows_the_allele(tmp_path, allele, phenotype):
    # A diploid caller's 1/1 in a male is one hemizygous allele, too.
    r = call(tmp_path, "G6PD", allele, allele, sex="male")
    assert (r["diplotype"], r["phenotype"]) == (allele, phenotype)


def test_g6pd_normal_male_gets_standard_rasburicase(tmp_path, kb):
    r = call(tmp_path, "G6PD", "B (reference)", sex="male", haploid=True)
    assert drug(recommend([r], kb), "rasburicase")["action"] == "standard"


def test_g6pd_female_heterozygous_is_variable_and_homozygous_deficient(tmp_path, kb):
    het = call(tmp_path, "G6PD", G6PD_MED, "B (reference)", sex="female")
    assert (het["diplotype"], het["status"], het["phenotype"]) == (f"B (reference)/{G6PD_MED}", "called", "Variable")
    # Variable: measure enzyme activity before giving the drug.
    assert drug(recommend([het], kb), "rasburicase")["action"] == "monitor"
    hom = call(tmp_path, "G6PD", G6PD_A_MINUS, G6PD_A_MINUS, sex="female")
    assert (hom["diplotype"], hom["phenotype"]) == (f"{G6PD_A_MINUS}/{G6PD_A_MINUS}", "Deficient")
    assert drug(recommend([hom], kb), "rasburicase")["action"] == "avoid"
    both = call(tmp_path, "G6PD", G6PD_CLASS_I, G6PD_CLASS_I, sex="female")
    assert both["phenotype"] == "Deficient with CNSHA"
    mixed = call(tmp_path, "G6PD", G6PD_CLASS_I, G6PD_MED, sex="female")
    assert mixed["phenotype"] == "Deficient"


# --- RYR1 and IFNL3 -------------------------------------------------------------------------------


def test_ryr1_causative_variant_gives_susceptibility_and_avoids_volatile_anaesthetics(tmp_path, kb):
    ryr1 = call(tmp_path, "RYR1", "c.7300G>A", "Reference")
    assert (ryr1["diplotype"], ryr1["phenotype"]) == ("Reference/c.7300G>A", "Malignant Hyperthermia Susceptibility")
    assert ryr1["allele_functions"]["c.7300G>A"] == "Malignant Hyperthermia Associated"
    cacna1s = call(tmp_path, "CACNA1S", "Reference", "Reference")
    results = recommend([ryr1, cacna1s], kb)
    for name in ("desflurane", "sevoflurane", "succinylcholine"):
        assert (drug(results, name)["action"], drug(results, name)["strength"]) == ("avoid", "strong")


def test_ryr1_reference_is_uncertain_susceptibility(tmp_path, kb):
    ryr1 = call(tmp_path, "RYR1", "Reference", "Reference")
    assert (ryr1["phenotype"], ryr1["notes"]) == ("Uncertain Susceptibility", [])
    cacna1s = call(tmp_path, "CACNA1S", "Reference", "Reference")
    assert drug(recommend([ryr1, cacna1s], kb), "desflurane")["action"] == "standard"


def test_ryr1_allele_of_no_stated_function_is_uncertain_with_a_note(tmp_path):
    r = call(tmp_path, "RYR1", "c.38T>G", "Reference")
    assert (r["phenotype"], r["allele_functions"]["c.38T>G"]) == ("Uncertain Susceptibility", None)
    (note,) = r["notes"]
    assert note.startswith("c.38T>G: no allele function in the knowledge base") and "not that this variant" in note


def test_ifnl3_rs12979860_ct_is_unfavorable(tmp_path, kb):
    r = call(tmp_path, "IFNL3", "rs12979860 reference (C)", "rs12979860 variant (T)")
    assert r["phenotype"] == "Unfavorable response genotype"
    # No drug rule uses IFNL3 (CPIC retired the peginterferon guideline): the gene is reported alone.
    assert recommend([r], kb) == []
    cc = call(tmp_path, "IFNL3", "rs12979860 reference (C)", "rs12979860 reference (C)")
    assert cc["phenotype"] == "Favorable response genotype"
    tt = call(tmp_path, "IFNL3", "rs12979860 variant (T)", "rs12979860 variant (T)")
    assert tt["phenotype"] == "Unfavorable response genotype"


# --- CYP4F2 ---------------------------------------------------------------------------------------


def test_cyp4f2_reason_says_cpic_defines_no_phenotype(tmp_path):
    r = call(tmp_path, "CYP4F2", "*1", "*3")
    assert (r["status"], r["diplotype"], r["phenotype"]) == ("called", "*1/*3", None)
    assert r["reason"].startswith("CPIC defines no phenotype for CYP4F2; drug rules use carriage of its alleles")
    assert "phenotype table" not in r["reason"]
    assert set(r["allele_functions"].values()) == {None}  # no source states CYP4F2 allele functions


# --- the drug-rule vocabulary ---------------------------------------------------------------------


def test_outside_call_vocabulary_may_not_repeat_knowledge_base_terms(tmp_path):
    entry = {"drug": "codeine", "genes": ["CYP2D6"], "cpic_level": "A", "guideline": "https://cpicpgx.org/x/",
             "pmid": [33387367], "rules": [{"when": {"CYP2D6": {"phenotype": ["Poor Metabolizer"]}},
                                            "action": "avoid", "strength": "strong", "note": "x"}]}
    path = tmp_path / "recs.yaml"
    doc = {"schema_version": 1, "drugs": [entry],
           "outside_call_vocabulary": {"CYP2D6": {"phenotypes": ["Poor Metabolizer", "Indeterminate"]}}}
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    with pytest.raises(InputError, match="CYP2D6: the gene knowledge base already gives Poor Metabolizer"):
        load_recommendations(path)
    doc["outside_call_vocabulary"]["CYP2D6"]["phenotypes"] = ["Indeterminate"]
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    (codeine,) = load_recommendations(path)
    assert codeine.vocab.phenotypes["CYP2D6"] == {"Poor Metabolizer", "Intermediate Metabolizer",
                                                  "Normal Metabolizer", "Ultrarapid Metabolizer", "Indeterminate"}


def test_drug_rule_vocabulary_takes_terms_from_the_phenotype_methods(kb):
    vocab = kb[0].vocab
    assert vocab.phenotypes["G6PD"] == {"Normal", "Variable", "Deficient", "Deficient with CNSHA", "Indeterminate"}
    assert vocab.phenotypes["RYR1"] == {"Malignant Hyperthermia Susceptibility", "Uncertain Susceptibility"}
    assert "CYP4F2" not in vocab.phenotypes and "*3" in vocab.alleles["CYP4F2"]


# --- the knowledge base and its builder -----------------------------------------------------------


def test_phenotype_methods_are_compact():
    for gene in ("CYP2D6", "G6PD", "RYR1", "IFNL3", "CYP4F2"):
        doc = json.loads((DEFAULT_KB / "genes" / f"{gene}.json").read_text())
        assert doc["phenotypes"] == {} and doc["phenotype_method"]["kind"], gene
        assert gene_from_dict(doc).phenotype_method == doc["phenotype_method"]
    assert len(GENES["G6PD"].phenotype_method["table"]) == 20  # 5 functions: 5 single + 15 pairs


def test_committed_manifest_records_sources_and_the_check_against_pypgx():
    versions = json.loads((DEFAULT_KB / "manifest.json").read_text())["versions"]
    g6pd = versions["G6PD"]["phenotypes_from"]
    assert (g6pd["source"], g6pd["licence"], g6pd["method"]) == ("pypgx", "MIT", "function_pair")
    assert len(g6pd["files"]["diplotype-table.csv"]) == 64
    check = g6pd["check_against_pypgx_diplotypes"]
    assert (check["pypgx_diplotypes"], check["compared"], check["same_phenotype"]) == (17765, 17577, 17216)
    # Every disagreement is a diplotype with one of the two alleles pypgx's allele table calls
    # "Unknown Function" although its diplotype rows treat them as deficient: the rule keeps the
    # stated function (Indeterminate).
    assert check["every_disagreement_involves_one_of"] == ["Cairo", "No name"]
    ryr1 = versions["RYR1"]["phenotypes_from"]["check_against_pypgx_diplotypes"]
    assert ryr1["compared"] == ryr1["same_phenotype"] == 1225
    ifnl3 = versions["IFNL3"]
    assert ifnl3["allele_functions_from"]["source"] == "PharmCAT phenotype file"
    assert ifnl3["phenotypes_from"]["check_against_pypgx_diplotypes"]["same_phenotype"] == 3
    assert versions["CYP2D6"]["allele_functions_from"]["matched_by_name"] == 125
    assert versions["CYP4F2"]["phenotypes_from"]["source"] is None
    assert versions["CYP2C9"]["phenotypes_from"]["source"] == "PharmCAT phenotype file"


def _build(out):
    return main(["kb-build-pgx", "--definitions", str(DATA / "definitions"), "--phenotypes",
                 str(DATA / "phenotypes"), "--pypgx", str(DATA / "pypgx"), "--out", str(out)])


def _pypgx_pair(diplotype, names):
    (pair,) = [(diplotype[:i], diplotype[i + 1:]) for i, c in enumerate(diplotype)
               if c == "/" and diplotype[:i] in names and diplotype[i + 1:] in names]
    return pair


def test_builder_takes_pypgx_facts_and_its_g6pd_rule_reproduces_pypgx(tmp_path):
    assert _build(tmp_path / "a") == 0
    genes = {g: gene_from_dict(json.loads((tmp_path / "a" / "genes" / f"{g}.json").read_text()))
             for g in ("CYP2D6", "CYP4F2", "G6PD", "IFNL3", "RYR1")}
    g6pd = genes["G6PD"]
    functions = {a.name: a.function for a in g6pd.alleles}
    assert functions[G6PD_MED] == "Class II (Deficient)" and functions["Cairo"] == "Unknown Function"
    assert {a.name: a.activity_value for a in genes["CYP2D6"].alleles} == {
        "*1": "1.0", "*2": "1.0", "*4": "0.0", "*10": "0.25", "*22": None}
    assert genes["RYR1"].allele("c.7042_7044delGAG").function == "Malignant Hyperthermia Associated"  # by variants
    assert genes["RYR1"].allele("c.38T>G").function is None  # pypgx does not list it
    assert genes["CYP4F2"].phenotype_method["kind"] == "none"

    # Every G6PD diplotype of the excerpt of pypgx's table whose alleles are in the definitions,
    # compared independently of the builder's own check.
    with open(DATA / "pypgx" / "allele-table.csv", newline="") as fh:
        names = {r["StarAllele"] for r in csv.DictReader(fh) if r["Gene"] == "G6PD"}
    by_variants = {"Mediterranean Haplotype": G6PD_MED}  # the same single variant, c.563C>T
    same, differ, skipped = 0, [], 0
    with open(DATA / "pypgx" / "diplotype-table.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["Gene"] != "G6PD":
                continue
            pair = [by_variants.get(n, n) for n in _pypgx_pair(row["Diplotype"], names) if n != "MALE"]
            if any(n not in functions for n in pair):
                skipped += 1  # Villeurbanne: not in the definitions
                continue
            if phenotype_of(g6pd, pair)[0] == row["Phenotype"].removeprefix("G6PD "):
                same += 1
            else:
                differ.append(pair)
    assert (same, len(differ), skipped) == (46, 19, 12)
    assert all({"Cairo", "No name"} & set(pair) for pair in differ)

    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    check = manifest["versions"]["G6PD"]["phenotypes_from"]["check_against_pypgx_diplotypes"]
    assert (check["compared"], check["same_phenotype"], check["different_phenotype"]) == (65, 46, 19)
    sha = hashlib.sha256((DATA / "pypgx" / "diplotype-table.csv").read_bytes()).hexdigest()
    assert manifest["versions"]["RYR1"]["phenotypes_from"]["files"]["diplotype-table.csv"] == sha
    assert manifest["versions"]["RYR1"]["phenotypes_from"]["check_against_pypgx_diplotypes"]["same_phenotype"] == 10

    # Deterministic: a second build writes the same bytes.
    assert _build(tmp_path / "b") == 0
    for f in sorted((tmp_path / "a").rglob("*")):
        if f.is_file():
            assert f.read_bytes() == (tmp_path / "b" / f.relative_to(tmp_path / "a")).read_bytes(), f.name


def test_builder_without_pypgx_leaves_those_genes_without_phenotypes(tmp_path):
    assert main(["kb-build-pgx", "--definitions", str(DATA / "definitions"), "--phenotypes",
                 str(DATA / "phenotypes"), "--out", str(tmp_path)]) == 0
    g6pd = json.loads((tmp_path / "genes" / "G6PD.json").read_text())
    assert "phenotype_method" not in g6pd and {a["function"] for a in g6pd["alleles"]} == {None}
    r = phenotype_call(gene_from_dict(g6pd), ["B (reference)"])
    assert (r.phenotype, r.reason) == (None, "the knowledge base has no phenotype table for G6PD")
