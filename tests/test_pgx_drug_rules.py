"""Drug rules checked against CPIC (and, for siponimod, its US drug label), rule by rule: each test
builds gene results the way the PGx engine reports them and asserts the action, dose factor and
strength a clinician would see."""

import re

import pytest

from genotailor.pgx.recommendations import load_recommendations, recommend
from genotailor.report.html import render_html

G6PD_TERMS = ("Normal", "Deficient", "Deficient with CNSHA", "Variable")


@pytest.fixture(scope="module")
def kb():
    return load_recommendations()


def called(gene, diplotype, phenotype=None, activity=None):
    return {"gene": gene, "status": "called", "diplotype": diplotype, "phenotype": phenotype,
            "activity_score": activity, "alternatives": [], "source": "vcf", "drugs": []}


def outside(gene, diplotype, phenotype):
    return {"gene": gene, "status": "called", "diplotype": diplotype, "phenotype": phenotype,
            "activity_score": None, "alternatives": [], "source": "outside_call", "drugs": []}


def missing(gene):
    return {"gene": gene, "status": "not_assessed", "diplotype": None, "phenotype": None, "activity_score": None,
            "alternatives": [], "source": "vcf", "drugs": []}


def result(kb, genes, name):
    found = [r for r in recommend(genes, kb) if r["drug"] == name]
    assert len(found) == 1, name
    return found[0]


def outcome(r):
    return r["action"], r["dose_factor"], r["strength"]


# --- the file as a whole ----------------------------------------------------------------------

def test_every_drug_names_its_cpic_guideline_pmids_level_and_version(kb):
    for d in kb:
        if d.source == "fda_label":  # siponimod: the drug label, no CPIC level or grade
            assert re.fullmatch(r"https://dailymed\.nlm\.nih\.gov/dailymed/drugInfo\.cfm\?setid=[0-9a-f-]{36}",
                                d.guideline), d.drug
            assert d.cpic_level == "" and d.guideline_version, d.drug
            assert {r.strength for r in d.rules} == {"label"}, d.drug
            continue
        assert d.source == "cpic", d.drug
        assert all(r.strength != "label" for r in d.rules), d.drug
        assert re.fullmatch(r"https://cpicpgx\.org/guidelines/[a-z0-9-]+/", d.guideline), d.drug
        assert d.pmids and all(re.fullmatch(r"\d{8}", p) for p in d.pmids), d.drug
        assert d.cpic_level in ("A", "A/B", "B"), d.drug  # A/B: CPIC's own grade for tenoxicam
        assert d.guideline_version, d.drug
        assert d.rules, d.drug


def test_rule_fields_are_consistent(kb):
    for d in kb:
        for r in d.rules:
            if r.action == "standard":
                assert r.dose_factor is None, (d.drug, r.number)
            if r.action == "increase_dose" and r.dose_factor is not None:
                assert min([r.dose_factor] if isinstance(r.dose_factor, float) else r.dose_factor) > 1, d.drug
            if r.action == "reduce_dose" and r.dose_factor is not None:
                assert max([r.dose_factor] if isinstance(r.dose_factor, float) else r.dose_factor) < 1, d.drug


def test_added_drugs_are_present_and_retired_or_provisional_pairs_are_not(kb):
    names = {d.drug for d in kb}
    assert {"sertraline", "dexlansoprazole", "tropisetron", "atomoxetine", "fluvastatin", "lovastatin",
            "pitavastatin", "pravastatin", "primaquine", "tafenoquine", "dapsone", "nitrofurantoin",
            "methylene blue", "toluidine blue"} <= names
    # IFNL3/peginterferon: guideline retired by CPIC.
    assert not names & {"peginterferon alfa-2a", "peginterferon alfa-2b"}
    # Siponimod/CYP2C9: no published CPIC guideline, so it comes from the US drug label, marked so.
    assert [d.drug for d in kb if d.source == "fda_label"] == ["siponimod"]


def test_g6pd_terms_are_the_outside_call_vocabulary_and_every_g6pd_drug_covers_them(kb):
    # The terms come from the gene knowledge base's G6PD phenotype method (plus Indeterminate,
    # which no rule covers: such a patient's drugs are indeterminate).
    assert kb[0].vocab.phenotypes["G6PD"] == {*G6PD_TERMS, "Indeterminate"}
    g6pd_drugs = [d.drug for d in kb if d.genes == ("G6PD",)]
    assert len(g6pd_drugs) == 8
    for term in G6PD_TERMS:
        for name in g6pd_drugs:
            r = result(kb, [called("G6PD", "x/y", term)], name)
            assert r["status"] in ("actionable", "standard"), (name, term, r.get("reason"))


# --- CYP2C19 ----------------------------------------------------------------------------------

@pytest.mark.parametrize("phenotype,expected", [
    ("Poor Metabolizer", ("consider_alternative", 0.5, "strong")),
    ("Likely Poor Metabolizer", ("consider_alternative", 0.5, "strong")),
    ("Intermediate Metabolizer", ("reduce_dose", None, "moderate")),
    ("Normal Metabolizer", ("standard", None, "strong")),
    ("Rapid Metabolizer", ("standard", None, "optional")),
    ("Ultrarapid Metabolizer", ("consider_alternative", None, "strong")),
])
def test_citalopram_and_escitalopram_follow_the_2023_update(kb, phenotype, expected):
    for name in ("citalopram", "escitalopram"):
        r = result(kb, [called("CYP2C19", "*2/*2", phenotype)], name)
        assert outcome(r) == expected, name
        assert "37032427" in r["pmid"]


@pytest.mark.parametrize("cyp2c19,cyp2b6,expected", [
    ("Poor Metabolizer", "Normal Metabolizer", ("reduce_dose", 0.5, "moderate")),
    ("Likely Poor Metabolizer", "Intermediate Metabolizer", ("reduce_dose", 0.5, "moderate")),
    ("Poor Metabolizer", "Indeterminate", ("reduce_dose", 0.5, "moderate")),
    ("Poor Metabolizer", "Poor Metabolizer", ("use_alternative", None, "optional")),
    ("Intermediate Metabolizer", "Poor Metabolizer", ("reduce_dose", 0.5, "optional")),
    ("Normal Metabolizer", "Poor Metabolizer", ("reduce_dose", 0.75, "optional")),
    ("Normal Metabolizer", "Normal Metabolizer", ("standard", None, "strong")),
])
def test_sertraline_combines_cyp2c19_and_cyp2b6(kb, cyp2c19, cyp2b6, expected):
    r = result(kb, [called("CYP2C19", "*1/*1", cyp2c19), called("CYP2B6", "*1/*1", cyp2b6)], "sertraline")
    assert outcome(r) == expected
    assert r["genes"] == ["CYP2C19", "CYP2B6"]


@pytest.mark.parametrize("cyp2c19,cyp2b6,expected", [
    ("Intermediate Metabolizer", "Normal Metabolizer", ("reduce_dose", None, "moderate")),
    ("Intermediate Metabolizer", "Intermediate Metabolizer", ("reduce_dose", None, "optional")),
    ("Likely Poor Metabolizer", "Rapid Metabolizer", ("reduce_dose", 0.5, "optional")),
    ("Ultrarapid Metabolizer", "Rapid Metabolizer", ("standard", None, "optional")),
    ("Indeterminate", "Normal Metabolizer", ("standard", None, "moderate")),
])
def test_sertraline_covers_cpic_s_other_combinations(kb, cyp2c19, cyp2b6, expected):
    r = result(kb, [called("CYP2C19", "*1/*1", cyp2c19), called("CYP2B6", "*1/*1", cyp2b6)], "sertraline")
    assert outcome(r) == expected


def test_sertraline_without_a_recommendation_for_both_indeterminate(kb):
    r = result(kb, [called("CYP2C19", "*1/*1", "Indeterminate"), called("CYP2B6", "*1/*1", "Indeterminate")],
               "sertraline")
    assert (r["status"], r["action"]) == ("indeterminate", "undetermined")
    # CYP2B6 not tested: CPIC's answer from CYP2C19 alone, saying so
    r = result(kb, [called("CYP2C19", "*2/*2", "Poor Metabolizer"), missing("CYP2B6")], "sertraline")
    assert outcome(r) == ("reduce_dose", 0.5, "moderate")
    assert r["reason"].startswith("CYP2B6 not assessed")


@pytest.mark.parametrize("phenotype,omeprazole,dexlansoprazole", [
    ("Ultrarapid Metabolizer", ("increase_dose", 2.0, "optional"), ("increase_dose", 2.0, "optional")),
    ("Normal Metabolizer", ("standard", None, "moderate"), ("standard", None, "optional")),
    ("Intermediate Metabolizer", ("reduce_dose", 0.5, "optional"), ("reduce_dose", 0.5, "optional")),
    ("Poor Metabolizer", ("reduce_dose", 0.5, "moderate"), ("reduce_dose", 0.5, "optional")),
])
def test_proton_pump_inhibitors(kb, phenotype, omeprazole, dexlansoprazole):
    genes = [called("CYP2C19", "*1/*1", phenotype)]
    for name in ("omeprazole", "lansoprazole", "pantoprazole"):
        assert outcome(result(kb, genes, name)) == omeprazole, name
    r = result(kb, genes, "dexlansoprazole")
    assert outcome(r) == dexlansoprazole
    assert r["cpic_level"] == "B"


@pytest.mark.parametrize("phenotype,expected", [
    ("Ultrarapid Metabolizer", ("use_alternative", None, "moderate")),
    ("Rapid Metabolizer", ("use_alternative", None, "moderate")),
    ("Normal Metabolizer", ("standard", None, "strong")),
    ("Intermediate Metabolizer", ("standard", None, "moderate")),
    ("Poor Metabolizer", ("use_alternative", None, "moderate")),
])
def test_voriconazole(kb, phenotype, expected):
    assert outcome(result(kb, [called("CYP2C19", "*1/*1", phenotype)], "voriconazole")) == expected


# --- CYP2D6 (outside calls) -------------------------------------------------------------------

@pytest.mark.parametrize("phenotype,codeine,tramadol", [
    ("Ultrarapid Metabolizer", ("avoid", "strong"), ("avoid", "strong")),
    ("Normal Metabolizer", ("standard", "strong"), ("standard", "strong")),
    ("Intermediate Metabolizer", ("standard", "moderate"), ("standard", "optional")),
    ("Poor Metabolizer", ("avoid", "strong"), ("avoid", "strong")),
])
def test_codeine_and_tramadol(kb, phenotype, codeine, tramadol):
    genes = [outside("CYP2D6", "*1/*1", phenotype)]
    for name, expected in (("codeine", codeine), ("tramadol", tramadol)):
        r = result(kb, genes, name)
        assert (r["action"], r["strength"]) == expected, name


@pytest.mark.parametrize("phenotype,expected", [
    ("Ultrarapid Metabolizer", ("use_alternative", "moderate")),
    ("Normal Metabolizer", ("standard", "strong")),
    ("Intermediate Metabolizer", ("standard", "no_recommendation")),
    ("Poor Metabolizer", ("standard", "no_recommendation")),
])
def test_ondansetron_and_tropisetron(kb, phenotype, expected):
    for name in ("ondansetron", "tropisetron"):
        r = result(kb, [outside("CYP2D6", "*1/*1", phenotype)], name)
        assert (r["action"], r["strength"]) == expected, name
        assert r["pmid"] == ["28002639"]


@pytest.mark.parametrize("diplotype,phenotype,expected", [
    ("*4/*4", "Poor Metabolizer", ("use_alternative", "strong")),
    ("*4/*10", "Intermediate Metabolizer", ("consider_alternative", "moderate")),  # activity score 0.25
    ("*4/*41", "Intermediate Metabolizer", ("consider_alternative", "moderate")),  # 0.5
    ("*1/*4", "Intermediate Metabolizer", ("consider_alternative", "optional")),  # 1.0
    ("*1/*1", "Normal Metabolizer", ("standard", "strong")),
    ("*1/*1", "Ultrarapid Metabolizer", ("standard", "strong")),
])
def test_tamoxifen(kb, diplotype, phenotype, expected):
    r = result(kb, [outside("CYP2D6", diplotype, phenotype)], "tamoxifen")
    assert (r["action"], r["strength"]) == expected


def test_tamoxifen_intermediate_without_an_activity_score_is_indeterminate(kb):
    r = result(kb, [outside("CYP2D6", "*1/*4x2", "Intermediate Metabolizer")], "tamoxifen")
    assert r["status"] == "indeterminate"
    assert "activity score" in r["reason"]


def test_atomoxetine_follows_cyp2d6(kb):
    r = result(kb, [outside("CYP2D6", "*4/*4", "Poor Metabolizer")], "atomoxetine")
    assert outcome(r) == ("monitor", None, "moderate")
    assert "2 weeks" in r["note"]
    for phenotype in ("Normal Metabolizer", "Ultrarapid Metabolizer"):
        r = result(kb, [outside("CYP2D6", "*1/*1", phenotype)], "atomoxetine")
        assert outcome(r) == ("standard", None, "moderate")
    # CPIC splits intermediate metabolizers by activity score: 0.25-0.75 as poor, 1.0 as normal
    r = result(kb, [outside("CYP2D6", "*4/*10", "Intermediate Metabolizer")], "atomoxetine")
    assert outcome(r) == ("monitor", None, "moderate")
    r = result(kb, [outside("CYP2D6", "*1/*4", "Intermediate Metabolizer")], "atomoxetine")
    assert outcome(r) == ("standard", None, "moderate")
    # a stated phenotype without a score (gene copies the knowledge base does not know) stays open
    r = result(kb, [outside("CYP2D6", "*1/*4x2", "Intermediate Metabolizer")], "atomoxetine")
    assert r["status"] == "indeterminate"
    assert r["guideline"] == "https://cpicpgx.org/guidelines/cpic-guideline-for-atomoxetine-based-on-cyp2d6-genotype/"


# --- statins ----------------------------------------------------------------------------------

@pytest.mark.parametrize("abcg2,slco1b1,expected", [
    ("Poor Function", "Poor Function", ("reduce_dose", "optional")),
    ("Poor Function", "Decreased Function", ("reduce_dose", "optional")),
    ("Poor Function", "Normal Function", ("reduce_dose", "optional")),
    ("Decreased Function", "Poor Function", ("reduce_dose", "moderate")),
    ("Normal Function", "Poor Function", ("reduce_dose", "moderate")),
    ("Decreased Function", "Possible Decreased Function", ("standard", "moderate")),
    ("Decreased Function", "Normal Function", ("standard", "moderate")),
    ("Normal Function", "Decreased Function", ("standard", "strong")),
    ("Normal Function", "Increased Function", ("standard", "strong")),
])
def test_rosuvastatin_covers_every_slco1b1_abcg2_combination(kb, abcg2, slco1b1, expected):
    r = result(kb, [called("ABCG2", "a/b", abcg2), called("SLCO1B1", "*1/*1", slco1b1)], "rosuvastatin")
    assert (r["action"], r["strength"]) == expected
    assert "reason" not in r


def test_rosuvastatin_with_one_gene_missing_or_indeterminate(kb):
    r = result(kb, [called("ABCG2", "a/b", "Poor Function"), missing("SLCO1B1")], "rosuvastatin")
    assert (r["action"], r["strength"]) == ("reduce_dose", "moderate")
    r = result(kb, [called("ABCG2", "a/b", "Decreased Function"),
                    called("SLCO1B1", "*1/*99", "Indeterminate")], "rosuvastatin")
    assert (r["action"], r["strength"]) == ("standard", "moderate")


@pytest.mark.parametrize("activity,slco1b1,expected", [
    ("0.0", "Normal Function", ("reduce_dose", "moderate")),
    ("0.5", "Decreased Function", ("use_alternative", "optional")),
    ("0.0", "Poor Function", ("use_alternative", "optional")),
    ("1.0", "Poor Function", ("use_alternative", "optional")),
    ("1.5", "Possible Decreased Function", ("reduce_dose", "optional")),
    ("1.0", "Increased Function", ("reduce_dose", "moderate")),
    ("2.0", "Poor Function", ("reduce_dose", "moderate")),
    ("2.0", "Decreased Function", ("standard", "moderate")),
    ("2.0", "Normal Function", ("standard", "strong")),
])
def test_fluvastatin_combines_cyp2c9_and_slco1b1(kb, activity, slco1b1, expected):
    genes = [called("CYP2C9", "*1/*1", None, activity), called("SLCO1B1", "*1/*1", slco1b1)]
    r = result(kb, genes, "fluvastatin")
    assert (r["action"], r["strength"]) == expected


def test_fluvastatin_with_one_gene_missing(kb):
    r = result(kb, [called("CYP2C9", "*1/*2", "Intermediate Metabolizer", "1.5"), missing("SLCO1B1")], "fluvastatin")
    assert (r["action"], r["strength"]) == ("reduce_dose", "moderate")
    r = result(kb, [missing("CYP2C9"), called("SLCO1B1", "*5/*5", "Poor Function")], "fluvastatin")
    assert (r["action"], r["strength"]) == ("reduce_dose", "moderate")
    assert r["reason"] == "CYP2C9 not assessed; the recommendation does not use it"


@pytest.mark.parametrize("phenotype,expected", [
    ("Poor Function", {"simvastatin": ("use_alternative", "strong"), "atorvastatin": ("reduce_dose", "moderate"),
                       "lovastatin": ("use_alternative", "moderate"), "pitavastatin": ("reduce_dose", "moderate"),
                       "pravastatin": ("reduce_dose", "moderate")}),
    ("Decreased Function", {"simvastatin": ("use_alternative", "strong"), "atorvastatin": ("reduce_dose", "moderate"),
                            "lovastatin": ("use_alternative", "moderate"), "pitavastatin": ("reduce_dose", "moderate"),
                            "pravastatin": ("standard", "moderate")}),
    ("Normal Function", {name: ("standard", "strong") for name in
                         ("simvastatin", "atorvastatin", "lovastatin", "pitavastatin", "pravastatin")}),
])
def test_slco1b1_only_statins(kb, phenotype, expected):
    genes = [called("SLCO1B1", "*1/*1", phenotype)]
    for name, (action, strength) in expected.items():
        r = result(kb, genes, name)
        assert (r["action"], r["strength"]) == (action, strength), name


# --- single genes, other ----------------------------------------------------------------------

def test_tacrolimus_possible_intermediate_metabolizer_is_an_expresser(kb):
    r = result(kb, [called("CYP3A5", "*1/*8", "Possible Intermediate Metabolizer")], "tacrolimus")
    assert outcome(r) == ("increase_dose", [1.5, 2.0], "strong")


def test_ivacaftor(kb):
    r = result(kb, [called("CFTR", "x/y", "ivacaftor responsive in CF patients")], "ivacaftor")
    assert outcome(r) == ("standard", None, "moderate")
    r = result(kb, [called("CFTR", "x/y", "ivacaftor non-responsive in CF patients")], "ivacaftor")
    assert outcome(r) == ("avoid", None, "moderate")


@pytest.mark.parametrize("phenotype,expected", [
    ("Poor Metabolizer", ("reduce_dose", [0.33, 0.67], "moderate")),
    ("Intermediate Metabolizer", ("reduce_dose", 0.67, "moderate")),
    ("Normal Metabolizer", ("standard", None, "strong")),
    ("Rapid Metabolizer", ("standard", None, "strong")),
])
def test_efavirenz(kb, phenotype, expected):
    assert outcome(result(kb, [called("CYP2B6", "*6/*6", phenotype)], "efavirenz")) == expected


@pytest.mark.parametrize("phenotype,expected", [
    ("Poor Metabolizer", ("consider_alternative", "strong")),
    ("Intermediate Metabolizer", ("standard", "strong")),
    ("Normal Metabolizer", ("standard", "strong")),
])
def test_atazanavir(kb, phenotype, expected):
    r = result(kb, [called("UGT1A1", "*28/*28", phenotype)], "atazanavir")
    assert (r["action"], r["strength"]) == expected


def test_thiopurines_for_intermediate_at_both_genes_start_at_20_to_50_percent(kb):
    genes = [called("TPMT", "*1/*3A", "Intermediate Metabolizer"),
             called("NUDT15", "*1/*3", "Possible Intermediate Metabolizer")]
    for name, strength in (("azathioprine", "strong"), ("mercaptopurine", "strong"), ("thioguanine", "moderate")):
        assert outcome(result(kb, genes, name)) == ("reduce_dose", [0.2, 0.5], strength), name


# --- G6PD -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name,deficient,cnsha", [
    ("primaquine", ("avoid", "strong"), ("avoid", "strong")),
    ("tafenoquine", ("avoid", "strong"), ("avoid", "strong")),
    ("dapsone", ("avoid", "strong"), ("avoid", "strong")),
    ("rasburicase", ("avoid", "strong"), ("avoid", "strong")),
    ("pegloticase", ("avoid", "strong"), ("avoid", "strong")),
    ("methylene blue", ("avoid", "moderate"), ("avoid", "strong")),
    ("toluidine blue", ("avoid", "moderate"), ("avoid", "strong")),
    ("nitrofurantoin", ("monitor", "optional"), ("avoid", "moderate")),
])
def test_g6pd_drugs(kb, name, deficient, cnsha):
    def g6pd(phenotype):
        r = result(kb, [called("G6PD", "A-/A-", phenotype)], name)
        return r["action"], r["strength"]

    assert g6pd("Deficient") == deficient
    assert g6pd("Deficient with CNSHA") == cnsha
    assert g6pd("Normal") == ("standard", "strong")
    # a heterozygous (Variable) result needs an enzyme activity test; CPIC rates that moderate
    assert g6pd("Variable") == ("monitor", "moderate")


def test_primaquine_deficient_note_keeps_the_malaria_guidance_exceptions(kb):
    r = result(kb, [called("G6PD", "A-/A-", "Deficient")], "primaquine")
    assert r["status"] == "actionable" and "weekly" in r["note"] and "WHO" in r["note"]
    assert r["guideline"] == "https://cpicpgx.org/guidelines/cpic-guideline-for-g6pd/"
    assert r["pmid"] == ["36049896"]


# --- CYP2C9 + VKORC1 --------------------------------------------------------------------------

def test_warfarin_cyp4f2_step_is_marked_optional(kb):
    genes = [called("CYP2C9", "*1/*1", "Normal Metabolizer", "2.0"), called("VKORC1", "x/y", "-1639 GG"),
             called("CYP4F2", "*1/*3")]
    r = result(kb, genes, "warfarin")
    assert (r["action"], r["strength"]) == ("monitor", "strong")
    assert "optional-strength" in r["note"]


# --- siponimod (US drug label, not CPIC) ------------------------------------------------------

@pytest.mark.parametrize("diplotype,expected", [
    ("*3/*3", ("avoid", None, "label")),  # contraindicated
    ("*1/*3", ("reduce_dose", 0.5, "label")),  # 1 mg instead of 2 mg maintenance
    ("*3/*2", ("reduce_dose", 0.5, "label")),  # either allele order
    ("*1/*1", ("standard", None, "label")),
    ("*1/*2", ("standard", None, "label")),
    ("*2/*2", ("standard", None, "label")),
])
def test_siponimod_follows_the_label_by_cyp2c9_diplotype(kb, diplotype, expected):
    r = result(kb, [called("CYP2C9", diplotype)], "siponimod")
    assert outcome(r) == expected
    assert (r["source"], r["cpic_level"], r["pmid"]) == ("FDA drug label", None, [])
    assert r["guideline"].startswith("https://dailymed.nlm.nih.gov/")
    assert r["phenotypes"] == {"CYP2C9": diplotype}
    assert r["status"] == ("standard" if expected[0] == "standard" else "actionable")


@pytest.mark.parametrize("diplotype", ["*1/*5", "*1/*11", "*3/*5"])
def test_siponimod_genotypes_the_label_does_not_name_are_indeterminate(kb, diplotype):
    r = result(kb, [called("CYP2C9", diplotype)], "siponimod")
    assert (r["status"], r["action"], r["dose_factor"], r["strength"]) == (
        "indeterminate", "undetermined", None, "not_applicable")
    assert r["reason"] == f"the knowledge base has no recommendation for CYP2C9 {diplotype}"
    assert r["source"] == "FDA drug label"


def test_siponimod_needs_the_diplotype_not_only_a_phenotype(kb):
    r = result(kb, [outside("CYP2C9", None, "Intermediate Metabolizer")], "siponimod")
    assert (r["status"], r["reason"]) == ("indeterminate", "CYP2C9 diplotype is not available")
    r = result(kb, [missing("CYP2C9")], "siponimod")
    assert (r["status"], r["reason"]) == ("not_assessed", "CYP2C9 not assessed")


def test_siponimod_ambiguous_call_whose_readings_agree_keeps_the_label_strength(kb):
    gene = dict(called("CYP2C9", "*1/*3"), status="ambiguous",
                alternatives=[{"diplotype": "*2/*3", "phenotype": None, "activity_score": None}])
    r = result(kb, [gene], "siponimod")
    assert outcome(r) == ("reduce_dose", 0.5, "label")
    gene["alternatives"] = [{"diplotype": "*3/*3", "phenotype": None, "activity_score": None}]
    assert result(kb, [gene], "siponimod")["status"] == "indeterminate"


def test_cpic_results_name_cpic_as_their_source(kb):
    r = result(kb, [called("CYP2C9", "*1/*3")], "celecoxib")
    assert (r["source"], r["cpic_level"]) == ("CPIC guideline", "A")


def test_report_drug_table_links_the_label_as_fda_label_and_guidelines_as_cpic(kb):
    genes = [called("CYP2C9", "*3/*3")]
    drugs = [r for r in recommend(genes, kb) if r["drug"] in ("siponimod", "celecoxib")]
    report = {"patient": "P1", "report_date": "2026-11-28", "sex": "female", "tumor_type": None,
              "consent": {"pharmacogenomics": True, "secondary_findings": False}, "qc": {}, "samples": [],
              "calls": {}, "pgx": [dict(genes[0], missing_positions=[])], "drug_recommendations": drugs,
              "somatic": [], "limitations": [], "tmb": {"per_mb": None, "reason": "no tumour sample"},
              "summary": {"actionable": [], "result": [], "standard": [], "not_assessed": [], "qc_status": ""},
              "provenance": {"workflow": {"version": "x"}, "reference": {"name": "GRCh38", "sha256": "0" * 64},
                             "aligner": "x", "tools": {}, "knowledge_bases": {}}}
    html = render_html(report)
    sip = next(d for d in drugs if d["drug"] == "siponimod")
    cel = next(d for d in drugs if d["drug"] == "celecoxib")
    assert f'<a href="{sip["guideline"]}">FDA label</a>' in html
    assert f'<a href="{cel["guideline"]}">CPIC</a>' in html


# --- a gene not tested or without a phenotype (CPIC's one-gene answers) -----------------------

def test_ryr1_susceptible_with_cacna1s_not_tested_avoids_volatile_anaesthetics(kb):
    genes = [called("RYR1", "Reference/c.7300G>A", "Malignant Hyperthermia Susceptibility"), missing("CACNA1S")]
    for name in ("desflurane", "halothane", "isoflurane", "sevoflurane", "succinylcholine"):
        r = result(kb, genes, name)
        assert outcome(r) == ("avoid", None, "strong"), name
        assert "CACNA1S not assessed" in r["reason"]


def test_phenytoin_without_hla_b_doses_by_cyp2c9_and_says_hla_b_was_not_tested(kb):
    for name in ("phenytoin", "fosphenytoin"):
        r = result(kb, [called("CYP2C9", "*3/*3")], name)  # no HLA-B result at all
        assert outcome(r) == ("reduce_dose", 0.5, "strong")
        assert "HLA-B was not tested" in r["note"] and "not a negative" in r["note"]
        assert r["reason"].startswith("HLA-B not assessed")
        assert "negative" not in r["reason"]
        r = result(kb, [called("CYP2C9", "*1/*3"), missing("HLA-B")], name)
        assert outcome(r) == ("reduce_dose", 0.75, "moderate")
        r = result(kb, [called("CYP2C9", "*1/*1")], name)
        assert outcome(r) == ("standard", None, "strong")
        assert "HLA-B was not tested" in r["note"]


def test_phenytoin_carrier_of_hla_b_1502_is_avoided_whatever_cyp2c9(kb):
    r = result(kb, [outside("HLA-B", "*15:02/*07:02", None), missing("CYP2C9")], "phenytoin")
    assert outcome(r) == ("avoid", None, "strong")


def test_g6pd_indeterminate_means_measure_enzyme_activity(kb):
    for name in ("rasburicase", "pegloticase", "dapsone", "methylene blue", "toluidine blue", "primaquine",
                 "tafenoquine", "nitrofurantoin"):
        r = result(kb, [called("G6PD", "B/Cairo", "Indeterminate")], name)
        assert outcome(r) == ("monitor", None, "moderate"), name
        assert "measure G6PD activity" in r["note"]


def test_amitriptyline_intermediate_for_both_genes_reduces_by_a_quarter(kb):
    for cyp2c19 in ("Intermediate Metabolizer", "Likely Intermediate Metabolizer"):
        r = result(kb, [called("CYP2D6", "*1/*4"), called("CYP2C19", "*1/*2", cyp2c19)], "amitriptyline")
        assert outcome(r) == ("reduce_dose", 0.75, "optional")


def test_amitriptyline_one_gene_fallbacks(kb):
    r = result(kb, [called("CYP2D6", "*4/*4"), missing("CYP2C19")], "amitriptyline")
    assert outcome(r) == ("avoid", 0.5, "strong")
    assert r["reason"].startswith("CYP2C19 not assessed")
    r = result(kb, [missing("CYP2D6"), called("CYP2C19", "*2/*2", "Poor Metabolizer")], "amitriptyline")
    assert outcome(r) == ("avoid", 0.5, "moderate")
    # CYP2D6 tested but without a phenotype (an allele of unknown function) is not "not tested"
    r = result(kb, [called("CYP2D6", "*1/*22"), called("CYP2C19", "*1/*1", "Normal Metabolizer")], "amitriptyline")
    assert r["status"] == "indeterminate"
    r = result(kb, [called("CYP2D6", "*1/*22"), called("CYP2C19", "*2/*2", "Poor Metabolizer")], "amitriptyline")
    assert outcome(r) == ("avoid", 0.5, "moderate")
    assert "reason" not in r


def test_thiopurines_with_one_gene_not_tested(kb):
    r = result(kb, [missing("TPMT"), called("NUDT15", "*1/*3", "Intermediate Metabolizer")], "azathioprine")
    assert outcome(r) == ("reduce_dose", [0.3, 0.8], "strong")
    r = result(kb, [called("TPMT", "*1/*1", "Normal Metabolizer"), missing("NUDT15")], "mercaptopurine")
    assert outcome(r) == ("monitor", None, "strong")
    r = result(kb, [missing("TPMT"), missing("NUDT15")], "thioguanine")
    assert r["status"] == "not_assessed"


def test_a_rule_for_a_gene_not_tested_never_matches_a_tested_gene(kb):
    r = result(kb, [called("CYP2C9", "*1/*1"), outside("HLA-B", "*07:02/*44:02", None)], "phenytoin")
    assert outcome(r) == ("standard", None, "strong")
    assert "not tested" not in r["note"] and "reason" not in r
