"""VAF and depth from every common caller's tags, tags named by the sample sheet for anything else,
and an unreadable VAF marked as such (JSON, report) and counted by TMB as not counted.

Each expected VAF is computed by hand from the fixture's numbers, by the caller's documented meaning
of its tags (Strelka2: tier-1 counts; VarScan: RD reference reads, AD variant reads, FREQ percent;
VarDict: VD variant reads of DP; PCGR: INFO TVAF/TDP tumour allele fraction and depth)."""

import json
from types import SimpleNamespace

import pysam
import pytest

from conftest import DEMO_REFERENCE, write_vcf
from genotailor.core.errors import InputError, SheetError
from genotailor.core.paths import HOTSPOTS, ONCOLOGY_KB, TRANSCRIPT_MODELS
from genotailor.core.samplesheet import load_sheet
from genotailor.core.vcf import normalize_vcf
from genotailor.oncology.readcounts import VafReader, parse_vaf_tags
from genotailor.oncology.run import run_somatic
from genotailor.oncology.tmb import TmbSettings
from genotailor.report.sections import somatic as somatic_section

BRAF_V600E = ("140753336", "A", "T")  # NM_004333.6:c.1799T>A p.Val600Glu, GRCh38
# EGFR NM_005228.5:c.2573T>G p.Leu858Arg is chr7:55191822 T>G (GRCh38)
CHR7 = 159345973


def header_lines(formats=(), infos=()):
    return "\n".join([f'##FORMAT=<ID={i},Number={n},Type={t},Description="{i}">' for i, n, t in formats]
                     + [f'##INFO=<ID={i},Number={n},Type={t},Description="{i}">' for i, n, t in infos])


def tumour_vcf(path, formats, fmt, call, info=".", infos=(), site=BRAF_V600E):
    pos, ref, alt = site
    lines = [f"chr7\t{pos}\t.\t{ref}\t{alt}\t50\tPASS\t{info}\t{fmt}\t{call}"]
    return write_vcf(path, lines, samples=("T",), extra_header=header_lines(formats, infos),
                     contigs=(("chr7", CHR7),))


def read(path, tags=None):
    with pysam.VariantFile(str(path)) as vf:
        rec = next(iter(vf))
        rc = VafReader(vf.header, path, tags).read(rec, "T", 1)
    return rc


def somatic(vcf, **kw):
    return run_somatic(vcf, "T", "MEL", DEMO_REFERENCE, TRANSCRIPT_MODELS, ONCOLOGY_KB, HOTSPOTS, TmbSettings(), **kw)


# --- each caller's convention ---------------------------------------------------------------------


def test_strelka2_snv_vaf_is_tier1_alt_over_tier1_ref_plus_alt(tmp_path):
    counts = [(b, 2, "Integer") for b in ("AU", "CU", "GU", "TU")] + [("DP", 1, "Integer")]
    # REF A, ALT T: tier-1 AU 90, TU 30 -> 30 / (90 + 30) = 0.25 over 120 reads (tier 2 ignored)
    rc = read(tumour_vcf(tmp_path / "s.vcf", counts, "DP:AU:CU:GU:TU", "124:90,93:0,0:2,2:30,31"))
    assert (rc.vaf, rc.depth, rc.alt_reads, rc.vaf_source, rc.caller_depth) == (0.25, 120, 30,
                                                                              "Strelka2 tier-1 counts", 124)


def test_strelka2_indel_vaf_is_tir_over_tar_plus_tir(tmp_path):
    formats = [("DP", 1, "Integer"), ("TAR", 2, "Integer"), ("TIR", 2, "Integer")]
    # TIR 12, TAR 36 -> 12 / 48 = 0.25
    rc = read(tumour_vcf(tmp_path / "s.vcf", formats, "DP:TAR:TIR", "50:36,37:12,12",
                         site=("140753335", "CA", "C")))
    assert (rc.vaf, rc.depth, rc.alt_reads, rc.vaf_source) == (0.25, 48, 12, "Strelka2 tier-1 counts")


def test_varscan_reads_rd_and_its_one_value_ad(tmp_path):
    formats = [("GT", 1, "String"), ("DP", 1, "Integer"), ("RD", 1, "Integer"), ("AD", 1, "Integer"),
               ("FREQ", 1, "String")]
    # RD 150 reference reads, AD 50 variant reads -> 50 / 200 = 0.25 (FREQ 25% agrees)
    rc = read(tumour_vcf(tmp_path / "v.vcf", formats, "GT:DP:RD:AD:FREQ", "0/1:201:150:50:25%"))
    assert (rc.vaf, rc.depth, rc.ref_reads, rc.alt_reads, rc.vaf_source) == (0.25, 200, 150, 50, "VarScan RD/AD")


def test_varscan_freq_percent_with_dp_when_counts_are_absent(tmp_path):
    formats = [("GT", 1, "String"), ("DP", 1, "Integer"), ("FREQ", 1, "String")]
    rc = read(tumour_vcf(tmp_path / "v.vcf", formats, "GT:DP:FREQ", "0/1:80:12.5%"))
    assert (rc.vaf, rc.depth, rc.vaf_source, rc.vaf_status) == (0.125, 80, "VarScan FREQ", "read")


def test_vardict_vd_over_dp_without_ad(tmp_path):
    formats = [("GT", 1, "String"), ("DP", 1, "Integer"), ("VD", 1, "Integer"), ("AF", "A", "Float")]
    # VD 24 of DP 200 -> 0.12
    rc = read(tumour_vcf(tmp_path / "v.vcf", formats, "GT:DP:VD:AF", "0/1:200:24:0.12"))
    assert (rc.vaf, rc.depth, rc.alt_reads, rc.vaf_source) == (0.12, 200, 24, "VarDict VD/DP")


def test_dragen_ad_af_dp_uses_the_read_counts(tmp_path):
    formats = [("GT", 1, "String"), ("AD", "R", "Integer"), ("AF", "A", "Float"), ("DP", 1, "Integer")]
    # AD 120,40 -> 40 / 160 = 0.25
    rc = read(tumour_vcf(tmp_path / "d.vcf", formats, "GT:AD:AF:DP", "0/1:120,40:0.251:163"))
    assert (rc.vaf, rc.depth, rc.vaf_source, rc.caller_depth) == (0.25, 160, "FORMAT/AD", 163)


def test_mutect2_af_alone_gives_the_vaf_and_says_the_depth_is_unreadable(tmp_path):
    rc = read(tumour_vcf(tmp_path / "m.vcf", [("GT", 1, "String"), ("AF", "A", "Float")], "GT:AF", "0/1:0.31"))
    assert (rc.vaf, rc.depth, rc.vaf_source, rc.vaf_status) == (
        0.31, None, "FORMAT/AF", "depth unreadable: FORMAT/AF without FORMAT/DP")


TCGA_FORMATS = [("GT", 1, "String"), ("ADT", ".", "String"), ("DPT", 1, "Integer")]
TCGA_INFOS = [("TVAF", 1, "Float"), ("TDP", 1, "Integer")]


def test_tcga_style_adt_dpt_are_the_tumours_ref_and_alt_depths(tmp_path):
    # ADT 120,30 -> 30 / 150 = 0.2; DPT 152 is the caller's depth
    rc = read(tumour_vcf(tmp_path / "t.vcf", TCGA_FORMATS, "GT:ADT:DPT", "0/1:120,30:152",
                         info="TVAF=0.197;TDP=152", infos=TCGA_INFOS))
    assert (rc.vaf, rc.depth, rc.alt_reads, rc.vaf_source, rc.caller_depth) == (0.2, 150, 30, "FORMAT/ADT", 152)


def test_pcgr_style_info_tvaf_tdp(tmp_path):
    rc = read(tumour_vcf(tmp_path / "p.vcf", [("GT", 1, "String")], "GT", "0/1", info="TVAF=0.31;TDP=200",
                         infos=TCGA_INFOS))
    assert (rc.vaf, rc.depth, rc.vaf_source, rc.vaf_status) == (0.31, 200, "INFO/TVAF", "read")


def test_a_tcga_style_braf_v600e_gets_its_vaf_and_depth_in_the_somatic_json(tmp_path):
    vcf = tumour_vcf(tmp_path / "t.vcf", TCGA_FORMATS, "GT:ADT:DPT", "0/1:120,30:152", info="TVAF=0.197;TDP=152",
                     infos=TCGA_INFOS)
    [v] = somatic(vcf)["somatic"]
    assert (v["protein_change"], v["tier"], v["vaf"], v["depth"], v["vaf_source"], v["vaf_status"]) == (
        "p.V600E", "I", 0.2, 150, "FORMAT/ADT", "read")


# --- tags the sample sheet names ------------------------------------------------------------------

MY_INFOS = [("MYVAF", "A", "Float"), ("MYDP", 1, "Integer")]


def test_sheet_named_tags_are_read_and_named_as_the_source(tmp_path):
    vcf = tumour_vcf(tmp_path / "n.vcf", [("GT", 1, "String")], "GT", "0/1", info="MYVAF=0.42;MYDP=88",
                     infos=MY_INFOS)
    tags = parse_vaf_tags("vaf=INFO/MYVAF,depth=INFO/MYDP", "--vaf-tags")
    [v] = somatic(vcf, vaf_tags=tags)["somatic"]
    assert (v["vaf"], v["depth"], v["vaf_source"], v["vaf_status"]) == (0.42, 88, "vaf_tags INFO/MYVAF, INFO/MYDP",
                                                                       "read")
    [unnamed] = somatic(vcf)["somatic"]  # without the names the same record's VAF is unreadable
    assert unnamed["vaf"] is None


def test_alt_reads_and_depth_tags_give_their_ratio(tmp_path):
    formats = [("GT", 1, "String"), ("NV", 1, "Integer"), ("NR", 1, "Integer")]  # Platypus-style
    rc = read(tumour_vcf(tmp_path / "n.vcf", formats, "GT:NV:NR", "0/1:18:72"),
              parse_vaf_tags({"alt_reads": "FORMAT/NV", "depth": "FORMAT/NR"}, "sheet"))
    assert (rc.vaf, rc.depth, rc.alt_reads) == (0.25, 72, 18)


def test_a_named_tag_the_vcf_header_does_not_define_is_refused(tmp_path):
    vcf = tumour_vcf(tmp_path / "n.vcf", [("GT", 1, "String")], "GT", "0/1", info="MYVAF=0.42;MYDP=88",
                     infos=MY_INFOS)
    with pytest.raises(InputError) as e:
        somatic(vcf, vaf_tags={"vaf": "INFO/TVAF", "depth": "INFO/MYDP"})
    assert str(e.value) == (f"VCF {vcf}: vaf_tags vaf: INFO/TVAF is not defined in the VCF header (INFO tags defined: "
                            "MYDP, MYVAF) — name a tag of this VCF in the sample sheet's vaf_tags (or --vaf-tags)")


def test_a_malformed_cli_tag_is_refused():
    with pytest.raises(InputError) as e:
        parse_vaf_tags("vaf=TVAF", "--vaf-tags")
    assert str(e.value) == "--vaf-tags: vaf: 'TVAF' is not INFO/NAME or FORMAT/NAME — e.g. vaf: INFO/TVAF, depth: INFO/TDP"


SHEET = """patients:
  P1:
    sex: female
    tumor_type: MEL
    consent: {{pharmacogenomics: true, secondary_findings: false}}
    samples:
      T:
        kind: tumor
        vcf: t.vcf
        vaf_tags: {tags}
"""


def test_the_sample_sheet_carries_vaf_tags_to_the_command_line(tmp_path):
    tumour_vcf(tmp_path / "t.vcf", [("GT", 1, "String")], "GT", "0/1", info="MYVAF=0.42;MYDP=88", infos=MY_INFOS)
    sheet = tmp_path / "samples.yaml"
    sheet.write_text(SHEET.format(tags="{vaf: INFO/MYVAF, depth: INFO/MYDP}"))
    [sample] = load_sheet(sheet).samples()
    assert sample.vaf_tags_text == "vaf=INFO/MYVAF,depth=INFO/MYDP"


def test_the_sample_sheet_names_a_tag_its_vcf_does_not_define(tmp_path):
    vcf = tumour_vcf(tmp_path / "t.vcf", [("GT", 1, "String")], "GT", "0/1", info="MYVAF=0.42;MYDP=88",
                     infos=MY_INFOS)
    sheet = tmp_path / "samples.yaml"
    sheet.write_text(SHEET.format(tags="{vaf: INFO/TVAF, depth: INFO/MYDP}"))
    with pytest.raises(SheetError) as e:
        load_sheet(sheet)
    assert e.value.problems == [f"patient P1 / sample T / vaf_tags / field vaf: INFO/TVAF is not defined in the header of "
                                f"{vcf} (its INFO tags: MYDP, MYVAF) — name a tag of that VCF"]


def test_the_hand_off_vcf_keeps_the_tags_the_vaf_is_read_from(tmp_path):
    vcf = tumour_vcf(tmp_path / "t.vcf", TCGA_FORMATS, "GT:ADT:DPT", "0/1:120,30:152", info="TVAF=0.197;TDP=152",
                     infos=TCGA_INFOS)
    out = tmp_path / "calls" / "T.vcf.gz"
    normalize_vcf(vcf, "T", None, DEMO_REFERENCE, out)
    [v] = somatic(out)["somatic"]
    assert (v["vaf"], v["depth"], v["vaf_source"]) == (0.2, 150, "FORMAT/ADT")


# --- unreadable: marked, shown and counted --------------------------------------------------------


def test_an_unreadable_vaf_is_marked_and_tmb_says_it_could_not_count_it(tmp_path):
    # L858R with AD 140,60 (VAF 0.3 over 200 reads) counts; V600E with a bare genotype cannot be counted
    lines = ["chr7\t55191822\t.\tT\tG\t50\tPASS\t.\tGT:AD\t0/1:140,60",
             "chr7\t140753336\t.\tA\tT\t50\tPASS\t.\tGT\t0/1"]
    vcf = write_vcf(tmp_path / "u.vcf", lines, samples=("T",), extra_header=header_lines([("AD", "R", "Integer")]),
                    contigs=(("chr7", CHR7),))
    panel = tmp_path / "panel.bed"  # BRAF exon 15 and EGFR exon 21
    panel.write_text("chr7\t55191685\t55191966\nchr7\t140753239\t140753450\n")
    doc = somatic(vcf, panel=panel)
    braf = {v["gene"]: v for v in doc["somatic"]}["BRAF"]
    assert (braf["vaf"], braf["depth"], braf["vaf_source"]) == (None, None, "none")
    assert braf["vaf_status"].startswith("unreadable: no VAF tag this reader knows for T (FORMAT here: GT only; ")
    assert (doc["tmb"]["mutations"], doc["tmb"]["uncounted_no_vaf"]) == (1, 1)


def test_the_report_says_vaf_not_readable_not_a_dash():
    v = {"sample": "T", "gene": "BRAF", "protein_change": "p.V600E", "hgvs_c": "c.1799T>A", "chrom": "chr7",
         "pos": 140753336, "ref": "A", "alt": "T", "tier": "I", "vaf": None, "depth": None,
         "vaf_status": "unreadable: no VAF tag", "therapies": []}
    patient = SimpleNamespace(samples=[SimpleNamespace(id="T", kind="tumor")])
    tmb = {"per_mb": 4.0, "uncounted_no_vaf": 2}
    lines = somatic_section.summarize({"somatic": [v], "tmb": tmb}, patient)
    text = json.dumps(lines, ensure_ascii=False)
    assert "BRAF p.V600E — Tier I, VAF not readable in T" in text
    assert ("Tumour mutational burden: 4.0 mutations/Mb; 2 coding variants in the callable territory could not be "
            "counted in the TMB: VAF or depth not readable from the VCF; the TMB is a lower bound.") in text


def test_named_format_tags_are_read_for_the_normal_too_info_tags_only_for_the_tumour(tmp_path):
    head = header_lines([("GT", 1, "String"), ("NV", 1, "Integer"), ("NR", 1, "Integer"), ("AD", "R", "Integer")],
                        [("MYVAF", 1, "Float")])
    line = "chr7\t140753336\t.\tA\tT\t50\tPASS\tMYVAF=0.3\tGT:NV:NR:AD\t0/0:2:80:78,2\t0/1:18:72:54,18"
    vcf = write_vcf(tmp_path / "tn.vcf", [line], samples=("N", "T"), extra_header=head, contigs=(("chr7", CHR7),))
    with pysam.VariantFile(str(vcf)) as vf:
        rec = next(iter(vf))
        fmt = VafReader(vf.header, vcf, {"alt_reads": "FORMAT/NV", "depth": "FORMAT/NR"})
        info = VafReader(vf.header, vcf, {"vaf": "INFO/MYVAF"})
        # normal: NV 2 of NR 80 = 0.025 by the named tags; by convention (AD 78,2) 2 / 80 = 0.025 as well
        assert (fmt.read(rec, "N", 1, "normal").vaf, fmt.read(rec, "N", 1, "normal").vaf_source) == (
            0.025, "vaf_tags FORMAT/NV, FORMAT/NR")
        assert (info.read(rec, "N", 1, "normal").vaf, info.read(rec, "N", 1, "normal").vaf_source) == (
            0.025, "FORMAT/AD")
        assert info.read(rec, "T", 1).vaf == 0.3
