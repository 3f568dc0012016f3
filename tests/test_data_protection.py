"""Data protection through Snakemake (slow): consent honoured in every file of a patient, patient
identifiers only in that patient's files, cohort files with identifiers and QC only, and no
output folder that leads out of the run directory. The small cohort (tests/smallcohort.py):
LOWQ01 (FASTQ, PGx consent), NOPGX01 (the same reads, no PGx and no secondary-findings consent)
and VCF001 (an outside VCF whose other column, OTHER_PATIENT, is someone else)."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from smallcohort import PATIENTS, SAMPLES, run, write_inputs

pytestmark = pytest.mark.workflow

PHARMACOGENES = ["ABCG2", "CACNA1S", "CFTR", "CYP2B6", "CYP2C19", "CYP2C9", "CYP2D6", "CYP3A4", "CYP3A5", "CYP4F2",
                 "DPYD", "G6PD", "IFNL3", "NAT2", "NUDT15", "RYR1", "SLCO1B1", "TPMT", "UGT1A1", "VKORC1"]
PGX_WORDS = PHARMACOGENES + ["diplotype", "metaboli", "activity score", "activity_score", "star allele",
                             "clopidogrel", "warfarin", "recommendation", "pgx", "pharmacogen"]
SECONDARY_WORDS = ["secondary finding", "secondary_finding", "germline_findings", "germline finding", "ACMG"]
# What the report says about consent itself (the statement, not a finding), and the JSON
# contract's required PGx fields, left empty.
CONSENT_STATEMENTS = [
    '"pharmacogenomics": false', '"secondary_findings": false', "pharmacogenomics: no;", "secondary findings: no",
    '"reason": "no consent for pharmacogenomic testing: not analysed",\n   "section": "pgx"',
    "<strong>Pharmacogenomics:</strong> no consent for pharmacogenomic testing: not analysed",
    '"pgx": [],', '"drug_recommendations": [],',
    # the report's summary line for each category the patient declined
    "Pharmacogenomics: not analysed, as the patient did not consent to it.",
    "Secondary findings: not analysed, by the patient's choice.",
    "Secondary findings: not analysed, by the patient&#39;s choice.",  # the same, HTML-escaped
    '"secondary_findings": "not analysed, by the patient\'s choice"',
    "<p>Secondary findings: not analysed, by the patient's choice.</p>",
]


def text(path: Path) -> str:
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data.decode("latin-1")


def patient_files(run_dir: Path, patient: str) -> list[Path]:
    """Every file of one patient: results/{patient}/ and the logs named after the patient or its samples."""
    names = {patient, *SAMPLES[patient]}
    files = [p for p in (run_dir / "results" / patient).rglob("*") if p.is_file()]
    for p in (run_dir / "logs").rglob("*"):
        parts = set(p.relative_to(run_dir / "logs").parts[:-1]) | {p.name.split(".")[0]}
        if p.is_file() and names & parts:
            files.append(p)
    return sorted(files)


def without_provenance(path: Path, content: str) -> str:
    """The run's provenance (knowledge-base releases, tool versions) is the same in every report."""
    if path.suffix == ".json" and not path.name.endswith(".fhir.json") and path.parent.name == "report":
        report = json.loads(content)
        report.pop("provenance")
        return json.dumps(report, indent=1, sort_keys=True)
    if path.suffix == ".html":
        return re.sub(r'<section id="methods">.*', "", content, flags=re.S)
    return content


def traces(run_dir: Path, patient: str, words) -> list[str]:
    found = []
    for f in patient_files(run_dir, patient):
        content = without_provenance(f, text(f))
        for statement in CONSENT_STATEMENTS:
            content = content.replace(statement, "")
        content = content.replace(patient, "P")  # NOPGX01 holds "PGX"
        for w in words:
            if w.lower() in content.lower():
                found.append(f"{f.relative_to(run_dir)}: {w}")
    return found


def test_patient_without_pgx_consent_has_no_pgx_in_any_of_their_files(small_cohort):
    files = [str(f.relative_to(small_cohort)) for f in patient_files(small_cohort, "NOPGX01")]
    assert "results/NOPGX01/report/NOPGX01.html" in files and "logs/call_germline/NOPGX01/NOPGX01-blood.log" in files
    assert not [f for f in files if "/pgx/" in f or "outside_calls" in f]
    assert traces(small_cohort, "NOPGX01", PGX_WORDS) == []
    # the same words do find the consented patient's PGx (the check can see them)
    lowq = traces(small_cohort, "LOWQ01", PGX_WORDS)
    assert "results/LOWQ01/pgx/LOWQ01.pgx.json: CYP2C19" in lowq
    assert "results/LOWQ01/coverage/LOWQ01-blood.loci.regions.bed.gz: CYP2C19" in lowq


def test_patient_without_pgx_consent_has_no_pharmacogene_position_genotyped_or_measured(small_cohort):
    import pysam

    sites = {tuple(line.split("\t")[:2]) for line in text(small_cohort / "results/reference/pgx_sites.tsv.gz").splitlines()}
    calls = {}
    for patient, sample in (("NOPGX01", "NOPGX01-blood"), ("LOWQ01", "LOWQ01-blood")):
        with pysam.VariantFile(str(small_cohort / f"results/{patient}/calls/{sample}.vcf.gz")) as vf:
            calls[patient] = [(r.chrom, str(r.pos), r.alts) for r in vf]
    # LOWQ01 (consented) has a reference call at knowledge-base positions; NOPGX01, the same reads,
    # only what variant discovery found
    assert sum(1 for c, p, alts in calls["LOWQ01"] if (c, p) in sites and alts is None) > 300
    assert all(alts is not None for _, _, alts in calls["NOPGX01"])
    assert [c for c in calls["NOPGX01"]] == [c for c in calls["LOWQ01"] if c[2] is not None]
    rep = json.loads((small_cohort / "results/NOPGX01/report/NOPGX01.json").read_text())
    assert (rep["pgx"], rep["drug_recommendations"], rep["consent"]) == (
        [], [], {"pharmacogenomics": False, "secondary_findings": False})
    assert rep["limitations"] == [{"reason": "no consent for pharmacogenomic testing: not analysed", "section": "pgx"}]
    assert "germline_findings" not in rep
    assert rep["qc"]["NOPGX01-blood"]["metrics"]["loci_in_panel"] == 0


def test_patient_without_secondary_findings_consent_has_none_in_any_of_their_files(small_cohort):
    for patient in ("NOPGX01", "LOWQ01", "VCF001"):  # none of them consented
        assert traces(small_cohort, patient, SECONDARY_WORDS) == [], patient


def test_patient_identifiers_appear_only_in_that_patients_files(small_cohort):
    others = {p: [q for q in PATIENTS if q != p] for p in PATIENTS}
    for patient in PATIENTS:
        foreign = [*others[patient], *(s for q in others[patient] for s in SAMPLES[q]), "OTHER_PATIENT"]
        for f in patient_files(small_cohort, patient):
            content = text(f)
            assert [w for w in foreign if w in content] == [], f
    # the outside VCF's other column (another person) reaches no output at all
    for f in (small_cohort / "results").rglob("*"):
        if f.is_file() and f.name != "samples.yaml":  # provenance keeps the sheet as run
            assert "OTHER_PATIENT" not in text(f), f
    # the PGx and report jobs log nothing on success
    for patient in ("LOWQ01", "VCF001"):
        assert (small_cohort / f"logs/pgx/{patient}.log").read_text() == ""
    for patient in PATIENTS:
        assert (small_cohort / f"logs/report/{patient}.log").read_text() == ""


def test_cohort_files_carry_identifiers_and_qc_only(small_cohort):
    rows = [line.split("\t") for line in (small_cohort / "results/cohort/summary.tsv").read_text().splitlines()]
    assert rows[0] == ["patient", "sample", "kind", "entry", "qc_status", "failed_gates", "warned_gates",
                       "reads_after_filtering", "q30_rate", "duplication_rate", "loci_mean_depth", "loci_covered_rate"]
    assert [r[:5] for r in rows[1:]] == [["LOWQ01", "LOWQ01-blood", "germline", "fastq", "fail"],
                                         ["NOPGX01", "NOPGX01-blood", "germline", "fastq", "fail"],
                                         ["VCF001", "VCF001-dna", "germline", "vcf", "not_assessed"]]
    # NOPGX01 has no locus in its panel to judge (no pharmacogene position is measured for it)
    assert rows[2][10:] == ["", ""] and rows[1][10:] == ["4.3", "0.0"]
    cohort_level = [small_cohort / "results/cohort/summary.tsv", small_cohort / "results/provenance/tools.json",
                    *(small_cohort / "logs").glob("cohort/*"), *(small_cohort / "logs").glob("provenance/*"),
                    *(small_cohort / "logs").glob("reference/*")]
    for f in cohort_level:
        content = text(f)
        assert [w for w in PGX_WORDS[:20] + ["*1/", "Metabolizer"] if w in content] == [], f
    for f in cohort_level[1:]:
        assert [p for p in PATIENTS if p in text(f)] == [], f


@pytest.mark.parametrize("link", ["results", "results/NOPGX01", "results/VCF001/report", "logs"])
def test_an_output_folder_that_is_a_link_stops_the_run_before_anything_is_written(tmp_path, link):
    config = write_inputs(tmp_path / "run")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "run" / link).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / "run" / link).symlink_to(elsewhere)
    proc = run(tmp_path / "run", config)
    assert proc.returncode == 1
    run_dir = tmp_path / "run"
    said = proc.stdout + proc.stderr  # Snakemake prints a WorkflowError raised while parsing on stdout
    assert (f"{link} is a symbolic link (to {elsewhere}), so the workflow's folder would be written outside "
            f"{run_dir}/results and {run_dir}/logs — remove the link") in said
    assert "Traceback" not in said
    assert list(elsewhere.iterdir()) == []
