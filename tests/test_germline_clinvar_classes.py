"""`genotailor germline` with every ClinVar class in the knowledge base: a variant ClinVar classes benign
is named in `classified_not_reported`, never a finding; uncertain and conflicting variants only when
asked and only in diagnostic genes, never as secondary findings."""

from conftest import DEMO_REFERENCE, write_vcf
from genotailor.core.contracts import validate_stage
from genotailor.core.paths import GERMLINE_KB, TRANSCRIPT_MODELS
from genotailor.germline.run import run_germline

CONTIGS = (("chr3", 198295559), ("chr13", 114364328))
# facts of the shipped ClinVar release 2026-02-26 (workflow/resources/germline/source/)
BRCA2_BENIGN = ("chr13", 32319176, "A", "C")  # VariationID 37751, Benign, reviewed by expert panel, missense
BRCA2_VUS = ("chr13", 32316476, "A", "C")  # VariationID 195009, Uncertain significance, multiple submitters
BRCA2_PLP = ("chr13", 32316470, "G", "T")  # VariationID 51063, Pathogenic, expert panel
MLH1_VUS = ("chr3", 37040186, "T", "C")  # VariationID 495759, Uncertain significance (MLH1: an SF gene outside HBOC)


def germline(tmp_path, records, sf=False, **kw):
    vcf = write_vcf(tmp_path / "g.vcf.gz", records, contigs=CONTIGS)
    doc = run_germline(vcf, "S1", ["hereditary_breast_ovarian"], sf, DEMO_REFERENCE, TRANSCRIPT_MODELS, GERMLINE_KB,
                       **kw)
    validate_stage("germline", doc, tmp_path / "germline.json")
    return doc


def test_a_benign_variant_the_patient_carries_is_named_but_not_a_finding(tmp_path):
    doc = germline(tmp_path, [(*BRCA2_PLP, "0/1"), (*BRCA2_BENIGN, "0/1")])
    assert [(f["gene"], f["pos"], f["classification"]) for f in doc["findings"]] == [
        ("BRCA2", 32316470, "pathogenic")]
    [b] = doc["classified_not_reported"]
    assert (b["gene"], b["pos"], b["ref"], b["alt"], b["zygosity"]) == ("BRCA2", 32319176, "A", "C", "heterozygous")
    assert (b["clinvar_class"], b["clnsig"], b["stars"], b["variation_id"]) == ("benign", ["Benign"], 3, "37751")
    assert b["hgvs_p"] is not None and b["hgvs_p"].startswith("p.")
    assert b["url"] == "https://www.ncbi.nlm.nih.gov/clinvar/variation/37751/"


def test_a_benign_variant_stays_unreported_when_uncertain_ones_are_asked_for(tmp_path):
    doc = germline(tmp_path, [(*BRCA2_BENIGN, "1/1")], report_vus=True)
    assert doc["findings"] == []
    assert [(b["variation_id"], b["zygosity"]) for b in doc["classified_not_reported"]] == [("37751", "homozygous")]


def test_a_benign_variant_the_patient_does_not_carry_is_not_named(tmp_path):
    assert germline(tmp_path, [(*BRCA2_BENIGN, "0/0")])["classified_not_reported"] == []


def test_an_uncertain_variant_is_reported_only_when_asked_and_never_named_benign(tmp_path):
    without = germline(tmp_path, [(*BRCA2_VUS, "0/1")])
    assert (without["findings"], without["classified_not_reported"]) == ([], [])
    [f] = germline(tmp_path, [(*BRCA2_VUS, "0/1")], report_vus=True)["findings"]
    assert (f["classification"], f["clinvar"]["variation_id"], f["category"]) == (
        "uncertain_significance", "195009", "diagnostic")


def test_an_uncertain_variant_in_a_secondary_finding_gene_is_never_reported(tmp_path):
    doc = germline(tmp_path, [(*MLH1_VUS, "0/1")], sf=True, report_vus=True)
    assert doc["secondary_findings"]["analysed"] is True
    assert (doc["findings"], doc["classified_not_reported"]) == ([], [])
