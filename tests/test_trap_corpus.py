"""Trap corpus: inputs where nothing, or not everything, was examined.

For each case the outputs must not state a negative for what was not examined, and must name the
reason. Four groups:

- the ledger on a hand-laid contig (every expected figure counted here from the layout): a gene
  wholly in N, without reads, outside the panel, half covered, beyond its ClinVar records, absent
  from ClinVar, without a transcript model, from a failed sample, from a VCF entry, at the depth
  threshold;
- pharmacogenes whose defining positions lack a genotype, have too few reads, or come from an
  outside call;
- commands on real coordinates: the HFE p.C282Y homozygote (chr6:26092913 G>A, rs1800562,
  NM_000410.4:c.845G>A, ClinVar VariationID 9) with the shipped ClinVar table, which holds no HFE
  record; a VCF with GRCh37 contig lengths; a VCF whose VAF tags no convention reads;
- each form of a report (JSON, HTML, PDF, FHIR, cohort table) of a patient whose ledger leaves
  genes not assessed.
"""

from __future__ import annotations

import json
import random
import re

import pysam
import pytest
from pypdf import PdfReader

from conftest import DEMO_REFERENCE, vcf_entry_stage_files, write_vcf
from genotailor.core.errors import InputError
from genotailor.core.kbfiles import clinvar_gene_coverage
from genotailor.core.ledger import pgx_entry
from genotailor.core.paths import GERMLINE_KB, HOTSPOTS, ONCOLOGY_KB, TRANSCRIPT_MODELS
from genotailor.core.samplesheet import Patient, Sample
from genotailor.germline.run import run_germline
from genotailor.report.assemble import assemble
from genotailor.report.cohort import findings_rows
from genotailor.report.fhir import build_bundle
from genotailor.report.figures import figures
from genotailor.report.html import render_html
from genotailor.report.pdf import write_pdf
from genotailor.steps.ledger import VCF_ENTRY, build_ledger
from test_kb_update import CHR6_LENGTH, HFE_C282Y, chr6_reference  # noqa: F401 (fixture)
from test_ledger import _qc

# Negative statements: a sentence holding one of these must name no gene that was not assessed.
NEGATIVE = re.compile(r"\bno (pathogenic|reportable|tier i or ii|variant|finding)|nothing found|normal result", re.I)
RELEASE = clinvar_gene_coverage(GERMLINE_KB)["release"]

# ---------------------------------------------------------------------------------------------
# 1. The ledger on a hand-laid contig. chrT is 12,000 bases of random sequence with N over
# 2,001-3,000; the panel is chrT:1-8,000; reads give 30x over 3,901-5,000 and 5,901-6,200, and
# nothing elsewhere. Each gene has one coding exon (plus strand), territory = CDS +- 10 bases.
# ---------------------------------------------------------------------------------------------
LENGTH = 12_000
GENES = {  # gene: (exon start, exon end, CDS start, CDS end), 1-based
    "FULLN": (2101, 2300, 2201, 2300),    # territory 2191-2310: all N
    "NOREADS": (1001, 1200, 1101, 1200),  # real sequence, in the panel, no read
    "OFFPANEL": (9001, 9200, 9101, 9200),  # outside the panel
    "FULL": (4001, 4300, 4201, 4300),     # territory 4191-4310, all at 30x
    "HALF": (4901, 5100, 4951, 5100),     # territory 4941-5110: 4941-5000 at 30x (60 bp of 170)
    "KBPART": (6001, 6400, 6051, 6200),   # territory 6041-6210; ClinVar records 6051-6120 only (70 bp, at 30x)
}


def _gff(path):
    lines = ["##gff-version 3"]
    for i, (gene, (es, ee, cs, ce)) in enumerate(GENES.items()):
        lines += [f"chrT\tt\tgene\t{es}\t{ee}\t.\t+\t.\tID=gene:G{i};Name={gene}",
                  f"chrT\tt\tmRNA\t{es}\t{ee}\t.\t+\t.\tID=transcript:T{i};Parent=gene:G{i}",
                  f"chrT\tt\texon\t{es}\t{ee}\t.\t+\t.\tParent=transcript:T{i};rank=1",
                  f"chrT\tt\tCDS\t{cs}\t{ce}\t.\t+\t0\tParent=transcript:T{i}"]
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def contig(tmp_path_factory):
    d = tmp_path_factory.mktemp("trap")
    rng = random.Random(11)
    seq = [rng.choice("ACGT") for _ in range(LENGTH)]
    seq[2000:3000] = "N" * 1000
    seq = "".join(seq)
    (d / "ref.fa").write_text(">chrT\n" + "\n".join(seq[i:i + 60] for i in range(0, LENGTH, 60)) + "\n")
    pysam.faidx(str(d / "ref.fa"))
    # 30 reads of 100 bases at each start: exactly 30x over 3,901-5,000 and 5,901-6,200, 0x elsewhere
    starts = [s for s in (*range(3900, 5000, 100), *range(5900, 6200, 100)) for _ in range(30)]
    _write_bam(d / "S1.bam", seq, starts)
    (d / "panel.bed").write_text("chrT\t0\t8000\n")
    _gff(d / "models.gff3")
    return d


def _write_bam(path, seq, starts):
    header = {"HD": {"VN": "1.6", "SO": "coordinate"}, "SQ": [{"SN": "chrT", "LN": LENGTH}]}
    with pysam.AlignmentFile(str(path), "wb", header=header) as out:
        for i, start in enumerate(starts):
            a = pysam.AlignedSegment()
            a.query_name, a.flag, a.reference_id, a.reference_start = f"r{i}", 0, 0, start
            a.query_sequence = seq[start:start + 100]
            a.mapping_quality, a.cigarstring = 60, "100M"
            a.query_qualities = pysam.qualitystring_to_array("I" * 100)
            out.write(a)
    pysam.index(str(path))


def _kb(folder, genes):
    folder.mkdir(parents=True, exist_ok=True)
    # records over the whole exon and 100 bases either side, except for KBPART
    coverage = {g: {"chrom": "chrT", "start": GENES[g][0] - 100, "end": GENES[g][1] + 100, "records": 5} for g in genes}
    if "KBPART" in coverage:
        coverage["KBPART"].update(start=6051, end=6120)
    (folder / "manifest.json").write_text(json.dumps({"clinvar": {"release": "2026-02-26", "gene_coverage": coverage}}))
    (folder / "panels.yaml").write_text("panels: {}\nmechanism: {" + ", ".join(f"{g}: loss_of_function" for g in GENES)
                                        + ", NOMODEL: loss_of_function}\n")
    (folder / "acmg_sf.json").write_text(json.dumps({"genes": {}}))
    return folder


def _run_ledger(contig, tmp_path, genes, *, kb_genes=None, entry="fastq", qc="pass", depth=20):
    tmp_path.mkdir(parents=True, exist_ok=True)
    sample = Sample("S1", "P1", "germline", entry, (), None, None, None, None, None, None, None)
    patient = Patient("P1", "female", None, False, False, (), (sample,), tuple(genes))
    kb = _kb(tmp_path / "kb", kb_genes if kb_genes is not None else [g for g in genes if g in GENES])
    doc = build_ledger(patient, reference=contig / "ref.fa", models_gff=contig / "models.gff3", germline_kb=kb,
                       oncology_kb=tmp_path, pgx_kb=tmp_path, qc_files=[_qc(tmp_path, qc, ["q30_rate"] if qc == "fail"
                                                                               else [])],
                       bams={} if entry == "vcf" else {"S1": contig / "S1.bam"}, panels={"S1": contig / "panel.bed"},
                       germline_depth=depth, scratch=tmp_path)
    return {g["gene"]: g for g in doc["genes"]}


LEDGER_CASES = [
    # (case, gene, options, status, callable fraction, reason: exact or prefix)
    ("reference all N", "FULLN", {}, "not_assessed", 0.0, "nothing examined: no reference sequence (N)"),
    ("no reads at all", "NOREADS", {}, "not_assessed", 0.0, "nothing examined: depth below 20x"),
    ("outside the panel", "OFFPANEL", {}, "not_assessed", 0.0, "nothing examined: outside the sample's panel"),
    ("fully covered (control)", "FULL", {}, "assessed", 1.0, "100.0% of the coding exons callable at 20x or more"),
    ("half covered", "HALF", {}, "partly", round(60 / 170, 4), "35.3% of the coding exons callable at 20x or more; "
     "1 region below threshold"),
    ("beyond its ClinVar records", "KBPART", {}, "partly", round(70 / 170, 4), "41.2% of the coding exons callable"),
    ("absent from ClinVar", "FULL", {"kb_genes": []}, "not_assessed", None,
     "no ClinVar records for FULL in the knowledge base (ClinVar release 2026-02-26)"),
    ("no transcript model", "NOMODEL", {"kb_genes": ["FULL"]}, "not_assessed", None,
     "no transcript model for the gene in the shipped models: its coding exons are not known"),
    ("sample failed QC", "FULL", {"qc": "fail"}, "not_assessed", 1.0, "sample S1 failed QC (bases with quality ≥ Q30)"),
    ("VCF entry", "FULL", {"entry": "vcf"}, "not_assessed", None, VCF_ENTRY),
    ("depth one above the reads", "FULL", {"depth": 31}, "not_assessed", 0.0, "nothing examined: depth below 31x"),
    ("depth exactly at the reads", "FULL", {"depth": 30}, "assessed", 1.0, "100.0% of the coding exons callable at "
     "30x or more"),
]


@pytest.mark.parametrize("case,gene,options,status,fraction,reason", LEDGER_CASES, ids=[c[0] for c in LEDGER_CASES])
def test_ledger_trap(contig, tmp_path, case, gene, options, status, fraction, reason):
    g = _run_ledger(contig, tmp_path, [gene] if gene != "NOMODEL" else ["NOMODEL"], **options)[gene]
    assert (g["status"], g["callable_fraction"]) == (status, fraction)
    assert g["reason"].startswith(reason), g["reason"]


def test_ledger_trap_regions_below_threshold_say_why(contig, tmp_path):
    genes = _run_ledger(contig, tmp_path, ["HALF", "KBPART"])
    assert [(b["start"], b["end"], b["why"]) for b in genes["HALF"]["regions_below"]] == [(4941, 5110, "low_depth")]
    assert genes["HALF"]["regions_below"][0]["callable_fraction"] == round(60 / 170, 4)
    assert [(b["why"], b["callable_fraction"]) for b in genes["KBPART"]["regions_below"]] == [
        ("no_kb_records", round(70 / 170, 4))]


# ---------------------------------------------------------------------------------------------
# 2. Pharmacogenes: every defining position must have a genotype for the gene to be assessed.
# ---------------------------------------------------------------------------------------------
PGX_CASES = [
    ("positions absent from a VCF", [{"position": 20, "status": "absent"}, {"position": 30, "status": "absent"}],
     None, "partly", "33.3% of the defining positions with a usable genotype; 2 regions below threshold", "no_genotype"),
    ("positions below depth", [{"position": 10, "status": "low_depth"}], lambda c, s, e: 0, "partly",
     "66.7% of the defining positions with a usable genotype; 1 region below threshold", "low_depth"),
    ("positions on N", [{"position": 10, "status": "not_covered"}], lambda c, s, e: 1, "partly",
     "66.7% of the defining positions with a usable genotype; 1 region below threshold", "no_reference"),
    ("no genotype anywhere", [{"position": p, "status": "no_call"} for p in (10, 20, 30)], None, "not_assessed",
     "nothing examined: no usable genotype (not in the VCF, no call, filtered or inconsistent)", "no_genotype"),
]


@pytest.mark.parametrize("case,missing,reference_n,status,reason,why", PGX_CASES, ids=[c[0] for c in PGX_CASES])
def test_pgx_trap(case, missing, reference_n, status, reason, why):
    result = {"gene": "G", "status": "called", "source": "vcf", "missing_positions": missing}
    e = pgx_entry(result, "G", "chr1", [10, 20, 30], "S1", reference_n=reference_n, depth=20)
    assert (e.status, e.reason) == (status, reason)
    assert {b["why"] for b in e.regions_below} == {why}


def test_pgx_trap_an_outside_call_is_named_as_taken_not_examined():
    e = pgx_entry({"gene": "CYP2D6", "source": "outside_call", "method": "Cyrius 1.1"}, "CYP2D6", "chr22", [1], "S1",
                  depth=20)
    assert (e.status, e.reason, e.callable_fraction) == (
        "assessed", "outside call (Cyrius 1.1): taken as given, not re-examined", None)


# ---------------------------------------------------------------------------------------------
# 3. Commands on real coordinates.
# ---------------------------------------------------------------------------------------------
def test_hfe_homozygote_with_the_shipped_clinvar_table_is_not_assessed_for_lack_of_records(tmp_path, chr6_reference):  # noqa: F811
    vcf = write_vcf(tmp_path / "hfe.vcf.gz", [(*HFE_C282Y, "1/1")], contigs=(("chr6", CHR6_LENGTH),))
    doc = run_germline(vcf, "S1", ["hereditary_hemochromatosis"], False, chr6_reference, TRANSCRIPT_MODELS, GERMLINE_KB)
    assert doc["findings"] == []
    reason = f"no ClinVar records for HFE in the knowledge base (ClinVar release {RELEASE})"
    assert doc["genes_without_kb_records"] == [
        {"gene": "HFE", "category": "diagnostic", "reason": reason + ": no variant of it can be classified"}]
    assert any(s.startswith(f"No ClinVar records in the knowledge base (ClinVar release {RELEASE}) for HFE")
               for s in doc["limitations"])
    sample = Sample("S1", "P1", "germline", "vcf", (), vcf, None, None, None, None, None, None)
    patient = Patient("P1", "male", None, False, False, (), (sample,), ("hereditary_hemochromatosis",))
    qc, _ = vcf_entry_stage_files(tmp_path, "S1")
    ledger = build_ledger(patient, reference=chr6_reference, models_gff=TRANSCRIPT_MODELS, germline_kb=GERMLINE_KB,
                          oncology_kb=ONCOLOGY_KB, pgx_kb=tmp_path, qc_files=[qc], scratch=tmp_path)
    (hfe,) = [g for g in ledger["genes"] if g["gene"] == "HFE"]
    assert (hfe["status"], hfe["reason"]) == ("not_assessed", reason)


def test_a_vcf_with_grch37_contig_lengths_is_refused_naming_the_build(tmp_path):
    from genotailor.oncology.run import run_somatic
    from genotailor.oncology.tmb import TmbSettings

    vcf = write_vcf(tmp_path / "t.vcf.gz", ["7\t140453136\t.\tA\tT\t50\tPASS\t.\tGT\t0/1"], samples=("T",),
                    contigs=(("7", 159138663),))
    with pytest.raises(InputError, match=r"contig 7 is 159138663 bp in the VCF header \(that is its GRCh37 length\)"):
        run_somatic(vcf, "T", "MEL", DEMO_REFERENCE, TRANSCRIPT_MODELS, ONCOLOGY_KB, HOTSPOTS, TmbSettings())


def test_a_variant_whose_vaf_no_convention_reads_is_marked_and_not_counted(tmp_path):
    from genotailor.oncology.run import run_somatic
    from genotailor.oncology.tmb import TmbSettings

    # BRAF c.1799T>A (p.V600E), chr7:140753336 A>T on GRCh38, with its allele counts under private tags
    extra = '##FORMAT=<ID=XAC,Number=1,Type=Integer,Description="private alt count">'
    vcf = write_vcf(tmp_path / "t.vcf.gz", ["chr7\t140753336\t.\tA\tT\t50\tPASS\t.\tGT:XAC\t0/1:30"], samples=("T",),
                    contigs=(("chr7", 159345973),), extra_header=extra)
    doc = run_somatic(vcf, "T", "MEL", DEMO_REFERENCE, TRANSCRIPT_MODELS, ONCOLOGY_KB, HOTSPOTS, TmbSettings())
    (braf,) = [v for v in doc["somatic"] if v["gene"] == "BRAF"]
    assert braf["vaf"] is None and braf["vaf_status"].startswith("unreadable")


# ---------------------------------------------------------------------------------------------
# 4. Each form of the report of a patient tested for HBOC whose ledger assessed BRCA2 only.
# ---------------------------------------------------------------------------------------------
NOT_ASSESSED = {"BRCA1": "nothing examined: no reference sequence (N)",
                "PALB2": "no ClinVar records for PALB2 in the knowledge base (ClinVar release 2026-02-26)"}


@pytest.fixture(scope="module")
def hboc(tmp_path_factory):
    d = tmp_path_factory.mktemp("hboc")
    sample = Sample("H1-blood", "H1", "germline", "vcf", (), d / "in.vcf.gz", None, "DeepVariant", None, None, None,
                    None)
    patient = Patient("H1", "female", None, False, False, (), (sample,), ("hereditary_breast_ovarian",))
    qc, calls = vcf_entry_stage_files(d, "H1-blood")
    # BRCA2 c.-39-? ... a plain sample with no variant in the panel: chr13 is real in the demo reference
    vcf = write_vcf(d / "in.vcf.gz", [], samples=("H1-blood",), contigs=(("chr13", 114364328), ("chr17", 83257441)))
    germline = run_germline(vcf, "H1-blood", ["hereditary_breast_ovarian"], False, DEMO_REFERENCE, TRANSCRIPT_MODELS,
                            GERMLINE_KB)
    (d / "germline.json").write_text(json.dumps(germline))
    genes = [{"gene": "BRCA2", "category": "diagnostic", "sample": "H1-blood", "status": "assessed",
              "reason": "100.0% of the coding exons callable at 20x or more", "callable_fraction": 1.0,
              "territory": "coding exons", "territory_bp": 10777, "callable_bp": 10777, "regions_below": []}]
    genes += [{"gene": g, "category": "diagnostic", "sample": "H1-blood", "status": "not_assessed", "reason": r,
               "callable_fraction": None, "territory": "coding exons", "territory_bp": 0, "callable_bp": 0,
               "regions_below": []} for g, r in NOT_ASSESSED.items()]
    ledger = {"patient": "H1", "settings": {"germline_min_depth": 20, "tumor_min_depth": 50,
                                            "min_callable_fraction": 0.95, "splice_margin": 10},
              "genes": genes, "biomarkers": [{"name": "exon-level deletions and duplications", "group": "germline",
                                              "status": "not_assessed", "reason": "not assessed by this test"}]}
    (d / "ledger.json").write_text(json.dumps(ledger))
    provenance = d / "provenance.json"
    provenance.write_text(json.dumps({"workflow": {"version": "test"}, "reference": {"name": "demo", "sha256": "0" * 64},
                                      "aligner": "none", "tools": {}, "knowledge_bases": {}}))
    report = assemble(patient, "2026-01-15", [qc], [calls], provenance,
                      {"germline_findings": [d / "germline.json"], "examined": [d / "ledger.json"]})
    (d / "H1.json").write_text(json.dumps(report))
    return d, report


def _sentences(text):
    return [s for s in re.split(r"(?<=[.;])\s+|\n", re.sub(r"\s+", " ", text)) if s.strip()]


def _assert_no_negative_for_unexamined(text):
    for s in _sentences(text):
        if NEGATIVE.search(s):
            named = [g for g in NOT_ASSESSED if re.search(rf"\b{g}\b", s)]
            assert not named, f"negative sentence names a gene that was not assessed: {s!r}"


def _visible(page):
    return re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", page, flags=re.S))


def test_report_json_summary_states_the_negative_for_brca2_only_and_names_the_rest(hboc):
    _, report = hboc
    lines = [ln["text"] for k in ("result", "not_assessed") for ln in report["summary"][k]]
    assert ("Inherited disease (Hereditary breast and ovarian cancer): no pathogenic or likely pathogenic variant and "
            "no loss-of-function candidate found in the 1 assessed gene (BRCA2); 2 other requested genes not fully "
            "assessed.") in lines
    assert ("Inherited disease: 1 of 3 requested genes fully assessed; not assessed: BRCA1 (no reference sequence "
            "(N)); PALB2 (no ClinVar records in the knowledge base).") in lines
    _assert_no_negative_for_unexamined("\n".join(lines))


def test_report_html_names_each_unassessed_gene_with_its_reason_and_no_negative(hboc):
    _, report = hboc
    page = render_html(report)
    text = _visible(page)
    for gene, reason in NOT_ASSESSED.items():
        row = re.search(rf'<tr class="status-not_assessed" id="examined-diagnostic-{gene}">(.*?)</tr>', page, re.S)
        assert row and reason in row.group(1) and "not assessed" in row.group(1)
    _assert_no_negative_for_unexamined(text)
    assert "in the assessed genes (BRCA2)" in re.sub(r"\s+", " ", text)


def test_report_pdf_names_the_unassessed_genes_and_states_no_negative_for_them(hboc, tmp_path):
    _, report = hboc
    drawn = figures(report)
    out = tmp_path / "H1.pdf"
    write_pdf(render_html(report, for_print=True, figures=drawn), out, {f["id"]: f["svg"] for f in drawn}.get)
    text = "\n".join(p.extract_text() for p in PdfReader(out).pages)
    flat = re.sub(r"\s+", " ", text)
    assert "What this test examined" in flat and "no reference sequence (N)" in flat
    _assert_no_negative_for_unexamined(text)


def test_report_fhir_region_studied_carries_each_gene_status_and_reason(hboc):
    _, report = hboc
    bundle = build_bundle(report)
    regions = {}
    for e in bundle["entry"]:
        r = e["resource"]
        if r["resourceType"] == "Observation" and r["code"]["coding"][0]["code"] == "53041-0":
            assert r["meta"]["profile"] == ["http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition/region-studied"]
            regions[r["component"][0]["valueCodeableConcept"]["text"]] = r["component"][1]["valueString"]
    assert regions == {
        "BRCA2": "BRCA2 (inherited disease): assessed — 100.0% of the coding exons callable at 20x or more",
        "BRCA1": "BRCA1 (inherited disease): not assessed — nothing examined: no reference sequence (N)",
        "PALB2": "PALB2 (inherited disease): not assessed — no ClinVar records for PALB2 in the knowledge base (ClinVar "
                 "release 2026-02-26)"}
    (diag,) = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "DiagnosticReport"]
    _assert_no_negative_for_unexamined(diag.get("conclusion", ""))


def test_cohort_findings_row_names_the_unassessed_genes_and_no_negative_for_them(hboc):
    d, _ = hboc
    (row,) = findings_rows([d / "H1.json"])
    assert "BRCA1 (no reference sequence (N))" in row["not_assessed"]
    _assert_no_negative_for_unexamined(" ".join(str(v) for v in row.values()))


def test_report_names_the_biomarker_classes_it_does_not_assess(hboc):
    _, report = hboc
    markers = [(e["name"], e["status"]) for e in report["assessed"] if e["scope"] == "biomarker"]
    assert markers == [("exon-level deletions and duplications", "not_assessed")]
    assert "Not assessed by this test: exon-level deletions and duplications." in [
        ln["text"] for ln in report["summary"]["not_assessed"]]


def test_printed_page_names_every_unassessed_gene_with_its_reason_in_grouped_rows(hboc):
    _, report = hboc
    extra = {"scope": "gene", "category": "diagnostic", "sample": "H1-blood", "status": "not_assessed",
             "callable_fraction": None, "territory": "coding exons", "regions_below": []}
    entries = report["assessed"] + [
        {**extra, "name": g, "reason": f"no ClinVar records for {g} in the knowledge base (ClinVar release 2026-02-26)"}
        for g in ("HFE", "LDLR")]
    text = _visible(render_html({**report, "assessed": entries}, for_print=True, figures=[]))
    flat = re.sub(r"\s+", " ", text)
    assert "Assessed (inherited disease): BRCA2 (100.0%)." in flat
    # PALB2, HFE and LDLR share one reason: one row naming the three, the reason without a gene name
    assert ("PALB2, HFE, LDLR inherited disease H1-blood not assessed — no ClinVar records for these genes in the "
            "knowledge base (ClinVar release 2026-02-26)") in flat
    assert "BRCA1 inherited disease H1-blood not assessed 0.0% nothing examined: no reference sequence (N)" not in flat
    assert "BRCA1 inherited disease H1-blood not assessed — nothing examined: no reference sequence (N)" in flat
    _assert_no_negative_for_unexamined(text)
