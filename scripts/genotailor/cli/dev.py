"""Development tools, outside the runtime packages: `testdata build`, `bench`, `pgx-accuracy` and
`dev` (synthetic sample sheets, the DAG benchmark)."""

from __future__ import annotations

import json
from pathlib import Path


def register(sub):
    p = sub.add_parser(
        "testdata",
        help="generate the demo/test data (reference, reads, VCFs, truth, demo sample sheet)",
        description="Demo/test data. 'build' regenerates every file deterministically from the seed.",
    )
    actions = p.add_subparsers(dest="testdata_action", metavar="ACTION")
    b = actions.add_parser(
        "build",
        help="generate the demo data and the demo sample sheet",
        description="Write the demo reference, reads, VCFs, truth files, panels and README under --out, "
        "and the demo sample sheet at --sheet. The same seed gives byte-identical files.",
    )
    b.add_argument("--out", default=Path("test-data"), type=Path, help="output folder (default: test-data)")
    b.add_argument("--sheet", default=Path("config/samples.yaml"), type=Path,
                   help="demo sample sheet to write (default: config/samples.yaml)")
    b.add_argument("--seed", default=None, type=int, help="random seed (default: the demo's)")
    b.add_argument("--source", default=None, type=Path,
                   help="the real GRCh38 windows FASTA (default: <out>/reference/source/grch38_windows.fa.gz "
                   "if present, else the project's copy)")
    b.set_defaults(func=_testdata_build)

    def _usage(args):
        p.print_help()
        return 2

    p.set_defaults(func=_usage)

    p = sub.add_parser("bench", help="benchmarks (speed goals): `genotailor bench pgx|somatic|report|ledger|cnv|cohort|"
                       "overhead|msi|cyp2d6`")
    p.add_argument("what", choices=["pgx", "somatic", "report", "ledger", "cnv", "cohort", "overhead", "msi", "cyp2d6"])
    p.add_argument("--results", default="results", help="report: the finished demo run's results folder")
    p.add_argument("--workdir", default="results/bench", help="where the synthetic data and results go")
    p.add_argument("--records", type=int, help="records of the synthetic VCF (default: 5,000,000 for pgx, "
                   "100,000 for somatic)")
    p.add_argument("--repeats", type=int, help="timed runs of each command (default: 9; cohort: 3)")
    p.add_argument("--samples", type=int, default=10_000, help="cohort: samples of the joint VCF (default: %(default)s)")
    p.add_argument("--pairs", type=int, default=1_000_000,
                   help="overhead: simulated read pairs of the germline sample (default: %(default)s)")
    p.set_defaults(func=_bench)

    p = sub.add_parser(
        "pgx-accuracy",
        help="call every pair of named alleles of each pharmacogene back and report accuracy",
        description="Renders every unordered pair of named alleles of each gene as unphased and "
        "phased genotypes at every defining position, calls them, and prints per gene the pairs, "
        "top-call and containment rates and the pairs no caller could tell apart.",
    )
    p.add_argument("--genes", nargs="+", help="genes (space- or comma-separated; default: every called gene)")
    p.add_argument("--kb", help="PGx knowledge-base directory (default: the shipped one)")
    p.add_argument("--round-trips", type=int, default=200,
                   help="pairs per gene also written as VCF and called through the VCF path (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="seed choosing the VCF round-trip pairs")
    p.add_argument("--json", help="write the full statistics (with example misses) here")
    p.set_defaults(func=_pgx_accuracy)

    dev = sub.add_parser("dev", help="developer tools: synthetic sample sheets, DAG benchmark")
    sub = dev.add_subparsers(dest="dev_command", metavar="DEV_COMMAND", required=True)

    p = sub.add_parser("sheet", help="write a sample sheet of N synthetic patients (the demo's files)",
                       description="Write a sample sheet of N synthetic patients, each with a germline "
                       "and a tumour sample from FASTQ and a germline VCF, reusing the demo's files "
                       "(hard-linked under each patient's names into OUT_STEM-files/ beside the sheet).")
    p.add_argument("--patients", type=int, required=True, metavar="N")
    p.add_argument("--out", type=Path, required=True, metavar="FILE")
    p.set_defaults(func=_sheet)

    p = sub.add_parser("cohort", help="write a synthetic biobank joint VCF with a truth table",
                       description="A joint VCF of N samples at the knowledge-base positions (plus off-target "
                       "records), diplotypes drawn from each gene's named alleles at the stated frequencies "
                       "(scripts/genotailor/dev/data/allele_frequencies.tsv), some missing genotypes and low "
                       "depths; with samples.txt, sex.tsv, truth.tsv and planted.tsv.")
    p.add_argument("--samples", type=int, required=True, metavar="N")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", type=Path, required=True, metavar="DIR")
    p.set_defaults(func=_cohort)

    p = sub.add_parser("msi-simulate", help="simulated tumour/normal BAMs over the MSI test windows",
                       description="Writes tumour.bam, normal.bam and truth.json (the planted unstable loci) into "
                       "--out: reads over the 120 real GRCh38 windows of test-data/reference/source, aligned with "
                       "bwa mem, at GRCh38 coordinates.")
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--purity", type=float, default=0.5)
    p.add_argument("--unstable-fraction", type=float, default=0.4, help="share of the loci shifted in the tumour")
    p.add_argument("--germline-fraction", type=float, default=0.0,
                   help="share of the loci with a germline length polymorphism (normal and tumour)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--depth", type=float, default=150.0)
    p.set_defaults(func=_msi_simulate)

    p = sub.add_parser("msi-purity-scan", help="MSI status of simulated MSI-H tumours across purities",
                       description="Simulates an MSI-H tumour (test-data/msi windows) at each purity against its "
                       "normal and writes a TSV of status, score and planted vs called unstable loci.")
    p.add_argument("--out", required=True, help="scratch folder for the simulated BAMs")
    p.add_argument("--tsv", required=True, help="result table")
    p.add_argument("--purities", default="0.05,0.075,0.1,0.125,0.15,0.2,0.3", help="comma-separated")
    p.add_argument("--seeds", default="1,2,3", help="comma-separated simulation seeds")
    p.add_argument("--depth", type=float, default=150.0, help="mean depth over the windows (default: %(default)s)")
    p.set_defaults(func=_msi_purity_scan)

    p = sub.add_parser("cyp2d6-accuracy", help="copy-number accuracy of cyp2d6-cn on held-back simulations",
                       description="Simulates the truth set of genotailor.dev.cyp2d6_accuracy over the real GRCh38 "
                       "CYP2D locus at each depth, read length and seed, calls each sample and writes "
                       "OUT/cyp2d6_accuracy.json (correct, withheld, hybrid suspected without one, wrong).")
    p.add_argument("--out", type=Path, default=Path("results/bench/cyp2d6"))
    p.add_argument("--seeds", default="101,102,103", help="comma-separated seeds (default: %(default)s)")
    p.add_argument("--depths", default="20,40", help="comma-separated diploid depths (default: %(default)s)")
    p.add_argument("--read-lengths", default="100,150", help="comma-separated read lengths (default: %(default)s)")
    p.set_defaults(func=_cyp2d6_accuracy)

    p = sub.add_parser("dag-bench", help="time `snakemake -n` for 100 and 1,000 synthetic patients",
                       description="Time and peak memory of `snakemake -n` for synthetic cohorts; "
                       "writes WORKDIR/dag_bench.json with dag_scaling = time(largest) / time(smallest).")
    p.add_argument("--workdir", type=Path, default=Path("results/bench"))
    p.add_argument("--patients", default="100,1000", help="comma-separated cohort sizes (default: 100,1000)")
    p.set_defaults(func=_dag_bench)



def _testdata_build(args):
    from genotailor.dev.testdata.build import run_build
    from genotailor.dev.testdata.scenarios import DEFAULT_SEED

    return run_build(args.out, args.sheet, DEFAULT_SEED if args.seed is None else args.seed, args.source)


def _bench(args):
    from genotailor.dev.bench import bench_cnv, bench_cohort, bench_ledger, bench_pgx, bench_report, bench_somatic, record

    workdir = Path(args.workdir)
    if args.what == "report":
        result = bench_report(workdir, Path(args.results), min(args.repeats or 9, 5))
        (workdir / "report_bench.json").write_text(json.dumps(result, indent=1) + "\n")
        record(workdir, {"report_per_patient_s": result["report_per_patient_s"], "report_bench": result})
    elif args.what == "ledger":
        result = bench_ledger(workdir, Path(args.results), min(args.repeats or 9, 5))
        record(workdir, {"ledger_per_patient_s": result["ledger_per_patient_s"], "ledger_bench": result})
    elif args.what == "cnv":
        result = bench_cnv(workdir, Path(args.results), min(args.repeats or 9, 5))
        record(workdir, {"cnv_vs_mosdepth": result["cnv_vs_mosdepth"], "cnv_per_sample_s": result["cnv_per_sample_s"],
                         "cnv_bench": result})
    elif args.what == "somatic":
        result = bench_somatic(workdir, args.records or 100_000, args.repeats or 9)
        (workdir / "somatic_bench.json").write_text(json.dumps(result, indent=1) + "\n")
        record(workdir, {"somatic_vs_bcftools_scan": result["ratio"],
                         "somatic_vs_bcftools_scan_coding_dense": result["coding_dense"]["ratio"],
                         "somatic_bench": result})
    elif args.what == "msi":
        from genotailor.dev.bench import bench_msi

        result = bench_msi(workdir, args.repeats or 5)
        record(workdir, {"msi_vs_mosdepth": result["msi_vs_mosdepth"], "msi_peak_rss_mb": result["msi_peak_rss_mb"],
                         "msi_bench": result})
    elif args.what == "overhead":
        from genotailor.dev.overhead import bench_overhead

        result = bench_overhead(workdir, args.pairs, args.repeats or 1)
        record(workdir, result)
    elif args.what == "cyp2d6":
        from genotailor.dev.bench import bench_cyp2d6

        result = bench_cyp2d6(workdir, args.repeats or 9)
        record(workdir, {"cyp2d6_vs_mosdepth": result["ratio"], "cyp2d6_bench": result})
    elif args.what == "cohort":
        workdir.mkdir(parents=True, exist_ok=True)
        result = bench_cohort(workdir, args.samples, args.repeats or 3)
        record(workdir, result)
    else:
        result = bench_pgx(workdir, args.records or 5_000_000, args.repeats or 9)
        (workdir / "pgx_bench.json").write_text(json.dumps(result, indent=1) + "\n")
        record(workdir, {"pgx_vs_bcftools_region": result["ratio"], "pgx_bench": result})
    print(json.dumps(result, indent=1))
    return 0


def _pgx_accuracy(args):
    from genotailor.core.paths import PGX_KB
    from genotailor.dev.accuracy import format_table, run_suite

    genes = [g for arg in args.genes for g in arg.split(",") if g] if args.genes else None
    summary = run_suite(genes, Path(args.kb) if args.kb else PGX_KB, args.round_trips, args.seed)
    print(format_table(summary))
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=1) + "\n")
    return 0


def _sheet(args):
    from genotailor.dev.sheet import write_sheet

    out = write_sheet(args.patients, args.out)
    print(f"{out}: {args.patients} patients, {3 * args.patients} samples")
    return 0


def _cohort(args):
    from genotailor.dev.cohort import write_cohort

    print(json.dumps(write_cohort(args.out, args.samples, args.seed), indent=1))
    return 0


def _msi_simulate(args):
    from genotailor.core.paths import REPO
    from genotailor.dev.testdata.msi import simulate_pair

    source = REPO / "test-data" / "reference" / "source"
    truth = simulate_pair(source / "msi_locus_windows.fa", source / "msi_loci.tsv", args.out, purity=args.purity,
                          unstable_fraction=args.unstable_fraction, seed=args.seed, depth=args.depth,
                          germline_fraction=args.germline_fraction)
    print(f"{args.out}: tumour.bam, normal.bam; {len(truth['unstable'])} of {truth['loci']} loci unstable (truth.json)")
    return 0


def _msi_purity_scan(args):
    from pathlib import Path

    from genotailor.dev.testdata.msi import purity_scan

    repo = Path(__file__).resolve().parents[3]
    source = repo / "test-data" / "reference" / "source"
    rows = purity_scan(source / "msi_locus_windows.fa", source / "msi_loci.tsv",
                       Path(args.out), [float(x) for x in args.purities.split(",")],
                       [int(x) for x in args.seeds.split(",")], depth=args.depth)
    cols = list(rows[0])
    Path(args.tsv).write_text("\t".join(cols) + "\n" + "".join("\t".join(str(r[c]) for c in cols) + "\n" for r in rows))
    for r in rows:
        print("\t".join(str(r[c]) for c in cols))
    return 0


def _cyp2d6_accuracy(args):
    from genotailor.dev.cyp2d6_accuracy import run

    ints = lambda text: [int(x) for x in text.split(",") if x]  # noqa: E731
    doc = run(args.out, ints(args.seeds), ints(args.depths), ints(args.read_lengths))
    s = doc["summary"]
    print(f"{s['samples']} samples: {s.get('correct', 0)} correct, {s.get('withheld', 0)} withheld (uncertain or not "
          f"assessed), {s.get('false_hybrid', 0)} hybrid suspected without one, {s.get('wrong', 0)} wrong; by depth "
          f"{json.dumps(doc['by_depth'], sort_keys=True)}")
    return 0


def _dag_bench(args):
    from genotailor.dev.dagbench import run

    run(args.workdir, tuple(int(n) for n in args.patients.split(",")))
    return 0
