"""Somatic variants of the patient's tumour samples (tiers, therapies, evidence) and the TMB."""

from __future__ import annotations

from genotailor.report import words
from genotailor.report.sections.base import Section, anchor, line, qc_caveat
from genotailor.report.sections.examined import assessed_genes, genes_of, has_ledger, named

NOT_ASSESSED_TMB = {"per_mb": None, "mutations": None, "callable_mb": None, "method": "not_assessed"}
MATCHING = ("variants are matched to the actionability knowledge base ({kb}) by protein change, codon, exon "
            "and gene class, not by genomic position (the sources give GRCh37 coordinates); tiers follow "
            "AMP/ASCO/CAP 2017 for {tumor} ({code}); diagnostic and prognostic evidence, fusions and expression "
            "are not assessed (copy number: its own section, for a tumour with reads)")


def build(patient, docs):
    somatic = [{"sample": d["sample"], **v} for d in docs for v in d["somatic"]]
    # the PASS variants each sample's stage counted but did not list (not protein-altering, not at a
    # splice site, no knowledge-base match): the report says how many, by consequence
    other = [{"sample": d["sample"], **d["other_variants"]} for d in docs]
    limitations = []
    tmb = dict(NOT_ASSESSED_TMB, reason="no tumour sample")
    if docs:
        d = docs[0]
        kb = ", ".join(f"{k} {v}" for k, v in sorted(d["knowledge_base"].items()))
        limitations.append({"section": "somatic", "reason": MATCHING.format(
            kb=kb, tumor=d["tumor_type_name"], code=d["tumor_type"])})
        tmb = d["tmb"]
        if tmb["method"] == "not_assessed":
            limitations.append({"section": "tmb", "reason": tmb["reason"]})
        if tmb.get("uncounted_no_vaf"):
            limitations.append({"section": "tmb", "reason": uncounted(tmb)})
        for d in docs:
            elsewhere = d.get("records_on_other_contigs") or {}
            if elsewhere.get("count"):
                contigs = ", ".join(f"{c} {n}" for c, n in elsewhere["by_contig"].items())
                n = elsewhere["count"]
                limitations.append({"section": "somatic", "reason": (
                    f"{d['sample']}: {n} VCF record{'' if n == 1 else 's'} on contigs the "
                    f"reference does not have ({contigs}) not examined")})
        for v in somatic:
            if v["annotation_note"]:
                limitations.append({"section": "somatic", "gene": v["gene"] or v["chrom"],
                                    "reason": f"{v['chrom']}:{v['pos']} {v['ref']}>{v['alt']}: {v['annotation_note']}"})
            if v["vaf"] is None:
                limitations.append({"section": "somatic", "gene": v["gene"] or v["chrom"],
                                    "reason": f"{variant_name(v)}: VAF not readable — {vaf_reason(v)}"})
    elif any(s.kind == "tumor" for s in patient.samples):
        limitations.append({"section": "somatic", "reason": "the somatic stage did not run for this tumour"})
    synthesis = [d["therapy_synthesis"] for d in docs]
    fields = {"somatic": somatic, "therapy_synthesis": synthesis, "somatic_other_variants": other, "tmb": tmb}
    msi = [{"sample": d["sample"], **d["msi"]} for d in docs if d.get("msi")]
    if msi:
        fields["msi"] = msi
    return fields, limitations


MSI = "microsatellite instability (MSI)"


def _msi_lines(fields) -> list[dict]:
    """One line per tumour: MSI-H with its therapies, MSS, or not assessed with the reason. The
    status comes from the ledger (the tumours MSI could not run for are there too), the therapies
    from the MSI result the somatic stage carries."""
    results = {m["sample"]: m for m in fields.get("msi") or []}
    entries = [e for e in fields.get("assessed") or [] if e["scope"] == "biomarker" and e["name"] == MSI
               and e.get("sample")]
    if not entries:  # no ledger: the results themselves
        entries = [{"sample": s, "status": "not_assessed" if m["status"] == "not_assessed" else "assessed",
                    "result": None if m["status"] == "not_assessed" else m["status"], "reason": m["reason"]}
                   for s, m in results.items()]
    out = []
    for e in entries:
        m = results.get(e["sample"]) or {}
        caveat = qc_caveat(fields, [e["sample"]])
        if e["status"] != "assessed":
            out.append(line("somatic", "not_assessed", f"Microsatellite instability: not assessed in {e['sample']} — "
                            f"{e['reason']}.", 30, "examined"))
            continue
        reason = e["reason"].removeprefix(f"{e['result']}: ")
        action = m.get("actionability") or {}
        rows = [t for t in action.get("therapies") or [] if t["this_tumour_type"]]
        if e["result"] == "MSI-H" and rows:
            rows = [t for t in rows if t["evidence_level"] in ("A", "B")] or rows
            levels = ", ".join(sorted({t["evidence_level"] for t in rows}))
            out.append(line("somatic", "actionable", f"MSI-H in {e['sample']} — Tier {action['tier']}: "
                            f"{words.word(words.DIRECTION, 'sensitivity')} to {_therapy_names(rows, 'sensitivity')} "
                            f"(evidence level {levels}); {reason}{caveat}.", TIER_RANK.get(action["tier"], 30), "examined"))
        else:
            out.append(line("somatic", "result", f"Microsatellite instability: {e['result']} in {e['sample']} "
                            f"({reason}){caveat}.", 50, "examined"))
    return out


TIER_RANK = {"I": 10, "II": 30}


def vaf_text(v: dict) -> str:
    """A variant's VAF as the report prints it: a percentage, or that the VCF does not give it readably."""
    return "not readable" if v["vaf"] is None else words.pct(v["vaf"])


def vaf_reason(v: dict) -> str:
    status = v.get("vaf_status") or "unreadable"
    return status.removeprefix("unreadable: ")


def uncounted(tmb: dict) -> str:
    n = tmb["uncounted_no_vaf"]
    text = (f"{n} coding variant{'' if n == 1 else 's'} in the callable territory could not be counted in the TMB: "
            "VAF or depth not readable from the VCF")
    return text + ("; the TMB is a lower bound" if tmb.get("per_mb") is not None else "")


def variant_anchor(v: dict) -> str:
    return anchor("variant", v["sample"], v["chrom"], v["pos"], v["ref"], v["alt"])


def synthesis_anchor(syn: dict) -> str:
    return anchor("therapies", syn["sample"])


def variant_name(v: dict) -> str:
    return " ".join(x for x in (v["gene"], v["protein_change"] or v["hgvs_c"]) if x) or \
        f"{v['chrom']}:{v['pos']} {v['ref']}>{v['alt']}"


VERDICT = {"sensitivity": "sensitivity", "resistance": "RESISTANCE", "reduced_sensitivity": "reduced sensitivity",
           "conflicting": "conflicting evidence"}
SUMMARY_LIMIT = 4  # sensitivity rows named in a summary line; the section lists them all


def verdict_text(row: dict) -> str:
    """A synthesis row's verdict in words: 'sensitivity, effective against EGFR p.L858R and EGFR
    p.T790M', 'RESISTANCE (EGFR p.T790M)', 'RESISTANCE (EGFR p.T790M, to Erlotinib)',
    'conflicting evidence'."""
    text = VERDICT[row["verdict"]]
    if row.get("defeated_by"):
        text += " (" + "; ".join(d["variant"] + (f", to {d['through']}" if d.get("through") else "")
                                 for d in row["defeated_by"]) + ")"
    elif len(row.get("effective_against") or ()) > 1:
        text += ", effective against " + words.and_list(row["effective_against"])
    return text


def _levels(row: dict, side: str) -> str:
    return "/".join(sorted({ln[side]["level"] for ln in row.get("lines") or [row] if ln[side]}))


def level_text(row: dict) -> str:
    """'level A' ('level B, gene level'); a drug with evidence both ways gives both levels:
    'sensitivity level A, resistance level B' when they weigh the same (verdict conflicting),
    'level A; conflicting evidence: resistance level D' when one side outweighs the other. A drug a
    co-occurring variant defeats gives the level of that resistance."""
    base = f"level {row['level']}" + (", gene level" if row.get("match") == "gene" else "")
    if row["verdict"] == "conflicting":
        return f"sensitivity level {_levels(row, 'sensitivity')}, resistance level {_levels(row, 'resistance')}"
    if row["conflicting_evidence"] and not row.get("defeated_by"):
        other = "resistance" if row["verdict"] == "sensitivity" else "sensitivity"
        if _levels(row, other):
            return f"{base}; conflicting evidence: {other} level {_levels(row, other)}"
    return base


def _names(rows, limit=None) -> str:
    names = [f"{r['therapy']} ({level_text(r)}" + "".join(f", to {d['through']}" for d in r.get("defeated_by") or ()
                                                       if d.get("through")) + ")" for r in rows]
    shown = names if limit is None else names[:limit]
    return ", ".join(shown) + (f" and {len(names) - len(shown)} more" if len(names) > len(shown) else "")


def synthesis_text(syn: dict) -> str:
    """The synthesis's drugs for this tumour type as one sentence: the drugs with level A/B
    evidence (or, without any, the best there is), sensitivity first, then the drugs a co-occurring
    variant defeats, other resistance and conflicting evidence; each with its level."""
    rows = syn["drugs"]
    strong = [r for r in rows if r["effective_level"] in "AB"]
    shown = strong or [r for r in rows if r["effective_level"] == min(x["effective_level"] for x in rows)]
    parts = []
    pro = [r for r in shown if r["verdict"] == "sensitivity"]
    if pro:
        lead = [f"{r['therapy']} ({level_text(r)}; {verdict_text(r).removeprefix('sensitivity, ')})"
                if len(r["effective_against"]) > 1 else f"{r['therapy']} ({level_text(r)})" for r in pro]
        # every drug at the best level is named; below it, up to SUMMARY_LIMIT in all
        keep = max(SUMMARY_LIMIT, sum(1 for r in pro if r["effective_level"] == pro[0]["effective_level"]))
        more = len(lead) - keep
        parts.append("sensitivity — " + ", ".join(lead[:keep]) + (f" and {more} more" if more > 0 else ""))
    defeated: dict[str, list] = {}
    for r in shown:
        if r["defeated_by"]:
            defeated.setdefault(", ".join(d["variant"] for d in r["defeated_by"]), []).append(r)
    for by, rs in defeated.items():
        parts.append(f"{VERDICT['resistance']} ({by}) — {_names(rs)}")
    for verdict in ("resistance", "reduced_sensitivity", "conflicting"):
        rs = [r for r in shown if r["verdict"] == verdict and not r["defeated_by"]]
        if rs:
            parts.append(f"{VERDICT[verdict]} — {_names(rs)}")
    return "; ".join(parts)


def _covered(syn: dict) -> list[str]:
    """The variants behind the synthesis's rows for this tumour type, in the synthesis's order."""
    behind = {ln["variant"] for r in syn["drugs"] for ln in r["lines"]}
    return [label for label in syn["variants"] if label in behind]


def other_types_text(v: dict) -> str:
    lines = (v.get("therapy_lines") or {}).get("other_tumour_types") or []
    parts = []
    for verdict in ("sensitivity", "resistance", "reduced_sensitivity", "conflicting"):
        rs = [ln for ln in lines if ln["verdict"] == verdict]
        if rs:
            parts.append(f"{VERDICT[verdict]} — " + ", ".join(
                f"{r['therapy']} ({level_text(r)}; {(r['sensitivity'] or r['resistance'])['diseases'][0]})"
                for r in rs[:SUMMARY_LIMIT]) + (f" and {len(rs) - SUMMARY_LIMIT} more" if len(rs) > SUMMARY_LIMIT else ""))
    return "; ".join(parts)


def _therapy_names(rows, direction, limit=4) -> str:
    """The distinct therapies of evidence rows in one direction, the first `limit` named (MSI-H and
    copy-number lines; small variants go through the therapy synthesis)."""
    names = list(dict.fromkeys(" + ".join(t["therapies"]) for t in rows if t["direction"] == direction))
    text = ", ".join(names[:limit])
    return text + (f" and {len(names) - limit} more" if len(names) > limit else "")


def summarize(fields, patient):
    if not any(s.kind == "tumor" for s in patient.samples):
        return []
    out = []
    tiered = [v for v in fields.get("somatic") or [] if v["tier"] in TIER_RANK]
    covered = set()
    for syn in fields.get("therapy_synthesis") or []:
        behind = _covered(syn)
        if not behind:
            continue
        late = {label for g in syn["readings"] for label in g["resistance"]}  # sensitizing variants first
        variants = sorted((v for v in tiered if v["sample"] == syn["sample"] and variant_name(v) in behind),
                          key=lambda v: variant_name(v) in late)
        covered |= {(v["sample"], variant_name(v)) for v in variants}
        named_variants = "; ".join(f"{variant_name(v)}, Tier {v['tier']}, VAF {vaf_text(v)}" for v in variants)
        together = " read together" if len(variants) > 1 else ""
        rank = min((TIER_RANK[v["tier"]] for v in variants), default=30)
        out.append(line("somatic", "actionable", f"Therapies for {syn['tumor_type_name']} ({syn['sample']}; "
                        f"{named_variants}{together}): {synthesis_text(syn)}{qc_caveat(fields, [syn['sample']])}.",
                        rank, synthesis_anchor(syn)))
    for v in tiered:
        if (v["sample"], variant_name(v)) in covered:
            continue
        elsewhere = other_types_text(v)
        therapy = f"evidence in other tumour types only: {elsewhere}" if elsewhere else "no therapy evidence"
        out.append(line("somatic", "actionable", f"{variant_name(v)} — Tier {v['tier']}, VAF {vaf_text(v)} in "
                        f"{v['sample']}: {therapy}{qc_caveat(fields, [v['sample']])}.", TIER_RANK[v["tier"]],
                        variant_anchor(v)))
    listed = fields.get("somatic") or []
    caveat = qc_caveat(fields, [s.id for s in patient.samples if s.kind == "tumor"])
    if not tiered:
        genes = assessed_genes(fields, "somatic")
        total = len(genes_of(fields, "somatic"))
        where, suffix = "", ""
        if not has_ledger(fields):
            suffix = "; what was examined is not known (no ledger), so this is not a negative result"
        elif genes:
            where = f" in the {len(genes)} fully assessed gene{'' if len(genes) == 1 else 's'} ({named(genes)})"
        else:
            suffix = (f"; none of the panel's {total} gene{'' if total == 1 else 's'} was fully assessed (see What this "
                      "test examined), so this is not a negative result")
        out.append(line("somatic", "result", f"Somatic variants: no Tier I or II variant{where} ({len(listed)} variant"
                        f"{'' if len(listed) == 1 else 's'} listed){suffix}{caveat}.", 50, "somatic"))
    elif len(listed) > len(tiered):
        rest = len(listed) - len(tiered)
        out.append(line("somatic", "standard", f"{rest} other somatic variant{'' if rest == 1 else 's'} of unknown "
                        "clinical significance (Tier III or not tiered).", 50, "somatic"))
    tmb = fields.get("tmb") or {}
    if tmb.get("per_mb") is not None:
        lower = f"; {uncounted(tmb)}" if tmb.get("uncounted_no_vaf") else ""
        out.append(line("somatic", "result", f"Tumour mutational burden: {tmb['per_mb']} mutations/Mb{lower}{caveat}.",
                        50, "tmb"))
    elif fields.get("somatic") is not None and tmb.get("reason") and tmb["reason"] != "no tumour sample":
        out.append(line("somatic", "not_assessed", f"Tumour mutational burden: not assessed — {tmb['reason']}.", 30, "tmb"))
    return out + _msi_lines(fields)


SECTION = Section("somatic", build, stage="somatic", summarize=summarize)
