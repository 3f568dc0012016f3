"""Star-allele matching: every diplotype compatible with the per-position evidence, ranked.

A named allele requires its defined allele at each position it lists and the reference allele at
every other defining position of the gene. Positions without a genotype constrain nothing, so
they can leave several diplotypes compatible; all are returned, best first, with what separates
them. Phased genotypes (same phase set) must put each allele wholly on one haplotype.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from genotailor.pgx.definitions import GeneDefinition, NamedAllele, allele_matches
from genotailor.pgx.genotypes import PositionCall


@dataclass(frozen=True)
class Diplotype:
    first: str
    second: str
    score: int  # non-reference defining alleles confirmed by genotypes: more specific wins

    @property
    def name(self):
        return f"{self.first}/{self.second}"


def allele_order(name: str):
    """Natural order of allele names: *2 before *17, *3A before *3B."""
    parts = re.split(r"(\d+)", name)
    return [int(p) if p.isdigit() else p for p in parts]


def _expected(allele: NamedAllele, pos: int, ref: str) -> str:
    return allele.definition.get(pos, ref)


def _specificity(allele: NamedAllele, refs: dict, called: set) -> int:
    """Non-reference alleles of the definition at positions that have a genotype: an allele
    earns no credit for variants nobody observed (its defining position may be missing)."""
    return sum(1 for p, a in allele.definition.items() if p in called and a != refs.get(p))


def _compatible(a: NamedAllele, b: NamedAllele, calls: list[PositionCall]) -> bool:
    orientation = {}  # phase set -> True if a is on the first haplotype
    for c in calls:
        if c.status != "called":
            continue
        ea, eb = _expected(a, c.pos, c.ref), _expected(b, c.pos, c.ref)
        if len(c.alleles) != 2:
            return False
        g1, g2 = c.alleles
        straight = allele_matches(ea, g1) and allele_matches(eb, g2)
        crossed = allele_matches(ea, g2) and allele_matches(eb, g1)
        if not (straight or crossed):
            return False
        if c.phased and g1 != g2 and not (straight and crossed):
            key = c.phase_set if c.phase_set is not None else -1
            ok = {True} if straight and not crossed else {False}
            if key in orientation and orientation[key] not in ok:
                return False
            orientation[key] = next(iter(ok))
    return True


def compatible_diplotypes(gene: GeneDefinition, calls: list[PositionCall]) -> list[Diplotype]:
    """All compatible diplotypes, best first (most specific on the evidence, then name order)."""
    refs = {p.pos: p.ref for p in gene.positions}
    alleles = sorted(gene.alleles, key=lambda a: allele_order(a.name))
    called = {c.pos for c in calls if c.status == "called"}
    spec = {a.name: _specificity(a, refs, called) for a in alleles}
    found = []
    for i, a in enumerate(alleles):
        for b in alleles[i:]:
            if _compatible(a, b, calls):
                found.append(Diplotype(a.name, b.name, spec[a.name] + spec[b.name]))
    found.sort(key=lambda d: (-d.score, allele_order(d.first), allele_order(d.second)))
    return found


def phenotype_of(gene: GeneDefinition, diplotype: Diplotype) -> tuple[str | None, str | None]:
    entry = gene.phenotypes.get("/".join(sorted([diplotype.first, diplotype.second])))
    if not entry:
        return None, None
    return entry.get("phenotype"), entry.get("activity_score")
