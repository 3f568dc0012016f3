"""`genotailor germline`: ClinVar-based findings in the indication panels' genes, loss-of-function
candidates, ACMG secondary-finding rules, zygosity and meaning; germline + somatic second hits."""

import json

import pytest

from conftest import DEMO_REFERENCE, write_vcf
from genotailor.cli import main
from genotailor.core.errors import InputError
from genotailor.core.paths import GERMLINE_KB, TRANSCRIPT_MODELS
from genotailor.germline.classify import CANDIDATE, classify, meaning, sf_reportable
from genotailor.germline.run import run_germline
from genotailor.report.sections.germline_findings import second_hits

CONTIGS = (("chr3", 198295559), ("chr13", 114364328))
BRCA2_PLP = ("chr13", 32316470, "G", "T")  # ClinVar 51063, pathogenic, expert panel
MLH1_PLP = ("chr3", 37040201, "T", "A")  # ClinVar 89797, pathogenic, expert panel (an SF gene outside HBOC)
BRCA2_STOP_UNKNOWN = ("chr13", 32319313, "A", "T")  # c.304A>T p.K102*: not in the shipped ClinVar table
BRCA2_MISSENSE_UNKNOWN = ("chr13", 32319314, "A", "C")  # p.K102T: not in ClinVar, not loss of function


def germline(tmp_path, records, panels=("hereditary_breast_ovarian",), sf=False, **kw):
    vcf = write_vcf(tmp_path / "g.vcf.gz", records, contigs=CONTIGS)
    return run_germline(vcf, "S1", list(panels), sf, DEMO_REFERENCE, TRANSCRIPT_MODELS, GERMLINE_KB, **kw)


def v(plp, gt="0/1"):
    return (*plp, gt)


def test_a_clinvar_pathogenic_variant_is_reported_with_accession_stars_and_zygosity(tmp_path):
    doc = germline(tmp_path, [v(BRCA2_PLP)])
    [f] = doc["findings"]
    assert (f["gene"], f["classification"], f["category"], f["zygosity"]) == (
        "BRCA2", "pathogenic", "diagnostic", "heterozygous")
    assert (f["clinvar"]["accession"], f["clinvar"]["stars"]) == ("VCV000051063", 3)
    assert (f["hgvs_c"], f["hgvs_p"], f["consequence"]) == ("c.10G>T", "p.G4*", "stop_gained")
    assert f["inheritance"] == "AD"
    assert f["meaning"] == "heterozygous carrier of a dominant condition: affected or at risk"


def test_the_minimum_review_stars_are_applied(tmp_path):
    assert germline(tmp_path, [v(BRCA2_PLP)], min_stars=4)["findings"][0]["classification"] == CANDIDATE


def test_an_unknown_predicted_loss_of_function_variant_is_a_candidate_never_a_diagnosis(tmp_path):
    doc = germline(tmp_path, [v(BRCA2_STOP_UNKNOWN), v(BRCA2_MISSENSE_UNKNOWN, "1/1")])
    [f] = doc["findings"]  # the unknown missense is not reported
    assert (f["pos"], f["classification"], f["hgvs_p"], f["consequence"]) == (
        32319313, "candidate_needs_expert_review", "p.K102*", "stop_gained")
    assert "clinvar" not in f
    assert f["meaning"].startswith("predicted loss of function, not in ClinVar at the required review level: "
                                   "needs expert review")


def test_loss_of_function_in_a_gene_whose_mechanism_is_not_loss_of_function_is_not_a_candidate():
    assert classify(None, "stop_gained", "loss_of_function", 1, False) == CANDIDATE
    assert classify(None, "stop_gained", "other", 1, False) is None  # e.g. PCSK9: gain of function
    assert classify(None, "missense_variant", "loss_of_function", 1, False) is None


def test_benign_never_and_uncertain_only_when_asked():
    entry = {"stars": 2, "conflict": False, "clnsig": ["Benign"]}
    assert classify(entry, "stop_gained", "loss_of_function", 1, True) is None
    vus = {"stars": 2, "conflict": False, "clnsig": ["Uncertain significance"]}
    assert classify(vus, "missense_variant", "loss_of_function", 1, False) is None
    assert classify(vus, "missense_variant", "loss_of_function", 1, True) == "uncertain_significance"
    conflict = {"stars": 1, "conflict": True, "clnsig": ["Conflicting classifications of pathogenicity"]}
    assert classify(conflict, "missense_variant", "loss_of_function", 1, False) is None
    assert classify(conflict, "missense_variant", "loss_of_function", 1, True) == "conflicting"


def test_a_secondary_finding_is_reported_only_with_consent(tmp_path):
    records = [v(MLH1_PLP), v(BRCA2_PLP)]
    with_consent = germline(tmp_path, records, sf=True)
    assert [(f["gene"], f["category"], f["sf_rule"] if "sf_rule" in f else None) for f in with_consent["findings"]] == [
        ("BRCA2", "diagnostic", None), ("MLH1", "secondary", "any_plp")]
    # the VCF declares chr3 and chr13 only: the SF genes examined are the ACMG SF v3.2 genes there (HBOC's
    # BRCA2 is diagnostic): BTD 3p25, MLH1 3p22, MYL3 3p21, SCN5A 3p22, TGFBR2 3p24, TMEM43 3p25, TNNC1 3p21,
    # VHL 3p25, ATP7B 13q14, RB1 13q14; the other 64 are named as not examined, never counted as analysed
    assert with_consent["secondary_findings"] == {"analysed": True, "list": "ACMG SF v3.2", "genes_analysed": 10}
    skipped = [n for n in with_consent["genes_not_examined"] if n["category"] == "secondary"]
    assert len(skipped) == 64 and {"ATP7B", "RB1", "VHL", "MLH1"}.isdisjoint(n["gene"] for n in skipped)
    without = germline(tmp_path, records, sf=False)
    assert [f["gene"] for f in without["findings"]] == ["BRCA2"]
    assert without["secondary_findings"] == {"analysed": False}
    assert "MLH1" not in json.dumps(without) and "37040201" not in json.dumps(without)


def test_a_gene_of_the_indications_is_diagnostic_whatever_the_sf_consent(tmp_path):
    doc = germline(tmp_path, [v(MLH1_PLP)], panels=("lynch",), sf=False)
    assert [(f["gene"], f["category"], f["panels"]) for f in doc["findings"]] == [("MLH1", "diagnostic", ["lynch"])]


def plp(gene, zyg="heterozygous", consequence="missense_variant", hgvs_p=None, cls="pathogenic"):
    return {"gene": gene, "zygosity": zyg, "consequence": consequence, "hgvs_p": hgvs_p, "classification": cls}


def test_sf_rule_hfe_reports_p_c282y_homozygotes_only():
    hom = plp("HFE", "homozygous", hgvs_p="p.C282Y")
    assert sf_reportable("homozygous_p.C282Y", [hom]) == [hom]
    assert sf_reportable("homozygous_p.C282Y", [plp("HFE", "heterozygous", hgvs_p="p.C282Y")]) == []
    assert sf_reportable("homozygous_p.C282Y", [plp("HFE", "homozygous", hgvs_p="p.H63D")]) == []


def test_sf_rule_ttn_reports_truncating_variants_only():
    stop, missense = plp("TTN", consequence="stop_gained"), plp("TTN", consequence="missense_variant")
    frameshift = plp("TTN", consequence="frameshift_variant", cls="likely_pathogenic")
    assert sf_reportable("truncating_plp", [stop, missense, frameshift]) == [stop, frameshift]


def test_sf_rule_recessive_genes_need_two_pathogenic_alleles():
    one = plp("MUTYH")
    assert sf_reportable("biallelic_plp", [one]) == []
    two = [plp("MUTYH"), plp("MUTYH", consequence="stop_gained")]
    assert sf_reportable("biallelic_plp", two) == two
    hom = plp("MUTYH", "homozygous")
    assert sf_reportable("biallelic_plp", [hom]) == [hom]
    assert sf_reportable("biallelic_plp", [plp("MUTYH"), plp("MUTYH", cls=CANDIDATE)]) == []


def test_sf_rule_other_genes_report_any_pathogenic_or_likely_pathogenic_variant():
    lp = plp("LDLR", cls="likely_pathogenic")
    assert sf_reportable("any_plp", [lp, plp("LDLR", cls="uncertain_significance")]) == [lp]


def test_meaning_follows_inheritance_and_zygosity():
    assert meaning("AR", "heterozygous", 1, "female") == "carrier of a recessive condition: one variant; the condition needs two"
    assert meaning("AR", "homozygous", 2, "female") == "biallelic (homozygous): consistent with the recessive condition"
    assert meaning("AR", "heterozygous", 2, "male").startswith("two variants in a recessive gene, phase unknown")
    assert meaning("XL", "hemizygous", 1, "male") == "hemizygous (male) for an X-linked condition: affected or at risk"


def test_a_germline_finding_with_a_somatic_hit_in_the_same_gene_is_noted():
    fields = {"germline_findings": [{"gene": "BRCA2", "classification": "pathogenic", "mechanism": "loss_of_function",
                                     "hgvs_p": "p.G4*", "chrom": "chr13", "pos": 32316470, "ref": "G", "alt": "T"}],
              "somatic": [{"gene": "BRCA2", "protein_change": "p.R3052W", "sample": "T1", "chrom": "chr13",
                           "pos": 32398489, "ref": "C", "alt": "T"},
                          {"gene": "TP53", "protein_change": "p.R175H", "sample": "T1"}]}
    notes = second_hits(fields)
    assert notes == [{"gene": "BRCA2", "note": "germline BRCA2 p.G4* (pathogenic) and somatic BRCA2 p.R3052W in T1: "
                      "consistent with a second hit in the tumour (biallelic inactivation), which the germline "
                      "variant may explain"}]
    assert fields["germline_findings"][0]["explains_somatic"] == [notes[0]["note"]]


def test_an_unknown_indication_is_an_error(tmp_path):
    with pytest.raises(InputError, match="indication 'hboc' is neither a panel"):
        germline(tmp_path, [v(BRCA2_PLP)], panels=("hboc",))


def test_cli_writes_a_stage_json_that_follows_its_schema(tmp_path):
    vcf = write_vcf(tmp_path / "g.vcf.gz", [v(BRCA2_PLP), v(MLH1_PLP, "1/1")], contigs=CONTIGS)
    out = tmp_path / "g.json"
    assert main(["germline", "--vcf", str(vcf), "--sample", "S1", "--panels", "hereditary_breast_ovarian",
                 "--secondary-findings", "--reference", str(DEMO_REFERENCE), "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert [(f["gene"], f["zygosity"]) for f in doc["findings"]] == [("BRCA2", "heterozygous"), ("MLH1", "homozygous")]


def test_an_imported_bam_is_copied_without_the_reads_consent_withholds(tmp_path):
    import subprocess

    from genotailor.steps.align import import_alignment

    read = "A" * 50
    sam = tmp_path / "in.sam"
    sam.write_text("@HD\tVN:1.6\tSO:coordinate\n@SQ\tSN:chr3\tLN:198295559\n@SQ\tSN:chr13\tLN:114364328\n"
                   "@RG\tID:r\tSM:S1\n"
                   f"mlh1\t0\tchr3\t37040150\t60\t50M\t*\t0\t0\t{read}\t{'I' * 50}\tRG:Z:r\n"
                   f"brca2\t0\tchr13\t32316400\t60\t50M\t*\t0\t0\t{read}\t{'I' * 50}\tRG:Z:r\n")
    bam = tmp_path / "in.bam"
    subprocess.run(["samtools", "view", "-b", "-o", str(bam), str(sam)], check=True)
    out = tmp_path / "results" / "S1.bam"
    import_alignment(str(bam), "S1", str(DEMO_REFERENCE), out, withheld=[("chr3", 36987349, 37068889)])
    assert not out.is_symlink()
    names = subprocess.run(["samtools", "view", str(out)], capture_output=True, text=True, check=True).stdout
    assert [line.split("\t")[0] for line in names.splitlines()] == ["brca2"]
    linked = tmp_path / "results" / "S1.linked.bam"
    import_alignment(str(bam), "S1", str(DEMO_REFERENCE), linked)
    assert linked.is_symlink()


def test_the_stage_contract_allows_no_secondary_findings_detail_without_consent(tmp_path):
    import copy

    from genotailor.core.contracts import _fast_check, _validator, validate_stage

    doc = germline(tmp_path, [v(BRCA2_PLP)])
    validate_stage("germline", doc, "g.json")
    for brk in (lambda d: d["secondary_findings"].update(list="ACMG SF v3.2"),
                lambda d: d["findings"][0].update(classification="benign"),
                lambda d: d["findings"][0]["clinvar"].update(stars=5)):
        bad = copy.deepcopy(doc)
        brk(bad)
        assert list(_validator("germline").iter_errors(bad))
        with pytest.raises(Exception, match="must"):
            _fast_check("germline")(bad)


def test_without_sf_consent_the_sf_genes_outside_the_indications_are_withheld():
    from argparse import Namespace

    from genotailor.cli.consent import withheld_spans
    from genotailor.core.consent import withheld_genes

    args = Namespace(withhold_secondary_findings=True, keep_genes="BRCA1,BRCA2,PALB2", pgx_consent=False,
                     keep_regions=None, germline_kb=str(GERMLINE_KB), consent_models=str(TRANSCRIPT_MODELS))
    spans = withheld_spans(args)
    assert ("chr3", 36992517, 37051846) in spans  # MLH1's MANE Select transcript +-1 kb
    assert not any(c == "chr13" and s < 32316470 < e for c, s, e in spans)  # BRCA2 is an indication gene
    genes = withheld_genes(False, ["BRCA2"], pgx_consent=True)
    assert "RYR1" not in genes and "CACNA1S" not in genes and "MLH1" in genes  # pharmacogenes with PGx consent
    assert withheld_genes(True) == []
    assert withheld_spans(Namespace(withhold_secondary_findings=False)) == []
