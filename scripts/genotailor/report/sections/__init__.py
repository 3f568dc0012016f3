"""The report's biomarker sections, in the order the report shows them.

A section reads its stage's JSON files (validated against `workflow/schemas/{stage}.schema.json`
when that schema exists) and gives the report's fields and the limitations it has to state; its
`summarize` gives its lines on the report's first page (actionable findings with a rank and the id
of their detail, results, collapsed standard results, what was not assessed and why; a category
the patient declined is one sentence filed under "consent"); its HTML is
`templates/sections/{name}.html.j2`, wrapped in `<section id="{name}">`. A new biomarker adds a
module here and one line to SECTIONS; the assembler's core, the summary and the cohort files do
not change.
"""

from genotailor.report.sections import copy_number, examined, germline_findings, pgx, somatic

SECTIONS = (examined.SECTION, pgx.SECTION, somatic.SECTION, copy_number.SECTION, germline_findings.SECTION)

