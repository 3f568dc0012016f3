"""The overhead bench's parts: the simulated reads it feeds the workflow and the script it times
the same steps with (the timing itself is `make bench`'s)."""

import gzip

import pysam

from genotailor.dev.overhead import PANEL, PLANTED, hand_script, write_reads


def _records(path):
    with gzip.open(path, "rt") as fh:
        lines = fh.read().splitlines()
    return [lines[i:i + 4] for i in range(0, len(lines), 4)]


def test_simulated_reads_are_the_pairs_asked_for_in_matching_order_over_the_panel(tmp_path):
    r1, r2 = write_reads(tmp_path, 4000, seed=5)
    a, b = _records(r1), _records(r2)
    assert len(a) == len(b) == 4000
    assert all(x[0].split()[0] == y[0].split()[0] for x, y in zip(a, b))  # R1 and R2 name the same cluster
    assert {x[0].split()[1][0] for x in a} == {"1"} and {y[0].split()[1][0] for y in b} == {"2"}
    assert all(len(x[1]) == len(x[3]) == 150 for x in a + b)
    # the planted CYP2C19 *2 allele is read at its position (in about half the reads there)
    chrom, pos, ref, alt = PLANTED
    with pysam.FastaFile(str(PANEL.parents[1] / "reference" / "GRCh38_demo.fa.gz")) as fa:
        context = fa.fetch(chrom, pos - 21, pos + 20).upper()
    assert context[20] == ref
    with_alt = context[:20] + alt + context[21:]
    seqs = [x[1] for x in a + b]
    from genotailor.dev.testdata.simulate import revcomp

    n_alt = sum(with_alt in s or revcomp(with_alt.encode()).decode() in s for s in seqs)
    n_ref = sum(context in s or revcomp(context.encode()).decode() in s for s in seqs)
    assert n_alt > 0 and n_ref > 0 and 0.25 < n_alt / (n_alt + n_ref) < 0.75


def test_hand_script_runs_the_listed_commands_in_order_after_making_their_folders_but_not_the_cost_table():
    # the cost table reads the benchmark files only Snakemake writes
    listing = """Building DAG of jobs...
rule a:
    input: x
    output: results/P/a.txt, results/P/b/c.json
    log: logs/a/P.log
    jobid: 2
Shell command: python -m genotailor loci --out results/P/a.txt 2> logs/a/P.log
rule all:
    input: results/P/a.txt
    jobid: 0
Shell command: None
rule b:
    output: results/P/d.txt
    log: logs/b.log
Shell command: echo 'x y' > results/P/d.txt 2> logs/b.log
localrule run_cost:
    output: results/cohort/cost.tsv
    log: logs/cohort/cost.log
Shell command: python -m genotailor cost --out results/cohort/cost.tsv results/P/report/P.json 2> logs/cohort/cost.log
"""
    text = hand_script(listing, "set -euo pipefail")
    assert text.splitlines() == [
        "#!/usr/bin/env bash",
        "set -euo pipefail",
        "mkdir -p results/P results/P/b logs/a logs",
        "python -m genotailor loci --out results/P/a.txt 2> logs/a/P.log",
        "echo 'x y' > results/P/d.txt 2> logs/b.log",
    ]
