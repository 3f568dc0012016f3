"""`genotailor kb-build-clinvar` and `kb-build-acmg-sf`: the ClinVar release file (every
classification, regional subset) and the ACMG SF table compiled into the inherited-disease knowledge
base; the manifest's per-gene coverage read back by `core.kbfiles.clinvar_gene_coverage`."""

import gzip
import json
from collections import Counter
from pathlib import Path

import pysam
import pytest

from genotailor.cli import main
from genotailor.core.checksums import sha256_file
from genotailor.core.errors import InputError
from genotailor.core.kbfiles import clinvar_gene_coverage
from genotailor.core.paths import GERMLINE_KB
from genotailor.kb.germline import build_acmg_sf, build_clinvar, clnsig_terms

ROOT = Path(__file__).resolve().parents[1]
SOURCE = GERMLINE_KB / "source" / "clinvar_20260226_regional_allclass.grch38.vcf.gz"
ACMG_TABLE = GERMLINE_KB / "source" / "acmg_sf_v3.2_v3.3.tsv"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("kb")
    counts = build_clinvar(SOURCE, out)
    return out, counts


def rows(table):
    with gzip.open(table, "rt") as fh:
        return [line.rstrip("\n").split("\t") for line in fh if not line.startswith("#")]


def test_every_classification_of_the_release_is_imported_with_its_counts_and_review_stars(built):
    out, counts = built
    # the source's PROVENANCE.md: 69,302 records, none multi-allelic; 2,294 somatic-only records carry no
    # CLNSIG (germline classification), so the germline table leaves them out
    assert counts["alleles_read"] == 69302
    assert counts["dropped_no_clnsig"] == 2294
    assert counts["dropped_no_alt_allele"] == 9
    assert counts["alleles_kept"] == 69302 - 2294 - 9
    # CLNREVSTAT "criteria_provided,_multiple_submitters,_no_conflicts": 18,059 records -> 2 stars
    assert counts["stars_2"] == 18059
    # CLNSIG Conflicting_classifications_of_pathogenicity 11,113 (+1 with |association|risk_factor)
    assert counts["conflicts"] == 11114
    terms = Counter(r[6] for r in rows(out / "clinvar.tsv.gz"))
    assert terms["Benign"] and terms["Likely benign"] and terms["Uncertain significance"]


def test_contigs_are_named_as_the_reference_names_them_and_the_table_is_indexed(built):
    out, counts = built
    assert counts["contigs"] == ["chr1", "chr2", "chr3", "chr5", "chr7", "chr11", "chr13", "chr16", "chr17", "chr22"]
    tbx = pysam.TabixFile(str(out / "clinvar.tsv.gz"))
    hits = [line.split("\t") for line in tbx.fetch("chr13", 32316469, 32316470)]
    assert [(h[1], h[2], h[3], h[4], h[5], h[6], h[8]) for h in hits] == [
        ("32316470", "G", "T", "51063", "BRCA2", "Pathogenic", "3")]
    # a benign record is kept: BRCA2 NC_000013.11:g.32319176A>C, VariationID 37751, Benign, expert panel
    hits = [line.split("\t") for line in tbx.fetch("chr13", 32319175, 32319176)]
    assert ("32319176", "A", "C", "37751", "Benign", "3") in [(h[1], h[2], h[3], h[4], h[6], h[8]) for h in hits]


def test_the_shipped_table_is_the_build_of_the_shipped_source(built):
    out, _ = built
    assert sha256_file(out / "clinvar.tsv.gz") == sha256_file(GERMLINE_KB / "clinvar.tsv.gz")
    assert sha256_file(SOURCE) == "dc799c3b268823945501914b65e06ca90bfe8f485776236e01d07b4808f9496c"  # PROVENANCE
    manifest = json.loads((GERMLINE_KB / "manifest.json").read_text())
    assert manifest["clinvar"]["release"] == "2026-02-26"
    assert manifest["clinvar"]["input_sha256"] == sha256_file(SOURCE)
    assert manifest["clinvar"]["files"]["clinvar.tsv.gz"] == sha256_file(GERMLINE_KB / "clinvar.tsv.gz")
    assert (GERMLINE_KB / "clinvar.tsv.gz").stat().st_size < 2_000_000  # shipped in the repository


def test_the_manifest_lists_each_gene_the_table_holds_with_its_span(built):
    out, _ = built
    cov = clinvar_gene_coverage(out)
    assert cov["release"] == "2026-02-26"
    genes = cov["gene_coverage"]
    assert list(genes) == sorted(genes)
    # spans from the source's PROVENANCE.md coverage table (first record; APC and MLH1 also last record)
    assert (genes["BRCA2"]["chrom"], genes["BRCA2"]["start"]) == ("chr13", 32315212)
    assert (genes["BRCA1"]["chrom"], genes["BRCA1"]["start"]) == ("chr17", 43044315)
    assert genes["APC"] == {"chrom": "chr5", "start": 112707498, "end": 112846237, "records": genes["APC"]["records"]}
    assert (genes["MLH1"]["start"], genes["MLH1"]["end"]) == (37035121, 37065639)
    assert (genes["ATM"]["start"], genes["ATM"]["end"]) == (108222768, 108236172)
    # records with a germline classification naming the gene, counted in the source with
    # zcat | grep GENEINFO=...BRCA1:672 | grep CLNSIG= | ALT not "."
    assert (genes["BRCA1"]["records"], genes["BRCA2"]["records"]) == (12943, 21015)
    assert "HFE" not in genes and "LDLR" not in genes  # PROVENANCE: no chromosome 6 or 19
    assert clinvar_gene_coverage(GERMLINE_KB) == cov


def test_a_manifest_without_gene_coverage_is_refused_with_the_command_that_rebuilds_it(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"clinvar": {"release": "2026-02-26"}}))
    with pytest.raises(InputError) as err:
        clinvar_gene_coverage(tmp_path)
    assert str(err.value) == (f"{tmp_path / 'manifest.json'}: the ClinVar entry does not list the genes it holds "
                              "(clinvar.gene_coverage) — rebuild it with genotailor kb-build-clinvar or "
                              "genotailor kb-update clinvar")


def test_a_grch37_clinvar_file_is_refused(tmp_path):
    vcf = tmp_path / "clinvar.vcf"
    vcf.write_text("##fileformat=VCFv4.1\n##fileDate=2026-01-01\n##source=ClinVar\n##reference=GRCh37\n"
                   "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
                   "6\t26093141\t9\tG\tA\t.\t.\tCLNSIG=Pathogenic;CLNREVSTAT=practice_guideline\n")
    with pytest.raises(InputError, match="header says '##reference=GRCh37'"):
        build_clinvar(vcf, tmp_path / "kb")
    assert not (tmp_path / "kb").exists()


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


def test_gene_coverage_counts_a_record_for_each_gene_it_names_and_ends_at_the_last_ref_base(tmp_path):
    vcf = tmp_path / "clinvar.vcf"
    info = "CLNREVSTAT=criteria_provided,_single_submitter;CLNSIG=Benign;GENEINFO="
    vcf.write_text("##fileDate=2026-01-01\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
                   f"17\t100\t1\tG\tT\t.\t.\t{info}WRAP53:55135|TP53:7157\n"
                   f"17\t150\t2\tGACT\tG\t.\t.\t{info}TP53:7157\n"
                   f"17\t160\t3\tA\tG\t.\t.\tCLNREVSTAT=criteria_provided,_single_submitter;GENEINFO=TP53:7157\n")
    build_clinvar(vcf, tmp_path / "kb")
    assert clinvar_gene_coverage(tmp_path / "kb")["gene_coverage"] == {
        "TP53": {"chrom": "chr17", "start": 100, "end": 153, "records": 2},  # the unclassified record is not held
        "WRAP53": {"chrom": "chr17", "start": 100, "end": 100, "records": 1}}


def test_a_file_out_of_genome_order_gives_the_same_table_as_the_sorted_file(tmp_path):
    info = "CLNREVSTAT=criteria_provided,_single_submitter;CLNSIG=Benign;GENEINFO=TP53:7157"
    head = "##fileDate=2026-01-01\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
    records = [f"2\t50\t3\tC\tT\t.\t.\t{info}\n", f"17\t100\t1\tG\tT\t.\t.\t{info}\n", f"17\t90\t2\tA\tG\t.\t.\t{info}\n"]
    (tmp_path / "shuffled.vcf").write_text(head + "".join(records))
    (tmp_path / "sorted.vcf").write_text(head + records[0] + records[2] + records[1])
    build_clinvar(tmp_path / "shuffled.vcf", tmp_path / "a")
    build_clinvar(tmp_path / "sorted.vcf", tmp_path / "b")
    assert [(r[0], r[1]) for r in rows(tmp_path / "a" / "clinvar.tsv.gz")] == [
        ("chr2", "50"), ("chr17", "90"), ("chr17", "100")]
    assert (tmp_path / "a" / "clinvar.tsv.gz").read_bytes() == (tmp_path / "b" / "clinvar.tsv.gz").read_bytes()
