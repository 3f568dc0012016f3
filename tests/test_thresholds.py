"""Values exactly on every threshold, VAFs that are not exact at two decimals, multi-allelic read
counts, and the consent combination of PGx consent + an indication + secondary findings declined.

Expected outcomes come from the stated meaning of each threshold, not from the code:
- config/README.md: QC gates are `warn_below` / `fail_below` / `warn_above` / `fail_above` — a metric
  exactly on a threshold has not crossed it; loci count as covered "at >= min_locus_depth";
- calling.somatic: min_depth, min_alt_reads, min_vaf are minimums (a value equal passes), and the
  normal fails only "above" max_normal_vaf; oncology.tmb counts variants "with VAF and depth at or
  above these values";
- VAF of one ALT of a multi-allelic site = its reads / all reads at the site (bcftools +fill-tags
  FORMAT/VAF: AD[alt] / sum(AD));
- core/consent.py: a gene the patient is tested for is analysed whatever the secondary-findings
  consent, and with PGx consent the pharmacogenes that are SF genes stay.
"""

from __future__ import annotations

from argparse import Namespace
from pathlib import Path

import pysam
import pytest
import yaml

from conftest import DEMO_REFERENCE, write_vcf
from genotailor.core.paths import GERMLINE_KB, HOTSPOTS, ONCOLOGY_KB, TRANSCRIPT_MODELS
from genotailor.oncology.readcounts import VafReader
from genotailor.oncology.run import run_somatic
from genotailor.oncology.tmb import TmbSettings, tmb
from genotailor.steps.calling.somatic import SomaticThresholds, somatic_filters
from genotailor.steps.qc import judge, sample_qc

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
GATES = CONFIG["qc"]["gates"]

# --- QC gates: every threshold of the shipped config, exactly on it -----------------------------------


def _on_threshold_cases():
    """(metric, kind, threshold, expected status) for each threshold of each gate of the config.

    Exactly on `fail_below` / `fail_above`: not failed; it has crossed the (stricter) warn threshold,
    so warn — the config's warn thresholds all lie strictly inside its fail thresholds. Exactly on
    `warn_below` / `warn_above`: pass."""
    cases = []
    for metric, g in GATES.items():
        for kind, value in g.items():
            if kind.startswith("fail"):
                side = kind.split("_")[1]
                warn = g.get(f"warn_{side}")
                assert warn is not None and warn != value, f"{metric}: the case below assumes distinct warn/fail"
                cases.append((metric, kind, value, "warn"))
            else:
                cases.append((metric, kind, value, "pass"))
    return cases


@pytest.mark.parametrize("metric,kind,value,expected", _on_threshold_cases(),
                         ids=[f"{m}-{k}" for m, k, _, _ in _on_threshold_cases()])
def test_a_metric_exactly_on_a_gate_threshold_has_not_crossed_it(metric, kind, value, expected):
    (v,) = judge({metric: value}, {metric: GATES[metric]})
    assert (v["metric"], v["value"], v["status"]) == (metric, value, expected)


def test_every_gate_of_the_shipped_config_is_covered_by_the_on_threshold_cases():
    kinds = {(m, k) for m, k, _, _ in _on_threshold_cases()}
    assert kinds == {(m, k) for m, g in GATES.items() for k in g}
    assert {k for _, k in kinds} == {"warn_below", "fail_below", "warn_above", "fail_above"}


@pytest.mark.parametrize("gate,below,expected", [
    ({"fail_below": 0.75}, 0.7499, "fail"), ({"fail_above": 0.35}, 0.3501, "fail"),
    ({"warn_below": 0.85}, 0.8499, "warn"), ({"warn_above": 0.20}, 0.2001, "warn"),
])
def test_one_step_past_a_threshold_crosses_it(gate, below, expected):
    (v,) = judge({"m": below}, {"m": gate})
    assert v["status"] == expected


def _fastp(path, reads, q30, bases):
    import json

    path.write_text(json.dumps({
        "summary": {"before_filtering": {"total_reads": reads},
                    "after_filtering": {"total_reads": reads, "total_bases": bases, "q30_bases": q30}},
        "adapter_cutting": {"adapter_trimmed_reads": 0}, "insert_size": {"peak": 300}}))
    return path


def test_q30_rate_of_exactly_three_quarters_and_reads_exactly_at_the_minimum_warn_not_fail(tmp_path):
    # 10,000 reads (fail_below 10000) and 1,500,000 of 2,000,000 bases >= Q30: q30_rate 0.75 (fail_below 0.75)
    qc = sample_qc("S1", {"gates": GATES, "min_locus_depth": 20},
                   fastp=[_fastp(tmp_path / "f.json", 10_000, 1_500_000, 2_000_000)])
    assert (qc["metrics"]["reads_after_filtering"], qc["metrics"]["q30_rate"]) == (10_000, 0.75)
    assert (qc["status"], qc["failed_gates"]) == ("warn", [])
    assert set(qc["warned_gates"]) == {"reads_after_filtering", "q30_rate"}
    # one read and one Q30 base fewer: both fail (q30 1,499,000 / 2,000,000 = 0.7495)
    qc = sample_qc("S1", {"gates": GATES, "min_locus_depth": 20},
                   fastp=[_fastp(tmp_path / "g.json", 9_999, 1_499_000, 2_000_000)])
    assert (qc["status"], sorted(qc["failed_gates"])) == ("fail", ["q30_rate", "reads_after_filtering"])


def test_a_locus_exactly_at_min_locus_depth_is_covered_and_four_of_five_is_exactly_the_fail_line(tmp_path):
    loci = tmp_path / "loci.regions.bed"
    # depths 20 (= min_locus_depth: covered), 20, 20, 25, 19.99 (not covered): 4 / 5 = 0.80 = fail_below
    loci.write_text("".join(f"chr1\t{p - 1}\t{p}\tL{p}\t{d}\n"
                            for p, d in [(100, "20.00"), (200, "20.00"), (300, "20.00"), (400, "25.00"),
                                         (500, "19.99")]))
    panel = tmp_path / "panel.bed"
    panel.write_text("chr1\t0\t1000\n")
    qc = sample_qc("S1", {"gates": {"loci_covered_rate": GATES["loci_covered_rate"]}, "min_locus_depth": 20},
                   loci=loci, panel=panel)
    assert (qc["metrics"]["loci_in_panel"], qc["metrics"]["loci_covered_rate"]) == (5, 0.8)
    assert qc["status"] == "warn"


# --- the somatic screen: minimums met exactly pass; the normal fails only above its maximum ---------

SOMATIC = CONFIG["calling"]["somatic"]


def _th():
    return SomaticThresholds(min_depth=SOMATIC["min_depth"], min_alt_reads=SOMATIC["min_alt_reads"],
                             min_vaf=SOMATIC["min_vaf"], max_normal_vaf=SOMATIC["max_normal_vaf"],
                             min_normal_depth=SOMATIC["min_normal_depth"])


def test_the_shipped_somatic_thresholds_are_the_ones_these_cases_are_worked_for():
    assert (SOMATIC["min_depth"], SOMATIC["min_alt_reads"], SOMATIC["min_vaf"], SOMATIC["max_normal_vaf"],
            SOMATIC["min_normal_depth"]) == (50, 8, 0.05, 0.02, 20)


@pytest.mark.parametrize("t_alt,t_depth", [(8, 160), (13, 260), (50, 1000)])
def test_a_tumour_vaf_of_exactly_five_percent_passes(t_alt, t_depth):
    # 8/160, 13/260, 50/1000 are each exactly 0.05 = min_vaf
    assert somatic_filters(t_alt, t_depth, 0, 20, _th(), has_normal=True) == []


def test_depth_and_alt_reads_exactly_at_their_minimums_pass_and_one_fewer_fails():
    th = _th()
    # 8 of 50 reads (VAF 0.16), normal 20 reads without the allele: every minimum met exactly
    assert somatic_filters(8, 50, 0, 20, th, has_normal=True) == []
    assert somatic_filters(8, 49, 0, 20, th, has_normal=True) == ["LowDepth"]
    assert somatic_filters(7, 50, 0, 20, th, has_normal=True) == ["LowAltReads"]
    assert somatic_filters(8, 50, 0, 19, th, has_normal=True) == ["LowNormalDepth"]


def test_a_vaf_just_under_five_percent_is_low():
    # 12/241 = 0.04979..., 104/2081 = 0.04998 (0.05 at four decimals, still below)
    assert somatic_filters(12, 241, 0, 20, _th(), has_normal=True) == ["LowVAF"]
    assert somatic_filters(104, 2081, 0, 20, _th(), has_normal=True) == ["LowVAF"]


def test_a_normal_vaf_exactly_at_the_maximum_is_not_germline_and_just_above_is():
    th = _th()
    assert somatic_filters(60, 200, 2, 100, th, has_normal=True) == []  # 2/100 = 0.02: not above
    assert somatic_filters(60, 200, 1, 50, th, has_normal=True) == []  # 1/50 = 0.02
    assert somatic_filters(60, 200, 3, 100, th, has_normal=True) == ["GermlineOrNormal"]  # 0.03


def test_a_one_third_minimum_vaf_is_met_by_one_read_in_three():
    th = SomaticThresholds(min_depth=3, min_alt_reads=1, min_vaf=1 / 3)
    assert somatic_filters(1, 3, 0, 0, th, has_normal=False) == []
    assert somatic_filters(33, 100, 0, 0, th, has_normal=False) == ["LowVAF"]


# --- TMB: "at or above" its VAF and depth thresholds --------------------------------------------------

TMB = CONFIG["oncology"]["tmb"]
CODING = [("chr1", 0, 1_000_000)]


def _v(vaf, depth, pos=100):
    return {"chrom": "chr1", "pos": pos, "vaf": vaf, "depth": depth, "consequence": "missense_variant",
            "filter": "PASS", "protein_altering": True}


def test_tmb_counts_a_variant_exactly_at_its_vaf_and_depth_minimums_and_not_one_step_below():
    settings = TmbSettings(min_vaf=TMB["min_vaf"], min_depth=TMB["min_depth"], min_callable_mb=1.0)
    assert (TMB["min_vaf"], TMB["min_depth"]) == (0.05, 50)
    assert tmb([_v(7 / 140, 140)], CODING, settings, "t")["mutations"] == 1  # 7/140 = 0.05
    assert tmb([_v(0.2, 50)], CODING, settings, "t")["mutations"] == 1
    assert tmb([_v(0.2, 49)], CODING, settings, "t")["mutations"] == 0
    assert tmb([_v(0.0499, 500)], CODING, settings, "t")["mutations"] == 0


def test_tmb_is_assessed_at_exactly_the_minimum_callable_territory():
    result = tmb([_v(0.2, 100)], CODING, TmbSettings(min_callable_mb=1.0), "t")
    assert (result["method"], result["callable_mb"], result["per_mb"]) == ("coding_mutations_per_callable_mb", 1.0, 1.0)
    result = tmb([_v(0.2, 100)], [("chr1", 0, 999_999)], TmbSettings(min_callable_mb=1.0), "t")
    assert result["method"] == "not_assessed"


# --- VAF from a tumour VCF: counts that are not exact at two decimals, and multi-allelic AD ---------

BRAF = ("chr7", 140753336, "A")  # NM_004333.6:c.1799T>A p.Val600Glu is A>T here (GRCh38)
CHR7 = 159345973
AD_HEADER = '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">'
BRAF_EXON15 = "chr7\t140753239\t140753450\n"


def _tumour(path, alts, ad):
    line = f"chr7\t{BRAF[1]}\t.\t{BRAF[2]}\t{alts}\t50\tPASS\t.\tGT:AD\t0/1:{ad}"
    return write_vcf(path, [line], samples=("T",), extra_header=AD_HEADER, contigs=(("chr7", CHR7),))


def test_multiallelic_ad_gives_each_alt_its_own_reads_over_all_reads_at_the_site(tmp_path):
    vcf = _tumour(tmp_path / "m.vcf.gz", "T,C", "10,5,7")
    with pysam.VariantFile(str(vcf)) as vf:
        rec = next(iter(vf))
        reader = VafReader(vf.header, vcf)
        t, c = reader.read(rec, "T", 1), reader.read(rec, "T", 2)
    # 22 reads at the site: T 5/22 = 0.2273, C 7/22 = 0.3182 (four decimals)
    assert (t.alt_reads, t.depth, t.vaf) == (5, 22, 0.2273)
    assert (c.alt_reads, c.depth, c.vaf) == (7, 22, 0.3182)


def _somatic(vcf, tmp_path, settings):
    panel = tmp_path / "panel.bed"
    panel.write_text(BRAF_EXON15)
    return run_somatic(vcf, "T", "MEL", DEMO_REFERENCE, TRANSCRIPT_MODELS, ONCOLOGY_KB, HOTSPOTS, settings,
                       panel=panel)


def test_v600e_at_seven_of_140_reads_is_exactly_five_percent_and_counts_for_tmb(tmp_path):
    doc = _somatic(_tumour(tmp_path / "a.vcf.gz", "T", "133,7"), tmp_path, TmbSettings(min_callable_mb=0.0))
    [v] = doc["somatic"]
    assert (v["hgvs_c"], v["vaf"], v["depth"], v["alt_reads"]) == ("c.1799T>A", 0.05, 140, 7)
    assert doc["tmb"]["mutations"] == 1


def test_a_vaf_that_rounds_to_five_percent_but_is_below_it_does_not_count_for_tmb(tmp_path):
    # 105 of 2101 reads = 0.049976...: 0.05 at four decimals, yet below min_vaf 0.05
    doc = _somatic(_tumour(tmp_path / "b.vcf.gz", "T", "1996,105"), tmp_path, TmbSettings(min_callable_mb=0.0))
    [v] = doc["somatic"]
    assert (v["depth"], v["alt_reads"]) == (2101, 105)
    assert doc["tmb"]["mutations"] == 0


def test_one_read_in_three_is_vaf_0_3333_and_meets_a_one_third_minimum(tmp_path):
    doc = _somatic(_tumour(tmp_path / "c.vcf.gz", "T", "100,50"), tmp_path,
                   TmbSettings(min_vaf=1 / 3, min_depth=150, min_callable_mb=0.0))
    [v] = doc["somatic"]
    assert (v["vaf"], v["depth"]) == (0.3333, 150)
    assert doc["tmb"]["mutations"] == 1


# --- consent: PGx consent + an indication + secondary findings declined ------------------------------

HBOC = ["BRCA1", "BRCA2", "PALB2"]  # hereditary_breast_ovarian (workflow/resources/germline/panels.yaml)
SF_PHARMACOGENES = {"RYR1", "CACNA1S"}  # ACMG SF v3.2 genes that are CPIC pharmacogenes (MH susceptibility)


def test_panels_file_and_sf_list_are_what_the_consent_cases_assume():
    panels = yaml.safe_load((GERMLINE_KB / "panels.yaml").read_text())
    text = yaml.safe_dump(panels)
    assert all(g in text for g in HBOC)
    from genotailor.core.kbfiles import load_acmg_sf

    sf = set(load_acmg_sf()["genes"])
    assert set(HBOC) | SF_PHARMACOGENES | {"MLH1"} <= sf


def test_pgx_consent_with_an_indication_keeps_both_the_indication_genes_and_the_pharmacogenes():
    from genotailor.core.consent import withheld_genes
    from genotailor.core.kbfiles import load_acmg_sf

    sf = set(load_acmg_sf()["genes"])
    withheld = withheld_genes(False, HBOC, pgx_consent=True)
    assert withheld == sorted(sf - set(HBOC) - SF_PHARMACOGENES)
    assert "MLH1" in withheld  # an SF gene neither indicated nor a pharmacogene: withheld


def test_the_step_options_of_such_a_patient_leave_brca2_and_ryr1_in_and_mlh1_out():
    """The options the workflow gives a germline step of this patient (common.smk consent_flags):
    --withhold-secondary-findings --keep-genes BRCA1,BRCA2,PALB2 --pgx-consent."""
    from genotailor.cli.consent import withheld_spans

    args = Namespace(withhold_secondary_findings=True, keep_genes=",".join(HBOC), pgx_consent=True,
                     keep_regions=None, germline_kb=str(GERMLINE_KB), consent_models=str(TRANSCRIPT_MODELS))
    spans = withheld_spans(args)

    def withheld(chrom, pos):
        return any(c == chrom and s < pos <= e for c, s, e in spans)

    assert not withheld("chr13", 32316470)  # BRCA2 c.10G>T (ClinVar 51063): indication gene
    assert not withheld("chr19", 38440802)  # RYR1 (19q13.2): pharmacogene with PGx consent
    assert withheld("chr3", 37040201)  # MLH1 c.1574T>A (ClinVar 89797): SF gene, withheld
