"""The one way genotailor runs an external tool (bcftools, samtools, fastp, an aligner, mosdepth...).

- Commands are argv lists, never shell strings: a path with a space or a quote is one argument.
- A pipeline is a list of argv lists joined stdout to stdin; it fails when any of its commands
  fails, and the message names the command that failed first in the data's path (a command killed
  by SIGPIPE only because a later one stopped reading is not blamed).
- Each tool's stderr goes to this process's stderr, which the workflow sends to the step's log,
  whatever the outcome; the tail of it is in the error message.
- A tool that is not installed is named as missing, with the package that provides it.
- One error type, `ToolError`, with the tool, its exit code and its stderr tail.
- The tools a process ran are remembered, so a step can record their versions (`tool_versions`)
  from the very environment it ran them in.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

from genotailor.core.errors import GenotailorError

# command -> the Debian/Ubuntu package(s) that install it (scripts/setup-tools.sh installs the same).
PACKAGES = {
    "fastp": "fastp", "bwa": "bwa", "minimap2": "minimap2", "samtools": "samtools", "bcftools": "bcftools",
    "tabix": "tabix", "bgzip": "tabix", "mosdepth": "mosdepth libhts-dev",
}
# How a tool tells its version (bwa has no flag: it prints its usage, with the version, to stderr).
VERSION_ARGS = {"bwa": [], "samtools": ["--version"], "bcftools": ["--version"]}
_VERSION = re.compile(r"Version:\s*(\S+)|(\d+\.\d+(?:\.\d+)?(?:[-.+][0-9A-Za-z]+)*)")
STDERR_TAIL_LINES = 8

_ran: dict[str, str] = {}  # tool name -> the executable this process ran


class ToolError(GenotailorError):
    """An external tool is missing or failed; the message says which, why, and what to do."""

    def __init__(self, message, tool=None, returncode=None, stderr_tail=""):
        super().__init__(message)
        self.tool, self.returncode, self.stderr_tail = tool, returncode, stderr_tail


def _tail(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return "\n".join(lines[-STDERR_TAIL_LINES:])


def _executable(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        package = PACKAGES.get(tool, tool)
        raise ToolError(
            f"{tool} is not installed (not on PATH): install it (Debian/Ubuntu, as root: apt-get install "
            f"{package}; or `make tools`), or run the workflow with `--sdm conda`", tool=tool)
    return found


def _argv(cmd) -> list[str]:
    if isinstance(cmd, str) or not cmd:
        raise TypeError("a command is a non-empty list of arguments, not a shell string")
    return [os.fspath(a) if isinstance(a, os.PathLike) else str(a) for a in cmd]


def _open_out(stdout):
    if stdout is None:
        return subprocess.DEVNULL, None
    if stdout is subprocess.PIPE:
        return subprocess.PIPE, None
    fh = open(stdout, "wb")
    return fh, fh


def pipeline(commands, what: str, stdout=None, stdin=None, env=None, cwd=None, input_text=None) -> str | None:
    """Run commands joined by pipes; wait for all; raise ToolError if any failed.

    `stdout`: a path for the last command's output, `subprocess.PIPE` to return it as text, or
    None to discard it. `stdin`: a path for the first command's input, or `input_text`: text fed to it
    (written from a thread, so a long text cannot dead-lock against the output). `what` says what the
    pipeline does for the user ("VCF x.vcf.gz: normalization"). `env` and `cwd` as for
    subprocess (None: this process's).
    """
    argvs = [_argv(c) for c in commands]
    names = [Path(a[0]).name for a in argvs]
    executables = [_executable(a[0]) for a in argvs]
    out_arg, out_fh = _open_out(stdout)
    in_fh = open(stdin, "rb") if stdin is not None else None
    procs, errors, readers = [], [], []
    try:
        previous = in_fh
        for i, argv in enumerate(argvs):
            last = i == len(argvs) - 1
            # argv[0] as given (not the resolved path): tools record their command line (@PG, fastp's JSON).
            first_in = subprocess.PIPE if i == 0 and input_text is not None else subprocess.DEVNULL
            proc = subprocess.Popen(argv, stdin=previous if previous is not None else first_in,
                                    stdout=out_arg if last else subprocess.PIPE, stderr=subprocess.PIPE,
                                    env=env, cwd=cwd)
            if previous is not None and previous is not in_fh:
                previous.close()  # only the next command holds the pipe: a failure upstream reaches it as EOF
            previous = proc.stdout if not last else None
            procs.append(proc)
            if i == 0 and input_text is not None:
                feeder = threading.Thread(target=_feed, args=(proc.stdin, input_text.encode()), daemon=True)
                feeder.start()
                readers.append(feeder)
            buf: list[bytes] = []
            errors.append(buf)
            t = threading.Thread(target=lambda p=proc, b=buf: b.append(p.stderr.read()), daemon=True)
            t.start()
            readers.append(t)
        output = procs[-1].stdout.read().decode() if stdout is subprocess.PIPE else None
        codes = [p.wait() for p in procs]
        for t in readers:
            t.join()
    finally:
        if out_fh is not None:
            out_fh.close()
        if in_fh is not None:
            in_fh.close()
    texts = [b"".join(buf).decode("utf-8", errors="replace") for buf in errors]
    for name, exe, text in zip(names, executables, texts):
        _ran.setdefault(name, exe)
        if text:
            sys.stderr.write(text if text.endswith("\n") else text + "\n")
    sys.stderr.flush()
    failed = [i for i, c in enumerate(codes) if c != 0]
    if failed:
        # A command killed by SIGPIPE failed only because a later one stopped reading: blame that one.
        real = [i for i in failed if codes[i] != -signal.SIGPIPE] or failed
        i = real[0]
        code = codes[i]
        how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
        tail = _tail(texts[i])
        detail = f":\n{tail}" if tail else " (it printed nothing)"
        raise ToolError(f"{what} failed: {names[i]} {how}{detail}", tool=names[i], returncode=code, stderr_tail=tail)
    return output


def _feed(fh, data: bytes) -> None:
    try:
        fh.write(data)
    except BrokenPipeError:
        pass  # the tool stopped reading: its own exit code says why
    finally:
        try:
            fh.close()
        except BrokenPipeError:
            pass


def run(cmd, what: str, stdout=None, stdin=None, env=None, cwd=None) -> str | None:
    """Run one command (see `pipeline`)."""
    return pipeline([cmd], what, stdout=stdout, stdin=stdin, env=env, cwd=cwd)


def run_measured(cmd, what: str, env=None, cwd=None) -> tuple[float, float]:
    """Run one command, its output discarded; (wall seconds, peak resident memory in MB) of it
    and its children, for benchmarks. Fails like `run`."""
    import time

    argv = _argv(cmd)
    _executable(argv[0])
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    _ran.setdefault(Path(argv[0]).name, argv[0])
    if code != 0:
        tail = _tail(err.decode("utf-8", errors="replace"))
        raise ToolError(f"{what} failed: {Path(argv[0]).name} exited with code {code}:\n{tail}",
                        tool=Path(argv[0]).name, returncode=code, stderr_tail=tail)
    return seconds, usage.ru_maxrss / 1024


def capture(cmd, what: str) -> str:
    """Run one command and return its standard output as text."""
    return pipeline([cmd], what, stdout=subprocess.PIPE)


def capture_pipeline(commands, what: str, input_text: str | None = None) -> str:
    """Run commands joined by pipes (`input_text` fed to the first) and return the last one's
    standard output as text."""
    return pipeline(commands, what, stdout=subprocess.PIPE, input_text=input_text)


def tools_ran() -> list[str]:
    """Names of the external tools this process has run, sorted."""
    return sorted(_ran)


def tool_version(tool: str, executable: str | None = None) -> str | None:
    """The version a tool reports about itself (first version-looking string); None if it says none."""
    exe = executable or shutil.which(tool)
    if exe is None:
        return None
    args = VERSION_ARGS.get(tool, ["--version"])
    try:
        proc = subprocess.run([exe, *args], capture_output=True, text=True, errors="replace", timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = _VERSION.search(proc.stdout + proc.stderr)
    return (m.group(1) or m.group(2)) if m else None


def tool_versions() -> dict[str, str | None]:
    """Version of every tool this process ran, from the executable it ran."""
    return {name: tool_version(name, _ran[name]) for name in sorted(_ran)}
