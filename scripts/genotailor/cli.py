"""The `genotailor` command: every workflow step is a subcommand, usable without Snakemake.

Each command module exposes `register(subparsers)`, adding its subcommand(s) with
`set_defaults(func=...)`; `func(args)` returns an exit code.
"""

import argparse
import importlib
import sys

from genotailor import __version__
from genotailor.errors import GenotailorError

# Modules that add subcommands, in the order `genotailor --help` lists them.
COMMAND_MODULES = [
    "genotailor.samplesheet_cli",
    "genotailor.loci",
    "genotailor.align",
    "genotailor.qc",
    "genotailor.calling.germline",
    "genotailor.calling.somatic",
    "genotailor.vcf",
    "genotailor.pgx.definitions",
    "genotailor.pgx.cli",
    "genotailor.oncology.hotspots",
    "genotailor.report.cli",
    "genotailor.cohort",
    "genotailor.provenance",
    "genotailor.testdata.cli",
]


def build_parser():
    parser = argparse.ArgumentParser(
        prog="genotailor",
        description="Precision-medicine workflow steps (sample sheet, QC, VCF hand-off, "
        "biomarkers, reports).",
    )
    parser.add_argument("--version", action="version", version=f"genotailor {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args) or 0
    except GenotailorError as exc:
        print(f"genotailor {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
