"""`genotailor kb-build-oncology` on small CIViC / CGI / OncoTree fixtures (tests/data/oncology_sources)."""

import json

import pytest

from conftest import ROOT
from genotailor.cli import main
from genotailor.core.checksums import sha256_file
from genotailor.core.errors import InputError
from genotailor.kb.oncology import parse_civic_variant, read_crosswalk, read_oncotree

SRC = ROOT / "tests" / "data" / "oncology_sources"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("kb")
    code = main(["kb-build-oncology", "--civic", str(SRC / "civic"), "--civic-release", "01-Aug-2024",
                 "--cgi", str(SRC / "cgi_biomarkers_per_variant.tsv"), "--cgi-release", "2018-01-17",
                 "--oncotree", str(SRC / "oncotree_fixture.tsv"), "--oncotree-release", "fixture",
                 "--crosswalk", str(SRC / "crosswalk_fixture.tsv"), "--out", str(out)])
    assert code == 0
    load = lambda name: json.loads((out / name).read_text())  # noqa: E731
    return out, load("actionability.json")["entries"], load("build_report.json"), load("manifest.json")


def find(entries, gene, name, code=None, therapies=None):
    return [e for e in entries if e["gene"] == gene and e["variant"]["name"] == name
            and (code is None or e["oncotree"] == code) and (therapies is None or e["therapies"] == therapies)]


def test_civic_combination_therapy_is_kept_together_and_disease_mapped_by_oncotree_name(built):
    _, entries, _, _ = built
    (e,) = find(entries, "BRAF", "V600E", "MEL", ["Dabrafenib", "Trametinib"])
    assert (e["direction"], e["level"], e["diseases"]) == ("sensitivity", "A", ["Melanoma"])
    assert e["evidence"] == [{"source": "CIViC", "id": "EID9001", "url": "https://civicdb.org/links/evidence_items/9001",
                              "source_level": "CIViC A", "pmid": "1"}]


def test_substitute_therapies_become_separate_entries_at_codon_level(built):
    _, entries, _, _ = built
    codon = find(entries, "BRAF", "V600", "TISSUE")
    assert sorted(e["therapies"][0] for e in codon) == ["Dabrafenib", "Vemurafenib"]
    assert codon[0]["variant"] == {"kind": "codon", "name": "V600", "ref_aa": "V", "codon": 600}
    assert codon[0]["level"] == "C"


def test_resistance_is_a_direction_and_same_fact_from_both_sources_is_merged(built):
    _, entries, report, _ = built
    (e,) = find(entries, "EGFR", "T790M", "NSCLC", ["Gefitinib"])
    assert e["direction"] == "resistance"
    assert [x["source"] for x in e["evidence"]] == ["CIViC", "CGI"]
    assert report["merged_into_existing_entry"] == {"cgi": 1}


def test_or_profiles_are_split_and_exon_and_region_variants_are_kept(built):
    _, entries, _, _ = built
    assert find(entries, "EGFR", "L858R", "NSCLC", ["Erlotinib"])
    (exon,) = find(entries, "EGFR", "Exon 19 Deletion", "NSCLC", ["Erlotinib"])
    assert exon["variant"] == {"kind": "exon", "name": "Exon 19 Deletion", "exon": 19, "class": "deletion"}
    (region,) = find(entries, "EGFR", "EGFR exon 19 deletions", "NSCLC")
    assert region["variant"]["codons"] == [[729, 761]] and region["variant"]["consequence"] == "inframe_deletion"
    (gene,) = find(entries, "KRAS", "oncogenic mutation", "COADREAD")
    assert (gene["variant"]["class"], gene["direction"], gene["level"]) == ("mutation", "resistance", "A")


def test_cgi_copy_number_biomarkers_are_kept_as_gene_level_classes(built):
    # the fixture's CGI row `ERBB2:AMP` (CNA, FDA guidelines, BRCA, Trastuzumab)
    _, entries, _, _ = built
    (amp,) = [e for e in entries if e["gene"] == "ERBB2" and e["variant"]["kind"] == "gene"
              and any(ev["source"] == "CGI" for ev in e["evidence"])]
    assert amp["variant"] == {"kind": "gene", "name": "amplification", "class": "amplification"}
    assert (amp["oncotree"], amp["therapies"], amp["direction"], amp["level"]) == ("BRCA", ["Trastuzumab"], "sensitivity", "A")


def test_builder_report_counts_dropped_rows_with_reasons_and_lists_unmapped_diseases(built):
    _, entries, report, _ = built
    assert report["rows_read"] == {"civic": 13, "cgi": 8}
    assert report["rows_kept"] == {"civic": 9, "cgi": 5}
    civic, cgi = report["dropped"]["civic"], report["dropped"]["cgi"]
    assert civic["compound molecular profile (AND) with a fusion, copy-number or expression part: "
                 "not assessed in this release"] == 1
    assert civic["evidence does not support the association"] == 1
    assert civic["prognostic evidence: no therapy (not used for tiers in this release)"] == 1
    assert civic["disease not mapped to OncoTree (listed in unmapped_diseases)"] == 1
    assert cgi == {"association is toxicity, not response": 1,
                   "tumour type not mapped to OncoTree (listed in unmapped_diseases)": 1,
                   "wild-type biomarker: the absence of variants is not assessed": 1}
    assert report["unmapped_diseases"] == [{"source": "cgi", "term": "XYZ", "rows": 1},
                                           {"source": "civic", "term": "Chimera Cancer", "rows": 1}]
    assert report["entries"] == len(entries)


def test_manifest_has_source_versions_and_output_checksums(built):
    out, _, _, manifest = built
    assert [(s["name"], s["release"]) for s in manifest["sources"]] == [
        ("CIViC", "01-Aug-2024"), ("Cancer Genome Interpreter biomarkers", "2018-01-17"), ("OncoTree", "fixture")]
    assert manifest["files"]["actionability.json"] == sha256_file(out / "actionability.json")
    assert manifest["sources"][0]["sha256"] == sha256_file(SRC / "civic" / "01-Aug-2024-ClinicalEvidenceSummaries.tsv")


def test_build_is_deterministic(built, tmp_path):
    out, *_ = built
    main(["kb-build-oncology", "--civic", str(SRC / "civic"), "--civic-release", "01-Aug-2024",
          "--cgi", str(SRC / "cgi_biomarkers_per_variant.tsv"), "--cgi-release", "2018-01-17",
          "--oncotree", str(SRC / "oncotree_fixture.tsv"), "--oncotree-release", "fixture",
          "--crosswalk", str(SRC / "crosswalk_fixture.tsv"), "--out", str(tmp_path)])
    for name in ("actionability.json", "build_report.json", "manifest.json", "oncotree.json"):
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes()


def test_crosswalk_code_missing_from_oncotree_is_an_error(tmp_path):
    bad = tmp_path / "x.tsv"
    bad.write_text("source\tterm\toncotree_code\tnote\ncivic\tMelanoma\tNOPE\t\n")
    with pytest.raises(InputError, match="unknown OncoTree code 'NOPE'"):
        read_crosswalk(bad, read_oncotree(SRC / "oncotree_fixture.tsv"))


def test_civic_variant_names_parse_to_match_levels():
    assert parse_civic_variant("E746_A750DEL")["name"] == "E746_A750del"
    assert parse_civic_variant("Amplification") == {"kind": "gene", "name": "Amplification", "class": "amplification"}
    assert parse_civic_variant("BCR::ABL1") is None


def test_shipped_crosswalk_codes_all_exist_in_the_shipped_oncotree():
    kb = ROOT / "workflow" / "resources" / "oncology"
    nodes = json.loads((kb / "oncotree.json").read_text())["nodes"]
    tree = {c: {"name": n[0], "parent": n[1]} for c, n in nodes.items()}
    assert len(read_crosswalk(kb / "disease_oncotree_crosswalk.tsv", tree)) > 80


def test_an_and_profile_of_small_variants_becomes_one_entry_per_variant_needing_the_others(built):
    _, entries, _, _ = built
    (l858r,) = find(entries, "EGFR", "L858R", "NSCLC", ["Osimertinib"])
    (t790m,) = find(entries, "EGFR", "T790M", "NSCLC", ["Osimertinib"])
    assert [(r["gene"], r["variant"]["name"]) for r in l858r["requires"]] == [("EGFR", "T790M")]
    assert [(r["gene"], r["variant"]["name"]) for r in t790m["requires"]] == [("EGFR", "L858R")]
    assert (l858r["level"], l858r["evidence"][0]["id"]) == ("B", "EID9013")
    # the single-variant L858R entry for erlotinib needs nothing else
    assert "requires" not in find(entries, "EGFR", "L858R", "NSCLC", ["Erlotinib"])[0]


def test_profiles_split_into_alternatives_of_variants_that_must_all_be_present():
    from genotailor.kb.oncology import split_profile

    assert split_profile("KRAS G12/G13") == ([[("KRAS", "G12")], [("KRAS", "G13")]], None)
    assert split_profile("EGFR L858R AND EGFR T790M") == ([[("EGFR", "L858R"), ("EGFR", "T790M")]], None)
    assert split_profile("BRAF V600E AND NOT BRAF V600K") == (
        None, "molecular profile with NOT: the absence of a variant is not assessed")
    assert split_profile("A V1E AND B V2E OR C V3E") == (None, "molecular profile mixing AND and OR: not matched")
