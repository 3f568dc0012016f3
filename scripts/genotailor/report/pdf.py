"""The per-patient report as PDF, printed by WeasyPrint from the same HTML as the web page (its
print CSS puts the patient ID, the report date and "page x of y" on every page and keeps table
rows whole). WeasyPrint was chosen because it lays out HTML/CSS with paged media itself, in
process, from Python: no browser, no network (the page has no external resources to fetch)."""

from __future__ import annotations

from pathlib import Path


def write_pdf(html: str, out) -> None:
    """Print `html` to `out`. The PDF carries no creation date or file identifier that changes
    between runs, so the same report gives the same bytes."""
    import weasyprint

    document = weasyprint.HTML(string=html, base_url=None).render()
    # the title and author come from the page; no dates, so re-runs match
    document.metadata.created = None
    document.metadata.modified = None
    document.write_pdf(Path(out), uncompressed_pdf=False, pdf_identifier=b"genotailor-report")
