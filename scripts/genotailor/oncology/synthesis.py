"""The therapy synthesis of one tumour: its evidence weighed per drug, its variants read together.

The knowledge base gives many evidence items per variant (BRAF V600E: about a hundred, for many
tumour types, some for and some against the same drug). A tumour board needs one answer per drug:

- Per variant, one line per drug or regimen for this tumour type (`drug_lines`): its best evidence,
  ranked by level (gene-level items count one level lower, as for the tier: a level B "EGFR Mutation"
  item weighs like level C), then by how specific the match is (protein before codon and exon
  before gene). Variant-specific evidence for a drug supersedes gene-level items for the same drug.
  A drug with evidence both ways is one line with both sides, their levels and sources
  (`conflicting_evidence`); its verdict is "conflicting" when the two sides weigh the same or are
  both at level A/B, otherwise the stronger side's.
- Evidence for other tumour types is collapsed into one line per drug (drugs with a line for this
  tumour type are not repeated), levels A and B only; the rest is counted.
- Per tumour (`synthesize`): one row per drug across the tumour's variants. A variant's strong
  (level A/B) resistance defeats a drug another variant of the same gene responds to (EGFR T790M
  against erlotinib for an L858R tumour), also when the drug is part of a regimen; drugs with
  evidence against every variant of such a pair lead (osimertinib for L858R + T790M).
"""

from __future__ import annotations

LEVELS = "ABCD"
SPECIFICITY = {"protein": 0, "codon": 1, "exon": 1, "gene": 2}
AGAINST = ("resistance", "reduced_sensitivity")
ROOT, ANY_TYPE = "TISSUE", "any tumour type"  # the OncoTree root: tumour-agnostic evidence
VERDICT_ORDER = {"sensitivity": 0, "conflicting": 1, "reduced_sensitivity": 2, "resistance": 3}


def effective_level(row: dict) -> str:
    """The level an evidence item weighs with: a gene-level item at level B weighs as level C."""
    level = row["evidence_level"]
    return "C" if row["match"] == "gene" and level == "B" else level


def _strength(row: dict) -> tuple:
    return (effective_level(row), SPECIFICITY[row["match"]], row["evidence_level"])


def therapy_name(row: dict) -> str:
    return " + ".join(row["therapies"])


def _side(rows: list[dict]) -> dict | None:
    """The best evidence of one direction: its level, match, diseases and sources (those of the
    items at the best strength), and how many items there are in all."""
    if not rows:
        return None
    rows = sorted(rows, key=lambda r: (_strength(r), r["direction"], r["oncotree"]))
    best = [r for r in rows if _strength(r) == _strength(rows[0])]
    sources, seen = [], set()
    for r in best:
        for s in r["sources"]:
            if (s["source"], s["id"]) not in seen:
                seen.add((s["source"], s["id"]))
                sources.append(s)
    diseases = []
    for r in rows:
        name = ANY_TYPE if r["oncotree"] == ROOT else r["disease"]
        if name not in diseases:
            diseases.append(name)
    side = {"direction": rows[0]["direction"], "level": rows[0]["evidence_level"],
            "effective_level": effective_level(rows[0]), "match": rows[0]["match"],
            "kb_variant": rows[0]["kb_variant"], "diseases": diseases, "sources": sources, "items": len(rows)}
    together = sorted({p for r in best for p in r.get("together_with") or ()})
    if together:
        side["together_with"] = together
    return side


def _weigh(rows: list[dict]) -> dict:
    """One drug's evidence items (one variant, one group of tumour types) -> its line."""
    if any(r["match"] != "gene" for r in rows):
        rows = [r for r in rows if r["match"] != "gene"]  # variant-specific evidence supersedes gene-level
    pro = _side([r for r in rows if r["direction"] == "sensitivity"])
    con = _side([r for r in rows if r["direction"] in AGAINST])
    if pro and con:
        a, b = pro["effective_level"], con["effective_level"]
        if a == b or (a in "AB" and b in "AB"):
            verdict, side = "conflicting", min((pro, con), key=lambda x: (x["effective_level"], SPECIFICITY[x["match"]]))
        elif a < b:
            verdict, side = "sensitivity", pro
        else:
            verdict, side = con["direction"], con
    elif pro:
        verdict, side = "sensitivity", pro
    else:
        verdict, side = con["direction"], con
    first = rows[0]
    return {"therapy": therapy_name(first), "therapies": first["therapies"], "verdict": verdict,
            "level": side["level"], "effective_level": side["effective_level"], "match": side["match"],
            "conflicting_evidence": bool(pro and con), "sensitivity": pro, "resistance": con}


def _line_key(line: dict) -> tuple:
    return (VERDICT_ORDER[line["verdict"]], line["effective_level"], SPECIFICITY[line["match"]], line["therapy"].lower())


def drug_lines(therapies: list[dict]) -> dict:
    """One variant's evidence rows -> {drugs: one line per drug for this tumour type, ranked;
    other_tumour_types: one line per drug for the other types (levels A/B, a gene-level B
    weighing as C; drugs without a line here); other_tumour_types_c_d: how many further drugs have
    level C/D evidence elsewhere only}."""
    here, other = {}, {}
    for r in therapies:
        (here if r["this_tumour_type"] else other).setdefault(therapy_name(r), []).append(r)
    drugs = sorted((_weigh(rows) for rows in here.values()), key=_line_key)
    elsewhere = [_weigh(rows) for name, rows in other.items() if name not in here]
    strong = sorted((ln for ln in elsewhere if ln["effective_level"] in "AB"), key=_line_key)
    return {"drugs": drugs, "other_tumour_types": strong, "other_tumour_types_c_d": len(elsewhere) - len(strong)}


# ----------------------------------------------------------------------------- the tumour

def variant_label(v: dict) -> str:
    return " ".join(x for x in (v["gene"], v["protein_change"] or v["hgvs_c"]) if x) or \
        f"{v['chrom']}:{v['pos']} {v['ref']}>{v['alt']}"


def _strong_against(line: dict) -> bool:
    return line["verdict"] in AGAINST and line["resistance"]["effective_level"] in "AB"


def _tumour_row(name: str, per_variant: list[tuple[dict, dict]], lines_of: dict) -> dict:
    """One drug across the tumour's variants: `per_variant` [(variant, its line for the drug)];
    `lines_of`: variant label -> {therapy: line}, for the components of a regimen."""
    first = per_variant[0][1]
    pro = [v for v, ln in per_variant if ln["verdict"] == "sensitivity"]
    con = [v for v, ln in per_variant if ln["verdict"] in AGAINST]
    mixed = [v for v, ln in per_variant if ln["verdict"] == "conflicting"]
    genes = {v["gene"] for v in pro}
    defeated = [(v, None) for v, ln in per_variant if _strong_against(ln) and v["gene"] in genes]
    if pro and len(first["therapies"]) > 1:
        # a regimen: a co-occurring variant's strong resistance to one of its drugs defeats it too
        labels = {variant_label(v) for v in pro}
        for v, lines in lines_of.values():
            if variant_label(v) in labels or v["gene"] not in genes:
                continue
            for drug in first["therapies"]:
                ln = lines.get(drug)
                if ln and _strong_against(ln) and all(d[0] is not v for d in defeated):
                    defeated.append((v, drug))
    lines = [{"variant": variant_label(v), **{k: ln[k] for k in ("verdict", "level", "match", "conflicting_evidence",
                                                                  "sensitivity", "resistance")}}
             for v, ln in per_variant]
    if defeated:
        worst = [ln for v, ln in per_variant if any(v is d for d, _ in defeated)]
        verdict = worst[0]["verdict"] if worst else "resistance"
    elif pro and not con and not mixed:
        verdict = "sensitivity"
    elif con and not pro and not mixed:
        verdict = "reduced_sensitivity" if all(ln["verdict"] == "reduced_sensitivity" for _, ln in per_variant) \
            else "resistance"
    else:
        verdict = "conflicting"
    sides = [ln["sensitivity"] for _, ln in per_variant if ln["sensitivity"] and verdict in ("sensitivity", "conflicting")]
    sides += [ln["resistance"] for _, ln in per_variant if ln["resistance"] and verdict != "sensitivity"]
    # defeated through a regimen's drug: that drug's resistance counts
    sides += [lines_of[variant_label(v)][1][drug]["resistance"] for v, drug in defeated if drug]
    best = min(sides, key=lambda s: (s["effective_level"], SPECIFICITY[s["match"]]))
    row = {"therapy": name, "therapies": first["therapies"], "verdict": verdict, "level": best["level"],
           "effective_level": best["effective_level"], "match": best["match"],
           "effective_against": [variant_label(v) for v in pro] if verdict == "sensitivity" else [],
           "defeated_by": [{"variant": variant_label(v), **({"through": drug} if drug else {})} for v, drug in defeated],
           "conflicting_evidence": bool(pro and (con or defeated)) or any(ln["conflicting_evidence"] for _, ln in per_variant),
           "lines": lines}
    return row


def synthesize(variants: list[dict], sample: str, tumor_type: str, tumor_type_name: str) -> dict:
    """The tumour's therapy synthesis from its variants (each with its `therapy_lines`): one row per
    drug for this tumour type, ranked; the co-occurring variants read together; the other tumour
    types' drugs, one line each."""
    with_lines = [v for v in variants if v["therapy_lines"]["drugs"] or v["therapy_lines"]["other_tumour_types"]]
    lines_of = {variant_label(v): (v, {ln["therapy"]: ln for ln in v["therapy_lines"]["drugs"]}) for v in with_lines}
    by_drug: dict[str, list] = {}
    for v in with_lines:
        for ln in v["therapy_lines"]["drugs"]:
            by_drug.setdefault(ln["therapy"], []).append((v, ln))
    rows = [_tumour_row(name, pv, lines_of) for name, pv in by_drug.items()]
    rows.sort(key=lambda r: (VERDICT_ORDER[r["verdict"]], r["effective_level"], -len(r["effective_against"]),
                             SPECIFICITY[r["match"]], r["therapy"].lower()))
    others: dict[str, dict] = {}
    for v in with_lines:
        for ln in v["therapy_lines"]["other_tumour_types"]:
            if ln["therapy"] in by_drug:
                continue
            o = others.setdefault(ln["therapy"], {"therapy": ln["therapy"], "therapies": ln["therapies"], "lines": []})
            o["lines"].append({"variant": variant_label(v), **{k: ln[k] for k in (
                "verdict", "level", "match", "conflicting_evidence", "sensitivity", "resistance")}})
    other_rows = []
    for o in others.values():
        verdicts = {ln["verdict"] for ln in o["lines"]}
        verdict = verdicts.pop() if len(verdicts) == 1 else "conflicting"
        diseases = []
        for ln in o["lines"]:
            for side in (ln["sensitivity"], ln["resistance"]):
                for d in (side or {}).get("diseases", ()):
                    if d not in diseases:
                        diseases.append(d)
        other_rows.append({**o, "verdict": verdict, "level": min(ln["level"] for ln in o["lines"]),
                           "conflicting_evidence": verdict == "conflicting" or any(ln["conflicting_evidence"]
                                                                                   for ln in o["lines"]),
                           "variants": [ln["variant"] for ln in o["lines"]], "diseases": diseases})
    other_rows.sort(key=lambda r: (VERDICT_ORDER[r["verdict"]], r["level"], r["therapy"].lower()))
    readings = _readings(rows)
    late = {label for g in readings for label in g["resistance"]}
    for r in rows:  # the sensitizing variants named first
        r["effective_against"].sort(key=lambda label: label in late)
        r["lines"].sort(key=lambda ln: ln["variant"] in late)
    return {"sample": sample, "tumor_type": tumor_type, "tumor_type_name": tumor_type_name,
            "variants": [variant_label(v) for v in with_lines], "readings": readings,
            "drugs": rows, "other_tumour_types": other_rows,
            "other_tumour_types_c_d": sum(v["therapy_lines"]["other_tumour_types_c_d"] for v in with_lines)}


def _readings(rows: list[dict]) -> list[dict]:
    """Per gene with a sensitizing and a resistance variant: the two read together, the drugs with
    evidence against both, and the drugs the resistance variant defeats."""
    out = {}
    for r in rows:
        if not r["defeated_by"]:
            continue
        for ln in r["lines"]:
            if ln["verdict"] != "sensitivity":
                continue
            gene = ln["variant"].split(" ")[0]
            g = out.setdefault(gene, {"gene": gene, "sensitizing": [], "resistance": [], "defeated": []})
            if ln["variant"] not in g["sensitizing"]:
                g["sensitizing"].append(ln["variant"])
        for d in r["defeated_by"]:
            gene = d["variant"].split(" ")[0]
            g = out.setdefault(gene, {"gene": gene, "sensitizing": [], "resistance": [], "defeated": []})
            if d["variant"] not in g["resistance"]:
                g["resistance"].append(d["variant"])
            if r["therapy"] not in g["defeated"]:
                g["defeated"].append(r["therapy"])
    readings = []
    for g in out.values():
        both = set(g["sensitizing"]) | set(g["resistance"])
        g["sensitizing"] = sorted(set(g["sensitizing"]) - set(g["resistance"]))
        g["resistance"].sort()
        g["defeated"].sort(key=str.lower)
        g["effective_against_all"] = [{"therapy": r["therapy"], "level": r["level"]} for r in rows
                                      if r["verdict"] == "sensitivity" and both <= set(r["effective_against"])]
        readings.append(g)
    return sorted(readings, key=lambda g: g["gene"])
