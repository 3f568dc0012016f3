"""Words for people: every status, action and metric name a report shows, in one place.

The JSON report keeps the machine values (`not_assessed`, `reduce_dose`, `q30_rate`); the HTML,
the PDF, the summary lines and the cohort summary say them with these phrases instead."""

from __future__ import annotations

from genotailor.core.qcmetrics import METRIC_WORDS

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

# a drug result's status where the detail row names it (after "indeterminate"/"not assessed": the reason)
DRUG_STATUS_SHORT = {"indeterminate": "indeterminate", "not_assessed": "not assessed", "actionable": "actionable",
                     "standard": "standard"}

# the direction of tumour evidence in a cross-link, lower case
DIRECTION_PLAIN = {"sensitivity": "sensitivity", "resistance": "resistance", "reduced_sensitivity": "reduced sensitivity"}

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

METRIC = METRIC_WORDS

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


# CPIC's classification of a recommendation (the drug result's `strength`), as the report says it.
STRENGTH = {
    "strong": "strong",
    "moderate": "moderate",
    "optional": "optional",
    "no_recommendation": "no recommendation",
    "label": "drug label",
    "not_applicable": "—",  # no recommendation was made, so it has no strength
}


def strength_phrase(rec: dict) -> str:
    """'CPIC strong recommendation', 'CPIC optional recommendation', 'CPIC: no recommendation',
    'FDA drug label'; '' when no recommendation was made."""
    strength = rec.get("strength")
    if strength in (None, "not_applicable"):
        return ""
    if strength == "label" or rec.get("source") == "FDA drug label":
        return "FDA drug label"
    if strength == "no_recommendation":
        return "CPIC: no recommendation"
    return f"CPIC {word(STRENGTH, strength)} recommendation"


# actions whose dose is the one the guideline gives for when the drug is used all the same
_DOSE_IF_USED = ("avoid", "use_alternative", "consider_alternative")


def dose_phrase(rec: dict) -> str | None:
    """The dose of a drug result in words, with what it is a fraction of and when it applies:
    '50% of the starting dose', '75% of the usual maintenance dose', 'the usual dose to start;
    50% of it after more than 12 weeks of effective treatment'; 'if used, ' before it for an
    action that avoids the drug; None without a dose factor."""
    factor = rec.get("dose_factor")
    if factor is None:
        return None
    share = dose_words(factor).removesuffix(" of the starting dose")
    if rec.get("timing"):
        text = f"the usual dose to start; {share} of it {rec['timing']}"
    elif rec.get("dose_basis") == "maintenance":
        text = f"{share} of the usual maintenance dose"
    else:
        text = f"{share} of the starting dose"
    return ("if used, " if rec.get("action") in _DOSE_IF_USED else "") + text


def recommendation_text(rec: dict) -> str:
    """'Reduce the dose (the usual dose to start; 50% of it after more than 12 weeks of effective
    treatment)': the action and its dose, as the detail row, the summary line and the FHIR
    implication all say it."""
    text = word(ACTION, rec["action"])
    dose = dose_phrase(rec)
    return f"{text} ({dose})" if dose else text


def gene_value(value, gene_result: dict | None) -> str | None:
    """The value a drug's rules used for a gene, labelled: 'activity score 1.0' when it is the
    gene's activity score, otherwise the phenotype or genotype as it is."""
    if value is None:
        return None
    if gene_result and gene_result.get("activity_score") is not None \
            and str(value) == str(gene_result["activity_score"]) and value != gene_result.get("phenotype"):
        return f"activity score {value}"
    return str(value)


def consequence(term) -> str:
    """A Sequence Ontology consequence as words: 'stop_gained&splice_region_variant' ->
    'stop gained, splice region variant'."""
    return ", ".join(t.replace("_", " ") for t in str(term or "").split("&") if t) or "—"


def and_list(items) -> str:
    """'A', 'A and B', 'A, B and C'."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def pct(value) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"

EXAMINED_STATUS = {"assessed": "assessed", "partly": "partly assessed", "not_assessed": "not assessed"}
EXAMINED_CATEGORY = {"pgx": "pharmacogenomics", "diagnostic": "inherited disease", "secondary": "secondary findings",
                     "somatic": "tumour panel"}
