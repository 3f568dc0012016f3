"""Star-allele matching: every diplotype compatible with the per-position evidence, ranked.

A named allele requires its defined allele at each position it lists and the reference allele at
every other defining position of the gene, so each allele is a full haplotype over the gene's
defining positions. Positions without a usable genotype constrain nothing, so they can leave
several diplotypes compatible; all of them are returned, best first.

Matching runs in three steps so that genes with hundreds of alleles stay fast:

1. Possible alleles: an allele can be on either haplotype only if, at every called position, the
   allele it expects is among the alleles observed there. The gene index lists, per position,
   the alleles that expect something other than the reference: a homozygous-reference position
   rules out the ones needing a variant there, so only alleles whose variants all sit at variant
   or uncalled positions are considered, then each variant position keeps those whose expected
   allele was observed. The cost follows the variants seen, not alleles x positions.
2. Pairs of possible alleles only (usually a handful).
3. Exact check of each pair at the variant positions (both alleles already fit every
   homozygous-reference position): the two expected alleles must equal the observed genotype as
   a multiset, and for phased heterozygous genotypes the orientation (which allele sits on the
   first haplotype) must be the same across a phase set. Phased genotypes without PS share one
   phase set; different PS values are independent.

Ranking (`rank_key`):

1. score: the non-reference alleles the diplotype's definitions explain at called positions. An
   IUPAC ambiguity code in a definition means "either base": it matches both and never counts
   against an allele (PharmCAT reads such codes the same way). An allele earns nothing at
   positions without a genotype, so a variant that was not genotyped never makes an allele look
   better. Every compatible diplotype must explain every observed variant, so candidates share
   the score: they are equally supported by the evidence (the caller reports them as a tie) and
   the next rules only order them.
2. cis, counted first over the variants a definition states exactly, then over those it merely
   allows (an IUPAC code): the larger of the two haplotypes' counts. With unphased genotypes,
   variants can often be explained either together on one named haplotype or split across both
   (TPMT *1/*3A versus *3B/*3C). The explanation keeping them together on one defined haplotype
   comes first: that haplotype is documented as occurring, whereas the split needs two separate
   haplotypes that happen to pair up. A broad definition whose codes allow many variants (CYP2D6
   *4 allows *2's R296C and S486T) documents none of them together, so it cannot outrank a
   definition stating them (*2/*4 before *1/*4 or *4/*34).
3. untested: the non-reference alleles the diplotype's definitions need at positions without a
   genotype, fewest first. Missing data never turns a reference-consistent call into a
   non-reference one (*1/*1 before *1/*7 when *7's only position is untested); it only leaves
   the other readings possible, and they stay listed as a tie.
4. Natural allele-name order, only to make the output deterministic.

Rules 3 and 4 order but do not resolve: the caller gives no phenotype if the diplotypes tied on
rules 1-2 disagree.
"""

from __future__ import annotations

import re

from genotailor.pgx.definitions import IUPAC, GeneDefinition, allele_matches
from genotailor.pgx.genotypes import PositionCall
from genotailor.pgx.values import Mutable, Value


class Diplotype(Value):
    """Two allele names (`second` None: a hemizygous, single-allele call) and the ranking facts
    (see the module's ranking rules): `score`, the non-reference alleles explained at called
    positions; `cis`, the larger of the two haplotypes' explained non-reference alleles;
    `ambiguous`, the variants explained only through an IUPAC ambiguity code; `exact_cis`, `cis`
    counting only variants a definition states exactly; `untested`, the non-reference alleles the
    definitions need at positions without a genotype."""

    __slots__ = ("first", "second", "score", "cis", "ambiguous", "exact_cis", "untested")

    def __init__(self, first: str, second: str | None, score: int, cis: int = 0, ambiguous: int = 0,
                 exact_cis: int = 0, untested: int = 0):
        self.first, self.second, self.score, self.cis, self.ambiguous = first, second, score, cis, ambiguous
        self.exact_cis, self.untested = exact_cis, untested

    @property
    def alleles(self) -> tuple[str, ...]:
        return (self.first,) if self.second is None else (self.first, self.second)

    @property
    def name(self) -> str:
        return "/".join(self.alleles)

    @property
    def key(self) -> str:
        """The knowledge base's phenotype key: allele names in plain string order, joined by '/'."""
        return "/".join(sorted(self.alleles))


_ORDER: dict = {}
_DIGITS = re.compile(r"(\d+)")


def allele_order(name: str):
    """Natural order of allele names: *2 before *17, *3A before *3B."""
    key = _ORDER.get(name)
    if key is None:
        key = _ORDER[name] = tuple(int(p) if p.isdigit() else p for p in _DIGITS.split(name))
    return key


_AMBIGUOUS = {code: bases for code, bases in IUPAC.items() if len(bases) > 1}


def _m(expected: str, observed: str) -> bool:
    """`allele_matches`, inlined for speed: equal, or an IUPAC ambiguity code covering a base."""
    return expected == observed or (len(observed) == 1 and observed in _AMBIGUOUS.get(expected, ""))


class GeneIndex(Mutable):
    """Per-gene lookup tables for fast matching (built once per gene definition)."""

    __slots__ = ("gene", "names", "ref", "diffs", "variant_positions", "at", "not_ref_at", "no_variant",
                 "by_name", "_matching")
    _hidden = ("gene", "_matching")

    def __init__(self, gene: GeneDefinition):
        self.gene = gene
        self.names: list = []  # allele names, natural order
        self.ref: dict = {}  # pos -> reference allele
        self.diffs: list = []  # per allele: {pos: expected} where expected != reference
        self.variant_positions: list = []  # per allele: positions where it cannot be reference
        self.at: dict = {}  # pos -> {allele index: expected} for non-reference expectations
        self.not_ref_at: dict = {}  # pos -> allele indices that cannot carry the reference
        self.no_variant: frozenset = frozenset()  # alleles that can carry the reference everywhere
        self.by_name: dict = {}  # name -> NamedAllele
        self._matching: dict = {}  # cache of `matching`

    @classmethod
    def build(cls, gene: GeneDefinition) -> "GeneIndex":
        ix = cls(gene)
        ix.ref = {p.pos: p.ref for p in gene.positions}
        alleles = sorted(gene.alleles, key=lambda a: allele_order(a.name))
        ix.names = [a.name for a in alleles]
        ix.by_name = {a.name: a for a in alleles}
        ix.at = {p: {} for p in ix.ref}
        ix.not_ref_at = {p: set() for p in ix.ref}
        for i, a in enumerate(alleles):
            d = {p: e for p, e in a.definition.items() if e != ix.ref[p]}
            ix.diffs.append(d)
            variant = set()
            for p, e in d.items():
                ix.at[p][i] = e
                if not allele_matches(e, ix.ref[p]):
                    variant.add(p)
                    ix.not_ref_at[p].add(i)
            ix.variant_positions.append(frozenset(variant))
        ix.not_ref_at = {p: frozenset(s) for p, s in ix.not_ref_at.items()}
        ix.no_variant = frozenset(i for i, v in enumerate(ix.variant_positions) if not v)
        return ix

    def matching(self, pos: int, observed: str) -> frozenset:
        """Alleles with a non-reference expectation at pos that the observed allele satisfies."""
        key = (pos, observed)
        hit = self._matching.get(key)
        if hit is None:
            hit = frozenset(i for i, e in self.at[pos].items() if _m(e, observed))
            self._matching[key] = hit
        return hit

    def expected(self, i: int, pos: int) -> str:
        return self.diffs[i].get(pos, self.ref[pos])

    def documented(self, pos: int, observed: str) -> bool:
        """True if the observed allele is the reference or some named allele's defined allele."""
        if observed == self.ref.get(pos):
            return True
        return any(allele_matches(e, observed) for e in self.at.get(pos, {}).values())

    def render(self, i: int) -> dict:
        """A concrete haplotype of allele i ({pos: VCF allele} where it differs from the
        reference): IUPAC codes become their first non-reference base (the reference only if
        the code allows nothing else)."""
        out = {}
        for p, e in self.diffs[i].items():
            if len(e) == 1 and e in IUPAC and e not in "ACGT":
                bases = [b for b in IUPAC[e] if b != self.ref[p]]
                if not bases:
                    continue
                e = bases[0]
            out[p] = e
        return out


_INDEX: dict[int, tuple[GeneDefinition, GeneIndex]] = {}


def gene_index(gene: GeneDefinition) -> GeneIndex:
    """The (cached) index of a gene definition."""
    hit = _INDEX.get(id(gene))
    if hit is None or hit[0] is not gene:
        if len(_INDEX) >= 64:  # many short-lived definitions (tests): keep the cache bounded
            _INDEX.clear()
        hit = (gene, GeneIndex.build(gene))
        _INDEX[id(gene)] = hit
    return hit[1]


class Evidence(Mutable):
    """The usable genotypes, called positions only: `genotypes` pos -> observed alleles (tuple);
    `phase` pos -> phase-set key for phased heterozygous positions; `variant` the called positions
    whose genotype is not homozygous reference, `variant_calls` their PositionCalls; `ploidies`
    the numbers of alleles seen in called genotypes."""

    __slots__ = ("genotypes", "phase", "variant", "variant_calls", "ploidies")

    def __init__(self, genotypes: dict, phase: dict, variant: set, variant_calls: list | None = None,
                 ploidies: set | None = None):
        self.genotypes, self.phase, self.variant = genotypes, phase, variant
        self.variant_calls = [] if variant_calls is None else variant_calls
        self.ploidies = set() if ploidies is None else ploidies

    @classmethod
    def from_calls(cls, calls: list[PositionCall], ref: dict | None = None) -> "Evidence":
        """`ref` is unused (each call carries its definition's reference allele); kept for
        callers that pass it."""
        genotypes, phase, variant, variant_calls, ploidies = {}, {}, set(), [], set()
        not_diploid = 0
        for c in calls:
            if c.status != "called":
                continue
            g = c.alleles
            genotypes[c.pos] = g
            r = c.ref
            if len(g) == 2:
                if g[0] == r and g[1] == r:
                    continue
            else:
                not_diploid += 1
                ploidies.add(len(g))
                if all(a == r for a in g):
                    continue
            variant.add(c.pos)
            variant_calls.append(c)
            if c.phased and len(g) == 2 and g[0] != g[1]:
                # Phased genotypes without a PS value share one phase set.
                phase[c.pos] = c.phase_set if c.phase_set is not None else -1
        if len(genotypes) > not_diploid:
            ploidies.add(2)
        return cls(genotypes, phase, variant, variant_calls, ploidies)


def possible_alleles(ix: GeneIndex, ev: Evidence) -> set[int]:
    """Alleles that could be on one of the haplotypes: at every called position the allele they
    expect is among the observed alleles."""
    # A homozygous-reference position rules out every allele that needs a variant there, so only
    # alleles whose variant positions all have a variant genotype or none remain: those with no
    # variant position, and those needing a variant at a variant or uncalled position.
    genotypes, variant = ev.genotypes, ev.variant
    not_ref_at = ix.not_ref_at
    seeds = set(ix.no_variant)
    for p in variant:
        seeds.update(not_ref_at[p])
    if len(genotypes) < len(ix.ref):
        for p in ix.ref.keys() - genotypes.keys():
            seeds.update(not_ref_at[p])
    vp = ix.variant_positions
    possible = {i for i in seeds if all(p in variant or p not in genotypes for p in vp[i])}
    for p in variant:
        obs = genotypes[p]
        fits = frozenset().union(*(ix.matching(p, o) for o in set(obs)))
        if ix.ref[p] in obs:  # reference-expecting alleles fit; drop those expecting something else
            possible -= ix.at[p].keys() - fits
        else:
            possible &= fits
        if not possible:
            break
    return possible


def _untested(ix: GeneIndex, i: int, ev: Evidence) -> int:
    """Positions without a genotype where allele i cannot carry the reference."""
    return sum(1 for p in ix.variant_positions[i] if p not in ev.genotypes)


def _pair_fit(ix: GeneIndex, i: int, j: int, ev: Evidence):
    """Can alleles i and j together give the observed genotypes? None if not, else for each of
    them the non-reference alleles it carries at called positions and, of those, the ones its
    definition states exactly (not through an IUPAC code): (ci, cj, ei, ej).

    Both must be possible alleles (`possible_alleles`): each then fits every homozygous-reference
    position, so only the variant positions need checking."""
    di, dj = ix.diffs[i], ix.diffs[j]
    ref = ix.ref
    ci = cj = ei = ej = 0
    orientation = {}  # phase set -> True if allele i is on the first haplotype
    for p in ev.variant:
        g = ev.genotypes[p]
        if len(g) != 2:
            return None
        r = ref[p]
        ea = di.get(p) or r
        eb = dj.get(p) or r
        g1, g2 = g
        straight = _m(ea, g1) and _m(eb, g2)
        crossed = _m(ea, g2) and _m(eb, g1)
        if straight and not crossed:
            ai, aj = g1, g2
        elif crossed and not straight:
            ai, aj = g2, g1
        elif straight:  # homozygous, or both definitions allow both alleles
            ai, aj = (g1, g2) if (g1 != r) == (p in di) else (g2, g1)
        else:
            return None
        if ai != r:
            ci += 1
            ei += ea == ai
        if aj != r:
            cj += 1
            ej += eb == aj
        if straight != crossed:
            key = ev.phase.get(p)
            if key is not None and orientation.setdefault(key, straight) != straight:
                return None
    return ci, cj, ei, ej


def _haploid_fit(ix: GeneIndex, i: int, ev: Evidence):
    """None if allele i alone cannot give the observed (hemizygous) genotypes, else the
    non-reference alleles it carries at called positions and those its definition states
    exactly; i must be a possible allele."""
    di = ix.diffs[i]
    exact = 0
    for p in ev.variant:
        g = ev.genotypes[p]
        e = di.get(p) or ix.ref[p]
        if len(set(g)) != 1 or not _m(e, g[0]):
            return None
        exact += e == g[0]
    return len(ev.variant), exact


def rank_key(d: Diplotype):
    """Best first: most non-reference alleles explained, then variants kept in cis in one named
    haplotype (stated exactly, then allowed), then fewest variants needed at untested positions,
    then natural name order (deterministic only)."""
    return (-d.score, -d.exact_cis, -d.cis, d.untested, [allele_order(a) for a in d.alleles])


def compatible_diplotypes(gene: GeneDefinition, calls: list[PositionCall], ploidy: int = 2) -> list[Diplotype]:
    """All compatible diplotypes (or single alleles when ploidy is 1), best first."""
    ix = gene_index(gene)
    ev = Evidence.from_calls(calls, ix.ref)
    return match(ix, ev, ploidy)


def match(ix: GeneIndex, ev: Evidence, ploidy: int = 2) -> list[Diplotype]:
    """Every compatible diplotype (single allele when ploidy is 1), ordered by `rank_key`."""
    possible = sorted(possible_alleles(ix, ev))  # allele indices follow natural name order
    untested = {i: _untested(ix, i, ev) for i in possible}
    names = ix.names
    found = []
    if ploidy == 1:
        for i in possible:
            fit = _haploid_fit(ix, i, ev)
            if fit is not None:
                c, e = fit
                found.append(((-c, -e, -c, untested[i], i, i),
                              Diplotype(names[i], None, c, c, c - e, e, untested[i])))
    else:
        for n, i in enumerate(possible):
            for j in possible[n:]:
                fit = _pair_fit(ix, i, j, ev)
                if fit is not None:
                    ci, cj, ei, ej = fit
                    score, cis, exact_cis, u = ci + cj, max(ci, cj), max(ei, ej), untested[i] + untested[j]
                    found.append(((-score, -exact_cis, -cis, u, i, j),
                                  Diplotype(names[i], names[j], score, cis, score - ei - ej, exact_cis, u)))
    found.sort(key=lambda t: t[0])  # the same order as rank_key, on precomputed name ranks
    return [t[1] for t in found]


# --- phenotypes ---------------------------------------------------------------------------------
#
# A gene's phenotype comes from one of two places in its knowledge-base document: an explicit
# diplotype table (`phenotypes`, "*1/*2" -> phenotype and activity score), or a compact rule
# (`phenotype_method`) applied to the alleles' functions or activity values:
#
# - activity_sum: the activity score is the sum of the two alleles' activity values; the
#   phenotype is that of the last threshold whose `min` the score reaches. An allele without an
#   activity value leaves the diplotype without a score or phenotype.
# - function_pair: `table` maps the alleles' functions, sorted and joined by "|", to the
#   phenotype; a key of one function is the phenotype of a single (hemizygous) allele.
# - carrier: any allele whose function is one of `functions` gives `carrier`; any other
#   diplotype gives `otherwise`.
# - none: the gene has no phenotype (`reason` says why, e.g. the guideline defines none).


class PhenotypeCall(Value):
    """The phenotype of a diplotype, or why there is none (`reason`), and any caveat to report
    with it (`note`: what the phenotype does not say)."""

    __slots__ = ("phenotype", "activity_score", "reason", "note")

    def __init__(self, phenotype: str | None, activity_score: str | None = None, reason: str | None = None,
                 note: str | None = None):
        self.phenotype, self.activity_score, self.reason, self.note = phenotype, activity_score, reason, note


def format_activity(value: float) -> str:
    """Activity values and scores as the knowledge base writes them: 0.0, 0.25, 1.0, 1.75."""
    text = f"{value:.2f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def _names(diplotype) -> tuple[str, ...]:
    return diplotype.alleles if isinstance(diplotype, Diplotype) else tuple(diplotype)


def _kb_alleles(gene: GeneDefinition, names):
    """(NamedAlleles of the names in order, names the knowledge base does not define)."""
    by_name = gene_index(gene).by_name
    return [by_name.get(n) for n in names], [n for n in dict.fromkeys(names) if n not in by_name]


def _not_defined(gene, unknown, label) -> PhenotypeCall:
    return PhenotypeCall(None, None, f"{', '.join(unknown)}: not a {gene.gene} allele of the knowledge base, so no "
                                     f"phenotype for {label}")


def _activity_sum(gene, method, names) -> PhenotypeCall:
    label = "/".join(names)
    if len(names) != 2:
        return PhenotypeCall(None, None, f"a {gene.gene} activity score needs two alleles ({label})")
    alleles, unknown = _kb_alleles(gene, names)
    if unknown:
        return _not_defined(gene, unknown, label)
    without = {a.name: a for a in alleles if a.activity_value in (None, "")}
    if without:
        what = ", ".join(f"{a.name} ({a.function or 'function not known'})" for a in without.values())
        return PhenotypeCall(None, None, f"no activity value for {what}, so no activity score or phenotype for {label}")
    score = sum(float(a.activity_value) for a in alleles)
    phenotype = None
    for t in method["thresholds"]:
        if score >= float(t["min"]) - 1e-9:
            phenotype = t["phenotype"]
    reason = None if phenotype else f"activity score {format_activity(score)} is below every phenotype threshold"
    return PhenotypeCall(phenotype, format_activity(score), reason)


def _function_pair(gene, method, names) -> PhenotypeCall:
    label = "/".join(names)
    alleles, unknown = _kb_alleles(gene, names)
    if unknown:
        return _not_defined(gene, unknown, label)
    without = [a.name for a in alleles if not a.function]
    if without:
        return PhenotypeCall(None, None, f"no allele function for {', '.join(dict.fromkeys(without))} in the "
                                         f"knowledge base, so no phenotype for {label}")
    key = "|".join(sorted(a.function for a in alleles))
    phenotype = method["table"].get(key)
    if phenotype is None:
        functions = " + ".join(sorted(a.function for a in alleles))
        return PhenotypeCall(None, None, f"the knowledge base gives no {gene.gene} phenotype for "
                                         f"{'one allele' if len(names) == 1 else 'two alleles'} of function "
                                         f"{functions} ({label})")
    return PhenotypeCall(phenotype)


def _carrier(gene, method, names) -> PhenotypeCall:
    label = "/".join(names)
    alleles, unknown = _kb_alleles(gene, names)
    if unknown:
        return _not_defined(gene, unknown, label)
    if any(a.function in method["functions"] for a in alleles):
        return PhenotypeCall(method["carrier"])
    unclassified = list(dict.fromkeys(a.name for a in alleles if not a.function and not a.reference))
    note = None
    if unclassified:
        note = (f"{', '.join(unclassified)}: no allele function in the knowledge base (not among the alleles "
                f"listed as {' or '.join(method['functions'])}); '{method['otherwise']}' means that no such "
                "allele was found, not that this variant is known to be harmless")
    return PhenotypeCall(method["otherwise"], None, None, note)


def allele_kind(function: str | None, activity_value: str | None) -> str:
    """What a CPIC diplotype table's phenotype depends on for one allele: its function and
    activity value (the key of a `lookup_pair` table is its alleles' kinds, sorted, joined by ' + ')."""
    return f"{function or '-'} @ {activity_value or '-'}"


def _lookup_pair(gene, method, names) -> PhenotypeCall:
    """A CPIC diplotype table stored by allele kind (see kb_phenotypes.compact_table, which
    proves it equal to the full table when the KB is built)."""
    alleles, unknown = _kb_alleles(gene, names)
    entry = None if unknown or not names else method["table"].get(
        " + ".join(sorted(allele_kind(a.function, a.activity_value) for a in alleles)))
    if entry is None:
        return PhenotypeCall(None, None, f"the knowledge base gives no phenotype for {'/'.join(names)}")
    return PhenotypeCall(entry.get("phenotype"), entry.get("activity_score"))


def _no_phenotype(gene, method, names) -> PhenotypeCall:
    return PhenotypeCall(None, None, method["reason"])


PHENOTYPE_METHODS = {
    "activity_sum": _activity_sum,
    "function_pair": _function_pair,
    "carrier": _carrier,
    "lookup_pair": _lookup_pair,
    "none": _no_phenotype,
}


def phenotype_call(gene: GeneDefinition, diplotype) -> PhenotypeCall:
    """The phenotype of a diplotype (a Diplotype or a sequence of one or two allele names) from
    the gene's table or phenotype method, with the reason when there is none."""
    names = _names(diplotype)
    method = gene.phenotype_method
    if method:
        return PHENOTYPE_METHODS[method["kind"]](gene, method, names)
    entry = gene.phenotypes.get("/".join(sorted(names)))
    if entry:
        return PhenotypeCall(entry.get("phenotype"), entry.get("activity_score"), note=entry.get("note"))
    if not gene.phenotypes:
        return PhenotypeCall(None, None, f"the knowledge base has no phenotype table for {gene.gene}")
    return PhenotypeCall(None, None, f"the knowledge base gives no phenotype for {'/'.join(names)}")


def phenotype_of(gene: GeneDefinition, diplotype) -> tuple[str | None, str | None]:
    """(phenotype, activity score) of a diplotype from the knowledge base, or (None, None)."""
    call = phenotype_call(gene, diplotype)
    return call.phenotype, call.activity_score


def has_phenotypes(gene: GeneDefinition) -> bool:
    """True if the knowledge base can give the gene a phenotype (a table or a method)."""
    return bool(gene.phenotypes) or bool(gene.phenotype_method and gene.phenotype_method["kind"] != "none")


def phenotype_terms(gene: GeneDefinition) -> set[str]:
    """Every phenotype term the knowledge base can give the gene."""
    method = gene.phenotype_method
    if not method:
        return {v["phenotype"] for v in gene.phenotypes.values() if v.get("phenotype")}
    kind = method["kind"]
    if kind == "activity_sum":
        return {t["phenotype"] for t in method["thresholds"]}
    if kind == "function_pair":
        return set(method["table"].values())
    if kind == "carrier":
        return {method["carrier"], method["otherwise"]}
    if kind == "lookup_pair":
        return {v["phenotype"] for v in method["table"].values() if v.get("phenotype")}
    return set()


def activity_scores(gene: GeneDefinition) -> set[float]:
    """Every activity score the knowledge base can give the gene (table values, or the sums of
    two alleles' activity values)."""
    method = gene.phenotype_method
    if method and method["kind"] == "activity_sum":
        values = {float(a.activity_value) for a in gene.alleles if a.activity_value not in (None, "")}
        return {a + b for a in values for b in values}
    out = set()
    rows = method["table"].values() if method and method["kind"] == "lookup_pair" else gene.phenotypes.values()
    for v in rows:
        try:
            out.add(float(v.get("activity_score")))
        except (TypeError, ValueError):
            pass
    return out
