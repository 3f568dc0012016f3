"""The per-patient report as data: the JSON contract (workflow/schemas/report.schema.json)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import fastjsonschema
import jsonschema

from genotailor.core.contracts import load_stage
from genotailor.core.errors import GenotailorError
from genotailor.core.paths import SCHEMAS
from genotailor.report.crosslinks import link_pgx_and_somatic
from genotailor.report.provenance import merge_tool_versions
from genotailor.report.sections import SECTIONS
from genotailor.report.sections.examined import add_tmb
from genotailor.report.sections.germline_findings import second_hits
from genotailor.report.summary import build_summary

SCHEMA = SCHEMAS / "report.schema.json"
SCHEMA_VERSION = "0.1"


def _load(path):
    return json.loads(Path(path).read_text())


def assemble(patient, date, qc_files, calls_files, provenance_file, stages=None, tool_versions=(),
             min_locus_depth: int = 20, job_logs=(), check: bool = True) -> dict:
    """Build one patient's report from the stage outputs. `patient` is a samplesheet.Patient;
    `stages`: section name -> that stage's JSON files for the patient (see report.sections);
    `tool_versions`: the versions records of the jobs that ran external tools for the patient;
    `min_locus_depth`: the depth a biomarker position needs (config qc.min_locus_depth), drawn in
    the coverage figure; `job_logs`: {rule, log, benchmark} of each of the patient's jobs, where to
    look when one failed; `check`: validate the report against its schema here (the report command
    validates it itself, once the PDF is being printed)."""
    stages = stages or {}
    samples = []
    for s in patient.samples:
        entry = {"id": s.id, "kind": s.kind, "entry": s.entry}
        if s.kind == "tumor":
            entry.update(purity=s.purity, normal=s.normal)
        if s.entry == "vcf":
            entry["caller"] = s.caller
        if s.specimen:
            entry["specimen"] = dict(s.specimen)
        samples.append(entry)
    qc = {}
    for f in qc_files:
        d = load_stage("qc", f)
        qc[d["sample"]] = {k: d[k] for k in ("status", "metrics", "gates", "failed_gates", "warned_gates")}
    calls = {}
    for f in calls_files:
        d = load_stage("norm", f)
        calls[d["sample"]] = {
            "records": d["records_out"],
            "source_column": d["source_column"],
            "contig_renames": d["contig_renames"],
            "records_on_other_contigs": d["records_on_other_contigs"],
        }
    limitations, fields = [], {}
    for section in SECTIONS:
        # only stage outputs that follow their contract (workflow/schemas/{stage}.schema.json)
        docs = [load_stage(section.stage, f) for f in stages.get(section.name, ())]
        section_fields, section_limitations = section.build(patient, docs)
        fields.update(section_fields)
        limitations += section_limitations
    # after every section: a somatic therapy that meets a PGx result is flagged in both places
    crosslinks = link_pgx_and_somatic(fields, patient.consent_pgx)
    add_tmb(fields, patient)  # TMB enters the ledger once the somatic section is built
    second_hits(fields)  # a germline finding that a somatic variant of the same gene may complete
    if crosslinks:
        fields["pgx_crosslinks"] = crosslinks
    report = {
        "schema_version": SCHEMA_VERSION,
        "patient": patient.id,
        "report_date": date,
        "sex": patient.sex,
        "tumor_type": patient.tumor_type,
        "consent": {"pharmacogenomics": patient.consent_pgx, "secondary_findings": patient.consent_secondary},
        "samples": samples,
        "qc": qc,
        "calls": calls,
        "qc_thresholds": {"min_locus_depth": min_locus_depth},
        **fields,
        "limitations": limitations,
        "provenance": {**_load(provenance_file), "tools": merge_tool_versions(tool_versions), "jobs": list(job_logs)},
    }
    # the first page, from every section's fields: keys after `patient` keep the JSON's order stable
    report["summary"] = build_summary(report, patient)
    if check:
        validate(report)
    return report


@lru_cache(maxsize=1)
def _fast_check():
    return fastjsonschema.compile(json.loads(SCHEMA.read_text()))


def validate(report: dict):
    # the compiled check first (a report is large: jsonschema takes most of a second); jsonschema
    # only to name the failures of a report that does not follow the schema
    try:
        _fast_check()(report)
        return
    except fastjsonschema.JsonSchemaException:
        pass
    schema = json.loads(SCHEMA.read_text())
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(report), key=lambda e: list(e.path))
    if errors:
        lines = [f"{'/'.join(map(str, e.path)) or '(top)'}: {e.message}" for e in errors[:10]]
        raise GenotailorError("report does not follow workflow/schemas/report.schema.json:\n  " + "\n  ".join(lines))
