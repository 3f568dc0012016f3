"""The per-patient report as an HL7 FHIR R4 Bundle following the Genomics Reporting IG (STU3,
http://hl7.org/fhir/uv/genomics-reporting/): a genomic-report DiagnosticReport; genotype
(diplotype) and therapeutic-implication Observations and medication-recommendation Tasks for
pharmacogenomics; variant and therapeutic-implication Observations for somatic findings and
copy-number calls (the variant profile with a copy-number component); TMB and MSI (per tumour)
molecular-biomarker Observations; what the test examined (the ledger) as a GenomicStudy with a
GenomicStudyAnalysis per sample and category, which the DiagnosticReport names. Parsed and
validated with `fhir.resources` (its R4B models: R4B changed no resource used here from R4).

Only what the JSON report holds goes in, so consent carries over: no PGx consent, no PGx
resource. Resource ids are UUID v5 of their content keys and the bundle has no timestamp, so
the same report gives the same bytes. The patient is named by the sheet's (pseudonymous) ID only.
"""

from __future__ import annotations

import base64
import csv
import json
import uuid
from functools import lru_cache
from pathlib import Path

from genotailor.core.errors import GenotailorError
from genotailor.core.paths import RESOURCES
from genotailor.report import words
from genotailor.report.sections.somatic import VERDICT, level_text, variant_name, verdict_text

GENE_IDS = RESOURCES / "annotation" / "genes.MANE_v1.5.panel.tsv"
NAMESPACE = uuid.UUID("5b0c7c1e-3f57-5a43-9d1c-6e0c1f4a2b77")
IG = "http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition/"
IG_CODES = "http://hl7.org/fhir/uv/genomics-reporting/CodeSystem/"
TBD = IG_CODES + "tbd-codes-cs"
LOINC = "http://loinc.org"
# Sequence Ontology terms of the copy-number calls (DNA change type, 48019-4)
SO_CNV = {"amplification": ("SO:0001742", "copy_number_gain"), "deletion": ("SO:0001743", "copy_number_loss"),
          "loss": ("SO:0001743", "copy_number_loss")}
SO = "http://www.sequenceontology.org"
# HGNC gene IDs: the system of the IG's HGNCVS (STU3)
HGNC = "http://www.genenames.org"
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

# MSI (the ledger's per-tumour entry): LOINC 81695-9 and its answers for the calls this test makes
MSI_NAME = "microsatellite instability (MSI)"
MSI_ANSWERS = {"MSS": ("LA14122-8", "Stable"), "MSI-H": ("LA26203-2", "MSI-H")}

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
    return {"code": _loinc("48018-6", "Gene studied [ID]"), "valueCodeableConcept": _gene_concept(symbol)}


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



def _deciding_side(row: dict) -> dict:
    """The evidence that gives a synthesis row its verdict and level (for its disease)."""
    want = ("sensitivity",) if row["verdict"] == "sensitivity" else (
        ("resistance",) if row["verdict"] in ("resistance", "reduced_sensitivity") else ("sensitivity", "resistance"))
    sides = [ln[w] for ln in row["lines"] for w in want if ln[w]]
    return min(sides, key=lambda x: (x["effective_level"], x["level"])) if sides else \
        next(ln[w] for ln in row["lines"] for w in ("sensitivity", "resistance") if ln[w])

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
        results += self.copy_number()
        results += self.tmb()
        results += self.msi()
        results += self.germline()
        report = {
            "resourceType": "DiagnosticReport", "id": self.uid("DiagnosticReport"),
            "meta": {"profile": [IG + "genomic-report"]}, "status": REPORT_STATUS[bool(self.failed)],
            "category": [CATEGORY[1]], "code": _loinc("51969-4", "Genetic analysis report"),
            "subject": {"reference": self.patient_ref}, "effectiveDateTime": r["report_date"],
            "result": [{"reference": ref} for ref in results],
        }
        study = self.genomic_study()
        if study:
            report["extension"] = [{"url": IG + "genomic-study-reference", "valueReference": {"reference": study}}]
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
        refs, variant_refs = [], {}
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
            variant_refs[(v["sample"], variant_name(v))] = variant_ref
        refs += self.therapy_synthesis(variant_refs)
        return refs

    def therapy_synthesis(self, variant_refs: dict) -> list[str]:
        """One therapeutic implication per drug of each tumour's therapy synthesis with level A/B
        evidence for the tumour type (the report's synthesis rows: the drug's verdict across the
        tumour's variants, derived from each variant it rests on)."""
        refs = []
        for syn in self.report.get("therapy_synthesis") or []:
            failed = syn["sample"] in self.failed
            for row in syn["drugs"]:
                if row["effective_level"] not in ("A", "B"):
                    continue
                behind = [ln["variant"] for ln in row["lines"]] + [d["variant"] for d in row["defeated_by"]]
                derived = list(dict.fromkeys(variant_refs[(syn["sample"], label)] for label in behind))
                side = _deciding_side(row)
                implication = self.observation(
                    ("implication", syn["sample"], row["therapy"]),
                    "therapeutic-implication", _tbd("therapeutic-implication", "Therapeutic Implication"), failed,
                    derivedFrom=[{"reference": ref} for ref in derived],
                    component=[
                        {"code": _loinc("51963-7", "Medication assessed [Identifier]"),
                         "valueCodeableConcept": {"text": row["therapy"]}},
                        {"code": _tbd("predicted-therapeutic-implication", "Predicted Therapeutic Implication"),
                         "valueCodeableConcept": {"text": VERDICT[row["verdict"]].lower()}},
                        {"code": _loinc("93044-6", "Level of evidence"),
                         "valueCodeableConcept": {"text": f"AMP/ASCO/CAP level {row['level']}"}},
                        {"code": _loinc("81259-4", "Associated phenotype"),
                         "valueCodeableConcept": {"text": side["diseases"][0]}},
                    ])
                sources = [s["url"] for ln in row["lines"] for x in (ln["sensitivity"], ln["resistance"]) if x
                           for s in x["sources"] if s.get("url")]
                notes = []
                if sources:
                    notes.append({"text": "Evidence: " + ", ".join(dict.fromkeys(sources))})
                notes.append({"text": f"{syn['tumor_type_name']}: {verdict_text(row)} ({level_text(row)})"})
                implication["note"] = notes
                refs.append(self.add(implication))
        return refs

    def _implications(self, key, variant_ref, therapies, failed) -> list[str]:
        """Therapeutic-implication Observations of a variant: level A/B evidence for this tumour type."""
        refs = []
        for t in therapies:
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

    # --- copy number --------------------------------------------------------------------------
    def copy_number(self) -> list[str]:
        """A variant Observation per called gene (copy-number change, its copy number per tumour
        cell and the gene's span), with its therapeutic implications."""
        refs = []
        for g in (self.report.get("copy_number") or {}).get("genes", ()):
            if not g["call"]:
                continue
            key = ("copy-number", g["sample"], g["gene"])
            so = SO_CNV[g["call"]]
            components = [
                _gene(g["gene"]),
                {"code": _loinc("48019-4", "DNA change type"),
                 "valueCodeableConcept": {"coding": [{"system": SO, "code": so[0], "display": so[1]}]}},
                {"code": _loinc("48002-0", "Genomic source class [Type]"),
                 "valueCodeableConcept": {"coding": [{"system": LOINC, "code": "LA6684-0", "display": "Somatic"}]}},
                {"code": _loinc("82155-3", "Genomic structural variant copy number"),
                 "valueQuantity": {"value": g["copy_number"], "system": "http://unitsofmeasure.org", "code": "1"}},
                {"code": _loinc("62374-4", "Human reference sequence assembly version"),
                 "valueCodeableConcept": {"coding": [{"system": LOINC, "code": "LA26806-2", "display": "GRCh38"}]}},
            ]
            accession = gene_ids().get(g["gene"], (None, None))[1]
            if accession:
                components.append({"code": _loinc("48013-7", "Genomic reference sequence [ID]"),
                                   "valueCodeableConcept": {"coding": [{"system": "http://www.ncbi.nlm.nih.gov/refseq",
                                                                        "code": accession}]}})
            components += [
                {"code": _loinc("92822-6", "Genomic coordinate system [Type]"),
                 "valueCodeableConcept": {"coding": [{"system": LOINC, "code": "LA30102-0",
                                                      "display": "1-based character counting"}]}},
                {"code": _loinc("81302-2", "Structural variant inner start and end"),
                 "valueRange": {"low": {"value": g["start"] + 1}, "high": {"value": g["end"]}}},
            ]
            failed = g["sample"] in self.failed
            obs = self.observation(key, "variant", _loinc("69548-6", "Genetic variant assessment"), failed,
                                   valueCodeableConcept={"coding": [{"system": LOINC, "code": "LA9633-4", "display": "Present"}]},
                                   component=components)
            tier = words.word(words.TIER, g["tier"]) if g.get("tier") else "not tiered"
            obs["note"] = [{"text": f"{g['gene']} {g['call']}: copy number {g['copy_number']:g} per tumour cell "
                                    f"(purity-adjusted; log2 ratio {g['log2']:g} over {g['bins']} bins, the span of the "
                                    f"gene's targets); {tier}; sample {g['sample']}"
                                    + ("; the sample failed quality control" if failed else "")}]
            ref = self.add(obs)
            refs.append(ref)
            refs += self._implications(key, ref, g.get("therapies") or [], failed)
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


    def msi(self) -> list[str]:
        """One molecular-biomarker Observation per tumour whose MSI the ledger names (LOINC 81695-9,
        answers Stable / MSI-H), or not performed with the reason."""
        entries = [e for e in self.report.get("assessed") or []
                   if e["scope"] == "biomarker" and e["name"] == MSI_NAME and e.get("sample")]
        out = []
        for e in entries:
            fields = {}
            if e["status"] == "assessed" and e.get("result") in MSI_ANSWERS:
                code, display = MSI_ANSWERS[e["result"]]
                fields["valueCodeableConcept"] = _loinc(code, display)
                fields["note"] = [{"text": e["reason"]}]  # the score and how it was reached
            else:
                fields["dataAbsentReason"] = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
                                                          "code": "not-performed"}], "text": e["reason"]}
            out.append(self.add(self.observation(("msi", e["sample"]), "molecular-biomarker",
                                                 _loinc("81695-9", "Microsatellite instability [Interpretation] in "
                                                        "Cancer specimen Qualitative"), e["sample"] in self.failed,
                                                 category=BIOMARKER_CATEGORY, component=[BIOMARKER_KIND_SEQUENCE],
                                                 **fields)))
        return out

    # --- what was examined -------------------------------------------------------------------
    def genomic_study(self) -> str | None:
        """The test as the IG's GenomicStudy (a Procedure) with one GenomicStudyAnalysis per sample
        and ledger category; each analysis names every requested gene in its regions extension
        (studied; called when assessed, uncalled when not assessed) and says per gene what the ledger
        says, so a gene not examined is never read as a negative. The biomarker classes of the ledger
        are the study's notes. None without a ledger."""
        entries = self.report.get("assessed") or []
        if not entries:
            return None
        groups: dict = {}  # (sample, category) -> the gene entries, in ledger order
        for e in entries:
            if e["scope"] == "gene":
                groups.setdefault((e.get("sample"), e["category"]), []).append(e)
        analyses = [self.analysis(sample, category, genes) for (sample, category), genes in groups.items()]
        categories = list(dict.fromkeys(category for _, category in groups))
        study = {
            "resourceType": "Procedure", "id": self.uid("GenomicStudy"), "meta": {"profile": [IG + "genomic-study"]},
            "extension": [{"url": IG + "genomic-study-analysis-ext", "valueReference": {"reference": ref}}
                          for ref in analyses],
            "status": "completed", "category": LABORATORY,
            "code": {"text": "Genomic test" + (": " if categories else "")
                             + ", ".join(words.word(words.EXAMINED_CATEGORY, c) for c in categories)},
            "subject": {"reference": self.patient_ref},
        }
        markers = [_examined_text(e) for e in entries if e["scope"] == "biomarker"]
        if markers:
            study["note"] = [{"text": t} for t in markers]
        return self.add(study)

    def analysis(self, sample, category, genes) -> str:
        """One GenomicStudyAnalysis: the genes of one ledger category on one sample."""
        kind = next((s["kind"] for s in self.report["samples"] if s["id"] == sample), None)
        failed = sample in self.failed
        texts = [_examined_text(e) for e in genes]
        regions = [{"url": "description", "valueString": "\n".join(texts)}]
        regions += [{"url": "studied", "valueCodeableConcept": _gene_concept(e["name"])} for e in genes]
        regions += [{"url": "called", "valueCodeableConcept": _gene_concept(e["name"])}
                    for e in genes if e["status"] == "assessed"]
        regions += [{"url": "uncalled", "valueCodeableConcept": _gene_concept(e["name"])}
                    for e in genes if e["status"] == "not_assessed"]
        below = self.uncalled_ranges(sample, category, genes, failed)
        if below:
            regions.append({"url": "uncalled", "valueReference": {"reference": below}})
        source = SOURCE_CLASS[kind or ("tumor" if category == "somatic" else "germline")]
        what = _analysis_name(category, sample)
        extensions = [{"url": IG + "genomic-study-analysis-method-type", "valueCodeableConcept": METHOD[t]}
                      for t in dict.fromkeys(e.get("territory") for e in genes) if t in METHOD]
        extensions += [
            {"url": IG + "genomic-study-analysis-genome-build", "valueCodeableConcept": _loinc("LA26806-2", "GRCh38")},
            {"url": IG + "genomic-study-analysis-genomic-source-class", "valueCodeableConcept": _loinc(*source)},
            {"url": IG + "genomic-study-analysis-title", "valueString": what},
        ]
        if sample:
            extensions.append({"url": IG + "genomic-study-analysis-specimen",
                               "valueReference": {"reference": self.specimen(sample)}})
        extensions.append({"url": IG + "genomic-study-analysis-regions", "extension": regions})
        analysis = {"resourceType": "Procedure", "id": self.uid("GenomicStudyAnalysis", category, sample),
                    "meta": {"profile": [IG + "genomic-study-analysis"]}, "extension": extensions,
                    "status": "completed", "category": LABORATORY, "subject": {"reference": self.patient_ref}}
        # the genes not fully assessed, one note each (as the IG's examples name an uncallable gene)
        notes = [t for e, t in zip(genes, texts) if e["status"] != "assessed"]
        if failed:
            notes.append(f"sample {sample} failed quality control: not for clinical decisions without review or "
                         "re-sequencing")
        if notes:
            analysis["note"] = [{"text": t} for t in notes]
        return self.add(analysis)

    def specimen(self, sample) -> str:
        url = f"urn:uuid:{self.uid('Specimen', sample)}"
        if not any(e["fullUrl"] == url for e in self.entries):
            self.add({"resourceType": "Specimen", "id": self.uid("Specimen", sample),
                      "identifier": [{"system": "urn:genotailor:sample", "value": sample}],
                      "subject": {"reference": self.patient_ref}})
        return url

    def uncalled_ranges(self, sample, category, genes, failed: bool) -> str | None:
        """The ledger's ranges below threshold of one analysis as a GenomicDataFile: a BED text
        (0-based start, end exclusive; GRCh38) inline. None when every range was examined."""
        rows = sorted((b["chrom"], b["start"] - 1, b["end"], f"{e['name']}_{b['region']}".replace(" ", "_"))
                      for e in genes for b in e.get("regions_below") or [])
        if not rows:
            return None
        bed = "".join(f"{c}\t{s}\t{t}\t{n}\n" for c, s, t, n in rows)
        what = _analysis_name(category, sample)
        return self.add({
            "resourceType": "DocumentReference", "id": self.uid("DocumentReference", "uncalled", category, sample),
            "meta": {"profile": [IG + "genomic-data-file"]}, "status": "current",
            "docStatus": "preliminary" if failed else "final", "subject": {"reference": self.patient_ref},
            "description": f"{what}: the ranges below threshold (GRCh38, BED: 0-based start, end exclusive)",
            "content": [{"attachment": {"contentType": "text/plain", "title": "uncalled.bed",
                                        "data": base64.b64encode(bed.encode()).decode()},
                         "format": BED_FORMAT}],
        })


# GenomicStudy and GenomicStudyAnalysis (STU3, backported from R5's GenomicStudy): Procedure.category
# (0..1 in R4) laboratory, one coding; an analysis's method from the ledger's territory
# (GenomicStudyMethodTypeCS), its genomic source class from LOINC 48002-0's answers; a regions file's
# format from GenomicStudyDataFormatCS
LABORATORY = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}]}
METHOD_CS = IG_CODES + "genomic-study-method-type-cs"
METHOD = {
    "coding exons": {"coding": [{"system": METHOD_CS, "code": "sequence-analysis-of-the-entire-coding-region",
                                 "display": "Sequence analysis of the entire coding region"}]},
    "defining positions": {"coding": [{"system": METHOD_CS, "code": "targeted-variant-analysis",
                                       "display": "Targeted variant analysis"}]},
}
SOURCE_CLASS = {"germline": ("LA6683-2", "Germline"), "tumor": ("LA6684-0", "Somatic")}
BED_FORMAT = {"system": IG_CODES + "genomic-study-data-format-cs", "code": "bed", "display": "BED"}


def _gene_concept(symbol: str) -> dict:
    """A gene as the IG codes it: HGNC gene ID as code, symbol as display (text only without one)."""
    hgnc = gene_ids().get(symbol)
    concept = {"text": symbol}
    if hgnc:
        concept["coding"] = [{"system": HGNC, "code": hgnc[0], "display": symbol}]
    return concept


def _analysis_name(category, sample) -> str:
    name = words.word(words.EXAMINED_CATEGORY, category)
    return name[:1].upper() + name[1:] + (f", sample {sample}" if sample else "")


def _examined_text(e: dict) -> str:
    """One ledger entry in words: its status and reason, and its ranges below threshold (1-based)."""
    text = (f"{e['name']} ({words.word(words.EXAMINED_CATEGORY, e['category'])}): "
            f"{words.word(words.EXAMINED_STATUS, e['status'])} — {e['reason']}")
    below = e.get("regions_below") or []
    if below:
        text += "; below threshold: " + "; ".join(
            f"{b['region']} {b['chrom']}:{b['start']}-{b['end']} ({100 * b['callable_fraction']:.1f}% callable, "
            f"{b['why_text']})" for b in below)
    return text


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
