"""Rebuild `cpic_recommendations.tsv` from CPIC's recommendation records as PharmCAT distributes
them (one `CPIC_*.json` file per guideline; see PROVENANCE.md for the exact source).

    python tests/data/cpic/build_fixture.py DIR_WITH_CPIC_JSON_FILES

Only facts are written: the record's ID, guideline, drug, population, CPIC's classification
(strength), the lookup key (gene -> phenotype, activity score or allele status) and CPIC's own
flags (dosing information / alternate drug / other guidance). The recommendation text is read
only to derive this project's action class and dose factor (`action`, `dose_factor`), by the
patterns below; the text itself is not kept.

`action` lists the action classes a reading of the text allows, `|`-separated:
standard, reduce_dose, increase_dose, alternative (avoid, use or consider another drug), monitor
(usual drug with extra monitoring, or measure enzyme activity first), none (CPIC gives no
recommendation), invalid (not a recommendation: CPIC's "xN is not a valid input" rows).
"""

from __future__ import annotations

import html
import json
import re
import sys
from pathlib import Path

OUT = Path(__file__).with_name("cpic_recommendations.tsv")
COLUMNS = ("id", "guideline_id", "drug", "population", "classification", "lookup", "action", "dose_factor",
           "dosing_information", "alternate_drug_available", "other_prescribing_guidance")

# (pattern on the text's first part, lower-cased; the classes it allows). First match wins.
CLASSES = [
    (r"^xn is not a valid input", "invalid"),
    (r"^(no recommendation|n/a)", "none"),
    (r"^(insufficient evidence|no action recommended)", "none"),
    (r"^initiate \d+% of starting dose.*or consider a clinically appropriate alternative", "reduce_dose|alternative"),
    # tamoxifen normal metabolizers: avoid CYP2D6 *inhibitors*, usual tamoxifen dose
    (r"^avoid moderate and strong cyp2d6 inhibitors", "standard"),
    # thiopurines, poor metabolizers: another drug for non-malignant conditions, drastically
    # reduced doses for malignancy
    (r"non-malignant conditions, consider alternative", "alternative|reduce_dose"),
    (r"^(based on (tpmt|nudt15) status, )?for malignancy", "reduce_dose|alternative"),
    (r"^(based on (tpmt|nudt15) status, )?start with drastically reduced", "reduce_dose|alternative"),
    # amitriptyline and sertraline: another drug, or the drug at a lower dose
    (r"^consider a (\d+-\d+% )?lower starting dose.*or (select|consider) a clinically appropriate alternative",
     "alternative|reduce_dose"),
    (r"^(avoid|abacavir is not|allopurinol is contra|ivacaftor is not|select (an )?alternative|choose an alternative"
     r"|prescribe an alternative|recommend alternative|consider hormonal therapy|consider (a clinically appropriate )?"
     r"alternative|consider an alternative|consider a clinically appropriate|choose an alternative"
     r"|if patient is \w+-na\S{1,3}ve( and alternative agents are available)?, do not use)", "alternative"),
    (r"^based? (on )?(tpmt|nudt15)( status)?, start with reduced", "reduce_dose"),
    # one thiopurine gene normal, the other not tested or without a phenotype: the usual start,
    # but measure the missing enzyme's activity and watch closely for toxicity
    (r"^based? (on )?(tpmt|nudt15)( status)?, start with normal", "monitor"),
    (r"clinical findings, family history", "standard|monitor"),
    (r"(halogenated volatile anesthetics|relatively contraindicated)", "alternative"),
    (r"enzyme activity must be measured", "monitor"),
    (r"could not be assigned based on genotyping performed|consider evaluating tpmt", "monitor"),
    (r"^neither tpmt", "monitor"),
    (r"(cautiously consider|the latency period)", "monitor|standard"),
    (r"alternative agents are not available, consider the use", "monitor"),
    # nitrofurantoin, G6PD deficient: the usual dose under close monitoring for anaemia
    (r"with caution and with close monitoring", "monitor"),
    # atomoxetine: the usual start with the usual titration (raise after 3 days), or the usual
    # start with a slow titration (raise only after 2 weeks) steered by plasma levels; a lower dose
    # only if side effects appear, so the latter is "monitor"
    (r"^initiate with a dose of .* after 3 days", "standard"),
    (r"^initiate with a dose of", "monitor"),
    (r"^increase starting", "increase_dose"),
    (r"(reduc|decreased dose|lowest recommended starting dose|% of the lowest|less than typical maintenance"
     r"|≤ ?\d+ ?mg|limit dose|lower maintenance dose|lower starting dose|lower target dose)", "reduce_dose"),
    # PPIs: the usual start, with a higher dose for some indications (H. pylori, erosive
    # oesophagitis)
    (r"consider increasing dose by 50-100%", "standard|increase_dose"),
    # SSRIs: the usual start; a higher maintenance dose only if the usual one does not work
    (r"titrating to a higher (maintenance|target) dose", "standard"),
    (r"(standard dos|recommended starting dose|standard starting|label[- ]recommended|desired starting dose"
     r"|no adjustments|no reason to avoid|per standard|no need to avoid|standard of care|product label"
     r"|standard recommended dose|label recommended|normal starting dose|at standard dose)", "standard"),
]

# Classes read more narrowly or widely than the patterns for one wording: none so far.
OVERRIDES: dict[str, str] = {}


def _text(rec) -> str:
    body = rec["text"]["html"].split("<h4")[0]  # the "Other considerations" part is not the recommendation
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def action_of(text: str) -> str:
    low = text.lower()
    for pattern, classes in CLASSES:
        if re.search(pattern, low):
            # SSRIs: the usual start, but a slower titration to a lower maintenance dose
            if classes == "reduce_dose" and re.match(
                    r"^initiate therapy with recommended starting dose\. consider a slower titration schedule "
                    r"and lower maintenance dose", low):
                return "reduce_dose"
            # PPIs: the usual start; half the dose only after more than 12 weeks of effective therapy
            if classes == "reduce_dose" and re.match(r"^initiate (standard|therapy with recommended)", low):
                return "standard|reduce_dose"
            return classes
    raise SystemExit(f"no action class for: {text[:200]}")


def _pct(m) -> float:
    return round(float(m) / 100, 4)


def dose_of(text: str) -> str:
    """The fraction of the usual dose the text gives, or a range `low-high`; '' if none."""
    low = text.lower()
    pats = [
        (r"(\d+)%\s*-\s*(\d+)% of (the )?normal dose", lambda m: f"{_pct(m[1]):g}-{_pct(m[2]):g}"),
        (r"(\d+)% to (\d+)% of normal dose", lambda m: f"{_pct(m[1]):g}-{_pct(m[2]):g}"),
        (r"(\d+)-(\d+)% of the lowest recommended starting dose", lambda m: f"{_pct(m[1]):g}-{_pct(m[2]):g}"),
        (r"(\d+)% of the lowest recommended starting dose", lambda m: f"{_pct(m[1]):g}"),
        (r"reduce starting doses? to (\d+)% of normal dose", lambda m: f"{_pct(m[1]):g}"),
        (r"reduce daily dose by 10-fold", lambda m: "0.1"),
        (r"approximately (\d+)% less than typical maintenance", lambda m: f"{1 - _pct(m[1]):g}"),
        (r"(\d+)% reduction", lambda m: f"{1 - _pct(m[1]):g}"),
        (r"^initiate (\d+)% of starting dose", lambda m: f"{_pct(m[1]):g}"),
        (r"consider a (\d+)-(\d+)% lower starting dose", lambda m: f"{1 - _pct(m[2]):g}-{1 - _pct(m[1]):g}"),
        (r"reduce starting dose by (\d+)%", lambda m: f"{1 - _pct(m[1]):g}"),
        (r"increase starting dose 1\.5 to 2 times", lambda m: "1.5-2"),
        (r"increase starting daily dose by 100%", lambda m: "2"),
        (r"decreased dose of 400 or 200 mg/day", lambda m: f"{200 / 600:.3g}-{400 / 600:.3g}"),
        (r"decreased dose of 400 mg/day", lambda m: f"{400 / 600:.3g}"),
    ]
    for pattern, fn in pats:
        m = re.search(pattern, low)
        if m:
            return fn(m)
    return ""


def rows(src: Path):
    for path in sorted(src.glob("CPIC_*.json")):
        doc = json.loads(path.read_text())
        guideline = doc["guideline"]["id"]
        for rec in doc.get("recommendations") or []:
            text = _text(rec)
            action = OVERRIDES.get(rec["id"]) or action_of(text)
            dose = dose_of(text) if action not in ("none", "invalid") else ""
            for chem in rec["relatedChemicals"]:
                yield {
                    "id": rec["id"],
                    "guideline_id": guideline,
                    "drug": chem["name"],
                    "population": rec.get("population") or "",
                    "classification": (rec.get("classification") or {}).get("term") or "",
                    "lookup": json.dumps(rec["lookupKey"], sort_keys=True, ensure_ascii=False),
                    "action": action,
                    "dose_factor": dose,
                    "dosing_information": str(bool(rec.get("dosingInformation"))).lower(),
                    "alternate_drug_available": str(bool(rec.get("alternateDrugAvailable"))).lower(),
                    "other_prescribing_guidance": str(bool(rec.get("otherPrescribingGuidance"))).lower(),
                }


def main(argv):
    src = Path(argv[1])
    out = sorted(rows(src), key=lambda r: (r["drug"], r["population"], r["lookup"], r["id"]))
    with OUT.open("w", encoding="utf-8") as fh:
        fh.write("\t".join(COLUMNS) + "\n")
        for r in out:
            fh.write("\t".join(r[c] for c in COLUMNS) + "\n")
    print(f"{OUT}: {len(out)} rows")


if __name__ == "__main__":
    main(sys.argv)
