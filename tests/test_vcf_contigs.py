"""Contig names and lengths: `somatic`, `germline` and `pgx` read a VCF whose chromosomes are named
`7` (NCBI/Ensembl, TCGA) exactly as one naming them `chr7`, refuse one made against GRCh37, and never
return an empty result for a VCF they could not examine (core.contigs, the rule normalize-vcf follows)."""

import json

import pytest

from conftest import DEMO_REFERENCE, write_vcf
from genotailor.cli import main
from genotailor.core.errors import InputError
from genotailor.core.paths import GERMLINE_KB, HOTSPOTS, ONCOLOGY_KB, TRANSCRIPT_MODELS
from genotailor.germline.run import run_germline
from genotailor.oncology.run import run_somatic
from genotailor.oncology.tmb import TmbSettings
from genotailor.pgx.definitions import cached_gene
from genotailor.pgx.run import run_pgx

ANOTHER_BUILD = ("the VCF was made against another genome build — call the variants against GRCh38 (or lift them "
                 "over) and give that VCF")
CHR7, CHR17, CHR13 = 159345973, 83257441, 114364328  # GRCh38 lengths
AD_HEADER = '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">'
# BRAF c.1799T>A p.Val600Glu (NM_004333.6) and EGFR c.2573T>G p.Leu858Arg (NM_005228.5), GRCh38
BRAF_V600E = ("140753336", "A", "T", "0/1:170,66")
EGFR_L858R = ("55191822", "T", "G", "0/1:140,60")


def tumour_vcf(path, style, records=(EGFR_L858R, BRAF_V600E), contigs=None):
    """A Mutect2-style tumour VCF on chromosome 7 (and 17 declared), contigs spelled `chr7` or `7`."""
    name = "chr7" if style == "chr" else "7"
    other = "chr17" if style == "chr" else "17"
    lines = [f"{name}\t{pos}\t.\t{ref}\t{alt}\t50\tPASS\t.\tGT:AD\t{call}" for pos, ref, alt, call in records]
    return write_vcf(path, lines, samples=("T",), extra_header=AD_HEADER,
                     contigs=contigs or ((name, CHR7), (other, CHR17)))


def somatic_cli(vcf, out, *extra):
    return main(["somatic", "--vcf", str(vcf), "--tumor", "T", "--tumor-type", "MEL", "--reference",
                 str(DEMO_REFERENCE), "--json", str(out), *extra])


def somatic(vcf):
    return run_somatic(vcf, "T", "MEL", DEMO_REFERENCE, TRANSCRIPT_MODELS, ONCOLOGY_KB, HOTSPOTS, TmbSettings())


# --- somatic ---------------------------------------------------------------------------------------


def test_one_style_and_chr_style_contigs_give_byte_identical_somatic_json(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert somatic_cli(tumour_vcf(tmp_path / "a" / "t.vcf", "chr"), tmp_path / "a" / "t.json") == 0
    assert somatic_cli(tumour_vcf(tmp_path / "b" / "t.vcf", "1"), tmp_path / "b" / "t.json") == 0
    one_style = (tmp_path / "b" / "t.json").read_bytes()
    assert one_style == (tmp_path / "a" / "t.json").read_bytes()
    doc = somatic(tumour_vcf(tmp_path / "c.vcf", "1"))
    braf = [v for v in doc["somatic"] if v["gene"] == "BRAF"]
    assert [(v["chrom"], v["refseq"], v["hgvs_c"], v["protein_change_3"], v["tier"]) for v in braf] == [
        ("chr7", "NM_004333.6", "c.1799T>A", "p.Val600Glu", "I")]
    assert doc["other_variants"]["by_consequence"].get("intergenic_variant") is None


def test_a_grch37_contig_length_is_refused_naming_the_file_and_both_builds(tmp_path):
    vcf = tumour_vcf(tmp_path / "t.vcf", "1", contigs=(("7", 159138663),))  # GRCh37 chr7
    with pytest.raises(InputError) as e:
        somatic(vcf)
    assert str(e.value) == (f"VCF {vcf}: contig 7 is 159138663 bp in the VCF header (that is its GRCh37 length) but "
                            f"159345973 bp in the reference GRCh38_demo.fa.gz: {ANOTHER_BUILD}")


def test_the_stand_alone_command_exits_with_the_error_not_an_empty_result(tmp_path, capsys):
    vcf = tumour_vcf(tmp_path / "t.vcf", "1", contigs=(("7", 159138663),))
    assert somatic_cli(vcf, tmp_path / "t.json") == 2
    assert "(that is its GRCh37 length)" in capsys.readouterr().err
    assert not (tmp_path / "t.json").exists()


def test_a_vcf_with_no_record_on_a_reference_contig_is_refused(tmp_path):
    lines = ["scaffold_9\t1000\t.\tA\tT\t50\tPASS\t.\tGT:AD\t0/1:50,50",
             "scaffold_9\t2000\t.\tC\tG\t50\tPASS\t.\tGT:AD\t0/1:50,50"]
    vcf = write_vcf(tmp_path / "t.vcf", lines, samples=("T",), extra_header=AD_HEADER, contigs=(("scaffold_9", None),))
    with pytest.raises(InputError) as e:
        somatic(vcf)
    assert str(e.value) == (
        f"VCF {vcf}: none of its 2 records lies on a contig of the reference GRCh38_demo.fa.gz (contigs: scaffold_9): "
        "nothing was examined — check that the VCF is from a human GRCh38 alignment (chromosomes named 1..22, X, Y, "
        "MT or chr1..chr22, chrX, chrY, chrM)")


def test_records_on_contigs_the_reference_lacks_are_counted_as_not_examined(tmp_path):
    lines = ["7\t140753336\t.\tA\tT\t50\tPASS\t.\tGT:AD\t0/1:170,66",
             "GL000220.1\t500\t.\tG\tC\t50\tPASS\t.\tGT:AD\t0/1:40,10"]
    vcf = write_vcf(tmp_path / "t.vcf", lines, samples=("T",), extra_header=AD_HEADER,
                    contigs=(("7", CHR7), ("GL000220.1", 161802)))
    doc = somatic(vcf)
    assert doc["records_on_other_contigs"]["count"] == 1
    assert doc["records_on_other_contigs"]["by_contig"] == {"GL000220.1": 1}
    assert [v["protein_change"] for v in doc["somatic"]] == ["p.V600E"]


# --- germline -------------------------------------------------------------------------------------

BRCA2_PLP = (32316470, "G", "T")  # ClinVar 51063 (VCV000051063), BRCA2 c.10G>T p.Gly4Ter, pathogenic


def germline(vcf, panels=("hereditary_breast_ovarian",)):
    return run_germline(vcf, "S1", list(panels), False, DEMO_REFERENCE, TRANSCRIPT_MODELS, GERMLINE_KB)


def test_germline_reads_13_as_chr13(tmp_path):
    pos, ref, alt = BRCA2_PLP
    chr_style = germline(write_vcf(tmp_path / "a.vcf.gz", [("chr13", pos, ref, alt, "0/1")],
                                   contigs=(("chr13", CHR13), ("chr16", 90338345), ("chr17", CHR17))))
    one_style = germline(write_vcf(tmp_path / "b.vcf.gz", [("13", pos, ref, alt, "0/1")],
                                   contigs=(("13", CHR13), ("16", 90338345), ("17", CHR17))))
    assert one_style == chr_style
    [f] = one_style["findings"]
    assert (f["gene"], f["chrom"], f["hgvs_c"], f["clinvar"]["accession"]) == ("BRCA2", "chr13", "c.10G>T",
                                                                              "VCV000051063")


def test_a_gene_whose_contig_is_absent_is_named_not_examined_never_a_silent_negative(tmp_path):
    # HBOC: BRCA1 (chr17, which the demo reference does not hold), BRCA2 (chr13), PALB2 (chr16)
    vcf = write_vcf(tmp_path / "g.vcf.gz", [("13", 32316470, "G", "T", "0/1")], contigs=(("13", CHR13),))
    doc = germline(vcf)
    assert doc["genes_analysed"] == ["BRCA2"]
    assert sorted((n["gene"], n["category"], n["reason"]) for n in doc["genes_not_examined"]) == [
        ("BRCA1", "diagnostic", "contig chr17 is not in the reference GRCh38_demo.fa.gz"),
        ("PALB2", "diagnostic", "contig chr16 (or 16) is not in the VCF")]
    assert "PALB2: not examined — contig chr16 (or 16) is not in the VCF; no result is given for this gene." \
        in doc["limitations"]


def test_germline_refuses_a_vcf_holding_none_of_the_genes_contigs(tmp_path):
    vcf = write_vcf(tmp_path / "g.vcf.gz", [("3", 37040201, "T", "A", "0/1")], contigs=(("3", 198295559),))
    with pytest.raises(InputError) as e:
        germline(vcf)
    assert str(e.value) == (
        f"VCF {vcf}: none of the 3 genes analysed for this patient lies on a contig of the VCF (e.g. BRCA1: contig "
        "chr17 is not in the reference GRCh38_demo.fa.gz): nothing was examined — give the sample's GRCh38 VCF "
        "(contigs named chr1..chr22, chrX, chrY or 1..22, X, Y)")


def test_germline_refuses_grch37_lengths(tmp_path):
    vcf = write_vcf(tmp_path / "g.vcf.gz", [("13", 32316470, "G", "T", "0/1")], contigs=(("13", 115169878),))
    with pytest.raises(InputError, match=r"contig 13 is 115169878 bp in the VCF header \(that is its GRCh37 "
                                         r"length\) but 114364328 bp in the reference GRCh38_demo.fa.gz"):
        germline(vcf)


# --- pgx ------------------------------------------------------------------------------------------

# CYP2C19*2 (CPIC allele definitions): rs12769205 94775367 A>G, rs4244285 94781859 G>A; rs3758581
# 94842866 A>G (carried by *1 and *2; the GRCh38 reference sequence is *38)
STAR2 = {94775367: "G", 94781859: "A", 94842866: "G"}


def cyp2c19_vcf(path, chrom, length=133797422):
    gene = cached_gene("CYP2C19")
    records = []
    for p in sorted(gene.positions, key=lambda p: p.pos):
        alt = STAR2.get(p.pos)
        records.append((chrom, p.pos, p.ref, alt or p.alts[0], "1/1" if alt else "0/0"))
    return write_vcf(path, records, contigs=((chrom, length),))


def test_pgx_reads_10_as_chr10(tmp_path):
    chr_style = run_pgx(cyp2c19_vcf(tmp_path / "a.vcf.gz", "chr10"), genes=["CYP2C19"])
    one_style = run_pgx(cyp2c19_vcf(tmp_path / "b.vcf.gz", "10"), genes=["CYP2C19"])
    assert one_style == chr_style
    assert (one_style["pgx"][0]["diplotype"], one_style["pgx"][0]["status"]) == ("*2/*2", "called")


def test_pgx_refuses_grch37_lengths(tmp_path):
    vcf = cyp2c19_vcf(tmp_path / "a.vcf.gz", "10", length=135534747)  # GRCh37 chr10
    with pytest.raises(InputError) as e:
        run_pgx(vcf, genes=["CYP2C19"])
    assert str(e.value) == (f"VCF {vcf}: contig 10 is 135534747 bp in the VCF header (that is its GRCh37 length) "
                            f"but 133797422 bp in GRCh38: {ANOTHER_BUILD}")


def test_pgx_refuses_a_vcf_holding_none_of_the_genes_contigs(tmp_path):
    vcf = cyp2c19_vcf(tmp_path / "a.vcf.gz", "10")
    with pytest.raises(InputError) as e:
        run_pgx(vcf, genes=["TPMT", "CYP2D6"])
    assert str(e.value) == (
        f"VCF {vcf}: none of the contigs of the genes called (chr22, chr6) is in the VCF (its contigs: 10): nothing "
        "was examined — give the patient's GRCh38 VCF (contigs named chr1..chr22, chrX or 1..22, X)")


def test_pgx_names_a_gene_whose_contig_is_absent(tmp_path):
    out = run_pgx(cyp2c19_vcf(tmp_path / "a.vcf.gz", "10"), genes=["CYP2C19", "TPMT"])
    tpmt = {g["gene"]: g for g in out["pgx"]}["TPMT"]
    assert (tpmt["status"], tpmt["reason"]) == ("not_assessed", "not examined: contig chr6 (or 6) is not in the VCF")


def test_pgx_cohort_reads_10_as_chr10(tmp_path):
    from genotailor.pgx.cohort import run_cohort

    docs = []
    for style in ("chr10", "10"):
        vcf = tmp_path / f"{style}.vcf.gz"
        write_vcf(vcf, [f"{style}\t94781859\t.\tG\tA\t50\tPASS\t.\tGT:DP\t0/1:30\t1/1:41"], samples=("A", "B"),
                  contigs=((style, 133797422),))
        run_cohort([vcf], tmp_path / style, genes=["CYP2C19"])
        docs.append([(tmp_path / style / "samples" / f"{s}.pgx.json").read_bytes() for s in ("A", "B")])
    assert docs[0] == docs[1]
    b = json.loads(docs[1][1])["pgx"][0]
    assert [v["position"] for v in b["observed_variants"]] == [94781859]


def test_the_report_names_somatic_records_that_were_not_examined(tmp_path):
    from types import SimpleNamespace

    from genotailor.report.sections import somatic as section

    lines = ["7\t140753336\t.\tA\tT\t50\tPASS\t.\tGT:AD\t0/1:170,66",
             "GL000220.1\t500\t.\tG\tC\t50\tPASS\t.\tGT:AD\t0/1:40,10"]
    vcf = write_vcf(tmp_path / "t.vcf", lines, samples=("T",), extra_header=AD_HEADER,
                    contigs=(("7", CHR7), ("GL000220.1", 161802)))
    _, limitations = section.build(SimpleNamespace(samples=[]), [somatic(vcf)])
    assert {"section": "somatic", "reason": "T: 1 VCF record on contigs the reference does not have (GL000220.1 1) "
                                            "not examined"} in limitations
