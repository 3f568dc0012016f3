"""Every branch of the VAF reader on small records: missing values, multi-allelic sites, the matched
normal's tags, fractions at 0 and 1, and the exact message of each thing that cannot be read.

Expected values come from the VCF specification and the callers' documented tags, worked by hand:
- VCF 4.2 §1.4.2: Number=R holds one value per allele (REF first), Number=A one per ALT, Number=1
  one value, "." a missing value; so ALT number i (1-based) is value i of an R tag and value i-1 of
  an A tag; a value "." is not a count;
- VAF = alternate reads / the reads of every allele at the site; a VAF is a fraction in [0, 1];
- Strelka2: tier-1 (first) values of AU/CU/GU/TU (SNVs) and TAR/TIR (indels); VarScan: RD reference
  reads with its one-value AD; VarDict: VD of DP; TCGA-style columns: ADT/DPT for the tumour,
  ADC/DPC for the control; PCGR-style INFO: TVAF/TDP tumour, CVAF/CDP control;
- the four-decimal rounding of the report (`round(x, 4)`).
The messages are the reader's documented words (module docstring and `vaf_status` in
workflow/schemas/somatic.schema.json): "unreadable: ..." or "depth unreadable: ...".
"""

from __future__ import annotations

import itertools

import pysam
import pytest

from genotailor.core.errors import InputError
from genotailor.oncology.readcounts import ReadCounts, VafReader, _ints, _number, parse_vaf_tags, read_counts

HEAD = "##fileformat=VCFv4.2\n##contig=<ID=chr7,length=159345973>\n"
_n = itertools.count()
GT = ("GT", 1, "String")


def record(tmp_path, formats, fmt, calls, ref="A", alt="T", infos=(), info="."):
    """One record of a VCF written from header tuples (ID, Number, Type); `calls`: the sample columns
    TUMOR (and NORMAL when two are given)."""
    text = HEAD + "".join(f'##FORMAT=<ID={i},Number={n},Type={t},Description="x">\n' for i, n, t in formats)
    text += "".join(f'##INFO=<ID={i},Number={n},Type={t},Description="x">\n' for i, n, t in infos)
    names = ["TUMOR", "NORMAL"][: len(calls)]
    text += "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(names) + "\n"
    text += "\t".join(["chr7", "140753336", ".", ref, alt, ".", "PASS", info, fmt, *calls]) + "\n"
    path = tmp_path / f"r{next(_n)}.vcf"
    path.write_text(text)
    vf = pysam.VariantFile(str(path))
    return vf, next(iter(vf))


def read(tmp_path, formats, fmt, calls, alt_index=1, role="tumour", tags=None, sample="TUMOR", **kw):
    vf, rec = record(tmp_path, formats, fmt, calls, **kw)
    return VafReader(vf.header, "v.vcf", tags).read(rec, sample, alt_index, role)


def rc(ref, alt, depth, vaf, source, caller, status="read"):
    return ReadCounts(ref, alt, depth, vaf, source, caller, status)


AD_R = ("AD", "R", "Integer")
DP = ("DP", 1, "Integer")
AF_A = ("AF", "A", "Float")


# --- small text parsers ------------------------------------------------------------------------

def test_integer_values_from_text_keep_a_missing_value_in_its_place():
    assert _ints("70,30") == (70, 30)
    assert _ints("10,.,7") == (10, None, 7)
    assert _ints(".,5") == (None, 5)
    assert _ints("5,,7") == (5, None, 7)
    assert _ints((None, 5)) == (None, 5)
    assert _ints(42) == (42,)
    assert _ints(None) is None
    assert _ints("70,x") is None


def test_a_number_is_read_at_its_index_and_missing_past_the_end():
    assert _number((0.25, 0.5)) == 0.25
    assert _number((0.25, 0.5), 1) == 0.5
    assert _number((0.2,), 1) is None
    assert _number("12.5%") == 0.125
    assert _number(".") is None


# --- per-allele read counts ----------------------------------------------------------------------

def test_an_unsplit_multiallelic_ad_gives_the_second_alt_its_reads_over_all_reads(tmp_path):
    got = [read(tmp_path, [GT, AD_R], "GT:AD", ["1/2:10,5,7"], alt="T,C", alt_index=i) for i in (1, 2)]
    # 22 reads: T 5/22 = 0.2273, C 7/22 = 0.3182
    assert got == [rc(10, 5, 22, 0.2273, "FORMAT/AD", None), rc(10, 7, 22, 0.3182, "FORMAT/AD", None)]


def test_the_first_alt_is_read_when_no_alt_number_is_given(tmp_path):
    vf, rec = record(tmp_path, [GT, AD_R], "GT:AD", ["1/2:10,5,7"], alt="T,C")
    assert VafReader(vf.header).read(rec, "TUMOR").alt_reads == 5


def test_adsum_equal_to_the_records_own_reads_changes_nothing(tmp_path):
    # the built-in screen's record: AD of REF and ALT, ADSUM = their sum when no other allele was seen
    adsum = ("ADSUM", 1, "Integer")
    assert read(tmp_path, [GT, AD_R, adsum], "GT:AD:ADSUM", ["0/1:60,40:100"]) == rc(60, 40, 100, 0.4, "FORMAT/AD", None)
    # an unsplit record that also carries ADSUM: its own AD already counts every allele
    assert read(tmp_path, [GT, AD_R, adsum], "GT:AD:ADSUM", ["1/2:10,5,7:22"], alt="T,C", alt_index=2) == \
        rc(10, 7, 22, 0.3182, "FORMAT/AD", None)
    # a split record: 10 REF + 5 ALT, 22 reads at the site
    assert read(tmp_path, [GT, AD_R, adsum], "GT:AD:ADSUM", ["0/1:10,5:22"]) == \
        rc(10, 5, 22, 0.2273, "FORMAT/AD, FORMAT/ADSUM", None)


def test_no_reads_of_either_allele_is_unreadable_not_a_zero_vaf(tmp_path):
    assert read(tmp_path, [GT, AD_R, DP], "GT:AD:DP", ["0/1:0,0:3"]) == rc(
        0, 0, 0, None, "FORMAT/AD", 3, "unreadable: the reference and alternate read counts are both 0")


def test_ad_with_a_missing_reference_count_is_not_read_as_counts(tmp_path):
    # AD ".,5": no REF count, so no depth from AD; the caller's AF (with DP) is read instead
    got = read(tmp_path, [GT, AD_R, AF_A, DP], "GT:AD:AF:DP", ["0/1:.,5:0.1:50"])
    assert got == rc(None, None, 50, 0.1, "FORMAT/AF", 50)


def test_ad_with_one_value_for_two_alleles_is_not_read_as_counts(tmp_path):
    got = read(tmp_path, [GT, ("AD", ".", "Integer"), AF_A, DP], "GT:AD:AF:DP", ["0/1:10:0.1:50"])
    assert got == rc(None, None, 50, 0.1, "FORMAT/AF", 50)


def test_ad_declared_with_a_fixed_count_of_two_is_still_per_allele(tmp_path):
    assert read(tmp_path, [GT, ("AD", 2, "Integer")], "GT:AD", ["0/1:75,25"]) == rc(75, 25, 100, 0.25, "FORMAT/AD", None)


# --- Strelka2 -------------------------------------------------------------------------------------

BASES = [("AU", 2, "Integer"), ("CU", 2, "Integer"), ("GU", 2, "Integer"), ("TU", 2, "Integer")]
TIERS = [("TAR", 2, "Integer"), ("TIR", 2, "Integer")]


def test_strelka_snv_with_no_reference_count_is_not_read(tmp_path):
    got = read(tmp_path, [DP, *BASES], "DP:AU:CU:GU:TU", ["60:.,.:0,0:0,0:15,16"])
    assert got.vaf is None and got.vaf_source == "none" and got.caller_depth == 60


def test_an_indel_with_base_counts_is_read_from_its_indel_tiers(tmp_path):
    got = read(tmp_path, [DP, *BASES, *TIERS], "DP:AU:CU:GU:TU:TAR:TIR", ["80:5,5:0,0:0,0:0,0:60,62:20,21"],
               ref="AC", alt="A")
    assert got == rc(60, 20, 80, 0.25, "Strelka2 tier-1 counts", 80)


def test_strelka_indel_needs_both_tiers(tmp_path):
    only_tar = read(tmp_path, [DP, TIERS[0], AF_A], "DP:TAR:AF", ["80:60,62:0.2"], ref="AC", alt="A")
    assert only_tar == rc(None, None, 80, 0.2, "FORMAT/AF", 80)
    no_tir = read(tmp_path, [DP, *TIERS, AF_A], "DP:TAR:TIR:AF", ["80:60,62:.,.:0.2"], ref="AC", alt="A")
    assert no_tir == rc(None, None, 80, 0.2, "FORMAT/AF", 80)


# --- VarScan ----------------------------------------------------------------------------------------

FREQ = ("FREQ", 1, "String")


def test_varscan_without_rd_reads_its_freq(tmp_path):
    got = read(tmp_path, [GT, ("AD", 1, "Integer"), FREQ, DP], "GT:AD:FREQ:DP", ["0/1:12:12.5%:96"])
    assert got == rc(None, None, 96, 0.125, "VarScan FREQ", 96)


def test_varscan_rd_without_ad_reads_its_freq(tmp_path):
    got = read(tmp_path, [GT, ("RD", 1, "Integer"), FREQ, DP], "GT:RD:FREQ:DP", ["0/1:84:12.5%:96"])
    assert got == rc(None, None, 96, 0.125, "VarScan FREQ", 96)


def test_varscan_with_a_missing_rd_reads_its_freq(tmp_path):
    got = read(tmp_path, [GT, ("RD", 1, "Integer"), ("AD", 1, "Integer"), FREQ, DP], "GT:RD:AD:FREQ:DP",
               ["0/1:.:12:12.5%:96"])
    assert got == rc(None, None, 96, 0.125, "VarScan FREQ", 96)


def test_varscan_freq_without_dp_says_the_depth_is_unreadable(tmp_path):
    got = read(tmp_path, [GT, FREQ], "GT:FREQ", ["0/1:12.5%"])
    assert got == rc(None, None, None, 0.125, "VarScan FREQ", None, "depth unreadable: VarScan FREQ without FORMAT/DP")


# --- VarDict and FORMAT/AF ---------------------------------------------------------------------------

def test_vardict_vd_of_dp_at_four_decimals_with_dp_as_the_callers_depth(tmp_path):
    got = read(tmp_path, [GT, DP, ("VD", 1, "Integer")], "GT:DP:VD", ["0/1:3:1"])
    assert got == rc(None, 1, 3, 0.3333, "VarDict VD/DP", 3)  # 1/3 = 0.33333...


def test_af_of_each_alt_of_a_multiallelic_record(tmp_path):
    got = [read(tmp_path, [GT, AF_A, DP], "GT:AF:DP", ["1/2:0.1,0.2:80"], alt="T,C", alt_index=i) for i in (1, 2)]
    assert got == [rc(None, None, 80, 0.1, "FORMAT/AF", 80), rc(None, None, 80, 0.2, "FORMAT/AF", 80)]


@pytest.mark.parametrize(("af", "vaf"), [("0", 0.0), ("1", 1.0), ("0.123456", 0.1235)])
def test_an_af_from_zero_to_one_is_a_vaf_at_four_decimals(tmp_path, af, vaf):
    assert read(tmp_path, [GT, AF_A, DP], "GT:AF:DP", [f"0/1:{af}:40"]) == rc(None, None, 40, vaf, "FORMAT/AF", 40)


def test_an_af_above_one_is_not_a_fraction(tmp_path):
    assert read(tmp_path, [GT, AF_A, DP], "GT:AF:DP", ["0/1:1.5:40"]) == rc(
        None, None, 40, None, "FORMAT/AF", 40, "unreadable: FORMAT/AF is 1.5, not a fraction between 0 and 1")


def test_without_any_known_tag_the_message_lists_the_format_tags_present(tmp_path):
    got = read(tmp_path, [GT, DP, ("XC", 1, "Integer")], "GT:DP:XC", ["0/1:40:7"])
    assert got == rc(None, None, 40, None, "none", 40,
                     "unreadable: no VAF tag this reader knows for TUMOR (FORMAT here: DP, XC; known: FORMAT AD, AF, "
                     "DP, Strelka2 AU/CU/GU/TU and TAR/TIR, VarScan RD/FREQ, VarDict VD, ADT/DPT (ADC/DPC); "
                     "INFO TVAF/TDP (CVAF/CDP)) — name the tags in the sample sheet's vaf_tags")


# --- tumour and control columns (TCGA-style FORMAT, PCGR-style INFO) --------------------------------

TCGA = [GT, ("ADT", "R", "Integer"), ("DPT", 1, "Integer"), ("ADC", "R", "Integer"), ("DPC", 1, "Integer")]


def test_tcga_columns_give_the_tumour_adt_and_the_control_adc(tmp_path):
    vf, rec = record(tmp_path, TCGA, "GT:ADT:DPT:ADC:DPC", ["0/1:60,40:101:50,1:52"])
    reader = VafReader(vf.header)
    assert reader.read(rec, "TUMOR", 1, "tumour") == rc(60, 40, 100, 0.4, "FORMAT/ADT", 101)
    assert reader.read(rec, "TUMOR", 1, "normal") == rc(50, 1, 51, 0.0196, "FORMAT/ADC", 52)
    assert read_counts(rec, "TUMOR") == rc(60, 40, 100, 0.4, "FORMAT/ADT", 101)  # the tumour by default


def test_tcga_adt_without_dpt_has_no_callers_depth(tmp_path):
    assert read(tmp_path, TCGA[:2], "GT:ADT", ["0/1:60,40"]) == rc(60, 40, 100, 0.4, "FORMAT/ADT", None)


def test_tcga_adt_with_a_missing_reference_count_or_one_value_is_not_read(tmp_path):
    formats = [GT, ("ADT", ".", "Integer"), ("DPT", 1, "Integer")]
    for value in (".,40", "40"):
        got = read(tmp_path, formats, "GT:ADT:DPT", [f"0/1:{value}:100"])
        assert (got.vaf, got.vaf_source) == (None, "none")


PCGR = [("TVAF", "A", "Float"), ("TDP", 1, "Integer"), ("CVAF", "A", "Float"), ("CDP", 1, "Integer")]


def test_pcgr_info_gives_the_tumour_tvaf_and_the_control_cvaf_per_alt(tmp_path):
    vf, rec = record(tmp_path, [GT, DP], "GT:DP", ["1/2:90"], alt="T,C", infos=PCGR,
                     info="TVAF=0.1,0.3;TDP=88;CVAF=0.01,0.02;CDP=40")
    reader = VafReader(vf.header)
    assert [reader.read(rec, "TUMOR", i) for i in (1, 2)] == [rc(None, None, 88, 0.1, "INFO/TVAF", 90),
                                                              rc(None, None, 88, 0.3, "INFO/TVAF", 90)]
    assert reader.read(rec, "TUMOR", 2, "normal") == rc(None, None, 40, 0.02, "INFO/CVAF", 90)


def test_pcgr_tvaf_without_its_depth_says_which_depth_tag_is_missing(tmp_path):
    undeclared = read(tmp_path, [GT], "GT", ["0/1"], infos=PCGR[:1], info="TVAF=0.3")
    assert undeclared == rc(None, None, None, 0.3, "INFO/TVAF", None, "depth unreadable: INFO/TVAF without INFO/TDP")
    absent = read(tmp_path, [GT], "GT", ["0/1"], infos=PCGR[:2], info="TVAF=0.3")
    assert absent == undeclared


# --- tags named by the user ----------------------------------------------------------------------

def test_named_per_allele_and_per_alt_tags_are_read_at_the_alts_own_index(tmp_path):
    formats = [GT, ("XAD", "R", "Integer"), ("XAF", "A", "Float"), ("XDP", 1, "Integer"), DP]
    tags_a = parse_vaf_tags("vaf=FORMAT/XAF,depth=FORMAT/XDP", "t")
    tags_r = parse_vaf_tags("alt_reads=FORMAT/XAD,depth=FORMAT/XDP", "t")
    call = ["1/2:10,20,30:0.25,0.5:60:61"]
    assert read(tmp_path, formats, "GT:XAD:XAF:XDP:DP", call, alt="T,C", alt_index=2, tags=tags_a) == rc(
        None, None, 60, 0.5, "vaf_tags FORMAT/XAF, FORMAT/XDP", 61)
    assert read(tmp_path, formats, "GT:XAD:XAF:XDP:DP", call, alt="T,C", alt_index=2, tags=tags_r) == rc(
        None, 30, 60, 0.5, "vaf_tags FORMAT/XAD, FORMAT/XDP", 61)
    assert read(tmp_path, formats, "GT:XAD:XAF:XDP:DP", call, alt="T,C", alt_index=1, tags=tags_r) == rc(
        None, 20, 60, 0.3333, "vaf_tags FORMAT/XAD, FORMAT/XDP", 61)


def test_a_named_info_tag_per_alt_is_read_at_the_alts_index(tmp_path):
    tags = parse_vaf_tags("vaf=INFO/XAF,depth=INFO/XDP", "t")
    got = read(tmp_path, [GT], "GT", ["1/2"], alt="T,C", alt_index=2, tags=tags,
               infos=[("XAF", "A", "Float"), ("XDP", 1, "Integer")], info="XAF=0.125,0.375;XDP=64")
    assert got == rc(None, None, 64, 0.375, "vaf_tags INFO/XAF, INFO/XDP", None)


def test_a_named_tag_of_unfixed_length_is_read_at_its_first_value(tmp_path):
    tags = parse_vaf_tags("vaf=FORMAT/XAF,depth=FORMAT/XDP", "t")
    got = read(tmp_path, [GT, ("XAF", ".", "Float"), ("XDP", 1, "Integer")], "GT:XAF:XDP", ["0/1:0.2,0.9:50"],
               tags=tags)
    assert got == rc(None, None, 50, 0.2, "vaf_tags FORMAT/XAF, FORMAT/XDP", None)


def test_a_named_vaf_is_taken_as_given_beside_named_reads(tmp_path):
    tags = parse_vaf_tags("vaf=FORMAT/XAF,alt_reads=FORMAT/XAD,depth=FORMAT/XDP", "t")
    formats = [GT, ("XAF", "A", "Float"), ("XAD", "A", "Integer"), ("XDP", 1, "Integer")]
    got = read(tmp_path, formats, "GT:XAF:XAD:XDP", ["0/1:0.3:10:50"], tags=tags)
    assert got == rc(None, 10, 50, 0.3, "vaf_tags FORMAT/XAF, FORMAT/XAD, FORMAT/XDP", None)


def test_a_named_tag_without_a_value_names_only_the_missing_tag(tmp_path):
    tags = parse_vaf_tags("vaf=FORMAT/XAF,depth=FORMAT/XDP", "t")
    formats = [GT, ("XAF", "A", "Float"), ("XDP", 1, "Integer"), DP]
    got = read(tmp_path, formats, "GT:XAF:XDP:DP", ["0/1:.:50:51"], tags=tags)
    assert got == rc(None, None, 50, None, "vaf_tags FORMAT/XAF, FORMAT/XDP", 51,
                     "unreadable: no value of FORMAT/XAF in this record")
    reads = parse_vaf_tags("alt_reads=FORMAT/XAD,depth=FORMAT/XDP", "t")
    got = read(tmp_path, [GT, ("XAD", "A", "Integer"), ("XDP", 1, "Integer")], "GT:XAD:XDP", ["0/1:12:."], tags=reads)
    assert got == rc(None, 12, None, None, "vaf_tags FORMAT/XAD, FORMAT/XDP", None,
                     "unreadable: no value of FORMAT/XDP in this record")


def test_a_named_vaf_without_a_depth_tag_says_so(tmp_path):
    tags = {"vaf": "FORMAT/XAF"}
    got = read(tmp_path, [GT, ("XAF", "A", "Float"), DP], "GT:XAF:DP", ["0/1:0.4:70"], tags=tags)
    assert got == rc(None, None, None, 0.4, "vaf_tags FORMAT/XAF", 70,
                     "depth unreadable: vaf_tags FORMAT/XAF without a depth tag")


def test_a_named_vaf_above_one_is_not_a_fraction(tmp_path):
    tags = parse_vaf_tags("vaf=FORMAT/XAF,depth=FORMAT/XDP", "t")
    got = read(tmp_path, [GT, ("XAF", "A", "Float"), ("XDP", 1, "Integer"), DP], "GT:XAF:XDP:DP", ["0/1:2:50:51"],
               tags=tags)
    assert got == rc(None, None, 50, None, "vaf_tags FORMAT/XAF, FORMAT/XDP", 51,
                     "unreadable: vaf_tags FORMAT/XAF, FORMAT/XDP is 2.0, not a fraction between 0 and 1")


def test_a_named_tag_of_a_vcf_without_tags_of_that_kind_says_none_are_defined(tmp_path):
    vf, _ = record(tmp_path, [GT], "GT", ["0/1"])
    with pytest.raises(InputError) as e:
        VafReader(vf.header, "t.vcf", {"vaf": "INFO/TVAF"})
    assert str(e.value) == ("VCF t.vcf: vaf_tags vaf: INFO/TVAF is not defined in the VCF header (INFO tags defined: "
                            "none) — name a tag of this VCF in the sample sheet's vaf_tags (or --vaf-tags)")


# --- the tag names the user writes ----------------------------------------------------------------------

@pytest.mark.parametrize(("text", "message"), [
    ("vaf", "t: 'vaf' is not KEY=TAG — write e.g. vaf=INFO/TVAF,depth=INFO/TDP"),
    ("vaf==INFO/TVAF,depth=INFO/TDP",
     "t: vaf: '=INFO/TVAF' is not INFO/NAME or FORMAT/NAME — e.g. vaf: INFO/TVAF, depth: INFO/TDP"),
    ("freq=INFO/F,vaf=TVAF",
     "t: 'freq' is not one of vaf, depth, alt_reads; vaf: 'TVAF' is not INFO/NAME or FORMAT/NAME"
     " — e.g. vaf: INFO/TVAF, depth: INFO/TDP"),
    ("depth=INFO/TDP",
     "t: name vaf (with depth), or alt_reads and depth — e.g. vaf: INFO/TVAF, depth: INFO/TDP"),
])
def test_tag_names_that_cannot_be_used_are_refused_with_every_problem_named(text, message):
    with pytest.raises(InputError) as e:
        parse_vaf_tags(text, "t")
    assert str(e.value) == message


def test_a_bad_tag_name_is_reported_for_itself_not_as_a_missing_vaf():
    with pytest.raises(InputError) as e:
        parse_vaf_tags({"depth": "TDP"}, "t")
    assert str(e.value) == "t: depth: 'TDP' is not INFO/NAME or FORMAT/NAME — e.g. vaf: INFO/TVAF, depth: INFO/TDP"


def test_a_named_tag_of_unfixed_length_is_read_at_its_first_value_for_any_alt(tmp_path):
    tags = parse_vaf_tags("vaf=FORMAT/XAF,depth=FORMAT/XDP", "t")
    got = read(tmp_path, [GT, ("XAF", ".", "Float"), ("XDP", 1, "Integer")], "GT:XAF:XDP", ["1/2:0.2,0.9:50"],
               alt="T,C", alt_index=2, tags=tags)
    assert got.vaf == 0.2


def test_every_named_tag_without_a_value_is_named(tmp_path):
    tags = parse_vaf_tags("vaf=FORMAT/XAF,depth=FORMAT/XDP", "t")
    got = read(tmp_path, [GT, ("XAF", "A", "Float"), ("XDP", 1, "Integer")], "GT:XAF:XDP", ["0/1:.:."], tags=tags)
    assert got.vaf_status == "unreadable: no value of FORMAT/XAF, FORMAT/XDP in this record"
