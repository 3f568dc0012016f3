"""`genotailor pgx` reads a plain, plain-gzip or unindexed VCF through an indexed copy in a
temporary folder (the slower path), with the same results, never writing beside the input."""

import gzip
import tempfile

import pysam
import pytest

from genotailor.cli import main
from genotailor.core.errors import InputError
from genotailor.pgx.matcher import gene_index
from genotailor.pgx.run import run_pgx
from test_pgx_genes import GENES, gene_vcf


@pytest.fixture()
def indexed(tmp_path):
    """CYP2C19 *2/*17 (unphased) as a bgzipped, indexed VCF: the fast path's input."""
    ix = gene_index(GENES["CYP2C19"])
    src = tmp_path / "src"
    src.mkdir()
    return gene_vcf(src, "CYP2C19", ix.render(ix.names.index("*2")), ix.render(ix.names.index("*17")))


@pytest.fixture()
def own_tmp(tmp_path, monkeypatch):
    """The temporary folder the slow path uses, to check it is cleaned up."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    return tmp


def _text(indexed):
    with gzip.open(indexed, "rt") as fh:
        return fh.read()


def _inputs(indexed, tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    plain = d / "patient.vcf"
    plain.write_text(_text(indexed))
    gz = d / "patient.gz.vcf.gz"
    with gzip.open(gz, "wt") as fh:  # plain gzip, not BGZF
        fh.write(_text(indexed))
    bgz = d / "patient.bgz.vcf.gz"
    bgz.write_bytes(indexed.read_bytes())  # bgzipped, no index
    return d, {"plain": plain, "gzip": gz, "bgzip without index": bgz}


def test_plain_gzip_and_unindexed_vcfs_give_the_indexed_result(indexed, tmp_path, own_tmp):
    want = run_pgx(indexed, genes=["CYP2C19"])
    (cyp2c19,) = want["pgx"]
    assert (cyp2c19["diplotype"], cyp2c19["phenotype"]) == ("*2/*17", "Intermediate Metabolizer")
    folder, inputs = _inputs(indexed, tmp_path)
    before = sorted(p.name for p in folder.iterdir())
    for kind, path in inputs.items():
        assert run_pgx(path, genes=["CYP2C19"]) == want, kind
    assert sorted(p.name for p in folder.iterdir()) == before  # nothing written beside the inputs
    assert list(own_tmp.iterdir()) == []  # the indexed copies are removed


def test_the_command_accepts_a_plain_vcf(indexed, tmp_path, own_tmp):
    _, inputs = _inputs(indexed, tmp_path)
    out = tmp_path / "out.json"
    assert main(["pgx", "--vcf", str(inputs["plain"]), "--genes", "CYP2C19", "--json", str(out)]) == 0
    assert '"diplotype":"*2/*17"' in out.read_text()


def test_an_unsorted_plain_vcf_is_an_error_naming_the_input(indexed, tmp_path, own_tmp):
    header = [line for line in _text(indexed).splitlines() if line.startswith("#")]
    body = [line for line in _text(indexed).splitlines() if not line.startswith("#")]
    bad = tmp_path / "unsorted.vcf"
    bad.write_text("\n".join(header + body[::-1]) + "\n")
    with pytest.raises(InputError, match=r"unsorted\.vcf: cannot index a copy of it .*sorted"):
        run_pgx(bad, genes=["CYP2C19"])
    assert list(own_tmp.iterdir()) == []


def test_errors_from_the_copy_name_the_input_not_the_copy(indexed, tmp_path, own_tmp):
    _, inputs = _inputs(indexed, tmp_path)
    with pytest.raises(InputError) as e:
        run_pgx(inputs["plain"], sample="NOBODY", genes=["CYP2C19"])
    assert str(e.value).startswith(f"{inputs['plain']}: no sample 'NOBODY'")
    assert "genotailor-pgx-" not in str(e.value)


def test_a_missing_file_is_named(tmp_path, own_tmp):
    with pytest.raises(InputError, match="VCF not found"):
        run_pgx(tmp_path / "nope.vcf", genes=["CYP2C19"])


def test_an_indexed_vcf_takes_the_fast_path(indexed, own_tmp, monkeypatch):
    import genotailor.pgx.vcfopen as vcfopen

    def refuse(*a, **k):
        raise AssertionError("the fast path made a copy")

    monkeypatch.setattr(vcfopen, "indexed_copy", refuse)
    assert run_pgx(indexed, genes=["CYP2C19"])["pgx"][0]["diplotype"] == "*2/*17"
    assert pysam.TabixFile(str(indexed)).contigs  # the input and its index are untouched
