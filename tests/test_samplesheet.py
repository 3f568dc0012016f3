"""Sample sheet: loading, every check's exact message, drafting and the sheet commands."""

import hashlib
import json
import textwrap

import jsonschema
import pytest
import yaml

from genotailor import cli
from genotailor.core.checksums import sha256_file
from genotailor.core.errors import SheetError
from genotailor.core.samplesheet import (
    SCHEMA_PATH,
    OutsideCall,
    Patient,
    Sample,
    Unit,
    draft_sheet,
    load_sheet,
)

# Every file the sheets below point at, with distinct contents so checksums differ.
FILES = [
    "reads/A_L001_R1.fastq.gz", "reads/A_L001_R2.fastq.gz",
    "reads/A_L002_R1.fastq.gz", "reads/A_L002_R2.fastq.gz",
    "reads/notes.txt", "aligned/T.bam", "aligned/T.cram", "calls/G.vcf.gz",
]
WRONG = "f" * 64  # a well-formed checksum that matches none of the files
# One patient whose samples each test appends (indented six spaces).
HEAD = """
patients:
  P1:
    sex: female
    consent: {pharmacogenomics: true, secondary_findings: false}
    samples:
"""
# The same patient header for a second patient, P2.
HEAD_P2 = HEAD.replace("\npatients:\n  P1:", "  P2:")


def digest(text):
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
def folder(tmp_path):
    for name in FILES:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(name)
    return tmp_path


def write(folder, text, name="samples.yaml"):
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def problems_of(folder, text, **options):
    with pytest.raises(SheetError) as caught:
        load_sheet(write(folder, text), **options)
    return caught.value.problems


@pytest.fixture
def run(capsys):
    """Run `genotailor ARGS...` and capture its exit code and output."""

    def run(*argv):
        code = cli.main([str(arg) for arg in argv])
        out, err = capsys.readouterr()
        return code, out, err
    return run


# The sheet lives in sheets/, next to the data folders: paths start with ../
GOOD = f"""
patients:
  PGX001:
    sex: female
    tumor_type: MEL
    consent:
      pharmacogenomics: true
      secondary_findings: false
    outside_calls:
      CYP2D6: {{diplotype: "*1/*4", method: Cyrius 1.1}}
      HLA-B: {{diplotype: "*57:01/*08:01", method: OptiType, phenotype: HLA-B*57:01 positive}}
    samples:
      PGX001-blood:
        kind: germline
        units:
          L001:
            r1: ../reads/A_L001_R1.fastq.gz
            r2: ../reads/A_L001_R2.fastq.gz
            sha256: {{r1: {digest("reads/A_L001_R1.fastq.gz").upper()}}}
          L002:
            r1: ../reads/A_L002_R1.fastq.gz
            r2: ../reads/A_L002_R2.fastq.gz
            platform: ELEMENT
      PGX001-T:
        kind: tumor
        purity: 0.6
        normal: PGX001-blood
        panel: cancer
        bam: ../aligned/T.bam
        sha256: {digest("aligned/T.bam")}
  007:
    sex: unknown
    tumor_type: BRCA
    consent: {{pharmacogenomics: false, secondary_findings: true}}
    samples:
      OTHER:
        kind: germline
        vcf: ../calls/G.vcf.gz
        vcf_sample: NA12878
        caller: DeepVariant 1.6
      007-T:
        kind: tumor
        purity: 1
        cram: ../aligned/T.cram
"""


def test_valid_sheet_loads_into_dataclasses(folder):
    (folder / "sheets").mkdir()
    sheet = load_sheet(write(folder / "sheets", GOOD), verify_checksums=True)

    assert sheet.path == folder / "sheets" / "samples.yaml"
    assert [p.id for p in sheet.patients] == ["PGX001", "007"]
    assert [s.id for s in sheet.samples()] == ["PGX001-blood", "PGX001-T", "OTHER", "007-T"]
    assert sheet.patient("PGX001") == Patient(
        id="PGX001", sex="female", tumor_type="MEL", consent_pgx=True, consent_secondary=False,
        outside_calls=(
            OutsideCall(gene="CYP2D6", diplotype="*1/*4", method="Cyrius 1.1", phenotype=None),
            OutsideCall(gene="HLA-B", diplotype="*57:01/*08:01", method="OptiType",
                        phenotype="HLA-B*57:01 positive"),
        ),
        samples=(sheet.sample("PGX001-blood"), sheet.sample("PGX001-T")))
    assert sheet.sample("PGX001-blood") == Sample(
        id="PGX001-blood", patient="PGX001", kind="germline", entry="fastq",
        units=(
            Unit(id="L001", r1=folder / "reads/A_L001_R1.fastq.gz",
                 r2=folder / "reads/A_L001_R2.fastq.gz", platform="ILLUMINA",
                 sha256={"r1": digest("reads/A_L001_R1.fastq.gz")}),
            Unit(id="L002", r1=folder / "reads/A_L002_R1.fastq.gz",
                 r2=folder / "reads/A_L002_R2.fastq.gz", platform="ELEMENT", sha256={}),
        ),
        path=None, vcf_sample=None, caller=None, purity=None, normal=None, panel=None,
        sha256=None)
    tumour = sheet.sample("PGX001-T")
    assert (tumour.entry, tumour.path, tumour.purity, tumour.normal, tumour.panel) == (
        "bam", folder / "aligned/T.bam", 0.6, "PGX001-blood", "cancer")
    assert tumour.checksums() == [(folder / "aligned/T.bam", digest("aligned/T.bam"))]
    other = sheet.sample("OTHER")
    assert (other.patient, other.entry, other.path, other.vcf_sample, other.caller) == (
        "007", "vcf", folder / "calls/G.vcf.gz", "NA12878", "DeepVariant 1.6")
    cram = sheet.sample("007-T")
    assert (cram.entry, cram.path, cram.purity, cram.units) == (
        "cram", folder / "aligned/T.cram", 1.0, ())
    assert sheet.patient("007").consent_pgx is False
    as_json = json.loads(json.dumps(sheet.to_dict()))
    assert as_json["patients"][0]["samples"][1]["path"] == str(folder / "aligned/T.bam")
    assert as_json["patients"][1]["outside_calls"] == []


def test_unset_vcf_sample_and_panel_stay_none(folder):
    # None lets the VCF hand-off pick the only column (else the sample id), and the
    # workflow use the config's default panel.
    sheet = load_sheet(write(folder, """
        patients:
          P1:
            sex: male
            consent: {pharmacogenomics: true, secondary_findings: false}
            samples:
              G: {kind: germline, vcf: calls/G.vcf.gz}
        """))
    assert (sheet.sample("G").vcf_sample, sheet.sample("G").panel) == (None, None)
    with pytest.raises(KeyError):
        sheet.sample("nope")


def test_specimen_fields_are_read_as_written_and_a_date_that_does_not_exist_is_named(folder):
    sheet = load_sheet(write(folder, """
        patients:
          P1:
            sex: male
            consent: {pharmacogenomics: true, secondary_findings: false}
            samples:
              G: {kind: germline, vcf: calls/G.vcf.gz, specimen: {type: saliva, received: 2026-11-03}}
        """))
    # an unquoted YAML date stays the text written, not a datetime.date
    assert sheet.sample("G").specimen == (("type", "saliva"), ("received", "2026-11-03"))
    assert problems_of(folder, HEAD + "      G: {kind: germline, vcf: calls/G.vcf.gz, specimen: {collected: 2026-02-30}}\n") == [
        "patient P1 / sample G / specimen / field collected: 2026-02-30 is not a calendar date — give a real one "
        "as YYYY-MM-DD, e.g. 2026-11-02"]


def test_panel_must_be_one_of_the_configured_panels(folder):
    text = HEAD + "      G: {kind: germline, panel: Cancer, vcf: calls/G.vcf.gz}\n"
    assert problems_of(folder, text, panels=["default", "cancer"]) == [
        "patient P1 / sample G / field panel: no panel 'Cancer' in the config — did you mean "
        "'cancer'? Use one of: default, cancer"]
    assert load_sheet(folder / "samples.yaml").sample("G").panel == "Cancer"  # not checked


DUPLICATE = "keep one and rename or delete the other; YAML readers silently keep only the last"
ID_RULE = ("use letters, digits, '_', '.' and '-' only (no spaces or '/'), starting with a "
           "letter or digit, at most 64 characters")

# (sheet text, exact problems); {dir} is the folder holding the sheet and its files.
BAD_SHEETS = {
    "yaml-syntax": (
        """
        patients:
          P1:
            sex: female
           consent: {pharmacogenomics: true, secondary_findings: false}
        """,
        ["sheet: YAML syntax error at line 4, column 4: while parsing a block mapping, "
         "expected <block end>, but found '<block mapping start>' — check the indentation "
         "(spaces only), colons and quotes there"]),
    "control-character": (
        "patients:\n  P1: \x07\n",
        ["sheet: control character #x0007 at line 2, column 7 — delete it (often pasted in by "
         "accident)"]),
    "empty-file": (
        "",
        ["sheet: the file is empty — start the file with `patients:` and list each patient "
         "under it"]),
    "top-level-list": (
        "- P1\n",
        ["sheet: the top level is a list, not a mapping — start the file with `patients:` and "
         "list each patient under it"]),
    "misspelt-patients": (
        "patient:\n  P1: {}\n",
        ["sheet: unknown key 'patient' — did you mean 'patients'? Allowed keys: patients",
         "sheet: missing required field 'patients' — add it, e.g. patients: {PGX001: {sex: "
         "female, consent: {pharmacogenomics: true, secondary_findings: false}, samples: "
         "{PGX001-blood: {kind: germline, vcf: calls/PGX001.vcf.gz}}}}"]),
    "duplicate-patient": (
        HEAD + "      G: {kind: germline, vcf: calls/G.vcf.gz}\n"
        + HEAD.replace("\npatients:\n", "") + "      G2: {kind: germline, bam: aligned/T.bam}\n",
        [f"patient P1: appears twice (lines 2 and 7) — {DUPLICATE}"]),
    "duplicate-field": (
        HEAD + "      G:\n        kind: germline\n        vcf: calls/G.vcf.gz\n"
        + "        vcf: aligned/T.bam\n",
        [f"patient P1 / sample G / field vcf: appears twice (lines 8 and 9) — {DUPLICATE}",
         "patient P1 / sample G / field vcf: 'aligned/T.bam' is not a VCF file name — use a "
         "file ending in .vcf, .vcf.gz, .bcf"]),
    "misspelt-samples": (
        HEAD.replace("samples:", "smaples:") + "      G: {kind: germline, vcf: calls/G.vcf.gz}\n",
        ["patient P1: unknown key 'smaples' — did you mean 'samples'? Allowed keys: sex, "
         "tumor_type, consent, indications, outside_calls, samples",
         "patient P1: missing required field 'samples' — add it, e.g. samples: {PGX001-blood: "
         "{kind: germline, vcf: calls/PGX001.vcf.gz}}"]),
    "misspelt-purity": (
        HEAD.replace("samples:", "tumor_type: MEL\n    samples:")
        + "      T: {kind: tumor, purty: 0.6, bam: aligned/T.bam}\n",
        ["patient P1 / sample T: unknown key 'purty' — did you mean 'purity'? Allowed keys: "
         "kind, units, bam, cram, vcf, vcf_sample, vaf_tags, caller, purity, normal, panel, sha256, specimen"]),
    "missing-sex-and-consent": (
        "patients:\n  P1:\n    samples:\n      G: {kind: germline, vcf: calls/G.vcf.gz}\n",
        ["patient P1: missing required field 'sex' — add it, e.g. sex: female",
         "patient P1: missing required field 'consent' — add it, e.g. consent: "
         "{pharmacogenomics: true, secondary_findings: false}"]),
    "sex-not-allowed": (
        HEAD.replace("sex: female", "sex: F") + "      G: {kind: germline, vcf: calls/G.vcf.gz}\n",
        ["patient P1 / field sex: 'F' is not allowed — use one of: female, male, unknown"]),
    "kind-not-allowed": (
        HEAD + "      G: {kind: tumour, vcf: calls/G.vcf.gz}\n",
        ["patient P1 / sample G / field kind: 'tumour' is not allowed — did you mean 'tumor'? "
         "Use one of: germline, tumor"]),
    "consent-flag-not-boolean": (
        HEAD.replace("{pharmacogenomics: true, secondary_findings: false}",
                     '{pharmacogenomics: "yes"}')
        + "      G: {kind: germline, vcf: calls/G.vcf.gz}\n",
        ["patient P1 / field consent: missing required field 'secondary_findings' — add it, "
         "e.g. secondary_findings: false",
         "patient P1 / consent / field pharmacogenomics: expected true or false, got 'yes' — "
         "write it like pharmacogenomics: true"]),
    "number-where-text-is-needed": (
        HEAD + "      G: {kind: germline, vcf: calls/G.vcf.gz, vcf_sample: 12878}\n",
        ['patient P1 / sample G / field vcf_sample: expected text, got 12878 — put it in quotes '
         'so it is read as text, e.g. vcf_sample: "12878"']),
    "ids-with-space-and-leading-dot": (
        HEAD.replace("P1:", "P 1:") + "      .G: {kind: germline, vcf: calls/G.vcf.gz}\n",
        [f"patient P 1: 'P 1' is not a valid id — {ID_RULE}",
         f"patient P 1 / sample .G: '.G' is not a valid id — {ID_RULE}"]),
    "id-with-slash": (
        HEAD + "      a/b: {kind: germline, vcf: calls/G.vcf.gz}\n",
        [f"patient P1 / sample a/b: 'a/b' is not a valid id — {ID_RULE}"]),
    "id-too-long": (
        HEAD + f"      {'G' * 65}: {{kind: germline, vcf: calls/G.vcf.gz}}\n",
        [f"patient P1 / sample {'G' * 65}: id is 65 characters long — shorten it to 64 "
         "characters or fewer"]),
    "sample-id-used-by-two-patients": (
        HEAD + "      S1: {kind: germline, vcf: calls/G.vcf.gz}\n"
        + HEAD_P2 + "      S1: {kind: germline, bam: aligned/T.bam}\n",
        ["patient P2 / sample S1: sample id already used by patient P1 — give every sample in "
         "the sheet its own id"]),
    "file-not-found": (
        HEAD + "      G: {kind: germline, vcf: calls/missing.vcf.gz}\n",
        ["patient P1 / sample G / field vcf: file not found: {dir}/calls/missing.vcf.gz — check "
         "the path; relative paths start from the sheet's folder {dir}"]),
    "folder-instead-of-file": (
        HEAD + "      G: {kind: germline, bam: aligned/T.bam}\n"
        "      G2: {kind: germline, vcf: calls/dir.vcf}\n",
        ["patient P1 / sample G2 / field vcf: {dir}/calls/dir.vcf is a folder — give the path "
         "of a file"]),
    "not-a-fastq-name": (
        HEAD + "      G:\n        kind: germline\n        units:\n"
        "          L001: {r1: reads/A_L001_R1.fastq.gz, r2: reads/notes.txt}\n",
        ["patient P1 / sample G / unit L001 / field r2: 'reads/notes.txt' is not a FASTQ file "
         "name — use a file ending in .fastq.gz, .fq.gz, .fastq, .fq"]),
    "r1-without-r2": (
        HEAD + "      G:\n        kind: germline\n        units:\n"
        "          L001: {r1: reads/A_L001_R1.fastq.gz}\n",
        ["patient P1 / sample G / unit L001: missing required field 'r2' — add it, e.g. r2: "
         "reads/S1_L001_R2.fastq.gz"]),
    "r2-same-file-as-r1": (
        HEAD + "      G:\n        kind: germline\n        units:\n"
        "          L001: {r1: reads/A_L001_R1.fastq.gz, r2: ./reads/A_L001_R1.fastq.gz}\n",
        ["patient P1 / sample G / unit L001 / field r2: same file as r1 "
         "({dir}/reads/A_L001_R1.fastq.gz) — r2 must be the second read of the pair "
         "(usually R2)"]),
    "file-used-twice": (
        HEAD + "      G:\n        kind: germline\n        units:\n"
        "          L001: {r1: reads/A_L001_R1.fastq.gz, r2: reads/A_L001_R2.fastq.gz}\n"
        "          L002: {r1: reads/A_L002_R1.fastq.gz, r2: reads/A_L001_R2.fastq.gz}\n",
        ["patient P1 / sample G / unit L002 / field r2: {dir}/reads/A_L001_R2.fastq.gz is "
         "already used at patient P1 / sample G / unit L001 / field r2 — list each file only "
         "once"]),
    "bam-entry-with-cram-file": (
        HEAD + "      G: {kind: germline, bam: aligned/T.cram}\n",
        ["patient P1 / sample G / field bam: 'aligned/T.cram' is not a BAM file name — use a "
         "file ending in .bam"]),
    "no-entry-point": (
        HEAD + "      G: {kind: germline}\n",
        ["patient P1 / sample G: no input given — add exactly one of units (FASTQ pairs), bam, "
         "cram or vcf"]),
    "two-entry-points": (
        HEAD + "      G: {kind: germline, bam: aligned/T.bam, vcf: calls/G.vcf.gz}\n",
        ["patient P1 / sample G: more than one input given (bam, vcf) — keep exactly one of "
         "units, bam, cram or vcf; describe other data as a separate sample"]),
    "purity-on-germline": (
        HEAD + "      G: {kind: germline, purity: 0.5, vcf: calls/G.vcf.gz}\n",
        ["patient P1 / sample G / field purity: only tumour samples have a purity — remove it, "
         "or set kind: tumor if this is a tumour sample"]),
    "purity-as-percent": (
        HEAD.replace("samples:", "tumor_type: MEL\n    samples:")
        + "      T: {kind: tumor, purity: 60, bam: aligned/T.bam}\n",
        ["patient P1 / sample T / field purity: 60 is out of range — use the tumour cell "
         "fraction, a number above 0 and at most 1, e.g. 0.6"]),
    "purity-zero": (
        HEAD.replace("samples:", "tumor_type: MEL\n    samples:")
        + "      T: {kind: tumor, purity: 0, bam: aligned/T.bam}\n",
        ["patient P1 / sample T / field purity: 0 is out of range — use the tumour cell "
         "fraction, a number above 0 and at most 1, e.g. 0.6"]),
    "normal-not-in-sheet": (
        HEAD.replace("samples:", "tumor_type: MEL\n    samples:")
        + "      T: {kind: tumor, normal: blood, bam: aligned/T.bam}\n",
        ["patient P1 / sample T / field normal: no sample 'blood' in this sheet — name a "
         "germline sample of patient P1, or remove normal"]),
    "normal-of-another-patient": (
        HEAD.replace("samples:", "tumor_type: MEL\n    samples:")
        + "      T: {kind: tumor, normal: G, bam: aligned/T.bam}\n"
        + HEAD_P2 + "      G: {kind: germline, vcf: calls/G.vcf.gz}\n",
        ["patient P1 / sample T / field normal: 'G' belongs to patient P2 — name a germline "
         "sample of patient P1"]),
    "normal-is-a-tumour": (
        HEAD.replace("samples:", "tumor_type: MEL\n    samples:")
        + "      T: {kind: tumor, normal: T2, bam: aligned/T.bam}\n"
        "      T2: {kind: tumor, cram: aligned/T.cram}\n",
        ["patient P1 / sample T / field normal: 'T2' is a tumour sample — name a germline "
         "sample of patient P1"]),
    "tumour-is-its-own-normal": (
        HEAD.replace("samples:", "tumor_type: MEL\n    samples:")
        + "      T: {kind: tumor, normal: T, bam: aligned/T.bam}\n",
        ["patient P1 / sample T / field normal: a tumour cannot be its own normal — name a "
         "germline sample of patient P1, or remove normal"]),
    "tumour-without-tumor-type": (
        HEAD + "      T: {kind: tumor, bam: aligned/T.bam}\n",
        ["patient P1 / field tumor_type: missing, but the patient has tumour sample T — add "
         "tumor_type: <OncoTree code>, e.g. tumor_type: MEL"]),
    "tumor-type-not-oncotree": (
        HEAD.replace("samples:", "tumor_type: melanoma\n    samples:")
        + "      T: {kind: tumor, bam: aligned/T.bam}\n",
        ["patient P1 / field tumor_type: 'melanoma' is not a valid OncoTree code — use the "
         "patient's OncoTree code in capitals, e.g. MEL, LUAD or BRCA"]),
    "outside-calls-without-pgx-consent": (
        HEAD.replace("pharmacogenomics: true", "pharmacogenomics: false").replace(
            "    samples:", "    outside_calls:\n"
            '      CYP2D6: {diplotype: "*1/*4", method: Cyrius 1.1}\n    samples:')
        + "      G: {kind: germline, vcf: calls/G.vcf.gz}\n",
        ["patient P1 / field outside_calls: given although consent / pharmacogenomics is false "
         "— remove the outside calls, or set pharmacogenomics: true if the patient consented"]),
    "outside-call-gene-not-supported": (
        HEAD.replace("    samples:", "    outside_calls:\n"
                     '      CYP2D7: {diplotype: "*1/*4", method: Cyrius 1.1}\n    samples:')
        + "      G: {kind: germline, vcf: calls/G.vcf.gz}\n",
        ["patient P1 / outside call CYP2D7: not an allowed gene — did you mean 'CYP2D6'? "
         "Allowed values: CYP2D6, HLA-A, HLA-B, MT-RNR1, CYP2B6, CYP2C9, CYP2C19, CYP3A4, "
         "CYP3A5, CYP4F2, DPYD, NUDT15, SLCO1B1, TPMT, UGT1A1, VKORC1, IFNL3, ABCG2, RYR1, "
         "CACNA1S, G6PD, NAT2, CFTR"]),
    "outside-call-without-method": (
        HEAD.replace("    samples:", "    outside_calls:\n"
                     '      CYP2D6: {diplotype: "*1/*4"}\n    samples:')
        + "      G: {kind: germline, vcf: calls/G.vcf.gz}\n",
        ["patient P1 / outside call CYP2D6: missing required field 'method' — add it, e.g. "
         "method: Cyrius 1.1"]),
    "sha256-not-hex": (
        HEAD + "      G: {kind: germline, vcf: calls/G.vcf.gz, sha256: abc123}\n",
        ["patient P1 / sample G / field sha256: 'abc123' is not a valid SHA-256 checksum — use "
         "the 64 hexadecimal characters printed by `sha256sum FILE`"]),
    "sample-sha256-on-fastq-sample": (
        HEAD + f"      G:\n        kind: germline\n        sha256: {'a' * 64}\n"
        "        units:\n"
        "          L001: {r1: reads/A_L001_R1.fastq.gz, r2: reads/A_L001_R2.fastq.gz}\n",
        ["patient P1 / sample G / field sha256: a sample-level checksum is for a bam, cram or "
         "vcf file — put FASTQ checksums under each unit as sha256: {r1: ..., r2: ...}"]),
    "vcf-sample-on-bam-sample": (
        HEAD + "      G: {kind: germline, bam: aligned/T.bam, vcf_sample: NA12878}\n",
        ["patient P1 / sample G / field vcf_sample: only used with a vcf entry — remove it "
         "(this sample's input is bam)"]),
    "no-samples": (
        HEAD.replace("samples:", "samples: {}"),
        ["patient P1 / field samples: has no entries — add at least one, e.g. samples: "
         "{PGX001-blood: {kind: germline, vcf: calls/PGX001.vcf.gz}}"]),
    "platform-lowercase": (
        HEAD + "      G:\n        kind: germline\n        units:\n"
        "          L001: {r1: reads/A_L001_R1.fastq.gz, r2: reads/A_L001_R2.fastq.gz, "
        "platform: illumina}\n",
        ["patient P1 / sample G / unit L001 / field platform: 'illumina' is not allowed — did "
         "you mean 'ILLUMINA'? Use one of: ILLUMINA, ELEMENT, DNBSEQ, ULTIMA, IONTORRENT, LS454, "
         "SOLID, HELICOS, CAPILLARY, PACBIO, ONT, SINGULAR"]),
}


@pytest.mark.parametrize("text, expected", BAD_SHEETS.values(), ids=BAD_SHEETS.keys())
def test_bad_sheet_reports_exact_problem(folder, text, expected):
    (folder / "calls/dir.vcf").mkdir()
    expected = [line.replace("{dir}", str(folder)) for line in expected]
    assert problems_of(folder, text) == expected


def test_all_problems_are_reported_at_once(folder):
    problems = problems_of(folder, HEAD.replace("sex: female", "sex: F") + """\
      G: {kind: germline, purity: 0.5, vcf: calls/G.vcf.gz}
      T: {kind: tumor, bam: aligned/T.bam}
""")
    assert problems == [
        "patient P1 / field sex: 'F' is not allowed — use one of: female, male, unknown",
        "patient P1 / sample G / field purity: only tumour samples have a purity — remove it, "
        "or set kind: tumor if this is a tumour sample",
        # Problems follow the file from top to bottom; absent fields come after present ones.
        "patient P1 / field tumor_type: missing, but the patient has tumour sample T — add "
        "tumor_type: <OncoTree code>, e.g. tumor_type: MEL",
    ]


def test_ids_are_read_as_written(folder):
    # Unquoted 007 and 1e5 would be the numbers 7 and 100000.0 to a plain YAML reader.
    sheet = load_sheet(write(folder, HEAD.replace("P1:", "007:")
                             + "      1e5: {kind: germline, vcf: calls/G.vcf.gz}\n"))
    assert (sheet.patients[0].id, sheet.samples()[0].id) == ("007", "1e5")


def test_check_files_false_skips_the_file_system_only(folder):
    text = HEAD + "      G: {kind: germline, vcf: calls/missing.vcf.gz}\n" \
                  "      G2: {kind: germline, bam: calls/missing.cram}\n"
    assert problems_of(folder, text, check_files=False) == [
        "patient P1 / sample G2 / field bam: 'calls/missing.cram' is not a BAM file name — use "
        "a file ending in .bam"]


def test_checksum_mismatch_is_reported_with_expected_and_actual(folder):
    text = HEAD + f"      G: {{kind: germline, vcf: calls/G.vcf.gz, sha256: {WRONG}}}\n"
    actual = digest("calls/G.vcf.gz")
    assert problems_of(folder, text, verify_checksums=True) == [
        f"patient P1 / sample G / field sha256: checksum mismatch for {folder}/calls/G.vcf.gz: "
        f"expected {WRONG}, got {actual} — copy the file again, or correct sha256 if the "
        "recorded value is wrong"]
    assert load_sheet(folder / "samples.yaml").sample("G").sha256 == WRONG  # not verified


def test_missing_sheet_file(tmp_path):
    with pytest.raises(SheetError) as caught:
        load_sheet(tmp_path / "nope.yaml")
    assert caught.value.problems == ["sheet: file not found — check the path"]


def test_sha256_file_streams_the_file(tmp_path):
    path = tmp_path / "abc.txt"
    path.write_bytes(b"abc" * 1_000_000)  # several 1 MiB chunks
    assert sha256_file(path) == hashlib.sha256(b"abc" * 1_000_000).hexdigest()


def test_schema_is_valid_and_usable_by_snakemake():
    from snakemake.utils import validate

    schema = yaml.safe_load(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    data = yaml.safe_load(textwrap.dedent(HEAD) + "      G:\n        kind: germline\n"
                          "        units: {L001: {r1: a_R1.fq.gz, r2: a_R2.fq.gz}}\n")
    validate(data, str(SCHEMA_PATH))
    assert data["patients"]["P1"]["samples"]["G"]["units"]["L001"]["platform"] == "ILLUMINA"


# --- check-sheet -----------------------------------------------------------------------

def test_check_sheet_ok(folder, run):
    sheet = write(folder, HEAD + f"""\
      G:
        kind: germline
        units:
          L001: {{r1: reads/A_L001_R1.fastq.gz, r2: reads/A_L001_R2.fastq.gz}}
          L002: {{r1: reads/A_L002_R1.fastq.gz, r2: reads/A_L002_R2.fastq.gz}}
  P2:
    sex: male
    consent: {{pharmacogenomics: true, secondary_findings: true}}
    samples:
      G2: {{kind: germline, vcf: calls/G.vcf.gz, sha256: {digest("calls/G.vcf.gz")}}}
""")
    assert run("check-sheet", sheet) == (
        0, f"{sheet}: 2 patients, 2 samples, 2 sequencing units — OK\n", "")


def test_check_sheet_lists_problems_and_exits_2(folder, run):
    sheet = write(folder, HEAD + "      G: {kind: germline, vcf: calls/missing.vcf.gz}\n")
    assert run("check-sheet", sheet) == (2, "", (
        f"genotailor check-sheet: error: sample sheet {sheet}: 1 problem(s)\n"
        f"  - patient P1 / sample G / field vcf: file not found: {folder}/calls/missing.vcf.gz "
        f"— check the path; relative paths start from the sheet's folder {folder}\n"))
    assert run("check-sheet", sheet, "--no-files") == (
        0, f"{sheet}: 1 patient, 1 sample, 0 sequencing units — OK\n", "")


def test_check_sheet_verifies_checksums_unless_told_not_to(folder, run):
    sheet = write(folder, HEAD + "      G: {kind: germline, bam: aligned/T.bam, sha256: "
                  + WRONG + "}\n")
    code, out, err = run("check-sheet", sheet)
    assert (code, out) == (2, "")
    assert f"expected {WRONG}, got {digest('aligned/T.bam')}" in err
    assert run("check-sheet", sheet, "--no-checksums")[0] == 0


# --- sheet (draft) ---------------------------------------------------------------------

DRAFT_FASTQS = [
    "PGX001_S1_L001_R1_001.fastq.gz", "PGX001_S1_L001_R2_001.fastq.gz",
    "PGX001_S1_L002_R1_001.fastq.gz", "PGX001_S1_L002_R2_001.fastq.gz",
    "PGX002_L003_R1.fastq.gz", "PGX002_L003_R2.fastq.gz",
    "NA12878_1.fq.gz", "NA12878_2.fq.gz",
    "007_R1_001.fastq.gz", "007_R2_001.fastq.gz",
    # Ignored: no barcode, index read, not a FASTQ, hidden.
    "Undetermined_S0_L001_R1_001.fastq.gz", "PGX001_S1_L001_I1_001.fastq.gz",
    "SampleSheet.csv", ".PGX009_R1.fastq.gz",
]


def germline_patient(sample, units):
    return {"sex": "unknown",
            "consent": {"pharmacogenomics": False, "secondary_findings": False},
            "samples": {sample: {"kind": "germline", "units": units}}}


@pytest.fixture
def fastq_dir(tmp_path):
    folder = tmp_path / "fastq"
    folder.mkdir()
    for name in DRAFT_FASTQS:
        (folder / name).write_bytes(b"")
    return folder


def test_sheet_drafts_from_fastq_names(tmp_path, fastq_dir, run):
    (tmp_path / "sheets").mkdir()
    out = tmp_path / "sheets" / "samples.yaml"
    assert run("sheet", "--fastq-dir", fastq_dir, "--out", out) == (
        0, f"wrote {out} — set sex and consent for each patient, then run: "
           f"genotailor check-sheet {out}\n", "")
    text = out.read_text()
    draft = yaml.safe_load(text)
    assert draft == {"patients": {
        "007": germline_patient("007", {"run1": {"r1": "../fastq/007_R1_001.fastq.gz",
                                                 "r2": "../fastq/007_R2_001.fastq.gz"}}),
        "NA12878": germline_patient("NA12878", {"run1": {"r1": "../fastq/NA12878_1.fq.gz",
                                                         "r2": "../fastq/NA12878_2.fq.gz"}}),
        "PGX001": germline_patient("PGX001", {
            "L001": {"r1": "../fastq/PGX001_S1_L001_R1_001.fastq.gz",
                     "r2": "../fastq/PGX001_S1_L001_R2_001.fastq.gz"},
            "L002": {"r1": "../fastq/PGX001_S1_L002_R1_001.fastq.gz",
                     "r2": "../fastq/PGX001_S1_L002_R2_001.fastq.gz"}}),
        "PGX002": germline_patient("PGX002", {
            "L003": {"r1": "../fastq/PGX002_L003_R1.fastq.gz",
                     "r2": "../fastq/PGX002_L003_R2.fastq.gz"}}),
    }}
    assert list(draft["patients"]) == ["007", "NA12878", "PGX001", "PGX002"]
    assert "# Set both consent flags only after checking the patient's consent records." in text

    out.write_text(text.replace("pharmacogenomics: false", "pharmacogenomics: true"))
    sheet = load_sheet(out)
    assert [s.id for s in sheet.samples()] == ["007", "NA12878", "PGX001", "PGX002"]
    assert sheet.sample("PGX001").units[1].r2 == fastq_dir / "PGX001_S1_L002_R2_001.fastq.gz"
    assert all(p.consent_pgx for p in sheet.patients)

    # Same input, same output; and an existing sheet is never overwritten.
    assert draft_sheet(fastq_dir, relative_to=out.parent) == text
    code, _, err = run("sheet", "--fastq-dir", fastq_dir, "--out", out)
    assert (code, err) == (2, f"genotailor sheet: error: {out}: already exists — choose "
                              "another --out, or move the existing sheet away first\n")
    assert "pharmacogenomics: true" in out.read_text()


def test_sheet_to_stdout_writes_paths_relative_to_the_current_directory(
        tmp_path, fastq_dir, run, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run("sheet", "--fastq-dir", "fastq")
    assert (code, err) == (0, "")
    units = yaml.safe_load(out)["patients"]["NA12878"]["samples"]["NA12878"]["units"]
    assert units == {"run1": {"r1": "fastq/NA12878_1.fq.gz", "r2": "fastq/NA12878_2.fq.gz"}}


def test_sheet_fails_on_unknown_names_and_missing_mates(tmp_path, run):
    folder = tmp_path / "fastq"
    folder.mkdir()
    for name in ("PGX003_R1.fastq.gz", "reads.fastq.gz", "PGX004_2.fq.gz", "P 5_R1.fq",
                 "P 5_R2.fq"):
        (folder / name).write_bytes(b"")
    out = tmp_path / "samples.yaml"
    assert run("sheet", "--fastq-dir", folder, "--out", out) == (2, "", (
        f"genotailor sheet: error: cannot draft a sheet from {folder}:\n"
        f"  - P 5_R1.fq: 'P 5' cannot be a sample id — rename the file; ids use {ID_RULE[4:]}\n"
        f"  - P 5_R2.fq: 'P 5' cannot be a sample id — rename the file; ids use {ID_RULE[4:]}\n"
        "  - PGX003_R1.fastq.gz: no matching R2 file — add it, or move this file out of the "
        "folder\n"
        "  - PGX004_2.fq.gz: no matching R1 file — add it, or move this file out of the folder\n"
        "  - reads.fastq.gz: not a recognised FASTQ name — rename it like "
        "SAMPLE_S1_L001_R1_001.fastq.gz, SAMPLE_R1.fastq.gz or SAMPLE_1.fq.gz\n"))
    assert not out.exists()


# --- verify-checksums ------------------------------------------------------------------

def checksum_sheet(folder, r1_digest):
    return write(folder, HEAD + f"""\
      G:
        kind: germline
        units:
          L001:
            r1: reads/A_L001_R1.fastq.gz
            r2: reads/A_L001_R2.fastq.gz
            sha256: {{r1: {r1_digest}}}
          L002: {{r1: reads/A_L002_R1.fastq.gz, r2: reads/A_L002_R2.fastq.gz}}
""")


def test_verify_checksums_writes_a_tsv(folder, run):
    good = digest("reads/A_L001_R1.fastq.gz")
    sheet = checksum_sheet(folder, good)
    out = folder / "qc" / "G.sha256.tsv"
    assert run("verify-checksums", "--sheet", sheet, "--sample", "G", "--out", out) == (0, "", "")
    assert out.read_text() == (
        "file\texpected\tactual\tstatus\n"
        f"{folder}/reads/A_L001_R1.fastq.gz\t{good}\t{good}\tok\n")


def test_verify_checksums_mismatch_fails_and_writes_nothing(folder, run):
    sheet = checksum_sheet(folder, WRONG)
    out = folder / "G.sha256.tsv"
    assert run("verify-checksums", "--sheet", sheet, "--sample", "G", "--out", out) == (2, "", (
        "genotailor verify-checksums: error: sample G: checksum mismatch — copy the file(s) "
        f"again, or correct sha256 in {sheet} if the recorded value is wrong\n"
        f"  - {folder}/reads/A_L001_R1.fastq.gz: expected {WRONG}, got "
        f"{digest('reads/A_L001_R1.fastq.gz')}\n"))
    assert not out.exists()


def test_verify_checksums_unknown_sample(folder, run):
    sheet = checksum_sheet(folder, WRONG)
    code, _, err = run("verify-checksums", "--sheet", sheet, "--sample", "X", "--out",
                       folder / "x.tsv")
    assert (code, err) == (2, f"genotailor verify-checksums: error: {sheet}: no sample 'X' — "
                              "use one of: G\n")


def test_unknown_oncotree_code_is_a_sheet_error_naming_the_closest_codes(tmp_path):
    from genotailor.core.errors import SheetError
    from genotailor.core.samplesheet import load_sheet

    sheet = tmp_path / "s.yaml"
    sheet.write_text("patients:\n  P1:\n    sex: male\n    tumor_type: LUADD\n    samples:\n"
                     "      P1-T:\n        kind: tumor\n        purity: 0.5\n        vcf: t.vcf\n")
    (tmp_path / "t.vcf").write_text("##fileformat=VCFv4.2\n")
    with pytest.raises(SheetError) as err:
        load_sheet(sheet)
    assert "'LUADD' is not an OncoTree code — did you mean LUAD" in str(err.value)


def test_an_unknown_indication_panel_or_gene_is_a_sheet_error_listing_the_panels(tmp_path):
    from genotailor.core.errors import SheetError
    from genotailor.core.samplesheet import load_sheet

    sheet = tmp_path / "s.yaml"
    sheet.write_text("patients:\n  P1:\n    sex: female\n"
                     "    consent: {pharmacogenomics: false, secondary_findings: false}\n"
                     "    indications: [hereditary_breast_ovarian, lynch_syndrome, BRCA3, LDLR]\n"
                     "    samples:\n      P1-blood: {kind: germline, vcf: g.vcf}\n")
    (tmp_path / "g.vcf").write_text("##fileformat=VCFv4.2\n")
    with pytest.raises(SheetError) as err:
        load_sheet(sheet)
    panels = ("panels: cardiomyopathy, familial_adenomatous_polyposis, familial_hypercholesterolemia, "
              "hereditary_breast_ovarian, hereditary_hemochromatosis, li_fraumeni, lynch; or name genes of that "
              "file, or add the panel there")
    assert err.value.problems == [
        "patient P1 / field indications: 'lynch_syndrome' is neither a gene panel nor a gene of "
        f"workflow/resources/germline/panels.yaml — did you mean lynch? {panels}",
        "patient P1 / field indications: 'BRCA3' is neither a gene panel nor a gene of "
        f"workflow/resources/germline/panels.yaml — did you mean BRCA2, BRCA1? {panels}",
    ]
    good = sheet.read_text().replace("lynch_syndrome, BRCA3, ", "")
    sheet.write_text(good)
    assert load_sheet(sheet).patients[0].indications == ("hereditary_breast_ovarian", "LDLR")
