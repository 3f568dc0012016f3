"""The `genotailor` command: every workflow step is a subcommand, usable without Snakemake.

Each command module exposes `register(subparsers)`, adding its subcommand(s) with
`set_defaults(func=...)`; `func(args)` returns an exit code.
"""

import argparse
import importlib
import os
import sys

from genotailor import __version__
from genotailor.errors import GenotailorError

# Subcommand -> the module that registers it. Only that module is imported for a run (start-up
# time matters: rules call the command hundreds of times); `--help` imports them all.
COMMANDS = {
    "check-sheet": "genotailor.samplesheet_cli",
    "sheet": "genotailor.samplesheet_cli",
    "verify-checksums": "genotailor.samplesheet_cli",
    "loci": "genotailor.loci",
    "align": "genotailor.align",
    "import-alignment": "genotailor.align",
    "qc": "genotailor.qc",
    "call-germline": "genotailor.calling.germline",
    "call-somatic": "genotailor.calling.somatic",
    "normalize-vcf": "genotailor.vcf",
    "check-vcf": "genotailor.vcf",
    "kb-build-pgx": "genotailor.pgx.definitions",
    "kb-compile-pgx": "genotailor.pgx.recommendations",
    "pgx": "genotailor.pgx.cli",
    "outside-calls": "genotailor.pgx.cli",
    "pgx-accuracy": "genotailor.pgx.accuracy",
    "somatic-annotate": "genotailor.oncology.hotspots",
    "report": "genotailor.report.cli",
    "cohort-summary": "genotailor.cohort",
    "provenance": "genotailor.provenance",
    "testdata": "genotailor.testdata.cli",
    "bench": "genotailor.bench",
    "dev": "genotailor.dev.cli",
    "reproduce": "genotailor.reproduce",
}


def build_parser(modules=None):
    parser = argparse.ArgumentParser(
        prog="genotailor",
        description="Precision-medicine workflow steps (sample sheet, QC, VCF hand-off, "
        "biomarkers, reports).",
    )
    parser.add_argument("--version", action="version", version=f"genotailor {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in modules or dict.fromkeys(COMMANDS.values()):
        importlib.import_module(name).register(sub)
    return parser


def main(argv=None, _process_exit=False):
    argv = sys.argv[1:] if argv is None else list(argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser([COMMANDS[command]] if command in COMMANDS else None)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        code = args.func(args) or 0
    except GenotailorError as exc:
        print(f"genotailor {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    if _process_exit and getattr(args, "quick_exit", False):
        # The command has written and closed its outputs and holds nothing that needs cleaning up
        # at exit; tearing down the interpreter (freeing the knowledge base object by object)
        # would add ~50 ms to a command the workflow runs once per patient and `make bench`
        # times. Commands opt in with set_defaults(quick_exit=True).
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def entry():
    """The `genotailor` console script and `python -m genotailor`."""
    sys.exit(main(_process_exit=True))


if __name__ == "__main__":
    entry()
