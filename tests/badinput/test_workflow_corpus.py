"""Bad inputs through Snakemake (slow): with keep-going, a patient whose file is damaged gets no report
and its job's log names the file and the fix; the other patients' reports are produced; nothing is
written outside results/ and logs/ (and Snakemake's own .snakemake/); the inputs are unchanged.
VCF entries only, so no aligner index is built."""

import gzip
import shutil
import subprocess
import sys

import pytest
import yaml
from corpus import snapshot
from test_config_corpus import demo_config

from conftest import ROOT

pytestmark = pytest.mark.workflow
DEMO_VCF = ROOT / "test-data" / "vcf" / "VCF001.outside-lab.vcf.gz"


def patient(vcf, column="VCF001_DNA"):
    return {"sex": "female", "consent": {"pharmacogenomics": True, "secondary_findings": False},
            "samples": {f"{vcf.split('.')[0]}-dna": {"kind": "germline", "vcf": f"inputs/{vcf}", "vcf_sample": column}}}


def test_damaged_vcfs_fail_only_their_patients(tmp_path):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    text = gzip.decompress(DEMO_VCF.read_bytes()).decode()
    shutil.copy(DEMO_VCF, inputs / "GOOD.vcf.gz")
    (inputs / "GZIP.vcf.gz").write_bytes(gzip.compress(text.encode()))  # plain gzip: valid
    lines = text.splitlines(True)
    i = next(n for n, x in enumerate(lines) if not x.startswith("#"))
    f = lines[i].split("\t")
    f[9] = "0/x" + f[9][3:]
    lines[i] = "\t".join(f)
    (inputs / "BADGT.vcf").write_text("".join(lines))
    shutil.copy(ROOT / "test-data" / "vcf" / "bad" / "GRCh37_build.vcf", inputs / "OLD.vcf")
    sheet = {"patients": {"GOOD": patient("GOOD.vcf.gz"), "GZIP": patient("GZIP.vcf.gz"),
                          "BADGT": patient("BADGT.vcf"), "OLD": patient("OLD.vcf", "OLDLAB_SAMPLE")}}
    (tmp_path / "samples.yaml").write_text(yaml.safe_dump(sheet))
    cfg = demo_config()
    cfg["samples"] = str(tmp_path / "samples.yaml")
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(cfg))
    before = snapshot(inputs)
    proc = subprocess.run([sys.executable, "-m", "snakemake", "-s", str(ROOT / "workflow" / "Snakefile"), "-d",
                           str(tmp_path), "--configfile", str(tmp_path / "config.yaml"), "--cores", "2"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 1  # keep-going (the default profile): the run goes on, then reports failure
    reports = sorted(p.name for p in (tmp_path / "results").glob("*/report/*.json") if not p.name.endswith(".fhir.json"))
    assert reports == ["GOOD.json", "GZIP.json"]
    good = (tmp_path / "results/GOOD/report/GOOD.json").read_text()
    assert good.replace("GOOD", "X") == (tmp_path / "results/GZIP/report/GZIP.json").read_text().replace("GZIP", "X")
    log = (tmp_path / "logs/normalize_vcf/BADGT/BADGT-dna.log").read_text()
    assert (f"genotailor normalize-vcf: error: VCF {inputs}/BADGT.vcf: line 32 (2:233759924) cannot be read: GT "
            "'0/x' is not a genotype (e.g. 0/1, 1|0, ./.) — correct that record, or export the VCF again from the "
            "caller") in log
    log = (tmp_path / "logs/normalize_vcf/OLD/OLD-dna.log").read_text()
    assert f"genotailor normalize-vcf: error: VCF {inputs}/OLD.vcf: contig chr1 is 249250621 bp in the VCF header" in log
    for text_ in (proc.stderr, *(p.read_text() for p in (tmp_path / "logs").rglob("*.log"))):
        assert "Traceback" not in text_
    assert not list((tmp_path / "results").glob("BADGT/calls/*.vcf.gz"))
    assert snapshot(inputs) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".snakemake", "config.yaml", "inputs", "logs", "results",
                                                          "samples.yaml"]
    # reports are not world-readable (umask 027 in every job)
    assert (tmp_path / "results/GOOD/report/GOOD.html").stat().st_mode & 0o007 == 0
