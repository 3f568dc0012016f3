"""Biomarker loci: every knowledge-base position is genotyped and its coverage measured."""

import gzip

from genotailor.core.kbfiles import load_positions
from genotailor.core.paths import PGX_KB as DEFAULT_KB
from genotailor.steps.loci import write_loci

ROOT_RES = DEFAULT_KB.parent


def test_loci_cover_every_pgx_position_and_hotspot_on_reference_contigs(tmp_path):
    fai = tmp_path / "ref.fa.fai"
    fai.write_text("chr7\t159345973\t0\t60\t61\nchr10\t133797422\t0\t60\t61\n")
    bed, sites, alleles = tmp_path / "loci.bed", tmp_path / "sites.tsv.gz", tmp_path / "alleles.tsv.gz"
    write_loci(DEFAULT_KB, ROOT_RES / "oncology" / "hotspots.tsv", fai, bed, sites, alleles)
    lines = bed.read_text().splitlines()
    assert "chr7\t140753335\t140753336\tBRAF:p.V600A|p.V600E|p.V600G|p.V600K|p.V600R" in lines
    assert "chr10\t94781858\t94781859\tCYP2C19:rs4244285" in lines
    assert not any(line.startswith("chr1\t") for line in lines)  # chr1 is not in this reference
    expected = sorted({p for c, p, *_ in load_positions() if c in ("chr7", "chr10")})
    with gzip.open(sites, "rt") as fh:
        got = [int(line.split("\t")[1]) for line in fh]
    assert sorted(got) == expected
    with gzip.open(alleles, "rt") as fh:
        rows = {int(r[1]): r[2] for r in (line.rstrip("\n").split("\t") for line in fh)}
    assert rows[94842866] == "A,G"  # rs3758581: the *1-defining G


def test_hotspot_loci_alone_hold_no_pharmacogene_position(tmp_path):
    fai = tmp_path / "ref.fa.fai"
    fai.write_text("chr7\t159345973\t0\t60\t61\nchr10\t133797422\t0\t60\t61\n")
    bed, hot = tmp_path / "loci.bed", tmp_path / "hotspots.bed"
    write_loci(DEFAULT_KB, ROOT_RES / "oncology" / "hotspots.tsv", fai, bed, tmp_path / "s.tsv.gz",
               tmp_path / "a.tsv.gz", hot)
    pgx = {(c, p) for c, p, *_ in load_positions() if c in ("chr7", "chr10")}
    hot_lines = hot.read_text().splitlines()
    assert "chr7\t140753335\t140753336\tBRAF:p.V600A|p.V600E|p.V600G|p.V600K|p.V600R" in hot_lines
    assert not [line for line in hot_lines if (line.split("\t")[0], int(line.split("\t")[2])) in pgx]
    # the full BED is the hotspots plus the pharmacogene positions
    assert set(bed.read_text().splitlines()) - set(hot_lines) == {
        line for line in bed.read_text().splitlines() if (line.split("\t")[0], int(line.split("\t")[2])) in pgx}
