"""The run directory's output folders, checked before any job runs: nothing may lead out of them.

The workflow writes only under `results/` and `logs/` of the directory Snakemake runs in. A
symbolic link there — `results/` itself, a patient's folder, an output folder such as
`results/P1/report`, or a file that a job would write through — would send a patient's files
somewhere else (another project's folder, a world-readable share). The one link the workflow
makes itself, an imported BAM (`results/{patient}/align/{sample}.bam`, pointing at the sheet's
BAM), is expected.
"""

from __future__ import annotations

import os
from pathlib import Path

OUTPUT_FOLDERS = ("results", "logs")


def _describe(link: Path, workdir: Path) -> str:
    target = os.readlink(link)
    what = "folder" if link.is_dir() else "file"
    return (f"{link.relative_to(workdir)} is a symbolic link (to {target}), so the workflow's {what} would be "
            f"written outside {workdir / 'results'} and {workdir / 'logs'}")


def escaping_links(workdir=".", expected_links=None) -> list[str]:
    """Problems, one per symbolic link found in `results/` or `logs/` of `workdir` (the folders
    themselves included); `expected_links`: relative path -> the resolved target the workflow
    links it to (an imported BAM)."""
    workdir = Path(os.path.abspath(workdir))
    expected = {str(k): Path(v).resolve() for k, v in (expected_links or {}).items()}
    problems = []
    for name in OUTPUT_FOLDERS:
        top = workdir / name
        if top.is_symlink():
            problems.append(
                f"{_describe(top, workdir)} — remove the link; to keep results on another disk, run Snakemake "
                f"in a directory there (snakemake --directory DIR)")
            continue
        for folder, dirs, files in os.walk(top):  # does not follow links
            for entry in sorted(dirs + files):
                path = Path(folder) / entry
                if not path.is_symlink():
                    continue
                rel = str(path.relative_to(workdir))
                if rel in expected and path.resolve() == expected[rel]:
                    continue
                problems.append(f"{_describe(path, workdir)} — remove the link (rm {rel}); the workflow "
                                "writes its outputs there itself")
    return problems
