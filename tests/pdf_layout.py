"""Where a PDF draws its text, read with pypdf: each text-showing operation's extent on the page
(for margins) and the page's lines of text from top to bottom (for what ends a page).

The extents come from the page's content stream: the current transformation matrix (q, Q, cm), the
text matrix (Tm, Td, TD, T*, TL) and each glyph's advance width from its font's /W array (the
Identity-H encoded TrueType subsets WeasyPrint writes: two bytes per glyph)."""

from __future__ import annotations

from typing import NamedTuple

from pypdf import PdfReader
from pypdf.generic import ContentStream

MM = 72 / 25.4


class Run(NamedTuple):
    """One text-showing operation: its left and right edges and its baseline, in PDF points from
    the page's lower left corner."""

    x0: float
    x1: float
    y: float


def _times(m, n):
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s, e * p + f * r + t, e * q + f * s + u)


def _point(m, x, y):
    return (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])


def _widths(font) -> tuple[dict[int, float], float]:
    """A Type0 font's glyph widths by CID (1/1000 text space units), and its default width."""
    descendant = font["/DescendantFonts"][0].get_object()
    table, default = {}, float(descendant.get("/DW", 1000))
    w = list(descendant.get("/W", []))
    i = 0
    while i < len(w):
        first = int(w[i])
        if isinstance(w[i + 1], list) or hasattr(w[i + 1], "__iter__"):
            for k, width in enumerate(w[i + 1]):
                table[first + k] = float(width)
            i += 2
        else:
            for cid in range(first, int(w[i + 1]) + 1):
                table[cid] = float(w[i + 2])
            i += 3
    return table, default


def _bytes(s) -> bytes:
    # the string's bytes as written (pypdf reads <0033> as UTF-16 text and would add a byte-order mark)
    return getattr(s, "_original_bytes", None) or (bytes(s) if isinstance(s, bytes) else s.encode("latin-1"))


def text_runs(reader: PdfReader, page) -> list[Run]:
    """Every text-showing operation of the page with its extent."""
    fonts = {name: _widths(f.get_object()) for name, f in page["/Resources"].get("/Font", {}).items()}
    ctm, stack = (1, 0, 0, 1, 0, 0), []
    tm = tlm = (1, 0, 0, 1, 0, 0)
    font, size, leading = None, 1.0, 0.0
    runs = []
    for operands, op in ContentStream(page.get_contents(), reader).operations:
        if op == b"q":
            stack.append(ctm)
        elif op == b"Q":
            ctm = stack.pop()
        elif op == b"cm":
            ctm = _times(tuple(float(x) for x in operands), ctm)
        elif op == b"BT":
            tm = tlm = (1, 0, 0, 1, 0, 0)
        elif op == b"Tf":
            font, size = fonts[operands[0]], float(operands[1])
        elif op == b"TL":
            leading = float(operands[0])
        elif op == b"Tm":
            tm = tlm = tuple(float(x) for x in operands)
        elif op in (b"Td", b"TD"):
            if op == b"TD":
                leading = -float(operands[1])
            tm = tlm = _times((1, 0, 0, 1, float(operands[0]), float(operands[1])), tlm)
        elif op == b"T*":
            tm = tlm = _times((1, 0, 0, 1, 0, -leading), tlm)
        elif op in (b"Tj", b"TJ"):
            parts = operands[0] if op == b"TJ" else [operands[0]]
            advance = 0.0
            table, default = font
            for part in parts:
                if isinstance(part, (int, float)) or type(part).__name__ in ("NumberObject", "FloatObject"):
                    advance -= float(part) / 1000 * size
                    continue
                raw = _bytes(part)
                for i in range(0, len(raw) - 1, 2):
                    advance += table.get(int.from_bytes(raw[i:i + 2], "big"), default) / 1000 * size
            m = _times(tm, ctm)
            (x0, y0), (x1, _) = _point(m, 0, 0), _point(m, advance, 0)
            runs.append(Run(min(x0, x1), max(x0, x1), y0))
            tm = _times((1, 0, 0, 1, advance, 0), tm)
        elif op in (b"'", b'"'):
            raise AssertionError(f"text operator {op!r} not read by this test helper")
    return runs


def lines(page, tolerance: float = 1.0) -> list[tuple[float, str]]:
    """The page's text as lines (baseline, text), top to bottom, as pypdf extracts it."""
    chunks = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            x, y = _point(_times(tuple(tm), tuple(cm)), 0, 0)
            chunks.append((y, x, text.strip()))

    page.extract_text(visitor_text=visit)
    rows: list[list] = []
    for y, x, text in sorted(chunks, key=lambda c: (-c[0], c[1])):
        if rows and abs(rows[-1][0] - y) <= tolerance:
            rows[-1][1].append((x, text))
        else:
            rows.append([y, [(x, text)]])
    return [(y, " ".join(t for _, t in sorted(parts))) for y, parts in rows]
