"""Cohort mode (`genotailor pgx-cohort`): same engine and honesty as the per-patient path, accuracy
against the synthetic cohort's truth, tables, chunks and bad input."""

import json
import subprocess

import pandas as pd
import pytest

from conftest import write_vcf
from genotailor.cli import main
from genotailor.core.errors import InputError
from genotailor.dev.cohort import accuracy, allele_frequencies, write_cohort
from genotailor.pgx.cohort import run_cohort, summarise
from genotailor.pgx.run import run_pgx

N = 240


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    d = tmp_path_factory.mktemp("cohort")
    counts = write_cohort(d / "in", N, seed=7)
    assert main(["pgx-cohort", "--vcf", counts["vcf"], "--sex", str(d / "in" / "sex.tsv"), "--out", str(d / "out")]) == 0
    return d, counts


def _sexes(d):
    rows = (d / "in" / "sex.tsv").read_text().splitlines()[1:]
    return dict(r.split("\t") for r in rows)


def test_generator_writes_every_knowledge_base_record_off_target_records_and_plants(cohort):
    d, counts = cohort
    assert counts["knowledge_base_records"] == 1201  # every line of positions.tsv
    assert counts["off_target_records"] > 2 * 1201
    assert counts["planted_no_calls"] > 0 and counts["planted_low_depths"] > 0
    header = subprocess.run(["bcftools", "query", "-l", counts["vcf"]], capture_output=True, text=True, check=True)
    assert header.stdout.split() == [f"S{i:06d}" for i in range(1, N + 1)]


def test_generator_draws_common_alleles_near_their_stated_frequency(tmp_path):
    write_cohort(tmp_path, 2000, seed=3, genes=("CYP2C19",), off_target=0)
    truth = pd.read_csv(tmp_path / "truth.tsv", sep="\t")
    alleles = truth["diplotype"].str.split(" \\+ ").explode()
    stated = allele_frequencies()["CYP2C19"]
    for name in ("*2", "*17"):
        assert abs((alleles == name).mean() - stated[name]) < 0.02


def test_every_sample_json_equals_the_per_patient_json_of_that_sample_extracted_from_the_joint_vcf(cohort):
    d, counts = cohort
    sexes = _sexes(d)
    samples = sorted(sexes)
    assert len(samples) >= 200
    extracted = d / "one.vcf.gz"
    for s in samples:
        subprocess.run(["bcftools", "view", "-s", s, "-Oz", "-o", str(extracted), counts["vcf"]], check=True)
        subprocess.run(["tabix", "-f", "-p", "vcf", str(extracted)], check=True)
        expected = json.dumps(run_pgx(extracted, s, sex=sexes[s]), sort_keys=True, separators=(",", ":")) + "\n"
        assert (d / "out" / "samples" / f"{s}.pgx.json").read_text() == expected, s


def test_cohort_calls_match_the_truth_and_report_every_planted_gap(cohort):
    d, _ = cohort
    acc = accuracy(d / "out" / "samples", d / "in" / "truth.tsv", d / "in" / "planted.tsv")
    assert acc["planted"] > 0 and acc["planted_reported"] == acc["planted"]
    for gene, st in acc["genes"].items():
        assert st["samples"] == N
        assert st["assessed"] >= N - 3, gene
        assert st["contained"] == st["assessed"], gene  # the truth is always among the candidates
        # Unphased genotypes of two named alleles: the top call is the truth unless another pair
        # fits equally (e.g. NAT2), as in the per-pair suite.
        assert st["complete_top"] / st["complete"] >= {"NAT2": 0.7, "CYP2D6": 0.85}.get(gene, 0.99), (gene, st)


def test_cohort_table_frequencies_and_parquet_agree(cohort):
    d, _ = cohort
    table = pd.read_csv(d / "out" / "cohort_pgx.tsv", sep="\t", dtype=str, keep_default_na=False)
    assert len(table) == N * 20
    parquet = pd.read_parquet(d / "out" / "cohort_pgx.parquet")
    assert list(parquet["diplotype"].fillna("")) == list(table["diplotype"])
    freq = pd.read_csv(d / "out" / "frequencies.tsv", sep="\t", keep_default_na=False)
    cyp2c19 = freq[(freq.gene == "CYP2C19") & (freq.kind == "phenotype")]
    assert cyp2c19["count"].sum() == N
    s1 = json.loads((d / "out" / "samples" / "S000001.pgx.json").read_text())
    tpmt = next(g for g in s1["pgx"] if g["gene"] == "TPMT")
    row = table[(table["sample"] == "S000001") & (table.gene == "TPMT")].iloc[0]
    called = tpmt["diplotype"] if tpmt["status"] == "called" else ""
    assert (row.status, row.diplotype, row.phenotype) == (tpmt["status"], called, tpmt["phenotype"] or "")
    # an ambiguous or uncalled gene has no diplotype in the table (its first candidate is not a result)
    unsettled = table[table.status != "called"]
    assert len(unsettled) and set(unsettled.diplotype) == {""}


def test_chunks_merged_give_the_single_run_table_and_the_same_sample_json(cohort, tmp_path):
    d, counts = cohort
    tables = []
    for chunk in range(3):
        out = tmp_path / f"chunk{chunk}"
        run_cohort([counts["vcf"]], out, sex_file=d / "in" / "sex.tsv", chunk=chunk, chunk_size=100)
        tables.append(out / "table.tsv")
    assert (tmp_path / "chunk2" / "samples" / "S000201.pgx.json").read_bytes() == \
        (d / "out" / "samples" / "S000201.pgx.json").read_bytes()
    summarise(tables, tmp_path / "merged")
    for name in ("cohort_pgx.tsv", "frequencies.tsv", "cohort_pgx.parquet"):
        assert (tmp_path / "merged" / name).read_bytes() == (d / "out" / name).read_bytes(), name


def test_memoising_calls_each_distinct_pattern_once(tmp_path):
    # Three samples, two with the same CYP2C19 genotypes at different depths: two patterns.
    vcf = tmp_path / "j.vcf.gz"
    write_vcf(vcf, [
        "chr10\t94781859\t.\tG\tA\t50\tPASS\t.\tGT:DP\t0/1:30\t0/1:41\t0/0:25",
        "chr10\t94842866\t.\tA\tG\t50\tPASS\t.\tGT:DP\t0/0:30\t0/0:22\t1/1:25",
    ], samples=("A", "B", "C"))
    counts = run_cohort([vcf], tmp_path / "out", genes=["CYP2C19"])
    assert counts["patterns"] == {"CYP2C19": 2}
    a = json.loads((tmp_path / "out" / "samples" / "A.pgx.json").read_text())["pgx"][0]
    b = json.loads((tmp_path / "out" / "samples" / "B.pgx.json").read_text())["pgx"][0]
    c = json.loads((tmp_path / "out" / "samples" / "C.pgx.json").read_text())["pgx"][0]
    assert (a["status"], a["diplotype"], a["alternatives"]) == (b["status"], b["diplotype"], b["alternatives"])
    assert a["observed_variants"] == b["observed_variants"] != c["observed_variants"]
    depth = {p["position"]: p["depth"] for p in b["positions"]}
    assert depth[94781859] == 41 and depth[94842866] == 22  # each sample keeps its own depths


def test_low_depth_and_missing_genotypes_are_reported_not_called_through(tmp_path):
    vcf = tmp_path / "j.vcf.gz"
    write_vcf(vcf, [
        "chr10\t94781859\t.\tG\tA\t50\tPASS\t.\tGT:DP\t0/1:3\t./.:.",
    ], samples=("A", "B"))
    run_cohort([vcf], tmp_path / "out", genes=["CYP2C19"])
    for s, status in (("A", "low_depth"), ("B", "no_call")):
        g = json.loads((tmp_path / "out" / "samples" / f"{s}.pgx.json").read_text())["pgx"][0]
        assert {m["position"]: m["status"] for m in g["missing_positions"]}[94781859] == status


def test_unindexed_vcf_is_refused_with_the_fix(tmp_path):
    vcf = tmp_path / "j.vcf.gz"
    write_vcf(vcf, ["chr10\t94781859\t.\tG\tA\t50\tPASS\t.\tGT\t0/1"], samples=("A",), index=False)
    with pytest.raises(InputError, match=r"no tabix index .*tabix -p vcf"):
        run_cohort([vcf], tmp_path / "out", genes=["CYP2C19"])


def test_sample_list_naming_absent_samples_is_refused_naming_them(tmp_path):
    vcf = tmp_path / "j.vcf.gz"
    write_vcf(vcf, ["chr10\t94781859\t.\tG\tA\t50\tPASS\t.\tGT\t0/1\t0/0"], samples=("A", "B"))
    (tmp_path / "list.txt").write_text("A\nZ9\nQ1\n")
    with pytest.raises(InputError, match=r"list.txt: 2 sample\(s\) not in the joint VCF: Z9, Q1"):
        run_cohort([vcf], tmp_path / "out", sample_list=tmp_path / "list.txt", genes=["CYP2C19"])


def test_bad_sex_value_is_refused_naming_the_line(tmp_path):
    vcf = tmp_path / "j.vcf.gz"
    write_vcf(vcf, ["chr10\t94781859\t.\tG\tA\t50\tPASS\t.\tGT\t0/1"], samples=("A",))
    (tmp_path / "sex.tsv").write_text("A\tM\n")
    with pytest.raises(InputError, match=r"sex.tsv: line 1: .*female, male, unknown"):
        run_cohort([vcf], tmp_path / "out", sex_file=tmp_path / "sex.tsv", genes=["CYP2C19"])


def test_chunk_past_the_end_is_refused(tmp_path):
    vcf = tmp_path / "j.vcf.gz"
    write_vcf(vcf, ["chr10\t94781859\t.\tG\tA\t50\tPASS\t.\tGT\t0/1\t0/0"], samples=("A", "B"))
    with pytest.raises(InputError, match="chunk 1 is past the end: 2 samples make 1 chunks of 5"):
        run_cohort([vcf], tmp_path / "out", chunk=1, chunk_size=5, genes=["CYP2C19"])
