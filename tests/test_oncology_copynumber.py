"""Somatic copy number (`genotailor cnv`, oncology/copynumber.py) on simulated tumour/normal BAMs.

The reads are simulated over the MANE Select coding exons of nine genes on real GRCh38 sequence
(tests/data/cnv/PROVENANCE.md) with planted copy numbers: ERBB2 at 8 copies and CDKN2A at 0
(homozygous deletion) in the tumour cells, every other gene at 2, at purity 0.6 and 0.3. The
expected values are the planted truth, not the code's output.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from genotailor.cli import main
from genotailor.core.errors import InputError
from genotailor.core.paths import TRANSCRIPT_MODELS
from genotailor.dev.testdata.copynumber import WindowGenome, coding_targets, expected_ratio, simulate_bam, write_targets_bed
from genotailor.oncology.copynumber import CnvSettings, copy_number, run_cnv

DATA = Path(__file__).parent / "data" / "cnv"
GENES = ("KIT", "EGFR", "MET", "FGFR1", "CDKN2A", "CCND1", "KRAS", "CDK4", "ERBB2")
PLANTED = {"ERBB2": 8, "CDKN2A": 0}
DEPTH = 150


@pytest.fixture(scope="module")
def bams(tmp_path_factory):
    d = tmp_path_factory.mktemp("cnv")
    genome = WindowGenome(DATA / "cnv_gene_windows.fa.gz")
    targets = coding_targets(TRANSCRIPT_MODELS, GENES)
    out = {"targets": write_targets_bed(targets, d / "targets.bed"), "dir": d}
    out["normal"] = simulate_bam(genome, targets, d / "N.bam", "N", seed=11, depth=DEPTH)
    out["normal2"] = simulate_bam(genome, targets, d / "N2.bam", "N2", seed=12, depth=DEPTH)
    out["normal3"] = simulate_bam(genome, targets, d / "N3.bam", "N3", seed=13, depth=DEPTH)
    for purity in (0.6, 0.3):
        out[purity] = simulate_bam(genome, targets, d / f"T{purity}.bam", f"T{purity}", seed=int(purity * 100),
                                   depth=DEPTH, copies=PLANTED, purity=purity)
    return out


def _genes(doc):
    return {g["gene"]: g for g in doc["genes"]}


def test_copy_number_inverts_the_purity_mixture():
    # 8 copies in 60% of cells and 2 in the rest: 0.6 * 8 + 0.4 * 2 = 5.6 copies per cell, ratio 2.8
    assert expected_ratio(8, 0.6) == pytest.approx(2.8)
    assert copy_number(math.log2(2.8), 0.6) == pytest.approx(8)
    assert copy_number(math.log2(0.7), 0.3) == pytest.approx(0)  # homozygous deletion, 30% tumour cells
    assert copy_number(math.log2(0.5), 0.3) == 0  # below what any mixture gives: not negative


@pytest.mark.parametrize("purity", [0.6, 0.3])
def test_amplification_and_homozygous_deletion_are_called_within_one_copy(bams, purity):
    doc = run_cnv(bams[purity], bams["targets"], f"T{purity}", purity=purity, normal_bam=bams["normal"], normal="N")
    genes = _genes(doc)
    assert doc["status"] == "assessed"
    assert doc["method"]["segmentation"] in ("cbs", "haar")
    assert abs(genes["ERBB2"]["copy_number"] - 8) <= 1
    assert genes["ERBB2"]["call"] == "amplification"
    assert abs(genes["CDKN2A"]["copy_number"] - 0) <= 1
    assert genes["CDKN2A"]["call"] == "deletion"
    others = {g: e["call"] for g, e in genes.items() if g not in PLANTED}
    assert others == {g: None for g in GENES if g not in PLANTED}
    assert all(abs(e["copy_number"] - 2) <= 1 for g, e in genes.items() if g not in PLANTED)


def test_a_normal_against_another_normal_has_no_call(bams):
    doc = run_cnv(bams["normal2"], bams["targets"], "N2", purity=None, normal_bam=bams["normal"], normal="N")
    assert doc["status"] == "assessed"
    assert {g["gene"]: g["call"] for g in doc["genes"]} == {g: None for g in GENES}
    assert doc["purity_note"] == ("no purity in the sample sheet: copy numbers assume 100% tumour cells, which "
                                  "understates every change")


def test_without_a_normal_or_reference_the_tumour_is_not_assessed(bams):
    doc = run_cnv(bams[0.6], bams["targets"], "T", purity=0.6)
    assert doc["status"] == "not_assessed"
    assert doc["reason"] == ("no matched normal and no panel-of-normals reference: the tumour's depth has nothing "
                             "to be compared with")
    assert doc["genes"] == []


def test_a_gene_with_too_few_bins_is_not_assessed(bams):
    # KRAS's MANE coding exons make 4 bins of <= 200 bp (4 coding exons: 111, 179, 160 and 117 bp incl. the stop codon)
    doc = run_cnv(bams[0.6], bams["targets"], "T", purity=0.6, normal_bam=bams["normal"], normal="N",
                  settings=CnvSettings(min_bins=5))
    kras = _genes(doc)["KRAS"]
    assert (kras["status"], kras["bins"], kras["copy_number"], kras["call"]) == ("not_assessed", 4, None, None)
    assert kras["reason"] == "too few targets: 4 bin(s), at least 5 needed"


def test_the_command_against_a_panel_of_normals_writes_a_valid_stage(bams):
    d = bams["dir"]
    ref = d / "pon.cnn"
    assert main(["cnv-reference", "--normal-bam", str(bams["normal2"]), str(bams["normal3"]),
                 "--targets", str(bams["targets"]), "--out", str(ref)]) == 0
    out = d / "T.cnv.json"
    argv = ["cnv", "--tumor-bam", str(bams[0.6]), "--tumor", "T0.6", "--targets", str(bams["targets"]),
            "--reference", str(ref), "--purity", "0.6", "--tumor-type", "BRCA", "--json", str(out)]
    assert main(argv) == 0
    doc = json.loads(out.read_text())
    assert doc["reference"] == {"kind": "panel of normals", "file": "pon.cnn"}
    genes = _genes(doc)
    assert genes["ERBB2"]["call"] == "amplification" and abs(genes["ERBB2"]["copy_number"] - 8) <= 1
    assert (genes["ERBB2"]["tier"], genes["ERBB2"]["amp_level"]) == ("I", "A")
    assert genes["CDKN2A"]["call"] == "deletion"
    assert genes["KIT"]["therapies"] == [] and genes["KIT"]["tier"] is None
    first = out.read_bytes()
    assert main(argv) == 0
    assert out.read_bytes() == first  # same inputs, same bytes
    bams["stage"] = out


def test_the_report_leads_with_the_erbb2_amplification_and_its_anti_her2_therapies(bams, tmp_path):
    from conftest import vcf_entry_stage_files
    from genotailor.core.samplesheet import Patient, Sample
    from genotailor.report.assemble import assemble
    from genotailor.report.html import render_html

    if "stage" not in bams:
        pytest.skip("needs the stage of test_the_command_against_a_panel_of_normals_writes_a_valid_stage")
    sample = Sample("T0.6", "P1", "tumor", "vcf", (), tmp_path / "in.vcf.gz", None, "Mutect2", 0.6, None, None, None)
    patient = Patient("P1", "female", "BRCA", False, False, (), (sample,))
    qc, calls = vcf_entry_stage_files(tmp_path, "T0.6", records=3)
    provenance = tmp_path / "provenance.json"
    provenance.write_text(json.dumps({"workflow": {"version": "test"}, "reference": {"name": "GRCh38", "sha256": "0" * 64},
                                      "aligner": "none", "tools": {}, "knowledge_bases": {}}))
    report = assemble(patient, "2026-01-15", [qc], [calls], provenance, {"copy_number": [bams["stage"]]})
    first = report["summary"]["actionable"][0]
    erbb2 = _genes(json.loads(bams["stage"].read_text()))["ERBB2"]
    assert first["section"] == "copy_number" and first["target"] == "cnv-T0.6-ERBB2"
    assert first["text"].startswith(f"ERBB2 amplification (copy number {erbb2['copy_number']:g}) — Tier I in T0.6: "
                                    "sensitivity to ")
    # CGI's FDA-guideline rows and CIViC's level A items for breast cancer (see the tiering test above)
    assert ("sensitivity to Ado-Trastuzumab Emtansine, Lapatinib, Margetuximab, Neratinib + Trastuzumab, Pertuzumab, "
            "Trastuzumab (evidence level A); ") in first["text"]
    assert re.search(r"; \d+ more at level B\.$", first["text"])
    page = render_html(report)
    assert 'id="cnv-T0.6-ERBB2"' in page and "Haar wavelet segmentation" in page
    from genotailor.report.figures import copy_number_figures

    (fig,) = copy_number_figures(report)
    assert fig["id"] == "figure-copy-number-T0.6"
    # thresholds at purity 0.6: 6 copies give a ratio of 2.2 (log2 1.14), 0.5 copies 0.55 (log2 -0.86)
    assert fig["text"][0].endswith("thresholds at purity 0.6: amplification log2 >= 1.14, deletion log2 < -0.86")
    assert fig["svg"].startswith("<svg") and copy_number_figures(report)[0]["svg"] == fig["svg"]  # deterministic
    from genotailor.report.fhir import build_bundle, validate_bundle

    bundle = build_bundle(report)
    validate_bundle(bundle)
    variants = [e["resource"] for e in bundle["entry"] if e["resource"].get("meta", {}).get("profile") ==
                ["http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition/variant"]]
    by_gene = {next(c["valueCodeableConcept"]["coding"][0]["display"] for c in v["component"]
                    if c["code"]["coding"][0]["code"] == "48018-6"): v for v in variants}
    assert sorted(by_gene) == ["CDKN2A", "ERBB2"]
    comp = {c["code"]["coding"][0]["code"]: c for c in by_gene["ERBB2"]["component"]}
    # the IG's variant profile: DNA change type (48019-4) as a Sequence Ontology term, copy number (82155-3)
    assert comp["48019-4"]["valueCodeableConcept"]["coding"][0]["code"] == "SO:0001742"  # copy_number_gain
    assert comp["82155-3"]["valueQuantity"]["value"] == erbb2["copy_number"]
    assert comp["81302-2"]["valueRange"] == {"low": {"value": erbb2["start"] + 1}, "high": {"value": erbb2["end"]}}
    cdkn2a = {c["code"]["coding"][0]["code"]: c for c in by_gene["CDKN2A"]["component"]}
    assert cdkn2a["48019-4"]["valueCodeableConcept"]["coding"][0]["code"] == "SO:0001743"  # copy_number_loss
    implications = [e["resource"] for e in bundle["entry"] if e["resource"].get("derivedFrom") ==
                     [{"reference": f"urn:uuid:{by_gene['ERBB2']['id']}"}]]
    assert {"Trastuzumab", "Pertuzumab"} <= {c["valueCodeableConcept"]["text"] for i in implications for c in i["component"]
                                            if c["code"]["coding"][0]["code"] == "51963-7"}


def test_the_segmentation_method_that_ran_is_named(monkeypatch):
    import genotailor.oncology.copynumber as cn

    monkeypatch.setattr(cn.shutil, "which", lambda name: None)
    assert cn.segmentation_method() == (
        "haar", "Haar wavelet segmentation (CNVkit, pure Python; R/DNAcopy is not installed)")


def _assess(gene, call, tumour_type):
    from genotailor.core.paths import ONCOLOGY_KB
    from genotailor.oncology.actionability import assess_copy_number, load_kb

    return assess_copy_number({"gene": gene, "status": "assessed", "call": call}, tumour_type, load_kb(str(ONCOLOGY_KB)))


def test_erbb2_amplification_in_breast_cancer_is_tier_one_with_anti_her2_therapies_at_level_a():
    # CIViC EID1122 (trastuzumab, HER2-positive breast cancer, level A) and CGI's `ERBB2:amp` rows
    # (FDA guidelines, BRCA: trastuzumab, ado-trastuzumab emtansine, lapatinib, pertuzumab)
    r = _assess("ERBB2", "amplification", "BRCA")
    assert (r["tier"], r["amp_level"]) == ("I", "A")
    assert r["tier_reason"] == "level A evidence for BRCA or a related OncoTree type (ERBB2 amplification, BRCA)"
    level_a = {tuple(t["therapies"]) for t in r["therapies"] if t["evidence_level"] == "A" and t["this_tumour_type"]}
    assert {("Trastuzumab",), ("Ado-Trastuzumab Emtansine",), ("Lapatinib",), ("Pertuzumab",)} <= level_a
    (trastuzumab,) = [t for t in r["therapies"] if t["therapies"] == ["Trastuzumab"] and t["oncotree"] == "BRCA"
                      and t["evidence_level"] == "A"]
    assert {s["id"] for s in trastuzumab["sources"]} == {"EID1122", "ERBB2 amplification"}


def test_a_gene_without_a_call_or_not_assessed_gets_no_tier():
    assert _assess("ERBB2", None, "BRCA") == {"tier": None, "amp_level": None, "tier_reason": None, "therapies": []}


def test_a_one_copy_loss_matches_gene_loss_evidence_at_tier_two_at_most():
    # CIViC EID1297: PTEN loss, breast cancer, everolimus, level B
    deletion, loss = _assess("PTEN", "deletion", "BRCA"), _assess("PTEN", "loss", "BRCA")
    assert deletion["therapies"] == loss["therapies"] and loss["therapies"]
    assert (deletion["tier"], deletion["amp_level"]) == ("I", "B")
    assert (loss["tier"], loss["amp_level"]) == ("II", "C")
    assert loss["tier_reason"] == "level A/B evidence for gene loss in this tumour type, but only one copy is lost"


def _stage(genes, status="assessed", reason=None):
    return {"sample": "T1", "status": status, "reason": reason, "reference": {"kind": "matched normal", "normal": "N1"},
            "genes": genes}


def _gene(gene, status="assessed", cn=2.0, call=None, reason=None):
    return {"gene": gene, "status": status, "copy_number": cn if status == "assessed" else None, "call": call,
            "reason": reason}


def test_the_ledger_names_copy_number_assessed_per_gene():
    from genotailor.core.ledger import biomarker_entries, copy_number_entry

    entry = copy_number_entry(_stage([_gene("CDKN2A", cn=0.01, call="deletion"), _gene("ERBB2", cn=7.97, call="amplification"),
                                      _gene("KRAS", "not_assessed", reason="too few targets: 2 bin(s), at least 3 needed")]))
    assert (entry["status"], entry["reason"]) == (
        "partly", "T1: 2 of 3 genes assessed against the matched normal (CNVkit); not assessed: KRAS")
    assert entry["genes"] == [
        {"gene": "CDKN2A", "status": "assessed", "reason": "copy number 0.01 (deletion)"},
        {"gene": "ERBB2", "status": "assessed", "reason": "copy number 7.97 (amplification)"},
        {"gene": "KRAS", "status": "not_assessed", "reason": "too few targets: 2 bin(s), at least 3 needed"}]
    listed = biomarker_entries({"somatic"}, {"copy number": [entry]})
    assert [e["name"] for e in listed] == ["copy number", "structural variants", "gene fusions",
                                           "microsatellite instability (MSI)"]
    assert listed[0] is entry and listed[1]["status"] == "not_assessed"
    # without the stage (a tumour entered as a VCF), copy number is not assessed, and the reason says why
    assert biomarker_entries({"somatic"})[0] == {
        "name": "copy number", "group": "somatic", "status": "not_assessed",
        "reason": "not assessed: no copy-number result for the tumour (it needs the tumour's reads; a VCF entry has "
                  "none)"}


def test_the_ledger_gives_the_stage_reason_when_the_tumour_was_not_assessed():
    from genotailor.core.ledger import copy_number_entry

    why = "no matched normal and no panel-of-normals reference: the tumour's depth has nothing to be compared with"
    assert copy_number_entry(_stage([], "not_assessed", why)) == {
        "name": "copy number", "group": "somatic", "sample": "T1", "status": "not_assessed", "reason": f"T1: {why}",
        "genes": []}


def test_targets_named_unlike_the_bam_stop_with_the_fix(bams, tmp_path):
    # the same targets named `7` instead of `chr7`
    renamed = tmp_path / "targets.nochr.bed"
    renamed.write_text("".join(line.removeprefix("chr") + "\n" for line in bams["targets"].read_text().splitlines()))
    with pytest.raises(InputError) as e:
        run_cnv(bams[0.6], renamed, "T", purity=0.6, normal_bam=bams["normal"], normal="N")
    assert str(e.value) == (f"BAM {bams['normal']}: none of the targets' contigs is in it — name the contigs of the "
                            "targets BED as the BAM does (e.g. chr7, not 7)")


def test_a_tumour_without_reads_on_the_targets_fails_qc_with_the_depth_named(bams, tmp_path):
    # targets in a region of chr17 the simulated reads do not reach (upstream of ERBB2's window)
    far = tmp_path / "targets.far.bed"
    far.write_text("".join(f"chr17\t{39000000 + 1000 * i}\t{39000200 + 1000 * i}\tFAR\n" for i in range(5)))
    doc = run_cnv(bams[0.6], far, "T", purity=0.6, reference_cnn=None, normal_bam=bams["normal"], normal="N")
    assert (doc["status"], doc["genes"]) == ("not_assessed", [])
    assert doc["reason"] == ("failed QC: the tumour's median depth over the target bins is 0x, below 20x (no reads "
                             "there? check that the BAM and the targets BED name the contigs alike, e.g. chr7)")
