"""The ledger of what a test examined (core.ledger, steps.ledger, `genotailor ledger`).

A synthetic gene on a small contig, with its territory laid out by hand so every expected figure
is counted here from the layout, not from the code: GENEX (+ strand) has four coding exons,

    exon 1: CDS 201-400    territory (+-10) 191-410   220 bp   reads at 25x
    exon 2: CDS 1001-1100  territory 991-1110         120 bp   reads at 25x
    exon 3: CDS 1601-1700  territory 1591-1710        120 bp   100 bp of N in the reference, the rest at 5x
    exon 4: CDS 2501-2600  territory 2491-2610        120 bp   outside the panel (chrT:1-2000)

so 340 of its 580 bases are callable at 20x: 58.6%, partly assessed.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pysam
import pytest

from genotailor.core.ledger import Region, clip, coding_territory, judge, pgx_entry
from genotailor.core.samplesheet import Patient, Sample
from genotailor.core.transcripts import Transcript
from genotailor.steps.ledger import VCF_ENTRY, build_ledger

CONTIG_LENGTH = 3000
N_SPAN = (1600, 1700)  # 0-based, half-open: bases 1601-1700
EXONS = [(101, 400, 1), (1001, 1100, 2), (1601, 1800, 3), (2501, 2700, 4)]
CDS = [(201, 400), (1001, 1100), (1601, 1700), (2501, 2600)]
RELEASE = "2026-02-26"


def _gff(path: Path):
    lines = ["##gff-version 3",
             "chrT\tt\tgene\t101\t2700\t.\t+\t.\tID=gene:G1;Name=GENEX",
             "chrT\tt\tmRNA\t101\t2700\t.\t+\t.\tID=transcript:T1;Parent=gene:G1;refseq_nuc=NM_000000.1"]
    lines += [f"chrT\tt\texon\t{s}\t{e}\t.\t+\t.\tParent=transcript:T1;rank={r}" for s, e, r in EXONS]
    lines += [f"chrT\tt\tCDS\t{s}\t{e}\t.\t+\t0\tParent=transcript:T1" for s, e in CDS]
    path.write_text("\n".join(lines) + "\n")
    return path


def _reads(bam_path: Path, seq: str, starts):
    header = {"HD": {"VN": "1.6", "SO": "coordinate"}, "SQ": [{"SN": "chrT", "LN": CONTIG_LENGTH}],
              "RG": [{"ID": "S1", "SM": "S1"}]}
    with pysam.AlignmentFile(str(bam_path), "wb", header=header) as out:
        for i, start in enumerate(sorted(starts)):
            a = pysam.AlignedSegment()
            a.query_name = f"r{i}"
            a.query_sequence = seq[start:start + 100].replace("N", "A")
            a.flag = 0
            a.reference_id = 0
            a.reference_start = start
            a.mapping_quality = 60
            a.cigarstring = "100M"
            a.query_qualities = pysam.qualitystring_to_array("I" * 100)
            a.set_tag("RG", "S1")
            out.write(a)
    pysam.index(str(bam_path))
    return bam_path


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    d = tmp_path_factory.mktemp("ledger")
    rng = random.Random(7)
    seq = [rng.choice("ACGT") for _ in range(CONTIG_LENGTH)]
    seq[N_SPAN[0]:N_SPAN[1]] = "N" * (N_SPAN[1] - N_SPAN[0])
    seq = "".join(seq)
    (d / "ref.fa").write_text(">chrT\n" + "\n".join(seq[i:i + 60] for i in range(0, len(seq), 60)) + "\n")
    pysam.faidx(str(d / "ref.fa"))
    # 25x over 150-1250 (reads start every 4 bases from 50 to 1150) and 5x over 1600-1800
    _reads(d / "S1.bam", seq, [*range(50, 1151, 4), *range(1500, 1701, 20)])
    (d / "panel.bed").write_text("chrT\t0\t2000\n")
    _gff(d / "models.gff3")
    return d


def _kb(folder: Path, coverage: dict) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "manifest.json").write_text(json.dumps({"clinvar": {"release": RELEASE, "gene_coverage": coverage}}))
    (folder / "panels.yaml").write_text("panels: {}\nmechanism: {GENEX: loss_of_function, OTHERX: loss_of_function}\n")
    (folder / "acmg_sf.json").write_text(json.dumps({"genes": {}}))
    return folder


def _patient(entry="fastq", indications=("GENEX",)):
    sample = Sample(id="S1", patient="P1", kind="germline", entry=entry, units=(), path=None, vcf_sample=None,
                    caller=None, purity=None, normal=None, panel=None, sha256=None)
    return Patient(id="P1", sex="female", tumor_type=None, consent_pgx=False, consent_secondary=False,
                   outside_calls=(), samples=(sample,), indications=tuple(indications))


def _qc(folder: Path, status="pass", failed=()) -> Path:
    path = folder / f"S1.{status}.qc.json"
    q30 = 0.5 if status == "fail" else 0.95
    path.write_text(json.dumps({"sample": "S1", "status": status, "metrics": {"q30_rate": q30},
                                "gates": [{"metric": "q30_rate", "value": q30, "status": status, "fail_below": 0.75}],
                                "failed_gates": list(failed), "warned_gates": []}))
    return path


def _ledger(world, tmp_path, kb_coverage=None, qc_status="pass", failed=(), entry="fastq", depth=20,
            indications=("GENEX",)):
    tmp_path.mkdir(parents=True, exist_ok=True)
    kb = _kb(tmp_path / "kb", kb_coverage if kb_coverage is not None else
             {"GENEX": {"chrom": "chrT", "start": 101, "end": 2700, "records": 40}})
    return build_ledger(_patient(entry, indications), reference=world / "ref.fa", models_gff=world / "models.gff3",
                        germline_kb=kb, oncology_kb=tmp_path, pgx_kb=tmp_path / "nopgx",
                        qc_files=[_qc(tmp_path, qc_status, failed)],
                        bams={} if entry == "vcf" else {"S1": world / "S1.bam"}, panels={"S1": world / "panel.bed"},
                        germline_depth=depth, scratch=tmp_path)


def _gene(doc, name="GENEX"):
    return next(g for g in doc["genes"] if g["gene"] == name)


def test_clip_splits_an_interval_into_the_pieces_inside_and_outside_the_spans():
    assert clip(0, 100, [(10, 20), (50, 150)]) == ([(10, 20), (50, 100)], [(0, 10), (20, 50)])
    assert clip(0, 100, []) == ([], [(0, 100)])
    assert clip(30, 40, [(0, 100)]) == ([(30, 40)], [])


def test_coding_territory_is_each_cds_segment_plus_the_splice_margin_labelled_by_exon_rank():
    t = Transcript("GENEX", "T1", None, "chrT", "+", exons=EXONS, cds=CDS)
    got = [(r.label, r.start, r.end) for r in coding_territory(t, 10)]
    assert got == [("exon 1", 190, 410), ("exon 2", 990, 1110), ("exon 3", 1590, 1710), ("exon 4", 2490, 2610)]


def test_judge_calls_a_gene_assessed_exactly_at_the_callable_fraction_and_partly_just_below():
    at = [Region("exon 1", "chrT", 0, 100, callable_bp=95, missing={"low_depth": 5})]
    below = [Region("exon 1", "chrT", 0, 100, callable_bp=94, missing={"low_depth": 6})]
    assert judge("G", "diagnostic", "S1", at, min_fraction=0.95, depth=20).status == "assessed"
    assert judge("G", "diagnostic", "S1", below, min_fraction=0.95, depth=20).status == "partly"


def test_judge_names_the_main_reason_of_a_gene_with_nothing_callable():
    regions = [Region("exon 1", "chrT", 0, 100, missing={"no_reference": 70, "outside_panel": 30})]
    e = judge("G", "diagnostic", "S1", regions, min_fraction=0.95, depth=20)
    assert (e.status, e.reason) == ("not_assessed", "nothing examined: no reference sequence (N) (also outside the "
                                                    "sample's panel)")


def test_pgx_entry_is_assessed_only_when_every_defining_position_has_a_genotype():
    result = {"gene": "G", "status": "called", "source": "vcf",
              "missing_positions": [{"position": 30, "status": "absent"}]}
    e = pgx_entry(result, "G", "chr1", [10, 20, 30], "S1", depth=20)
    assert (e.status, e.callable_fraction) == ("partly", 0.6667)
    assert e.regions_below == [{"region": "chr1:30", "chrom": "chr1", "start": 30, "end": 30, "callable_fraction": 0.0,
                                "why": "no_genotype", "why_text": "no usable genotype (not in the VCF, no call, "
                                "filtered or inconsistent)", "pgx_status": "absent"}]


def test_a_gene_with_reads_n_and_off_panel_exons_is_partly_assessed_with_each_region_and_its_reason(world, tmp_path):
    g = _gene(_ledger(world, tmp_path))
    assert (g["status"], g["territory_bp"], g["callable_bp"], g["callable_fraction"]) == ("partly", 580, 340, 0.5862)
    assert [(b["region"], b["start"], b["end"], b["callable_fraction"], b["why"]) for b in g["regions_below"]] == [
        ("exon 3", 1591, 1710, 0.0, "no_reference"), ("exon 4", 2491, 2610, 0.0, "outside_panel")]


def test_bases_exactly_at_the_depth_count_and_one_more_x_does_not(world, tmp_path):
    assert _gene(_ledger(world, tmp_path / "a", depth=25))["callable_bp"] == 340
    assert _gene(_ledger(world, tmp_path / "b", depth=26))["callable_bp"] == 0


def test_exons_beyond_the_clinvar_records_are_not_examined_for_lack_of_knowledge_base_records(world, tmp_path):
    g = _gene(_ledger(world, tmp_path, {"GENEX": {"chrom": "chrT", "start": 101, "end": 1110, "records": 12}}))
    assert [(b["region"], b["why"]) for b in g["regions_below"]] == [("exon 3", "no_kb_records"),
                                                                     ("exon 4", "no_kb_records")]
    assert g["callable_bp"] == 340


def test_a_gene_without_clinvar_records_is_not_assessed_and_names_the_release(world, tmp_path):
    g = _gene(_ledger(world, tmp_path, {"OTHERX": {"chrom": "chrT", "start": 1, "end": 9, "records": 1}}))
    assert (g["status"], g["reason"], g["callable_fraction"]) == (
        "not_assessed", f"no ClinVar records for GENEX in the knowledge base (ClinVar release {RELEASE})", None)


def test_every_gene_of_a_sample_that_failed_qc_is_not_assessed(world, tmp_path):
    g = _gene(_ledger(world, tmp_path, qc_status="fail", failed=["q30_rate"]))
    assert g["status"] == "not_assessed"
    assert g["reason"].startswith("sample S1 failed QC (bases with quality ≥ Q30): its results are not a negative")


def test_a_vcf_entry_cannot_support_a_negative(world, tmp_path):
    g = _gene(_ledger(world, tmp_path, entry="vcf"))
    assert (g["status"], g["reason"]) == ("not_assessed", VCF_ENTRY)


def test_a_gene_without_a_transcript_model_is_not_assessed(world, tmp_path):
    doc = _ledger(world, tmp_path, {"NOMODEL": {"chrom": "chrT", "start": 1, "end": 9, "records": 1}},
                  indications=("NOMODEL",))
    g = _gene(doc, "NOMODEL")
    assert (g["status"], g["reason"]) == ("not_assessed", "no transcript model for the gene in the shipped models: "
                                          "its coding exons are not known")


def test_the_ledger_names_the_biomarker_classes_a_germline_test_does_not_assess(world, tmp_path):
    names = [b["name"] for b in _ledger(world, tmp_path)["biomarkers"]]
    assert names == ["exon-level deletions and duplications", "structural variants", "repeat expansions"]


def test_ledger_command_writes_byte_identical_json_on_a_rerun(world, tmp_path):
    kb = _kb(tmp_path / "kb", {"GENEX": {"chrom": "chrT", "start": 101, "end": 2700, "records": 40}})
    sheet = tmp_path / "sheet.yaml"
    sheet.write_text("patients:\n  P1:\n    sex: female\n    consent: {pharmacogenomics: false, secondary_findings: false}\n"
                     "    indications: [BRCA2]\n    samples:\n      S1:\n        kind: germline\n"
                     f"        bam: {world / 'S1.bam'}\n")
    outs = []
    for i in range(2):
        out = tmp_path / f"run{i}" / "P1.ledger.json"
        out.parent.mkdir()
        proc = subprocess.run([sys.executable, "-m", "genotailor", "ledger", "--sheet", str(sheet), "--patient", "P1",
                               "--reference", str(world / "ref.fa"), "--models", str(world / "models.gff3"),
                               "--germline-kb", str(kb), "--oncology-kb", str(tmp_path), "--pgx-kb", str(tmp_path),
                               "--qc", str(_qc(tmp_path)), "--bam", f"S1={world / 'S1.bam'}",
                               "--panel", f"S1={world / 'panel.bed'}", "--out", str(out)],
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    g = json.loads(outs[0])["genes"][0]
    # BRCA2 has no model on chrT's sheet world: named, not silently dropped
    assert (g["gene"], g["status"]) == ("BRCA2", "not_assessed")
    assert not list(tmp_path.glob("run0/.*scratch"))
