"""CYP2D6 star alleles with copy number: the SNV-based diplotype combined with the depth call.

`with_copy_number(result, cn, gene, calls)` takes the engine's CYP2D6 result (from SNVs and
indels) and the `cyp2d6-cn` result of the same sample:

- no copy-number result, or one that is not a call (not assessed, uncertain): the SNV result
  stays as it is, with its limitation, and `copy_number` says "not assessed" and why;
- hybrid suspected: no diplotype is called (the SNV reading may hide a hybrid allele); the
  reading is kept in a note and the result says "hybrid suspected — confirm";
- 2 copies: the SNV diplotype holds; the limitation narrows to what depth cannot see;
- 0 copies: *5/*5;
- 1 copy: the other chromosome carries *5 (the whole-gene deletion): the genotypes are matched
  as one hemizygous allele, X/*5; heterozygous genotypes with one copy are a contradiction and
  nothing is called;
- 3 or more: the extra copies are placed on the allele whose defining variants show the matching
  allele balance (with three copies a heterozygous variant on the duplicated allele is read in
  2 of 3 reads): the binomial likelihood of each placement from the reads' base counts; one
  placement must be at least 100 times likelier than the next, otherwise every placement is
  listed and the result says whether their phenotypes differ (status ambiguous).

Notation is PharmVar's: the duplicated allele carries xN (*1/*1x2, *2/*4x2, *4/*5). The
activity score counts every copy (CPIC: an allele's activity value times its copy number;
Caudle et al. 2020, Clin Transl Sci 13:116, PMID 31647186). With four or more copies the exact
number is not resolved from depth: the duplicated allele is written x≥3 as in CPIC's CYP2D6
allele functionality table, and its activity score is the lower bound (3 copies), noted as such.
The phenotype follows CPIC's activity-score thresholds of the knowledge base's CYP2D6 document.
"""

from __future__ import annotations

import math

from genotailor.pgx.matcher import allele_order, format_activity, gene_index

# *5, the whole-gene deletion: not an SNV allele, so not in the definitions. Function and
# activity value from CPIC's CYP2D6 allele functionality table (as in pypgx's allele table:
# CYP2D6 *5, activity 0, No Function, structural variant).
DELETION = "*5"
DELETION_FUNCTION = ("No Function", "0.0")

MIN_LOG10_RATIO = 2.0  # a copy placement must be 100x likelier than the next to be chosen

CN_LIMITATION = (
    "CYP2D6 copy number was measured from read depth (whole-gene deletion and duplications, and "
    "hybrids that change copy number along the gene); tandem arrangements of different alleles "
    "(e.g. *36+*10) and hybrids with the same copy number at every exon are not resolved."
)


def _copy_number_block(cn: dict | None) -> dict:
    if cn is None:
        return {"status": "not_assessed", "reason": "copy number from read depth was not measured (no reads "
                                                    "for this sample, e.g. a VCF entry)"}
    block = {"status": cn["status"] if cn["status"] in ("called", "hybrid_suspected") else "not_assessed",
             "copy_number": cn.get("copy_number_label"), "estimate": cn.get("estimate"),
             "confidence": cn.get("confidence"), "reason": cn.get("reason"), "hybrid": cn.get("hybrid"),
             "profile": [{"region": p["region"], "copy_number": p["copy_number"]} for p in cn.get("profile") or []]}
    return block


def _value(gene, name: str):
    """(function, activity value) of an allele; *5 from CPIC's table (see DELETION_FUNCTION)."""
    if name == DELETION:
        return DELETION_FUNCTION
    a = gene_index(gene).by_name.get(name)
    return (a.function, a.activity_value) if a else (None, None)


def _phenotype(gene, score: float | None) -> str | None:
    method = gene.phenotype_method or {}
    if score is None or method.get("kind") != "activity_sum":
        return None
    phenotype = None
    for t in method["thresholds"]:
        if score >= float(t["min"]) - 1e-9:
            phenotype = t["phenotype"]
    return phenotype


def _haplotype_name(allele: str, copies: int, at_least: bool) -> str:
    if copies == 1:
        return allele
    return f"{allele}x≥3" if at_least and copies >= 3 else f"{allele}x{copies}"


def _reading(gene, haplotypes, at_least: bool) -> dict:
    """One reading: [(allele, copies), (allele, copies)] -> diplotype, score and phenotype."""
    names = [_haplotype_name(a, k, at_least) for a, k in haplotypes]
    order = sorted(range(2), key=lambda i: (allele_order(haplotypes[i][0]), haplotypes[i][1]))
    names = [names[i] for i in order]
    haplotypes = [haplotypes[i] for i in order]
    score = 0.0
    functions = {}
    for (allele, copies), name in zip(haplotypes, names):
        function, value = _value(gene, allele)
        functions[name] = function
        if value in (None, ""):
            score = None
        elif score is not None:
            score += float(value) * copies
    return {"diplotype": "/".join(names), "alleles": names, "functions": functions,
            "activity_score": None if score is None else format_activity(score),
            "phenotype": _phenotype(gene, score), "haplotypes": haplotypes}


def _b_alleles(gene, a: str, b: str, counts: list[dict]):
    """[(count of A's base, count of B's base)] at the positions where the reads show two bases
    and only one of the two alleles' definitions allows each base."""
    from genotailor.pgx.matcher import _m

    ix = gene_index(gene)
    ia, ib = ix.names.index(a), ix.names.index(b)
    out = []
    for c in counts:
        pos = c["position"]
        if pos not in ix.ref:
            continue
        ea, eb = ix.expected(ia, pos), ix.expected(ib, pos)
        bases = [x for x, n in sorted(c["counts"].items(), key=lambda kv: -kv[1])[:2]]
        if len(bases) < 2:
            continue
        x, y = bases
        if _m(ea, x) and not _m(ea, y) and _m(eb, y) and not _m(eb, x):
            out.append((c["counts"][x], c["counts"][y]))
        elif _m(ea, y) and not _m(ea, x) and _m(eb, x) and not _m(eb, y):
            out.append((c["counts"][y], c["counts"][x]))
    return out


def _placements(gene, a: str, b: str, n: int, counts: list[dict], at_least: bool):
    """Readings of A/B with n copies in all, each with its log10 likelihood from the allele
    balance (None when no position tells A from B)."""
    sites = _b_alleles(gene, a, b, counts)
    out = []
    for k in range(1, n):  # k copies of B on one chromosome, n-k of A on the other
        f = k / n
        ll = sum(nb * math.log10(f) + na * math.log10(1 - f) for na, nb in sites) if sites else None
        out.append((ll, _reading(gene, [(a, n - k), (b, k)], at_least)))
    return out, len(sites)


def with_copy_number(result: dict, cn: dict | None, gene, calls) -> dict:
    """The CYP2D6 result with the copy number applied (see the module docstring)."""
    block = _copy_number_block(cn)
    result["copy_number"] = block
    if result.get("source") != "vcf":
        return result
    if block["status"] == "hybrid_suspected":
        reading = result.get("diplotype")
        if reading:
            result["notes"].append(f"the SNV-based reading {reading} ({result.get('phenotype') or 'no phenotype'}) "
                                   "is not reported: a hybrid allele would change it")
        _uncalled(result, cn["reason"])
        return result
    if block["status"] != "called":  # the SNV result stands, with its limitation
        result["notes"].append(f"copy number not assessed: {block['reason']}")
        return result
    result["limitations"] = [CN_LIMITATION]
    n = cn["copy_number"]
    at_least = cn["copy_number_label"] == "4+"
    if n == 0:  # no CYP2D6 at all: whatever the SNV step saw (nothing, or CYP2D7 reads), *5/*5
        _set_readings(result, gene, [_reading(gene, [(DELETION, 1), (DELETION, 1)], False)],
                      "copy number 0: both chromosomes carry *5 (whole-gene deletion)")
        result["status"] = "called"
        return result
    if n == 2 or result["status"] not in ("called", "ambiguous"):
        if n != 2:
            result["notes"].append(f"copy number {cn['copy_number_label']}, but no SNV diplotype to place it on")
        return result
    if n == 1:
        # One copy: the SNV engine's equally supported diplotypes that read as one allele twice
        # (a hemizygous allele looks homozygous) become X/*5.
        tied = [tuple(result["alleles"])] + [tuple(a["alleles"]) for a in result.get("alternatives") or []
                                             if a.get("score") == result.get("score")]
        singles = [a for a, b in dict.fromkeys(tied) if a == b]
        if not singles:
            het = [f"{c.pos} ({c.genotype})" for c in calls
                   if c.status == "called" and len(set(c.alleles)) > 1]
            _uncalled(result, f"copy number 1 (a *5 deletion) but heterozygous genotypes at {', '.join(het)}: one "
                              "copy cannot carry two alleles; check the sample and the copy number")
            return result
        readings = [_reading(gene, [(a, 1), (DELETION, 1)], False) for a in singles]
        _set_readings(result, gene, readings, "copy number 1: the other chromosome carries *5 (whole-gene deletion)")
        return result
    # three or more copies
    pairs = [tuple(result["alleles"])] + [tuple(a["alleles"]) for a in result.get("alternatives") or []
                                          if a.get("score") == result.get("score")]
    readings, evidence = [], []
    for a, b in dict.fromkeys(pairs):
        if a == b:
            readings.append(_reading(gene, [(a, 1), (a, n - 1)], at_least))
            continue
        placed, sites = _placements(gene, a, b, n, cn.get("allele_counts") or [], at_least)
        scored = sorted((p for p in placed if p[0] is not None), key=lambda p: -p[0])
        if len(scored) >= 2 and scored[0][0] - scored[1][0] >= MIN_LOG10_RATIO:
            readings.append(scored[0][1])
            evidence.append(f"{scored[0][1]['diplotype']}: allele balance at {sites} position(s) "
                            f"{scored[0][0] - scored[1][0]:.1f} log10 units above the next placement")
        else:
            readings.extend(p[1] for p in placed)
            evidence.append(f"{a}/{b}: the allele balance does not show which allele is duplicated")
    why = f"copy number {cn['copy_number_label']}; " + "; ".join(evidence) if evidence else \
        f"copy number {cn['copy_number_label']}"
    _set_readings(result, gene, readings, why)
    if at_least:
        result["notes"].append("4 or more CYP2D6 copies: the activity score is the lower bound (3 copies of the "
                               "duplicated allele, CPIC x≥3)")
    return result


def _uncalled(result: dict, reason: str) -> None:
    result.update(status="not_called", diplotype=None, alleles=[], phenotype=None, activity_score=None,
                  alternatives=[], alternatives_total=0, alternatives_change_phenotype=False, reason=reason)
    result.pop("tie", None)
    result.pop("score", None)


def _set_readings(result: dict, gene, readings: list[dict], why: str) -> None:
    readings = list({r["diplotype"]: r for r in readings}.values())
    head = readings[0]
    result.update(diplotype=head["diplotype"], alleles=head["alleles"], allele_functions=head["functions"],
                  phenotype=head["phenotype"], activity_score=head["activity_score"], call_method="SNVs + copy number")
    result["alternatives"] = [{"diplotype": r["diplotype"], "alleles": r["alleles"], "phenotype": r["phenotype"],
                               "activity_score": r["activity_score"], "score": result.get("score", 0)}
                              for r in readings[1:]]
    result["alternatives_total"] = len(readings) - 1
    result["alternatives_change_phenotype"] = any(r["phenotype"] != head["phenotype"] for r in readings[1:])
    result["notes"].append(why)
    result.pop("reason", None)
    if len(readings) == 1:
        result["status"] = "called"
        result.pop("tie", None)
        return
    names = [r["diplotype"] for r in readings]
    result["status"] = "ambiguous"
    result["tie"] = {"diplotypes": names, "count": len(names), "resolved_by": "copy placement", "leading": names}
    if result["alternatives_change_phenotype"]:
        result.update(phenotype=None, activity_score=None)
        result["reason"] = (f"{len(names)} readings of the copies fit ({', '.join(names)}) with different phenotypes; "
                            "long-range PCR or long reads would show which allele is duplicated")
    else:
        result["notes"].append(f"{len(names)} readings of the copies fit ({', '.join(names)}); all give the same "
                               "phenotype")

