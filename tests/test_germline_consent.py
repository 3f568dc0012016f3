"""Consent is a hard rule: a patient who did not consent to secondary findings, carrying a real
ClinVar pathogenic MLH1 variant (an ACMG SF gene outside their hereditary breast/ovarian panel),
runs through the whole workflow from FASTQ; no file under results/ or logs/ — decompressed, and
the BAM read over MLH1 — shows the variant, its HGVS, its ClinVar accession or the gene. The
diagnostic BRCA2 finding is still reported (the run did analyse the patient)."""

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from genotailor.core.kbfiles import load_acmg_sf
from genotailor.dev.sheet import write_config
from smallcohort import ROOT, snakemake_argv

pytestmark = pytest.mark.workflow

READS = ROOT / "test-data" / "reads"
TRUTH = json.loads((ROOT / "test-data" / "truth" / "GERM02.json").read_text())
MLH1_WINDOW = "chr3:36988350-37067889"
# The withheld variant: chr3:37040201 T>A, MLH1 c.1574T>A p.L525* (p.Leu525Ter), ClinVar VariationID 89797
TRACES = ["37040201", "37040200", "c.1574T>A", "p.L525*", "p.Leu525Ter", "L525", "89797", "VCV000089797",
          "NC_000003.12:g.37040201", "Lynch", "ENST00000231790", "NM_000249"]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    work = tmp_path_factory.mktemp("germ02")
    sample = TRUTH["samples"]["GERM02-blood"]
    sheet = {"patients": {"GERM02": {
        "sex": "female", "consent": {"pharmacogenomics": False, "secondary_findings": False},
        "indications": ["hereditary_breast_ovarian"],
        "samples": {"GERM02-blood": {"kind": "germline", "panel": "germline", "units": {"L001": {
            "r1": str(ROOT / "test-data" / sample["units"]["L001"]["r1"]),
            "r2": str(ROOT / "test-data" / sample["units"]["L001"]["r2"])}}}}}}}
    (work / "samples.yaml").write_text(yaml.safe_dump(sheet))
    write_config(work / "samples.yaml", work / "config.yaml")
    proc = subprocess.run(snakemake_argv(work, work / "config.yaml"), cwd=work, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return work


def hits_in(path: Path, words_file: Path) -> list[str]:
    """The words found in one file, decompressed when it is gzip/BGZF (VCF, BED, BAM: every member);
    GNU grep's fixed-string search, as whole words (a 1 GB aligner index takes seconds)."""
    with open(path, "rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
    reader = subprocess.Popen(["gzip", "-dc", str(path)] if gz else ["cat", str(path)], stdout=subprocess.PIPE)
    found = subprocess.run(["grep", "-a", "-o", "-w", "-F", "-f", str(words_file)], stdin=reader.stdout,
                           capture_output=True).stdout
    reader.wait()
    return sorted(set(found.decode("latin-1").split("\n")) - {""})


def sf_gene_words():
    """Every ACMG SF gene except the patient's indication genes (which the report names)."""
    genes = set(load_acmg_sf()["genes"]) - {"BRCA1", "BRCA2", "PALB2"}
    return sorted(g for g in genes if set(g) - set("ACGTN"))  # GAA would match DNA sequence


def test_the_patient_is_analysed_and_the_indication_finding_reported(run_dir):
    report = json.loads((run_dir / "results/GERM02/report/GERM02.json").read_text())
    assert [(f["gene"], f["classification"], f["clinvar"]["accession"], f["clinvar"]["stars"], f["zygosity"])
            for f in report["germline_findings"]] == [("BRCA2", "pathogenic", "VCV000051063", 3, "heterozygous")]
    assert report["germline"]["secondary_findings"] == "not analysed, by the patient's choice"
    html = (run_dir / "results/GERM02/report/GERM02.html").read_text()
    assert "Secondary findings: not analysed, by the patient's choice." in html


def test_no_file_under_results_or_logs_shows_the_withheld_secondary_finding(run_dir, tmp_path):
    words = tmp_path / "words.txt"
    # RYR1 and CACNA1S are pharmacogenes too: the run's config and reference loci name them as such
    pgx = {"RYR1", "CACNA1S"}
    words.write_text("\n".join(TRACES + [g for g in sf_gene_words() if g not in pgx]) + "\n")
    files = [p for d in ("results", "logs") for p in sorted((run_dir / d).rglob("*")) if p.is_file()]
    assert len(files) > 30
    hits = [f"{f.relative_to(run_dir)}: {w}" for f in files for w in hits_in(f, words)]
    assert hits == []
    # the patient's own files name neither (no PGx consent)
    words.write_text("\n".join(sorted(pgx)) + "\n")
    own = [f for f in files if "GERM02" in str(f.relative_to(run_dir))]
    assert len(own) > 20
    assert [f"{f.relative_to(run_dir)}: {w}" for f in own for w in hits_in(f, words)] == []
    # the search finds what is there: the indication gene and its variant in the patient's files
    words.write_text("BRCA2\n32316470\nVCV000051063\n")
    assert hits_in(run_dir / "results/GERM02/report/GERM02.json", words) == ["32316470", "BRCA2", "VCV000051063"]


def test_the_bam_holds_no_read_over_the_withheld_gene(run_dir):
    bam = run_dir / "results/GERM02/align/GERM02-blood.bam"
    count = subprocess.run(["samtools", "view", "-c", str(bam), MLH1_WINDOW], capture_output=True, text=True,
                           check=True).stdout.strip()
    assert count == "0"
    brca2 = subprocess.run(["samtools", "view", "-c", str(bam), "chr13:32310480-32401672"], capture_output=True,
                           text=True, check=True).stdout.strip()
    assert int(brca2) > 5000  # the indication gene's reads are all there


def test_the_calls_hold_no_record_in_the_withheld_gene(run_dir):
    out = subprocess.run(["bcftools", "view", "-H", str(run_dir / "results/GERM02/calls/GERM02-blood.vcf.gz"),
                          MLH1_WINDOW], capture_output=True, text=True, check=True).stdout
    assert out == ""
