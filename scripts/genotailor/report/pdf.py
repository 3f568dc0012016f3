"""The per-patient report as PDF, printed by WeasyPrint from the same HTML as the web page (its
print CSS puts the patient ID, the report date and "page x of y" on every page and keeps table
rows whole). WeasyPrint was chosen because it lays out HTML/CSS with paged media itself, in
process, from Python: no browser, no network (the page has no external resources to fetch).

Printing is the slowest part of a report: importing WeasyPrint (its Pango and HarfBuzz bindings)
takes about half a second and laying out the pages almost a second. `Printer` starts a child
process that does the import, sets up the fonts and compiles the page's templates while the
caller assembles the report and draws its figures; the caller then hands over the report and its
figures and writes the JSON, web page and FHIR bundle while the child renders the print page and
lays out the PDF.
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from genotailor.core.errors import GenotailorError


def write_pdf(html: str, out) -> None:
    """Print `html` to `out`. The PDF carries no creation date or file identifier that changes
    between runs, so the same report gives the same bytes."""
    import weasyprint

    document = weasyprint.HTML(string=html, base_url=None).render()
    # the title and author come from the page; no dates, so re-runs match
    document.metadata.created = None
    document.metadata.modified = None
    document.write_pdf(Path(out), uncompressed_pdf=False, pdf_identifier=b"genotailor-report")


def _warm_up() -> None:
    """Import WeasyPrint and lay out one line, so that fontconfig and Pango have loaded their
    fonts before the report arrives (nothing is written); compile the page's templates."""
    import weasyprint

    from genotailor.report.html import compile_templates

    weasyprint.HTML(string="<p>genotailor</p>", base_url=None).render()
    compile_templates()


def print_report(report: dict, drawn: list, out) -> None:
    """The report's print page (the same template as the web page) printed to `out`."""
    from genotailor.report.html import render_html

    write_pdf(render_html(report, for_print=True, drawn=drawn), out)


def _child(conn) -> None:
    try:
        _warm_up()
        job = conn.recv()
        if job is None:
            return
        print_report(*job)
    except EOFError:  # the parent ended without a report to print
        return
    except Exception as exc:  # reported by the parent, which names the file
        conn.send(f"{type(exc).__name__}: {exc}")
        return
    conn.send(None)


class Printer:
    """Prints one PDF in a child process started now (see the module's docstring); where a
    process cannot be forked, `print` prints in this process.

    >>> printer = Printer(); ...; printer.print(report, drawn, out); ...; printer.wait()
    """

    def __init__(self):
        self._out = None
        try:
            context = multiprocessing.get_context("fork")
        except ValueError:
            self._conn = self._process = None
            return
        self._conn, child_conn = context.Pipe()
        self._process = context.Process(target=_child, args=(child_conn,), daemon=True)
        self._process.start()
        child_conn.close()

    def print(self, report: dict, drawn: list, out) -> None:
        """Hand the report and its drawn figures over to be printed to `out` (or print now,
        without a child)."""
        self._out = out
        if self._process is None:
            print_report(report, drawn, out)
        else:
            self._conn.send((report, drawn, str(out)))

    def cancel(self) -> None:
        """Stop printing (the report turned out invalid): end the child and remove whatever it
        wrote, so that a failed command leaves no PDF behind."""
        if self._process is not None:
            self._process.kill()
            self._process.join()
            self._conn.close()
            self._process = None
        if self._out is not None:
            Path(self._out).unlink(missing_ok=True)

    def wait(self) -> None:
        """Wait for the PDF; a failure in the child is raised here, naming the file."""
        if self._process is None:
            return
        try:
            if self._out is None:
                self._conn.send(None)
                return
            try:
                error = self._conn.recv()
            except EOFError:
                self._process.join()
                error = f"the printing process ended with exit code {self._process.exitcode}"
            if error is not None:
                raise GenotailorError(f"{self._out}: the PDF could not be printed — {error}")
        finally:
            self._conn.close()
            self._process.join()
            self._process = None
