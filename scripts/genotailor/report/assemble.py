"""The per-patient report as data: the JSON contract (workflow/schemas/report.schema.json)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from genotailor.core.errors import GenotailorError
from genotailor.core.paths import SCHEMAS

SCHEMA = SCHEMAS / "report.schema.json"
SCHEMA_VERSION = "0.1"

# When CYP2D6 is not among the PGx results at all. A CYP2D6 result called from the VCF carries
# its own limitation (SNVs and indels only: `genotailor.pgx.rules.CYP2D6_LIMITATION`); every
# gene result's limitations are repeated among the report's limitations.
CYP2D6_LIMITATION = (
    "CYP2D6 was not called; copy number changes, deletions (*5) and CYP2D6/CYP2D7 hybrids "
    "cannot be seen in SNV/indel calls in any case. Use a dedicated caller and give its result "
    "as an outside call."
)


def _load(path):
    return json.loads(Path(path).read_text())


def assemble(patient, date, qc_files, calls_files, provenance_file, pgx_file=None, somatic_files=()) -> dict:
    """Build one patient's report from the step outputs. `patient` is a samplesheet.Patient."""
    samples = []
    for s in patient.samples:
        entry = {"id": s.id, "kind": s.kind, "entry": s.entry}
        if s.kind == "tumor":
            entry.update(purity=s.purity, normal=s.normal)
        if s.entry == "vcf":
            entry["caller"] = s.caller
        samples.append(entry)
    qc = {}
    for f in qc_files:
        d = _load(f)
        qc[d["sample"]] = {k: d[k] for k in ("status", "metrics", "gates", "failed_gates", "warned_gates")}
    calls = {}
    for f in calls_files:
        d = _load(f)
        calls[d["sample"]] = {
            "records": d["records_out"],
            "source_column": d["source_column"],
            "contig_renames": d["contig_renames"],
            "records_on_other_contigs": d["records_on_other_contigs"],
        }
    limitations = []
    pgx, drugs = [], []
    if not patient.consent_pgx:
        limitations.append({"section": "pgx", "reason": "no consent for pharmacogenomic testing: not analysed"})
    elif pgx_file is None:
        limitations.append({"section": "pgx", "reason": "no germline sample: pharmacogenes not assessed"})
    else:
        pgx_data = _load(pgx_file)
        pgx, drugs = pgx_data["pgx"], pgx_data.get("drugs", [])
        if not any(g["gene"] == "CYP2D6" for g in pgx):
            limitations.append({"section": "pgx", "gene": "CYP2D6", "reason": CYP2D6_LIMITATION})
        for g in pgx:
            # a gene result's own limitations (CYP2D6 from the VCF: SNVs and indels only)
            for text in g.get("limitations") or []:
                limitations.append({"section": "pgx", "gene": g["gene"], "reason": text})
            if g["status"] == "not_assessed":
                limitations.append({"section": "pgx", "gene": g["gene"],
                                    "reason": g.get("reason") or "no defining position has a genotype"})
    somatic = []
    for f in somatic_files:
        d = _load(f)
        for v in d["somatic"]:
            somatic.append({"sample": d["sample"], **v})
    if any(s.kind == "tumor" for s in patient.samples):
        limitations.append({
            "section": "somatic",
            "reason": "variants are matched to known cancer hotspots by exact genomic change; "
            "AMP/ASCO/CAP tiers and therapies are not assessed in this release",
        })
        limitations.append({"section": "tmb", "reason": "tumour mutational burden is not assessed in this release"})
    if patient.consent_secondary:
        limitations.append({
            "section": "germline_findings",
            "reason": "consented, but secondary findings are not assessed in this release",
        })
    report = {
        "schema_version": SCHEMA_VERSION,
        "drug_recommendations": drug_table(drugs),
        "patient": patient.id,
        "report_date": date,
        "sex": patient.sex,
        "tumor_type": patient.tumor_type,
        "consent": {"pharmacogenomics": patient.consent_pgx, "secondary_findings": patient.consent_secondary},
        "samples": samples,
        "qc": qc,
        "calls": calls,
        "pgx": pgx,
        "somatic": somatic,
        "tmb": {"per_mb": None, "mutations": None, "callable_mb": None, "method": "not_assessed"},
        "limitations": limitations,
        "provenance": _load(provenance_file),
    }
    validate(report)
    return report


def drug_table(drugs: list[dict]) -> list[dict]:
    """One row per drug, with the phenotypes it was decided from and, when no recommendation
    could be made, the reason; sorted by drug."""
    return sorted(drugs, key=lambda d: d["drug"])


def validate(report: dict):
    schema = json.loads(SCHEMA.read_text())
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(report), key=lambda e: list(e.path))
    if errors:
        lines = [f"{'/'.join(map(str, e.path)) or '(top)'}: {e.message}" for e in errors[:10]]
        raise GenotailorError("report does not follow workflow/schemas/report.schema.json:\n  " + "\n  ".join(lines))
