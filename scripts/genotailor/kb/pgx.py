"""Build the PGx knowledge base: allele definitions, functions and phenotypes from public release files.

`build_pgx_kb` converts the public CPIC/PharmVar-derived release files (PharmCAT definition and
phenotype JSON files) into the project's own versioned files in `workflow/resources/pgx/`:
`genes/{GENE}.json` (read by `pgx.definitions`), `positions.tsv` (every defining position, for
forced genotyping) and `manifest.json` (sources, versions, licences, checksums of every source and
output file). For the genes PharmCAT's phenotype files leave without a diplotype table, the facts
come from the pypgx tables (`kb.pgx_phenotypes`).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from genotailor.core.checksums import sha256_file
from genotailor.core.errors import InputError
from genotailor.core.reference import chrom_order
from genotailor.kb.manifest import dump_json
from genotailor.kb.pgx_phenotypes import add_phenotype_facts, compact_table, read_pypgx

SOURCE_URLS = {
    "definitions": "https://github.com/PharmGKB/PharmCAT (allele definitions from PharmVar/CPIC)",
    "phenotypes": "https://cpicpgx.org/ (allele function and diplotype phenotype tables)",
    "pypgx": "https://github.com/sbslee/pypgx (allele function, activity value and diplotype phenotype "
             "tables; used for genes without a PharmCAT diplotype table)",
}


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
    # A PharmVar sub-allele (SLCO1B1 *45.001) whose core allele (*45) the function and phenotype
    # tables name in its place: it takes the core allele's function and diplotype phenotypes,
    # with a note. The definitions file names the pairs (suballelesMap: sub-allele -> core).
    core_of = {sub: core for sub, core in (defn.get("suballelesMap") or {}).items()
               if sub not in functions and core in functions}
    alleles = []
    for a in defn["namedAlleles"]:
        if a.get("structuralVariant"):
            continue  # not callable from SNV/indel genotypes
        definition = {
            str(p["pos"]): allele for p, allele in zip(positions, a["alleles"]) if allele is not None
        }
        func, activity = functions.get(core_of.get(a["name"], a["name"]), (None, None))
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
        _add_sub_allele_diplotypes(defn["gene"], phenotypes, core_of, {a["name"] for a in alleles})
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
        facts.update(add_phenotype_facts(data, pypgx))
    return data, facts


def _add_sub_allele_diplotypes(gene: str, phenotypes: dict, core_of: dict, defined: set) -> None:
    """Give each diplotype with a sub-allele the phenotype of the same diplotype with its core
    allele, where the table has no row of its own, and say so in the row's note."""
    subs_of: dict = {}
    for sub, core in sorted(core_of.items()):
        if sub in defined:
            subs_of.setdefault(core, []).append(sub)
    if not subs_of:
        return
    for key, entry in sorted(phenotypes.copy().items()):
        names = key.split("/")
        for combo in itertools.product(*([n, *subs_of.get(n, [])] for n in names)):
            new = "/".join(sorted(combo))
            used = sorted({n for n in combo if n in core_of})
            if not used or new in phenotypes:
                continue
            said = "; ".join(f"{gene} {n} has the function of {core_of[n]}" for n in used)
            phenotypes[new] = {**entry, "note": f"{said} (CPIC's function and phenotype tables name only "
                                                f"the core allele)"}


def build_pgx_kb(definitions_dir: Path, phenotypes_dir: Path, out_dir: Path, pypgx_dir: Path | None = None) -> dict:
    """Convert the public release files into the project's knowledge-base files; return the manifest.

    `pypgx_dir`: the pypgx tables, for genes whose PharmCAT phenotype file has no diplotype table
    (without it those genes get no allele functions or phenotypes)."""
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
        dump_json(data, out_dir / "genes" / f"{gene}.json")
        if phen:
            for entry in facts.values():
                if entry.get("source") == "PharmCAT phenotype file":
                    entry["files"] = {phen_path.name: sha256_file(phen_path)}
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
        "files": {str(p.relative_to(out_dir)): sha256_file(p) for p in outputs},
    }
    dump_json(manifest, out_dir / "manifest.json")
    return manifest
