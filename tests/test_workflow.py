"""End to end: the demo through Snakemake, asserting the planted truth (slow; runs in CI)."""

import gzip
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pysam
import pytest

from genotailor.dev.sheet import write_config

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.workflow


DEMO_PATIENTS = ("PGX001", "TUMOR01", "VCF001", "LOWQ01", "LUNG01", "GERM01", "GERM02")


def demo_config(tmp: Path, sheet: Path | None = None) -> Path:
    """The demo config with absolute paths, so the workflow can run in any directory."""
    return write_config(sheet or ROOT / "config" / "samples.yaml", tmp / "config.yaml")


def run_workflow(workdir: Path, config: Path, *extra):
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "-s", str(ROOT / "workflow" / "Snakefile"), "-d", str(workdir),
         "--configfile", str(config), "--cores", "2", *extra],
        cwd=ROOT, capture_output=True, text=True,
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("demo")
    proc = run_workflow(tmp / "run", demo_config(tmp))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return tmp / "run"


def report(demo, patient):
    return json.loads((demo / "results" / patient / "report" / f"{patient}.json").read_text())


def gene(rep, name):
    return next(g for g in rep["pgx"] if g["gene"] == name)


def test_pgx_patient_has_cyp2c19_star2_star17(demo):
    cyp = gene(report(demo, "PGX001"), "CYP2C19")
    assert (cyp["diplotype"], cyp["status"], cyp["phenotype"]) == ("*2/*17", "called", "Intermediate Metabolizer")
    assert cyp["missing_positions"] == []
    by_pos = {p["position"]: p for p in cyp["positions"]}
    assert by_pos[94781859]["genotype"] == "G/A"  # rs4244285, *2
    assert by_pos[94842866]["genotype"] == "G/G"  # rs3758581: *2 and *17 both carry G
    assert by_pos[94762706]["genotype"] == "A/A" and by_pos[94762706]["depth"] >= 20  # reference, with depth


def test_pgx_patient_shows_every_planted_diplotype(demo):
    truth = json.loads((ROOT / "test-data/truth/PGX001.json").read_text())["expected_diplotypes"]
    rep = report(demo, "PGX001")
    got = {g: gene(rep, g)["diplotype"] for g in truth}
    assert got == {g: t["diplotype"] for g, t in truth.items()}
    for g, t in truth.items():
        # every gene, including those without a phenotype (CYP4F2: the reason is given instead)
        assert (gene(rep, g)["phenotype"], gene(rep, g)["activity_score"]) == (t["phenotype"], t["activity_score"]), g
        if t["phenotype"] is None:
            assert gene(rep, g)["reason"] == t["phenotype_reason"], g
    assert gene(rep, "IFNL3")["phenotype"] == truth["IFNL3"]["phenotype"] == "Favorable response genotype"


def test_pgx_patient_gets_the_clopidogrel_recommendation(demo):
    rep = report(demo, "PGX001")
    (clopidogrel,) = [d for d in rep["drug_recommendations"] if d["drug"] == "clopidogrel"]
    assert (clopidogrel["action"], clopidogrel["phenotypes"]) == ("use_alternative", {"CYP2C19": "Intermediate Metabolizer"})
    assert clopidogrel["guideline"].startswith("https://")
    assert any(d["drug"] == "clopidogrel" for d in gene(rep, "CYP2C19")["drugs"])
    html = (demo / "results/PGX001/report/PGX001.html").read_text()
    assert "clopidogrel" in html and "Use an alternative drug" in html


def test_pgx_patient_unphased_tpmt_3a_gets_a_dose_and_the_other_reading_as_a_caveat(demo):
    rep = report(demo, "PGX001")
    tpmt = gene(rep, "TPMT")
    assert (tpmt["diplotype"], tpmt["status"], tpmt["tie"]["resolved_by"]) == ("*1/*3A", "ambiguous", "cis")
    assert tpmt["alternatives_change_recommendations"] == ["azathioprine", "mercaptopurine", "thioguanine"]
    (aza,) = [d for d in rep["drug_recommendations"] if d["drug"] == "azathioprine"]
    assert (aza["action"], aza["dose_factor"]) == ("reduce_dose", [0.3, 0.8])
    assert [(o["diplotype"], o["action"]) for o in aza["alternative_actions"]] == [("*3B/*3C", "consider_alternative")]
    html = (demo / "results/PGX001/report/PGX001.html").read_text()
    # TPMT is indeterminate (two diplotypes fit): its row names no diplotype, only what they change
    assert "they differ in the recommendation for azathioprine, mercaptopurine, thioguanine" in html
    assert "Caveat:" in html
    assert "TPMT *3B/*3C (Poor Metabolizer: consider an alternative drug, if used at 10% of the usual dose)" in html


def test_tumour_calls_hold_braf_v600e_at_about_30_percent_and_the_normal_does_not(demo):
    with pysam.VariantFile(str(demo / "results/TUMOR01/calls/TUMOR01-T.vcf.gz")) as vf:
        braf = [r for r in vf.fetch("chr7", 140753335, 140753336) if r.alts == ("T",)]
    assert len(braf) == 1 and braf[0].ref == "A" and "PASS" in braf[0].filter.keys()
    assert 0.22 <= braf[0].samples["TUMOR01-T"]["AF"][0] <= 0.38
    with pysam.VariantFile(str(demo / "results/TUMOR01/calls/TUMOR01-N.vcf.gz")) as vf:
        assert not [r for r in vf.fetch("chr7", 140753335, 140753336) if r.alts and "T" in r.alts]
    somatic = report(demo, "TUMOR01")["somatic"]
    v600e = [v for v in somatic if v["protein_change"] == "p.V600E"]
    assert len(v600e) == 1 and v600e[0]["gene"] == "BRAF" and v600e[0]["known_hotspot"]


def test_melanoma_braf_v600e_is_tier_i_with_melanoma_therapies_and_pik3ca_h1047r_is_tier_ii(demo):
    rep = report(demo, "TUMOR01")
    by_change = {v["protein_change"]: v for v in rep["somatic"]}
    v600e = by_change["p.V600E"]
    assert (v600e["tier"], v600e["amp_level"], v600e["hgvs_c"], v600e["transcript"]) == (
        "I", "A", "c.1799T>A", "ENST00000646891")
    assert 0.22 <= v600e["vaf"] <= 0.38 and v600e["vaf_source"] == "FORMAT/AD"
    melanoma_a = {tuple(t["therapies"]) for t in v600e["therapies"] if t["this_tumour_type"] and t["evidence_level"] == "A"}
    assert ("Dabrafenib", "Trametinib") in melanoma_a
    assert all(s["url"].startswith("https://") for t in v600e["therapies"] for s in t["sources"])
    # PIK3CA p.H1047R: level A evidence is for breast cancer, so Tier II in melanoma
    h1047r = by_change["p.H1047R"]
    assert (h1047r["tier"], h1047r["tier_reason"]) == ("II", "level A/B evidence for other tumour types only")
    # the demo panel is far below the 1 Mb minimum: TMB not assessed, with its figures
    tmb = rep["tmb"]
    assert tmb["method"] == "not_assessed" and 0 < tmb["callable_mb"] < 0.01 and tmb["mutations"] == 2
    html = (demo / "results/TUMOR01/report/TUMOR01.html").read_text()
    assert "Tier I (level A)" in html and "Dabrafenib + Trametinib" in html and "Not assessed: callable coding" in html


def test_lung_mutect2_vcf_shows_egfr_l858r_tier_i_and_t790m_resistance_to_first_generation_inhibitors(demo):
    rep = report(demo, "LUNG01")
    truth = json.loads((ROOT / "test-data/truth/LUNG01.json").read_text())
    assert rep["tumor_type"] == "LUAD"
    assert [s["caller"] for s in rep["samples"]] == ["GATK Mutect2 + FilterMutectCalls (demo)"]
    by_change = {v["protein_change"]: v for v in rep["somatic"]}
    # only the PASS records: the germline and weak_evidence ones are filtered
    assert sorted(by_change) == ["p.L858R", "p.T790M"]
    l858r, t790m = by_change["p.L858R"], by_change["p.T790M"]
    assert (l858r["gene"], l858r["hgvs_c"], l858r["tier"], l858r["amp_level"]) == ("EGFR", "c.2573T>G", "I", "A")
    planted = {p["protein_change"]: p for p in truth["planted_variants"] if "protein_change" in p}
    for v in (l858r, t790m):  # VAF and depth from Mutect2's AD, not its AF estimate
        counts = planted[v["protein_change"]]["samples"]["LUNG01_TUMOR"]
        assert (v["vaf_source"], v["depth"], v["alt_reads"]) == ("FORMAT/AD", counts["depth"], counts["alt_reads"])
    assert {"Osimertinib"} in [set(t["therapies"]) for t in l858r["therapies"]
                               if t["direction"] == "sensitivity" and t["this_tumour_type"]]
    resistant = {t["therapies"][0] for t in t790m["therapies"] if t["direction"] == "resistance"
                 and t["this_tumour_type"] and len(t["therapies"]) == 1}
    assert {"Erlotinib", "Gefitinib"} <= resistant
    assert t790m["tier"] == "I"
    # no PGx consent: nothing pharmacogenomic in the report
    assert rep["pgx"] == [] and "pgx_crosslinks" not in rep
    html = (demo / "results/LUNG01/report/LUNG01.html").read_text()
    assert "p.Leu858Arg" in html and "p.Thr790Met" in html and '<tr class="resistance">' in html
    assert re.search(r"<td>Erlotinib</td>\s*<td>RESISTANCE</td>", html)


def test_germline_variant_shared_with_the_normal_is_not_reported_as_somatic(demo):
    truth = json.loads((ROOT / "test-data/truth/TUMOR01.json").read_text())
    somatic = {(v["chrom"], v["pos"]) for v in report(demo, "TUMOR01")["somatic"]}
    germline = [v for v in truth["planted_variants"] if v.get("origin") == "germline"]
    assert germline and not any((v["chrom"], v["pos"]) in somatic for v in germline)


def test_poor_library_fails_qc_and_is_still_reported(demo):
    rep = report(demo, "LOWQ01")
    qc = rep["qc"]["LOWQ01-blood"]
    assert qc["status"] == "fail"
    assert "reads_after_filtering" in qc["failed_gates"]
    assert "FAILED" in (demo / "results/LOWQ01/report/LOWQ01.html").read_text()
    for patient in ("PGX001", "TUMOR01"):
        assert all(q["status"] == "pass" for q in report(demo, patient)["qc"].values())


def test_outside_vcf_is_normalized_to_the_contract(demo):
    vcf = demo / "results/VCF001/calls/VCF001-dna.vcf.gz"
    with pysam.VariantFile(str(vcf)) as vf:
        assert list(vf.header.samples) == ["VCF001-dna"]  # the other patient's column is gone
        records = list(vf)
    assert {r.chrom for r in records} <= {"chr2", "chr10", "chr1", "chr6", "chr7", "chr12", "chr13", "chr16", "chr19"}
    assert all(len(r.alts) == 1 for r in records)  # multi-allelic records split
    ugt = [r for r in records if r.chrom == "chr2" and r.pos == 233760233]
    assert sorted(r.alts[0] for r in ugt) == ["C", "CAT"]  # (TA)6 and (TA)8 from one 1/2 record
    cyp = gene(report(demo, "VCF001"), "CYP2C19")
    assert (cyp["diplotype"], cyp["source"]) == ("*1/*2", "vcf")
    cyp2d6 = gene(report(demo, "VCF001"), "CYP2D6")
    assert (cyp2d6["source"], cyp2d6["diplotype"]) == ("outside_call", "*1/*4")
    truth = json.loads((ROOT / "test-data/truth/VCF001.json").read_text())["outside_calls"]["CYP2D6"]
    assert (cyp2d6["phenotype"], cyp2d6["activity_score"]) == (truth["phenotype"], truth["activity_score"])
    assert truth["phenotype"] == "Intermediate Metabolizer"


def test_cohort_summary_has_one_row_per_sample_and_findings_per_patient(demo):
    findings = [r.split("\t") for r in (demo / "results/cohort/findings.tsv").read_text().splitlines()]
    assert findings[0] == ["patient", "qc", "actionable", "results", "not_assessed", "conclusion"]
    by_patient = {r[0]: r for r in findings[1:]}
    assert sorted(by_patient) == ["GERM01", "GERM02", "LOWQ01", "LUNG01", "PGX001", "TUMOR01", "VCF001"]
    assert by_patient["TUMOR01"][2].startswith("BRAF p.V600E — Tier I, VAF 28.8% in TUMOR01-T: sensitivity to ")
    assert by_patient["LUNG01"][4].startswith("Pharmacogenomics: not analysed, as the patient did not consent to it.")
    assert "Metabolizer" not in "\t".join(by_patient["LUNG01"])  # nothing of a declined category
    page = (demo / "results/cohort/summary.html").read_text()
    assert '<a href="../TUMOR01/report/TUMOR01.html">TUMOR01</a>' in page and "multiqc_report.html" in page
    multiqc = (demo / "results/cohort/multiqc_report.html").read_text()
    assert "genotailor QC gates" in multiqc and "LOWQ01-blood" in multiqc
    for unit in ("PGX001-blood.L001", "PGX001-blood.L002", "TUMOR01-N.L001", "TUMOR01-T.L001"):
        assert unit in multiqc, unit  # fastp: one row per sequencing unit, named {sample}.{unit}
    for module in ("fastp", "samtools", "mosdepth", "bcftools"):
        assert f'id="mqc-module-section-{module}"' in multiqc or f"mqc-module-section-{module}" in multiqc, module
    cost = [r.split("\t") for r in (demo / "results/cohort/cost.tsv").read_text().splitlines()]
    assert cost[0][:4] == ["scope", "patient", "sample", "step"] and cost[0][-1] == "peak_rss_mb"  # no price set
    totals = {r[1]: r for r in cost[1:] if r[0] == "patient" and r[3] == "all"}
    assert sorted(totals) == sorted(by_patient) and all(float(r[6]) > 0 for r in totals.values())
    assert {r[3] for r in cost if r[0] == "sample" and r[2] == "PGX001-blood"} >= {"align_unit", "markdup", "call_germline"}


def test_inherited_disease_patient_gets_brca2_for_the_panel_and_mlh1_only_because_sf_was_consented(demo):
    for patient in ("GERM01", "GERM02"):
        truth = json.loads((ROOT / f"test-data/truth/{patient}.json").read_text())
        rep = report(demo, patient)
        got = [(f["gene"], f["chrom"], f["pos"], f["ref"], f["alt"], f["classification"], f["category"],
                f["zygosity"], f["clinvar"]["variation_id"]) for f in rep["germline_findings"]]
        assert got == [(e["gene"], e["chrom"], e["pos"], e["ref"], e["alt"], e["classification"], e["category"],
                        e["zygosity"], e["clinvar_variation_id"]) for e in truth["expected_germline_findings"]]
        brca2 = rep["germline_findings"][0]
        assert (brca2["clinvar"]["accession"], brca2["clinvar"]["stars"], brca2["hgvs_p"]) == (
            "VCV000051063", 3, "p.G4*")
        html = (demo / f"results/{patient}/report/{patient}.html").read_text()
        assert "VCV000051063" in html and "3 stars (reviewed by expert panel)" in html
    germ01 = report(demo, "GERM01")
    assert germ01["germline"]["secondary_findings"] == "analysed"
    assert germ01["germline_findings"][1]["meaning"] == "heterozygous carrier of a dominant condition: affected or at risk"
    germ02 = report(demo, "GERM02")
    assert germ02["germline"]["secondary_findings"] == "not analysed, by the patient's choice"
    # the summary line (HTML-escaped) and the section's sentence: the statement, nothing of the category
    germ02_html = (demo / "results/GERM02/report/GERM02.html").read_text()
    assert "<li>Secondary findings: not analysed, by the patient&#39;s choice.</li>" in germ02_html
    assert "<p>Secondary findings: not analysed, by the patient's choice.</p>" in germ02_html
    for f in (demo / "results" / "GERM02").rglob("*"):  # the full grep is tests/test_germline_consent.py
        if f.is_file() and f.suffix in (".json", ".html", ".tsv", ".txt"):
            assert "MLH1" not in f.read_text() and "37040201" not in f.read_text(), f


def test_cohort_summary_has_one_row_per_sample(demo):
    rows = (demo / "results/cohort/summary.tsv").read_text().splitlines()
    got = [tuple(r.split("\t")[:5]) for r in rows[1:]]
    assert got == [
        ("GERM01", "GERM01-blood", "germline", "fastq", "pass"),
        ("GERM02", "GERM02-blood", "germline", "fastq", "pass"),
        ("LOWQ01", "LOWQ01-blood", "germline", "fastq", "fail"),
        ("LUNG01", "LUNG01-T", "tumor", "vcf", "not_assessed"),
        ("PGX001", "PGX001-blood", "germline", "fastq", "pass"),
        ("TUMOR01", "TUMOR01-N", "germline", "fastq", "pass"),
        ("TUMOR01", "TUMOR01-T", "tumor", "fastq", "pass"),
        ("VCF001", "VCF001-dna", "germline", "vcf", "not_assessed"),
    ]


def test_patient_outputs_name_no_other_patient(demo):
    patients = ["PGX001", "TUMOR01", "VCF001", "LOWQ01", "LUNG01", "GERM01", "GERM02"]
    for p in patients:
        for f in (demo / "results" / p).rglob("*"):
            if f.is_file() and f.suffix in (".json", ".html", ".tsv", ".txt"):
                text = f.read_text()
                assert not [o for o in patients if o != p and o in text], f
            if f.name.endswith(".vcf.gz"):
                with gzip.open(f, "rt") as fh:
                    text = fh.read()
                assert "OTHER_PATIENT" not in text and not [o for o in patients if o != p and o in text], f


# The cost table holds the jobs' measured times, which differ from run to run (report/cost.py).
RUN_DEPENDENT = {"results/cohort/cost.tsv"}


def digest_tree(root: Path) -> dict:
    """sha256 of every result file (the screenshots are taken by the browser test, not the run;
    the cost table is measured, not computed from the inputs)."""
    out = {}
    for f in sorted((root / "results").rglob("*")):
        rel = str(f.relative_to(root))
        if f.is_file() and not rel.startswith("results/screenshots/") and rel not in RUN_DEPENDENT:
            out[str(f.relative_to(root))] = hashlib.sha256(f.read_bytes()).hexdigest()
    return out


def test_rerun_in_another_directory_gives_byte_identical_results(demo, tmp_path):
    proc = run_workflow(tmp_path / "run2", demo_config(tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    first, second = digest_tree(demo), digest_tree(tmp_path / "run2")
    assert first.keys() == second.keys()
    for kind in (".json", ".fhir.json", ".html", ".pdf"):
        assert "results/TUMOR01/report/TUMOR01" + kind in first  # every form of the report is compared
    assert "results/cohort/findings.tsv" in first and "results/cohort/summary.html" in first
    assert "results/cohort/multiqc_report.html" in first  # MultiQC's page too (report.cohort_qc)
    assert [k for k in first if first[k] != second[k]] == []


def test_bad_sheet_stops_the_run_before_any_job_with_every_problem(tmp_path):
    sheet = tmp_path / "samples.yaml"
    sheet.write_text(
        "patients:\n"
        "  P1:\n"
        "    sex: F\n"
        "    consent: {pharmacogenomics: true, secondary_findings: false}\n"
        "    samples:\n"
        "      P1-dna:\n"
        "        kind: germline\n"
        "        vcf: missing.vcf.gz\n"
    )
    proc = run_workflow(tmp_path / "run", demo_config(tmp_path, sheet), "-n")
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert f"sample sheet {sheet}: 2 problem(s)\n" in out
    assert "  - patient P1 / field sex: 'F' is not allowed — use one of: female, male, unknown\n" in out
    assert (f"  - patient P1 / sample P1-dna / field vcf: file not found: {tmp_path / 'missing.vcf.gz'} — "
            f"check the path; relative paths start from the sheet's folder {tmp_path}\n") in out
    assert not (tmp_path / "run" / "results").exists()


def test_vcf_from_another_build_fails_its_patient_only(tmp_path):
    sheet = tmp_path / "samples.yaml"
    sheet.write_text(
        "patients:\n"
        "  OLD01:\n"
        "    sex: male\n"
        "    consent: {pharmacogenomics: true, secondary_findings: false}\n"
        "    samples:\n"
        f"      OLD01-dna: {{kind: germline, vcf: {ROOT / 'test-data/vcf/bad/GRCh37_build.vcf'}}}\n"
        "  VCF001:\n"
        "    sex: female\n"
        "    consent: {pharmacogenomics: true, secondary_findings: false}\n"
        "    samples:\n"
        f"      VCF001-dna: {{kind: germline, vcf: {ROOT / 'test-data/vcf/VCF001.outside-lab.vcf.gz'}, vcf_sample: VCF001_DNA}}\n"
    )
    run = tmp_path / "run"
    proc = run_workflow(run, demo_config(tmp_path, sheet))
    assert proc.returncode != 0
    log = (run / "logs/normalize_vcf/OLD01/OLD01-dna.log").read_text()
    assert "GRCh37_build.vcf: contig chr1 is 249250621 bp in the VCF header (that is its GRCh37 length)" in log
    assert "the VCF was made against another genome build" in log
    assert not (run / "results/OLD01/calls/OLD01-dna.vcf.gz").exists()
    assert gene(report(run, "VCF001"), "CYP2C19")["diplotype"] == "*1/*2"


def test_each_report_lists_the_tools_its_own_jobs_ran(demo):
    vcf_only = report(demo, "VCF001")["provenance"]["tools"]
    assert sorted(vcf_only) == ["bcftools", "genotailor", "tabix"]  # it entered as a VCF: only normalization ran
    reads = report(demo, "PGX001")["provenance"]["tools"]
    assert sorted(reads) == ["bcftools", "fastp", "genotailor", "minimap2", "mosdepth", "samtools", "tabix"]
    record = json.loads((demo / "results" / "PGX001" / "versions" / "markdup" / "PGX001-blood.json").read_text())
    assert sorted(record["tools"]) == ["samtools"]
    cohort = json.loads((demo / "results" / "provenance" / "tools.json").read_text())
    assert cohort["tools"] == {**reads, **vcf_only}
    assert "PGX001" not in json.dumps(cohort)  # cohort files carry no patient identifiers


def test_each_report_lists_its_jobs_logs_and_every_listed_file_exists(demo):
    jobs = report(demo, "TUMOR01")["provenance"]["jobs"]
    by_rule = {}
    for job in jobs:
        by_rule.setdefault(job["rule"], []).append(job["log"])
    assert by_rule["markdup"] == ["logs/markdup/TUMOR01/TUMOR01-N.log", "logs/markdup/TUMOR01/TUMOR01-T.log"]
    assert by_rule["call_somatic"] == ["logs/call_somatic/TUMOR01/TUMOR01-T.log"]
    assert by_rule["report"] == ["logs/report/TUMOR01.log"]
    for job in jobs:
        assert (demo / job["log"]).is_file(), job
        assert (demo / job["benchmark"]).is_file() or job["rule"] == "report", job
    # every log of the patient's jobs is listed (the shared reference jobs are the run's, not the patient's)
    on_disk = {str(p.relative_to(demo)) for p in (demo / "logs").rglob("*.log") if "/TUMOR01" in str(p)}
    assert on_disk == {job["log"] for job in jobs}
    vcf_only = {job["rule"] for job in report(demo, "VCF001")["provenance"]["jobs"]}
    assert vcf_only == {"verify_checksums", "normalize_vcf", "qc_sample", "pgx", "ledger", "report"}
    html = (demo / "results/TUMOR01/report/TUMOR01.html").read_text()
    assert "<code>logs/call_somatic/TUMOR01/TUMOR01-T.log</code>" in html


def test_reports_rebuilt_with_forcerun_are_byte_identical(demo):
    """The report rules alone, run again in place: the same JSON, FHIR, HTML, TSV and PDF bytes
    (and so the same PDF text)."""
    before = digest_tree(demo)
    proc = run_workflow(demo, demo_config(demo.parent), "--forcerun", "report", "cohort_summary")
    assert proc.returncode == 0, proc.stderr[-3000:]
    after = digest_tree(demo)
    reports = [k for k in before if "/report/" in k] + [f"results/cohort/{f}" for f in ("summary.tsv", "findings.tsv",
                                                                                         "summary.html")]
    assert len(reports) == len(DEMO_PATIENTS) * 4 + 3 and all(k in before for k in reports)
    assert [k for k in reports if before[k] != after[k]] == []


def test_every_pdf_names_the_patient_and_page_on_every_page(demo):
    from pypdf import PdfReader

    for patient in DEMO_PATIENTS:
        pages = [p.extract_text() for p in PdfReader(demo / f"results/{patient}/report/{patient}.pdf").pages]
        for i, text in enumerate(pages, 1):
            assert f"Patient {patient}" in text and f"Page {i} of {len(pages)}" in text, (patient, i)
        assert "\nSummary\n" in pages[0] and "\nDisclaimer\n" in "\n".join(pages)


def test_every_fhir_bundle_validates_and_carries_the_findings(demo):
    from genotailor.report.fhir import validate_bundle

    for patient in DEMO_PATIENTS:
        validate_bundle(json.loads((demo / f"results/{patient}/report/{patient}.fhir.json").read_text()))
    lung = (demo / "results/LUNG01/report/LUNG01.fhir.json").read_text()
    assert "p.Thr790Met" in lung and "HGNC:3236" in lung and "resistance" in lung
    assert "genotype" not in lung and "medication-recommendation" not in lung  # no PGx consent: no PGx resource
    pgx = json.loads((demo / "results/PGX001/report/PGX001.fhir.json").read_text())
    texts = [e["resource"].get("valueCodeableConcept", {}).get("text") for e in pgx["entry"]]
    assert "CYP2C19 *2/*17" in texts


def test_snakemake_report_zip_holds_every_report(demo, tmp_path):
    proc = run_workflow(demo, demo_config(demo.parent), "--report", str(tmp_path / "report.zip"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    import zipfile

    names = zipfile.ZipFile(tmp_path / "report.zip").namelist()
    for kind in ("json", "html", "pdf", "fhir.json"):
        assert any(n.endswith(f"TUMOR01.{kind}") for n in names), kind
    assert any(n.endswith("multiqc_report.html") for n in names)


CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1200,1500"]


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("the report browser tests need Debian's chromium and chromium-driver: run scripts/setup-tools.sh as root")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS + [f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.get("about:blank")
    driver.get_log("performance"), driver.get_log("browser")  # the browser's own start-up pages
    yield driver
    driver.quit()


def requests_made(driver) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


@pytest.mark.parametrize("patient, sections", [
    ("PGX001", ["summary", "qc", "examined", "pgx", "figures", "limitations", "methods", "disclaimer"]),
    ("TUMOR01", ["summary", "qc", "examined", "pgx", "somatic", "figures", "limitations", "methods", "disclaimer"]),
    ("VCF001", ["summary", "qc", "examined", "pgx", "figures", "limitations", "methods", "disclaimer"]),
    ("LOWQ01", ["summary", "qc", "examined", "pgx", "figures", "limitations", "methods", "disclaimer"]),
    ("LUNG01", ["summary", "qc", "examined", "somatic", "figures", "limitations", "methods", "disclaimer"]),
    ("GERM01", ["summary", "qc", "examined", "germline_findings", "figures", "limitations", "methods", "disclaimer"]),
    ("GERM02", ["summary", "qc", "examined", "germline_findings", "figures", "limitations", "methods", "disclaimer"]),
])
def test_report_opens_in_chromium_offline_without_errors_summary_first(demo, chromium, patient, sections):
    page = demo / f"results/{patient}/report/{patient}.html"
    chromium.get_log("performance")  # drop what an earlier page left
    chromium.get(page.as_uri())
    errors = [e for e in chromium.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
    # the page itself only: no web request, and no other local file (the report is self-contained)
    requests = [u for u in requests_made(chromium) if not u.startswith(("chrome://", "chrome-untrusted://", "about:"))]
    assert [u for u in requests if u != page.as_uri() and not u.startswith("data:")] == []
    assert page.as_uri() in requests  # the log does see the page's own request
    found = chromium.execute_script("return [...document.querySelectorAll('body > section')].map(s => s.id)")
    assert found == sections
    headings = chromium.execute_script("return [...document.querySelectorAll('body > section > h2')].map(h => h.innerText)")
    assert len(headings) == len(sections) and headings[0] == "Summary"
    # every summary line that links somewhere links to an element of the page
    missing = chromium.execute_script(
        "return [...document.querySelectorAll('#summary a')].map(a => a.getAttribute('href').slice(1))"
        ".filter(id => !document.getElementById(id))")
    assert missing == []
    shots = demo / "results" / "screenshots"
    shots.mkdir(exist_ok=True)
    assert chromium.save_screenshot(str(shots / f"{patient}.png"))
    assert (shots / f"{patient}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_germline_findings_reach_the_fhir_bundle_and_the_summary_only_as_consented(demo):
    from genotailor.report.fhir import validate_bundle

    germ01 = (demo / "results/GERM01/report/GERM01.fhir.json").read_text()
    validate_bundle(json.loads(germ01))
    assert '"code": "51063"' in germ01 and '"display": "Germline"' in germ01 and "MLH1" in germ01
    germ02 = (demo / "results/GERM02/report/GERM02.fhir.json").read_text()
    validate_bundle(json.loads(germ02))
    assert '"code": "51063"' in germ02 and "MLH1" not in germ02 and "37040201" not in germ02
    first = report(demo, "GERM01")["summary"]["actionable"]
    assert [ln["text"].split(" — ")[0] for ln in first] == ["Inherited disease: BRCA2 p.G4*",
                                                             "Secondary finding (ACMG): MLH1 p.L525*"]
    declined = report(demo, "GERM02")["summary"]
    assert [ln["text"].split(" — ")[0] for ln in declined["actionable"]] == ["Inherited disease: BRCA2 p.G4*"]
    assert "Secondary findings: not analysed, by the patient's choice." in [ln["text"] for ln in declined["not_assessed"]]


def _recount_callable(bam_path, gff, gene, panel_bed, depth, margin=10, kb_span=None):
    """Callable bases of a gene's coding exons +- margin, counted here from the BAM with pysam
    (reads with MAPQ >= 20 that are not secondary, duplicate, QC-failed or unmapped, as mosdepth
    counts them), inside the panel and the knowledge base's span: (callable, territory)."""
    tx = None
    cds = []
    with gzip.open(gff, "rt") as fh:
        for line in fh:
            f = line.rstrip("\n").split("\t")
            if len(f) < 9:
                continue
            if f[2] == "mRNA" and f";Name={gene}-" in f[8]:
                tx = re.search(r"ID=transcript:([^;]+)", f[8]).group(1)
            elif f[2] == "CDS" and tx and f"Parent=transcript:{tx};" in f[8] + ";":
                cds.append((f[0], int(f[3]), int(f[4])))
    panel = [tuple(line.split("\t")[:3]) for line in Path(panel_bed).read_text().splitlines() if line.strip()]
    territory = callable_bp = 0
    with pysam.AlignmentFile(str(bam_path)) as bam:
        for chrom, start, end in cds:
            lo, hi = start - margin, end + margin  # 1-based inclusive
            territory += hi - lo + 1
            cov = bam.count_coverage(chrom, lo - 1, hi, quality_threshold=0,
                                     read_callback=lambda r: r.mapping_quality >= 20 and not r.flag & 0x704)
            for i in range(hi - lo + 1):
                pos = lo + i
                if kb_span and not kb_span[0] <= pos <= kb_span[1]:
                    continue
                if not any(c == chrom and int(s) < pos <= int(e) for c, s, e in panel):
                    continue
                if sum(a[i] for a in cov) >= depth:
                    callable_bp += 1
    return callable_bp, territory


def test_ledger_callable_fractions_match_a_recount_from_the_bam(demo):
    gff = ROOT / "workflow" / "resources" / "annotation" / "GRCh38.MANE_v1.5_Select.panel.gff3.gz"
    manifest = json.loads((ROOT / "workflow" / "resources" / "germline" / "manifest.json").read_text())
    span = manifest["clinvar"]["gene_coverage"]["BRCA2"]
    cases = [("GERM01", "GERM01-blood", "BRCA2", "diagnostic", "germline_panel.bed", 20, (span["start"], span["end"])),
             ("TUMOR01", "TUMOR01-T", "KRAS", "somatic", "cancer_panel.bed", 50, None)]
    for patient, sample, name, category, panel, depth, kb_span in cases:
        entry = next(e for e in report(demo, patient)["assessed"] if e["name"] == name and e["category"] == category)
        callable_bp, territory = _recount_callable(demo / "results" / patient / "align" / f"{sample}.bam",
                                                   gff, name, ROOT / "test-data" / "panels" / panel, depth,
                                                   kb_span=kb_span)
        assert territory > 0
        assert abs(entry["callable_fraction"] - callable_bp / territory) <= 0.001, (name, entry, callable_bp, territory)
    germ = {e["name"]: e for e in report(demo, "GERM01")["assessed"] if e["category"] == "diagnostic"}
    assert germ["BRCA2"]["status"] == "assessed"
    assert germ["BRCA1"]["status"] == "not_assessed" and germ["PALB2"]["status"] == "not_assessed"
    tumour = {e["name"]: e["status"] for e in report(demo, "TUMOR01")["assessed"]
              if e["category"] == "somatic" and e["scope"] == "gene"}
    assert tumour == {"BRAF": "partly", "EGFR": "partly", "KRAS": "partly", "NRAS": "partly", "PIK3CA": "partly"}


def test_reports_name_what_was_not_assessed_and_state_no_negative_for_it(demo):
    germ = report(demo, "GERM01")
    lines = [ln["text"] for k in ("result", "not_assessed") for ln in germ["summary"][k]]
    assert any(t.startswith("Inherited disease: 1 of 3 requested genes fully assessed; not assessed: BRCA1") for t in lines)
    assert not any("no pathogenic" in t and "BRCA1" in t for t in lines)
    html = (demo / "results" / "GERM01" / "report" / "GERM01.html").read_text()
    assert "What this test examined" in html
    tumour = report(demo, "TUMOR01")
    markers = {e["name"]: e["status"] for e in tumour["assessed"] if e["scope"] == "biomarker"}
    assert markers["microsatellite instability (MSI)"] == "not_assessed"
    assert markers["copy number"] == "not_assessed"
    assert markers["tumour mutational burden (TMB)"] == "not_assessed"
    bundle = json.loads((demo / "results" / "GERM01" / "report" / "GERM01.fhir.json").read_text())
    regions = [e["resource"] for e in bundle["entry"] if e["resource"].get("code", {}).get("coding", [{}])[0].get("code")
               == "53041-0"]
    texts = {r["component"][0]["valueCodeableConcept"]["text"]: r["component"][1]["valueString"] for r in regions}
    assert texts["BRCA1"].startswith("BRCA1 (diagnostic): not assessed — nothing examined")
