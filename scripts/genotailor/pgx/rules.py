"""From per-position evidence to one gene's result: the general diplotype call and the gene rules.

`interpret(gene, calls, sex)` is the whole interpretation of one gene once its defining positions
have been genotyped (`genotypes.gene_evidence`). The general rule: every compatible diplotype,
ranked (see `matcher`), the headline diplotype's phenotype from the knowledge base's table or
phenotype method (`matcher.phenotype_call`; without one, `reason` says why), and:

- diplotypes with the same score fit the evidence equally: the status is `ambiguous`, `tie`
  lists them and says what ordered them;
- if the cis rule picked the headline among them, its phenotype is given and a note names the
  tied diplotypes with other phenotypes (`alternatives_change_phenotype` is true);
- if only the untested-positions rule (the headline needs the fewest variants at positions
  without a genotype) or name order separates diplotypes with different phenotypes, no headline
  phenotype is given: it would assume the untested positions are reference, or guess.

Gene rules:

- CYP2D6: called from SNVs/indels here, with a limitation (no copy number, hybrids or *5
  deletion); `cyp2d6_structure.with_copy_number` then applies the copy number from read depth
  where it was measured.
- DPYD: DPYD alleles are single variants. When no pair of named alleles explains the genotypes
  (more than two variant alleles, or variants in cis), CPIC's rule applies: unphased, the two
  lowest-activity variant alleles make the diplotype and its activity score; phased, the
  lowest-activity variant of each haplotype.
- SLCO1B1: when no star-allele diplotype matches, the rs4149056 (c.521T>C) genotype alone gives
  the phenotype (TT normal, TC decreased, CC poor function), and the result says so.
- G6PD (X-linked): males carry one allele (hemizygous call, single allele name); a heterozygous
  genotype in a male is flagged as inconsistent and nothing is called. Females get a diplotype.
  With sex unknown: haploid genotypes are read as hemizygous, diploid ones as a diplotype, with
  a note either way. The phenotype of a single allele is the hemizygous one of the gene's
  phenotype method (CPIC: Normal, Deficient, Deficient with CNSHA or Indeterminate).
- Undocumented variants: an observed allele at a defining position that no named allele carries
  stops the call (status not_called, the variants listed); it is never forced to the nearest
  named allele. The same holds when the genotypes match no pair of named alleles.
"""

from __future__ import annotations

from collections import Counter

from genotailor.pgx import SEXES
from genotailor.pgx.definitions import GeneDefinition
from genotailor.pgx.genotypes import PositionCall
from genotailor.pgx.matcher import (
    Diplotype,
    Evidence,
    allele_order,
    gene_index,
    has_phenotypes,
    match,
    phenotype_call,
    phenotype_of,
)

# Alternatives listed in a result (all of them are ranked and counted; `alternatives_total`).
MAX_ALTERNATIVES = 100

CYP2D6_LIMITATION = (
    "CYP2D6 is called from SNVs and small indels in the VCF only: copy number (the *5 whole-gene "
    "deletion, duplications and multiplications) and CYP2D6/CYP2D7 hybrid or other structural "
    "alleles are not detected. A *5 deletion on one chromosome makes the other allele look "
    "homozygous, and a duplication raises activity beyond what is reported. Confirm with a "
    "copy-number-aware CYP2D6 assay before dosing."
)

HEMIZYGOUS_IN_MALES = {"G6PD"}  # X-linked pharmacogenes

SLCO1B1_RS4149056 = 21178615  # chr12, GRCh38, T>C (c.521T>C, p.Val174Ala)
SLCO1B1_RS4149056_PHENOTYPE = {0: "Normal Function", 1: "Decreased Function", 2: "Poor Function"}


def _base_result(gene: GeneDefinition) -> dict:
    return {
        "gene": gene.gene,
        "source": "vcf",
        "status": "not_called",
        "diplotype": None,
        "alleles": [],
        "alternatives": [],
        "alternatives_total": 0,
        "alternatives_change_phenotype": False,
        "alternatives_change_recommendations": [],
        "phenotype": None,
        "activity_score": None,
        "allele_functions": {},
        "missing_positions": [],
        "observed_variants": [],
        "limitations": [CYP2D6_LIMITATION] if gene.gene == "CYP2D6" else [],
        "notes": [],
        "drugs": [],
        "definitions_version": gene.version,
    }


def _fmt_variant(v: dict) -> str:
    return f"{v['position']} {v['ref']}>{','.join(v['alleles'])} ({v['genotype']})"


def observed_variants(ix, variant_calls: list[PositionCall]) -> list[dict]:
    """Non-reference alleles at called positions, each marked documented (some named allele
    carries it) or not."""
    out = []
    for c in sorted(variant_calls, key=lambda c: c.pos):
        alts = [a for a in dict.fromkeys(c.alleles) if a != c.ref]
        out.append({
            "position": c.pos,
            "rsid": c.rsid,
            "ref": c.ref,
            "genotype": c.genotype,
            "alleles": alts,
            "documented": all(ix.documented(c.pos, a) for a in alts),
        })
    return out


def _ploidy(gene: GeneDefinition, calls: list[PositionCall], ev: Evidence, sex: str):
    """(calls with ploidy conflicts marked inconsistent, ploidy to match, problem or None, notes)."""
    notes = []
    problem = None
    ploidy = 2
    bad: set[int] = set()

    def with_ploidy(n):
        return [c for c in calls if c.status == "called" and len(c.alleles) == n]

    def at(cs):
        return ", ".join(f"{c.pos} ({c.genotype})" for c in cs)

    if any(n > 2 for n in ev.ploidies):
        other = [c for c in calls if c.status == "called" and len(c.alleles) > 2]
        bad |= {c.pos for c in other}
        problem = f"genotype with more than two alleles at {at(other)}"
    if gene.gene in HEMIZYGOUS_IN_MALES:
        if sex == "male":
            ploidy = 1
            het = [c for c in ev.variant_calls if len(set(c.alleles)) > 1]
            if het:
                bad |= {c.pos for c in het}
                problem = problem or (
                    f"heterozygous genotype at {at(het)} in a male: {gene.gene} is X-linked (one copy "
                    "in males); check the recorded sex, sample identity and contamination before "
                    "using this gene"
                )
            notes.append(f"male: {gene.gene} called as one hemizygous allele")
        elif sex == "female":
            if 1 in ev.ploidies:
                haploid = with_ploidy(1)
                bad |= {c.pos for c in haploid}
                problem = problem or (
                    f"haploid genotype at {at(haploid)} in a female: expected two copies of X-linked "
                    f"{gene.gene}; check the recorded sex and the VCF"
                )
        elif 1 in ev.ploidies and 2 in ev.ploidies:
            haploid = with_ploidy(1)
            bad |= {c.pos for c in haploid}
            problem = problem or (
                f"haploid ({at(haploid)}) and diploid genotypes together: the number of X "
                "chromosomes is unclear"
            )
        elif 1 in ev.ploidies:
            ploidy = 1
            notes.append(f"sex not given: the haploid genotypes are read as one hemizygous "
                         f"{gene.gene} allele (male)")
        else:
            notes.append(f"sex not given: {gene.gene} called as two alleles (female); for a male, a "
                         "homozygous call means one hemizygous allele")
    elif 1 in ev.ploidies:
        haploid = with_ploidy(1)
        bad |= {c.pos for c in haploid}
        notes.append(f"haploid genotype at {at(haploid)} for an autosomal gene: not used")
    if bad:
        calls = [c.replace(status="inconsistent") if c.pos in bad else c for c in calls]
    return calls, ploidy, problem, notes


def interpret(gene: GeneDefinition, calls: list[PositionCall], sex: str = "unknown",
              max_alternatives: int | None = MAX_ALTERNATIVES, detail: bool = True) -> dict:
    """The report's `pgx[]` entry of one gene from the genotypes at its defining positions.

    `max_alternatives` caps the alternatives listed (None: all); `detail` adds every position's
    genotype (`positions`)."""
    if sex not in SEXES:
        raise ValueError(f"sex must be one of {SEXES}, not {sex!r}")
    ix = gene_index(gene)
    ev = Evidence.from_calls(calls, ix.ref)
    ploidy, problem, notes = 2, None, []
    if gene.gene in HEMIZYGOUS_IN_MALES or ev.ploidies - {2}:  # not the plain diploid case
        marked, ploidy, problem, notes = _ploidy(gene, calls, ev, sex)
        if marked is not calls:
            calls = marked
            ev = Evidence.from_calls(calls, ix.ref)
    result = _base_result(gene)
    result["notes"].extend(notes)
    if ploidy == 1:
        result["zygosity"] = "hemizygous"
    missing = [c for c in calls if c.status != "called"] if len(ev.genotypes) < len(calls) else []
    result["missing_positions"] = [c.to_dict() for c in missing]
    if detail:
        result["positions"] = [c.to_dict() for c in calls]
    observed = observed_variants(ix, ev.variant_calls)
    result["observed_variants"] = observed
    if problem:
        result["reason"] = problem
        return result
    if len(missing) == len(calls):
        result["status"] = "not_assessed"
        result["reason"] = "no defining position has a genotype"
        return result
    undocumented = [v for v in observed if not v["documented"]]
    candidates = [] if undocumented else match(ix, ev, ploidy)
    if candidates:
        _from_candidates(gene, candidates, result, missing, max_alternatives)
        return result
    if undocumented:
        result["reason"] = (
            "variant(s) at defining positions that no named allele carries: "
            + "; ".join(_fmt_variant(v) for v in undocumented)
            + " (an undocumented allele; not assigned to the nearest named allele)"
        )
    else:
        result["reason"] = "the observed genotypes match no pair of defined alleles"
        if ploidy == 1:
            result["reason"] = "the observed genotypes match no defined allele"
    fallback = FALLBACKS.get(gene.gene)
    if fallback and ploidy == 2:
        fallback(gene, ix, ev, result, undocumented)
    return result


def _tie_hint(missing) -> str:
    if missing:
        return "genotype the positions without a call to resolve"
    return ("the genotypes do not show which variants share a chromosome; phased genotypes "
            "(long reads, family testing) would resolve")


def _from_candidates(gene, candidates: list[Diplotype], result: dict, missing, max_alternatives):
    best = candidates[0]
    # One allele name (a hemizygous G6PD call in a male) or two: the gene's phenotype table or
    # method handles both.
    headline = phenotype_call(gene, best)
    phenotype, activity = headline.phenotype, headline.activity_score
    result.update(
        diplotype=best.name,
        alleles=list(best.alleles),
        phenotype=phenotype,
        activity_score=activity,
        allele_functions=_functions(gene, best.alleles),
        score=best.score,
    )
    # (phenotype, activity score) of every candidate, looked up once
    looked_up = ([(phenotype, activity)] + [phenotype_of(gene, c) for c in candidates[1:]] if has_phenotypes(gene)
                 else [(None, None)] * len(candidates))
    phen = {id(c): pa[0] for c, pa in zip(candidates, looked_up)}
    others = candidates[1:]
    listed = others if max_alternatives is None else others[:max_alternatives]
    result["alternatives"] = [
        {"diplotype": c.name, "alleles": list(c.alleles), "phenotype": pa[0], "activity_score": pa[1],
         "score": c.score}
        for c, pa in zip(listed, looked_up[1:])
    ]
    result["alternatives_total"] = len(others)
    result["alternatives_change_phenotype"] = any(pa[0] != phenotype for pa in looked_up[1:])
    tied = [c for c in candidates if c.score == best.score]  # equal on the evidence
    top = [c for c in tied if (c.exact_cis, c.cis) == (best.exact_cis, best.cis)]  # still equal after the cis rule
    result["status"] = "ambiguous" if len(tied) > 1 else "called"
    if len(tied) > 1:
        fewest_untested = [c for c in top if c.untested == best.untested]
        resolved_by = "cis" if len(top) == 1 else "untested positions" if len(fewest_untested) == 1 else "name order"
        names = [c.name for c in tied]
        shown = names if len(names) <= 10 else names[:10] + [f"... {len(names) - 10} more"]
        listed = names if max_alternatives is None else names[: max_alternatives + 1]
        result["tie"] = {"diplotypes": listed, "count": len(tied), "resolved_by": resolved_by,
                         "leading": [c.name for c in top][: len(listed)]}
        if resolved_by == "cis":
            why = (f"{best.name} is shown first because it keeps the variants together on one "
                   "named haplotype (cis) rather than splitting them across both")
        elif resolved_by == "untested positions":
            why = (f"{best.name} is shown first because it needs the fewest variants at positions without a "
                   "genotype (unresolved tie: those positions were not examined)")
        else:
            why = f"{best.name} is shown first by allele-name order only (unresolved tie)"
        result["notes"].append(f"{len(tied)} diplotypes fit the genotypes equally well ({', '.join(shown)}); {why}")
    top_phenotypes = {phen[id(c)] for c in top}
    if len(top_phenotypes) > 1:
        # Equally supported diplotypes disagree: a headline phenotype would be a guess.
        result.update(phenotype=None, activity_score=None)
        result["reason"] = (
            f"{len(top)} equally supported diplotypes imply different phenotypes; {_tie_hint(missing)}"
        )
        return
    if phenotype is None:
        result["reason"] = headline.reason
    elif headline.note:
        result["notes"].append(headline.note)
    differ = [(c.name, phen[id(c)]) for c in tied if phen[id(c)] != phenotype]
    if differ:
        others = "; ".join(f"{n}: {p or 'no phenotype in the knowledge base'}" for n, p in differ[:10])
        result["notes"].append(
            f"the phenotype is that of {best.name} (variants in cis on one named haplotype); the "
            f"genotypes fit these diplotypes equally well, with other phenotypes: {others}; "
            + _tie_hint(missing)
        )


def _functions(gene: GeneDefinition, names) -> dict:
    by_name = gene_index(gene).by_name
    return {n: by_name[n].function for n in names}


# --- DPYD -------------------------------------------------------------------------------------


def _activity(gene, name) -> float:
    v = gene.allele(name).activity_value
    return float(v) if v not in (None, "") else float("inf")


def _dpyd_haplotype_alleles(ix, ev, hap_alleles: Counter) -> list[str] | None:
    """Named non-reference alleles explaining a multiset of (pos, allele) variant copies, the
    alleles with most variants first; None if some copy stays unexplained."""
    remaining = Counter(hap_alleles)
    out = []
    order = sorted(range(len(ix.names)), key=lambda i: (-len(ix.diffs[i]), allele_order(ix.names[i])))
    for i in order:
        d = ix.diffs[i]
        if not d or any(p not in ev.genotypes for p in d):
            continue
        n = min(remaining[(p, e)] for p, e in d.items())
        for _ in range(n):
            out.append(ix.names[i])
            for p, e in d.items():
                remaining[(p, e)] -= 1
    if any(v > 0 for v in remaining.values()):
        return None
    return out


def dpyd_rule(gene, ix, ev, result, undocumented):
    """CPIC DPYD: with more variant alleles than a diplotype holds (or variants in cis), the
    lowest-activity variants decide."""
    if undocumented:
        return
    ref_name = gene.reference_allele.name
    single_set = len(set(ev.phase.values())) == 1 and all(p in ev.phase for p in ev.variant
                                                          if len(set(ev.genotypes[p])) > 1)
    if single_set:
        haps = []
        for h in (0, 1):
            copies = Counter((p, ev.genotypes[p][h]) for p in ev.variant if ev.genotypes[p][h] != ix.ref[p])
            found = _dpyd_haplotype_alleles(ix, ev, copies)
            if found is None:
                return
            haps.append(found)
        picks = [min(h, key=lambda n: (_activity(gene, n), allele_order(n))) if h else ref_name for h in haps]
        method = ("phased genotypes: the lowest-activity variant allele of each haplotype gives the "
                  "DPYD diplotype (CPIC)")
        carried = [n for h in haps for n in h]
    else:
        copies = Counter()
        for p in ev.variant:
            for a in ev.genotypes[p]:
                if a != ix.ref[p]:
                    copies[(p, a)] += 1
        carried = _dpyd_haplotype_alleles(ix, ev, copies)
        if carried is None:
            return
        ranked = sorted(carried, key=lambda n: (_activity(gene, n), allele_order(n)))
        picks = (ranked + [ref_name, ref_name])[:2]
        phasing = ("genotypes not phased within one phase set" if ev.phase else "unphased genotypes")
        method = (f"{phasing} with more variant alleles than one diplotype holds: the two "
                  "lowest-activity variant alleles give the DPYD diplotype and activity score (CPIC)")
    picks = sorted(picks, key=allele_order)
    phenotype, activity = phenotype_of(gene, picks)
    result.update(
        status="called",
        diplotype="/".join(picks),
        alleles=picks,
        phenotype=phenotype,
        activity_score=activity,
        allele_functions=_functions(gene, picks),
        call_method="DPYD lowest-activity variants",
    )
    result["variant_alleles"] = [
        {"allele": n, "copies": k, "function": gene.allele(n).function,
         "activity_value": gene.allele(n).activity_value}
        for n, k in sorted(Counter(carried).items(), key=lambda kv: allele_order(kv[0]))
    ]
    result["notes"].append(f"{method}; variant alleles found: "
                           + ", ".join(f"{n} x{k}" for n, k in sorted(Counter(carried).items())))
    result.pop("reason", None)


# --- SLCO1B1 ----------------------------------------------------------------------------------


def slco1b1_rule(gene, ix, ev, result, undocumented):
    """No star-allele diplotype: the rs4149056 genotype alone gives the function phenotype."""
    g = ev.genotypes.get(SLCO1B1_RS4149056)
    if g is None or len(g) != 2 or any(a not in ("T", "C") for a in g):
        result["reason"] += "; rs4149056 has no usable genotype, so no fallback phenotype"
        return
    n = g.count("C")
    why = result.get("reason", "")
    genotype = "/".join(sorted(g, key=lambda a: a != "T"))
    result.update(
        status="called",
        diplotype=f"rs4149056 {genotype}",
        alleles=[],
        phenotype=SLCO1B1_RS4149056_PHENOTYPE[n],
        activity_score=None,
        call_method="rs4149056 genotype",
    )
    result["notes"].append(
        f"no star-allele diplotype matched ({why}); the phenotype follows from the rs4149056 "
        f"(c.521T>C) genotype {genotype} alone: TT normal, TC decreased, CC poor function"
    )
    result.pop("reason", None)


FALLBACKS = {"DPYD": dpyd_rule, "SLCO1B1": slco1b1_rule}
