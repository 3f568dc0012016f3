"""What a report section is: its name, the stage JSON it reads, how it builds its fields, and what
it says on the report's first page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

# Kinds of summary lines, in the order the summary shows them.
SUMMARY_KINDS = ("actionable", "result", "standard", "not_assessed")


def anchor(*parts) -> str:
    """The HTML id of a detail row: 'drug-clopidogrel', 'variant-TUMOR01-T-chr7-140753336-T'."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", "-".join(str(p) for p in parts)).strip("-")


def line(section: str, kind: str, text: str, rank: int = 50, target: str | None = None) -> dict:
    """One summary line. `kind`: actionable (do something differently), result (a finding that
    changes nothing by itself), standard (results collapsed into one line), not_assessed (what
    could not be assessed, and why); `rank` orders actionable lines across sections (lower first);
    `target`: the id of the detail the line links to."""
    if kind not in SUMMARY_KINDS:
        raise ValueError(f"summary line kind {kind!r} is not one of {SUMMARY_KINDS}")
    return {"section": section, "kind": kind, "rank": rank, "text": text, "target": target}


def qc_caveat(fields, samples) -> str:
    """' (sample X failed quality control: not reliable)' when one of `samples` (ids) failed QC, to
    end a summary line whose result comes from them; '' otherwise. `fields`: the report."""
    qc = fields.get("qc") or {}
    failed = [s for s in samples if (qc.get(s) or {}).get("status") == "fail"]
    if not failed:
        return ""
    return f" (sample{'s' if len(failed) > 1 else ''} {', '.join(failed)} failed quality control: not reliable)"


def no_summary(fields, patient) -> list[dict]:
    return []


def nothing_unsettled(fields, patient) -> list[str]:
    return []


@dataclass(frozen=True)
class Section:
    """`build(patient, docs) -> (fields, limitations)`: `docs` are the section's stage JSONs (none
    when the stage did not run for the patient); `fields` go into the report as they are and
    `limitations` are {section, [gene], reason} entries. `summarize(fields, patient) -> [line(...)]`
    gives the section's lines on the report's first page, from the report's fields after every
    section is built. `template`: whether the HTML has a `templates/sections/{name}.html.j2` for it.
    `unsettled(fields, patient) -> [phrase]`: the results the section could not settle ('DPYD
    indeterminate (3240 diplotypes fit)', 'TPMT not assessed'), which the summary names instead of
    saying that nothing calls for a change."""

    name: str
    build: Callable
    stage: str | None = None
    template: bool = True
    summarize: Callable = no_summary
    unsettled: Callable = nothing_unsettled
