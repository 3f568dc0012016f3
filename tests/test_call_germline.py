"""Built-in germline calling: discovered variants plus a record at every knowledge-base position."""

import gzip
import random

import pysam
import pytest

from conftest import revcomp, tiny_reference
from genotailor.steps.align import align_unit
from genotailor.steps.calling.germline import call_germline

SNV_POS, REF_SITE = 3000, 1500


@pytest.fixture(scope="module")
def ref(tmp_path_factory):
    d = tmp_path_factory.mktemp("call")
    fa, seq = tiny_reference(d, random.Random(5))
    (d / "panel.bed").write_text("chrT\t0\t6000\n")
    alt = "A" if seq[SNV_POS - 1] != "A" else "C"
    sites = d / "sites.tsv.gz"
    alleles = d / "alleles.tsv.gz"
    for path, rows in ((sites, [f"chrT\t{REF_SITE}", f"chrT\t{SNV_POS}"]),
                       (alleles, [f"chrT\t{REF_SITE}\t{seq[REF_SITE - 1]},{'G' if seq[REF_SITE - 1] != 'G' else 'T'}",
                                  f"chrT\t{SNV_POS}\t{seq[SNV_POS - 1]},{alt}"])):
        plain = path.with_suffix("")
        plain.write_text("\n".join(rows) + "\n")
        pysam.tabix_compress(str(plain), str(path), force=True)
        pysam.tabix_index(str(path), seq_col=0, start_col=1, end_col=1, force=True)
    return d, seq, alt


def bam_with(d, seq, alt, name, het):
    """40x of 2x100 reads; with `het`, half the fragments carry `alt` at SNV_POS."""
    rng = random.Random(9)
    mutated = seq[: SNV_POS - 1] + alt + seq[SNV_POS:]
    with gzip.open(d / f"{name}_1.fq.gz", "wt") as r1, gzip.open(d / f"{name}_2.fq.gz", "wt") as r2:
        for i in range(1200):
            source = mutated if het and i % 2 else seq
            start = rng.randrange(0, 6000 - 300)
            frag = source[start : start + 300]
            r1.write(f"@f{i}/1\n{frag[:100]}\n+\n{'F' * 100}\n")
            r2.write(f"@f{i}/2\n{revcomp(frag)[:100]}\n+\n{'F' * 100}\n")
    bam = d / f"{name}.bam"
    align_unit(d / f"{name}_1.fq.gz", d / f"{name}_2.fq.gz", "minimap2", str(d / "ref.mmi"),
               rf"@RG\tID:{name}\tSM:{name}", 2, d / f"{name}.fastp.json", bam)
    pysam.index(str(bam))
    return bam


def calls(path):
    with pysam.VariantFile(str(path)) as vf:
        return {r.pos: (r.ref, r.alts, r.samples[0]["GT"], r.samples[0]["DP"]) for r in vf}


def test_het_snv_is_discovered_and_reference_site_gets_its_own_record(ref):
    d, seq, alt = ref
    bam = bam_with(d, seq, alt, "het", het=True)
    out = d / "het.vcf.gz"
    call_germline(bam, d / "ref.fa", d / "panel.bed", d / "sites.tsv.gz", d / "alleles.tsv.gz", out)
    got = calls(out)
    assert sorted(got) == [REF_SITE, SNV_POS]  # one record per position, no duplicate
    assert got[SNV_POS][:3] == (seq[SNV_POS - 1], (alt,), (0, 1))
    assert got[REF_SITE][2] == (0, 0) and got[REF_SITE][3] >= 20  # homozygous reference, with depth


def test_nothing_discovered_still_genotypes_every_site(ref):
    d, seq, alt = ref
    bam = bam_with(d, seq, alt, "refonly", het=False)
    out = d / "refonly.vcf.gz"
    call_germline(bam, d / "ref.fa", d / "panel.bed", d / "sites.tsv.gz", d / "alleles.tsv.gz", out)
    got = calls(out)
    assert {p: v[2] for p, v in got.items()} == {REF_SITE: (0, 0), SNV_POS: (0, 0)}


def test_without_sites_only_discovered_variants_are_called(ref):
    """A patient without PGx consent: no knowledge-base position is genotyped."""
    d, seq, alt = ref
    bam = d / "het.bam"
    if not bam.exists():
        bam = bam_with(d, seq, alt, "het", het=True)
    out = d / "discovery.vcf.gz"
    call_germline(bam, d / "ref.fa", d / "panel.bed", None, None, out)
    assert {p: v[:3] for p, v in calls(out).items()} == {SNV_POS: (seq[SNV_POS - 1], (alt,), (0, 1))}
    assert sorted(p.name for p in d.iterdir() if p.name.startswith(".")) == []  # no scratch folder left
