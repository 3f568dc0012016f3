"""`genotailor kb-update`: a release file downloaded from a local HTTP server (127.0.0.1, no other
network) or taken from disk, verified by the publisher's .md5 or a given SHA-256, refused when it
cannot be verified or is not a ClinVar GRCh38 VCF, and built into the target folder; the HFE p.C282Y
homozygote becomes a finding once the knowledge base holds the variant."""

import functools
import hashlib
import http.server
import json
import threading

import pysam
import pytest

from conftest import ROOT, write_vcf
from genotailor.cli import main
from genotailor.core.checksums import sha256_file
from genotailor.core.errors import InputError
from genotailor.core.kbfiles import clinvar_gene_coverage
from genotailor.core.paths import GERMLINE_KB, ONCOLOGY_KB, TRANSCRIPT_MODELS
from genotailor.kb.update import update_civic, update_clinvar

FIXTURE = ROOT / "tests" / "data" / "clinvar" / "clinvar_fixture_hfe_brca2.grch38.vcf"
HFE_WINDOW = ROOT / "tests" / "data" / "grch38" / "HFE_window.fa"
CHR6_LENGTH = 170805979  # GRCh38 chr6
HFE_C282Y = ("chr6", 26092913, "G", "A")  # rs1800562, NM_000410.4:c.845G>A, ClinVar VariationID 9


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def served(tmp_path):
    """A folder served over HTTP on 127.0.0.1 (ephemeral port): (folder, base URL)."""
    root = tmp_path / "www"
    root.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def bgzipped(text_path, dest):
    pysam.tabix_compress(str(text_path), str(dest), force=True)
    return dest


def publish(root, text_path, name="clinvar.vcf.gz", md5=True):
    gz = bgzipped(text_path, root / name)
    if md5:  # NCBI's format: "<md5>  <file name>"
        (root / f"{name}.md5").write_text(f"{hashlib.md5(gz.read_bytes()).hexdigest()}  {name}\n")
    return gz


def test_a_download_whose_published_md5_matches_is_built_with_its_gene_coverage(served, tmp_path):
    root, base = served
    publish(root, FIXTURE)
    kb = tmp_path / "kb"
    assert main(["kb-update", "clinvar", "--url", f"{base}/clinvar.vcf.gz", "--kb-dir", str(kb)]) == 0
    manifest = json.loads((kb / "manifest.json").read_text())["clinvar"]
    assert manifest["release"] == "2026-02-26"
    assert manifest["update"] == {"from": f"{base}/clinvar.vcf.gz",
                                  "verified_by": f"md5 published in {base}/clinvar.vcf.gz.md5"}
    assert manifest["gene_coverage"] == {
        "BRCA2": {"chrom": "chr13", "start": 32316470, "end": 32319176, "records": 2},
        "HFE": {"chrom": "chr6", "start": 26092913, "end": 26092913, "records": 1}}
    assert manifest["input_sha256"] == sha256_file(root / "clinvar.vcf.gz")
    rows = [line.split("\t") for line in pysam.TabixFile(str(kb / "clinvar.tsv.gz")).fetch("chr6", 26092912, 26092913)]
    assert [(r[1], r[2], r[3], r[4], r[5], r[6], r[8]) for r in rows] == [
        ("26092913", "G", "A", "9", "HFE", "Pathogenic", "2")]
    # a new folder becomes a whole germline knowledge base: the shipped panels and ACMG SF list beside it
    assert (kb / "panels.yaml").read_bytes() == (GERMLINE_KB / "panels.yaml").read_bytes()
    assert (kb / "acmg_sf.json").read_bytes() == (GERMLINE_KB / "acmg_sf.json").read_bytes()


def test_a_download_whose_md5_does_not_match_is_refused_and_the_old_table_kept(served, tmp_path):
    root, base = served
    gz = publish(root, FIXTURE)
    good = hashlib.md5(gz.read_bytes()).hexdigest()
    (root / "clinvar.vcf.gz.md5").write_text("0" * 32 + "  clinvar.vcf.gz\n")
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "clinvar.tsv.gz").write_bytes(b"old table")
    with pytest.raises(InputError) as err:
        update_clinvar(kb, url=f"{base}/clinvar.vcf.gz")
    assert str(err.value) == (f"{base}/clinvar.vcf.gz: MD5 {good} does not match {'0' * 32} published in "
                              f"{base}/clinvar.vcf.gz.md5 — the download is damaged or incomplete; refusing to "
                              "build from it")
    assert (kb / "clinvar.tsv.gz").read_bytes() == b"old table"
    assert sorted(p.name for p in kb.iterdir()) == ["clinvar.tsv.gz"]
    assert main(["kb-update", "clinvar", "--url", f"{base}/clinvar.vcf.gz", "--kb-dir", str(kb)]) == 2


def test_a_download_without_a_published_md5_or_a_given_sha256_is_refused(served, tmp_path):
    root, base = served
    gz = publish(root, FIXTURE, md5=False)
    with pytest.raises(InputError) as err:
        update_clinvar(tmp_path / "kb", url=f"{base}/clinvar.vcf.gz")
    assert str(err.value) == (f"{base}/clinvar.vcf.gz: cannot be verified — no {base}/clinvar.vcf.gz.md5 was found "
                              "beside it and no --sha256 was given; refusing to build from an unverified file")
    assert not (tmp_path / "kb").exists()
    # the same download with the SHA-256 the user was given is built
    entry = update_clinvar(tmp_path / "kb", url=f"{base}/clinvar.vcf.gz", sha256=sha256_file(gz))
    assert entry["update"]["verified_by"] == "sha256 given with --sha256"
    with pytest.raises(InputError, match="does not match the expected " + "a" * 64):
        update_clinvar(tmp_path / "kb2", url=f"{base}/clinvar.vcf.gz", sha256="a" * 64)


def test_a_grch37_clinvar_file_is_refused_even_with_a_good_md5(served, tmp_path):
    root, base = served
    grch37 = tmp_path / "grch37.vcf"
    grch37.write_text(FIXTURE.read_text().replace("##reference=GRCh38", "##reference=GRCh37"))
    publish(root, grch37)
    with pytest.raises(InputError) as err:
        update_clinvar(tmp_path / "kb", url=f"{base}/clinvar.vcf.gz")
    assert str(err.value) == (f"{base}/clinvar.vcf.gz: header '##reference=GRCh37', not ##reference=GRCh38 — use the "
                              "GRCh38 file (https://ftp.ncbi.nlm.nih.gov/pub/clinvar/vcf_GRCh38/clinvar.vcf.gz)")
    assert not (tmp_path / "kb").exists()


def test_a_file_that_is_not_a_gzipped_clinvar_vcf_is_refused(served, tmp_path):
    root, base = served
    (root / "clinvar.vcf.gz").write_bytes(FIXTURE.read_bytes())  # plain text under a .gz name
    (root / "clinvar.vcf.gz.md5").write_text(hashlib.md5(FIXTURE.read_bytes()).hexdigest() + "  clinvar.vcf.gz\n")
    with pytest.raises(InputError) as err:
        update_clinvar(tmp_path / "kb", url=f"{base}/clinvar.vcf.gz")
    assert str(err.value) == (f"{base}/clinvar.vcf.gz: not a gzipped VCF — expected NCBI's clinvar.vcf.gz "
                              "(bgzip-compressed)")
    other = tmp_path / "other.vcf"
    other.write_text(FIXTURE.read_text().replace("##source=ClinVar\n", ""))
    local = bgzipped(other, tmp_path / "other.vcf.gz")
    with pytest.raises(InputError) as err:
        update_clinvar(tmp_path / "kb", file=local, sha256=sha256_file(local))
    assert str(err.value) == f"{local}: no ##source=ClinVar header line — not NCBI's ClinVar VCF"


def test_an_unreachable_address_is_an_error_naming_it(tmp_path, served):
    _, base = served
    with pytest.raises(InputError, match=f"^{base}/missing.vcf.gz: download failed"):
        update_clinvar(tmp_path / "kb", url=f"{base}/missing.vcf.gz")


def test_a_local_file_is_verified_by_the_md5_beside_it_and_never_modified(tmp_path):
    local = bgzipped(FIXTURE, tmp_path / "clinvar.vcf.gz")
    before = sha256_file(local)
    with pytest.raises(InputError, match="cannot be verified"):
        update_clinvar(tmp_path / "kb", file=local)
    (tmp_path / "clinvar.vcf.gz.md5").write_text(hashlib.md5(local.read_bytes()).hexdigest() + "  clinvar.vcf.gz\n")
    entry = update_clinvar(tmp_path / "kb", file=local)
    assert entry["update"] == {"from": "local file clinvar.vcf.gz",
                               "verified_by": f"md5 published in {local}.md5"}
    assert sha256_file(local) == before
    # the same input gives the same bytes
    update_clinvar(tmp_path / "kb2", file=local)
    for name in ("clinvar.tsv.gz", "manifest.json"):
        assert (tmp_path / "kb" / name).read_bytes() == (tmp_path / "kb2" / name).read_bytes()


@pytest.fixture(scope="module")
def chr6_reference(tmp_path_factory):
    """GRCh38 chr6 at its full length: N everywhere but the real HFE window (tests/data/grch38)."""
    header, *lines = HFE_WINDOW.read_text().splitlines()  # ">chr6:26082281-26100343 HFE", 1-based
    start = int(header.split(":")[1].split("-")[0])
    window = "".join(lines)
    plain = tmp_path_factory.mktemp("ref") / "chr6.fa"
    seq_before, seq_after = start - 1, CHR6_LENGTH - (start - 1) - len(window)
    with open(plain, "w") as fh:
        fh.write(">chr6\n")
        body = "N" * (seq_before % 60) + window + "N" * seq_after
        n_lines = "N" * 60 + "\n"
        fh.write(n_lines * (seq_before // 60))
        fh.writelines(body[i:i + 60] + "\n" for i in range(0, len(body), 60))
    ref = bgzipped(plain, plain.with_suffix(".fa.gz"))
    plain.unlink()
    pysam.faidx(str(ref))
    return ref


def test_a_p_c282y_homozygote_is_a_finding_once_the_knowledge_base_holds_the_variant(tmp_path, chr6_reference):
    local = bgzipped(FIXTURE, tmp_path / "clinvar.vcf.gz")
    kb = tmp_path / "kb"
    assert main(["kb-update", "clinvar", "--file", str(local), "--sha256", sha256_file(local),
                 "--kb-dir", str(kb)]) == 0
    vcf = write_vcf(tmp_path / "hfe.vcf.gz", [(*HFE_C282Y, "1/1")], contigs=(("chr6", CHR6_LENGTH),))
    out = tmp_path / "germline.json"
    assert main(["germline", "--vcf", str(vcf), "--sample", "S1", "--panels", "hereditary_hemochromatosis",
                 "--reference", str(chr6_reference), "--models", str(TRANSCRIPT_MODELS), "--kb", str(kb),
                 "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    [f] = doc["findings"]
    assert (f["gene"], f["classification"], f["zygosity"], f["genotype"]) == ("HFE", "pathogenic", "homozygous", "1/1")
    assert (f["clinvar"]["variation_id"], f["clinvar"]["accession"]) == ("9", "VCV000000009")
    assert (f["refseq"], f["hgvs_c"], f["hgvs_p"]) == ("NM_000410.4", "c.845G>A", "p.C282Y")
    assert f["meaning"] == "biallelic (homozygous): consistent with the recessive condition"
    assert doc["classification"]["clinvar_release"] == "2026-02-26"
    # the shipped knowledge base holds no HFE record (its source has no chromosome 6): there the gene is
    # one the ledger must call not assessed, never negative
    assert "HFE" not in clinvar_gene_coverage(GERMLINE_KB)["gene_coverage"]

def test_civic_is_rebuilt_from_a_verified_file_with_the_oncotree_release_the_folder_holds(tmp_path):
    import shutil

    kb = tmp_path / "oncology"
    shutil.copytree(ONCOLOGY_KB, kb)
    src = ROOT / "tests" / "data" / "oncology_sources"
    civic = src / "civic" / "01-Aug-2024-ClinicalEvidenceSummaries.tsv"
    with pytest.raises(InputError) as err:
        update_civic(kb, file=civic, cgi=src / "cgi_biomarkers_per_variant.tsv")
    assert str(err.value) == (f"{civic}: cannot be verified — no {civic}.md5 was found beside it and no --sha256 "
                              "was given; refusing to build from an unverified file")
    report = update_civic(kb, file=civic, sha256=sha256_file(civic), cgi=src / "cgi_biomarkers_per_variant.tsv")
    assert report["rows_read"] == {"civic": 13, "cgi": 8}  # the fixture's rows (tests/data/oncology_sources)
    assert (kb / "oncotree.json").read_bytes() == (ONCOLOGY_KB / "oncotree.json").read_bytes()
    manifest = json.loads((kb / "manifest.json").read_text())
    assert [(s["name"], s["release"]) for s in manifest["sources"]] == [
        ("CIViC", "01-Aug-2024"), ("Cancer Genome Interpreter biomarkers", "2018-01-17"),
        ("OncoTree", "oncotree_2025_10_03")]
    plain = tmp_path / "01-Aug-2024-ClinicalEvidenceSummaries.tsv"
    plain.write_text("gene\tvariant\n")
    with pytest.raises(InputError, match="not a CIViC ClinicalEvidenceSummaries.tsv"):
        update_civic(kb, file=plain, sha256=sha256_file(plain), cgi=src / "cgi_biomarkers_per_variant.tsv")
