"""The bad-input corpus's shared machinery: run a command as a user would, assert what they see.

Each case builds its inputs in a folder of its own, runs one `genotailor` command in-process (fast:
no interpreter start-up), and asserts: the exit code of a user error (2), the exact one-line
message (file or field, and the fix), no traceback, and the inputs unchanged — same files, same
sha256, nothing new written beside them (an index, a decompressed copy).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from genotailor.cli import main


@dataclass
class Case:
    """One damaged input: `build(folder)` writes it and returns the command's arguments;
    `message` is the exact error text after "genotailor COMMAND: error: ", with {d} for the folder."""

    name: str
    build: Callable
    message: str

    def __str__(self):
        return self.name


def snapshot(folder: Path) -> dict:
    """Every entry under `folder`: a file's sha256, a link's target, a folder's mark."""
    out = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            p = Path(root) / name
            rel = str(p.relative_to(folder))
            if p.is_symlink():
                out[rel] = "-> " + os.readlink(p)
            elif p.is_dir():
                out[rel] = "dir"
            else:
                out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def run_cli(argv, capfd) -> tuple[int, str]:
    """Exit code and standard error of `genotailor ARGV`, run in this process."""
    capfd.readouterr()
    code = main([str(a) for a in argv])
    return code, capfd.readouterr().err


def assert_rejected(case: Case, tmp_path: Path, capfd, outputs: Path | None = None):
    """Run the case; assert exit 2, the exact message, no traceback, inputs untouched."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    argv = case.build(inputs)
    before = snapshot(inputs)
    code, err = run_cli(argv, capfd)
    command = next(a for a in map(str, argv) if not a.startswith("-"))
    expected = f"genotailor {command}: error: " + case.message.format(d=inputs)
    lines = [line for line in err.splitlines() if line.startswith("genotailor ")]
    assert "Traceback" not in err, err
    assert lines == [expected.split("\n")[0]], err
    assert expected in err, err
    assert code == 2, err
    assert snapshot(inputs) == before, "the command changed or added files beside its inputs"
    return err
