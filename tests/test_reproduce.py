"""`genotailor reproduce`: a byte-identical re-run from results/provenance, and a refused one."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from genotailor.dev.sheet import write_config
from genotailor.runs.reproduce import ReproduceError, reproduce

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.workflow

SHEET = """patients:
  VCF001:
    sex: female
    consent: {pharmacogenomics: true, secondary_findings: false}
    samples:
      VCF001-dna:
        kind: germline
        vcf: ../data/VCF001.vcf.gz
        vcf_sample: VCF001_DNA
        sha256: a9b93f16928e676c2831d6b9bba37178166bccfd2e754649b00a4fef8352783b
"""


@pytest.fixture(scope="module")
def analysis(tmp_path_factory):
    """One small analysis (a patient entering with a VCF) with relative paths in its config."""
    project = tmp_path_factory.mktemp("analysis")
    (project / "sheet").mkdir()
    (project / "data").mkdir()
    (project / "sheet" / "samples.yaml").write_text(SHEET)
    shutil.copy(ROOT / "test-data/vcf/VCF001.outside-lab.vcf.gz", project / "data" / "VCF001.vcf.gz")
    write_config("sheet/samples.yaml", project / "config.yaml")  # the sheet relative to the project
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "-s", str(ROOT / "workflow/Snakefile"), "-d", str(project),
         "--configfile", str(project / "config.yaml"), "--cores", "2", "--workflow-profile", "none"],
        cwd=project, capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return project


def test_reproduce_gives_byte_identical_results(analysis, tmp_path, capsys):
    code = reproduce(analysis / "results/provenance", tmp_path / "rerun", base=analysis)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "0 differ" in out
    for name in ("VCF001/report/VCF001.json", "VCF001/report/VCF001.html", "VCF001/calls/VCF001-dna.vcf.gz",
                 "provenance/provenance.json", "cohort/summary.tsv"):
        assert (tmp_path / "rerun/results" / name).read_bytes() == (analysis / "results" / name).read_bytes(), name


def test_reproduce_refuses_when_an_input_changed(analysis, tmp_path):
    changed = tmp_path / "changed"
    shutil.copytree(analysis, changed, ignore=shutil.ignore_patterns(".snakemake", "logs"))
    vcf = changed / "data" / "VCF001.vcf.gz"
    vcf.write_bytes(vcf.read_bytes() + b"\0")
    with pytest.raises(ReproduceError, match=r"checksum mismatch for .*VCF001\.vcf\.gz") as err:
        reproduce(changed / "results/provenance", tmp_path / "rerun", base=changed)
    assert not (tmp_path / "rerun").exists()  # refused before anything ran
    assert "cannot reproduce" in str(err.value)


def test_reproduce_refuses_when_a_tool_version_differs(analysis, tmp_path):
    changed = tmp_path / "changed"
    shutil.copytree(analysis, changed, ignore=shutil.ignore_patterns(".snakemake", "logs"))
    record = changed / "results/provenance/tools.json"
    record.write_text(record.read_text().replace('"bcftools": "', '"bcftools": "0.9-'))
    with pytest.raises(ReproduceError) as err:
        reproduce(changed / "results/provenance", tmp_path / "rerun", base=changed)
    assert "tool bcftools: was 0.9-" in str(err.value)
    assert not (tmp_path / "rerun").exists()
