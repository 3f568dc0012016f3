"""PGx cross-links in the report: a somatic therapy that meets a PGx result is flagged in both places.

The somatic result is a real `genotailor somatic` run (BRAF p.V600E in a colorectal cancer: its CIViC
evidence includes capecitabine and irinotecan combinations); the PGx results are real calls
(DPYD c.1905+1G>A (*2A) heterozygous, UGT1A1 *1/*28)."""

import json

import pytest

from conftest import DEMO_REFERENCE, vcf_entry_stage_files
from genotailor.cli import main
from genotailor.core.samplesheet import Patient, Sample
from genotailor.pgx.recommendations import attach_to_genes, recommend
from genotailor.report.assemble import assemble
from genotailor.report.html import render_html
from test_pgx_phenotypes import call

VCF = """##fileformat=VCFv4.2
##FILTER=<ID=PASS,Description="All filters passed">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">
##FORMAT=<ID=AF,Number=A,Type=Float,Description="Allele fractions">
##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">
##contig=<ID=chr7,length=159345973>
#CHROM	POS	ID	REF	ALT	QUAL	FILTER	INFO	FORMAT	CRC-N	CRC-T
chr7	140753336	.	A	T	.	PASS	.	GT:AD:AF:DP	0/0:100,0:0.01:100	0/1:140,60:0.3:200
"""
DPYD_2A = "c.1905+1G>A (*2A)"


@pytest.fixture(scope="module")
def somatic_json(tmp_path_factory):
    d = tmp_path_factory.mktemp("crc")
    (d / "crc.vcf").write_text(VCF)
    out = d / "somatic.json"
    assert main(["somatic", "--vcf", str(d / "crc.vcf"), "--tumor", "CRC-T", "--normal", "CRC-N",
                 "--tumor-type", "COADREAD", "--reference", str(DEMO_REFERENCE), "--json", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def pgx_results(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pgx")
    return [call(tmp, "DPYD", "Reference", DPYD_2A), call(tmp, "UGT1A1", "*1", "*28")]


def _dump(path, obj):
    path.write_text(json.dumps(obj))
    return path


def crc_report(tmp_path, somatic_json, results, consent_pgx=True):
    normal = Sample("CRC-N", "CRC01", "germline", "vcf", (), tmp_path / "n.vcf.gz", None, "Mutect2", None, None,
                    None, None)
    tumour = Sample("CRC-T", "CRC01", "tumor", "vcf", (), tmp_path / "t.vcf.gz", None, "Mutect2", 0.5, "CRC-N",
                    None, None)
    patient = Patient("CRC01", "female", "COADREAD", consent_pgx, False, (), (normal, tumour))
    provenance = _dump(tmp_path / "prov.json", {
        "workflow": {"version": "test"}, "reference": {"name": "demo", "sha256": "0" * 64}, "aligner": "none",
        "tools": {}, "knowledge_bases": {}})
    qc, calls = zip(*(vcf_entry_stage_files(tmp_path, s) for s in ("CRC-N", "CRC-T")))
    results = json.loads(json.dumps(results))  # each report its own copy
    drugs = recommend(results)
    attach_to_genes(results, drugs)
    stages = {"somatic": [somatic_json]}
    if consent_pgx:
        stages["pgx"] = [_dump(tmp_path / "pgx.json", {"pgx": results, "drugs": drugs})]
    report = assemble(patient, "2026-01-15", qc, calls, provenance, stages)
    return report, render_html(report)


def v600e(report):
    (v,) = [v for v in report["somatic"] if v["protein_change"] == "p.V600E"]
    return v


def rows_with(variant, drug):
    return [t for t in variant["therapies"] if drug in t["therapies"]]


def test_capecitabine_therapy_names_the_dpyd_result_and_recommendation_and_the_drug_row_names_braf(
        tmp_path, somatic_json, pgx_results):
    report, page = crc_report(tmp_path, somatic_json, pgx_results)
    v = v600e(report)
    assert v["tier"] == "I"
    rows = rows_with(v, "Capecitabine")
    assert rows
    for row in rows:
        (link,) = row["pgx"]
        assert link["drug"] == "capecitabine"
        (dpyd,) = link["genes"]
        assert (dpyd["gene"], dpyd["diplotype"], dpyd["phenotype"]) == (
            "DPYD", f"Reference/{DPYD_2A}", "Intermediate Metabolizer")
        assert (link["recommendation"]["action"], link["recommendation"]["dose_factor"]) == ("reduce_dose", 0.5)
    (drug,) = [d for d in report["drug_recommendations"] if d["drug"] == "capecitabine"]
    findings = drug["tumour_findings"]
    assert {(f["gene"], f["variant"], f["tier"], f["sample"]) for f in findings} == {("BRAF", "p.V600E", "I", "CRC-T")}
    assert {f["therapy"] for f in findings} >= {"Bevacizumab + Capecitabine + Oxaliplatin"}
    # fluorouracil is not among this tumour's therapies: its PGx row stays as it was
    (fu,) = [d for d in report["drug_recommendations"] if d["drug"] == "fluorouracil"]
    assert "tumour_findings" not in fu
    assert "PGx, capecitabine: DPYD Reference/c.1905+1G&gt;A (*2A) (Intermediate Metabolizer) —" in page
    assert "Reduce the dose (50% of the starting dose), strong (see Pharmacogenomics)" in page
    assert "Tumour: BRAF p.V600E (Tier I, CRC-T): Bevacizumab + Capecitabine + Oxaliplatin, resistance, level B" in page
    (summary,) = [c for c in report["pgx_crosslinks"] if c["drug"] == "capecitabine"]
    assert (summary["genes"], summary["pgx_recommendation"]) == (["DPYD"], True)


def test_irinotecan_without_a_pgx_recommendation_names_the_ugt1a1_result_on_both_sides(
        tmp_path, somatic_json, pgx_results):
    report, page = crc_report(tmp_path, somatic_json, pgx_results)
    rows = rows_with(v600e(report), "Irinotecan")
    assert rows
    link = rows[0]["pgx"][0]
    assert (link["drug"], link["recommendation"]) == ("irinotecan", None)
    assert link["reason"] == "the pharmacogenomic knowledge base has no recommendation for irinotecan"
    assert [(g["gene"], g["diplotype"], g["phenotype"]) for g in link["genes"]] == [
        ("UGT1A1", "*1/*28", "Intermediate Metabolizer")]
    (ugt1a1,) = [g for g in report["pgx"] if g["gene"] == "UGT1A1"]
    assert {(f["drug"], f["gene"], f["variant"]) for f in ugt1a1["tumour_findings"]} == {
        ("irinotecan", "BRAF", "p.V600E")}
    assert "PGx, irinotecan: UGT1A1 *1/*28 (Intermediate Metabolizer)" in page
    assert "Tumour, irinotecan (no PGx recommendation for it in the knowledge base): BRAF p.V600E (Tier I" in page
    # DPYD's gene row gets no tumour findings: capecitabine has its own drug row
    (dpyd,) = [g for g in report["pgx"] if g["gene"] == "DPYD"]
    assert "tumour_findings" not in dpyd


def test_a_gene_without_a_result_is_named_as_not_assessed(tmp_path, somatic_json, pgx_results):
    report, page = crc_report(tmp_path, somatic_json, [r for r in pgx_results if r["gene"] != "DPYD"])
    link = rows_with(v600e(report), "Capecitabine")[0]["pgx"][0]
    assert link["genes"] == [{"gene": "DPYD", "status": "not_assessed", "diplotype": None, "phenotype": None,
                              "reason": "DPYD is not among this patient's pharmacogenomic results"}]
    assert "PGx, capecitabine: DPYD  (not assessed)" in page


def test_without_pgx_consent_nothing_pgx_appears(tmp_path, somatic_json, pgx_results):
    report, page = crc_report(tmp_path, somatic_json, pgx_results, consent_pgx=False)
    assert rows_with(v600e(report), "Capecitabine") and rows_with(v600e(report), "Irinotecan")
    assert not [t for v in report["somatic"] for t in v["therapies"] if "pgx" in t]
    assert "pgx_crosslinks" not in report and report["pgx"] == [] and report["drug_recommendations"] == []
    for word in ("DPYD", "UGT1A1", "PGx,", "crosslink\">", "Intermediate Metabolizer"):
        assert word not in page
