"""What the somatic stage lists and what it only counts: the interval pre-filter loses nothing.

A synthetic Mutect2-style VCF on the demo reference's real GRCh38 windows (the bench's generator,
1,500 records) is annotated twice: every allele by `annotate_vcf` (bcftools csq + HGVS on all of
them, as the stage did before), and by `genotailor somatic`, which classes the variants outside the
models' coding and exon-boundary windows without annotating them."""

import json
from collections import Counter

import pytest

from conftest import DEMO_REFERENCE
from genotailor.core.consequence import REPORTED, annotate_vcf
from genotailor.core.paths import HOTSPOTS, ONCOLOGY_KB, TRANSCRIPT_MODELS
from genotailor.dev.bench import CODING_DENSE, synthetic_tumour_vcf
from genotailor.oncology.run import run_somatic
from genotailor.oncology.tmb import TmbSettings


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    vcf = synthetic_tumour_vcf(tmp_path_factory.mktemp("listing") / "t.vcf.gz", records=1500, seed=7,
                               coding_share=CODING_DENSE)
    full = annotate_vcf(vcf, DEMO_REFERENCE, TRANSCRIPT_MODELS)
    import pysam

    with pysam.VariantFile(str(vcf)) as vf:
        passed = {(r.chrom, r.pos, r.ref, r.alts[0]) for r in vf if list(r.filter.keys()) in ([], ["PASS"])}
    return vcf, {k: v for k, v in full.items() if k in passed}


def test_listed_variants_are_exactly_the_protein_altering_and_splice_ones_with_the_same_annotation(synthetic):
    vcf, full = synthetic
    doc = run_somatic(vcf, "TUMOR", "LUAD", DEMO_REFERENCE, TRANSCRIPT_MODELS, ONCOLOGY_KB, HOTSPOTS, TmbSettings(),
                      normal="NORMAL")
    listed = {(v["chrom"], v["pos"], v["ref"], v["alt"]): v for v in doc["somatic"]}
    wanted = {k for k, c in full.items() if c.consequence in REPORTED}
    assert set(listed) == wanted and len(wanted) > 200
    for k, v in listed.items():
        c = full[k]
        assert (v["consequence"], v["hgvs_c"], v["protein_change"], v["exon"]) == (c.consequence, c.hgvs_c, c.hgvs_p,
                                                                                    c.exon)
    counted = Counter(c.consequence for k, c in full.items() if k not in wanted)
    assert doc["other_variants"]["by_consequence"] == dict(counted)
    assert doc["other_variants"]["count"] + len(listed) == len(full)
    assert {"intron_variant", "intergenic_variant", "synonymous_variant"} <= set(counted)


def test_synonymous_variants_are_counted_not_listed_and_enter_tmb_only_when_the_config_says_so(synthetic, tmp_path):
    vcf, full = synthetic
    panel = tmp_path / "all.bed"
    panel.write_text("".join(f"chr{c}\t0\t250000000\n" for c in [*range(1, 23), "X"]))
    docs = {syn: run_somatic(vcf, "TUMOR", "LUAD", DEMO_REFERENCE, TRANSCRIPT_MODELS, ONCOLOGY_KB, HOTSPOTS,
                             TmbSettings(count_synonymous=syn, min_callable_mb=0.0), normal="NORMAL", panel=panel)
            for syn in (False, True)}
    assert json.dumps(docs[False]["somatic"]) == json.dumps(docs[True]["somatic"])
    assert not any(v["consequence"] == "synonymous_variant" for v in docs[True]["somatic"])
    # the synonymous variants' own counts, read the same way: VAF >= 0.05 and depth >= 50
    import pysam

    syn = {k for k, c in full.items() if c.consequence == "synonymous_variant"}
    extra = 0
    with pysam.VariantFile(str(vcf)) as vf:
        for r in vf:
            if (r.chrom, r.pos, r.ref, r.alts[0]) in syn:
                ref_reads, alt_reads = r.samples["TUMOR"]["AD"]
                extra += alt_reads / (ref_reads + alt_reads) >= 0.05 and ref_reads + alt_reads >= 50
    assert extra > 10
    assert docs[True]["tmb"]["mutations"] == docs[False]["tmb"]["mutations"] + extra
