"""Child processes the report command forks at its start, so that a slow import (WeasyPrint for
the PDF, matplotlib for the figures) runs on another core while the report is assembled."""

from __future__ import annotations

import multiprocessing


def start(target):
    """A daemon child forked now that runs `target(conn)`, and the parent's end of their pipe:
    (conn, process); (None, None) where this platform cannot fork."""
    try:
        context = multiprocessing.get_context("fork")
    except ValueError:
        return None, None
    conn, child_conn = context.Pipe()
    process = context.Process(target=target, args=(child_conn,), daemon=True)
    process.start()
    child_conn.close()
    return conn, process


def stop(conn, process) -> None:
    """End the child now and close the pipe."""
    process.kill()
    process.join()
    conn.close()


def failure(exc: BaseException) -> str:
    """An exception in a child as the text its parent reports."""
    return f"{type(exc).__name__}: {exc}"
