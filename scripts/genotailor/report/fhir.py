"""The per-patient report as an HL7 FHIR R4 Bundle following the Genomics Reporting IG (STU3,
http://hl7.org/fhir/uv/genomics-reporting/): a genomic-report DiagnosticReport; genotype
(diplotype) and therapeutic-implication Observations and medication-recommendation Tasks for
pharmacogenomics; variant and therapeutic-implication Observations for somatic findings; a TMB
molecular-biomarker Observation. Parsed and validated with `fhir.resources` (its R4B models: R4B
changed no resource used here from R4).

Only what the JSON report holds goes in, so consent carries over: no PGx consent, no PGx
resource. Resource ids are UUID v5 of their content keys and the bundle has no timestamp, so
the same report gives the same bytes. The patient is named by the sheet's (pseudonymous) ID only.
"""

from __future__ import annotations

import csv
import json
import uuid
from functools import lru_cache
from pathlib import Path

from genotailor.core.errors import GenotailorError
from genotailor.core.paths import RESOURCES
from genotailor.report import words

GENE_IDS = RESOURCES / "annotation" / "genes.MANE_v1.5.panel.tsv"
NAMESPACE = uuid.UUID("5b0c7c1e-3f57-5a43-9d1c-6e0c1f4a2b77")
IG = "http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition/"
IG_CODES = "http://hl7.org/fhir/uv/genomics-reporting/CodeSystem/"
TBD = IG_CODES + "tbd-codes-cs"
LOINC = "http://loinc.org"
SO = "http://www.sequenceontology.org"
HGNC = "http://www.genenames.org/geneId"
HGVS = "http://varnomen.hgvs.org"
PHARMVAR = "https://www.pharmvar.org"
CATEGORY = [
    {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}]},
    {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074", "code": "GE", "display": "Genetics"}]},
]
# molecular-biomarker (STU3): laboratory, the IG's biomarker-category and Genetics; a biomarker-category
# component from the IG's Molecular Biomarker Ontology (TMB is counted from sequence: `molgen`)
BIOMARKER_CATEGORY = [CATEGORY[0], {"coding": [{"system": TBD, "code": "biomarker-category"}]}, CATEGORY[1]]
BIOMARKER_KIND_SEQUENCE = {
    "code": {"coding": [{"system": TBD, "code": "biomarker-category"}]},
    "valueCodeableConcept": {"coding": [{"system": IG_CODES + "molecular-biomarker-ontology-cs", "code": "molgen",
                                         "display": "molecular sequence adjacent category"}]},
}

# Sequence Ontology accessions of the consequence terms the somatic stage gives (bcftools csq terms)
SO_TERMS = {
    "missense_variant": "SO:0001583", "synonymous_variant": "SO:0001819", "stop_gained": "SO:0001587",
    "stop_lost": "SO:0001578", "start_lost": "SO:0002012", "frameshift_variant": "SO:0001589",
    "inframe_deletion": "SO:0001822", "inframe_insertion": "SO:0001821", "splice_donor_variant": "SO:0001575",
    "splice_acceptor_variant": "SO:0001574", "splice_region_variant": "SO:0001630",
}


def _loinc(code, display) -> dict:
    return {"coding": [{"system": LOINC, "code": code, "display": display}]}


def _tbd(code, display) -> dict:
    return {"coding": [{"system": TBD, "code": code, "display": display}]}


@lru_cache(maxsize=1)
def gene_ids() -> dict:
    with open(GENE_IDS, newline="") as fh:
        return {row["symbol"]: (row["hgnc_id"], row["refseq_chromosome"]) for row in csv.DictReader(fh, delimiter="\t")}


def _gene(symbol: str) -> dict:
    hgnc = gene_ids().get(symbol)
    concept = {"text": symbol}
    if hgnc:
        concept["coding"] = [{"system": HGNC, "code": hgnc[0], "display": symbol}]
    return {"code": _loinc("48018-6", "Gene studied [ID]"), "valueCodeableConcept": concept}


def _variant_components(gene, transcript, hgvs_c, hgvs_p, consequence, pos, ref, alt, source,
                        extra=()) -> list[dict]:
    """The components of a variant Observation (Genomics Reporting IG): gene, c. and p. HGVS, SO
    consequences, genomic source class, build, reference sequence, the `extra` components of the
    caller (VAF, allelic state), and the allele itself."""
    components = []
    if gene:
        components.append(_gene(gene))
    if hgvs_c:
        c = f"{transcript}:{hgvs_c}" if transcript else hgvs_c
        components.append({"code": _loinc("48004-6", "DNA change (c.HGVS)"),
                           "valueCodeableConcept": {"coding": [{"system": HGVS, "code": c}]}})
    if hgvs_p:
        components.append({"code": _loinc("48005-3", "Amino acid change (pHGVS)"),
                           "valueCodeableConcept": {"coding": [{"system": HGVS, "code": hgvs_p}]}})
    for term in consequence.split("&"):
        if term in SO_TERMS:
            components.append({"code": _tbd("molecular-consequence", "Molecular Consequence"),
                               "valueCodeableConcept": {"coding": [{"system": SO, "code": SO_TERMS[term],
                                                                    "display": term}]}})
    components.append({"code": _loinc("48002-0", "Genomic source class [Type]"),
                       "valueCodeableConcept": {"coding": [{"system": LOINC, "code": source[0], "display": source[1]}]}})
    components.append({"code": _loinc("62374-4", "Human reference sequence assembly version"),
                       "valueCodeableConcept": {"coding": [{"system": LOINC, "code": "LA26806-2", "display": "GRCh38"}]}})
    accession = gene_ids().get(gene or "", (None, None))[1]
    if accession:
        components.append({"code": _loinc("48013-7", "Genomic reference sequence [ID]"),
                           "valueCodeableConcept": {"coding": [{"system": "http://www.ncbi.nlm.nih.gov/refseq",
                                                                "code": accession}]}})
    return components + list(extra) + [
        {"code": _loinc("92822-6", "Genomic coordinate system [Type]"),
         "valueCodeableConcept": {"coding": [{"system": LOINC, "code": "LA30102-0",
                                              "display": "1-based character counting"}]}},
        {"code": _loinc("81254-5", "Genomic allele start-end"),
         "valueRange": {"low": {"value": pos}, "high": {"value": pos + len(ref) - 1}}},
        {"code": _loinc("69547-8", "Genomic ref allele [ID]"), "valueString": ref},
        {"code": _loinc("69551-0", "Genomic alt allele [ID]"), "valueString": alt},
    ]


# LOINC answers: allelic state (53034-5) and clinical significance (53037-8)
ZYGOSITY = {"heterozygous": ("LA6706-1", "Heterozygous"), "homozygous": ("LA6705-3", "Homozygous"),
            "hemizygous": ("LA6707-9", "Hemizygous")}
SIGNIFICANCE = {"pathogenic": ("LA6668-3", "Pathogenic"), "likely_pathogenic": ("LA26332-9", "Likely pathogenic"),
                "uncertain_significance": ("LA26333-7", "Uncertain significance")}
CLINVAR = "http://www.ncbi.nlm.nih.gov/clinvar"

# Results of a sample that failed QC are not final (FHIR R4 status codes): the DiagnosticReport is
# `partial` ("data in the report may be incomplete or unverified"; `preliminary`, its child, means
# "verified early results"), its Observations `preliminary` ("data may be incomplete or
# unverified"), a medication recommendation a `draft` Task ("not yet ready to be acted upon").
REPORT_STATUS = {True: "partial", False: "final"}
OBSERVATION_STATUS = {True: "preliminary", False: "final"}
TASK_STATUS = {True: "draft", False: "requested"}
# An indeterminate genotype has no value[x]: the IG's genotype profile requires one, so such an
# Observation does not claim that profile; it keeps the genotype code and gene, and says why.
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
INDETERMINATE = [{"coding": [{"system": INTERPRETATION, "code": "IND", "display": "Indeterminate"}]}]


class _Builder:
    def __init__(self, report: dict):
        self.report = report
        self.patient_id = report["patient"]
        self.entries: list[dict] = []
        self.failed = {s for s, q in report["qc"].items() if q["status"] == "fail"}
        # PGx and inherited disease are called on the germline sample
        self.germline_failed = any(s["id"] in self.failed for s in report["samples"] if s["kind"] == "germline")

    def uid(self, *parts) -> str:
        return str(uuid.uuid5(NAMESPACE, "|".join(str(p) for p in (self.patient_id, *parts))))

    def add(self, resource: dict) -> str:
        self.entries.append({"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource})
        return f"urn:uuid:{resource['id']}"

    def observation(self, key, profile, code, failed: bool = False, **fields) -> dict:
        """An Observation; `failed`: it comes from a sample that failed QC (status preliminary);
        `profile` None: it claims no IG profile."""
        obs = {"resourceType": "Observation", "id": self.uid("Observation", *key)}
        if profile:
            obs["meta"] = {"profile": [IG + profile]}
        return {**obs, "status": OBSERVATION_STATUS[failed], "category": CATEGORY, "code": code,
                "subject": {"reference": self.patient_ref}, "effectiveDateTime": self.report["report_date"], **fields}

    def build(self) -> dict:
        r = self.report
        patient = {"resourceType": "Patient", "id": self.uid("Patient"),
                   "identifier": [{"system": "urn:genotailor:patient", "value": self.patient_id}],
                   "gender": r.get("sex") or "unknown"}
        self.patient_ref = self.add(patient)
        results = []
        results += self.pgx()
        results += self.somatic()
        results += self.tmb()
        results += self.germline()
        results += self.regions_studied()
        report = {
            "resourceType": "DiagnosticReport", "id": self.uid("DiagnosticReport"),
            "meta": {"profile": [IG + "genomic-report"]}, "status": REPORT_STATUS[bool(self.failed)],
            "category": [CATEGORY[1]], "code": _loinc("51969-4", "Genetic analysis report"),
            "subject": {"reference": self.patient_ref}, "effectiveDateTime": r["report_date"],
            "result": [{"reference": ref} for ref in results],
        }
        # the summary's conclusion (what cannot be concluded and why) before the actionable lines
        conclusion = ([r["summary"]["conclusion"]] if r["summary"].get("conclusion") else []) + [
            line["text"] for line in r["summary"]["actionable"]]
        if conclusion:
            report["conclusion"] = " ".join(conclusion)
        self.entries.insert(1, {"fullUrl": f"urn:uuid:{report['id']}", "resource": report})
        return {"resourceType": "Bundle", "id": self.uid("Bundle"), "type": "collection", "entry": self.entries}

    # --- pharmacogenomics ---------------------------------------------------------------------
    def pgx(self) -> list[str]:
        refs, genotype_ref = [], {}
        for g in self.report.get("pgx") or []:
            if g["status"] == "not_assessed":
                continue
            code = _loinc("84413-4", "Genotype display name")
            if g["status"] in words.INDETERMINATE:
                # no value: an EHR that reads value[x] must not store a candidate as the genotype
                obs = self.observation(("genotype", g["gene"]), None, code, self.germline_failed,
                                       dataAbsentReason={"coding": [{"system": DATA_ABSENT, "code": "unknown",
                                                                     "display": "Unknown"}],
                                                         "text": f"{g['gene']} {words.diplotype_display(g)}"},
                                       interpretation=INDETERMINATE, component=[_gene(g["gene"])])
            else:
                value = {"text": f"{g['gene']} {g['diplotype']}"}
                alleles = g["diplotype"].split("/")
                if all(a.startswith("*") for a in alleles):
                    value["coding"] = [{"system": PHARMVAR, "code": " / ".join(g["gene"] + a for a in alleles),
                                        "display": f"{g['gene']} {g['diplotype']}"}]
                obs = self.observation(("genotype", g["gene"]), "genotype", code, self.germline_failed,
                                       valueCodeableConcept=value, component=[_gene(g["gene"])])
            notes = []
            if g["status"] in words.INDETERMINATE:
                notes.append(words.word(words.GENE_STATUS, g["status"]) +
                             (f"; {g['reason']}" if g.get("reason") else "") +
                             ("; the diplotypes that fit are listed in the JSON report" if g.get("alternatives") else ""))
            if self.germline_failed:
                notes.append("the sample failed quality control: not for clinical decisions without review or "
                             "re-sequencing")
            if g.get("phenotype"):
                notes.append(f"Phenotype: {g['phenotype']}")
            if notes:
                obs["note"] = [{"text": n} for n in notes]
            genotype_ref[g["gene"]] = self.add(obs)
            refs.append(genotype_ref[g["gene"]])
        by_gene = {g["gene"]: g for g in self.report.get("pgx") or []}
        for d in self.report.get("drug_recommendations") or []:
            if d.get("status") not in ("actionable", "standard"):
                continue
            genes = [x for x in d.get("genes") or sorted(d.get("phenotypes", {})) if x in genotype_ref]
            components = [{"code": _loinc("51963-7", "Medication assessed [Identifier]"),
                           "valueCodeableConcept": {"text": d["drug"]}}]
            for gene in genes:
                phenotype = by_gene[gene].get("phenotype")
                if phenotype:
                    components.append({"code": _loinc("53040-2", "Genetic variation's effect on drug metabolism"),
                                       "valueCodeableConcept": {"text": f"{gene} {phenotype}"}})
            action = words.recommendation_text(d)
            components.append({"code": _tbd("predicted-therapeutic-implication", "Predicted Therapeutic Implication"),
                               "valueCodeableConcept": {"text": action}})
            if d.get("strength"):
                components.append({"code": _loinc("93044-6", "Level of evidence"),
                                   "valueCodeableConcept": {"text": f"{d.get('source') or 'guideline'}: "
                                                                  f"{words.word(words.STRENGTH, d['strength'])}"}})
            implication = self.observation(
                ("implication", d["drug"]), "therapeutic-implication",
                _tbd("therapeutic-implication", "Therapeutic Implication"), self.germline_failed,
                derivedFrom=[{"reference": genotype_ref[x]} for x in genes], component=components)
            if d.get("guideline"):
                implication["note"] = [{"text": f"Guideline: {d['guideline']}"}]
            ref = self.add(implication)
            refs.append(ref)
            if d["status"] == "actionable":
                self.add({"resourceType": "Task", "id": self.uid("Task", d["drug"]),
                          "meta": {"profile": [IG + "medication-recommendation"]},
                          "status": TASK_STATUS[self.germline_failed],
                          "intent": "proposal", "code": _tbd("medication-recommendation", "Medication Recommendation"),
                          "description": f"{d['drug']}: {action}", "for": {"reference": self.patient_ref},
                          "reasonReference": {"reference": ref}})
        return refs

    # --- somatic ------------------------------------------------------------------------------
    def somatic(self) -> list[str]:
        refs = []
        for v in self.report.get("somatic") or []:
            key = ("variant", v["sample"], v["chrom"], v["pos"], v["ref"], v["alt"])
            vaf = [] if v["vaf"] is None else [{
                "code": _loinc("81258-6", "Sample variant allelic frequency [NFr]"),
                "valueQuantity": {"value": v["vaf"], "system": "http://unitsofmeasure.org", "code": "1"}}]
            components = _variant_components(v["gene"], v.get("refseq") or v["transcript"], v["hgvs_c"],
                                             v["protein_change_3"] or v["protein_change"], v["consequence"],
                                             v["pos"], v["ref"], v["alt"], ("LA6684-0", "Somatic"), vaf)
            failed = v["sample"] in self.failed
            obs = self.observation(key, "variant", _loinc("69548-6", "Genetic variant assessment"), failed,
                                   valueCodeableConcept={"coding": [{"system": LOINC, "code": "LA9633-4", "display": "Present"}]},
                                   component=components)
            obs["note"] = [{"text": f"{words.word(words.TIER, v['tier'])}; sample {v['sample']}; read depth {v['depth']}"
                                    + ("; the sample failed quality control" if failed else "")}]
            variant_ref = self.add(obs)
            refs.append(variant_ref)
            for t in v["therapies"]:
                if not t["this_tumour_type"] or t["evidence_level"] not in ("A", "B"):
                    continue
                therapy = " + ".join(t["therapies"])
                implication = self.observation(
                    key + ("implication", therapy, t["direction"], t["evidence_level"], t["match"], t.get("disease")),
                    "therapeutic-implication", _tbd("therapeutic-implication", "Therapeutic Implication"), failed,
                    derivedFrom=[{"reference": variant_ref}],
                    component=[
                        {"code": _loinc("51963-7", "Medication assessed [Identifier]"),
                         "valueCodeableConcept": {"text": therapy}},
                        {"code": _tbd("predicted-therapeutic-implication", "Predicted Therapeutic Implication"),
                         "valueCodeableConcept": {"text": words.word(words.DIRECTION, t["direction"]).lower()}},
                        {"code": _loinc("93044-6", "Level of evidence"),
                         "valueCodeableConcept": {"text": f"AMP/ASCO/CAP level {t['evidence_level']}"}},
                        {"code": _loinc("81259-4", "Associated phenotype"),
                         "valueCodeableConcept": {"text": t.get("disease") or t["oncotree"]}},
                    ])
                sources = [s.get("url") for s in t["sources"] if s.get("url")]
                if sources:
                    implication["note"] = [{"text": "Evidence: " + ", ".join(sources)}]
                refs.append(self.add(implication))
        return refs

    # --- inherited disease --------------------------------------------------------------------
    def germline(self) -> list[str]:
        """Germline findings as the report holds them (secondary findings only when consented and
        analysed: without consent the report has none, so neither has the bundle)."""
        refs = []
        sample = (self.report.get("germline") or {}).get("sample")
        for f in self.report.get("germline_findings") or []:
            z = ZYGOSITY[f["zygosity"]]
            state = {"code": _loinc("53034-5", "Allelic state"),
                     "valueCodeableConcept": {"coding": [{"system": LOINC, "code": z[0], "display": z[1]}]}}
            components = _variant_components(f["gene"], f["refseq"] or f["transcript"], f["hgvs_c"], f["hgvs_p"],
                                             f["consequence"], f["pos"], f["ref"], f["alt"], ("LA6683-2", "Germline"),
                                             [state])
            significance = SIGNIFICANCE.get(f["classification"])
            concept = {"text": f["classification"].replace("_", " ")}
            if significance:
                concept["coding"] = [{"system": LOINC, "code": significance[0], "display": significance[1]}]
            components.append({"code": _loinc("53037-8", "Genetic variation clinical significance [Imp]"),
                               "valueCodeableConcept": concept})
            if f.get("clinvar"):
                c = f["clinvar"]
                components.append({"code": _loinc("81252-9", "Discrete genetic variant"),
                                   "valueCodeableConcept": {"coding": [{"system": CLINVAR, "code": str(c["variation_id"]),
                                                                        "display": c["accession"]}]}})
            key = ("germline", sample, f["chrom"], f["pos"], f["ref"], f["alt"])
            obs = self.observation(key, "variant", _loinc("69548-6", "Genetic variant assessment"), sample in self.failed,
                                   valueCodeableConcept={"coding": [{"system": LOINC, "code": "LA9633-4", "display": "Present"}]},
                                   component=components)
            what = "secondary finding (ACMG)" if f["category"] == "secondary" else "diagnostic finding"
            stars = f"; ClinVar {f['clinvar']['stars']} stars" if f.get("clinvar") else ""
            obs["note"] = [{"text": f"{what}; {f['inheritance']}; {f['meaning']}{stars}"}]
            refs.append(self.add(obs))
        return refs

    def tmb(self) -> list[str]:
        if not any(s["kind"] == "tumor" for s in self.report["samples"]):
            return []
        tmb = self.report["tmb"]
        fields = {}
        if tmb.get("per_mb") is not None:
            # UCUM 1/1000000{Base}: the unit of the IG's tmb profile examples, which an EHR can read
            fields["valueQuantity"] = {"value": tmb["per_mb"], "unit": "mutations/Mb", "system": "http://unitsofmeasure.org",
                                       "code": "1/1000000{Base}"}
        else:
            fields["dataAbsentReason"] = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
                                                      "code": "not-performed"}], "text": tmb.get("reason") or "not assessed"}
        failed = any(s["id"] in self.failed for s in self.report["samples"] if s["kind"] == "tumor")
        # STU3 has no `tmb` profile (that was STU2): TMB is a molecular-biomarker Observation, whose
        # category must hold the biomarker category and whose component says what kind of biomarker
        return [self.add(self.observation(("tmb",), "molecular-biomarker",
                                          _loinc("94076-7", "Mutations/Megabase [# Ratio] in Tumor"), failed,
                                          category=BIOMARKER_CATEGORY, component=[BIOMARKER_KIND_SEQUENCE], **fields))]


    # --- what was examined -------------------------------------------------------------------
    def regions_studied(self) -> list[str]:
        """One region-studied Observation per requested gene of the ledger: the gene, what of it was
        examined (status, callable fraction, reason) and the ranges below threshold, 1-based."""
        refs = []
        samples = {s["id"]: s for s in self.report["samples"]}
        for e in self.report.get("assessed") or []:
            if e["scope"] != "gene":
                continue
            status = words.word(words.EXAMINED_STATUS, e["status"])
            text = f"{e['name']} ({words.word(words.EXAMINED_CATEGORY, e['category'])}): {status} — {e['reason']}"
            below = e.get("regions_below") or []
            if below:
                text += "; below threshold: " + "; ".join(
                    f"{b['region']} {b['chrom']}:{b['start']}-{b['end']} ({100 * b['callable_fraction']:.1f}% callable, "
                    f"{b['why_text']})" for b in below)
            components = [_gene(e["name"]),
                          {"code": _loinc("81293-3", "Description of ranges of DNA sequences examined"), "valueString": text},
                          {"code": _loinc("62374-4", "Human reference sequence assembly version"),
                           "valueCodeableConcept": _loinc("LA26806-2", "GRCh38")}]
            failed = e.get("sample") in self.failed and e.get("sample") in samples
            refs.append(self.add(self.observation(("region-studied", e["category"], e["name"]), "region-studied",
                                                  _loinc("53041-0", "DNA region of interest panel"), failed,
                                                  component=components)))
        return refs


def build_bundle(report: dict) -> dict:
    """The FHIR Bundle of one patient's JSON report, validated with fhir.resources."""
    bundle = _Builder(report).build()
    validate_bundle(bundle)
    return bundle


def validate_bundle(bundle: dict) -> None:
    from fhir.resources.R4B.bundle import Bundle

    try:
        Bundle.model_validate(bundle)
    except Exception as exc:  # pydantic's ValidationError: name every failing element
        raise GenotailorError(f"FHIR bundle of {bundle.get('id')} does not validate as R4 Bundle: {exc}") from exc


def write_bundle(report: dict, out) -> None:
    Path(out).write_text(json.dumps(build_bundle(report), indent=1, sort_keys=True, ensure_ascii=False) + "\n")
