"""The report's biomarker sections, in the order the report shows them.

A section reads its stage's JSON files (validated against `workflow/schemas/{stage}.schema.json`
when that schema exists) and gives the report's fields and the limitations it has to state; its
HTML is `templates/sections/{name}.html.j2`. A new biomarker adds a module here and one line to
SECTIONS; the assembler's core does not change.
"""

from genotailor.report.sections import germline_findings, pgx, somatic

SECTIONS = (pgx.SECTION, somatic.SECTION, germline_findings.SECTION)

