"""Pharmacogene allele definitions: the knowledge base the PGx matcher reads.

The knowledge base is the project's own versioned files in `workflow/resources/pgx/`:
`genes/{GENE}.json` (positions, named alleles, allele function and activity value, and the
phenotypes: a diplotype table `phenotypes` or a compact `phenotype_method`, see
`matcher.phenotype_call`), `positions.tsv` (every defining position, for forced genotyping) and
`manifest.json` (sources, versions, licences, checksums of every source and output file).
`build_pgx_kb` refreshes them from the public CPIC/PharmVar-derived release files (PharmCAT
definition and phenotype JSON files) and, for the genes PharmCAT's phenotype files leave without
a diplotype table, from the pypgx tables (`kb_phenotypes`).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from genotailor.errors import InputError
from genotailor.pgx.values import Mutable, Value

from genotailor.pgx import DEFAULT_KB  # noqa: E402,F401  (re-exported)

# Single-letter IUPAC codes allowed in allele definitions (PharmVar uses them for
# positions where either base defines the allele).
IUPAC = {
    "A": "A", "C": "C", "G": "G", "T": "T",
    "R": "AG", "Y": "CT", "S": "CG", "W": "AT", "K": "GT", "M": "AC",
    "B": "CGT", "D": "AGT", "H": "ACT", "V": "ACG", "N": "ACGT",
}

SOURCE_URLS = {
    "definitions": "https://github.com/PharmGKB/PharmCAT (allele definitions from PharmVar/CPIC)",
    "phenotypes": "https://cpicpgx.org/ (allele function and diplotype phenotype tables)",
    "pypgx": "https://github.com/sbslee/pypgx (allele function, activity value and diplotype phenotype "
             "tables; used for genes without a PharmCAT diplotype table)",
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


def _gene_from_release(defn: dict, phen: dict | None, pypgx=None) -> tuple[dict, dict]:
    """The gene's knowledge-base document and the provenance of its function/phenotype facts.

    `pypgx` (kb_phenotypes.PypgxTables or None) supplies them for genes whose PharmCAT phenotype
    file is missing or has no diplotype table."""
    positions = []
    for v in defn["variants"]:
        positions.append(
            {
                "pos": int(v["position"]),
                "ref": v["ref"],
                "alts": list(v["alts"]),
                "rsid": v.get("rsid"),
                "hgvs": v.get("chromosomeHgvsName"),
            }
        )
    functions = {}
    if phen:
        for a in phen.get("namedAlleles", []):
            functions[a["name"]] = (a.get("functionValue"), a.get("activityValue"))
    alleles = []
    for a in defn["namedAlleles"]:
        if a.get("structuralVariant"):
            continue  # not callable from SNV/indel genotypes
        definition = {
            str(p["pos"]): allele for p, allele in zip(positions, a["alleles"]) if allele is not None
        }
        func, activity = functions.get(a["name"], (None, None))
        alleles.append(
            {
                "name": a["name"],
                "reference": bool(a["reference"]),
                "function": func,
                "activity_value": activity,
                "definition": definition,
            }
        )
    phenotypes = {}
    if phen:
        for d in phen.get("diplotypes", []):
            key = d["diplotypekey"]
            names = sorted([n for n, c in key.items() for _ in range(c)])
            if len(names) not in (1, 2):
                continue
            phenotypes["/".join(names)] = {
                "phenotype": d.get("phenotype") or d.get("generesult"),
                "activity_score": d.get("activityScore"),
            }
    data = {
        "gene": defn["gene"],
        "chrom": defn["chromosome"],
        "build": "GRCh38",
        "version": defn["version"],
        "positions": positions,
        "alleles": alleles,
        "phenotypes": dict(sorted(phenotypes.items())),
    }
    facts = {}
    if phen:
        pharmcat = {"source": "PharmCAT phenotype file", "version": phen.get("version"), "licence": "MPL-2.0"}
        if functions:
            facts["allele_functions"] = pharmcat
        if phenotypes:
            facts["phenotypes"] = pharmcat
    if not phenotypes:
        from genotailor.pgx.kb_phenotypes import add_phenotype_facts

        facts.update(add_phenotype_facts(data, pypgx))
    return data, facts


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _dump(obj, path: Path):
    path.write_text(json.dumps(obj, indent=1, sort_keys=False) + "\n")


def build_pgx_kb(definitions_dir: Path, phenotypes_dir: Path, out_dir: Path, pypgx_dir: Path | None = None) -> dict:
    """Convert the public release files into the project's knowledge-base files; return the manifest.

    `pypgx_dir`: the pypgx tables, for genes whose PharmCAT phenotype file has no diplotype table
    (without it those genes get no allele functions or phenotypes)."""
    from genotailor.pgx.kb_phenotypes import compact_table, read_pypgx

    definitions_dir, phenotypes_dir, out_dir = Path(definitions_dir), Path(phenotypes_dir), Path(out_dir)
    files = sorted(definitions_dir.glob("*_translation.json"))
    if not files:
        raise InputError(f"{definitions_dir}: no *_translation.json allele-definition files found")
    pypgx = read_pypgx(pypgx_dir) if pypgx_dir is not None else None
    (out_dir / "genes").mkdir(parents=True, exist_ok=True)
    rows = []
    versions = {}
    for f in files:
        defn = json.loads(f.read_text())
        gene = defn["gene"]
        phen_path = phenotypes_dir / f"{gene}.json"
        phen = json.loads(phen_path.read_text()) if phen_path.exists() else None
        data, facts = _gene_from_release(defn, phen, pypgx)
        data["phenotype_source"] = phen.get("version") if phen else None
        compact = compact_table(data)
        if compact is not None:  # the same answers from a few rows instead of thousands
            data["phenotype_method"], data["phenotypes"] = compact, {}
        _dump(data, out_dir / "genes" / f"{gene}.json")
        if phen:
            for entry in facts.values():
                if entry.get("source") == "PharmCAT phenotype file":
                    entry["files"] = {phen_path.name: _sha256(phen_path)}
        versions[gene] = {"definitions": data["version"], "phenotypes": data["phenotype_source"],
                          "allele_functions_from": facts.get("allele_functions"),
                          "phenotypes_from": facts.get("phenotypes")}
        for p in data["positions"]:
            rows.append((data["chrom"], p["pos"], p["ref"], ",".join(p["alts"]), gene, p["rsid"] or "."))
    rows.sort(key=lambda r: (chrom_order(r[0]), r[1], r[4]))
    with open(out_dir / "positions.tsv", "w") as fh:
        fh.write("#chrom\tpos\tref\talts\tgene\trsid\n")
        for r in rows:
            fh.write("\t".join(map(str, r)) + "\n")
    outputs = sorted([out_dir / "positions.tsv", *(out_dir / "genes").glob("*.json")])
    manifest = {
        "name": "genotailor pharmacogene allele definitions",
        "build": "GRCh38",
        "sources": SOURCE_URLS,
        "licence": "Derived facts from MPL-2.0 data files (PharmCAT allele definitions and "
        "phenotype tables, which compile PharmVar and CPIC) and, where versions[gene] says so, "
        "from MIT-licensed data files (pypgx allele, diplotype, phenotype and equation tables)",
        "versions": versions,
        "files": {str(p.relative_to(out_dir)): _sha256(p) for p in outputs},
    }
    _dump(manifest, out_dir / "manifest.json")
    return manifest


def chrom_order(chrom: str):
    """Sort key putting chr1..chr22 in numeric order, then X, Y, M."""
    c = chrom.removeprefix("chr")
    return (0, int(c), "") if c.isdigit() else (1, 0, c)


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


def load_positions(kb_dir: Path = DEFAULT_KB) -> list[tuple[str, int, str, tuple[str, ...], str, str]]:
    """Every knowledge-base position as (chrom, pos, ref, alts, gene, rsid), sorted."""
    out = []
    with open(Path(kb_dir) / "positions.tsv") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            chrom, pos, ref, alts, gene, rsid = line.rstrip("\n").split("\t")
            out.append((chrom, int(pos), ref, tuple(alts.split(",")), gene, rsid))
    return out


def register(sub):
    p = sub.add_parser(
        "kb-build-pgx",
        help="refresh the PGx knowledge base from PharmCAT/CPIC release files",
        description="Reads *_translation.json allele definitions and the per-gene phenotype JSON "
        "files of a release (and, for genes without a diplotype table there, the pypgx tables) and "
        "writes the project's own files (genes/*.json, positions.tsv, manifest.json with sources, "
        "versions and checksums).",
    )
    p.add_argument("--definitions", required=True, help="folder of *_translation.json files")
    p.add_argument("--phenotypes", required=True, help="folder of {GENE}.json phenotype files")
    p.add_argument("--pypgx", help="folder of the pypgx tables (allele-table.csv, diplotype-table.csv, "
                   "phenotype-table.csv, equation-table.csv): allele functions and phenotypes of CYP2D6, "
                   "G6PD, IFNL3 and RYR1; without it those genes get no phenotype")
    p.add_argument("--out", default=str(DEFAULT_KB), help="knowledge-base folder (default: %(default)s)")
    p.set_defaults(func=_cli)


def _cli(args):
    manifest = build_pgx_kb(Path(args.definitions), Path(args.phenotypes), Path(args.out),
                            Path(args.pypgx) if args.pypgx else None)
    print(f"{args.out}: {len(manifest['versions'])} genes, {len(manifest['files'])} files")
    return 0
