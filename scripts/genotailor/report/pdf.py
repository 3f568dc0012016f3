"""The per-patient report as PDF, printed by WeasyPrint from the same HTML as the web page (its
print CSS puts the patient ID, the report date and "page x of y" on every page — with "QC failed"
when a sample failed quality control, so that no page alone reads as a valid result — and keeps
table rows whole). WeasyPrint was chosen because it lays out HTML/CSS with paged media itself, in
process, from Python: no browser, no network (the print page links nothing but its figures,
which the printer is handed; any other URL is an error).

Printing is the slowest part of a report: importing WeasyPrint (its Pango and HarfBuzz bindings)
takes about a third of a second and laying out the pages about a second. `Printer` starts a child
process at once that imports WeasyPrint and sets up its fonts while the caller assembles the
report. The caller then hands over the print page, in which each figure is an image linked by
URL (`FIGURE_URL` + its ID), so the child can parse and style the page while the figures are
still being drawn (by report.figures.Drawer); it waits for them only when it builds the figures'
boxes. The caller then writes the JSON, web page and FHIR bundle while the child lays out the PDF.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
from pathlib import Path
from typing import Callable

from genotailor.core.errors import GenotailorError
from genotailor.core.tools import capture
from genotailor.report import child

# how the print page links a figure: FIGURE_URL + the figure's ID (report.figures)
FIGURE_URL = "genotailor-figure:"

# ld.so's name for this machine's ABI, as ctypes.util reads `ldconfig -p` (other machines: "libc6")
_LD_ABI = {"x86_64-64": "libc6,x86-64", "ppc64-64": "libc6,64bit", "sparc64-64": "libc6,64bit",
           "s390x-64": "libc6,64bit", "ia64-64": "libc6,IA-64"}


def _ld_cache() -> dict[str, str]:
    """ld.so's cache of shared libraries for this machine's ABI, as {"libNAME": soname}, from one
    `ldconfig -p` (empty where there is no ldconfig)."""
    abi = _LD_ABI.get(f"{os.uname().machine}-{64 if sys.maxsize > 2**32 else 32}", "libc6")
    for ldconfig in ("/sbin/ldconfig", "/usr/sbin/ldconfig"):
        if os.access(ldconfig, os.X_OK):
            break
    else:
        return {}
    try:
        listing = capture([ldconfig, "-p"], "ld.so's library cache")
    except (GenotailorError, ValueError):  # ValueError: a path that is not UTF-8
        return {}
    cache: dict[str, str] = {}
    for m in re.finditer(r"^\s+((lib\S+?)\.so\S*) \(([^)]*)\)", listing, re.M):
        if m.group(3).startswith(abi):
            cache.setdefault(m.group(2), m.group(1))  # the first listed, as ctypes takes it
    return cache


def import_weasyprint(cache: dict[str, str] | None = None):
    """Import WeasyPrint, finding its C libraries in ld.so's cache.

    WeasyPrint tries up to six names for each of its seven libraries (one name per platform), and
    `ctypes.util.find_library` looks each name up by running ldconfig, and for a name it does not
    find also gcc and ld: 22 look-ups, about a quarter of a second before the first report can be
    laid out. One read of the cache answers them all (as ctypes would: the first soname listed for
    this machine's ABI). Should WeasyPrint still fail to load a library, the import is done again
    the way WeasyPrint does it by itself, with ctypes' look-up, so that its own error is the one
    shown. `cache`: the cache to use instead of this machine's."""
    if "weasyprint" in sys.modules:
        return sys.modules["weasyprint"]
    import ctypes.util

    cache = _ld_cache() if cache is None else cache
    if cache:
        find_library = ctypes.util.find_library
        ctypes.util.find_library = lambda name: cache.get(f"lib{name}")
        try:
            # a library not found makes WeasyPrint print its installation help before it fails
            with contextlib.redirect_stdout(io.StringIO()):
                import weasyprint
            return weasyprint
        except OSError:
            pass  # imported again below, with ctypes' look-up
        finally:
            ctypes.util.find_library = find_library
    import weasyprint

    return weasyprint


def _fetcher(figure: Callable[[str], str]):
    """A WeasyPrint URL fetcher that serves the print page's figures (`figure(ID)` gives one's SVG)
    and refuses any other URL; a figure it cannot serve stops the printing."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class FigureFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if not url.startswith(FIGURE_URL):
                raise ValueError(f"the print page links {url}, and only its figures may be linked")
            svg = figure(url[len(FIGURE_URL):])
            return URLFetcherResponse(url, svg.encode(), headers={"Content-Type": "image/svg+xml"})

    return FigureFetcher(fail_on_errors=True)


def write_pdf(html: str, out, figure: Callable[[str], str]) -> None:
    """Print the print page `html` to `out`, with `figure(ID)` giving each linked figure's SVG. The
    PDF carries no creation date or file identifier that changes between runs, so the same report
    gives the same bytes."""
    weasyprint = import_weasyprint()
    try:
        document = weasyprint.HTML(string=html, base_url=None, url_fetcher=_fetcher(figure)).render()
    except weasyprint.urls.FatalURLFetchingError as exc:  # a BaseException: made an ordinary error here
        cause = exc.__cause__
        raise GenotailorError(f"{exc} ({type(cause).__name__}: {cause})") from exc
    # the title and author come from the page; no dates, so re-runs match
    document.metadata.created = None
    document.metadata.modified = None
    document.write_pdf(Path(out), uncompressed_pdf=False, pdf_identifier=b"genotailor-report")


def _print_page(html: str, out, figure: Callable[[str], str]) -> str | None:
    """`write_pdf`, its failure (if any) returned as text for the caller to report with the file."""
    try:
        write_pdf(html, out, figure)
    except Exception as exc:
        return child.failure(exc)
    return None


def _warm_up() -> None:
    """Import WeasyPrint and lay out one line, so that fontconfig and Pango have loaded their
    fonts before the print page arrives (nothing is written)."""
    import_weasyprint().HTML(string="<p>genotailor</p>", base_url=None).render()


class _FiguresFromParent:
    """The figures the parent sends once drawn; the first one asked for waits for them."""

    def __init__(self, conn):
        self._conn = conn
        self._svgs: dict[str, str] | None = None

    def __call__(self, figure_id: str) -> str:
        if self._svgs is None:
            self._svgs = self._conn.recv()
        return self._svgs[figure_id]


def _printing(conn) -> None:
    try:
        _warm_up()
        failure = None
    except Exception as exc:  # WeasyPrint cannot be loaded: said when the page arrives
        failure = child.failure(exc)
    try:
        job = conn.recv()
    except EOFError:  # the parent ended without a page to print
        return
    if job is None:
        return
    if failure is None:
        html, out = job
        failure = _print_page(html, out, _FiguresFromParent(conn))
    # the outcome goes to the parent, which names the file
    with contextlib.suppress(BrokenPipeError):  # unless the parent has ended
        conn.send(failure)


class Printer:
    """Prints one PDF in a child process started now (see the module's docstring); where a
    process cannot be forked, it prints in this process once it has the figures.

    >>> printer = Printer(); ...; printer.print(html, out); printer.figures(drawn); ...; printer.wait()
    """

    def __init__(self):
        self._out = None
        self._page = None  # (html, out) to print in this process, without a child
        self._error = None  # how printing in this process failed
        self._conn, self._process = child.start(_printing)

    def print(self, html: str, out) -> None:
        """Hand over the print page (report.html.render_html(..., for_print=True)), to be printed
        to `out` once its figures follow."""
        self._out = out
        if self._process is None:
            self._page = (html, out)
        else:
            with contextlib.suppress(BrokenPipeError):  # the child has ended; `wait` says why
                self._conn.send((html, str(out)))

    def figures(self, drawn: list[dict]) -> None:
        """Hand over the drawn figures (report.figures.draw) the print page links."""
        svgs = {f["id"]: f["svg"] for f in drawn}
        if self._process is None:
            if self._page is not None:
                self._error = _print_page(*self._page, svgs.__getitem__)
                self._page = None
            return
        with contextlib.suppress(BrokenPipeError):  # the child has ended; `wait` says why
            self._conn.send(svgs)

    def cancel(self) -> None:
        """Stop printing (the report command failed before the PDF was done): end the child and
        remove whatever it wrote, so that a failed command leaves no PDF behind."""
        self._page = None
        if self._process is not None:
            child.stop(self._conn, self._process)
            self._process = None
        if self._out is not None:
            Path(self._out).unlink(missing_ok=True)

    def wait(self) -> None:
        """Wait for the PDF; a failure is raised here, naming the file, and whatever part of the
        PDF was written is removed."""
        if self._process is None:
            if self._page is not None:
                self.figures([])
            error = self._error
        elif self._out is None:  # nothing to print: the child ends
            try:
                self._conn.send(None)
            finally:
                self._conn.close()
                self._process.join()
                self._process = None
            return
        else:
            failure, ended = child.reply(self._conn, self._process, "printing")
            self._process = None
            error = failure or ended
        if error is not None:
            Path(self._out).unlink(missing_ok=True)
            raise GenotailorError(f"{self._out}: the PDF could not be printed — {error}")
