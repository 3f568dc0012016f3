"""`genotailor kb-build-clinvar` and `kb-build-acmg-sf`: the ClinVar extract and the ACMG SF table
compiled into the inherited-disease knowledge base."""

import gzip
import json
from pathlib import Path

import pysam
import pytest

from genotailor.cli import main
from genotailor.core.checksums import sha256_file
from genotailor.core.paths import GERMLINE_KB
from genotailor.kb.germline import build_acmg_sf, build_clinvar, clnsig_terms

ROOT = Path(__file__).resolve().parents[1]
EXTRACT = ROOT / "tests" / "data" / "clinvar" / "clinvar_20260226_acmg_sf_plp.grch38.vcf.gz"
ACMG_TABLE = GERMLINE_KB / "source" / "acmg_sf_v3.2_v3.3.tsv"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("kb")
    counts = build_clinvar(EXTRACT, out)
    return out, counts


def rows(table):
    with gzip.open(table, "rt") as fh:
        return [line.rstrip("\n").split("\t") for line in fh if not line.startswith("#")]


def test_the_extract_is_imported_with_its_counts_and_review_stars(built):
    out, counts = built
    assert counts["alleles_read"] == 14837
    assert counts["alleles_kept"] == 14836
    assert counts["dropped_no_alt_allele"] == 1
    # CLNREVSTAT as stars: expert panel 3, multiple submitters 2, single submitter 1, no criteria 0
    assert (counts["stars_3"], counts["stars_2"], counts["stars_1"], counts["stars_0"]) == (5274, 3565, 5516, 481)
    assert counts["conflicts"] == 0  # the extract left conflicting records out


def test_contigs_are_named_as_the_reference_names_them_and_the_table_is_indexed(built):
    out, counts = built
    assert counts["contigs"] == ["chr1", "chr3", "chr5", "chr13", "chr16", "chr17"]
    tbx = pysam.TabixFile(str(out / "clinvar.tsv.gz"))
    hits = [line.split("\t") for line in tbx.fetch("chr13", 32316469, 32316470)]
    assert [(h[1], h[2], h[3], h[4], h[5], h[6], h[8]) for h in hits] == [
        ("32316470", "G", "T", "51063", "BRCA2", "Pathogenic", "3")]


def test_the_shipped_table_is_the_build_of_the_extract(built):
    out, _ = built
    assert sha256_file(out / "clinvar.tsv.gz") == sha256_file(GERMLINE_KB / "clinvar.tsv.gz")
    manifest = json.loads((GERMLINE_KB / "manifest.json").read_text())
    assert manifest["clinvar"]["release"] == "2026-02-26"
    assert manifest["clinvar"]["input_sha256"] == sha256_file(EXTRACT)
    assert manifest["clinvar"]["files"]["clinvar.tsv.gz"] == sha256_file(GERMLINE_KB / "clinvar.tsv.gz")


def test_clnsig_is_a_set_and_conflicts_stay_conflicts(tmp_path):
    vcf = tmp_path / "clinvar.vcf"
    info = "ALLELEID={a};CLNREVSTAT={r};CLNSIG={s};GENEINFO=BRCA2:675;MC=SO:0001587|nonsense{c}"
    vcf.write_text("##fileformat=VCFv4.1\n##fileDate=2026-01-01\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
                   + "13\t100\t1\tG\tT\t.\t.\t" + info.format(a=1, r="practice_guideline",
                                                             s="Pathogenic/Likely_pathogenic|risk_factor", c="") + "\n"
                   + "13\t200\t2\tC\tA,G\t.\t.\t" + info.format(
                       a=2, r="criteria_provided,_conflicting_classifications",
                       s="Conflicting_classifications_of_pathogenicity",
                       c=";CLNSIGCONF=Pathogenic(2)|Uncertain_significance(1)") + "\n")
    counts = build_clinvar(vcf, tmp_path / "kb")
    got = rows(tmp_path / "kb" / "clinvar.tsv.gz")
    assert [(r[0], r[1], r[3], r[6], r[8], r[9], r[10]) for r in got] == [
        ("chr13", "100", "T", "Likely pathogenic|Pathogenic|risk factor", "4", "no", "."),
        ("chr13", "200", "A", "Conflicting classifications of pathogenicity", "1", "yes",
         "Pathogenic(2)|Uncertain significance(1)"),
        ("chr13", "200", "G", "Conflicting classifications of pathogenicity", "1", "yes",
         "Pathogenic(2)|Uncertain significance(1)"),
    ]
    assert counts["conflicts"] == 2
    assert clnsig_terms("Likely_pathogenic,_low_penetrance") == ["Likely pathogenic", "low penetrance"]


def test_an_unknown_review_status_is_an_error_naming_it(tmp_path):
    vcf = tmp_path / "clinvar.vcf"
    vcf.write_text("##fileDate=2026-01-01\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
                   "1\t5\t9\tA\tG\t.\t.\tCLNSIG=Pathogenic;CLNREVSTAT=reviewed_by_a_robot\n")
    assert main(["kb-build-clinvar", "--vcf", str(vcf), "--out", str(tmp_path / "kb")]) == 2


def test_acmg_sf_rules_per_gene_and_rows_left_out_with_their_reason(tmp_path):
    doc = build_acmg_sf(ACMG_TABLE, tmp_path)
    genes = doc["genes"]
    assert doc["list"] == "ACMG SF v3.2"
    assert len(genes) == 77
    assert genes["HFE"]["rule"] == "homozygous_p.C282Y"
    assert genes["TTN"]["rule"] == "truncating_plp"
    assert genes["MUTYH"]["rule"] == "biallelic_plp" and genes["MUTYH"]["inheritance"] == "AR"
    assert genes["BRCA2"]["rule"] == "any_plp"
    assert [c["name"] for c in genes["MYH7"]["conditions"]] == ["Dilated cardiomyopathy", "Hypertrophic cardiomyopathy"]
    assert sorted(doc["left_out"]) == ["CALM1", "CALM2", "CALM3", "TRDN"]
    assert "verify" in doc["left_out"]["CALM1"] and "recessive" in doc["left_out"]["TRDN"]
    assert "ABCD1" not in genes  # v3.3 only
    assert (tmp_path / "acmg_sf.json").read_text() == (GERMLINE_KB / "acmg_sf.json").read_text()


def test_with_a_reference_indels_are_left_aligned_and_wrong_ref_records_left_out(tmp_path):
    from conftest import DEMO_REFERENCE

    ref = pysam.FastaFile(str(DEMO_REFERENCE))
    before = ref.fetch("chr13", 32316489, 32316490)  # the base before BRCA2's T6 run at 32316491-32316496
    vcf = tmp_path / "clinvar.vcf"
    info = "CLNREVSTAT=criteria_provided,_single_submitter;CLNSIG=Pathogenic;GENEINFO=BRCA2:675"
    header = "".join(f'##INFO=<ID={k},Number=.,Type=String,Description="{k}">\n'
                     for k in ("CLNREVSTAT", "CLNSIG", "GENEINFO"))
    vcf.write_text("##fileformat=VCFv4.1\n##fileDate=2026-01-01\n" + header
                   + "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
                   f"13\t32316495\t7\tTT\tT\t.\t.\t{info}\n"  # one T deleted, written at the run's right end
                   f"13\t32316470\t8\tC\tT\t.\t.\t{info}\n")  # REF is G in GRCh38
    build_clinvar(vcf, tmp_path / "kb", reference=DEMO_REFERENCE)
    assert [(r[0], r[1], r[2], r[3], r[4]) for r in rows(tmp_path / "kb" / "clinvar.tsv.gz")] == [
        ("chr13", "32316490", before + "T", before, "7")]
    manifest = json.loads((tmp_path / "kb" / "manifest.json").read_text())
    assert "left-aligned" in manifest["clinvar"]["normalization"]
