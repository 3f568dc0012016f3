"""`genotailor msi` on simulated tumour/normal alignments over real GRCh38 microsatellite windows
(dev/testdata/msi.py): the expected statuses and unstable loci are the simulation's planted truth."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from genotailor.dev.testdata.msi import simulate_pair

REPO = Path(__file__).resolve().parents[1]
LOCI = REPO / "test-data" / "reference" / "source" / "msi_loci.tsv"
WINDOWS = REPO / "test-data" / "reference" / "source" / "msi_locus_windows.fa"


@pytest.fixture(scope="module")
def sims(tmp_path_factory):
    """An MSI-H tumour at purity 0.5 (40% of the loci shifted) with its normal, and a stable tumour."""
    root = tmp_path_factory.mktemp("msi")
    high = simulate_pair(WINDOWS, LOCI, root / "high", purity=0.5, unstable_fraction=0.4, seed=7, depth=100)
    stable = simulate_pair(WINDOWS, LOCI, root / "stable", purity=0.5, unstable_fraction=0.0, seed=7, depth=100,
                           normal=False)
    return root, high, stable


def _msi(out: Path, tumour: Path, normal: Path | None, *extra) -> dict:
    cmd = [sys.executable, "-m", "genotailor", "msi", "--tumor-bam", str(tumour), "--tumor", "T1",
           "--loci", str(LOCI), "--json", str(out), *extra]
    if normal:
        cmd += ["--normal-bam", str(normal), "--normal", "N1"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return json.loads(out.read_text())


def _unstable(doc) -> set:
    return {f"{r['chrom']}:{r['start']}" for r in doc["loci"] if r["status"] == "unstable"}


def test_planted_msi_h_tumour_at_purity_half_is_msi_h_with_exactly_the_planted_loci(sims, tmp_path):
    root, high, _ = sims
    doc = _msi(tmp_path / "msi.json", root / "high" / "tumour.bam", root / "high" / "normal.bam", "--purity", "0.5")
    assert (doc["status"], doc["mode"]) == ("MSI-H", "paired")
    assert _unstable(doc) == set(high["unstable"])
    assert doc["informative_loci"] == 120 and doc["unstable_loci"] == 48 and doc["score_percent"] == 40.0
    assert {m["marker"]: m["status"] for m in doc["markers"]}["BAT-25"] == "unstable"


def test_stable_tumour_is_mss_with_no_unstable_locus(sims, tmp_path):
    root, _, _ = sims
    doc = _msi(tmp_path / "msi.json", root / "stable" / "tumour.bam", root / "high" / "normal.bam", "--purity", "0.5")
    assert (doc["status"], doc["unstable_loci"], doc["score_percent"]) == ("MSS", 0, 0.0)


def test_a_panel_covering_fewer_loci_than_the_minimum_is_not_assessed_with_that_reason(sims, tmp_path):
    root, _, _ = sims
    panel = tmp_path / "panel.bed"
    panel.write_text("chr2\t47413000\t47415000\nchr4\t54731000\t54733000\n")  # BAT-26 and BAT-25 only
    doc = _msi(tmp_path / "msi.json", root / "high" / "tumour.bam", root / "high" / "normal.bam",
               "--panel", str(panel), "--min-loci", "50")
    assert (doc["status"], doc["not_assessed_because"]) == ("not_assessed", ["loci"])
    assert doc["reason"] == "the panel covers 2 of the 120 loci of the list; at least 50 informative loci are needed"
    assert doc["informative_loci"] == 2


def test_too_few_spanning_reads_is_not_assessed_for_depth(sims, tmp_path):
    root, _, _ = sims
    doc = _msi(tmp_path / "msi.json", root / "high" / "tumour.bam", root / "high" / "normal.bam",
               "--min-reads", "100000")
    assert (doc["status"], doc["not_assessed_because"]) == ("not_assessed", ["depth"])
    assert doc["reason"].startswith("depth too low: 0 of the 120 loci in the panel")


def test_purity_below_the_configured_limit_is_not_assessed(sims, tmp_path):
    root, _, _ = sims
    doc = _msi(tmp_path / "msi.json", root / "high" / "tumour.bam", root / "high" / "normal.bam", "--purity", "0.1")
    assert (doc["status"], doc["not_assessed_because"]) == ("not_assessed", ["purity"])


def test_tumour_only_calls_the_planted_tumour_msi_h_with_its_caveat(sims, tmp_path):
    root, high, _ = sims
    doc = _msi(tmp_path / "msi.json", root / "high" / "tumour.bam", None)
    assert (doc["mode"], doc["status"]) == ("tumor_only", "MSI-H")
    assert doc["caveat"].startswith("tumour-only")
    assert _unstable(doc) == set(high["unstable"])


def test_same_inputs_give_byte_identical_output(sims, tmp_path):
    root, _, _ = sims
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    _msi(a, root / "high" / "tumour.bam", root / "high" / "normal.bam")
    _msi(b, root / "high" / "tumour.bam", root / "high" / "normal.bam")
    assert a.read_bytes() == b.read_bytes()


@pytest.fixture(scope="module")
def polymorphic(tmp_path_factory):
    """A stable tumour and its normal sharing germline length polymorphisms at 25% of the loci."""
    root = tmp_path_factory.mktemp("msi_germline")
    truth = simulate_pair(WINDOWS, LOCI, root, purity=0.5, unstable_fraction=0.0, seed=11, depth=100,
                          germline_fraction=0.25)
    return root, truth


def test_germline_length_polymorphisms_stay_mss_against_the_normal(polymorphic, tmp_path):
    root, _ = polymorphic
    doc = _msi(tmp_path / "msi.json", root / "tumour.bam", root / "normal.bam")
    assert (doc["status"], doc["unstable_loci"]) == ("MSS", 0)


def test_tumour_only_mistakes_germline_length_polymorphisms_for_instability(polymorphic, tmp_path):
    # the weakness the tumour-only caveat names: 30 planted germline polymorphisms (25% of 120 loci),
    # no instability, yet tumour-only calls those loci unstable and the stable tumour MSI-H
    root, truth = polymorphic
    doc = _msi(tmp_path / "msi.json", root / "tumour.bam", None)
    assert len(truth["germline_length_polymorphisms"]) == 30
    assert _unstable(doc) == set(truth["germline_length_polymorphisms"])
    assert (doc["status"], doc["mode"]) == ("MSI-H", "tumor_only")


@pytest.fixture(scope="module")
def limit(tmp_path_factory):
    """Seed 1 of the purity scan (docs/msi_purity_scan.tsv): the MSI-H tumour at purity 0.2 and 0.1."""
    root = tmp_path_factory.mktemp("msi_purity")
    at = simulate_pair(WINDOWS, LOCI, root / "p0.2", purity=0.2, unstable_fraction=0.4, seed=1, depth=150)
    simulate_pair(WINDOWS, LOCI, root / "p0.1", purity=0.1, unstable_fraction=0.4, seed=1, depth=150, normal=False)
    return root, at


def test_at_the_purity_limit_the_msi_h_tumour_is_still_msi_h(limit, tmp_path):
    root, truth = limit
    doc = _msi(tmp_path / "msi.json", root / "p0.2" / "tumour.bam", root / "p0.2" / "normal.bam", "--purity", "0.2")
    assert doc["status"] == "MSI-H" and _unstable(doc) <= set(truth["unstable"])


def test_below_the_purity_limit_the_msi_h_tumour_would_be_missed_so_it_is_not_assessed(limit, tmp_path):
    root, _ = limit
    tumour, normal = root / "p0.1" / "tumour.bam", root / "p0.2" / "normal.bam"
    missed = _msi(tmp_path / "a.json", tumour, normal, "--purity", "0.1", "--min-purity", "0")
    guarded = _msi(tmp_path / "b.json", tumour, normal, "--purity", "0.1")
    assert missed["status"] == "MSS"  # planted MSI-H, called MSS: the error the limit prevents
    assert (guarded["status"], guarded["not_assessed_because"]) == ("not_assessed", ["purity"])
    assert guarded["reason"].startswith("tumour purity 0.1 is below the minimum 0.2")
