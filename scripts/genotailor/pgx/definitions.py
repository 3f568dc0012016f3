"""Pharmacogene allele definitions as the PGx matcher reads them from the compiled knowledge base.

A gene's file `genes/{GENE}.json` in the compiled knowledge base (`workflow/resources/pgx/`,
written by `kb.pgx.build_pgx_kb`) holds its positions, named alleles, allele function and activity
value, and the phenotypes: a diplotype table `phenotypes` or a compact `phenotype_method` (see
`matcher.phenotype_call`). This module only reads it.
"""

from __future__ import annotations

import json
from pathlib import Path

from genotailor.core.errors import InputError
from genotailor.pgx import DEFAULT_KB
from genotailor.pgx.values import Mutable, Value

# Single-letter IUPAC codes allowed in allele definitions (PharmVar uses them for
# positions where either base defines the allele).
IUPAC = {
    "A": "A", "C": "C", "G": "G", "T": "T",
    "R": "AG", "Y": "CT", "S": "CG", "W": "AT", "K": "GT", "M": "AC",
    "B": "CGT", "D": "AGT", "H": "ACT", "V": "ACG", "N": "ACGT",
}


class Position(Value):
    """One defining position of a gene (GRCh38, 1-based, VCF allele representation)."""

    __slots__ = ("chrom", "pos", "ref", "alts", "rsid", "hgvs")

    def __init__(self, chrom: str, pos: int, ref: str, alts: tuple[str, ...], rsid: str | None, hgvs: str | None):
        self.chrom, self.pos, self.ref, self.alts, self.rsid, self.hgvs = chrom, pos, ref, alts, rsid, hgvs


class NamedAllele(Value):
    """A star allele (or named haplotype): the allele it requires at each defining position
    (`definition`: pos -> VCF allele or IUPAC code; positions not listed are unconstrained)."""

    __slots__ = ("name", "reference", "definition", "function", "activity_value")

    def __init__(self, name: str, reference: bool, definition: dict, function: str | None = None,
                 activity_value: str | None = None):
        self.name, self.reference, self.definition = name, reference, definition
        self.function, self.activity_value = function, activity_value


class GeneDefinition(Mutable):
    """A gene's positions and named alleles, and how its diplotypes get a phenotype: a table
    (`phenotypes`: "*1/*2" sorted pair -> {phenotype, activity_score}) or a rule
    (`phenotype_method`, see matcher.phenotype_call)."""

    __slots__ = ("gene", "chrom", "build", "version", "positions", "alleles", "phenotypes", "phenotype_method")

    def __init__(self, gene: str, chrom: str, build: str, version: str, positions: list[Position],
                 alleles: list[NamedAllele], phenotypes: dict | None = None, phenotype_method: dict | None = None):
        self.gene, self.chrom, self.build, self.version = gene, chrom, build, version
        self.positions, self.alleles = positions, alleles
        self.phenotypes = {} if phenotypes is None else phenotypes
        self.phenotype_method = phenotype_method

    def allele(self, name):
        for a in self.alleles:
            if a.name == name:
                return a
        raise KeyError(name)

    @property
    def reference_allele(self):
        return next(a for a in self.alleles if a.reference)


def allele_matches(definition_allele: str, observed: str) -> bool:
    """True if an observed VCF allele satisfies a definition allele (IUPAC-aware for SNVs)."""
    if len(definition_allele) == 1 and len(observed) == 1:
        return observed in IUPAC.get(definition_allele, definition_allele)
    return definition_allele == observed


def load_gene(gene: str, kb_dir: Path = DEFAULT_KB) -> GeneDefinition:
    path = Path(kb_dir) / "genes" / f"{gene}.json"
    if not path.exists():
        raise InputError(f"{path}: no allele definitions for gene {gene} in the knowledge base")
    return gene_from_dict(json.loads(path.read_text()))


def gene_from_dict(d: dict) -> GeneDefinition:
    """The GeneDefinition of one `genes/{GENE}.json` document (the only place that reads its fields)."""
    positions = [
        Position(d["chrom"], p["pos"], p["ref"], tuple(p["alts"]), p["rsid"], p["hgvs"]) for p in d["positions"]
    ]
    alleles = [
        NamedAllele(
            a["name"],
            a["reference"],
            {int(k): v for k, v in a["definition"].items()},
            a.get("function"),
            a.get("activity_value"),
        )
        for a in d["alleles"]
    ]
    return GeneDefinition(d["gene"], d["chrom"], d["build"], d["version"], positions, alleles, d.get("phenotypes", {}),
                          d.get("phenotype_method"))


_GENES: dict = {}


def cached_gene(gene_name: str, kb_dir=DEFAULT_KB) -> GeneDefinition:
    """`load_gene`, read once per process (and again if the file changes)."""
    path = Path(kb_dir) / "genes" / f"{gene_name}.json"
    stamp = path.stat().st_mtime_ns if path.exists() else None
    key = (gene_name, str(Path(kb_dir).resolve()))
    hit = _GENES.get(key)
    if hit is None or hit[0] != stamp:
        hit = (stamp, load_gene(gene_name, kb_dir))
        _GENES[key] = hit
    return hit[1]
