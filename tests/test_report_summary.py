"""The report's first page: each section's summary lines, ranked actionable findings with links,
collapsed standard results, not-assessed lines with reasons, consent, and words for statuses."""

import re

import pytest

from genotailor.core.samplesheet import Patient, Sample
from genotailor.report.sections import germline_findings, pgx, somatic
from test_pgx_phenotypes import call
from test_report import make_report


@pytest.fixture(scope="module")
def cyp2c19_poor(tmp_path_factory):
    """CYP2C19 *2/*2, SLCO1B1 *5/*5 and CYP2C9 *1/*1 from the VCF; every other pharmacogene absent."""
    tmp = tmp_path_factory.mktemp("poor")
    return make_report(tmp, "SUMM01", "female", [call(tmp, "CYP2C19", "*2", "*2"), call(tmp, "SLCO1B1", "*5", "*5"),
                                                 call(tmp, "CYP2C9", "*1", "*1")])


def patient(consent_pgx=True, consent_secondary=False, tumour=True):
    samples = (Sample("T1-T", "T1", "tumor", "vcf", (), None, None, "Mutect2", 0.6, None, None, None),) if tumour else ()
    return Patient("T1", "female", "MEL" if tumour else None, consent_pgx, consent_secondary, (), samples)


def variant(gene, change, tier, therapies, vaf=0.3):
    return {"sample": "T1-T", "gene": gene, "protein_change": change, "hgvs_c": None, "chrom": "chr7", "pos": 140753336,
            "ref": "A", "alt": "T", "tier": tier, "vaf": vaf, "depth": 200, "therapies": therapies}


def therapy(name, direction="sensitivity", level="A", here=True):
    return {"therapies": name.split(" + "), "direction": direction, "evidence_level": level, "this_tumour_type": here}


def test_actionable_drug_lines_rank_alternatives_before_dose_changes_and_name_the_gene_result(cyp2c19_poor):
    report, page = cyp2c19_poor
    lines = {ln["text"]: ln for ln in report["summary"]["actionable"]}
    clopidogrel = lines["Clopidogrel: use an alternative drug — CPIC strong recommendation — CYP2C19 *2/*2 (Poor "
                        "Metabolizer)."]
    amitriptyline = lines["Amitriptyline: avoid (if used, 50% of the starting dose) — CPIC moderate recommendation — "
                          "CYP2C19 *2/*2 (Poor Metabolizer); caveat: CYP2D6 not assessed; this is the guideline's "
                          "recommendation for a patient not tested for it."]
    simvastatin = lines["Simvastatin: use an alternative drug — CPIC strong recommendation — SLCO1B1 *5/*5 (Poor "
                        "Function)."]
    assert clopidogrel["rank"] == amitriptyline["rank"] == simvastatin["rank"] == 20
    ranks = [ln["rank"] for ln in report["summary"]["actionable"]]
    assert ranks == sorted(ranks) and ranks[-1] > 20  # dose changes after the drugs to avoid
    assert clopidogrel["target"] == "drug-clopidogrel" and 'id="drug-clopidogrel"' in page


def test_standard_drugs_are_one_collapsed_line_and_undecided_drugs_one_not_assessed_line(cyp2c19_poor):
    report, page = cyp2c19_poor
    standard = [d for d in report["drug_recommendations"] if d["status"] == "standard"]
    undecided = [d for d in report["drug_recommendations"] if d["status"] in ("indeterminate", "not_assessed")]
    assert len(standard) > 1
    assert [ln["text"] for ln in report["summary"]["standard"]] == [
        f"{len(standard)} other drugs: standard use and dosing — not affected by the genes tested."]
    assert len(undecided) == 1  # only CYP2C19 and CYP2C9 genes behind it, one of them missing: warfarin-like rows
    assert ("1 drug without a recommendation — a gene behind them has no result or an ambiguous one."
            in [ln["text"] for ln in report["summary"]["not_assessed"]])
    assert '<details id="drugs-standard">' in page and 'id="drugs-undecided"' in page


def test_summary_is_the_first_section_and_every_link_has_its_target(cyp2c19_poor):
    report, page = cyp2c19_poor
    sections = re.findall(r'<section id="([^"]+)"', page)
    assert sections[0] == "summary"
    assert sections[:3] == ["summary", "qc", "pgx"] and sections[-3:] == ["limitations", "methods", "disclaimer"]
    targets = {ln["target"] for kind in ("actionable", "result", "standard", "not_assessed")
               for ln in report["summary"][kind] if ln["target"]}
    assert targets and all(f'id="{t}"' in page for t in targets)


def test_statuses_appear_in_words_not_as_enum_values(cyp2c19_poor):
    _, page = cyp2c19_poor
    visible = re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", page, flags=re.S))
    for raw in ("not_assessed", "reduce_dose", "use_alternative", "indeterminate", "q30_rate"):
        assert raw not in visible, raw
    assert "Not assessed (entered as a VCF: no read-level quality control)" in visible


def test_all_pharmacogenes_not_assessed_is_one_line_with_the_reason():
    fields = {"pgx": [{"gene": g, "status": "not_assessed", "diplotype": None, "phenotype": None} for g in ("DPYD", "TPMT")],
              "drug_recommendations": [{"drug": "capecitabine", "status": "not_assessed", "action": "undetermined"}]}
    (line,) = pgx.summarize(fields, patient())
    assert line["kind"] == "not_assessed" and line["target"] == "pgx"
    assert line["text"].startswith("Pharmacogenomics: not assessed — the sequenced data cover none of the defining "
                                   "positions of the 2 pharmacogenes tested")


def test_tier_i_variant_line_names_level_a_b_therapies_for_this_tumour_and_resistance():
    fields = {"somatic": [
        variant("EGFR", "p.T790M", "I", [therapy("Osimertinib"), therapy("Erlotinib", "resistance"),
                                         therapy("Rociletinib", level="C"), therapy("Afatinib", level="B", here=False)]),
        variant("PIK3CA", "p.H1047R", "II", [therapy("Alpelisib", level="A", here=False)], vaf=0.1),
        variant("TP53", "p.R175H", None, []),
    ], "tmb": {"per_mb": None, "reason": "the panel is too small for a TMB"}}
    lines = somatic.summarize(fields, patient())
    assert [(ln["kind"], ln["rank"], ln["text"]) for ln in lines] == [
        ("actionable", 10, "EGFR p.T790M — Tier I, VAF 30.0% in T1-T: sensitivity to Osimertinib; RESISTANCE to "
                           "Erlotinib (evidence level A)."),
        ("actionable", 30, "PIK3CA p.H1047R — Tier II, VAF 10.0% in T1-T: evidence in other tumour types only: "
                           "sensitivity to Alpelisib (evidence level A)."),
        ("standard", 50, "1 other somatic variant of unknown clinical significance (Tier III or not tiered)."),
        ("not_assessed", 30, "Tumour mutational burden: not assessed — the panel is too small for a TMB."),
    ]
    assert lines[0]["target"] == "variant-T1-T-chr7-140753336-A-T"


def test_declined_categories_give_one_sentence_filed_under_consent_and_nothing_else():
    fields = {"pgx": [], "drug_recommendations": []}
    declined = patient(consent_pgx=False, consent_secondary=False, tumour=False)
    assert pgx.summarize(fields, declined) == [
        {"section": "consent", "kind": "not_assessed", "rank": 10, "target": None,
         "text": "Pharmacogenomics: not analysed, as the patient did not consent to it."}]
    assert germline_findings.summarize(fields, declined) == [
        {"section": "consent", "kind": "not_assessed", "rank": 40, "target": None,
         "text": "Secondary findings: not analysed, by the patient's choice."}]
    assert somatic.summarize(fields, declined) == []  # no tumour sample: nothing to say


def test_failed_qc_leads_the_not_assessed_lines_with_gates_in_words(tmp_path):
    from genotailor.report.summary import build_summary

    report = {"samples": [{"id": "S1", "kind": "germline", "entry": "fastq"}],
              "qc": {"S1": {"status": "fail", "gates": [
                  {"metric": "q30_rate", "value": 0.479, "status": "fail", "warn_below": 0.85, "fail_below": 0.75},
                  {"metric": "duplication_rate", "value": 0.1, "status": "pass", "warn_above": 0.2, "fail_above": 0.35}]}},
              "pgx": [], "drug_recommendations": [], "somatic": [], "tmb": {"per_mb": None}}
    summary = build_summary(report, patient(consent_pgx=False, tumour=False))
    assert summary["not_assessed"][0]["text"] == (
        "Sample S1 failed quality control — Bases with quality ≥ Q30 47.9% (warn below 85.0%, fail below 75.0%). "
        "Its results must not guide treatment without review or re-sequencing.")
    assert summary["qc_status"] == "Quality control: 1 of 1 sample FAILED (see below)."


def test_germline_findings_are_actionable_lines_with_their_evidence_and_a_link():
    brca2 = {"gene": "BRCA2", "chrom": "chr13", "pos": 32316470, "ref": "G", "alt": "T", "hgvs_p": "p.G4*",
             "classification": "pathogenic", "category": "diagnostic", "zygosity": "heterozygous",
             "clinvar": {"accession": "VCV000051063", "stars": 3}, "meaning": "carrier of a dominant condition"}
    mlh1 = {**brca2, "gene": "MLH1", "chrom": "chr3", "pos": 37040201, "ref": "T", "alt": "A", "hgvs_p": "p.L525*",
            "category": "secondary", "clinvar": {"accession": "VCV000089797", "stars": 3}}
    candidate = {**brca2, "pos": 32316500, "hgvs_p": "p.K102*", "classification": "candidate_needs_expert_review",
                 "clinvar": None}
    hboc = {"title": "Hereditary breast and ovarian cancer", "genes": ["BRCA1", "BRCA2"]}
    fields = {"germline": {"indications": [hboc], "secondary_findings": "analysed"},
              "germline_findings": [brca2, mlh1, candidate]}
    lines = germline_findings.summarize(fields, patient(consent_secondary=True, tumour=False))
    assert [(ln["kind"], ln["rank"], ln["text"], ln["target"]) for ln in lines] == [
        ("actionable", 20, "Inherited disease: BRCA2 p.G4* — pathogenic (ClinVar VCV000051063, 3 stars), heterozygous: "
         "carrier of a dominant condition.", "germline-chr13-32316470-G-T"),
        ("actionable", 25, "Secondary finding (ACMG): MLH1 p.L525* — pathogenic (ClinVar VCV000089797, 3 stars), "
         "heterozygous: carrier of a dominant condition.", "germline-chr3-37040201-T-A"),
        ("result", 50, "Inherited disease: BRCA2 p.K102* — candidate needs expert review (not in ClinVar at the "
         "required review level), heterozygous.", "germline-chr13-32316500-G-T"),
    ]
    # nothing found, secondary findings consented and none reportable: the negative names only the genes the
    # ledger calls assessed (BRCA2, MLH1), never BRCA1 or APC, which it did not examine fully
    ledger = [{"scope": "gene", "name": g, "category": c, "status": st, "reason": "r"}
              for g, c, st in (("BRCA1", "diagnostic", "not_assessed"), ("BRCA2", "diagnostic", "assessed"),
                               ("APC", "secondary", "partly"), ("MLH1", "secondary", "assessed"))]
    base = {"germline": {"indications": [hboc], "secondary_findings": "analysed"}, "germline_findings": []}
    empty = germline_findings.summarize({**base, "assessed": ledger}, patient(consent_secondary=True, tumour=False))
    assert [ln["text"] for ln in empty] == [
        "Inherited disease (Hereditary breast and ovarian cancer): no pathogenic or likely pathogenic variant and no "
        "loss-of-function candidate found in the 1 assessed gene (BRCA2); 1 other requested gene not fully assessed.",
        "Secondary findings (ACMG): no reportable finding in the 1 assessed gene (MLH1); 1 other requested gene not "
        "fully assessed."]
    # a report without a ledger states no negative at all
    unknown = germline_findings.summarize(base, patient(consent_secondary=True, tumour=False))
    assert [(ln["kind"], ln["text"]) for ln in unknown] == [
        ("not_assessed", "Inherited disease (Hereditary breast and ovarian cancer): what was examined is not known (no "
         "ledger); no negative result can be stated."),
        ("not_assessed", "Secondary findings (ACMG): what was examined is not known (no ledger); no negative result can "
         "be stated.")]
