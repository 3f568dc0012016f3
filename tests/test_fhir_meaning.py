"""The FHIR bundle read as an EHR reads it: statuses, codes with their displays, units, LOINC answer
codes and references, for every resource type the report gives.

The patient FH1 is assembled the way the workflow assembles a report, from stage outputs made by the
engine's own steps on small inputs: a germline VCF sample (CYP2C19 *2/*2 and CYP2C9 *1/*1 called by
`genotailor.pgx`; BRCA2 c.10G>T (ClinVar 51063, pathogenic) heterozygous and MLH1 chr3:37040201 T>A
(ClinVar 89797, pathogenic) homozygous found by `genotailor germline`), a tumour VCF sample (EGFR
p.L858R at VAF 0.3 called Tier I by `genotailor somatic`, as in tests/test_run_somatic.py) and a
ledger of what was examined. The same stage files are assembled again with a failed QC file for one
sample to see which results stop being final.

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
  molecular-biomarker-ontology-cs: `molgen` "molecular sequence adjacent category".

The official HL7 validator (validator_cli.jar) is a Java program that fetches the IG packages and
terminology from the network (packages.fhir.org, tx.fhir.org); it cannot run offline here and is not
run. `fhir.resources` checks elements, cardinality and types only. So the rules an EHR relies on are
tested here one by one: every reference resolves to a fullUrl in the bundle, every LOINC coding is a
known code with its LOINC display, answer codes match their question, statuses follow QC, and
quantities carry UCUM units.
"""

from __future__ import annotations

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
    "53041-0": "DNA region of interest panel",
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
    "81293-3": "Description of ranges of DNA sequences examined",
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
}
# the report's words -> the answer they must be coded as
ZYGOSITY = {"heterozygous": "LA6706-1", "homozygous": "LA6705-3", "hemizygous": "LA6707-9"}
SIGNIFICANCE = {"pathogenic": "LA6668-3", "likely_pathogenic": "LA26332-9", "uncertain_significance": "LA26333-7"}

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

    genes = [{"gene": g, "category": "diagnostic", "sample": BLOOD, "status": "assessed",
              "reason": "100.0% of the coding exons callable at 20x or more", "callable_fraction": 1.0,
              "territory": "coding exons", "territory_bp": 1000, "callable_bp": 1000, "regions_below": []}
             for g in ("BRCA2", "MLH1")]
    ledger = d / "ledger.json"
    ledger.write_text(json.dumps({
        "patient": "FH1", "settings": {"germline_min_depth": 20, "tumor_min_depth": 50, "min_callable_fraction": 0.95,
                                       "splice_margin": 10},
        "genes": genes, "biomarkers": []}))
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
        if r["resourceType"] == "Patient":
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
                        "variant", "molecular-biomarker", "region-studied"}


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
        if r["resourceType"] in ("Observation", "DiagnosticReport"):
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
    for i in egfr:
        (variant,) = [by_url[x["reference"]] for x in i["derivedFrom"]]
        assert (variant["code"]["coding"][0]["code"], gene_of(variant)) == ("69548-6", "EGFR")
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
    assert {"51969-4", "84413-4", "69548-6", "94076-7", "53041-0", "81258-6", "53034-5", "53037-8", "LA6706-1",
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
    expected = {"genotype": "84413-4", "variant": "69548-6", "molecular-biomarker": "94076-7",
                "region-studied": "53041-0"}
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
                                "region-studied": {"final"}}


def _status_by_kind(bundle):
    """(kind of result, status) pairs: the kind from the code, the origin and the derivation."""
    by_url = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    out = set()
    for r in resources(bundle):
        if r["resourceType"] == "Task":
            out.add(("task", r["status"]))
        elif r["resourceType"] == "DiagnosticReport":
            out.add(("report", r["status"]))
        elif r["resourceType"] == "Observation":
            code = r["code"]["coding"][0]["code"]
            if code == "69548-6":
                origin = component(r, "48002-0")["valueCodeableConcept"]["coding"][0]["display"].lower()
                out.add((f"{origin} variant", r["status"]))
            elif code == "therapeutic-implication":
                sources = {by_url[x["reference"]]["code"]["coding"][0]["code"] for x in r.get("derivedFrom", [])}
                out.add(("somatic implication" if "69548-6" in sources else "pgx implication", r["status"]))
            else:
                out.add(({"84413-4": "genotype", "94076-7": "tmb", "53041-0": "region studied"}[code], r["status"]))
    return out


def test_a_failed_germline_sample_makes_its_results_preliminary_and_its_tasks_drafts(stages):
    bundle = build_bundle(_assemble(stages, failed=(BLOOD,)))
    assert _status_by_kind(bundle) == {
        ("report", "partial"), ("genotype", "preliminary"), ("pgx implication", "preliminary"), ("task", "draft"),
        ("germline variant", "preliminary"), ("region studied", "preliminary"),
        # the tumour sample passed: its results stay final
        ("somatic variant", "final"), ("somatic implication", "final"), ("tmb", "final")}
    _assert_references_resolve(bundle)


def test_a_failed_tumour_sample_makes_its_variants_and_tmb_preliminary_only(stages):
    bundle = build_bundle(_assemble(stages, failed=(TUMOUR,)))
    assert _status_by_kind(bundle) == {
        ("report", "partial"), ("somatic variant", "preliminary"), ("somatic implication", "preliminary"),
        ("tmb", "preliminary"),
        ("genotype", "final"), ("pgx implication", "final"), ("task", "requested"), ("germline variant", "final"),
        ("region studied", "final")}
