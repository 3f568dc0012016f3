"""The documentation's links resolve and the README stays short.

Every relative link and image in README.md, docs/*.md, config/README.md and
workflow/resources/README.md must name a file of the project, and every
`#anchor` must be the slug GitHub gives one of the target file's headings (lower case; characters
other than letters, digits, spaces, hyphens and underscores dropped; spaces become hyphens; a
repeated heading gets `-1`, `-2`, ...). Links inside code spans and fenced blocks are not links.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README_MAX_LINES = 250
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# the references beside the code the docs link to, which link back into docs/
REFERENCES = [ROOT / "config" / "README.md", ROOT / "workflow" / "resources" / "README.md"]

LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^\s*(```|~~~)")
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def _prose_lines(text: str):
    """(line number, line without code spans) of the lines outside fenced code blocks."""
    fenced = False
    for number, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            yield number, CODE_SPAN.sub("", line)


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading's text (before de-duplication)."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading keeps its text
    text = text.replace("`", "").strip().lower()
    text = "".join(c for c in text if c.isalnum() or c in " -_")
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every anchor of a Markdown file's headings, with GitHub's `-1`, `-2` for repeats."""
    seen: dict[str, int] = {}
    out = set()
    for _, line in _prose_lines(path.read_text(encoding="utf-8")):
        m = HEADING.match(line)
        if not m:
            continue
        slug = github_slug(m.group(2))
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return out


def broken_links(path: Path) -> list[str]:
    """`file:line: target — why` for each relative link of `path` that does not resolve."""
    problems = []
    text = path.read_text(encoding="utf-8")
    for number, line in _prose_lines(text):
        for m in LINK.finditer(line):
            target = m.group(1)
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
                continue
            file_part, _, anchor = target.partition("#")
            dest = (path.parent / file_part).resolve() if file_part else path
            where = f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}:{number}: {target}"
            if not dest.exists():
                problems.append(f"{where} — no such file")
            elif anchor:
                if dest.suffix != ".md":
                    problems.append(f"{where} — an anchor into a file that is not Markdown")
                elif anchor not in anchors(dest):
                    problems.append(f"{where} — no heading with this anchor in {dest.name}")
    return problems


def test_github_slugs_of_headings_with_punctuation():
    # Slugs as GitHub renders them for these headings (checked against github.com pages).
    assert github_slug("Quick start (Debian/Ubuntu)") == "quick-start-debianubuntu"
    assert github_slug("What this test examined: the ledger") == "what-this-test-examined-the-ledger"
    assert github_slug("Sources, releases and licences") == "sources-releases-and-licences"
    assert github_slug("`make bench` figures") == "make-bench-figures"


def test_a_missing_file_and_a_wrong_anchor_are_reported(tmp_path):
    (tmp_path / "other.md").write_text("# Other\n\n## Running on a cluster\n\n## Notes\n\n## Notes\n")
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n"
        "[ok](other.md#running-on-a-cluster) [repeat](other.md#notes-1) [self](#page)\n"
        "[gone](missing.md) [typo](other.md#running-on-the-cluster)\n"
        "`[code](nowhere.md)` [web](https://example.org/x#y)\n"
        "```\n[fenced](nowhere.md)\n```\n"
    )
    problems = broken_links(page)
    assert [p.split(": ", 1)[1] for p in problems] == [
        "missing.md — no such file",
        "other.md#running-on-the-cluster — no heading with this anchor in other.md",
    ]


@pytest.mark.parametrize("path", DOCS + REFERENCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_and_anchor_resolves(path):
    assert broken_links(path) == []


def test_docs_folder_holds_the_documented_pages():
    names = {p.name for p in DOCS}
    assert {"usage.md", "output.md", "knowledge_bases.md", "limitations.md", "development.md"} <= names


def test_readme_is_at_most_250_lines():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").count("\n")
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move detail into docs/"


STAGE_SCHEMAS = ["report", "qc", "norm", "pgx", "somatic", "germline", "ledger"]


@pytest.mark.parametrize("stage", STAGE_SCHEMAS)
def test_output_doc_names_every_top_level_field_of_each_stage_json(stage):
    schema = json.loads((ROOT / "workflow" / "schemas" / f"{stage}.schema.json").read_text())
    doc = (ROOT / "docs" / "output.md").read_text(encoding="utf-8")
    assert f"workflow/schemas/{stage}.schema.json" in doc
    missing = [field for field in schema["properties"] if f"`{field}`" not in doc]
    assert missing == [], f"docs/output.md does not describe these {stage} fields: {missing}"
