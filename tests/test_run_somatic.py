"""`genotailor somatic` on a small Mutect2-style tumour/normal VCF (real GRCh38 positions in the demo
reference's EGFR, BRAF and KRAS windows)."""

import json

import pytest

from conftest import DEMO_REFERENCE, vcf_entry_stage_files
from genotailor.cli import main
from genotailor.core.contracts import load_stage

HEADER = """##fileformat=VCFv4.2
##FILTER=<ID=PASS,Description="All filters passed">
##FILTER=<ID=weak_evidence,Description="Mutect2 weak evidence">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">
##FORMAT=<ID=AF,Number=A,Type=Float,Description="Allele fractions">
##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">
##contig=<ID=chr7,length=159345973>
##contig=<ID=chr12,length=133275309>
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tLUNG-N\tLUNG-T
"""
RECORDS = [
    "chr7\t55181378\t.\tC\tT\t.\tPASS\t.\tGT:AD:AF:DP\t0/0:120,0:0.008:121\t0/1:180,45:0.2:226",  # EGFR T790M
    "chr7\t55191822\t.\tT\tG\t.\tPASS\t.\tGT:AD:AF:DP\t0/0:110,0:0.009:110\t0/1:140,60:0.3:202",  # EGFR L858R
    "chr7\t140753250\t.\tG\tA\t.\tPASS\t.\tGT:AD:AF:DP\t0/0:90,0:0.01:90\t0/1:100,25:0.2:125",  # BRAF intronic
    "chr12\t25245351\t.\tC\tA\t.\tweak_evidence\t.\tGT:AD:AF:DP\t0/0:80,0:0.01:80\t0/1:150,4:0.03:154",  # filtered
]


@pytest.fixture(scope="module")
def lung(tmp_path_factory):
    d = tmp_path_factory.mktemp("lung")
    vcf = d / "lung.vcf"
    vcf.write_text(HEADER.replace("\\t", "\t") + "\n".join(RECORDS) + "\n")
    panel = d / "panel.bed"
    panel.write_text("chr7\t55181263\t55181578\nchr7\t55191685\t55191966\nchr7\t140753239\t140753450\n")
    out = d / "lung.json"
    code = main(["somatic", "--vcf", str(vcf), "--tumor", "LUNG-T", "--normal", "LUNG-N", "--tumor-type", "LUAD",
                 "--reference", str(DEMO_REFERENCE), "--panel", str(panel), "--json", str(out)])
    assert code == 0
    return load_stage("somatic", out)


def by_change(doc):
    return {v["protein_change"] or v["hgvs_c"]: v for v in doc["somatic"]}


def test_l858r_is_tier_i_with_its_hgvs_vaf_and_evidence_links(lung):
    v = by_change(lung)["p.L858R"]
    assert (v["gene"], v["hgvs_c"], v["protein_change_3"], v["tier"], v["amp_level"]) == (
        "EGFR", "c.2573T>G", "p.Leu858Arg", "I", "A")
    assert (v["vaf"], v["depth"], v["alt_reads"], v["vaf_source"], v["normal_vaf"]) == (0.3, 200, 60, "FORMAT/AD", 0.0)
    osimertinib = [t for t in v["therapies"] if t["therapies"] == ["Osimertinib"] and t["this_tumour_type"]]
    assert osimertinib and all(s["url"].startswith("https://") for t in osimertinib for s in t["sources"])


def test_t790m_carries_resistance_to_first_generation_inhibitors(lung):
    v = by_change(lung)["p.T790M"]
    resistance = {t["therapies"][0] for t in v["therapies"] if t["direction"] == "resistance" and t["this_tumour_type"]}
    assert {"Erlotinib", "Gefitinib"} <= resistance
    assert v["tier"] == "I"


def test_intronic_variant_is_counted_not_listed_and_filtered_records_are_counted(lung):
    # BRAF c.1860+25C>T (its HGVS is asserted in test_oncology_consequence): intronic, away from the
    # splice sites, no knowledge-base match -> counted by consequence, not listed in full
    assert all(v["pos"] != 140753250 for v in lung["somatic"])
    assert (lung["other_variants"]["count"], lung["other_variants"]["by_consequence"]) == (1, {"intron_variant": 1})
    assert lung["filtered_records"] == 1
    assert [v["tier"] for v in lung["somatic"]] == ["I", "I"]


def test_tmb_on_a_tiny_panel_is_not_assessed_but_shows_its_figures(lung):
    tmb = lung["tmb"]
    # coding bases in the panel: EGFR exon 20 CDS 186 + exon 21 CDS 156 + BRAF exon 15 119 = 461 bp
    assert (tmb["per_mb"], tmb["method"], tmb["mutations"], tmb["callable_mb"]) == (None, "not_assessed", 2, 0.000461)
    assert tmb["reason"].startswith("callable coding territory 0.000461 Mb is below the configured minimum 1.0 Mb")


def test_unknown_tumour_sample_column_is_named(tmp_path, capsys, lung):
    vcf = tmp_path / "v.vcf"
    vcf.write_text(HEADER.replace("\\t", "\t") + RECORDS[0] + "\n")
    code = main(["somatic", "--vcf", str(vcf), "--tumor", "TUMOUR", "--tumor-type", "LUAD",
                 "--reference", str(DEMO_REFERENCE), "--json", str(tmp_path / "o.json")])
    assert code == 2
    assert "no tumour sample column 'TUMOUR' (columns: LUNG-N, LUNG-T)" in capsys.readouterr().err


def test_report_shows_tiers_resistance_links_and_tmb_reason(lung, tmp_path):
    from genotailor.core.samplesheet import Patient, Sample
    from genotailor.report.assemble import assemble
    from genotailor.report.html import render_html

    def dump(name, obj):
        (tmp_path / name).write_text(json.dumps(obj))
        return tmp_path / name

    tumour = Sample("LUNG-T", "LUNG01", "tumor", "vcf", (), tmp_path / "in.vcf.gz", None, "Mutect2", 0.6, None,
                    None, None)
    patient = Patient("LUNG01", "female", "LUAD", False, False, (), (tumour,))
    qc, calls = vcf_entry_stage_files(tmp_path, "LUNG-T", records=4)
    provenance = dump("prov.json", {"workflow": {"version": "test"}, "reference": {"name": "demo", "sha256": "0" * 64},
                                    "aligner": "none", "tools": {}, "knowledge_bases": {}})
    report = assemble(patient, "2026-01-15", [qc], [calls], provenance, {"somatic": [dump("somatic.json", lung)]})
    assert [(v["protein_change"], v["tier"]) for v in report["somatic"]][:2] == [("p.T790M", "I"), ("p.L858R", "I")]
    assert report["tmb"]["method"] == "not_assessed"
    assert any(lim["section"] == "tmb" and "below the configured minimum" in lim["reason"]
               for lim in report["limitations"])
    page = render_html(report)
    assert "Tier I (level A)" in page and "p.Leu858Arg" in page and "NM_005228.5:c.2573T&gt;G" in page
    assert '<tr class="resistance">' in page and "RESISTANCE" in page
    assert 'href="https://civicdb.org/links/evidence_items/' in page
    assert "Not assessed: callable coding territory 0.000461 Mb" in page
    assert report["somatic_other_variants"][0]["count"] == 1
    assert "LUNG-T: 1 other PASS variant counted, not listed (intron_variant 1)" in page


def _msi_file(path, sample):
    """A valid MSI stage file: 2 of 5 loci shifted in half their reads (40% unstable: MSI-H)."""
    from collections import Counter

    from genotailor.core.paths import ONCOLOGY_KB
    from genotailor.oncology.msi import Locus, MsiSettings, actionability, assess_msi

    loci = [Locus("chr1", 1000 * i, 1000 * i + 12, "A12", "A", 12, "ACGTACGTAC", "GTCAGTCAGT", None, None)
            for i in range(1, 6)]
    doc = assess_msi([Counter({12: 50, 10: 50})] * 2 + [Counter({12: 100})] * 3, [Counter({12: 100})] * 5, loci,
                     [True] * 5, MsiSettings(min_informative_loci=5), 0.5)
    path.write_text(json.dumps({"sample": sample, "normal": "LUNG-N", **doc,
                                "actionability": actionability(doc["status"], "LUAD", ONCOLOGY_KB)}))
    return path


def test_the_msi_result_is_carried_into_the_somatic_document_with_pembrolizumab(tmp_path):
    vcf = tmp_path / "lung.vcf"
    vcf.write_text(HEADER.replace("\\t", "\t") + "\n".join(RECORDS) + "\n")
    out = tmp_path / "lung.json"
    code = main(["somatic", "--vcf", str(vcf), "--tumor", "LUNG-T", "--normal", "LUNG-N", "--tumor-type", "LUAD",
                 "--reference", str(DEMO_REFERENCE), "--msi", str(_msi_file(tmp_path / "msi.json", "LUNG-T")),
                 "--json", str(out)])
    assert code == 0
    msi = load_stage("somatic", out)["msi"]
    assert (msi["status"], msi["score_percent"], msi["actionability"]["tier"]) == ("MSI-H", 40.0, "I")
    assert msi["actionability"]["therapies"][0]["therapies"] == ["Pembrolizumab"]


def test_an_msi_result_of_another_sample_is_refused(tmp_path, capsys):
    vcf = tmp_path / "lung.vcf"
    vcf.write_text(HEADER.replace("\\t", "\t") + "\n".join(RECORDS) + "\n")
    code = main(["somatic", "--vcf", str(vcf), "--tumor", "LUNG-T", "--tumor-type", "LUAD",
                 "--reference", str(DEMO_REFERENCE), "--msi", str(_msi_file(tmp_path / "msi.json", "OTHER-T")),
                 "--json", str(tmp_path / "out.json")])
    assert code == 2
    assert "is of sample 'OTHER-T', not of the tumour 'LUNG-T'" in capsys.readouterr().err
