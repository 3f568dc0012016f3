"""The `genotailor` command: every workflow step is a subcommand, usable without Snakemake.

One module per command family (`cli/<family>.py`); each exposes `register(subparsers)`, adding its subcommand(s) with
`set_defaults(func=...)`; `func(args)` returns an exit code.
"""

import argparse
import importlib
import os
import sys

from genotailor import __version__
from genotailor.core.errors import GenotailorError

# Subcommand -> the module that registers it. Only that module is imported for a run (start-up
# time matters: rules call the command hundreds of times); `--help` imports them all.
COMMANDS = {
    "check-sheet": "genotailor.cli.sheet",
    "sheet": "genotailor.cli.sheet",
    "verify-checksums": "genotailor.cli.sheet",
    "loci": "genotailor.cli.steps",
    "align": "genotailor.cli.steps",
    "import-alignment": "genotailor.cli.steps",
    "markdup": "genotailor.cli.steps",
    "index-reference": "genotailor.cli.steps",
    "coverage": "genotailor.cli.steps",
    "qc": "genotailor.cli.steps",
    "call-germline": "genotailor.cli.steps",
    "call-somatic": "genotailor.cli.steps",
    "normalize-vcf": "genotailor.cli.steps",
    "check-vcf": "genotailor.cli.steps",
    "ledger": "genotailor.cli.ledger",
    "kb-build-pgx": "genotailor.cli.kb",
    "kb-compile-pgx": "genotailor.cli.kb",
    "kb-build-oncology": "genotailor.cli.kb",
    "kb-build-clinvar": "genotailor.cli.kb",
    "kb-build-acmg-sf": "genotailor.cli.kb",
    "germline": "genotailor.cli.germline",
    "pgx": "genotailor.cli.pgx",
    "outside-calls": "genotailor.cli.pgx",
    "pgx-cohort": "genotailor.cli.pgx",
    "pgx-cohort-merge": "genotailor.cli.pgx",
    "somatic": "genotailor.cli.oncology",
    "report": "genotailor.cli.report",
    "cohort-summary": "genotailor.cli.report",
    "provenance": "genotailor.cli.report",
    "tool-versions": "genotailor.cli.report",
    "multiqc": "genotailor.cli.report",
    "cost": "genotailor.cli.report",
    "testdata": "genotailor.cli.dev",
    "bench": "genotailor.cli.dev",
    "pgx-accuracy": "genotailor.cli.dev",
    "dev": "genotailor.cli.dev",
    "reproduce": "genotailor.cli.runs",
}


# Exit code of an error genotailor did not anticipate (a user-fixable problem exits with 2).
UNEXPECTED_EXIT = 3


def build_parser(modules=None):
    parser = argparse.ArgumentParser(
        prog="genotailor",
        description="Precision-medicine workflow steps (sample sheet, QC, VCF hand-off, "
        "biomarkers, reports).",
    )
    parser.add_argument("--version", action="version", version=f"genotailor {__version__}")
    parser.add_argument("--versions", metavar="JSON",
                        help="after the command succeeds, write the versions of the external tools it ran "
                        "(as they report themselves, from the environment it ran in) to this file")
    parser.add_argument("--debug", action="store_true",
                        help="show the full traceback of an error (for reporting a bug)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in modules or dict.fromkeys(COMMANDS.values()):
        importlib.import_module(name).register(sub)
    return parser


def main(argv=None, _process_exit=False):
    argv = sys.argv[1:] if argv is None else list(argv)
    # the first word that is neither an option nor the value of --versions
    command = next((a for i, a in enumerate(argv) if not a.startswith("-") and (i == 0 or argv[i - 1] != "--versions")),
                   None)
    parser = build_parser([COMMANDS[command]] if command in COMMANDS else None)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        code = args.func(args) or 0
    except GenotailorError as exc:
        if args.debug:
            raise
        print(f"genotailor {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except Exception as exc:  # noqa: BLE001 - the edge: no traceback reaches a user without --debug
        if args.debug:
            raise
        what = " ".join(str(exc).split())[:300] or "no message"
        print(f"genotailor {args.command}: unexpected error ({type(exc).__name__}: {what}) — this is a bug "
              "or an input genotailor does not recognise; re-run the command with --debug "
              f"(genotailor --debug {args.command} ...) to see the traceback, and report it", file=sys.stderr)
        return UNEXPECTED_EXIT
    if args.versions:
        write_versions(args.versions)
    if _process_exit and getattr(args, "quick_exit", False):
        # The command has written and closed its outputs and holds nothing that needs cleaning up
        # at exit; tearing down the interpreter (freeing the knowledge base object by object)
        # would add ~50 ms to a command the workflow runs once per patient and `make bench`
        # times. Commands opt in with set_defaults(quick_exit=True).
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def write_versions(path):
    """The job's record of what it ran: genotailor's version and each external tool's."""
    import json

    from genotailor.core.tools import tool_versions

    record = {"genotailor": __version__, "tools": tool_versions()}
    with open(path, "w") as fh:
        fh.write(json.dumps(record, indent=1, sort_keys=True) + "\n")


def entry():
    """The `genotailor` console script and `python -m genotailor`."""
    sys.exit(main(_process_exit=True))


if __name__ == "__main__":
    entry()
