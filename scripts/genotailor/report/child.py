"""Child processes the report command forks at its start, so that a slow import (WeasyPrint for
the PDF, matplotlib for the figures) runs on another core while the report is assembled.

A child waits for its work in `recv` and ends when the pipe reports end-of-file, that is when
the report process has ended, however it ended: every child closes the copies it inherited of
the report process's pipe ends (its own and an earlier child's), so the report process holds the
only ones."""

from __future__ import annotations

import multiprocessing

_PARENT_ENDS: list = []  # this process's ends of its children's pipes, which each child closes


def _run(target, conn) -> None:
    for end in _PARENT_ENDS:
        end.close()
    target(conn)


def start(target):
    """A daemon child forked now that runs `target(conn)`, and the parent's end of their pipe:
    (conn, process); (None, None) where this platform cannot fork or no process can be started
    now (the caller then does the work itself)."""
    try:
        context = multiprocessing.get_context("fork")
    except ValueError:
        return None, None
    conn, child_conn = context.Pipe()
    _PARENT_ENDS[:] = [end for end in _PARENT_ENDS if not end.closed] + [conn]
    process = context.Process(target=_run, args=(target, child_conn), daemon=True)
    try:
        process.start()
    except OSError:  # e.g. the user's process limit
        conn.close()
        return None, None
    finally:
        child_conn.close()
    return conn, process


def reply(conn, process, name: str):
    """The child's one reply, after which its pipe is closed and the child has ended: (reply, None),
    or (None, what happened) when it ended without replying. `name`: the process, as messages
    call it ("printing")."""
    try:
        return conn.recv(), None
    except EOFError:
        process.join()
        return None, f"the {name} process ended with exit code {process.exitcode}"
    finally:
        conn.close()
        process.join()


def stop(conn, process) -> None:
    """End the child now and close the pipe."""
    process.kill()
    process.join()
    conn.close()


def failure(exc: BaseException) -> str:
    """An exception in a child as the text its parent reports."""
    return f"{type(exc).__name__}: {exc}"
