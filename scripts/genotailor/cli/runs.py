"""`genotailor reproduce`: re-run an analysis from its archived provenance and compare the results."""

from __future__ import annotations

from pathlib import Path


def register(sub):
    p = sub.add_parser("reproduce", help="re-run an analysis from results/provenance and compare the results",
                       description="Compares the reference, knowledge bases, sample sheet, declared input "
                       "checksums, tool and package versions and the workflow version with the archive and "
                       "refuses, naming each difference, when any changed; then runs the archived config into "
                       "DIR and lists every result that is not byte-identical to the original's (exit 1 if any). "
                       "Run it from the directory the original analysis ran in.")
    p.add_argument("archive", type=Path, metavar="PROVENANCE_DIR", help="e.g. results/provenance")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="a new directory for the re-run")
    p.add_argument("--cores", type=int, default=2)
    p.set_defaults(func=_reproduce)


def _reproduce(args):
    from genotailor.runs.reproduce import reproduce

    return reproduce(args.archive, args.out, args.cores)
