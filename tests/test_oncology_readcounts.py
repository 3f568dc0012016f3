"""VAF and depth computed the same way from Mutect2-, Strelka2-, DRAGEN- and VarDict-style records."""

import pysam

from genotailor.oncology.readcounts import read_counts

HEAD = "##fileformat=VCFv4.2\n##contig=<ID=chr7,length=159345973>\n"


def record(tmp_path, formats, fmt, tumour, normal=None):
    text = HEAD + "".join(f"##FORMAT=<ID={i},Number={n},Type={t},Description=\"x\">\n" for i, n, t in formats)
    samples = ["NORMAL", "TUMOR"] if normal is not None else ["TUMOR"]
    text += "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(samples) + "\n"
    cols = [normal, tumour] if normal is not None else [tumour]
    text += "\t".join(["chr7", "140753336", ".", "A", "T", ".", "PASS", ".", fmt, *cols]) + "\n"
    path = tmp_path / "v.vcf"
    path.write_text(text)
    with pysam.VariantFile(str(path)) as vf:
        return next(iter(vf))


def test_mutect2_uses_ad_not_its_model_af(tmp_path):
    rec = record(tmp_path, [("GT", 1, "String"), ("AD", "R", "Integer"), ("AF", "A", "Float"), ("DP", 1, "Integer")],
                 "GT:AD:AF:DP", "0/1:70,30:0.312:104", normal="0/0:50,0:0.019:50")
    rc = read_counts(rec, "TUMOR")
    assert (rc.ref_reads, rc.alt_reads, rc.depth, rc.vaf, rc.vaf_source, rc.caller_depth) == (
        70, 30, 100, 0.3, "FORMAT/AD", 104)
    assert read_counts(rec, "NORMAL").vaf == 0.0


def test_strelka2_snv_uses_tier1_base_counts_of_ref_and_alt(tmp_path):
    formats = [("DP", 1, "Integer"), ("FDP", 1, "Integer"), ("AU", 2, "Integer"), ("CU", 2, "Integer"),
               ("GU", 2, "Integer"), ("TU", 2, "Integer")]
    rec = record(tmp_path, formats, "DP:FDP:AU:CU:GU:TU", "62:1:45,47:0,0:1,1:15,16", normal="40:0:40,41:0,0:0,0:0,0")
    rc = read_counts(rec, "TUMOR")
    assert (rc.ref_reads, rc.alt_reads, rc.depth, rc.vaf, rc.vaf_source) == (45, 15, 60, 0.25, "Strelka2 tier-1 counts")


def test_strelka2_indel_uses_tar_and_tir(tmp_path):
    formats = [("DP", 1, "Integer"), ("TAR", 2, "Integer"), ("TIR", 2, "Integer"), ("TOR", 2, "Integer")]
    rec = record(tmp_path, formats, "DP:TAR:TIR:TOR", "80:60,62:20,21:2,2", normal="50:50,50:0,0:0,0")
    rc = read_counts(rec, "TUMOR")
    assert (rc.alt_reads, rc.depth, rc.vaf) == (20, 80, 0.25)


def test_dragen_style_ad_af_dp(tmp_path):
    rec = record(tmp_path, [("GT", 1, "String"), ("AD", "R", "Integer"), ("AF", "A", "Float"), ("DP", 1, "Integer")],
                 "GT:AD:AF:DP", "0/1:120,40:0.25:160")
    rc = read_counts(rec, "TUMOR")
    assert (rc.depth, rc.vaf) == (160, 0.25)


def test_vardict_style_ad_vd(tmp_path):
    formats = [("GT", 1, "String"), ("DP", 1, "Integer"), ("VD", 1, "Integer"), ("AD", "R", "Integer"),
               ("AF", "A", "Float")]
    rec = record(tmp_path, formats, "GT:DP:VD:AD:AF", "0/1:200:24:176,24:0.12")
    rc = read_counts(rec, "TUMOR")
    assert (rc.ref_reads, rc.alt_reads, rc.depth, rc.vaf) == (176, 24, 200, 0.12)


def test_af_only_record_says_so_and_without_counts_nothing_is_guessed(tmp_path):
    rec = record(tmp_path, [("AF", "A", "Float"), ("DP", 1, "Integer")], "AF:DP", "0.2:90")
    rc = read_counts(rec, "TUMOR")
    assert (rc.vaf, rc.depth, rc.alt_reads, rc.vaf_source) == (0.2, 90, None, "FORMAT/AF")
    bare = read_counts(record(tmp_path, [("GT", 1, "String")], "GT", "0/1"), "TUMOR")
    assert (bare.vaf, bare.depth, bare.vaf_source) == (None, None, "none")
