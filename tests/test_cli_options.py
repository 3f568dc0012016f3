"""Every option of the biomarker commands reaches the code it controls: each test runs the command
(`genotailor.cli.main`, as the workflow's shell line does) with and without the option and asserts
the outcome changes as the option's help says. A value exactly on a threshold is used where the
option is a threshold.

Expected values come from the sources named beside them: ClinVar (accession, review stars,
classification), the AMP/ASCO/CAP 2017 guideline (level C, Tier II: an approved therapy in another
tumour type), the MANE Select exon lengths (BRAF exon 15: c.1742-c.1860 = 119 bp; EGFR exon 21:
c.2470-c.2625 = 156 bp), PharmVar/CPIC (CYP2C19 *2/*17, G6PD A- 202A_376G hemizygous in a male).
"""

from __future__ import annotations

import json
import random

import pysam
import pytest

from conftest import DEMO_REFERENCE, write_vcf
from genotailor.cli import main

# --- genotailor germline ----------------------------------------------------------------------------

GERMLINE_CONTIGS = (("chr3", 198295559), ("chr13", 114364328))
BRCA2_PLP = "chr13\t32316470\t.\tG\tT\t50\tPASS\t.\tGT:DP\t0/1:40"  # c.10G>T p.Gly4Ter, VCV000051063, 3 stars
BRCA2_VUS = "chr13\t32316473\t.\tT\tC\t50\tPASS\t.\tGT:DP\t0/1:40"  # VCV000921745, uncertain significance, 2 stars
MLH1_PLP = "chr3\t37040201\t.\tT\tA\t50\tPASS\t.\tGT:DP\t0/1:40"  # c.1574T>A p.Leu525Ter, VCV000089797 (SF gene)


def _germline(tmp_path, *options, records=(BRCA2_PLP, BRCA2_VUS, MLH1_PLP), name="g"):
    vcf = tmp_path / f"{name}.vcf.gz"
    if not vcf.exists():
        write_vcf(vcf, list(records), contigs=GERMLINE_CONTIGS)
    out = tmp_path / f"{name}{len(list(tmp_path.glob(name + '*.json')))}.json"
    code = main(["germline", "--vcf", str(vcf), "--sample", "S1", "--reference", str(DEMO_REFERENCE),
                 "--json", str(out), *options])
    assert code == 0
    return json.loads(out.read_text())


def _findings(doc):
    return {(f["gene"], f["pos"]): f["classification"] for f in doc["findings"]}


def test_germline_min_stars_decides_whether_a_three_star_clinvar_pathogenic_variant_is_pathogenic(tmp_path):
    panels = ("--panels", "hereditary_breast_ovarian")
    assert _findings(_germline(tmp_path, *panels))[("BRCA2", 32316470)] == "pathogenic"
    assert _findings(_germline(tmp_path, *panels, "--min-stars", "3"))[("BRCA2", 32316470)] == "pathogenic"
    # above its 3 stars ClinVar's class is not used: a stop-gain in a loss-of-function gene is a candidate
    assert _findings(_germline(tmp_path, *panels, "--min-stars", "4"))[("BRCA2", 32316470)] == \
        "candidate_needs_expert_review"


def test_germline_report_vus_adds_the_clinvar_uncertain_variant(tmp_path):
    panels = ("--panels", "hereditary_breast_ovarian")
    assert ("BRCA2", 32316473) not in _findings(_germline(tmp_path, *panels))
    assert _findings(_germline(tmp_path, *panels, "--report-vus"))[("BRCA2", 32316473)] == "uncertain_significance"


def test_germline_panels_choose_the_genes_examined(tmp_path):
    assert _findings(_germline(tmp_path, "--panels", "hereditary_breast_ovarian")) == {("BRCA2", 32316470): "pathogenic"}
    # Lynch syndrome: MLH1 is a diagnostic gene, BRCA2 not examined
    doc = _germline(tmp_path, "--panels", "lynch")
    assert [(f["gene"], f["category"], f["classification"]) for f in doc["findings"]] == [
        ("MLH1", "diagnostic", "pathogenic")]


def test_germline_secondary_findings_reports_the_sf_gene_only_with_the_option(tmp_path):
    panels = ("--panels", "hereditary_breast_ovarian")
    assert ("MLH1", 37040201) not in _findings(_germline(tmp_path, *panels))
    doc = _germline(tmp_path, *panels, "--secondary-findings")
    assert [(f["gene"], f["category"]) for f in doc["findings"] if f["gene"] == "MLH1"] == [("MLH1", "secondary")]


def _xlinked_world(d):
    """A synthetic X-linked gene (named GLA, X-linked in the ACMG SF list) on a small chrX: a reference,
    its model (two coding exons, 201 coding bases from ATG to TAA), and a knowledge base whose one panel
    holds it (loss-of-function mechanism), the shipped ACMG SF list and ClinVar table beside."""
    import shutil

    from genotailor.core.paths import GERMLINE_KB

    rng = random.Random(5)
    sense = [a + b + c for a in "ACGT" for b in "ACGT" for c in "ACGT" if a + b + c not in ("TAA", "TAG", "TGA")]
    seq = [rng.choice("ACGT") for _ in range(3000)]
    cds = "ATG" + "".join(rng.choice(sense) for _ in range(65)) + "TAA"  # 201 bases
    seq[1000:1099], seq[2000:2102] = cds[:99], cds[99:]  # exon 1: 1001-1099, exon 2: 2001-2102
    (d / "x.fa").write_text(">chrX\n" + "".join(seq) + "\n")
    pysam.faidx(str(d / "x.fa"))
    attrs = "ID=transcript:ENSTX;Parent=gene:ENSGX;Name=GLA-201;biotype=protein_coding;refseq_nuc=NM_999999.1"
    (d / "x.gff3").write_text("\n".join([
        "##gff-version 3",
        "chrX\tt\tgene\t1001\t2102\t.\t+\t.\tID=gene:ENSGX;Name=GLA;biotype=protein_coding",
        f"chrX\tt\tmRNA\t1001\t2102\t.\t+\t.\t{attrs}",
        "chrX\tt\texon\t1001\t1099\t.\t+\t.\tParent=transcript:ENSTX;rank=1",
        "chrX\tt\tCDS\t1001\t1099\t.\t+\t0\tID=CDS:X;Parent=transcript:ENSTX",
        "chrX\tt\texon\t2001\t2102\t.\t+\t.\tParent=transcript:ENSTX;rank=2",
        "chrX\tt\tCDS\t2001\t2102\t.\t+\t0\tID=CDS:X;Parent=transcript:ENSTX"]) + "\n")
    kb = d / "kb"
    kb.mkdir()
    for name in ("acmg_sf.json", "clinvar.tsv.gz", "clinvar.tsv.gz.tbi", "manifest.json"):
        shutil.copy(GERMLINE_KB / name, kb / name)
    (kb / "panels.yaml").write_text("panels:\n  fabry:\n    title: Fabry disease\n    genes: [GLA]\n"
                                    "    source: test\nmechanism: {GLA: loss_of_function}\n")
    # a one-base deletion in exon 1: a frameshift, a loss-of-function candidate
    ref = "".join(seq[1047:1049])
    line = f"chrX\t1048\t.\t{ref}\t{ref[0]}\t50\tPASS\t.\tGT:DP\t1/1:40"
    write_vcf(d / "x.vcf.gz", [line], contigs=(("chrX", 3000),))
    return d


def test_germline_sex_makes_a_male_hemizygous_and_a_female_homozygous_for_an_x_linked_gene(tmp_path):
    d = _xlinked_world(tmp_path)

    def finding(*sex):
        out = d / f"x{len(list(d.glob('x*.json')))}.json"
        assert main(["germline", "--vcf", str(d / "x.vcf.gz"), "--sample", "S1", "--reference", str(d / "x.fa"),
                     "--models", str(d / "x.gff3"), "--kb", str(d / "kb"), "--panels", "fabry", "--json", str(out),
                     *sex]) == 0
        [f] = json.loads(out.read_text())["findings"]
        return f

    male = finding("--sex", "male")
    assert (male["gene"], male["consequence"], male["classification"], male["zygosity"]) == (
        "GLA", "frameshift_variant", "candidate_needs_expert_review", "hemizygous")
    assert male["meaning"].endswith("hemizygous (male) for an X-linked condition: affected or at risk")
    assert finding()["zygosity"] == "homozygous"  # sex unknown: a 1/1 call stays homozygous
    female = finding("--sex", "female")
    # both X chromosomes carry the frameshift: affected or at risk, not a carrier
    assert (female["zygosity"], female["meaning"].split("; ")[-1]) == (
        "homozygous", "homozygous for an X-linked condition: affected or at risk (a female with the variant on both "
        "X chromosomes is not only a carrier)")


# --- genotailor somatic -----------------------------------------------------------------------------

SOMATIC_HEADER = """##fileformat=VCFv4.2
##FILTER=<ID=PASS,Description="All filters passed">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">
##FORMAT=<ID=VF,Number=A,Type=Float,Description="a caller's own allele fraction tag">
##FORMAT=<ID=RDP,Number=1,Type=Integer,Description="a caller's own depth tag">
##contig=<ID=chr7,length=159345973>
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tN\tT
"""
L858R = "chr7\t55191822\t.\tT\tG\t.\tPASS\t.\tGT:AD\t0/0:110,0\t0/1:140,60"  # VAF 60/200 = 0.3
V600E = "chr7\t140753336\t.\tA\tT\t.\tPASS\t.\tGT:AD\t0/0:90,1\t0/1:100,25"  # VAF 25/125 = 0.2; normal 1/91
V600_SYN = "chr7\t140753335\t.\tC\tT\t.\tPASS\t.\tGT:AD\t0/0:90,0\t0/1:100,40"  # BRAF c.1800G>A p.Val600=
# the coding bases of the panel: EGFR exon 21 (156 bp) + BRAF exon 15 (119 bp) = 275 bp
PANEL = "chr7\t55191685\t55191966\nchr7\t140753239\t140753450\n"
CALLABLE_MB = 0.000275


@pytest.fixture(scope="module")
def tumour(tmp_path_factory):
    d = tmp_path_factory.mktemp("somatic_options")
    (d / "t.vcf").write_text(SOMATIC_HEADER.replace("\\t", "\t") + "\n".join([L858R, V600_SYN, V600E]) + "\n")
    (d / "panel.bed").write_text(PANEL)
    return d


def _somatic(d, *options, tumor_type="LUAD", panel=True, vcf="t.vcf"):
    out = d / f"o{len(list(d.glob('o*.json')))}.json"
    argv = ["somatic", "--vcf", str(d / vcf), "--tumor", "T", "--tumor-type", tumor_type,
            "--reference", str(DEMO_REFERENCE), "--json", str(out), *options]
    if panel:
        argv += ["--panel", str(d / "panel.bed")]
    assert main(argv) == 0
    return json.loads(out.read_text())


def _by_protein(doc):
    return {v["protein_change"]: v for v in doc["somatic"]}


def test_somatic_tumor_type_decides_the_tier_of_egfr_l858r(tumour):
    # LUAD: approved therapies in this tumour type (level A, Tier I); melanoma: an approved therapy
    # in another tumour type only (level C, Tier II)
    lung = _by_protein(_somatic(tumour))["p.L858R"]
    assert (lung["tier"], lung["amp_level"]) == ("I", "A")
    skin = _by_protein(_somatic(tumour, tumor_type="MEL"))["p.L858R"]
    assert (skin["tier"], skin["amp_level"]) == ("II", "C")


def test_somatic_min_callable_mb_decides_whether_tmb_is_assessed(tumour):
    default = _somatic(tumour)["tmb"]
    assert (default["method"], default["callable_mb"], default["per_mb"]) == ("not_assessed", CALLABLE_MB, None)
    # exactly at the minimum: assessed; L858R and V600E over 275 bp
    at = _somatic(tumour, "--min-callable-mb", str(CALLABLE_MB))["tmb"]
    assert (at["method"], at["mutations"], at["per_mb"]) == ("coding_mutations_per_callable_mb", 2,
                                                             round(2 / CALLABLE_MB, 2))


def test_somatic_min_vaf_is_met_exactly_and_excludes_what_lies_below(tumour):
    small = ("--min-callable-mb", "0")
    assert _somatic(tumour, *small)["tmb"]["mutations"] == 2
    assert _somatic(tumour, *small, "--min-vaf", "0.2")["tmb"]["mutations"] == 2  # V600E 25/125 = 0.2
    assert _somatic(tumour, *small, "--min-vaf", "0.21")["tmb"]["mutations"] == 1
    assert _somatic(tumour, *small, "--min-vaf", "0.31")["tmb"]["mutations"] == 0  # L858R 60/200 = 0.3


def test_somatic_min_depth_is_met_exactly_and_excludes_what_lies_below(tumour):
    small = ("--min-callable-mb", "0")
    assert _somatic(tumour, *small, "--min-depth", "125")["tmb"]["mutations"] == 2  # V600E: 125 reads
    assert _somatic(tumour, *small, "--min-depth", "126")["tmb"]["mutations"] == 1
    tmb = _somatic(tumour, *small, "--min-depth", "201")["tmb"]  # L858R: 200 reads
    assert (tmb["mutations"], tmb["thresholds"]["min_depth"]) == (0, 201)


def test_somatic_min_depth_also_bounds_the_territory_by_the_coverage_of_each_region(tumour):
    cov = tumour / "cov.bed"
    cov.write_text("chr7\t55191685\t55191966\tEGFR_ex21\t80.00\nchr7\t140753239\t140753450\tBRAF_ex15\t60.00\n")
    small = ("--min-callable-mb", "0", "--coverage-tumor", str(cov))
    both = _somatic(tumour, *small, panel=False)["tmb"]
    assert (both["callable_mb"], both["mutations"]) == (CALLABLE_MB, 2)
    # BRAF exon 15's mean depth 60 is below 61: only EGFR exon 21's 156 coding bases remain
    egfr = _somatic(tumour, *small, "--min-depth", "61", panel=False)["tmb"]
    assert (egfr["callable_mb"], egfr["mutations"]) == (0.000156, 1)


def test_somatic_count_synonymous_adds_braf_c1800g_a(tumour):
    small = ("--min-callable-mb", "0")
    plain = _somatic(tumour, *small)["tmb"]
    assert (plain["mutations"], plain["counted"]) == (2, "protein-altering")
    syn = _somatic(tumour, *small, "--count-synonymous")["tmb"]
    assert (syn["mutations"], syn["counted"]) == (3, "protein-altering and synonymous")


def test_somatic_normal_gives_the_matched_normal_vaf(tumour):
    assert _by_protein(_somatic(tumour))["p.V600E"]["normal_vaf"] is None
    v = _by_protein(_somatic(tumour, "--normal", "N"))["p.V600E"]
    assert v["normal_vaf"] == round(1 / 91, 4)


def test_somatic_panel_gives_the_tmb_territory(tumour):
    tmb = _somatic(tumour, "--min-callable-mb", "0", panel=False)["tmb"]
    assert (tmb["method"], tmb["mutations"]) == ("not_assessed", None)
    assert tmb["reason"] == "no panel or coverage given: the callable territory is unknown"


def test_somatic_vaf_tags_read_a_callers_own_tags(tumour):
    line = "chr7\t140753336\t.\tA\tT\t.\tPASS\t.\tGT:VF:RDP\t0/0:0.0:90\t0/1:0.2:125"
    (tumour / "own.vcf").write_text(SOMATIC_HEADER.replace("\\t", "\t") + line + "\n")
    plain = _by_protein(_somatic(tumour, vcf="own.vcf"))["p.V600E"]
    assert (plain["vaf"], plain["vaf_source"]) == (None, "none")
    assert plain["vaf_status"].startswith("unreadable: no VAF tag this reader knows for T")
    tagged = _by_protein(_somatic(tumour, "--vaf-tags", "vaf=FORMAT/VF,depth=FORMAT/RDP", vcf="own.vcf"))["p.V600E"]
    assert (tagged["vaf"], tagged["depth"], tagged["vaf_status"]) == (0.2, 125, "read")


# --- genotailor pgx ---------------------------------------------------------------------------------

STAR2 = {94775367: "G", 94781859: "A", 94842866: "G"}  # CYP2C19*2 (PharmVar), with rs3758581 G
STAR17 = {94761900: "T", 94842866: "G"}  # CYP2C19*17
G6PD_A_MINUS = {154535277: "C", 154536002: "T"}  # G6PD A- 202A_376G (c.376A>G + c.202G>A)


def _gene_vcf(path, gene_name, hap1, hap2, dp):
    """A record at every defining position of the gene, FORMAT GT:DP with the given depth."""
    from genotailor.pgx.definitions import load_gene

    gene = load_gene(gene_name)
    lines = []
    for p in sorted(gene.positions, key=lambda p: p.pos):
        a1, a2 = hap1.get(p.pos, p.ref), hap2.get(p.pos, p.ref)
        alts = [a for a in dict.fromkeys([a1, a2]) if a != p.ref] or list(p.alts[:1])
        alleles = [p.ref, *alts]
        lines.append(f"{gene.chrom}\t{p.pos}\t.\t{p.ref}\t{','.join(alts)}\t50\tPASS\t.\tGT:DP\t"
                     f"{alleles.index(a1)}/{alleles.index(a2)}:{dp}")
    return write_vcf(path, lines, contigs=((gene.chrom, None),))


def _pgx(vcf, tmp_path, *options):
    out = tmp_path / f"p{len(list(tmp_path.glob('p*.json')))}.json"
    assert main(["pgx", "--vcf", str(vcf), "--json", str(out), *options]) == 0
    return {r["gene"]: r for r in json.loads(out.read_text())["pgx"]}


def test_pgx_min_depth_is_met_exactly_and_a_genotype_below_it_is_not_used(tmp_path):
    vcf = _gene_vcf(tmp_path / "c.vcf.gz", "CYP2C19", STAR2, STAR17, dp=8)
    r = _pgx(vcf, tmp_path, "--genes", "CYP2C19")["CYP2C19"]  # default --min-depth 8: every genotype at 8 reads
    assert (r["status"], r["diplotype"], r["phenotype"]) == ("called", "*2/*17", "Intermediate Metabolizer")
    r = _pgx(vcf, tmp_path, "--genes", "CYP2C19", "--min-depth", "9")["CYP2C19"]
    assert r["status"] != "called" and r["diplotype"] != "*2/*17"
    assert {m["status"] for m in r["missing_positions"]} == {"low_depth"}


def test_pgx_sex_makes_g6pd_hemizygous_in_a_male(tmp_path):
    vcf = _gene_vcf(tmp_path / "g.vcf.gz", "G6PD", G6PD_A_MINUS, G6PD_A_MINUS, dp=30)
    male = _pgx(vcf, tmp_path, "--genes", "G6PD", "--sex", "male")["G6PD"]
    assert (male["status"], male["diplotype"], male["zygosity"]) == ("called", "A- 202A_376G", "hemizygous")
    unknown = _pgx(vcf, tmp_path, "--genes", "G6PD")["G6PD"]
    assert unknown["diplotype"] != "A- 202A_376G" and unknown.get("zygosity") != "hemizygous"


def test_pgx_genes_chooses_the_genes_reported(tmp_path):
    vcf = _gene_vcf(tmp_path / "c.vcf.gz", "CYP2C19", STAR2, STAR17, dp=30)
    assert list(_pgx(vcf, tmp_path, "--genes", "CYP2C19")) == ["CYP2C19"]
    assert sorted(_pgx(vcf, tmp_path, "--genes", "CYP2C19,TPMT")) == ["CYP2C19", "TPMT"]
    assert len(_pgx(vcf, tmp_path)) > 2


def test_pgx_outside_calls_override_the_vcf_call(tmp_path):
    vcf = _gene_vcf(tmp_path / "c.vcf.gz", "CYP2C19", STAR2, STAR17, dp=30)
    tsv = tmp_path / "outside.tsv"
    tsv.write_text("gene\tdiplotype\tmethod\nCYP2C19\t*1/*1\tTaqMan genotyping\n")
    assert _pgx(vcf, tmp_path, "--genes", "CYP2C19")["CYP2C19"]["diplotype"] == "*2/*17"
    r = _pgx(vcf, tmp_path, "--genes", "CYP2C19", "--outside-calls", str(tsv))["CYP2C19"]
    assert (r["diplotype"], r["source"], r["method"], r["phenotype"]) == (
        "*1/*1", "outside_call", "TaqMan genotyping", "Normal Metabolizer")


# --- genotailor qc ----------------------------------------------------------------------------------


def test_qc_settings_are_the_gates_the_sample_is_judged_by(tmp_path):
    fastp = tmp_path / "f.json"
    # q30: 1,500,000 of 2,000,000 bases = 0.75
    fastp.write_text(json.dumps({
        "summary": {"before_filtering": {"total_reads": 30000},
                    "after_filtering": {"total_reads": 30000, "total_bases": 2_000_000, "q30_bases": 1_500_000}},
        "adapter_cutting": {"adapter_trimmed_reads": 0}, "insert_size": {"peak": 300}}))

    def qc(gates):
        out = tmp_path / f"q{len(list(tmp_path.glob('q*.json')))}.json"
        settings = json.dumps({"gates": {"q30_rate": gates}, "min_locus_depth": 20})
        assert main(["qc", "--sample", "S1", "--settings", settings, "--fastp", str(fastp), "--out", str(out)]) == 0
        return json.loads(out.read_text())["status"]

    assert qc({"warn_below": 0.85, "fail_below": 0.75}) == "warn"  # exactly on fail_below: not failed
    assert qc({"warn_below": 0.9, "fail_below": 0.8}) == "fail"
    assert qc({"warn_below": 0.75, "fail_below": 0.7}) == "pass"  # exactly on warn_below: not warned


# --- genotailor ledger ------------------------------------------------------------------------------
# A synthetic BRCA2 on a small contig, laid out by hand (as tests/test_ledger.py's GENEX):
#   exon 1: CDS 201-400   (+-10: 191-410, 220 bp) reads at 25x
#   exon 2: CDS 1001-1100 (991-1110, 120 bp)      reads at 25x
#   exon 3: CDS 1601-1700 (1591-1710, 120 bp)     reads at 5x
#   exon 4: CDS 2501-2600 (2491-2610, 120 bp)     outside the panel (chrT:1-2000)
# so 340 of 580 territory bases reach 20x (0.5862); without the splice margin 300 of 500 (0.6).

LEDGER_EXONS = [(101, 400), (1001, 1100), (1601, 1800), (2501, 2700)]
LEDGER_CDS = [(201, 400), (1001, 1100), (1601, 1700), (2501, 2600)]


def _reads(path, seq, starts):
    header = {"HD": {"VN": "1.6", "SO": "coordinate"}, "SQ": [{"SN": "chrT", "LN": len(seq)}],
              "RG": [{"ID": "S1", "SM": "S1"}]}
    with pysam.AlignmentFile(str(path), "wb", header=header) as out:
        for i, start in enumerate(sorted(starts)):
            a = pysam.AlignedSegment()
            a.query_name, a.query_sequence, a.flag = f"r{i}", seq[start:start + 100], 0
            a.reference_id, a.reference_start, a.mapping_quality, a.cigarstring = 0, start, 60, "100M"
            a.query_qualities = pysam.qualitystring_to_array("I" * 100)
            a.set_tag("RG", "S1")
            out.write(a)
    pysam.index(str(path))


@pytest.fixture(scope="module")
def ledger_world(tmp_path_factory):
    d = tmp_path_factory.mktemp("ledger_options")
    rng = random.Random(11)
    seq = "".join(rng.choice("ACGT") for _ in range(3000))
    (d / "ref.fa").write_text(">chrT\n" + "\n".join(seq[i:i + 60] for i in range(0, 3000, 60)) + "\n")
    pysam.faidx(str(d / "ref.fa"))
    _reads(d / "S1.bam", seq, [*range(50, 1151, 4), *range(1500, 1701, 20)])
    (d / "panel.bed").write_text("chrT\t0\t2000\n")
    gff = ["##gff-version 3", "chrT\tt\tgene\t101\t2700\t.\t+\t.\tID=gene:G1;Name=BRCA2",
           "chrT\tt\tmRNA\t101\t2700\t.\t+\t.\tID=transcript:T1;Parent=gene:G1;refseq_nuc=NM_000000.1"]
    gff += [f"chrT\tt\texon\t{s}\t{e}\t.\t+\t.\tParent=transcript:T1;rank={r}"
            for r, (s, e) in enumerate(LEDGER_EXONS, start=1)]
    gff += [f"chrT\tt\tCDS\t{s}\t{e}\t.\t+\t0\tParent=transcript:T1" for s, e in LEDGER_CDS]
    (d / "models.gff3").write_text("\n".join(gff) + "\n")
    kb = d / "kb"
    kb.mkdir()
    (kb / "manifest.json").write_text(json.dumps({"clinvar": {"release": "2026-02-26", "gene_coverage": {
        "BRCA2": {"chrom": "chrT", "start": 101, "end": 2700, "records": 40}}}}))
    (kb / "panels.yaml").write_text("panels: {}\nmechanism: {BRCA2: loss_of_function}\n")
    (kb / "acmg_sf.json").write_text(json.dumps({"genes": {}}))
    (d / "qc.json").write_text(json.dumps({
        "sample": "S1", "status": "pass", "metrics": {"q30_rate": 0.95}, "failed_gates": [], "warned_gates": [],
        "gates": [{"metric": "q30_rate", "value": 0.95, "status": "pass", "fail_below": 0.75}]}))
    (d / "sheet.yaml").write_text(
        "patients:\n  P1:\n    sex: female\n    consent: {pharmacogenomics: false, secondary_findings: false}\n"
        f"    indications: [BRCA2]\n    samples:\n      S1:\n        kind: germline\n        bam: {d / 'S1.bam'}\n")
    return d


def _ledger(d, *options):
    out = d / f"l{len(list(d.glob('l[0-9]*')))}" / "P1.ledger.json"
    out.parent.mkdir()
    assert main(["ledger", "--sheet", str(d / "sheet.yaml"), "--patient", "P1", "--reference", str(d / "ref.fa"),
                 "--models", str(d / "models.gff3"), "--germline-kb", str(d / "kb"), "--oncology-kb", str(d),
                 "--pgx-kb", str(d), "--qc", str(d / "qc.json"), "--bam", f"S1={d / 'S1.bam'}",
                 "--panel", f"S1={d / 'panel.bed'}", "--out", str(out), *options]) == 0
    [gene] = [g for g in json.loads(out.read_text())["genes"] if g["gene"] == "BRCA2"]
    return gene


def test_ledger_defaults_give_the_hand_counted_figures(ledger_world):
    g = _ledger(ledger_world)
    assert (g["status"], g["territory_bp"], g["callable_bp"], g["callable_fraction"]) == ("partly", 580, 340, 0.5862)


def test_ledger_germline_min_depth_is_met_exactly_by_25x_and_not_by_26x(ledger_world):
    assert _ledger(ledger_world, "--germline-min-depth", "25")["callable_bp"] == 340
    assert _ledger(ledger_world, "--germline-min-depth", "26")["callable_bp"] == 0
    # at 5x, exon 3's 120 bases count too: 460 of 580
    assert _ledger(ledger_world, "--germline-min-depth", "5")["callable_bp"] == 460


def test_ledger_min_callable_fraction_decides_assessed_or_partly(ledger_world):
    # 340 / 580 = 0.5862...: a minimum of 0.58 is met, 0.59 is not
    assert _ledger(ledger_world, "--min-callable-fraction", "0.58")["status"] == "assessed"
    assert _ledger(ledger_world, "--min-callable-fraction", "0.59")["status"] == "partly"


def test_ledger_splice_margin_sets_the_intronic_bases_of_the_territory(ledger_world):
    g = _ledger(ledger_world, "--splice-margin", "0")
    assert (g["territory_bp"], g["callable_bp"], g["callable_fraction"]) == (500, 300, 0.6)
    g = _ledger(ledger_world, "--splice-margin", "20")
    # each exon +-20: 240 + 140 + 140 + 140 = 660; exons 1 and 2 at 25x (181-420, 981-1120): 380
    assert (g["territory_bp"], g["callable_bp"]) == (660, 380)
