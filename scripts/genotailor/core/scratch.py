"""Scratch folders of a step: hidden, beside the step's output, named after it.

A job killed with SIGKILL (or its machine lost) cannot clean up after itself. A scratch folder
with a random name would then stay in results/ for good, holding pieces of a patient's data; one
named after the output is emptied when the job runs again (Snakemake re-runs a job whose outputs
are marked incomplete), so a resumed run leaves the same files as an uninterrupted one.
"""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path


def scratch_path(out) -> Path:
    """The scratch folder of the job writing `out`: `.{name}.scratch` in the same folder."""
    out = Path(out)
    return out.parent / f".{out.name}.scratch"


@contextmanager
def scratch_beside(out):
    """A fresh scratch folder for the job writing `out` (what a killed run left there is removed
    first); removed again when the block ends, whatever the outcome."""
    path = scratch_path(out)
    shutil.rmtree(path, ignore_errors=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.mkdir(mode=0o700)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
