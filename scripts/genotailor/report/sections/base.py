"""What a report section is: its name, the stage JSON it reads, and how it builds its fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Section:
    """`build(patient, docs) -> (fields, limitations)`: `docs` are the section's stage JSONs (none
    when the stage did not run for the patient); `fields` go into the report as they are and
    `limitations` are {section, [gene], reason} entries. `template`: whether the HTML has a
    `templates/sections/{name}.html.j2` for it."""

    name: str
    build: Callable
    stage: str | None = None
    template: bool = True
