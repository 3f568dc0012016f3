"""Germline exon-level deletion candidates (`genotailor germline-cnv`, germline/exon_cnv.py) on simulated reads.

Reads are simulated over the MANE Select coding exons of BRCA1, MLH1 and MSH2 on real GRCh38 sequence
(tests/data/cnv/PROVENANCE.md). Planted truth: one sample carries a heterozygous deletion of BRCA1
exons 8-10 (one copy of two: half the reads of those exons) and of MSH2 exons 4-5; three other
samples are normal and serve as the reference set; a fourth normal is tested against them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from genotailor.cli import main
from genotailor.core.paths import TRANSCRIPT_MODELS
from genotailor.dev.testdata.copynumber import WindowGenome, coding_targets, simulate_bam
from genotailor.germline.exon_cnv import CANDIDATE, exon_cnv

DATA = Path(__file__).parent / "data" / "cnv"
PLANTED = {"BRCA1_ex8": 1, "BRCA1_ex9": 1, "BRCA1_ex10": 1, "MSH2_ex4": 1, "MSH2_ex5": 1}


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    d = tmp_path_factory.mktemp("exon_cnv")
    genome = WindowGenome(DATA / "germline_gene_windows.BRCA1_MLH1_MSH2.fa.gz")
    targets = coding_targets(TRANSCRIPT_MODELS, ("BRCA1", "MLH1", "MSH2"), exon_names=True)
    refs = [simulate_bam(genome, targets, d / f"R{i}.bam", f"R{i}", seed=300 + i, depth=100) for i in range(3)]
    normal = simulate_bam(genome, targets, d / "N.bam", "N", seed=310, depth=100)
    carrier = simulate_bam(genome, targets, d / "D.bam", "D", seed=320, depth=100, copies=PLANTED)
    return {"refs": refs, "normal": normal, "carrier": carrier, "dir": d}


def test_a_heterozygous_brca1_multi_exon_deletion_is_a_candidate_with_its_exons_and_ratio(samples):
    doc = exon_cnv(samples["carrier"], "D", samples["refs"], TRANSCRIPT_MODELS, ["BRCA1"])
    (call,) = doc["calls"]
    assert (call["gene"], call["type"], call["exons"], call["status"]) == ("BRCA1", "deletion", [8, 9, 10], "candidate")
    assert abs(call["ratio"] - 0.5) <= 0.1  # one copy of two
    assert call["summary"] == f"BRCA1 exons 8-10 deletion (depth ratio {call['ratio']:.2f}): {CANDIDATE}"


def test_a_normal_sample_has_no_call(samples):
    doc = exon_cnv(samples["normal"], "N", samples["refs"], TRANSCRIPT_MODELS, ["BRCA1", "MLH1", "MSH2"])
    assert doc["calls"] == []
    assert [(g["gene"], g["status"]) for g in doc["genes"]] == [("BRCA1", "assessed"), ("MLH1", "assessed"),
                                                                 ("MSH2", "assessed")]


def test_without_secondary_findings_consent_an_sf_gene_gets_no_call(samples):
    # MSH2 is on the ACMG SF list; the indication here is BRCA1 only
    without = exon_cnv(samples["carrier"], "D", samples["refs"], TRANSCRIPT_MODELS, ["BRCA1"], ["MSH2"], False)
    assert [c["gene"] for c in without["calls"]] == ["BRCA1"]
    assert [g["gene"] for g in without["genes"]] == ["BRCA1"]
    assert without["secondary_findings"] == "not analysed (no consent)"
    consented = exon_cnv(samples["carrier"], "D", samples["refs"], TRANSCRIPT_MODELS, ["BRCA1"], ["MSH2"], True)
    assert [(c["gene"], c["category"], c["exons"]) for c in consented["calls"]] == [
        ("BRCA1", "diagnostic", [8, 9, 10]), ("MSH2", "secondary", [4, 5])]


def test_fewer_than_two_reference_samples_is_not_assessed(samples):
    doc = exon_cnv(samples["carrier"], "D", samples["refs"][:1], TRANSCRIPT_MODELS, ["BRCA1"])
    assert (doc["status"], doc["calls"]) == ("not_assessed", [])
    assert doc["reason"] == ("1 reference sample(s), at least 2 needed to tell an exon's depth from its normal "
                             "variation")


def test_the_command_writes_the_same_bytes_twice(samples):
    out = samples["dir"] / "D.exon_cnv.json"
    argv = ["germline-cnv", "--bam", str(samples["carrier"]), "--sample", "D", "--panels", "hereditary_breast_ovarian",
            "--reference-bam", *map(str, samples["refs"]), "--json", str(out)]
    assert main(argv) == 0
    first = out.read_bytes()
    doc = json.loads(first)
    assert [(c["gene"], c["exons"]) for c in doc["calls"]] == [("BRCA1", [8, 9, 10])]
    # BRCA2 and PALB2 have no reads in these BAMs: their exons are not assessed, with the depth named
    brca2 = next(g for g in doc["genes"] if g["gene"] == "BRCA2")
    assert brca2["status"] == "not_assessed" and brca2["exons"][0]["reason"] == "references' median depth 0x, below 20x"
    assert main(argv) == 0
    assert out.read_bytes() == first


def test_the_ledger_names_the_exon_screen_per_gene_with_its_candidates(samples):
    from genotailor.core.contracts import validate_stage
    from genotailor.core.ledger import biomarker_entries, exon_cnv_entry

    doc = exon_cnv(samples["carrier"], "D", samples["refs"], TRANSCRIPT_MODELS, ["BRCA1", "MLH1"])
    validate_stage("exon_cnv", doc, "test")
    entry = exon_cnv_entry(doc)
    assert (entry["status"], entry["reason"]) == (
        "assessed", "D: 2 of 2 genes fully screened against 3 reference samples; candidates need confirmation by an "
        "orthogonal method")
    brca1 = entry["genes"][0]
    assert brca1["gene"] == "BRCA1" and brca1["reason"].startswith("22 of 22 coding exons assessed; BRCA1 exons 8-10 "
                                                                   "deletion (depth ratio ")
    listed = biomarker_entries({"germline"}, {"exon-level deletions and duplications": [entry]})
    assert listed[0] is entry and listed[1]["name"] == "structural variants"
