"""The FHIR bundle read as an EHR reads it: statuses, codes with their displays, units, LOINC answer
codes and references, for every resource type the report gives.

The patient FH1 is assembled the way the workflow assembles a report, from stage outputs made by the
engine's own steps on small inputs: a germline VCF sample (CYP2C19 *2/*2 and CYP2C9 *1/*1 called by
`genotailor.pgx`; BRCA2 c.10G>T (ClinVar 51063, pathogenic) heterozygous and MLH1 chr3:37040201 T>A
(ClinVar 89797, pathogenic) homozygous found by `genotailor germline`), a tumour VCF sample (EGFR
p.L858R at VAF 0.3 called Tier I by `genotailor somatic`, as in tests/test_run_somatic.py) and a
ledger of what was examined (genes assessed, partly assessed and not assessed, on both samples).
The same stage files are assembled again with a failed QC file for one sample to see which results
stop being final.

Expected values come from the standards, not from the code under test:
- statuses: FHIR R4 value sets. Observation.status (http://hl7.org/fhir/R4/valueset-observation-status.html):
  `final` "complete and verified", `preliminary` "initial or interim ... data may be incomplete or
  unverified". DiagnosticReport.status (http://hl7.org/fhir/R4/valueset-diagnostic-report-status.html):
  `partial` "incomplete or unverified" (`final` otherwise). Task.status
  (http://hl7.org/fhir/R4/valueset-task-status.html): `requested` "ready to be acted upon and action
  is sought", `draft` "not yet ready to be acted upon".
- LOINC codes and displays, answer codes: the tables below, each with its source.
- units: the Genomics Reporting IG's examples. Sample VAF (81258-6) is a fraction with UCUM unit `1`
  (http://hl7.org/fhir/uv/genomics-reporting/Observation-variant-with-molec-consequences.html:
  "0.6 ... UCUM code 1"); TMB (94076-7) has UCUM `1/1000000{Base}`
  (http://hl7.org/fhir/uv/genomics-reporting/STU2/Observation-TumorMutationBurdenExample01.html:
  "250 1/1000000{Base}"; STU3's example of the same Observation gives the value without a unit).
- profiles: the IG version the bundle follows, STU3 (3.0.0). STU3 has no `tmb` profile (STU2 had
  one); its TMB examples (Observation-TumorMutationBurdenExample01, Observation-TMBExample) claim
  StructureDefinition/molecular-biomarker, whose rules are (StructureDefinition-molecular-biomarker):
  category 2..*, with slices laboratory (observation-category, 1..1), biomarker-category
  (CodeSystem/tbd-codes-cs, 1..1) and GE (v2-0074, 0..1); an optional biomarker-category component
  (tbd-codes-cs#biomarker-category) whose value the examples take from CodeSystem/
  molecular-biomarker-ontology-cs: `molgen` "molecular sequence adjacent category". What the test
  examined: STU3 has no `region-studied` Observation (STU2 had one); see the GenomicStudy table below.

The official HL7 validator (validator_cli.jar) is a Java program that fetches the IG packages and
terminology from the network (packages.fhir.org, tx.fhir.org); it cannot run offline here and is not
run. `fhir.resources` checks elements, cardinality and types only. So the rules an EHR relies on are
tested here one by one: every reference resolves to a fullUrl in the bundle, every LOINC coding is a
known code with its LOINC display, answer codes match their question, statuses follow QC, and
quantities carry UCUM units.
"""

from __future__ import annotations

import base64
import copy
import json

import pytest

from conftest import DEMO_REFERENCE, vcf_entry_stage_files, write_vcf
from genotailor.cli import main
from genotailor.core.contracts import load_stage
from genotailor.core.paths import GERMLINE_KB, TRANSCRIPT_MODELS
from genotailor.core.samplesheet import Patient, Sample
from genotailor.germline.run import run_germline
from genotailor.pgx.recommendations import attach_to_genes, recommend
from genotailor.report.assemble import assemble
from genotailor.report.fhir import build_bundle
from test_pgx_phenotypes import call
from test_run_somatic import HEADER, RECORDS

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
IG = "http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition/"

# LOINC terms the bundle may use, with the display LOINC gives (its long common name); each at
# https://loinc.org/<code>/ and used with these displays in the Genomics Reporting IG's examples
# (http://hl7.org/fhir/uv/genomics-reporting/).
LOINC_TERMS = {
    "51969-4": "Genetic analysis report",
    "84413-4": "Genotype display name",
    "69548-6": "Genetic variant assessment",
    "94076-7": "Mutations/Megabase [# Ratio] in Tumor",
    "48018-6": "Gene studied [ID]",
    "48004-6": "DNA change (c.HGVS)",
    "48005-3": "Amino acid change (pHGVS)",
    "48002-0": "Genomic source class [Type]",
    "62374-4": "Human reference sequence assembly version",
    "48013-7": "Genomic reference sequence [ID]",
    "92822-6": "Genomic coordinate system [Type]",
    "81254-5": "Genomic allele start-end",
    "69547-8": "Genomic ref allele [ID]",
    "69551-0": "Genomic alt allele [ID]",
    "81258-6": "Sample variant allelic frequency [NFr]",
    "53034-5": "Allelic state",
    "53037-8": "Genetic variation clinical significance [Imp]",
    "81252-9": "Discrete genetic variant",
    "51963-7": "Medication assessed [Identifier]",
    "53040-2": "Genetic variation's effect on drug metabolism",
    "93044-6": "Level of evidence",
    "81259-4": "Associated phenotype",
    "81695-9": "Microsatellite instability [Interpretation] in Cancer specimen Qualitative",
}

# LOINC answer lists: question code -> {answer code: display}.
ANSWERS = {
    # Allelic state, https://loinc.org/53034-5/ (its answers also in
    # http://hl7.org/fhir/2017Jan/valueset-LOINC-53034-5-answerlist.html)
    "53034-5": {"LA6706-1": "Heterozygous", "LA6705-3": "Homozygous", "LA6707-9": "Hemizygous",
                "LA6703-8": "Heteroplasmic", "LA6704-6": "Homoplasmic"},
    # Genomic source class, https://loinc.org/48002-0/ (its answers also in
    # http://hl7.org/fhir/2017Jan/valueset-LOINC-48002-0-answerlist.html)
    "48002-0": {"LA6683-2": "Germline", "LA6684-0": "Somatic"},
    # Genetic variation clinical significance, https://loinc.org/53037-8/ (ACMG answer list LL4034-6
    # since LOINC 2.56; pathogenic and benign kept their codes from LL603-2)
    "53037-8": {"LA6668-3": "Pathogenic", "LA26332-9": "Likely pathogenic", "LA26333-7": "Uncertain significance",
                "LA26334-5": "Likely benign", "LA6675-8": "Benign"},
    # Human reference sequence assembly version, https://loinc.org/62374-4/
    "62374-4": {"LA26806-2": "GRCh38", "LA14029-5": "GRCh37"},
    # Genomic coordinate system, https://loinc.org/92822-6/
    "92822-6": {"LA30102-0": "1-based character counting"},
    # Genetic variant assessment, https://loinc.org/69548-6/ (the IG's variant examples: "Present")
    "69548-6": {"LA9633-4": "Present"},
    # Microsatellite instability, https://loinc.org/81695-9/ (answers as bound in the German Medical
    # Informatics Initiative's MSI value set: LA14122-8 Stable, LA26202-4 MSI-L, LA26203-2 MSI-H)
    "81695-9": {"LA14122-8": "Stable", "LA26203-2": "MSI-H", "LA26202-4": "MSI-L"},
}
# the report's words -> the answer they must be coded as
ZYGOSITY = {"heterozygous": "LA6706-1", "homozygous": "LA6705-3", "hemizygous": "LA6707-9"}
SIGNIFICANCE = {"pathogenic": "LA6668-3", "likely_pathogenic": "LA26332-9", "uncertain_significance": "LA26333-7"}

# FH1's ledger: every status. The ranges below threshold are MANE Select coding exons (the GFF3 in
# workflow/resources/annotation, 1-based inclusive) widened by the 10-base splice margin, written
# 1-based inclusive as the ledger writes them: BRCA1 exon 2 CDS chr17:43124017-43124096, EGFR exon 19
# CDS chr7:55174722-55174820 (outside FH1's tumour panel).
BRCA1_EXON2 = {"region": "exon 2", "chrom": "chr17", "start": 43124007, "end": 43124106, "callable_fraction": 0.0,
               "why": "no_reference", "why_text": "no reference sequence (N)"}
EGFR_EXON19 = {"region": "exon 19", "chrom": "chr7", "start": 55174712, "end": 55174830, "callable_fraction": 0.0,
               "why": "outside_panel", "why_text": "outside the sample's panel"}


def _gene(gene, category, sample, status, reason, fraction, territory="coding exons", below=()):
    return {"gene": gene, "category": category, "sample": sample, "status": status, "reason": reason,
            "callable_fraction": fraction, "territory": territory, "territory_bp": 1000,
            "callable_bp": round(1000 * (fraction or 0)), "regions_below": list(below)}


LEDGER_GENES = [
    _gene("CYP2C19", "pgx", "FH1-blood", "assessed", "100.0% of the defining positions with a usable genotype", 1.0,
          "defining positions"),
    _gene("BRCA2", "diagnostic", "FH1-blood", "assessed", "100.0% of the coding exons callable at 20x or more", 1.0),
    _gene("MLH1", "diagnostic", "FH1-blood", "assessed", "100.0% of the coding exons callable at 20x or more", 1.0),
    _gene("BRCA1", "diagnostic", "FH1-blood", "not_assessed", "nothing examined: no reference sequence (N)", 0.0,
          below=[BRCA1_EXON2]),
    _gene("PALB2", "diagnostic", "FH1-blood", "not_assessed", "no ClinVar records for PALB2 in the knowledge base",
          None),
    _gene("EGFR", "somatic", "FH1-tumour", "partly",
          "88.2% of the coding exons callable at 50x or more; 1 region below threshold", 0.882, below=[EGFR_EXON19]),
]
LEDGER_BIOMARKERS = [{"name": "copy number", "group": "somatic", "status": "not_assessed",
                      "reason": "not assessed by this test (small variants only)"}]

BRCA2_PLP = ("chr13", 32316470, "G", "T")  # ClinVar 51063, pathogenic (tests/test_germline.py)
MLH1_PLP = ("chr3", 37040201, "T", "A")  # ClinVar 89797, pathogenic
BLOOD, TUMOUR = "FH1-blood", "FH1-tumour"


# --- the patient ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def stages(tmp_path_factory):
    """The stage files of FH1 (see the module docstring) and its Patient."""
    d = tmp_path_factory.mktemp("fh1")
    results = [call(d, "CYP2C19", "*2", "*2"), call(d, "CYP2C9", "*1", "*1")]
    drugs = recommend(results)
    attach_to_genes(results, drugs)
    pgx = d / "pgx.json"
    pgx.write_text(json.dumps({"pgx": sorted(results, key=lambda r: r["gene"]), "drugs": drugs}))

    vcf = write_vcf(d / "g.vcf.gz", [(*BRCA2_PLP, "0/1"), (*MLH1_PLP, "1/1")], samples=(BLOOD,),
                    contigs=(("chr3", 198295559), ("chr13", 114364328)))
    germline = d / "germline.json"
    germline.write_text(json.dumps(run_germline(vcf, BLOOD, ["hereditary_breast_ovarian", "lynch"], False,
                                                DEMO_REFERENCE, TRANSCRIPT_MODELS, GERMLINE_KB)))

    tumour_vcf = d / "tumour.vcf"
    tumour_vcf.write_text(HEADER.replace("\\t", "\t").replace("LUNG-N\tLUNG-T", f"LUNG-N\t{TUMOUR}")
                          + "\n".join(RECORDS) + "\n")
    panel = d / "panel.bed"
    panel.write_text("chr7\t55181263\t55181578\nchr7\t55191685\t55191966\nchr7\t140753239\t140753450\n")
    somatic = d / "somatic.json"
    assert main(["somatic", "--vcf", str(tumour_vcf), "--tumor", TUMOUR, "--tumor-type", "LUAD", "--reference",
                 str(DEMO_REFERENCE), "--panel", str(panel), "--json", str(somatic)]) == 0
    load_stage("somatic", somatic)

    ledger = d / "ledger.json"
    ledger.write_text(json.dumps({
        "patient": "FH1", "settings": {"germline_min_depth": 20, "tumor_min_depth": 50, "min_callable_fraction": 0.95,
                                       "splice_margin": 10},
        "genes": LEDGER_GENES, "biomarkers": LEDGER_BIOMARKERS}))
    provenance = d / "provenance.json"
    provenance.write_text(json.dumps({"workflow": {"version": "test"}, "reference": {"name": "demo", "sha256": "0" * 64},
                                      "aligner": "none", "tools": {}, "knowledge_bases": {}}))
    blood = Sample(BLOOD, "FH1", "germline", "vcf", (), d / "g.vcf.gz", None, "DeepVariant", None, None, None, None)
    tumour = Sample(TUMOUR, "FH1", "tumor", "vcf", (), tumour_vcf, None, "Mutect2", 0.6, None, None, None)
    patient = Patient("FH1", "female", "LUAD", True, False, (), (blood, tumour), ("hereditary_breast_ovarian", "lynch"))
    return {"dir": d, "patient": patient, "stages": {"pgx": [pgx], "germline_findings": [germline], "somatic": [somatic],
                                                      "examined": [ledger]}, "provenance": provenance}


def _assemble(stages, failed=()):
    """FH1's report; the samples in `failed` failed QC (their QC files say so, as the qc step writes)."""
    d = stages["dir"] / ("failed-" + "-".join(failed) if failed else "passed")
    d.mkdir(exist_ok=True)
    qc_files, calls = [], []
    for sample in (BLOOD, TUMOUR):
        qc, norm = vcf_entry_stage_files(d, sample, records=4)
        if sample in failed:
            qc.write_text(json.dumps({
                "sample": sample, "status": "fail", "metrics": {"q30_rate": 0.45},
                "gates": [{"metric": "q30_rate", "value": 0.45, "status": "fail", "warn_below": 0.85, "fail_below": 0.75}],
                "failed_gates": ["q30_rate"], "warned_gates": []}))
        qc_files.append(qc)
        calls.append(norm)
    return assemble(stages["patient"], "2026-01-15", qc_files, calls, stages["provenance"], stages["stages"])


@pytest.fixture(scope="module")
def report(stages):
    return _assemble(stages)


@pytest.fixture
def bundle(report):
    # built in each test (a few milliseconds): a mutation tool then sees which test reads which builder code
    return build_bundle(report)


# --- reading the bundle -----------------------------------------------------------------------
def resources(bundle, kind=None):
    return [e["resource"] for e in bundle["entry"] if kind is None or e["resource"]["resourceType"] == kind]


def observations(bundle, code):
    return [r for r in resources(bundle, "Observation") if r["code"]["coding"][0]["code"] == code]


def component(obs, code):
    """The one component of `obs` with this LOINC (or tbd) code."""
    (c,) = [c for c in obs["component"] if c["code"]["coding"][0]["code"] == code]
    return c


def gene_of(obs):
    return component(obs, "48018-6")["valueCodeableConcept"]["text"]


def references(node):
    """Every `reference` string anywhere in a resource."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                yield value
            else:
                yield from references(value)
    elif isinstance(node, list):
        for item in node:
            yield from references(item)


def codings(node):
    if isinstance(node, dict):
        if "system" in node and "code" in node and "value" not in node:
            yield node
        for value in node.values():
            yield from codings(value)
    elif isinstance(node, list):
        for item in node:
            yield from codings(item)


def statuses(bundle):
    """Profile name (or resource type) -> the set of statuses of those resources."""
    out = {}
    for r in resources(bundle):
        profile = r.get("meta", {}).get("profile", [r["resourceType"]])[0].removeprefix(IG)
        if r["resourceType"] in ("Patient", "Specimen"):  # neither has a status
            continue
        out.setdefault(profile, set()).add(r["status"])
    return out


# --- the fixture is what it says --------------------------------------------------------------
def test_the_patient_has_every_kind_of_result(report, bundle):
    assert [(v["gene"], v["protein_change"], v["tier"], v["vaf"]) for v in report["somatic"]
            if v["protein_change"] == "p.L858R"] == [("EGFR", "p.L858R", "I", 0.3)]
    assert sorted((f["gene"], f["zygosity"], f["classification"]) for f in report["germline_findings"]) == [
        ("BRCA2", "heterozygous", "pathogenic"), ("MLH1", "homozygous", "pathogenic")]
    profiles = {r.get("meta", {}).get("profile", [""])[0].removeprefix(IG) for r in resources(bundle)}
    assert profiles == {"", "genomic-report", "genotype", "therapeutic-implication", "medication-recommendation",
                        "variant", "molecular-biomarker", "genomic-study", "genomic-study-analysis", "genomic-data-file"}


# --- references -------------------------------------------------------------------------------
def _assert_references_resolve(bundle):
    urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(urls) == len(set(urls))
    for e in bundle["entry"]:
        assert e["fullUrl"] == f"urn:uuid:{e['resource']['id']}"
    for r in resources(bundle):
        for ref in references(r):
            assert ref in urls, f"{r['resourceType']} {r['id']} refers to {ref}, which is not in the bundle"


def test_every_reference_resolves_to_a_resource_in_the_bundle(bundle):
    _assert_references_resolve(bundle)
    (patient,) = resources(bundle, "Patient")
    patient_url = f"urn:uuid:{patient['id']}"
    for r in resources(bundle):
        if r["resourceType"] in ("Observation", "DiagnosticReport", "Procedure", "DocumentReference", "Specimen"):
            assert r["subject"] == {"reference": patient_url}
        if r["resourceType"] == "Task":
            assert r["for"] == {"reference": patient_url}


def test_the_patient_is_the_sheet_id_with_the_sheet_sex_as_fhir_gender(report, bundle):
    # FHIR R4 administrative-gender: male | female | other | unknown
    (patient,) = resources(bundle, "Patient")
    assert (patient["identifier"], patient["gender"]) == ([{"system": "urn:genotailor:patient", "value": "FH1"}], "female")
    (unstated,) = resources(build_bundle({**report, "sex": None}), "Patient")
    assert unstated["gender"] == "unknown"


def test_the_diagnostic_report_lists_every_observation_and_each_once(bundle):
    (diagnostic,) = resources(bundle, "DiagnosticReport")
    results = [x["reference"] for x in diagnostic["result"]]
    assert len(results) == len(set(results))
    assert set(results) == {f"urn:uuid:{o['id']}" for o in resources(bundle, "Observation")}


def test_implications_derive_from_the_result_they_interpret_and_tasks_give_their_implication(bundle):
    by_url = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    implications = [r for r in resources(bundle, "Observation")
                    if r.get("meta", {}).get("profile") == [IG + "therapeutic-implication"]]
    pgx = [i for i in implications if component(i, "51963-7")["valueCodeableConcept"]["text"] == "clopidogrel"]
    egfr = [i for i in implications if component(i, "51963-7")["valueCodeableConcept"]["text"] == "Osimertinib"]
    assert len(pgx) == 1 and egfr
    (source,) = [by_url[x["reference"]] for x in pgx[0]["derivedFrom"]]
    assert (source["code"]["coding"][0]["code"], source["valueCodeableConcept"]["text"]) == ("84413-4", "CYP2C19 *2/*2")
    # one implication per drug of the tumour's therapy synthesis: osimertinib rests on both EGFR
    # variants (level A for L858R, CIViC EID11219, and for T790M, CIViC EID1592), so it derives from both
    (i,) = egfr
    variants = [by_url[x["reference"]] for x in i["derivedFrom"]]
    assert [(v["code"]["coding"][0]["code"], gene_of(v)) for v in variants] == [("69548-6", "EGFR")] * 2
    tasks = resources(bundle, "Task")
    assert tasks
    for task in tasks:
        implication = by_url[task["reasonReference"]["reference"]]
        assert implication["meta"]["profile"] == [IG + "therapeutic-implication"]
        drug = component(implication, "51963-7")["valueCodeableConcept"]["text"]
        assert task["description"].startswith(f"{drug}: ")
        assert (task["intent"], task["meta"]["profile"]) == ("proposal", [IG + "medication-recommendation"])


def test_a_dangling_reference_is_caught(bundle):
    broken = copy.deepcopy(bundle)
    (task, *_) = resources(broken, "Task")
    task["reasonReference"]["reference"] = "urn:uuid:00000000-0000-5000-8000-000000000000"
    with pytest.raises(AssertionError, match="not in the bundle"):
        _assert_references_resolve(broken)


# --- codes ------------------------------------------------------------------------------------
def test_every_loinc_coding_is_a_known_code_with_its_loinc_display(bundle):
    answers = {code: display for table in ANSWERS.values() for code, display in table.items()}
    seen = set()
    for coding in codings(bundle):
        if coding["system"] != LOINC:
            continue
        expected = LOINC_TERMS.get(coding["code"]) or answers.get(coding["code"])
        assert expected is not None, f"LOINC {coding['code']} is not a term the bundle should use"
        assert coding.get("display") == expected, coding
        seen.add(coding["code"])
    # every question and answer FH1 calls for was coded
    assert {"51969-4", "84413-4", "69548-6", "94076-7", "81258-6", "53034-5", "53037-8", "LA6706-1",
            "LA6705-3", "LA6683-2", "LA6684-0", "LA6668-3", "LA26806-2", "LA30102-0", "LA9633-4"} <= seen


def test_each_answer_code_answers_its_own_question(bundle):
    for obs in resources(bundle, "Observation"):
        for c in [obs] + obs.get("component", []):
            question = c["code"]["coding"][0]["code"]
            if question in ANSWERS and "valueCodeableConcept" in c:
                for coding in c["valueCodeableConcept"].get("coding", []):
                    assert coding["system"] == LOINC and coding["code"] in ANSWERS[question], (question, coding)


def test_the_report_and_observation_codes(bundle):
    (diagnostic,) = resources(bundle, "DiagnosticReport")
    assert diagnostic["code"]["coding"] == [{"system": LOINC, "code": "51969-4", "display": "Genetic analysis report"}]
    assert diagnostic["meta"]["profile"] == [IG + "genomic-report"]
    expected = {"genotype": "84413-4", "variant": "69548-6", "molecular-biomarker": "94076-7"}
    for r in resources(bundle, "Observation"):
        profile = r.get("meta", {}).get("profile", [""])[0].removeprefix(IG)
        if profile in expected:
            assert r["code"]["coding"][0]["code"] == expected[profile], profile


def test_germline_variants_code_origin_zygosity_and_significance_as_loinc_answers(report, bundle):
    found = {gene_of(o): o for o in observations(bundle, "69548-6")
             if component(o, "48002-0")["valueCodeableConcept"]["coding"][0]["code"] == "LA6683-2"}
    assert sorted(found) == ["BRCA2", "MLH1"]
    for f in report["germline_findings"]:
        obs = found[f["gene"]]
        assert obs["valueCodeableConcept"]["coding"] == [{"system": LOINC, "code": "LA9633-4", "display": "Present"}]
        state = component(obs, "53034-5")["valueCodeableConcept"]["coding"]
        assert [c["code"] for c in state] == [ZYGOSITY[f["zygosity"]]]
        significance = component(obs, "53037-8")["valueCodeableConcept"]["coding"]
        assert [c["code"] for c in significance] == [SIGNIFICANCE[f["classification"]]]
        assert component(obs, "81252-9")["valueCodeableConcept"]["coding"][0]["code"] == str(
            f["clinvar"]["variation_id"])
    assert component(found["BRCA2"], "81252-9")["valueCodeableConcept"]["coding"][0]["code"] == "51063"
    assert component(found["MLH1"], "81252-9")["valueCodeableConcept"]["coding"][0]["code"] == "89797"
    brca2 = found["BRCA2"]
    assert component(brca2, "81254-5")["valueRange"] == {"low": {"value": 32316470}, "high": {"value": 32316470}}
    assert (component(brca2, "69547-8")["valueString"], component(brca2, "69551-0")["valueString"]) == ("G", "T")


@pytest.mark.parametrize("zygosity", sorted(ZYGOSITY))
def test_every_zygosity_the_germline_stage_gives_has_its_allelic_state_answer(report, zygosity):
    changed = copy.deepcopy(report)
    for f in changed["germline_findings"]:
        f["zygosity"] = zygosity
    for obs in observations(build_bundle(changed), "69548-6"):
        if component(obs, "48002-0")["valueCodeableConcept"]["coding"][0]["code"] == "LA6683-2":
            assert component(obs, "53034-5")["valueCodeableConcept"]["coding"] == [
                {"system": LOINC, "code": ZYGOSITY[zygosity], "display": ANSWERS["53034-5"][ZYGOSITY[zygosity]]}]


@pytest.mark.parametrize("classification", sorted(SIGNIFICANCE) + ["conflicting", "candidate"])
def test_each_classification_has_its_acmg_answer_and_no_other_is_coded(report, classification):
    changed = copy.deepcopy(report)
    for f in changed["germline_findings"]:
        f["classification"] = classification
    for obs in observations(build_bundle(changed), "69548-6"):
        if component(obs, "48002-0")["valueCodeableConcept"]["coding"][0]["code"] != "LA6683-2":
            continue
        value = component(obs, "53037-8")["valueCodeableConcept"]
        if classification in SIGNIFICANCE:
            code = SIGNIFICANCE[classification]
            assert value["coding"] == [{"system": LOINC, "code": code, "display": ANSWERS["53037-8"][code]}]
        else:  # no ACMG answer means this: words only, never a code an EHR would file as a class
            assert "coding" not in value and value["text"] == classification


def test_somatic_variants_are_somatic_with_their_vaf_as_a_fraction_in_ucum_unit_one(report, bundle):
    somatic = [o for o in observations(bundle, "69548-6")
               if component(o, "48002-0")["valueCodeableConcept"]["coding"][0]["code"] == "LA6684-0"]
    assert len(somatic) == len(report["somatic"]) >= 2
    by_position = {component(o, "81254-5")["valueRange"]["low"]["value"]: o for o in somatic}
    for v in report["somatic"]:
        vaf = component(by_position[v["pos"]], "81258-6")["valueQuantity"]
        assert vaf["system"] == UCUM and vaf["code"] == "1" and vaf["value"] == v["vaf"]
        assert 0 < vaf["value"] <= 1
    l858r = by_position[55191822]
    assert component(l858r, "81258-6")["valueQuantity"]["value"] == 0.3  # 60 of 200 reads (FORMAT/AD)
    assert gene_of(l858r) == "EGFR"
    assert component(l858r, "48005-3")["valueCodeableConcept"]["coding"][0]["code"] == "p.Leu858Arg"
    assert component(l858r, "48004-6")["valueCodeableConcept"]["coding"][0]["code"] == "NM_005228.5:c.2573T>G"


TBD = "http://hl7.org/fhir/uv/genomics-reporting/CodeSystem/tbd-codes-cs"
SO = "http://www.sequenceontology.org"
# Sequence Ontology accessions (http://www.sequenceontology.org/browser/)
SO_TERMS = {"missense_variant": "SO:0001583", "stop_gained": "SO:0001587", "splice_region_variant": "SO:0001630",
            "synonymous_variant": "SO:0001819"}
# GRCh38 chromosome RefSeq accessions (NCBI GRCh38.p14 assembly report)
CHROMOSOMES = {"EGFR": "NC_000007.14", "BRCA2": "NC_000013.11", "MLH1": "NC_000003.12"}


def consequences(obs):
    return [(c["code"]["coding"][0]["system"], c["code"]["coding"][0]["code"], c["valueCodeableConcept"]["coding"][0])
            for c in obs["component"] if c["code"]["coding"][0]["code"] == "molecular-consequence"]


def test_variants_name_their_consequence_in_sequence_ontology_and_their_chromosome_in_refseq(bundle):
    variants = {gene_of(o): o for o in observations(bundle, "69548-6")
                if component(o, "81254-5")["valueRange"]["low"]["value"] in (55191822, 32316470, 37040201)}
    assert consequences(variants["EGFR"]) == [
        (TBD, "molecular-consequence", {"system": SO, "code": "SO:0001583", "display": "missense_variant"})]
    assert consequences(variants["BRCA2"]) == [
        (TBD, "molecular-consequence", {"system": SO, "code": "SO:0001587", "display": "stop_gained"})]
    for gene, obs in variants.items():
        assert component(obs, "48013-7")["valueCodeableConcept"]["coding"] == [
            {"system": "http://www.ncbi.nlm.nih.gov/refseq", "code": CHROMOSOMES[gene]}]
    assert component(variants["BRCA2"], "48004-6")["valueCodeableConcept"]["coding"][0]["code"] == "NM_000059.4:c.10G>T"


def test_each_consequence_term_of_a_variant_is_its_own_sequence_ontology_component(report):
    changed = copy.deepcopy(report)
    (v,) = [v for v in changed["somatic"] if v["pos"] == 55191822]
    v["consequence"] = "splice_region_variant&synonymous_variant"
    (obs,) = [o for o in observations(build_bundle(changed), "69548-6")
              if component(o, "81254-5")["valueRange"]["low"]["value"] == 55191822]
    assert [c[2]["code"] for c in consequences(obs)] == ["SO:0001630", "SO:0001819"]


def test_a_variant_without_a_transcript_gives_its_c_hgvs_alone(report):
    changed = copy.deepcopy(report)
    for f in changed["germline_findings"]:
        f["refseq"] = f["transcript"] = None
    (brca2,) = [o for o in observations(build_bundle(changed), "69548-6") if gene_of(o) == "BRCA2"]
    assert component(brca2, "48004-6")["valueCodeableConcept"]["coding"][0]["code"] == "c.10G>T"


def test_tmb_not_assessed_has_a_reason_and_no_value(report, bundle):
    assert report["tmb"]["method"] == "not_assessed"  # the panel is 0.000461 Mb
    (tmb,) = observations(bundle, "94076-7")
    assert "valueQuantity" not in tmb and tmb["meta"]["profile"] == [IG + "molecular-biomarker"]
    assert tmb["dataAbsentReason"]["coding"][0]["code"] == "not-performed"
    assert tmb["dataAbsentReason"]["text"]


def test_tmb_value_is_mutations_per_megabase_in_ucum(report):
    changed = copy.deepcopy(report)
    changed["tmb"] = {**changed["tmb"], "per_mb": 12.5}
    (tmb,) = observations(build_bundle(changed), "94076-7")
    quantity = tmb["valueQuantity"]
    assert (quantity["value"], quantity["system"], quantity["code"]) == (12.5, UCUM, "1/1000000{Base}")
    assert "dataAbsentReason" not in tmb


IG_CS = "http://hl7.org/fhir/uv/genomics-reporting/CodeSystem/"


def test_tmb_claims_the_stu3_molecular_biomarker_profile_with_its_required_categories(bundle):
    (tmb,) = observations(bundle, "94076-7")
    assert tmb["meta"]["profile"] == [IG + "molecular-biomarker"]  # STU3: there is no StructureDefinition/tmb
    codings = [c["coding"] for c in tmb["category"]]
    assert all(len(c) == 1 for c in codings)  # each category slice holds one coding (1..1)
    pairs = [(c[0]["system"], c[0]["code"]) for c in codings]
    assert len(pairs) >= 2 and len(set(pairs)) == len(pairs)
    assert pairs.count(("http://terminology.hl7.org/CodeSystem/observation-category", "laboratory")) == 1
    assert pairs.count((IG_CS + "tbd-codes-cs", "biomarker-category")) == 1
    assert pairs.count(("http://terminology.hl7.org/CodeSystem/v2-0074", "GE")) <= 1
    assert tmb["code"]["coding"] == [{"system": LOINC, "code": "94076-7",
                                      "display": "Mutations/Megabase [# Ratio] in Tumor"}]
    kinds = [c for c in tmb.get("component", []) if c["code"]["coding"][0]["code"] == "biomarker-category"]
    assert [(k["code"]["coding"][0]["system"], k["valueCodeableConcept"]["coding"][0]["system"],
             k["valueCodeableConcept"]["coding"][0]["code"]) for k in kinds] == [
        (IG_CS + "tbd-codes-cs", IG_CS + "molecular-biomarker-ontology-cs", "molgen")]


def test_genotype_and_pgx_implication_values(bundle):
    (cyp2c19,) = [o for o in observations(bundle, "84413-4") if gene_of(o) == "CYP2C19"]
    assert cyp2c19["valueCodeableConcept"]["text"] == "CYP2C19 *2/*2"
    assert component(cyp2c19, "48018-6")["valueCodeableConcept"]["coding"][0]["code"] == "HGNC:2621"
    (clopidogrel,) = [o for o in resources(bundle, "Observation")
                      if o.get("meta", {}).get("profile") == [IG + "therapeutic-implication"]
                      and component(o, "51963-7")["valueCodeableConcept"]["text"] == "clopidogrel"]
    assert component(clopidogrel, "53040-2")["valueCodeableConcept"]["text"] == "CYP2C19 Poor Metabolizer"


def _implication(bundle, drug):
    (obs,) = [o for o in resources(bundle, "Observation") if o.get("meta", {}).get("profile") == [IG + "therapeutic-implication"]
              and component(o, "51963-7")["valueCodeableConcept"]["text"] == drug]
    return obs


def test_pgx_results_carry_pharmvar_alleles_the_cpic_phenotype_action_dose_and_guideline(bundle):
    # CYP2C19 *2/*2: two no-function alleles, a CPIC Poor Metabolizer; CPIC (clopidogrel, 2022): use
    # an alternative antiplatelet, strong; CPIC (tricyclics, 2016): avoid amitriptyline, or 50% of the
    # starting dose
    (cyp2c19,) = [o for o in observations(bundle, "84413-4") if gene_of(o) == "CYP2C19"]
    assert cyp2c19["valueCodeableConcept"]["coding"] == [
        {"system": "https://www.pharmvar.org", "code": "CYP2C19*2 / CYP2C19*2", "display": "CYP2C19 *2/*2"}]
    assert cyp2c19["note"] == [{"text": "Phenotype: Poor Metabolizer"}]
    clopidogrel = _implication(bundle, "clopidogrel")
    assert component(clopidogrel, "predicted-therapeutic-implication")["code"]["coding"] == [
        {"system": TBD, "code": "predicted-therapeutic-implication", "display": "Predicted Therapeutic Implication"}]
    assert component(clopidogrel, "predicted-therapeutic-implication")["valueCodeableConcept"] == {
        "text": "Use an alternative drug"}
    assert component(clopidogrel, "93044-6")["valueCodeableConcept"] == {"text": "CPIC guideline: strong"}
    assert clopidogrel["note"] == [{"text": "Guideline: https://cpicpgx.org/guidelines/guideline-for-clopidogrel-and-cyp2c19/"}]
    amitriptyline = _implication(bundle, "amitriptyline")
    assert component(amitriptyline, "predicted-therapeutic-implication")["valueCodeableConcept"]["text"] == (
        "Avoid (if used, 50% of the starting dose)")
    tasks = {t["description"].split(":")[0]: t for t in resources(bundle, "Task")}
    assert tasks["clopidogrel"]["description"] == "clopidogrel: Use an alternative drug"
    assert tasks["amitriptyline"]["description"].endswith("(if used, 50% of the starting dose)")
    assert tasks["clopidogrel"]["code"]["coding"] == [
        {"system": TBD, "code": "medication-recommendation", "display": "Medication Recommendation"}]
    # a drug with standard dosing (CYP2C9 *1/*1) has an implication but nothing to do: no Task
    celecoxib = _implication(bundle, "celecoxib")
    assert "celecoxib" not in tasks and component(celecoxib, "53040-2")["valueCodeableConcept"] == {
        "text": "CYP2C9 Normal Metabolizer"}


def test_somatic_implications_carry_therapy_direction_level_and_disease(bundle):
    egfr = [o for o in resources(bundle, "Observation") if o.get("meta", {}).get("profile") == [IG + "therapeutic-implication"]
            and component(o, "51963-7")["valueCodeableConcept"]["text"] == "Osimertinib"]
    assert {component(o, "93044-6")["valueCodeableConcept"]["text"] for o in egfr} <= {
        "AMP/ASCO/CAP level A", "AMP/ASCO/CAP level B"}
    for o in egfr:
        assert component(o, "predicted-therapeutic-implication")["valueCodeableConcept"] == {"text": "sensitivity"}
        assert component(o, "81259-4")["valueCodeableConcept"] == {"text": "Non-Small Cell Lung Cancer"}
        assert o["note"][0]["text"].startswith("Evidence: https://")


# --- statuses ---------------------------------------------------------------------------------
def test_a_report_whose_samples_passed_is_final_and_its_tasks_requested(bundle):
    assert statuses(bundle) == {"genomic-report": {"final"}, "genotype": {"final"}, "therapeutic-implication": {"final"},
                                "medication-recommendation": {"requested"}, "variant": {"final"},
                                "molecular-biomarker": {"final"},
                                # Procedure.status (event-status): the study and its analyses were done
                                "genomic-study": {"completed"}, "genomic-study-analysis": {"completed"},
                                "genomic-data-file": {"current"}}


def _status_by_kind(bundle):
    """(kind of result, status) pairs: the kind from the code, the origin and the derivation."""
    by_url = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    out = set()
    for r in resources(bundle):
        if r["resourceType"] == "Task":
            out.add(("task", r["status"]))
        elif r["resourceType"] == "DiagnosticReport":
            out.add(("report", r["status"]))
        elif r["resourceType"] == "DocumentReference":
            # DocumentReference.docStatus (composition-status): `preliminary` "a preliminary version"
            out.add((f"uncalled ranges {r['description'].split(',')[0].lower()}", r["docStatus"]))
        elif r["resourceType"] == "Observation":
            code = r["code"]["coding"][0]["code"]
            if code == "69548-6":
                origin = component(r, "48002-0")["valueCodeableConcept"]["coding"][0]["display"].lower()
                out.add((f"{origin} variant", r["status"]))
            elif code == "therapeutic-implication":
                sources = {by_url[x["reference"]]["code"]["coding"][0]["code"] for x in r.get("derivedFrom", [])}
                out.add(("somatic implication" if "69548-6" in sources else "pgx implication", r["status"]))
            else:
                out.add(({"84413-4": "genotype", "94076-7": "tmb"}[code], r["status"]))
    return out


def test_a_failed_germline_sample_makes_its_results_preliminary_and_its_tasks_drafts(stages):
    bundle = build_bundle(_assemble(stages, failed=(BLOOD,)))
    assert _status_by_kind(bundle) == {
        ("report", "partial"), ("genotype", "preliminary"), ("pgx implication", "preliminary"), ("task", "draft"),
        ("germline variant", "preliminary"), ("uncalled ranges inherited disease", "preliminary"),
        # the tumour sample passed: its results stay final
        ("somatic variant", "final"), ("somatic implication", "final"), ("tmb", "final"),
        ("uncalled ranges tumour panel", "final")}
    _assert_references_resolve(bundle)


def test_a_failed_tumour_sample_makes_its_variants_and_tmb_preliminary_only(stages):
    bundle = build_bundle(_assemble(stages, failed=(TUMOUR,)))
    assert _status_by_kind(bundle) == {
        ("report", "partial"), ("somatic variant", "preliminary"), ("somatic implication", "preliminary"),
        ("tmb", "preliminary"),
        ("genotype", "final"), ("pgx implication", "final"), ("task", "requested"), ("germline variant", "final"),
        ("uncalled ranges tumour panel", "preliminary"), ("uncalled ranges inherited disease", "final")}


# --- what the test examined: GenomicStudy -----------------------------------------------------
# The Genomics Reporting IG STU3 (3.0.0) models what a test examined as a GenomicStudy with its
# analyses (Procedure profiles backported from R5's GenomicStudy); STU2's region-studied Observation
# is gone. Pages: http://hl7.org/fhir/uv/genomics-reporting/STU3/artifacts.html; definitions in the
# IG's source, https://github.com/HL7/genomics-reporting (tag 3.0.0), input/fsh/GGGenomicStudy.fsh
# and input/fsh/CGGeneral.fsh; usage as in input/fsh/examples/genomic-study-examples.fsh and
# somaticReportPDFexamples.fsh (somaticReport -> somaticStudy -> analysisTumorNormalDNA).
STUDY_IG = {
    # resource type, profile (StructureDefinition-<id>.html)
    "study": ("Procedure", IG + "genomic-study"),  # category 1..1 = observation-category#laboratory
    "analysis": ("Procedure", IG + "genomic-study-analysis"),  # status fixed `completed`
    "data file": ("DocumentReference", IG + "genomic-data-file"),
}
STUDY_EXTENSIONS = {
    # DiagnosticReport (genomic-report).extension: value Reference(GenomicStudy)
    "report -> study": IG + "genomic-study-reference",
    # GenomicStudy.extension: value Reference(GenomicStudyAnalysis)
    "study -> analysis": IG + "genomic-study-analysis-ext",
    # GenomicStudyAnalysis.extension
    "method type": IG + "genomic-study-analysis-method-type",  # GenomicStudyMethodTypeCS (preferred)
    "genome build": IG + "genomic-study-analysis-genome-build",  # LOINC LL1040-6 (extensible)
    "source class": IG + "genomic-study-analysis-genomic-source-class",  # LOINC LL378-1 (extensible)
    "specimen": IG + "genomic-study-analysis-specimen",  # Reference(Specimen)
    "regions": IG + "genomic-study-analysis-regions",
}
# the regions extension's sub-extensions: description (string); studied, called ("studied ... with
# sufficient coverage and quality to be called") and uncalled ("studied ... but deemed uncallable"),
# each a CodeableConcept from HGNCVS (HGNC gene ID as code, symbol as display) or a
# Reference(GenomicDataFile), a BED file in the IG's examples
REGIONS = ("description", "studied", "called", "uncalled")
HGNC_SYSTEM = "http://www.genenames.org"  # HGNCVS includes codes from this system (Aliases.fsh $HGNCID)
LABORATORY = {"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}
METHOD_CS = IG_CS + "genomic-study-method-type-cs"
DATA_FORMAT_CS = IG_CS + "genomic-study-data-format-cs"
# HGNC gene IDs (https://www.genenames.org/data/gene-symbol-report/#!/hgnc_id/HGNC:<n>)
HGNC_IDS = {"BRCA1": "HGNC:1100", "BRCA2": "HGNC:1101", "MLH1": "HGNC:7127", "PALB2": "HGNC:26144",
            "CYP2C19": "HGNC:2621", "EGFR": "HGNC:3236"}


def extensions(resource, url):
    return [x for x in resource.get("extension", []) if x["url"] == url]


def the_study(bundle):
    by_url = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    (diagnostic,) = resources(bundle, "DiagnosticReport")
    (link,) = extensions(diagnostic, STUDY_EXTENSIONS["report -> study"])
    study = by_url[link["valueReference"]["reference"]]
    analyses = [by_url[x["valueReference"]["reference"]] for x in extensions(study, STUDY_EXTENSIONS["study -> analysis"])]
    return study, analyses, by_url


def analyses_by_title(bundle):
    _, analyses, _ = the_study(bundle)
    return {extensions(a, IG + "genomic-study-analysis-title")[0]["valueString"]: a for a in analyses}


def regions(analysis):
    (ext,) = extensions(analysis, STUDY_EXTENSIONS["regions"])
    out = {name: [x for x in ext["extension"] if x["url"] == name] for name in REGIONS}
    assert sum(len(v) for v in out.values()) == len(ext["extension"]), "a sub-extension the IG does not define"
    return out


def genes_in(subs):
    """(HGNC code, symbol) of the coded genes among sub-extensions."""
    out = []
    for x in subs:
        if "valueCodeableConcept" in x:
            (coding,) = x["valueCodeableConcept"]["coding"]
            assert coding["system"] == HGNC_SYSTEM and coding["display"] == x["valueCodeableConcept"]["text"]
            out.append((coding["code"], coding["display"]))
    return out


def test_the_report_names_one_genomic_study_with_an_analysis_per_sample_and_category(bundle):
    study, analyses, _ = the_study(bundle)
    kind, profile = STUDY_IG["study"]
    assert (study["resourceType"], study["meta"]["profile"]) == (kind, [profile])
    assert study["category"] == {"coding": [LABORATORY]} and study["status"] == "completed"
    for a in analyses:
        kind, profile = STUDY_IG["analysis"]
        assert (a["resourceType"], a["meta"]["profile"], a["status"]) == (kind, [profile], "completed")
        assert a["category"] == {"coding": [LABORATORY]}
    # no Procedure that the study does not list, none listed twice
    assert sorted(a["id"] for a in analyses) == sorted(r["id"] for r in resources(bundle, "Procedure") if r is not study)
    by_url = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    described = {}
    for a in analyses:
        (specimen,) = extensions(a, STUDY_EXTENSIONS["specimen"])
        (sample,) = by_url[specimen["valueReference"]["reference"]]["identifier"]
        (source,) = extensions(a, STUDY_EXTENSIONS["source class"])
        (build,) = extensions(a, STUDY_EXTENSIONS["genome build"])
        assert build["valueCodeableConcept"]["coding"] == [{"system": LOINC, "code": "LA26806-2", "display": "GRCh38"}]
        methods = [m["valueCodeableConcept"]["coding"][0] for m in extensions(a, STUDY_EXTENSIONS["method type"])]
        assert all(m["system"] == METHOD_CS for m in methods)
        described[sample["value"]] = described.get(sample["value"], []) + [
            (source["valueCodeableConcept"]["coding"][0]["code"], [m["code"] for m in methods],
             [g for _, g in genes_in(regions(a)["studied"])])]
    # the germline sample: Germline (LA6683-2); the tumour: Somatic (LA6684-0); pharmacogenes by their
    # defining positions, disease and tumour genes by their coding exons
    assert described == {
        BLOOD: [("LA6683-2", ["targeted-variant-analysis"], ["CYP2C19"]),
                ("LA6683-2", ["sequence-analysis-of-the-entire-coding-region"], ["BRCA2", "MLH1", "BRCA1", "PALB2"])],
        TUMOUR: [("LA6684-0", ["sequence-analysis-of-the-entire-coding-region"], ["EGFR"])]}


def test_every_requested_gene_is_studied_and_called_only_when_assessed_uncalled_when_not(report, bundle):
    ledger = {(e["sample"], e["name"]): e["status"] for e in report["assessed"] if e["scope"] == "gene"}
    assert sorted(ledger.values()) == ["assessed"] * 3 + ["not_assessed"] * 2 + ["partly"]
    seen = {}
    for title, a in analyses_by_title(bundle).items():
        r = regions(a)
        studied, called, uncalled = (genes_in(r[k]) for k in ("studied", "called", "uncalled"))
        for code, gene in studied:
            assert code == HGNC_IDS[gene]
            seen[gene] = ("called" if (code, gene) in called else "uncalled" if (code, gene) in uncalled else "neither")
        assert set(called) | set(uncalled) <= set(studied) and not set(called) & set(uncalled)
    # a partly assessed gene is neither: part of it was called, its uncalled ranges are in the BED
    assert seen == {"CYP2C19": "called", "BRCA2": "called", "MLH1": "called", "BRCA1": "uncalled", "PALB2": "uncalled",
                    "EGFR": "neither"}


NOT_ASSESSED_LINES = {
    "BRCA1": "BRCA1 (inherited disease): not assessed — nothing examined: no reference sequence (N); below threshold: "
             "exon 2 chr17:43124007-43124106 (0.0% callable, no reference sequence (N))",
    "PALB2": "PALB2 (inherited disease): not assessed — no ClinVar records for PALB2 in the knowledge base",
}


def test_a_gene_not_assessed_is_named_with_its_reason_and_every_gene_with_its_status(bundle):
    analyses = analyses_by_title(bundle)
    disease = analyses[f"Inherited disease, sample {BLOOD}"]
    (description,) = regions(disease)["description"]
    assert description["valueString"].split("\n") == [
        "BRCA2 (inherited disease): assessed — 100.0% of the coding exons callable at 20x or more",
        "MLH1 (inherited disease): assessed — 100.0% of the coding exons callable at 20x or more",
        NOT_ASSESSED_LINES["BRCA1"], NOT_ASSESSED_LINES["PALB2"]]
    # as the IG's examples name an uncallable gene, a note per gene not fully assessed
    assert disease["note"] == [{"text": NOT_ASSESSED_LINES["BRCA1"]}, {"text": NOT_ASSESSED_LINES["PALB2"]}]
    tumour = analyses[f"Tumour panel, sample {TUMOUR}"]
    partly = ("EGFR (tumour panel): partly assessed — 88.2% of the coding exons callable at 50x or more; 1 region below "
              "threshold; below threshold: exon 19 chr7:55174712-55174830 (0.0% callable, outside the sample's panel)")
    assert regions(tumour)["description"][0]["valueString"] == partly and tumour["note"] == [{"text": partly}]
    assert "note" not in analyses[f"Pharmacogenomics, sample {BLOOD}"]  # every gene assessed


def test_the_biomarker_classes_not_assessed_are_the_studys_notes(bundle):
    study, _, _ = the_study(bundle)
    # the ledger holds the TMB (too small a panel for one) and the classes this test does not examine
    assert study["note"] == [
        {"text": "tumour mutational burden (TMB) (tumour panel): not assessed — callable coding territory 0.000461 Mb "
                 "is below the configured minimum 1.0 Mb: the panel is too small for a TMB"},
        {"text": "copy number (tumour panel): not assessed — not assessed by this test (small variants only)"}]


def _bed(document):
    (content,) = document["content"]
    return base64.b64decode(content["attachment"]["data"]).decode()


def test_the_uncalled_ranges_are_an_inline_bed_file_zero_based_half_open(bundle):
    uncalled = {}
    _, _, by_url = the_study(bundle)
    for title, a in analyses_by_title(bundle).items():
        files = [by_url[x["valueReference"]["reference"]] for x in regions(a)["uncalled"] if "valueReference" in x]
        uncalled[title] = [_bed(f) for f in files]
        for f in files:
            kind, profile = STUDY_IG["data file"]
            assert (f["resourceType"], f["meta"]["profile"]) == (kind, [profile])
            assert (f["status"], f["docStatus"]) == ("current", "final")
            (content,) = f["content"]
            assert content["attachment"]["contentType"] == "text/plain"
            assert content["format"] == {"system": DATA_FORMAT_CS, "code": "bed", "display": "BED"}
            assert "GRCh38" in f["description"]
    # BED (samtools hts-specs BEDv1 1.3): chromStart 0-based, chromEnd exclusive; the ledger's 1-based
    # inclusive 43124007-43124106 is BED 43124006 43124106; names without whitespace (BED fields are
    # whitespace-delimited)
    assert uncalled == {
        f"Pharmacogenomics, sample {BLOOD}": [],
        f"Inherited disease, sample {BLOOD}": ["chr17\t43124006\t43124106\tBRCA1_exon_2\n"],
        f"Tumour panel, sample {TUMOUR}": ["chr7\t55174711\t55174830\tEGFR_exon_19\n"]}
    assert len(resources(bundle, "DocumentReference")) == 2  # every data file is an analysis's


def test_the_analyses_of_a_failed_sample_say_so(stages):
    bundle = build_bundle(_assemble(stages, failed=(TUMOUR,)))
    analyses = analyses_by_title(bundle)
    qc = f"sample {TUMOUR} failed quality control: not for clinical decisions without review or re-sequencing"
    assert analyses[f"Tumour panel, sample {TUMOUR}"]["note"][-1] == {"text": qc}
    assert qc not in json.dumps(analyses[f"Inherited disease, sample {BLOOD}"])


def test_a_report_without_a_ledger_has_no_study(report):
    bundle = build_bundle({**report, "assessed": []})
    (diagnostic,) = resources(bundle, "DiagnosticReport")
    assert "extension" not in diagnostic and not resources(bundle, "Procedure")
    _assert_references_resolve(bundle)


def test_a_dangling_reference_from_the_study_is_caught(bundle):
    broken = copy.deepcopy(bundle)
    study, _, _ = the_study(broken)
    study["extension"][0]["valueReference"]["reference"] = "urn:uuid:00000000-0000-5000-8000-000000000000"
    with pytest.raises(AssertionError, match="not in the bundle"):
        _assert_references_resolve(broken)


# --- MSI: one molecular-biomarker Observation per tumour the ledger names --------------------------
def _with_msi(report, status, result, reason):
    import copy

    changed = copy.deepcopy(report)
    changed["assessed"].append({"scope": "biomarker", "name": "microsatellite instability (MSI)", "category": "somatic",
                                "status": status, "reason": reason, "callable_fraction": None, "sample": TUMOUR,
                                "result": result})
    changed["msi"] = [{"sample": TUMOUR, "status": result or "not_assessed", "reason": reason,
                       "score_percent": 40.0 if result else None}]
    return build_bundle(changed)


def test_an_msi_h_tumour_is_coded_with_the_loinc_msi_h_answer(report):
    bundle = _with_msi(report, "assessed", "MSI-H", "MSI-H: 48 of 120 informative loci unstable")
    (obs,) = observations(bundle, "81695-9")
    assert obs["valueCodeableConcept"]["coding"] == [{"system": LOINC, "code": "LA26203-2", "display": "MSI-H"}]
    test_every_loinc_coding_is_a_known_code_with_its_loinc_display(bundle)
    _assert_references_resolve(bundle)
    assert obs["meta"]["profile"] == [IG + "molecular-biomarker"] and obs["status"] == "final"


def test_an_mss_tumour_is_coded_stable(report):
    (obs,) = observations(_with_msi(report, "assessed", "MSS", "MSS: 0 of 120 informative loci unstable"), "81695-9")
    assert obs["valueCodeableConcept"]["coding"][0]["code"] == "LA14122-8"


def test_msi_not_assessed_has_no_value_and_says_why(report):
    (obs,) = observations(_with_msi(report, "not_assessed", None, "tumour purity 0.1 is below the minimum 0.2"),
                          "81695-9")
    assert "valueCodeableConcept" not in obs
    assert obs["dataAbsentReason"]["coding"][0]["code"] == "not-performed"
    assert obs["dataAbsentReason"]["text"] == "tumour purity 0.1 is below the minimum 0.2"
