"""CPIC drug recommendations: the knowledge base loads and validates, and gene results map to
the guideline's action for each drug, including ambiguous calls, missing genes and outside calls."""

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from genotailor.core.errors import InputError
from genotailor.pgx.recommendations import (
    ACTIONS,
    DEFAULT_PATH,
    STRENGTHS,
    attach_to_genes,
    load_recommendations,
    recommend,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def kb():
    return load_recommendations()


def vcf_gene(gene, diplotype, phenotype=None, activity=None, status="called", alternatives=()):
    return {
        "gene": gene,
        "status": status,
        "diplotype": diplotype,
        "phenotype": phenotype,
        "activity_score": activity,
        "alternatives": [dict(a) for a in alternatives],
        "source": "vcf",
        "drugs": [],
    }


def outside(gene, diplotype, phenotype=None):
    return {"gene": gene, "status": "called", "diplotype": diplotype, "phenotype": phenotype,
            "activity_score": None, "alternatives": [], "source": "outside_call", "drugs": []}


def missing(gene, status="not_assessed"):
    return {"gene": gene, "status": status, "diplotype": None, "phenotype": None, "activity_score": None,
            "alternatives": [], "source": "vcf", "drugs": []}


def drug(results, name):
    found = [r for r in results if r["drug"] == name]
    assert len(found) == 1, f"{name} not in {[r['drug'] for r in results]}"
    return found[0]


# --- the knowledge base -----------------------------------------------------------------------

def test_knowledge_base_covers_at_least_25_drugs_with_sources(kb):
    names = [d.drug for d in kb]
    assert len(names) >= 25
    assert len(set(names)) == len(names)
    for required in ("clopidogrel", "voriconazole", "citalopram", "escitalopram", "amitriptyline", "omeprazole",
                     "lansoprazole", "pantoprazole", "warfarin", "azathioprine", "mercaptopurine", "thioguanine",
                     "fluorouracil", "capecitabine", "simvastatin", "atorvastatin", "rosuvastatin", "tacrolimus",
                     "phenytoin", "fosphenytoin", "celecoxib", "ibuprofen", "meloxicam", "efavirenz", "atazanavir",
                     "ivacaftor", "rasburicase", "codeine", "tramadol", "ondansetron", "tamoxifen", "abacavir",
                     "allopurinol", "carbamazepine", "gentamicin", "succinylcholine", "sevoflurane"):
        assert required in names
    multi_gene = {d.drug for d in kb if len(d.genes) > 1}
    assert {"warfarin", "azathioprine", "amitriptyline", "phenytoin", "rosuvastatin", "carbamazepine"} <= multi_gene
    for d in kb:
        if d.source == "fda_label":
            assert d.guideline.startswith("https://dailymed.nlm.nih.gov/"), d.drug
        else:
            assert d.guideline.startswith("https://cpicpgx.org/guidelines/"), d.drug
            assert d.pmids and all(p.isdigit() for p in d.pmids), d.drug
        assert d.rules
        for r in d.rules:
            assert r.action in ACTIONS and r.strength in STRENGTHS and r.note


def test_yaml_header_states_sources_and_version():
    head = DEFAULT_PATH.read_text().split("\nschema_version")[0]
    assert "https://cpicpgx.org/" in head
    assert "own categorisation" in head
    assert "Compiled 2026-11-28" in head
    assert "source: fda_label" in head and "not a CPIC grade" in head


def _write(tmp_path, drugs, vocabulary=None):
    doc = {"schema_version": 1, "drugs": drugs}
    if vocabulary:
        doc["outside_call_vocabulary"] = vocabulary
    path = tmp_path / "recs.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def _clopidogrel(phenotype="Poor Metabolizer", action="use_alternative"):
    return {"drug": "clopidogrel", "genes": ["CYP2C19"], "cpic_level": "A",
            "guideline": "https://cpicpgx.org/guidelines/guideline-for-clopidogrel-and-cyp2c19/",
            "pmid": [35034351],
            "rules": [{"when": {"CYP2C19": {"phenotype": [phenotype]}}, "action": action,
                       "strength": "strong", "note": "Use another antiplatelet drug."}]}


def test_validation_rejects_an_unknown_phenotype_with_file_and_entry(tmp_path):
    path = _write(tmp_path, [_clopidogrel("Poor Metaboliser")])
    with pytest.raises(InputError) as e:
        load_recommendations(path)
    assert str(e.value) == (
        f"{path}: drug 'clopidogrel' rule 1: CYP2C19 phenotype 'Poor Metaboliser' is not in the vocabulary "
        "(known: Indeterminate, Intermediate Metabolizer, Likely Intermediate Metabolizer, Likely Poor Metabolizer, "
        "Normal Metabolizer, Poor Metabolizer, Rapid Metabolizer, Ultrarapid Metabolizer)"
    )


def test_validation_rejects_unknown_actions_genes_and_alleles(tmp_path):
    bad_action = _clopidogrel(action="switch")
    unknown_gene = dict(_clopidogrel(), drug="mystery", genes=["NOPE1"])
    unknown_allele = {"drug": "abacavir", "genes": ["HLA-B"], "cpic_level": "A",
                      "guideline": "https://cpicpgx.org/x/", "pmid": [24561393],
                      "rules": [{"when": {"HLA-B": {"carries": ["*57:99"]}}, "action": "avoid",
                                 "strength": "strong", "note": "x"}]}
    path = _write(tmp_path, [bad_action, unknown_gene, unknown_allele], {"HLA-B": {"alleles": ["*57:01"]}})
    with pytest.raises(InputError) as e:
        load_recommendations(path)
    text = str(e.value)
    assert text.startswith(f"{path}: 4 problems")
    assert "drug 'clopidogrel' rule 1: action 'switch' is not one of standard, reduce_dose" in text
    assert "drug 'mystery': gene NOPE1 has no phenotype vocabulary" in text
    assert "drug 'abacavir' rule 1: HLA-B allele '*57:99' is not a known allele of the gene" in text


def test_validation_rejects_an_activity_score_the_gene_does_not_have(tmp_path):
    entry = {"drug": "fluorouracil", "genes": ["DPYD"], "cpic_level": "A", "guideline": "https://cpicpgx.org/x/",
             "pmid": [29152729], "rules": [{"when": {"DPYD": {"activity_score": {"min": 3, "max": 4}}},
                                            "action": "standard", "strength": "strong", "note": "x"}]}
    with pytest.raises(InputError, match=r"DPYD activity_score \[3, 4\] matches no activity score"):
        load_recommendations(_write(tmp_path, [entry]))


def _siponimod(**changes):
    entry = {"drug": "siponimod", "genes": ["CYP2C9"], "source": "fda_label",
             "guideline": "https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid=x",
             "rules": [{"when": {"CYP2C9": {"diplotype": ["*3/*3"]}}, "action": "avoid", "strength": "label",
                        "note": "Contraindicated."}]}
    entry.update(changes)
    return {k: v for k, v in entry.items() if v is not None}


def test_a_drug_label_entry_loads_without_cpic_level_or_pmids(tmp_path):
    (d,) = load_recommendations(_write(tmp_path, [_siponimod()]))
    assert (d.source, d.cpic_level, d.pmids, d.rules[0].strength) == ("fda_label", "", (), "label")
    r = drug(recommend([vcf_gene("CYP2C9", "*3/*3")], [d]), "siponimod")
    assert (r["action"], r["strength"], r["source"], r["cpic_level"]) == ("avoid", "label", "FDA drug label", None)


def test_validation_rejects_an_unknown_source(tmp_path):
    path = _write(tmp_path, [dict(_clopidogrel(), source="ema_label")])
    with pytest.raises(InputError) as e:
        load_recommendations(path)
    assert str(e.value) == f"{path}: drug 'clopidogrel': source 'ema_label' is not one of cpic, fda_label"


def test_validation_keeps_label_entries_and_cpic_grades_apart(tmp_path):
    with_level = _siponimod(cpic_level="A")
    cpic_strength = dict(_siponimod(drug="siponimod-b"))
    cpic_strength["rules"] = [dict(cpic_strength["rules"][0], strength="strong")]
    cpic_with_label = _clopidogrel()
    cpic_with_label["rules"] = [dict(cpic_with_label["rules"][0], strength="label")]
    no_level = {k: v for k, v in _clopidogrel().items() if k != "cpic_level"}
    no_level["drug"] = "clopidogrel-b"
    path = _write(tmp_path, [with_level, cpic_strength, cpic_with_label, no_level])
    with pytest.raises(InputError) as e:
        load_recommendations(path)
    assert str(e.value) == (
        f"{path}: 4 problems\n"
        "  - drug 'siponimod': 'cpic_level' is a CPIC grade; a drug-label entry (source fda_label) has none\n"
        "  - drug 'siponimod-b' rule 1: strength 'strong' is a CPIC grade; rules of a drug-label entry have "
        "strength 'label'\n"
        "  - drug 'clopidogrel' rule 1: strength 'label' is for drug-label entries (source fda_label); "
        "give CPIC's strength\n"
        "  - drug 'clopidogrel-b': 'cpic_level' is required")


def test_label_strength_sits_after_the_cpic_grades():
    # `label` is not on CPIC's scale; it is last so CPIC's grades keep their order (strongest first).
    assert STRENGTHS[:4] == ("strong", "moderate", "optional", "no_recommendation")
    assert STRENGTHS[-1] == "label"


# --- single-gene drugs ------------------------------------------------------------------------

@pytest.mark.parametrize("diplotype,phenotype,action,strength,status", [
    ("*2/*2", "Poor Metabolizer", "use_alternative", "strong", "actionable"),
    ("*1/*2", "Intermediate Metabolizer", "use_alternative", "strong", "actionable"),
    ("*17/*17", "Ultrarapid Metabolizer", "standard", "strong", "standard"),
    ("*1/*1", "Normal Metabolizer", "standard", "strong", "standard"),
])
def test_clopidogrel_follows_cyp2c19_phenotype(kb, diplotype, phenotype, action, strength, status):
    r = drug(recommend([vcf_gene("CYP2C19", diplotype, phenotype)], kb), "clopidogrel")
    assert (r["action"], r["strength"], r["status"]) == (action, strength, status)
    assert r["guideline"] == "https://cpicpgx.org/guidelines/guideline-for-clopidogrel-and-cyp2c19/"
    assert "35034351" in r["pmid"]
    assert r["phenotypes"] == {"CYP2C19": phenotype}


def test_cyp2c19_poor_metabolizer_across_drugs(kb):
    results = recommend([vcf_gene("CYP2C19", "*2/*2", "Poor Metabolizer")], kb)
    assert drug(results, "voriconazole")["action"] == "use_alternative"
    assert (drug(results, "citalopram")["action"], drug(results, "citalopram")["dose_factor"]) == (
        "consider_alternative", 0.5)
    assert (drug(results, "omeprazole")["action"], drug(results, "omeprazole")["strength"]) == (
        "reduce_dose", "moderate")
    # amitriptyline also needs CYP2D6, which was not given: CPIC's answer from CYP2C19 alone
    ami = drug(results, "amitriptyline")
    assert (ami["action"], ami["dose_factor"], ami["strength"]) == ("avoid", 0.5, "moderate")
    assert ami["reason"].startswith("CYP2D6 not assessed")
    assert drug(results, "amitriptyline")["reason"] == ("CYP2D6 not assessed; this is the guideline's recommendation for "
                                                         "a patient not tested for it")
    # only drugs involving CYP2C19 are listed
    assert all("CYP2C19" in r["genes"] for r in results)
    assert [r["drug"] for r in results] == sorted(r["drug"] for r in results)


@pytest.mark.parametrize("activity,action,dose,strength", [
    ("2.0", "standard", None, "strong"),
    ("1.5", "reduce_dose", 0.5, "moderate"),
    ("1.0", "reduce_dose", 0.5, "strong"),
    ("0.5", "avoid", None, "strong"),
    ("0.0", "avoid", None, "strong"),
])
def test_fluoropyrimidines_follow_dpyd_activity_score(kb, activity, action, dose, strength):
    phenotype = {"2.0": "Normal Metabolizer", "1.5": "Intermediate Metabolizer", "1.0": "Intermediate Metabolizer"}
    results = recommend([vcf_gene("DPYD", "*1/*2A", phenotype.get(activity, "Poor Metabolizer"), activity)], kb)
    for name in ("fluorouracil", "capecitabine"):
        r = drug(results, name)
        assert (r["action"], r["dose_factor"], r["strength"]) == (action, dose, strength)
        assert r["phenotypes"] == {"DPYD": activity}


def test_dpyd_numeric_activity_score_is_accepted(kb):
    r = drug(recommend([vcf_gene("DPYD", "*1/*2A", "Intermediate Metabolizer", 1)], kb), "fluorouracil")
    assert (r["action"], r["dose_factor"]) == ("reduce_dose", 0.5)


def test_simvastatin_with_slco1b1_poor_function(kb):
    results = recommend([vcf_gene("SLCO1B1", "*5/*5", "Poor Function")], kb)
    sim = drug(results, "simvastatin")
    assert (sim["action"], sim["strength"]) == ("use_alternative", "strong")
    ator = drug(results, "atorvastatin")
    assert (ator["action"], ator["strength"]) == ("reduce_dose", "moderate")
    # CPIC gives rosuvastatin a recommendation on SLCO1B1 alone when ABCG2 has no result
    rosu = drug(results, "rosuvastatin")
    assert (rosu["action"], rosu["strength"]) == ("reduce_dose", "moderate")
    assert rosu["reason"] == "ABCG2 not assessed; the recommendation does not use it"


def test_tacrolimus_cyp3a5_expresser_needs_a_higher_dose(kb):
    r = drug(recommend([vcf_gene("CYP3A5", "*1/*1", "Normal Metabolizer")], kb), "tacrolimus")
    assert (r["action"], r["dose_factor"], r["strength"]) == ("increase_dose", [1.5, 2.0], "strong")
    r = drug(recommend([vcf_gene("CYP3A5", "*3/*3", "Poor Metabolizer")], kb), "tacrolimus")
    assert (r["action"], r["status"]) == ("standard", "standard")


def test_a_phenotype_without_a_rule_is_indeterminate(kb):
    r = drug(recommend([vcf_gene("CYP3A5", "*3/*8", "Indeterminate")], kb), "tacrolimus")
    assert r["status"] == "indeterminate"
    assert r["action"] == "undetermined"
    assert r["reason"] == "the knowledge base has no recommendation for CYP3A5 Indeterminate"


def test_nsaids_follow_cyp2c9_activity_score(kb):
    results = recommend([vcf_gene("CYP2C9", "*3/*3", "Poor Metabolizer", "0.0")], kb)
    assert (drug(results, "celecoxib")["action"], drug(results, "celecoxib")["dose_factor"]) == (
        "reduce_dose", [0.25, 0.5])
    assert drug(results, "meloxicam")["action"] == "use_alternative"


# --- multi-gene drugs -------------------------------------------------------------------------

def test_thiopurines_take_the_more_severe_of_tpmt_and_nudt15(kb):
    results = recommend([vcf_gene("TPMT", "*1/*1", "Normal Metabolizer"),
                         vcf_gene("NUDT15", "*3/*3", "Poor Metabolizer")], kb)
    aza = drug(results, "azathioprine")
    assert (aza["action"], aza["strength"]) == ("consider_alternative", "strong")
    mp = drug(results, "mercaptopurine")
    assert (mp["action"], mp["strength"], mp["dose_factor"]) == ("reduce_dose", "strong", None)
    assert "10 mg/m2" in mp["note"]
    tg = drug(results, "thioguanine")
    assert (tg["action"], tg["dose_factor"]) == ("reduce_dose", 0.25)
    assert aza["phenotypes"] == {"TPMT": "Normal Metabolizer", "NUDT15": "Poor Metabolizer"}


def test_thiopurines_intermediate_and_normal(kb):
    results = recommend([vcf_gene("TPMT", "*1/*3A", "Intermediate Metabolizer"),
                         vcf_gene("NUDT15", "*1/*1", "Normal Metabolizer")], kb)
    assert drug(results, "mercaptopurine")["dose_factor"] == [0.3, 0.8]
    assert (drug(results, "thioguanine")["dose_factor"], drug(results, "thioguanine")["strength"]) == (
        [0.5, 0.8], "moderate")
    results = recommend([vcf_gene("TPMT", "*1/*1", "Normal Metabolizer"),
                         vcf_gene("NUDT15", "*1/*1", "Normal Metabolizer")], kb)
    assert drug(results, "azathioprine")["action"] == "standard"


def test_tpmt_poor_decides_even_without_nudt15_but_normal_does_not(kb):
    r = drug(recommend([vcf_gene("TPMT", "*3A/*3A", "Poor Metabolizer"), missing("NUDT15")], kb), "mercaptopurine")
    assert (r["action"], r["dose_factor"], r["status"]) == ("reduce_dose", 0.1, "actionable")
    # a normal TPMT without NUDT15 is no reason for the usual dose: CPIC says monitor closely
    r = drug(recommend([vcf_gene("TPMT", "*1/*1", "Normal Metabolizer"), missing("NUDT15")], kb), "mercaptopurine")
    assert (r["status"], r["action"], r["strength"]) == ("actionable", "monitor", "strong")
    assert r["reason"].startswith("NUDT15 not assessed")


def test_warfarin_uses_a_genotype_guided_algorithm(kb):
    genes = [vcf_gene("CYP2C9", "*1/*3", "Intermediate Metabolizer", "1.0"),
             vcf_gene("VKORC1", "rs9923231 reference (C)/rs9923231 variant (T)", "-1639 AG"),
             vcf_gene("CYP4F2", "*1/*3")]
    r = drug(recommend(genes, kb), "warfarin")
    assert (r["action"], r["dose_factor"], r["strength"], r["status"]) == ("monitor", None, "strong", "actionable")
    assert "algorithm" in r["note"] and "CYP4F2 rs2108622 T (the *3 variant)" in r["note"]
    assert r["diplotypes"]["CYP2C9"] == "*1/*3" and r["diplotypes"]["CYP4F2"] == "*1/*3"
    # CYP4F2 is optional: without it the algorithm still applies
    r = drug(recommend(genes[:2], kb), "warfarin")
    assert r["action"] == "monitor" and "CYP4F2" not in r["note"]
    assert r["reason"] == "CYP4F2 not assessed; the recommendation does not use it"


def test_warfarin_without_vkorc1_is_not_assessed(kb):
    r = drug(recommend([vcf_gene("CYP2C9", "*1/*1", "Normal Metabolizer", "2.0")], kb), "warfarin")
    assert (r["status"], r["action"], r["reason"]) == ("not_assessed", "undetermined", "VKORC1 not assessed")
    r = drug(recommend([vcf_gene("CYP2C9", "*1/*1", "Normal Metabolizer", "2.0"),
                        missing("VKORC1", "not_called")], kb), "warfarin")
    assert (r["status"], r["reason"]) == ("not_assessed", "VKORC1 not called")


def test_warfarin_needs_an_unambiguous_genotype(kb):
    genes = [vcf_gene("CYP2C9", "*1/*1", None, None, status="ambiguous",
                      alternatives=[{"diplotype": "*1/*2", "phenotype": "Intermediate Metabolizer"}]),
             vcf_gene("VKORC1", "x/y", "-1639 GG")]
    r = drug(recommend(genes, kb), "warfarin")
    assert r["status"] == "indeterminate"
    assert "ambiguous" in r["reason"]


def test_amitriptyline_combines_cyp2d6_and_cyp2c19(kb):
    r = drug(recommend([outside("CYP2D6", "*4/*4", "Poor Metabolizer"),
                        vcf_gene("CYP2C19", "*1/*1", "Normal Metabolizer")], kb), "amitriptyline")
    assert (r["action"], r["strength"], r["dose_factor"]) == ("avoid", "strong", 0.5)
    r = drug(recommend([outside("CYP2D6", "*1/*1", "Normal Metabolizer"),
                        vcf_gene("CYP2C19", "*1/*2", "Intermediate Metabolizer")], kb), "amitriptyline")
    assert (r["action"], r["status"]) == ("standard", "standard")


# --- outside calls ----------------------------------------------------------------------------

def test_hla_b_5701_carrier_must_not_get_abacavir(kb):
    r = drug(recommend([outside("HLA-B", "*57:01/*08:01")], kb), "abacavir")
    assert (r["action"], r["strength"], r["status"]) == ("avoid", "strong", "actionable")
    assert drug(recommend([outside("HLA-B", "HLA-B*57:01:01/HLA-B*44:02")], kb), "abacavir")["action"] == "avoid"
    assert drug(recommend([outside("HLA-B", "*08:01/*44:02")], kb), "abacavir")["action"] == "standard"
    assert drug(recommend([outside("HLA-B", "*57:01 negative")], kb), "abacavir")["action"] == "standard"


def test_unreadable_hla_result_is_indeterminate_not_standard(kb):
    r = drug(recommend([outside("HLA-B", "see lab report")], kb), "abacavir")
    assert r["status"] == "indeterminate"
    assert "does not say whether *57:01 is present" in r["reason"]
    # a statement about another allele says nothing about *58:01
    assert drug(recommend([outside("HLA-B", "*57:01 negative")], kb), "allopurinol")["status"] == "indeterminate"


def test_carbamazepine_hla_b_1502_decides_without_hla_a(kb):
    r = drug(recommend([outside("HLA-B", "*15:02/*40:01")], kb), "carbamazepine")
    assert (r["action"], r["strength"]) == ("avoid", "strong")
    r = drug(recommend([outside("HLA-B", "*40:01/*46:01")], kb), "carbamazepine")
    assert r["action"] == "standard" and "HLA-A*31:01 was not tested" in r["note"]
    assert r["reason"] == "HLA-A not assessed; the recommendation does not use it"
    r = drug(recommend([outside("HLA-B", "*40:01/*46:01"), outside("HLA-A", "*31:01/*02:01")], kb), "carbamazepine")
    assert r["action"] == "avoid"


def test_codeine_uses_the_outside_cyp2d6_phenotype(kb):
    results = recommend([outside("CYP2D6", "*1/*1xN", "Ultrarapid Metabolizer")], kb)
    assert (drug(results, "codeine")["action"], drug(results, "codeine")["strength"]) == ("avoid", "strong")
    assert drug(results, "tramadol")["action"] == "avoid"
    assert drug(results, "ondansetron")["action"] == "use_alternative"
    # An outside diplotype without a phenotype gets the knowledge base's (activity score 1.0) ...
    r = drug(recommend([outside("CYP2D6", "*1/*4")], kb), "codeine")
    assert (r["action"], r["phenotypes"]) == ("standard", {"CYP2D6": "Intermediate Metabolizer"})
    # ... but not for alleles it has no activity value for (*1x2: a duplication, not in it).
    r = drug(recommend([outside("CYP2D6", "*1/*1x2")], kb), "codeine")
    assert (r["status"], r["reason"]) == ("indeterminate", "CYP2D6 phenotype is not available")
    r = drug(recommend([outside("CYP2D6", "*4/*4", "PM")], kb), "codeine")
    assert (r["status"], r["reason"]) == ("indeterminate", "CYP2D6 phenotype 'PM' is not a recognised phenotype term")


def test_phenytoin_without_hla_b_doses_by_cyp2c9_and_with_hla_b_follows_it(kb):
    cyp2c9 = vcf_gene("CYP2C9", "*3/*3", "Poor Metabolizer", "0.0")
    r = drug(recommend([cyp2c9], kb), "phenytoin")
    assert (r["action"], r["dose_factor"], r["strength"]) == ("reduce_dose", 0.5, "strong")
    assert r["reason"] == "HLA-B not assessed; this is the guideline's recommendation for a patient not tested for it"
    r = drug(recommend([cyp2c9, outside("HLA-B", "*40:01/*46:01")], kb), "phenytoin")
    assert (r["action"], r["dose_factor"], r["strength"]) == ("reduce_dose", 0.5, "strong")
    r = drug(recommend([cyp2c9, outside("HLA-B", "*15:02/*46:01")], kb), "fosphenytoin")
    assert r["action"] == "avoid"


def test_aminoglycosides_and_mt_rnr1(kb):
    r = drug(recommend([outside("MT-RNR1", "m.1555A>G")], kb), "gentamicin")
    assert (r["action"], r["strength"]) == ("avoid", "strong")
    r = drug(recommend([outside("MT-RNR1", "reference", "normal risk of aminoglycoside-induced hearing loss")], kb),
             "amikacin")
    assert r["action"] == "standard"


# --- ambiguous calls --------------------------------------------------------------------------

def test_ambiguous_call_with_alternatives_of_different_action_is_indeterminate(kb):
    g = vcf_gene("CYP2C19", "*1/*1", None, status="ambiguous",
                 alternatives=[{"diplotype": "*1/*2", "phenotype": "Intermediate Metabolizer", "score": 1}])
    r = drug(recommend([g], kb), "clopidogrel")
    assert (r["status"], r["action"]) == ("indeterminate", "undetermined")
    assert r["reason"] == "CYP2C19 call is ambiguous and the alternatives imply different actions"
    # the headline phenotype comes from the gene knowledge base when the engine leaves it empty
    assert r["phenotypes"] == {"CYP2C19": "Normal Metabolizer or Intermediate Metabolizer"}


def test_ambiguous_call_whose_alternatives_agree_is_used(kb):
    g = vcf_gene("CYP2C19", "*1/*2", "Intermediate Metabolizer", status="ambiguous",
                 alternatives=[{"diplotype": "*2/*2", "phenotype": "Poor Metabolizer", "score": 1}])
    r = drug(recommend([g], kb), "clopidogrel")
    assert (r["action"], r["status"], r["strength"]) == ("use_alternative", "actionable", "strong")
    assert r["reason"] == "CYP2C19 call is ambiguous; all alternatives lead to the same action"
    # omeprazole: intermediate (optional) and poor (moderate) agree on the action
    r = drug(recommend([g], kb), "omeprazole")
    assert (r["action"], r["dose_factor"]) == ("reduce_dose", 0.5)
    assert r["strength"] == "optional"  # the weaker of the alternatives' strengths
    assert drug(recommend([g], kb), "voriconazole")["status"] == "indeterminate"


def test_ambiguous_call_with_unlisted_alternatives_is_indeterminate(kb):
    g = vcf_gene("CYP2C19", "*1/*2", "Intermediate Metabolizer", status="ambiguous",
                 alternatives=[{"diplotype": "*2/*2", "phenotype": "Poor Metabolizer", "score": 1}])
    g["alternatives_total"] = 5
    r = drug(recommend([g], kb), "clopidogrel")
    assert (r["status"], r["reason"]) == (
        "indeterminate", "CYP2C19 call is ambiguous and not all alternatives are listed")


def test_ambiguous_activity_scores_come_from_the_gene_knowledge_base(kb):
    g = vcf_gene("CYP2C9", "*1/*1", "Normal Metabolizer", "2.0", status="ambiguous",
                 alternatives=[{"diplotype": "*1/*3", "phenotype": "Intermediate Metabolizer", "score": 2}])
    r = drug(recommend([g], kb), "celecoxib")
    assert r["status"] == "indeterminate"  # AS 2.0 -> standard, AS 1.0 (*1/*3) -> lowest starting dose
    assert r["phenotypes"] == {"CYP2C9": "2.0 or 1.0"}


# --- report contract --------------------------------------------------------------------------

def test_attach_to_genes_fills_each_involved_gene_in_report_form(kb):
    genes = [vcf_gene("TPMT", "*1/*1", "Normal Metabolizer"), vcf_gene("NUDT15", "*3/*3", "Poor Metabolizer"),
             vcf_gene("CYP2C19", "*1/*1", "Normal Metabolizer")]
    results = recommend(genes, kb)
    attach_to_genes(genes, results)
    attach_to_genes(genes, results)  # idempotent
    tpmt, nudt15, cyp2c19 = genes
    assert [d["drug"] for d in tpmt["drugs"]] == ["azathioprine", "mercaptopurine", "thioguanine"]
    assert tpmt["drugs"] == nudt15["drugs"]
    entry = tpmt["drugs"][0]
    assert set(entry) == {"drug", "action", "strength", "guideline", "source", "dose_factor", "note", "status",
                          "genes"}
    assert entry["source"] == "CPIC guideline"
    assert entry["genes"] == ["TPMT", "NUDT15"]
    assert "clopidogrel" in [d["drug"] for d in cyp2c19["drugs"]]
    amitriptyline = next(d for d in cyp2c19["drugs"] if d["drug"] == "amitriptyline")
    assert (amitriptyline["status"], amitriptyline["action"]) == ("standard", "standard")
    assert amitriptyline["reason"].startswith("CYP2D6 not assessed")
    schema = json.loads((ROOT / "workflow" / "schemas" / "report.schema.json").read_text())
    validator = jsonschema.Draft202012Validator({**schema["$defs"]["drug"], "$defs": schema["$defs"]})
    for g in genes:
        for d in g["drugs"]:
            validator.validate(d)


def test_a_drug_no_rule_covers_without_its_missing_genes_is_not_assessed_with_their_reasons(kb):
    # fluvastatin: every rule needs a CYP2C9 result (its first rules need CYP2C9 Indeterminate,
    # which an untested gene is not); with neither gene tested the reason names both, and never
    # reads as an unfinished "no recommendation for"
    r = drug(recommend([missing("CYP2C9"), missing("SLCO1B1")], kb), "fluvastatin")
    assert (r["status"], r["action"], r["strength"], r["reason"]) == (
        "not_assessed", "undetermined", "not_applicable", "CYP2C9 not assessed and SLCO1B1 not assessed")


def test_proton_pump_inhibitor_halving_applies_after_12_weeks_and_ssri_doses_are_maintenance_doses(kb):
    # CPIC 2020 PPI guideline, intermediate metabolizer: start at the standard dose; for chronic
    # therapy (>12 weeks) with efficacy achieved, consider a 50% reduction (optional)
    r = drug(recommend([vcf_gene("CYP2C19", "*1/*2", "Intermediate Metabolizer")], kb), "omeprazole")
    assert (r["action"], r["dose_factor"], r["strength"], r.get("dose_basis"), r["timing"]) == (
        "reduce_dose", 0.5, "optional", None, "after more than 12 weeks of effective treatment")
    # CPIC 2023 SSRI guideline, CYP2C19 poor metabolizer and sertraline: a lower starting dose,
    # slower titration and a 50% lower maintenance dose (moderate)
    s = drug(recommend([vcf_gene("CYP2C19", "*2/*2", "Poor Metabolizer"),
                        vcf_gene("CYP2B6", "*1/*1", "Normal Metabolizer")], kb), "sertraline")
    assert (s["action"], s["dose_factor"], s["dose_basis"], "timing" in s) == ("reduce_dose", 0.5, "maintenance", False)


def test_validation_rejects_a_dose_basis_or_timing_without_a_dose_and_an_unknown_basis(tmp_path):
    no_dose = _clopidogrel()
    no_dose["rules"][0]["timing"] = "after 12 weeks"
    unknown = dict(_clopidogrel(action="reduce_dose"), drug="clopidogrel-b")
    unknown["rules"] = [dict(unknown["rules"][0], dose_factor=0.5, dose_basis="loading")]
    path = _write(tmp_path, [no_dose, unknown])
    with pytest.raises(InputError) as e:
        load_recommendations(path)
    assert str(e.value) == (
        f"{path}: 2 problems\n"
        "  - drug 'clopidogrel' rule 1: dose_basis and timing describe a dose_factor; give one or remove them\n"
        "  - drug 'clopidogrel-b' rule 1: dose_basis 'loading' is not one of starting, maintenance")
