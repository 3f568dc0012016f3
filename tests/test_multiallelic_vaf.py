"""VAF at a multi-allelic site, through the commands the workflow's rules run.

The meaning, from the VCF specification and the usual definition of VAF: FORMAT/AD holds the read
depth of each allele of the record (Number=R), and one ALT's VAF is its reads over the reads of
every allele at the site. Splitting a multi-allelic record (normalize-vcf) leaves each record the
AD of its REF and its own ALT only; the VAF must still be over the reads of all alleles, and AD's
first value must still be the REF allele's reads.

The site: BRAF c.1799 (GRCh38 chr7:140753336, reference A on the forward strand; BRAF is on the
reverse strand, so A>T is NM_004333.6:c.1799T>A p.Val600Glu and A>C is c.1799T>G p.Val600Gly).
"""

from __future__ import annotations

import json

import pysam

from conftest import DEMO_REFERENCE, write_vcf
from genotailor.cli import main
from genotailor.core.reference import Reference
from genotailor.steps.calling.somatic import SomaticThresholds, screen

CHR7 = ("chr7", 159345973)
V600 = 140753336
AD = '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">'
BRAF_EXON15 = "chr7\t140753239\t140753450\n"


def _records(path):
    with pysam.VariantFile(str(path)) as vf:
        return [(r.alts[0], r.samples[0]["AD"], r.samples[0].get("ADSUM"), r.samples[0]["DP"]) for r in vf]


def test_a_split_multiallelic_alt_has_its_reads_over_every_read_at_the_site_end_to_end(tmp_path):
    # T (V600E) 5 reads, C (V600G) 7 reads, REF 10: 22 reads at the site. The caller's DP (30) counts
    # other reads too (e.g. uninformative ones) and is not the AD depth.
    line = f"chr7\t{V600}\t.\tA\tT,C\t50\tPASS\t.\tGT:AD:DP\t1/2:10,5,7:30"
    raw = write_vcf(tmp_path / "tumour.vcf", [line], samples=("TUMOUR",), extra_header=AD, contigs=(CHR7,))
    norm = tmp_path / "results" / "T1.vcf.gz"
    assert main(["normalize-vcf", "--vcf", str(raw), "--sample", "T1", "--reference", str(DEMO_REFERENCE),
                 "--out", str(norm)]) == 0
    # split: AD keeps the REF allele's own reads (10), ADSUM the 22 reads of the site
    assert _records(norm) == [("C", (10, 7), 22, 30), ("T", (10, 5), 22, 30)]
    panel = tmp_path / "panel.bed"
    panel.write_text(BRAF_EXON15)
    out = tmp_path / "somatic.json"
    assert main(["somatic", "--vcf", str(norm), "--tumor", "T1", "--tumor-type", "MEL", "--reference",
                 str(DEMO_REFERENCE), "--panel", str(panel), "--min-callable-mb", "0", "--json", str(out)]) == 0
    got = {v["hgvs_c"]: (v["protein_change"], v["alt_reads"], v["depth"], v["vaf"], v["vaf_source"])
           for v in json.loads(out.read_text())["somatic"]}
    # 5/22 = 0.22727..., 7/22 = 0.31818... (four decimals); not 5/15 = 0.3333 and 7/17 = 0.4118
    assert got == {"c.1799T>A": ("p.V600E", 5, 22, 0.2273, "FORMAT/AD, FORMAT/ADSUM"),
                   "c.1799T>G": ("p.V600G", 7, 22, 0.3182, "FORMAT/AD, FORMAT/ADSUM")}


def test_normalize_leaves_adsum_off_a_multiallelic_record_whose_ad_is_incomplete(tmp_path):
    line = f"chr7\t{V600}\t.\tA\tT,C\t50\tPASS\t.\tGT:AD\t1/2:.,5,7"
    raw = write_vcf(tmp_path / "t.vcf", [line], samples=("T1",), extra_header=AD, contigs=(CHR7,))
    norm = tmp_path / "n.vcf.gz"
    assert main(["normalize-vcf", "--vcf", str(raw), "--sample", "T1", "--reference", str(DEMO_REFERENCE),
                 "--out", str(norm)]) == 0
    with pysam.VariantFile(str(norm)) as vf:
        assert [(r.alts[0], r.samples[0]["AD"], r.samples[0].get("ADSUM")) for r in vf] == \
            [("C", (None, 7), None), ("T", (None, 5), None)]


def test_built_in_screen_takes_each_alt_vaf_over_every_allele_read_in_tumour_and_normal(tmp_path):
    # an mpileup site: alleles A, T, C, <*>; tumour AD 150,8,10,0 (168 reads), normal 47,1,2,0 (50)
    header = AD + '\n##INFO=<ID=X,Number=0,Type=Flag,Description="unused">'
    line = f"chr7\t{V600}\t.\tA\tT,C,<*>\t0\t.\t.\tGT:AD\t0/1:150,8,10,0\t0/0:47,1,2,0"
    pileup = write_vcf(tmp_path / "pileup.vcf", [line], samples=("TUMOUR", "NORMAL"), extra_header=header,
                       contigs=(CHR7,))
    out = tmp_path / "screen.vcf.gz"
    screen(pileup, "TUMOUR", "NORMAL", Reference(DEMO_REFERENCE), out, SomaticThresholds())
    with pysam.VariantFile(str(out)) as vf:
        got = [(r.alts[0], list(r.filter), r.samples[0]["AD"], r.samples[0]["DP"], r.samples[0]["ADSUM"],
                round(r.samples[0]["AF"][0], 4), r.info["NORMAL_AD"], r.info["NORMAL_DP"], round(r.info["NORMAL_VAF"], 4))
               for r in vf]  # AF and NORMAL_VAF are stored as 32-bit floats
    # T: 8/168 = 0.0476 < min_vaf 0.05 (8/158 over REF+T alone would pass); normal 1/50 = 0.02 is not
    # above max_normal_vaf 0.02 (1/48 = 0.0208 would be). C: 10/168 = 0.0595; normal 2/50 = 0.04 > 0.02.
    assert got == [
        ("C", ["GermlineOrNormal"], (150, 10), 168, 168, 0.0595, (47, 2), 50, 0.04),
        ("T", ["LowVAF"], (150, 8), 168, 168, 0.0476, (47, 1), 50, 0.02),
    ]
