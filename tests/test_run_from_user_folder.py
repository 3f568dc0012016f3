"""Running the workflow from the user's own folder (`snakemake -s <repo>/workflow/Snakefile
--directory DIR`): the user's paths (sheet, reference, panels) start from DIR, the knowledge bases
the config leaves out or names as config/config.yaml does are the workflow's own, and input paths
with spaces reach the tools whole."""

import datetime
import gzip
import random
import subprocess
import sys

import pysam
import pytest
import yaml

from conftest import DEMO_REFERENCE, ROOT, tiny_reference
from genotailor.core.runconfig import config_problems, knowledge_bases

SHIPPED = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
RESOURCES = ROOT / "workflow" / "resources"
OWN = {"pgx": RESOURCES / "pgx", "germline": RESOURCES / "germline",
       "hotspots": RESOURCES / "oncology" / "hotspots.tsv", "oncology": RESOURCES / "oncology",
       "transcript_models": RESOURCES / "annotation" / "GRCh38.MANE_v1.5_Select.panel.gff3.gz",
       "msi_loci": RESOURCES / "oncology" / "msi_loci.tsv"}


def test_shipped_config_schema_defaults_and_the_workflows_own_knowledge_bases_agree():
    schema = yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text())
    defaults = {k: v["default"] for k, v in schema["properties"]["knowledge_base"]["properties"].items()}
    assert defaults == SHIPPED["knowledge_base"] == {k: str(p.relative_to(ROOT)) for k, p in OWN.items()}


@pytest.mark.parametrize("given", ["left out", "as config/config.yaml gives them"])
def test_default_knowledge_bases_are_the_workflows_own_from_any_folder(given, tmp_path):
    config = {} if given == "left out" else {"knowledge_base": dict(SHIPPED["knowledge_base"])}
    assert knowledge_bases(config, tmp_path) == {k: str(p) for k, p in OWN.items()}


def test_from_the_repository_the_default_knowledge_bases_keep_their_relative_paths():
    assert knowledge_bases({"knowledge_base": dict(SHIPPED["knowledge_base"])}, ROOT) == SHIPPED["knowledge_base"]
    assert knowledge_bases({}, ROOT) == SHIPPED["knowledge_base"]


def test_a_knowledge_base_the_user_names_is_taken_as_given(tmp_path):
    config = {"knowledge_base": {"pgx": "my-kb/pgx", "germline": str(tmp_path / "germline")}}
    paths = knowledge_bases(config, tmp_path)
    assert (paths["pgx"], paths["germline"], paths["oncology"]) == ("my-kb/pgx", str(tmp_path / "germline"),
                                                                    str(OWN["oncology"]))


def user_folder(tmp_path, knowledge_base: bool):
    """A user's folder holding a config copied from config/config.yaml, with the sheet, reference
    and panels given relative to the folder (the demo's files, linked in)."""
    folder = tmp_path / "my analysis"
    (folder / "ref").mkdir(parents=True)
    for suffix in ("", ".fai", ".gzi"):
        (folder / "ref" / f"GRCh38_demo.fa.gz{suffix}").symlink_to(f"{DEMO_REFERENCE}{suffix}")
    (folder / "panels").mkdir()
    for name, bed in SHIPPED["panels"].items():
        (folder / "panels" / f"{name}.bed").symlink_to(ROOT / bed)
    reads = {m: str(ROOT / "test-data" / "reads" / f"LOWQ01-blood_S4_L001_{m}_001.fastq.gz") for m in ("R1", "R2")}
    sheet = {"patients": {"P1": {"sex": "female", "consent": {"pharmacogenomics": True, "secondary_findings": False},
                                 "samples": {"P1-N": {"kind": "germline",
                                                      "units": {"L001": {"r1": reads["R1"], "r2": reads["R2"]}}}}}}}
    (folder / "samples.yaml").write_text(yaml.safe_dump(sheet))
    config = {**SHIPPED, "samples": "samples.yaml", "reference": {"fasta": "ref/GRCh38_demo.fa.gz"},
              "panels": {name: f"panels/{name}.bed" for name in SHIPPED["panels"]},
              "report_date": datetime.date(2026, 11, 28)}  # written unquoted, as a user would
    if not knowledge_base:
        del config["knowledge_base"]
    (folder / "my-config.yaml").write_text(yaml.safe_dump(config))
    return folder


def shell_commands(stdout: str) -> dict[str, str]:
    """rule -> the shell command `snakemake -n` prints for its (first) job."""
    commands, rule = {}, None
    for line in stdout.splitlines():
        if line.startswith("rule ") and line.endswith(":"):
            rule = line[5:-1]
        elif line.startswith("Shell command: ") and rule:
            commands.setdefault(rule, line.removeprefix("Shell command: "))
    return commands


@pytest.mark.parametrize("knowledge_base", [False, True], ids=["config without knowledge_base",
                                                               "config with the shipped knowledge_base"])
def test_dry_run_from_the_users_folder_plans_every_job_with_the_workflows_knowledge_bases(knowledge_base, tmp_path):
    folder = user_folder(tmp_path, knowledge_base)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = subprocess.run([sys.executable, "-m", "snakemake", "-s", str(ROOT / "workflow" / "Snakefile"),
                           "--directory", str(folder), "--configfile", str(folder / "my-config.yaml"), "-n",
                           "--printshellcmds", "--cores", "1"], cwd=elsewhere, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    commands = shell_commands(proc.stdout)
    assert {"provenance", "biomarker_loci", "align_unit", "pgx", "report"} <= commands.keys()
    provenance = commands["provenance"]
    for flag, key in (("--kb", "pgx"), ("--hotspots", "hotspots"), ("--oncology-kb", "oncology"),
                      ("--transcript-models", "transcript_models"), ("--germline-kb", "germline")):
        assert f" {flag} {OWN[key]} " in provenance
    assert f" --kb {OWN['pgx']} --hotspots {OWN['hotspots']} " in commands["biomarker_loci"]
    assert f" --kb {OWN['pgx']} " in commands["pgx"]
    # the user's own paths start from the folder Snakemake runs in, as given
    assert " --sheet samples.yaml --reference ref/GRCh38_demo.fa.gz " in provenance
    assert " --regions panels/default.bed " in commands["call_germline"]
    assert " --date 2026-11-28 " in commands["report"]
    assert sorted(p.name for p in elsewhere.iterdir()) == []


def fastq(seq, mate, n=40):
    """`n` reads of one mate cut from `seq` (fragments of 300, reads of 100)."""
    rng = random.Random(mate)
    out = []
    for i in range(n):
        frag = seq[(start := rng.randrange(0, len(seq) - 300)):start + 300]
        read = frag[:100] if mate == 1 else frag[-100:][::-1].translate(str.maketrans("ACGT", "TGCA"))
        out.append(f"@r{i} {mate}:N:0:1\n{read}\n+\n{'F' * 100}\n")
    return gzip.compress("".join(out).encode())


def test_alignment_rule_reads_a_fastq_pair_whose_folder_and_names_have_spaces(tmp_path):
    # The aligner step's shell line once passed these paths unquoted: "unrecognized arguments".
    folder = tmp_path / "my analysis"
    (folder / "ref").mkdir(parents=True)
    fa, seq = tiny_reference(folder / "ref", random.Random(5))
    (folder / "panel.bed").write_text("chrT\t0\t6000\n")
    reads = folder / "run 1" / "reads of P1"
    reads.mkdir(parents=True)
    for mate in (1, 2):
        (reads / f"P1 N R{mate}.fastq.gz").write_bytes(fastq(seq, mate))
    sheet = {"patients": {"P1": {"sex": "female", "consent": {"pharmacogenomics": True, "secondary_findings": False},
                                 "samples": {"P1-N": {"kind": "germline", "units": {"L001": {
                                     "r1": "run 1/reads of P1/P1 N R1.fastq.gz",
                                     "r2": "run 1/reads of P1/P1 N R2.fastq.gz"}}}}}}}
    (folder / "samples.yaml").write_text(yaml.safe_dump(sheet))
    config = {k: v for k, v in SHIPPED.items() if k != "knowledge_base"}
    config.update(samples="samples.yaml", reference={"fasta": "ref/ref.fa"}, panels={"default": "panel.bed"})
    (folder / "my-config.yaml").write_text(yaml.safe_dump(config))
    target = "results/P1/align/P1-N/L001.bam"
    proc = subprocess.run([sys.executable, "-m", "snakemake", "-s", str(ROOT / "workflow" / "Snakefile"),
                           "--directory", str(folder), "--configfile", str(folder / "my-config.yaml"),
                           "--cores", "2", target], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with pysam.AlignmentFile(str(folder / target)) as bam:
        reads_in = [r for r in bam if not r.is_secondary and not r.is_supplementary]
        assert [rg["SM"] for rg in bam.header.to_dict()["RG"]] == ["P1-N"]
    assert len(reads_in) == 80 and all(r.is_mapped for r in reads_in)


def test_the_users_folder_config_has_no_problems_when_it_names_the_shipped_knowledge_bases(tmp_path, monkeypatch):
    folder = user_folder(tmp_path, knowledge_base=True)
    monkeypatch.chdir(folder)
    config = yaml.safe_load((folder / "my-config.yaml").read_text())
    assert config_problems(config) == []


def test_reproduce_looks_for_the_workflows_knowledge_bases_not_the_users_folder(tmp_path):
    # `genotailor reproduce`, run from the analysis's folder, checks what the archived config named
    from genotailor.runs.reproduce import config_paths

    config = {"samples": "samples.yaml", "reference": {"fasta": "ref.fa"}, "panels": {"default": "panel.bed"},
              "knowledge_base": dict(SHIPPED["knowledge_base"])}
    assert config_paths(config, tmp_path) == ["samples.yaml", "ref.fa", "panel.bed", *(str(p) for p in OWN.values())]
