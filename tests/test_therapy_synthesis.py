"""The therapy synthesis of a tumour: one row per drug, co-occurring variants read together.

Each case is a real `genotailor somatic` run on a few VCF lines at GRCh38 positions of the demo
reference, against the shipped knowledge base (CIViC 01-Aug-2024 + CGI), assembled into a report.
Expected values are clinical facts, not the code's output:
- EGFR L858R + T790M, lung adenocarcinoma: osimertinib is approved for EGFR T790M-positive NSCLC
  (FDA label, 2015/2017) and for first-line exon 19 deletion / L858R NSCLC (2018); T790M is the
  acquired resistance mutation to erlotinib, gefitinib and afatinib (CIViC EID238, EID239, EID1863;
  CGI "EGFR (T790M)" at FDA-guideline level).
- BRAF V600E melanoma: dabrafenib + trametinib, vemurafenib (+ cobimetinib), encorafenib +
  binimetinib are FDA-approved for BRAF V600E melanoma; cetuximab resistance is colorectal
  evidence (CIViC EID, colorectal adenocarcinoma) and belongs to another tumour type.
- KRAS G13D colorectal cancer, cetuximab: CIViC holds G13D-specific sensitivity at level B (EID306)
  and resistance for KRAS exon 2 mutations at level A (EID993) and for G13D at level B (EID1180,
  EID1181) — a real conflict (both at level A/B), to be shown as one row.
"""

import json
import re

import pytest

from conftest import DEMO_REFERENCE, ROOT, vcf_entry_stage_files
from genotailor.cli import main
from genotailor.core.consequence import Consequence
from genotailor.core.samplesheet import Patient, Sample
from genotailor.oncology.actionability import assess, load_kb
from genotailor.report.assemble import assemble
from genotailor.report.html import render_html

HEADER = """##fileformat=VCFv4.2
##FILTER=<ID=PASS,Description="All filters passed">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">
##contig=<ID=chr3,length=198295559>
##contig=<ID=chr7,length=159345973>
##contig=<ID=chr12,length=133275309>
#CHROM	POS	ID	REF	ALT	QUAL	FILTER	INFO	FORMAT	T
"""
CASES = {
    # EGFR c.2369C>T p.T790M at 8% and c.2573T>G p.L858R at 25%, as in the demo's LUNG01
    "LUNG": ("LUAD", ["chr7\t55181378\t.\tC\tT\t.\tPASS\t.\tGT:AD\t0/1:184,16",
                      "chr7\t55191822\t.\tT\tG\t.\tPASS\t.\tGT:AD\t0/1:150,50"]),
    # BRAF c.1799T>A p.V600E and PIK3CA c.3140A>G p.H1047R, as in the demo's TUMOR01
    "MEL": ("MEL", ["chr3\t179234297\t.\tA\tG\t.\tPASS\t.\tGT:AD\t0/1:180,20",
                    "chr7\t140753336\t.\tA\tT\t.\tPASS\t.\tGT:AD\t0/1:140,60"]),
    # KRAS c.38G>A p.G13D
    "CRC": ("COADREAD", ["chr12\t25245347\t.\tC\tT\t.\tPASS\t.\tGT:AD\t0/1:150,50"]),
}


def _report(folder, name):
    tumor_type, records = CASES[name]
    (folder / "in.vcf").write_text(HEADER + "\n".join(records) + "\n")
    stage = folder / "somatic.json"
    assert main(["somatic", "--vcf", str(folder / "in.vcf"), "--tumor", "T", "--tumor-type", tumor_type,
                 "--reference", str(DEMO_REFERENCE), "--json", str(stage)]) == 0
    tumour = Sample("T", name, "tumor", "vcf", (), folder / "in.vcf.gz", None, "Mutect2", 0.6, None, None, None)
    patient = Patient(name, "female", tumor_type, False, False, (), (tumour,))
    qc, calls = vcf_entry_stage_files(folder, "T", records=len(records))
    provenance = folder / "provenance.json"
    provenance.write_text(json.dumps({"workflow": {"version": "test"}, "reference": {"name": "demo", "sha256": "0" * 64},
                                      "aligner": "none", "tools": {}, "knowledge_bases": {}}))
    report = assemble(patient, "2026-01-15", [qc], [calls], provenance, {"somatic": [stage]})
    return report, render_html(report)


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    out = {}
    for name in CASES:
        out[name] = _report(tmp_path_factory.mktemp(name.lower()), name)
    return out


def synthesis(report):
    (syn,) = report["therapy_synthesis"]
    return syn


def row(syn, therapy):
    (r,) = [r for r in syn["drugs"] if r["therapy"] == therapy]
    return r


def sides(text):
    """The drugs a summary line gives as sensitivity and as resistance: 'sensitivity — A (level A),
    B (level B); RESISTANCE (EGFR p.T790M) — C (level A)' -> ({'A', 'B'}, {'C'})."""
    found = {"sensitivity": set(), "RESISTANCE": set()}
    for part in text.split("): ", 1)[1].rstrip(".").split("; "):
        head, _, drugs = part.partition(" — ")
        key = "RESISTANCE" if head.startswith("RESISTANCE") else head
        if key in found:
            found[key] |= {re.sub(r" \(level [^)]*\)?.*$", "", d).strip() for d in re.split(r", (?![^()]*\))", drugs)}
    return found["sensitivity"], found["RESISTANCE"]


def test_lung_l858r_with_t790m_leads_with_osimertinib_against_both(reports):
    report, page = reports["LUNG"]
    syn = synthesis(report)
    lead = syn["drugs"][0]
    assert (lead["therapy"], lead["verdict"], lead["level"]) == ("Osimertinib", "sensitivity", "A")
    assert lead["effective_against"] == ["EGFR p.L858R", "EGFR p.T790M"]
    # at one level, drugs with evidence against both variants come before those against one (level C:
    # afatinib + cetuximab and HSP90 inhibitors, CGI, before e.g. erlotinib + pemetrexed, CIViC EID277)
    pro = [r for r in syn["drugs"] if r["verdict"] == "sensitivity"]
    for a, b in zip(pro, pro[1:]):
        assert a["effective_level"] < b["effective_level"] or len(a["effective_against"]) >= len(b["effective_against"])
    assert {"Afatinib + Cetuximab", "Erlotinib + Pemetrexed"} <= {r["therapy"] for r in pro if r["level"] == "C"}
    (reading,) = syn["readings"]
    assert (reading["sensitizing"], reading["resistance"]) == (["EGFR p.L858R"], ["EGFR p.T790M"])
    assert reading["effective_against_all"][0] == {"therapy": "Osimertinib", "level": "A"}
    # the summary's first line is the synthesis, and it names osimertinib first
    first = report["summary"]["actionable"][0]
    assert first["text"].startswith("Therapies for Lung Adenocarcinoma (T; EGFR p.L858R, Tier I, VAF 25.0%; "
                                    "EGFR p.T790M, Tier I, VAF 8.0% read together): sensitivity — Osimertinib (level A; "
                                    "effective against EGFR p.L858R and EGFR p.T790M)")
    assert f'href="#{first["target"]}"' in page and f'id="{first["target"]}"' in page
    summary = page[page.index('<section id="summary">'):page.index("</section>")]
    assert "Osimertinib" in summary


def test_lung_drugs_t790m_defeats_are_resistance_not_on_both_sides(reports):
    report, page = reports["LUNG"]
    syn = synthesis(report)
    for drug in ("Erlotinib", "Gefitinib", "Afatinib"):
        r = row(syn, drug)
        assert (r["verdict"], r["defeated_by"]) == ("resistance", [{"variant": "EGFR p.T790M"}]), drug
        assert r["effective_against"] == []
    # one row per drug in the synthesis, and one line per drug for each variant
    names = [r["therapy"] for r in syn["drugs"]]
    assert len(names) == len(set(names))
    for v in report["somatic"]:
        per_variant = [ln["therapy"] for ln in v["therapy_lines"]["drugs"]]
        assert len(per_variant) == len(set(per_variant)), v["protein_change"]
    # no summary line gives a drug both as sensitivity and as resistance
    for ln in report["summary"]["actionable"]:
        pro, con = sides(ln["text"])
        assert pro and not pro & con, ln["text"]
    pro, con = sides(report["summary"]["actionable"][0]["text"])
    assert {"Erlotinib", "Gefitinib", "Afatinib"} <= con and "Osimertinib" in pro
    assert "RESISTANCE (EGFR p.T790M)" in page


def test_melanoma_braf_row_has_one_line_per_drug_and_one_line_for_other_tumour_types(reports):
    report, page = reports["MEL"]
    (braf,) = [v for v in report["somatic"] if v["gene"] == "BRAF"]
    lines = braf["therapy_lines"]
    melanoma = [ln["therapy"] for ln in lines["drugs"]]
    assert len(melanoma) == len(set(melanoma))
    assert {"Dabrafenib + Trametinib", "Vemurafenib", "Cobimetinib + Vemurafenib", "Binimetinib + Encorafenib"} <= set(
        melanoma)
    assert {ln["level"] for ln in lines["drugs"] if ln["therapy"] in ("Dabrafenib + Trametinib", "Vemurafenib")} == {"A"}
    # colorectal evidence (cetuximab resistance) is only on the other tumour types' line
    assert "Cetuximab" not in melanoma
    others = [ln["therapy"] for ln in lines["other_tumour_types"]]
    assert "Cetuximab" in others and len(others) == len(set(others))
    (cetuximab,) = [ln for ln in lines["other_tumour_types"] if ln["therapy"] == "Cetuximab"]
    assert cetuximab["verdict"] == "resistance" and cetuximab["resistance"]["diseases"][0] == "Colorectal Adenocarcinoma"
    # the page: the BRAF detail row holds one table row per melanoma drug and one other-types line
    start = page.index('id="variant-T-chr7-140753336-A-T"')
    detail = page[start:page.index('<tr id="variant-', start + 10)]
    table = detail[detail.index('<table class="therapies"'):detail.index("</table>")]
    assert table.count("<tr") == 1 + len(melanoma)
    assert detail.count('class="note other-types"') == 1
    assert detail.count("Cetuximab —") == 1


def test_pik3ca_h1047r_in_lung_adenocarcinoma_is_not_tier_i_from_a_gene_level_level_b_item():
    # CIViC's "PIK3CA Mutation" items for NSCLC (erlotinib and gefitinib resistance) are level B and
    # gene level: they do not say H1047R was studied. AMP/ASCO/CAP Tier I needs level A/B evidence for
    # the variant; a gene-level item gives it only at level A.
    kb = load_kb(ROOT / "workflow" / "resources" / "oncology")
    h1047r = Consequence("PIK3CA", "ENST", None, "missense_variant", ["missense_variant"], None, "p.H1047R", None,
                         1047, 21)
    r = assess(h1047r, "LUAD", kb, known_hotspot=True)
    gene_level_b = [t for t in r["therapies"] if t["this_tumour_type"] and t["match"] == "gene"
                    and t["evidence_level"] == "B"]
    assert {t["therapies"][0] for t in gene_level_b} >= {"Erlotinib", "Gefitinib"}
    assert not [t for t in r["therapies"] if t["this_tumour_type"] and t["match"] != "gene"
                and t["evidence_level"] in "AB"]
    assert (r["tier"], r["amp_level"]) == ("II", "C")
    assert r["tier_reason"].startswith("level A/B evidence for this tumour type at gene level only")
    # level A at gene level still counts for a hotspot: alpelisib + fulvestrant in breast cancer
    # (FDA label: PIK3CA-mutated HR+/HER2- advanced breast cancer)
    assert assess(h1047r, "BREAST", kb, known_hotspot=True)["tier"] == "I"


def test_conflicting_evidence_for_one_drug_is_one_row_with_both_levels_and_sources(reports):
    report, page = reports["CRC"]
    (g13d,) = report["somatic"]
    assert g13d["protein_change"] == "p.G13D"
    (line,) = [ln for ln in g13d["therapy_lines"]["drugs"] if ln["therapy"] == "Cetuximab"]
    assert (line["verdict"], line["sensitivity"]["level"], line["resistance"]["level"]) == ("conflicting", "B", "A")
    assert "EID306" in {s["id"] for s in line["sensitivity"]["sources"]}
    assert "EID993" in {s["id"] for s in line["resistance"]["sources"]}
    syn = synthesis(report)
    assert row(syn, "Cetuximab")["verdict"] == "conflicting"
    table = page[page.index('<table class="synthesis"'):]
    table = table[:table.index("</table>")]
    rows = [tr for tr in table.split("<tr")[1:] if "<td>Cetuximab</td>" in tr]
    assert len(rows) == 1
    assert "conflicting evidence" in rows[0] and "sensitivity level B, resistance level A" in rows[0]
    assert "EID306" in rows[0] and "EID993" in rows[0]
    summary_lines = [ln["text"] for ln in report["summary"]["actionable"]]
    assert any("conflicting evidence — " in t and "Cetuximab (sensitivity level B, resistance level A)" in t
               for t in summary_lines)
