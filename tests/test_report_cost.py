"""What a run cost (`genotailor cost`, results/cohort/cost.tsv): core-hours, CPU hours, wall time and
peak memory per sample, patient, shared job and run, from hand-written Snakemake benchmark files;
expected sums worked out by hand below."""

import json

import pytest

from genotailor.cli import main
from genotailor.core.errors import InputError
from genotailor.report.cost import Rule, write_cost
from genotailor.runs.reproduce import compare

HEADER = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
RULES = [
    Rule("align_unit", 2, "logs/benchmarks/align/{patient}/{sample}.{unit}.tsv"),
    Rule("markdup", 1, "logs/benchmarks/markdup/{patient}/{sample}.tsv"),
    Rule("call_somatic", 1, "logs/benchmarks/call_somatic/{patient}/{sample}.tsv"),
    Rule("report", 2, "logs/benchmarks/report/{patient}.tsv"),
]
# job benchmark file: (s, max_rss, cpu_time) as Snakemake writes them
BENCHMARKS = {
    "logs/benchmarks/align/P1/P1-N.L001.tsv": ("100.00", "1500.00", "150.00"),
    "logs/benchmarks/align/P1/P1-N.L002.tsv": ("50.00", "1700.00", "80.00"),
    "logs/benchmarks/markdup/P1/P1-N.tsv": ("20.00", "30.00", "18.00"),
    "logs/benchmarks/call_somatic/P1/P1-T.tsv": ("36.00", "NA", "30.00"),  # too short to measure memory
    "logs/benchmarks/report/P1.tsv": ("3.60", "150.00", "4.00"),
    "logs/benchmarks/reference/minimap2_index.tsv": ("72.00", "2465.64", "100.00"),
}
SHARED = [("minimap2_index", "logs/benchmarks/reference/minimap2_index.tsv", 2)]


@pytest.fixture
def run(tmp_path, monkeypatch):
    """A run folder with one patient's report (its jobs as provenance lists them) and the benchmarks."""
    monkeypatch.chdir(tmp_path)
    for path, (s, rss, cpu) in BENCHMARKS.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(HEADER + f"{s}\t0:00:00\t{rss}\t2000.00\t1.00\t1.00\t0.00\t0.00\t90.00\t{cpu}\n")
    jobs = [{"rule": rule, "log": "logs/x.log", "benchmark": path} for rule, path in [
        ("align_unit", "logs/benchmarks/align/P1/P1-N.L001.tsv"), ("align_unit", "logs/benchmarks/align/P1/P1-N.L002.tsv"),
        ("markdup", "logs/benchmarks/markdup/P1/P1-N.tsv"), ("call_somatic", "logs/benchmarks/call_somatic/P1/P1-T.tsv"),
        ("report", "logs/benchmarks/report/P1.tsv")]]
    report = {"patient": "P1", "samples": [{"id": "P1-N"}, {"id": "P1-T"}], "provenance": {"jobs": jobs}}
    (tmp_path / "P1.json").write_text(json.dumps(report))
    return tmp_path


def table(path):
    lines = path.read_text().splitlines()
    header = lines[0].split("\t")
    return header, {tuple(r.split("\t")[:4]): dict(zip(header, r.split("\t"))) for r in lines[1:]}


def test_sums_per_sample_patient_shared_job_and_run_with_a_price(run):
    write_cost(["P1.json"], RULES, SHARED, run / "cost.tsv", per_core_hour=1.8, currency="EUR")
    header, rows = table(run / "cost.tsv")
    assert header == ["scope", "patient", "sample", "step", "jobs", "wall_s", "core_hours", "cpu_hours",
                      "peak_rss_mb", "cost_EUR"]
    pick = lambda key: [rows[key][c] for c in header[4:]]  # noqa: E731
    # two lanes, 2 threads each: (100 + 50) s x 2 = 300 core-seconds; CPU 150 + 80 = 230 s
    assert pick(("sample", "P1", "P1-N", "align_unit")) == ["2", "150.00", "0.083333", "0.063889", "1700.0", "0.150000"]
    # + markdup 20 s x 1 = 320 core-seconds = 0.088889 h; 1.8 EUR per core-hour = 0.0005 EUR per core-second
    assert pick(("sample", "P1", "P1-N", "all")) == ["3", "170.00", "0.088889", "0.068889", "1700.0", "0.160000"]
    assert pick(("sample", "P1", "P1-T", "all")) == ["1", "36.00", "0.010000", "0.008333", "NA", "0.018000"]
    # the report job belongs to the patient, not to a sample: 3.6 s x 2 threads = 7.2 core-seconds
    assert pick(("patient", "P1", "", "report")) == ["1", "3.60", "0.002000", "0.001111", "150.0", "0.003600"]
    # 300 + 20 + 36 + 7.2 = 363.2 core-seconds; CPU 230 + 18 + 30 + 4 = 282 s
    assert pick(("patient", "P1", "", "all")) == ["5", "209.60", "0.100889", "0.078333", "1700.0", "0.181600"]
    # shared: the index, 72 s x 2 threads = 144 core-seconds, counted in the run, not in the patient
    assert pick(("shared", "", "", "minimap2_index")) == ["1", "72.00", "0.040000", "0.027778", "2465.6", "0.072000"]
    assert pick(("run", "", "", "all")) == ["6", "281.60", "0.140889", "0.106111", "2465.6", "0.253600"]
    assert [k[:3] for k in rows][0] == ("sample", "P1", "P1-N")  # samples first, then their patient
    assert list(rows)[-1] == ("run", "", "", "all")


def test_no_price_in_the_config_gives_no_cost_column(run):
    assert main(["cost", "P1.json", *[a for r in RULES for a in ("--rule", f"{r.name}={r.threads}={r.benchmark}")],
                 "--shared", "minimap2_index=2=logs/benchmarks/reference/minimap2_index.tsv", "--out", "cost.tsv"]) == 0
    header, rows = table(run / "cost.tsv")
    assert header[-1] == "peak_rss_mb"
    assert rows[("run", "", "", "all")]["core_hours"] == "0.140889"


def test_repeated_benchmark_rows_are_averaged(run):
    # benchmark: repeat(..., 2) writes one row per run: the job's figures are their mean
    (run / "logs/benchmarks/markdup/P1/P1-N.tsv").write_text(
        HEADER + "20.00\t0:00:20\t30.00\t1\t1\t1\t0\t0\t90\t18.00\n" + "40.00\t0:00:40\t50.00\t1\t1\t1\t0\t0\t90\t22.00\n")
    write_cost(["P1.json"], RULES, [], run / "cost.tsv")
    _, rows = table(run / "cost.tsv")
    assert [rows[("sample", "P1", "P1-N", "markdup")][c] for c in ("wall_s", "cpu_hours", "peak_rss_mb")] == [
        "30.00", "0.005556", "40.0"]


def test_a_missing_benchmark_file_is_named(run):
    (run / "logs/benchmarks/markdup/P1/P1-N.tsv").unlink()
    with pytest.raises(InputError, match=r"benchmark file logs/benchmarks/markdup/P1/P1-N.tsv does not exist"):
        write_cost(["P1.json"], RULES, SHARED, run / "cost.tsv")


def test_a_job_of_no_sample_of_the_patient_is_refused(run):
    report = json.loads((run / "P1.json").read_text())
    report["provenance"]["jobs"].append({"rule": "markdup", "log": "x", "benchmark": "logs/benchmarks/markdup/P1/P2-N.tsv"})
    (run / "P1.json").write_text(json.dumps(report))
    with pytest.raises(InputError, match=r"job markdup of patient P1: its benchmark file logs/benchmarks/markdup/P1/P2-N.tsv "
                                         r"matches no sample of the patient \(P1-N, P1-T\)"):
        write_cost(["P1.json"], RULES, SHARED, run / "cost.tsv")


def test_a_price_without_its_currency_is_refused(run):
    with pytest.raises(InputError, match="give both per_core_hour and currency"):
        write_cost(["P1.json"], RULES, SHARED, run / "cost.tsv", per_core_hour=0.05)


def test_a_reproduction_compares_every_result_but_the_cost_table(tmp_path):
    for run, seconds in (("a", "100.00"), ("b", "101.00")):
        (tmp_path / run / "cohort").mkdir(parents=True)
        (tmp_path / run / "cohort/summary.tsv").write_text("patient\tsample\nP1\tP1-N\n")
        (tmp_path / run / "cohort/cost.tsv").write_text(f"scope\twall_s\nrun\t{seconds}\n")
    assert compare(tmp_path / "a", tmp_path / "b") == (["cohort/summary.tsv"], [])
