"""Per-position evidence for a pharmacogene: what the VCF (and coverage) say at each defining position.

A position is never assumed reference: it is `called` only when the VCF carries a genotype for
it at adequate depth. Otherwise it is `low_depth` (a genotype from fewer reads than the minimum),
`no_call` (./.), `filtered` (FILTER not PASS), `not_covered` (no record and depth below the
minimum, from the coverage of the built-in pipeline) or `absent` (no record and no coverage to
tell "reference" from "not sequenced", as for a variants-only external VCF).

Alleles are expressed over the definition's REF span, so a split multi-allelic record or a
left-aligned indel with a shorter or longer REF still reads as the defined allele (UGT1A1's TA
repeat: C>CAT at 233760233 is the definition's CAT>CATAT, *28). A spanning-deletion allele `*` at
a position inside a called upstream deletion of the same gene reads as the reference allele there,
which is what the definitions expect of the allele carrying the deletion.
"""

from __future__ import annotations

from genotailor.pgx.definitions import GeneDefinition, Position
from genotailor.pgx.values import Mutable
from genotailor.pgx.vcfopen import IndexedVcf, Record, opened

SPANNING_DELETION = "*"


class PositionCall(Mutable):
    """The evidence at one defining position. `status`: called | low_depth | no_call | filtered |
    not_covered | absent | inconsistent; `alleles`: the observed alleles in the definition's
    representation."""

    __slots__ = ("pos", "rsid", "ref", "status", "alleles", "phased", "phase_set", "depth", "filters")

    def __init__(self, pos: int, rsid: str | None, ref: str, status: str, alleles: tuple[str, ...] = (),
                 phased: bool = False, phase_set: int | None = None, depth: int | None = None,
                 filters: list | None = None):
        self.pos, self.rsid, self.ref, self.status, self.alleles = pos, rsid, ref, status, alleles
        self.phased, self.phase_set, self.depth = phased, phase_set, depth
        self.filters = [] if filters is None else filters

    @property
    def genotype(self) -> str | None:
        if not self.alleles:
            return None
        return ("|" if self.phased else "/").join(self.alleles)

    def to_dict(self):
        d = {"position": self.pos, "rsid": self.rsid, "ref": self.ref, "status": self.status,
             "genotype": self.genotype, "depth": self.depth}
        if self.filters:
            d["filters"] = self.filters
        return d


def _as_definition_allele(position: Position, rec_ref: str, rec_allele: str) -> str:
    """Express a record's allele over the definition's REF span (split/left-aligned records
    may use a shorter or longer REF than the definition at the same position)."""
    R = position.ref
    if rec_ref == R:
        return rec_allele
    if R.startswith(rec_ref):
        return rec_allele + R[len(rec_ref):]
    if rec_ref.startswith(R) and rec_allele.endswith(rec_ref[len(R):]):
        return rec_allele[: len(rec_allele) - (len(rec_ref) - len(R))]
    return rec_allele


def position_clusters(wanted: list[int], gap: int) -> list[list[int]]:
    """Sorted positions as [first, last] runs in which no two neighbours are more than `gap` apart:
    one fetch per run instead of one per position."""
    clusters: list[list[int]] = []
    for p in wanted:
        if clusters and p - clusters[-1][1] <= gap:
            clusters[-1][1] = p
        else:
            clusters.append([p, p])
    return clusters


def _records_by_pos(vcf: IndexedVcf, chrom: str, positions, gap: int = 10_000) -> dict:
    """Records starting at the given positions, read with one fetch per cluster of positions
    (no two positions of a cluster more than `gap` apart) instead of one fetch per position;
    only the lines at those positions are parsed."""
    wanted = sorted(set(positions))
    out: dict = {}
    keep = {str(p) for p in wanted}
    for lo, hi in position_clusters(wanted, gap):
        for line in vcf.lines(chrom, lo - 1, hi):
            if line.split("\t", 2)[1] in keep:
                rec = vcf.record(line)
                out.setdefault(rec.pos, []).append(rec)
    return out


def call_position(chrom: str, position: Position, depths: dict | None, min_depth: int,
                  records: list[Record]) -> PositionCall:
    """The evidence at one defining position from the VCF records starting there."""
    depth = None
    if depths is not None:
        d = depths.get((chrom, position.pos))
        depth = int(round(d)) if d is not None else None
    pc = PositionCall(position.pos, position.rsid, position.ref, "absent", depth=depth)
    if not records:
        if depths is not None and (depth is None or depth < min_depth):
            pc.status = "not_covered"
        return pc
    # Split multi-allelic records share a position: combine them index by index of the GT.
    alleles: list[str | None] = []
    for rec in records:
        gt = rec.gt
        if gt is None or all(a is None for a in gt):
            pc.status = "no_call"
            return pc
        if rec.filters:
            pc.status, pc.filters = "filtered", list(rec.filters)
            return pc
        if pc.depth is None and rec.dp is not None:
            pc.depth = rec.dp
        if rec.phased:
            pc.phased = True
            if rec.ps is not None:
                pc.phase_set = rec.ps
        if not alleles:
            alleles = [None] * len(gt)
        for i, a in enumerate(gt):
            if a is None:
                pc.status = "no_call"
                return pc
            if a == 0:
                continue
            allele = _as_definition_allele(position, rec.ref, rec.alleles[a])
            if i >= len(alleles) or (alleles[i] is not None and alleles[i] != allele):
                pc.status = "inconsistent"
                return pc
            alleles[i] = allele
    pc.alleles = tuple(a if a is not None else position.ref for a in alleles)
    # A genotype from a handful of reads is shown but not trusted for matching.
    pc.status = "low_depth" if pc.depth is not None and pc.depth < min_depth else "called"
    return pc


def resolve_spanning_deletions(gene: GeneDefinition, calls: list[PositionCall]):
    """The calls, with `*` alleles inside a called upstream deletion at another defining position
    read as the reference allele (the definitions expect the reference there on the deleted
    haplotype); calls are replaced, never changed in place."""
    by_pos = {p.pos: p for p in gene.positions}
    resolved = list(calls)  # new calls replace resolved ones: the given calls may be shared (cohort mode)
    for k, c in enumerate(calls):
        n_star = c.alleles.count(SPANNING_DELETION)
        if c.status != "called" or not n_star:
            continue
        deleted = 0
        for u in resolved:  # as resolved so far, as when the calls were changed in place
            if u.status != "called" or u.pos >= c.pos:
                continue
            ref = by_pos[u.pos].ref
            if u.pos + len(ref) - 1 < c.pos:
                continue
            deleted += sum(1 for a in u.alleles if len(a) < len(ref) and u.pos + len(a) - 1 < c.pos)
        if deleted >= n_star:
            resolved[k] = c.replace(alleles=tuple(c.ref if a == SPANNING_DELETION else a for a in c.alleles))
    return resolved


def gene_evidence(vcf_path, sample: str | None, gene: GeneDefinition, depths: dict | None, min_depth: int = 8):
    """PositionCall for every defining position of `gene`.

    The VCF stays open across genes: loading a whole-genome tabix index takes ~0.1 s, twenty
    times over otherwise. The cache key includes size and mtime, so a rewritten file is reopened.
    """
    vcf = opened(vcf_path, sample)
    at = _records_by_pos(vcf, gene.chrom, [p.pos for p in gene.positions])
    return evidence_from_records(gene, at, depths, min_depth)


def evidence_from_records(gene: GeneDefinition, at: dict, depths: dict | None, min_depth: int = 8):
    """PositionCall for every defining position of `gene` from its records by position (the
    per-patient reader's and the cohort reader's common step)."""
    calls = [call_position(gene.chrom, p, depths, min_depth, at.get(p.pos, []))
             for p in gene.positions]
    return resolve_spanning_deletions(gene, calls)
