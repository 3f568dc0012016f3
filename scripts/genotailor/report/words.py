"""Words for people: every status, action and metric name a report shows, in one place.

The JSON report keeps the machine values (`not_assessed`, `reduce_dose`, `q30_rate`); the HTML,
the PDF, the summary lines and the cohort summary say them with these phrases instead."""

from __future__ import annotations

QC_STATUS = {
    "pass": "Passed",
    "warn": "Passed with warnings",
    "fail": "FAILED",
    "not_assessed": "Not assessed (entered as a VCF: no read-level quality control)",
}

GENE_STATUS = {
    "called": "Called",
    "ambiguous": "Ambiguous: more than one diplotype fits the genotypes",
    "not_called": "Not called: the genotypes match no known diplotype",
    "not_assessed": "Not assessed: no defining position has a genotype",
}

POSITION_STATUS = {
    "called": "genotyped",
    "low_depth": "too few reads",
    "no_call": "no genotype",
    "filtered": "genotype filtered out",
    "not_covered": "not covered",
    "absent": "not in the VCF",
    "inconsistent": "inconsistent with the reference",
}

# Gene results that are not a diplotype: shown by `diplotype_display`, never by their first candidate.
INDETERMINATE = ("ambiguous", "not_called")


def diplotype_display(g: dict) -> str:
    """The diplotype as every form of the report shows it: the call itself only when it is one
    (status `called`); 'indeterminate (N diplotypes fit)' when several fit the genotypes equally
    (the stage's `diplotype` is then only the first of them by its ordering), 'indeterminate (no
    diplotype fits)' when none does, 'not assessed: REASON' when no defining position has a
    genotype."""
    status = g["status"]
    if status == "called":
        return g["diplotype"] or "—"
    if status == "ambiguous":
        tie = g.get("tie") or {}
        n = tie.get("count") or (g.get("alternatives_total") or len(g.get("alternatives") or [])) + 1
        return f"indeterminate ({n} diplotypes fit)"
    if status == "not_called":
        return "indeterminate (no diplotype fits)"
    return f"not assessed: {g.get('reason') or 'no defining position has a genotype'}"


ACTION = {
    "standard": "Standard use and dosing",
    "reduce_dose": "Reduce the dose",
    "increase_dose": "Increase the dose",
    "avoid": "Avoid",
    "use_alternative": "Use an alternative drug",
    "consider_alternative": "Consider an alternative drug",
    "monitor": "Use with extra monitoring",
    "undetermined": "No recommendation possible",
}

# Drug-recommendation groups, most pressing first; the summary ranks drug lines in this order.
ACTION_GROUPS = (
    ("avoid", "Avoid or use an alternative", ("avoid", "use_alternative")),
    ("alternative", "Consider an alternative", ("consider_alternative",)),
    ("dose", "Adjust the dose", ("reduce_dose", "increase_dose")),
    ("monitor", "Use with extra monitoring", ("monitor",)),
)

DRUG_STATUS = {
    "actionable": "Change from standard practice",
    "standard": "Standard use and dosing",
    "indeterminate": "Cannot be decided: a gene result behind it is ambiguous",
    "not_assessed": "Not assessed: a gene behind it has no result",
}

DIRECTION = {
    "sensitivity": "sensitivity",
    "resistance": "RESISTANCE",
    "reduced_sensitivity": "reduced sensitivity",
}

TIER = {
    "I": "Tier I — strong clinical significance",
    "II": "Tier II — potential clinical significance",
    "III": "Tier III — unknown clinical significance",
    None: "not tiered",
}

METRIC = {
    "reads_before_filtering": "Reads before filtering",
    "reads_after_filtering": "Reads after filtering",
    "q30_rate": "Bases with quality ≥ Q30",
    "adapter_trimmed_rate": "Reads with adapters trimmed",
    "insert_size_peak": "Insert size (peak)",
    "primary_reads": "Primary reads",
    "mapped_rate": "Reads mapped",
    "duplication_rate": "Duplicate reads",
    "loci_in_panel": "Biomarker loci in the panel",
    "loci_covered_rate": "Biomarker loci covered",
    "loci_mean_depth": "Mean depth at biomarker loci",
    "vcf_records": "Records in the VCF",
}

SECTION = {
    "summary": "Summary",
    "qc": "Samples and quality control",
    "pgx": "Pharmacogenomics",
    "somatic": "Somatic variants",
    "tmb": "Tumour mutational burden",
    "germline_findings": "Germline findings",
    "examined": "What this test examined",
    "figures": "Figures",
    "methods": "Methods",
    "limitations": "Limitations",
    "disclaimer": "Disclaimer",
}


def word(table: dict, value) -> str:
    """The phrase for `value`, or the value with underscores as spaces when the table lacks it."""
    if value in table:
        return table[value]
    return str(value).replace("_", " ")


def metric_value(name: str, value) -> str:
    """A metric as people read it: rates as percentages, counts with thousands separators."""
    if value is None:
        return "—"
    if name.endswith("_rate"):
        return f"{100 * value:.1f}%"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:g}"


def gate_threshold(gate: dict) -> str:
    """'warn below 85.0%, fail below 75.0%' from a QC gate record."""
    parts = []
    for key, words in (("warn_below", "warn below"), ("fail_below", "fail below"),
                       ("warn_above", "warn above"), ("fail_above", "fail above")):
        if key in gate:
            parts.append(f"{words} {metric_value(gate['metric'], gate[key])}")
    return ", ".join(parts)


def dose_words(factor) -> str:
    """0.5 -> '50% of the starting dose'; [0.25, 0.5] -> '25–50% of the starting dose'."""
    if isinstance(factor, (list, tuple)):
        return f"{100 * factor[0]:g}–{100 * factor[1]:g}% of the starting dose"
    return f"{100 * factor:g}% of the starting dose"


def and_list(items) -> str:
    """'A', 'A and B', 'A, B and C'."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def pct(value) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"

EXAMINED_STATUS = {"assessed": "assessed", "partly": "partly assessed", "not_assessed": "not assessed"}
EXAMINED_CATEGORY = {"pgx": "pharmacogenomics", "diagnostic": "inherited disease", "secondary": "secondary findings",
                     "somatic": "tumour panel"}
