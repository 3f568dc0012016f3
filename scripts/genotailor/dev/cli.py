"""`genotailor dev`: tools for developers (synthetic cohorts, DAG benchmark); not used by the workflow."""

from pathlib import Path


def register(subparsers):
    dev = subparsers.add_parser("dev", help="developer tools: synthetic sample sheets, DAG benchmark")
    sub = dev.add_subparsers(dest="dev_command", metavar="DEV_COMMAND", required=True)

    p = sub.add_parser("sheet", help="write a sample sheet of N synthetic patients (the demo's files)",
                       description="Write a sample sheet of N synthetic patients, each with a germline "
                       "and a tumour sample from FASTQ and a germline VCF, reusing the demo's files "
                       "(hard-linked under each patient's names into OUT_STEM-files/ beside the sheet).")
    p.add_argument("--patients", type=int, required=True, metavar="N")
    p.add_argument("--out", type=Path, required=True, metavar="FILE")
    p.set_defaults(func=_sheet)

    p = sub.add_parser("dag-bench", help="time `snakemake -n` for 100 and 1,000 synthetic patients",
                       description="Time and peak memory of `snakemake -n` for synthetic cohorts; "
                       "writes WORKDIR/dag_bench.json with dag_scaling = time(largest) / time(smallest).")
    p.add_argument("--workdir", type=Path, default=Path("results/bench"))
    p.add_argument("--patients", default="100,1000", help="comma-separated cohort sizes (default: 100,1000)")
    p.set_defaults(func=_dag_bench)


def _sheet(args):
    from genotailor.dev.sheet import write_sheet

    out = write_sheet(args.patients, args.out)
    print(f"{out}: {args.patients} patients, {3 * args.patients} samples")
    return 0


def _dag_bench(args):
    from genotailor.dev.dagbench import run

    run(args.workdir, tuple(int(n) for n in args.patients.split(",")))
    return 0
