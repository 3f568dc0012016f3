"""VEP `CSQ` and snpEff `ANN` in the input VCF: read by their header-declared field order and
cross-checked against our own annotation (hand-written records at real GRCh38 positions: BRAF
p.V600E chr7:140753336 A>T, KRAS p.G12C chr12:25245351 C>A; the demo reference covers both)."""

import pytest

from conftest import DEMO_REFERENCE
from genotailor.core.contracts import validate_stage
from genotailor.core.paths import HOTSPOTS, ONCOLOGY_KB, TRANSCRIPT_MODELS
from genotailor.oncology.run import run_somatic
from genotailor.oncology.tmb import TmbSettings

VEP_FIELDS = "Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|EXON|INTRON|HGVSc|HGVSp"
# snpEff's standard order, but written by hand here to be read from the header, not assumed
SNPEFF_FIELDS = ("Allele | Annotation | Annotation_Impact | Gene_Name | Gene_ID | Feature_Type | Feature_ID | "
                 "Transcript_BioType | Rank | HGVS.c | HGVS.p | cDNA.pos / cDNA.length | CDS.pos / CDS.length | "
                 "AA.pos / AA.length | Distance | ERRORS / WARNINGS / INFO")


def vcf(tmp_path, info_header, records):
    text = ("##fileformat=VCFv4.2\n" + info_header + "\n"
            '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
            '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">\n'
            "##contig=<ID=chr7,length=159345973>\n##contig=<ID=chr12,length=133275309>\n"
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tT\n" + "\n".join(records) + "\n")
    path = tmp_path / "in.vcf"
    path.write_text(text)
    return path


def somatic(path, tumour_type="MEL"):
    doc = run_somatic(path, "T", tumour_type, DEMO_REFERENCE, TRANSCRIPT_MODELS, ONCOLOGY_KB, HOTSPOTS, TmbSettings())
    validate_stage("somatic", doc, path)
    return {v["gene"]: v for v in doc["somatic"]}


def vep_header(fields=VEP_FIELDS):
    return ('##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. '
            f'Format: {fields}">')


SNPEFF_HEADER = ('##INFO=<ID=ANN,Number=.,Type=String,Description="Functional annotations: '
                 f"'{SNPEFF_FIELDS}' \">")


def braf(csq):
    return f"chr7\t140753336\t.\tA\tT\t.\tPASS\tCSQ={csq}\tGT:AD\t0/1:170,66"


V600E = ("T|missense_variant|MODERATE|BRAF|ENSG00000157764|Transcript|ENST00000646891.2|protein_coding|15/18||"
         "ENST00000646891.2:c.1799T>A|ENSP00000493543.1:p.Val600Glu")


def test_vep_braf_v600e_agrees_with_our_annotation(tmp_path):
    other_tx = V600E.replace("ENST00000646891.2", "ENST00000288602.11").replace("p.Val600Glu", "p.Val640Glu")
    v = somatic(vcf(tmp_path, vep_header(), [braf(f"{V600E},{other_tx}")]))["BRAF"]
    assert (v["protein_change_3"], v["tier"], v["annotation_note"]) == ("p.Val600Glu", "I", None)
    same, other = v["external_annotations"]
    assert (same["source"], same["transcript"], same["consequence"], same["hgvs_c"], same["protein_change_3"],
            same["same_transcript"], same["agrees"]) == (
        "VEP", "ENST00000646891.2", "missense_variant", "ENST00000646891.2:c.1799T>A", "p.Val600Glu", True, True)
    # another transcript of the gene is shown, not compared (its codon numbering differs)
    assert (other["protein_change_3"], other["same_transcript"], other["agrees"]) == ("p.Val640Glu", False, None)


def test_vep_fields_are_read_in_the_order_the_header_declares(tmp_path):
    fields = VEP_FIELDS.split("|")
    order = [fields[i] for i in (0, 11, 3, 6, 1, 10, 2, 4, 5, 7, 8, 9)]  # HGVSp second, SYMBOL third, ...
    values = dict(zip(fields, V600E.split("|")))
    csq = "|".join(values[f] for f in order)
    v = somatic(vcf(tmp_path, vep_header("|".join(order)), [braf(csq)]))["BRAF"]
    (e,) = v["external_annotations"]
    assert (e["gene"], e["consequence"], e["protein_change_3"], e["agrees"]) == (
        "BRAF", "missense_variant", "p.Val600Glu", True)


def test_a_disagreement_is_a_note_and_never_replaces_our_protein_change(tmp_path):
    wrong = V600E.replace("p.Val600Glu", "p.Val600Lys")
    v = somatic(vcf(tmp_path, vep_header(), [braf(wrong)]))["BRAF"]
    assert (v["protein_change"], v["protein_change_3"], v["tier"]) == ("p.V600E", "p.Val600Glu", "I")
    assert v["external_annotations"][0]["agrees"] is False
    assert v["annotation_note"] == ("VEP gives p.Val600Lys on ENST00000646891.2, our models give p.Val600Glu "
                                    "(ENST00000646891): disagreement, check the variant")


@pytest.mark.parametrize("hgvs_p, agrees", [("p.Gly12Cys", True), ("p.Gly12Asp", False)])
def test_snpeff_kras_g12c_is_cross_checked(tmp_path, hgvs_p, agrees):
    ann = (f"A|missense_variant|MODERATE|KRAS|ENSG00000133703|transcript|ENST00000311936.8|protein_coding|2/6|"
           f"c.34G>T|{hgvs_p}|224/5889|34/570|12/189||")
    rec = f"chr12\t25245351\t.\tC\tA\t.\tPASS\tANN={ann}\tGT:AD\t0/1:150,50"
    v = somatic(vcf(tmp_path, SNPEFF_HEADER, [rec]), tumour_type="LUAD")["KRAS"]
    assert (v["protein_change"], v["hgvs_c"]) == ("p.G12C", "c.34G>T")
    (e,) = v["external_annotations"]
    assert (e["source"], e["gene"], e["transcript"], e["hgvs_c"], e["protein_change_3"], e["agrees"]) == (
        "snpEff", "KRAS", "ENST00000311936.8", "c.34G>T", hgvs_p, agrees)
    assert (v["annotation_note"] is None) == agrees
    if not agrees:
        assert "snpEff gives p.Gly12Asp" in v["annotation_note"] and "our models give p.Gly12Cys" in v["annotation_note"]


def test_without_csq_or_ann_there_are_no_external_annotations(tmp_path):
    v = somatic(vcf(tmp_path, '##INFO=<ID=DP,Number=1,Type=Integer,Description="Depth">',
                    ["chr7\t140753336\t.\tA\tT\t.\tPASS\t.\tGT:AD\t0/1:170,66"]))["BRAF"]
    assert v["external_annotations"] == [] and v["protein_change"] == "p.V600E"


def test_an_intronic_variant_the_input_calls_missense_on_our_transcript_is_listed_with_the_disagreement(tmp_path):
    # chr7:140753700 lies in BRAF intron 14 (between exons 15 and 14 of ENST00000646891): our
    # interval index would only count it; the input's VEP calls it missense on the same transcript
    claim = ("C|missense_variant|MODERATE|BRAF|ENSG00000157764|Transcript|ENST00000646891.2|protein_coding|15/18||"
             "ENST00000646891.2:c.1799T>A|ENSP00000493543.1:p.Val600Glu")
    intron = ("C|intron_variant|MODIFIER|BRAF|ENSG00000157764|Transcript|ENST00000646891.2|protein_coding||14/17|"
              "ENST00000646891.2:c.1742-251A>G|")
    rec = "chr7\t140753700\t.\tT\tC\t.\tPASS\tCSQ={}\tGT:AD\t0/1:170,66"
    doc = run_somatic(vcf(tmp_path, vep_header(), [rec.format(claim)]), "T", "MEL", DEMO_REFERENCE,
                      TRANSCRIPT_MODELS, ONCOLOGY_KB, HOTSPOTS, TmbSettings())
    (v,) = doc["somatic"]
    assert (v["gene"], v["consequence"], v["protein_change"], v["tier"]) == ("BRAF", "intron_variant", None, None)
    assert v["annotation_note"] == ("VEP gives p.Val600Glu on ENST00000646891.2, our models give no protein change "
                                    "(ENST00000646891): disagreement, check the variant")
    assert doc["other_variants"]["count"] == 0
    # the same variant annotated as intronic by VEP is only counted
    (tmp_path / "again").mkdir()
    doc = run_somatic(vcf(tmp_path / "again", vep_header(), [rec.format(intron)]), "T", "MEL", DEMO_REFERENCE,
                      TRANSCRIPT_MODELS, ONCOLOGY_KB, HOTSPOTS, TmbSettings())
    assert doc["somatic"] == [] and doc["other_variants"]["by_consequence"] == {"intron_variant": 1}
