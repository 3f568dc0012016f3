"""Unusual but valid inputs: each must succeed, with the same result as its ordinary form."""

import gzip
import json
import random
import shutil

import pysam
import pytest
from corpus import run_cli

from conftest import DEMO_REFERENCE, ROOT, tiny_reference

DEMO_VCF = ROOT / "test-data" / "vcf" / "VCF001.outside-lab.vcf.gz"


def demo_text():
    with gzip.open(DEMO_VCF, "rt") as fh:
        return fh.read()


def normalized_records(tmp_path, capfd, vcf, column="VCF001_DNA", name="S1"):
    out = tmp_path / f"{name}.vcf.gz"
    code, err = run_cli(["normalize-vcf", "--vcf", vcf, "--sample", "S1", "--column", column, "--reference",
                         DEMO_REFERENCE, "--out", out], capfd)
    assert code == 0, err
    with gzip.open(out, "rt") as fh:
        return [line for line in fh if not line.startswith("#")]


@pytest.fixture
def baseline(tmp_path, capfd):
    return normalized_records(tmp_path, capfd, DEMO_VCF, name="baseline")


def unsorted(text):
    head = [x for x in text.splitlines(True) if x.startswith("#")]
    body = [x for x in text.splitlines(True) if not x.startswith("#")]
    return "".join(head + body[::-1])


def no_contig_lines(text):
    return "".join(x for x in text.splitlines(True) if not x.startswith("##contig"))


@pytest.mark.parametrize("name, write", [
    ("plain gzip (not bgzip)", lambda p, t: p.with_suffix(".gz").write_bytes(gzip.compress(t.encode()))),
    ("unsorted", lambda p, t: p.write_text(unsorted(t))),
    ("CRLF line ends", lambda p, t: p.write_bytes(t.replace("\n", "\r\n").encode())),
    ("no ##contig lines", lambda p, t: p.write_text(no_contig_lines(t))),
    ("bgzip without an index", lambda p, t: shutil.copy(DEMO_VCF, p.with_suffix(".gz"))),
])
def test_unusual_vcf_normalizes_to_the_same_records(name, write, tmp_path, capfd, baseline):
    folder = tmp_path / "in"
    folder.mkdir()
    write(folder / "in.vcf", demo_text())
    (vcf,) = list(folder.iterdir())
    before = vcf.read_bytes()
    assert normalized_records(tmp_path, capfd, vcf) == baseline
    assert list(folder.iterdir()) == [vcf] and vcf.read_bytes() == before  # no index or copy beside it


def as_gvcf(text):
    """The demo VCF's first sample as a single-sample gVCF: every 0/0 record becomes a reference block
    (END, MIN_DP), every variant record gets a <NON_REF> allele; FORMAT reduced to GT:DP."""
    out = []
    for line in text.splitlines():
        if line.startswith("##FORMAT") and not line.startswith(("##FORMAT=<ID=GT", "##FORMAT=<ID=DP")):
            continue
        if line.startswith("#CHROM"):
            out += ['##ALT=<ID=NON_REF,Description="Any other allele">',
                    '##INFO=<ID=END,Number=1,Type=Integer,Description="End of the reference block">',
                    '##FORMAT=<ID=MIN_DP,Number=1,Type=Integer,Description="Minimum depth in the block">',
                    "\t".join(line.split("\t")[:10])]
            continue
        if line.startswith("#"):
            out.append(line)
            continue
        f = line.split("\t")
        keys, values = f[8].split(":"), dict(zip(f[8].split(":"), f[9].split(":")))
        gt, dp = values["GT"], values.get("DP", ".")
        if gt in ("0/0", "0|0"):
            out.append("\t".join([f[0], f[1], ".", f[3][0], "<NON_REF>", ".", ".", f"END={int(f[1]) + len(f[3]) - 1}",
                                  "GT:DP:MIN_DP", f"{gt}:{dp}:{dp}"]))
        else:
            out.append("\t".join([*f[:4], f[4] + ",<NON_REF>", *f[5:8], "GT:DP", f"{gt}:{dp}"]))
        del keys
    return "\n".join(out) + "\n"


def plain_of(text):
    """The same calls as an ordinary VCF (first sample, FORMAT GT:DP) — what the gVCF must read as."""
    out = []
    for line in text.splitlines():
        if line.startswith("##FORMAT") and not line.startswith(("##FORMAT=<ID=GT", "##FORMAT=<ID=DP")):
            continue
        f = line.split("\t")
        if line.startswith("#CHROM"):
            out.append("\t".join(f[:10]))
        elif line.startswith("#"):
            out.append(line)
        else:
            values = dict(zip(f[8].split(":"), f[9].split(":")))
            out.append("\t".join([*f[:8], "GT:DP", f"{values['GT']}:{values.get('DP', '.')}"]))
    return "\n".join(out) + "\n"


def pgx_genes(tmp_path, capfd, vcf, sites, tag):
    norm = tmp_path / f"{tag}.vcf.gz"
    code, err = run_cli(["normalize-vcf", "--vcf", vcf, "--sample", "S1", "--reference", DEMO_REFERENCE,
                         "--sites", sites, "--out", norm, "--summary", tmp_path / f"{tag}.json"], capfd)
    assert code == 0, err
    code, err = run_cli(["pgx", "--vcf", norm, "--json", tmp_path / f"{tag}.pgx.json"], capfd)
    assert code == 0, err
    summary = json.loads((tmp_path / f"{tag}.json").read_text())
    return json.loads((tmp_path / f"{tag}.pgx.json").read_text())["pgx"], summary, norm


def test_gvcf_reference_blocks_read_as_covered_reference_calls(tmp_path, capfd):
    text = demo_text()
    (tmp_path / "plain.vcf").write_text(plain_of(text))
    (tmp_path / "g.vcf").write_text(as_gvcf(text))
    positions = sorted({(x.split("\t")[0], int(x.split("\t")[1])) for x in text.splitlines() if not x.startswith("#")})
    (tmp_path / "sites.tsv").write_text("".join(f"chr{c.removeprefix('chr')}\t{p}\n" for c, p in positions))
    plain, _, _ = pgx_genes(tmp_path, capfd, tmp_path / "plain.vcf", tmp_path / "sites.tsv", "plain")
    gvcf, summary, norm = pgx_genes(tmp_path, capfd, tmp_path / "g.vcf", tmp_path / "sites.tsv", "gvcf")
    assert gvcf == plain  # every gene: diplotype, positions with genotype and depth, drugs
    assert summary["gvcf_reference_blocks"] > 0
    assert summary["gvcf_sites_from_blocks"] == summary["gvcf_reference_blocks"]
    with pysam.VariantFile(str(norm)) as vf:
        assert not any("<NON_REF>" in (r.alts or ()) for r in vf)
    cyp = next(g for g in gvcf if g["gene"] == "CYP2C19")
    assert cyp["status"] == "called" and not any(p["status"] == "absent" for p in cyp["positions"]
                                                 if (f"chr{10}", p["position"]) in positions)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    d = tmp_path_factory.mktemp("tiny")
    fa, seq = tiny_reference(d, random.Random(3))
    return d, seq


def reads(seq, read, n=30, suffix=lambda i, r: f" {r}:N:0:1", eol="\n"):
    rng = random.Random(read)
    out = []
    for i in range(n):
        start = rng.randrange(0, len(seq) - 400)
        frag = seq[start:start + 300]
        s = frag[:100] if read == 1 else frag[-100:][::-1].translate(str.maketrans("ACGT", "TGCA"))
        out.append(f"@r{i}{suffix(i, read)}{eol}{s}{eol}+{eol}{'F' * 100}{eol}")
    return "".join(out)


@pytest.mark.parametrize("name, folder, gz, suffix, eol", [
    ("paths with spaces", "run 1/reads of P1", True, lambda i, r: f" {r}:N:0:1", "\n"),
    ("uncompressed FASTQ", "in", False, lambda i, r: f" {r}:N:0:1", "\n"),
    ("read names ending /1 and /2", "in", True, lambda i, r: f"/{r}", "\n"),
    ("CRLF line ends", "in", True, lambda i, r: f" {r}:N:0:1", "\r\n"),
])
def test_unusual_fastq_pair_aligns_every_read(name, folder, gz, suffix, eol, tiny, tmp_path, capfd):
    d, seq = tiny
    where = tmp_path / folder
    where.mkdir(parents=True)
    paths = []
    for read in (1, 2):
        p = where / (f"R{read}.fastq" + (".gz" if gz else ""))
        text = reads(seq, read, suffix=suffix, eol=eol)
        p.write_bytes(gzip.compress(text.encode()) if gz else text.encode())
        paths.append(p)
    out = tmp_path / "out dir" / "u.bam"
    out.parent.mkdir()
    code, err = run_cli(["align", "--r1", paths[0], "--r2", paths[1], "--aligner", "minimap2", "--index", d / "ref.mmi",
                         "--read-group", r"@RG\tID:u\tSM:S1", "--fastp-json", out.parent / "u.json", "--out", out], capfd)
    assert code == 0, err
    with pysam.AlignmentFile(str(out)) as bam:
        recs = [r for r in bam if not r.is_secondary and not r.is_supplementary]
    assert len(recs) == 60 and sum(r.is_mapped for r in recs) == 60
    assert json.loads((out.parent / "u.json").read_text())["summary"]["before_filtering"]["total_reads"] == 60


def test_sheet_with_crlf_line_ends_and_spaces_in_paths_is_accepted(tmp_path, capfd):
    folder = tmp_path / "my data"
    folder.mkdir()
    shutil.copy(DEMO_VCF, folder / "outside lab.vcf.gz")
    sheet = tmp_path / "sheet.yaml"
    sheet.write_bytes(("patients:\n  P.1_a-2:\n    sex: male\n    consent: {pharmacogenomics: true, "
                       "secondary_findings: false}\n    samples:\n      S1:\n        kind: germline\n"
                       "        vcf: 'my data/outside lab.vcf.gz'\n        vcf_sample: VCF001_DNA\n")
                      .replace("\n", "\r\n").encode())
    code, err = run_cli(["check-sheet", sheet], capfd)
    assert code == 0, err
