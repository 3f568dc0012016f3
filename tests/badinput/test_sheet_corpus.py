"""Bad-input corpus: sample sheets. Each is rejected by `genotailor check-sheet` (the same checks the
workflow makes before any job runs) with every problem named by patient/sample/field and its fix."""

import os

import pytest
from corpus import Case, assert_rejected

HEAD = "patients:\n  P1:\n    sex: female\n    consent: {pharmacogenomics: true, secondary_findings: false}\n"


def sheet(folder, text, files=("a.vcf",)):
    for f in files:
        (folder / f).write_text("##fileformat=VCFv4.2\n")
    (folder / "s.yaml").write_text(text)
    return ["check-sheet", folder / "s.yaml"]


def with_samples(samples, files=("a.vcf",)):
    return lambda d: sheet(d, HEAD + "    samples:\n" + samples, files)


def symlink_loop(d):
    os.symlink("b.vcf", d / "a.vcf")
    os.symlink("a.vcf", d / "b.vcf")
    return sheet(d, HEAD + "    samples:\n      S1: {kind: germline, vcf: a.vcf}\n", files=())


def not_utf8(d):
    (d / "s.yaml").write_bytes(b"patients:\n  P\xe9:\n")
    return ["check-sheet", d / "s.yaml"]


def folder_as_file(d):
    (d / "calls.vcf").mkdir()
    return sheet(d, HEAD + "    samples:\n      S1: {kind: germline, vcf: calls.vcf}\n", files=())


P = "sample sheet {d}/s.yaml: 1 problem(s)\n  - "

CASES = [
    Case("empty sample entry", with_samples("      S1:\n"),
         P + "patient P1 / sample S1: expected a mapping, got an empty value — write it like "
             "S1: {{kind: germline, vcf: calls/S1.vcf.gz}}"),
    Case("symlink loop", symlink_loop,
         P + "patient P1 / sample S1 / field vcf: 'a.vcf' is a symbolic link that points to itself (a link loop) "
             "— make it point to the real file"),
    Case("patient id with a trailing newline",
         lambda d: sheet(d, HEAD.replace("  P1:", '  "P1\\n":') + "    samples:\n      S1: {kind: germline, vcf: a.vcf}\n"),
         P + 'patient "P1\\n": "P1\\n" is not a valid id — use letters, digits, \'_\', \'.\' and \'-\' only (no spaces '
             "or '/'), starting with a letter or digit, at most 64 characters"),
    Case("purity .nan",
         with_samples("      N1: {kind: germline, vcf: a.vcf}\n      T1: {kind: tumor, purity: .nan, normal: N1, vcf: b.vcf}\n",
                      files=("a.vcf", "b.vcf")),
         "sample sheet {d}/s.yaml: 2 problem(s)\n  - patient P1 / sample T1 / field purity: nan is not a number — "
         "use the tumour cell fraction, a number above 0 and at most 1, e.g. 0.6\n  - patient P1 / field tumor_type: "
         "missing, but the patient has tumour sample T1 — add tumor_type: <OncoTree code>, e.g. tumor_type: MEL"),
    Case("tumour whose normal enters as a VCF",
         lambda d: sheet(d, HEAD.replace("    sex: female\n", "    sex: female\n    tumor_type: MEL\n")
                         + "    samples:\n      N1: {kind: germline, vcf: a.vcf}\n"
                           "      T1: {kind: tumor, purity: 0.5, normal: N1, bam: t.bam}\n", files=("a.vcf", "t.bam")),
         P + "patient P1 / sample T1 / field normal: 'N1' enters as a VCF, but the tumour/normal screen reads the "
             "normal's reads — give that sample as units, bam or cram, or remove normal (the tumour is then screened "
             "without a matched normal)"),
    Case("missing file", with_samples("      S1: {kind: germline, vcf: gone.vcf}\n"),
         P + "patient P1 / sample S1 / field vcf: file not found: {d}/gone.vcf — check the path; relative paths "
             "start from the sheet's folder {d}"),
    Case("r1 without r2", with_samples("      S1:\n        kind: germline\n        units:\n          L1: {{r1: r1.fq.gz}}\n"
                                       .replace("{{", "{").replace("}}", "}"), files=("r1.fq.gz",)),
         P + "patient P1 / sample S1 / unit L1: missing required field 'r2' — add it, e.g. "
             "r2: reads/S1_L001_R2.fastq.gz"),
    Case("same file as r1 and r2",
         with_samples("      S1:\n        kind: germline\n        units:\n          L1: {r1: r.fq.gz, r2: ./r.fq.gz}\n",
                      files=("r.fq.gz",)),
         P + "patient P1 / sample S1 / unit L1 / field r2: same file as r1 ({d}/r.fq.gz) — r2 must be the second "
             "read of the pair (usually R2)"),
    Case("file that is a folder", folder_as_file,
         P + "patient P1 / sample S1 / field vcf: {d}/calls.vcf is a folder — give the path of a file"),
    Case("two entry points", with_samples("      S1: {kind: germline, vcf: a.vcf, bam: a.bam}\n", files=("a.vcf", "a.bam")),
         P + "patient P1 / sample S1: more than one input given (bam, vcf) — keep exactly one of units, bam, cram "
             "or vcf; describe other data as a separate sample"),
    Case("no entry point", with_samples("      S1: {kind: germline}\n"),
         P + "patient P1 / sample S1: no input given — add exactly one of units (FASTQ pairs), bam, cram or vcf"),
    Case("unknown key with a typo", with_samples("      S1: {knd: germline, kind: germline, vcf: a.vcf}\n"),
         P + "patient P1 / sample S1: unknown key 'knd' — did you mean 'kind'? Allowed keys: kind, units, bam, cram, "
             "vcf, vcf_sample, vaf_tags, caller, purity, normal, panel, sha256"),
    Case("kind with a case slip", with_samples("      S1: {kind: Germline, vcf: a.vcf}\n"),
         P + "patient P1 / sample S1 / field kind: 'Germline' is not allowed — did you mean 'germline'? "
             "Use one of: germline, tumor"),
    Case("purity above 1",
         lambda d: sheet(d, HEAD.replace("    sex: female\n", "    sex: female\n    tumor_type: MEL\n")
                         + "    samples:\n      T1: {kind: tumor, purity: 60, vcf: a.vcf}\n"),
         P + "patient P1 / sample T1 / field purity: 60 is out of range — use the tumour cell fraction, a number "
             "above 0 and at most 1, e.g. 0.6"),
    Case("tumour's normal does not exist",
         lambda d: sheet(d, HEAD.replace("    sex: female\n", "    sex: female\n    tumor_type: MEL\n")
                         + "    samples:\n      T1: {kind: tumor, purity: 0.5, normal: N9, vcf: a.vcf}\n"),
         P + "patient P1 / sample T1 / field normal: no sample 'N9' in this sheet — name a germline sample of "
             "patient P1, or remove normal"),
    Case("duplicate YAML key",
         with_samples("      S1: {kind: germline, vcf: a.vcf}\n      S1: {kind: germline, vcf: b.vcf}\n",
                      files=("a.vcf", "b.vcf")),
         P + "patient P1 / sample S1: appears twice (lines 6 and 7) — keep one and rename or delete the "
             "other; YAML readers silently keep only the last"),
    Case("path traversal in a sample id", with_samples("      ../../etc/S1: {kind: germline, vcf: a.vcf}\n"),
         P + "patient P1 / sample ../../etc/S1: '../../etc/S1' is not a valid id — use letters, digits, '_', '.' "
             "and '-' only (no spaces or '/'), starting with a letter or digit, at most 64 characters"),
    Case("id starting with a dot", with_samples("      .hidden: {kind: germline, vcf: a.vcf}\n"),
         P + "patient P1 / sample .hidden: '.hidden' is not a valid id — use letters, digits, '_', '.' "
             "and '-' only (no spaces or '/'), starting with a letter or digit, at most 64 characters"),
    Case("outside calls without PGx consent",
         lambda d: sheet(d, HEAD.replace("pharmacogenomics: true", "pharmacogenomics: false")
                         + "    outside_calls:\n      CYP2D6: {diplotype: '*1/*4', method: Cyrius}\n"
                           "    samples:\n      S1: {kind: germline, vcf: a.vcf}\n"),
         P + "patient P1 / field outside_calls: given although consent / pharmacogenomics is false — remove the "
             "outside calls, or set pharmacogenomics: true if the patient consented"),
    Case("YAML syntax error (tab indentation)", lambda d: sheet(d, "patients:\n\tP1: {}\n"),
         P + "sheet: YAML syntax error at line 2, column 1: while scanning for the next token, found character "
             "'\\t' that cannot start any token — check the indentation (spaces only), colons and quotes there"),
    Case("empty sheet", lambda d: sheet(d, ""),
         P + "sheet: the file is empty — start the file with `patients:` and list each patient under it"),
    Case("sheet not UTF-8", not_utf8, P + "sheet: not UTF-8 text — save the sheet as plain UTF-8 text"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_sheet_is_rejected_with_its_field_and_fix(case, tmp_path, capfd):
    assert_rejected(case, tmp_path, capfd)
