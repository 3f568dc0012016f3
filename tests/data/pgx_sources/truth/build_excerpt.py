"""Cut the source excerpts `tests/test_pgx_truth.py` reads from the public PGx source files.

    python tests/data/pgx_sources/truth/build_excerpt.py PHARMCAT_DEFINITIONS PHARMCAT_PHENOTYPES PYPGX_TABLES
    python tests/data/pgx_sources/truth/build_excerpt.py --all PHARMCAT_DEFINITIONS PHARMCAT_PHENOTYPES PYPGX_TABLES

The three folders hold PharmCAT's `*_translation.json` allele definitions, PharmCAT's CPIC phenotype
files (`GENE.json`) and pypgx's tables (see PROVENANCE.md). Only rows are dropped, nothing is
changed: each gene's definition file keeps every defining position (`variants`) and the named
alleles in ALLELES (plus the gene's reference allele); its phenotype file keeps the function rows
of those alleles and the CPIC diplotype rows made of them; pypgx keeps the rows of the genes PharmCAT
has no phenotype file for. The test, not this script, decides what is expected.

With --all it writes `../all/` instead, read by the all-pairs and CPIC-rows suites: every named
allele of every gene, every CPIC diplotype row (its key, phenotype and activity score) and every
pypgx diplotype row of G6PD, IFNL3 and RYR1, gzipped (byte-identical on a rerun).
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import sys
from pathlib import Path

OUT = Path(__file__).parent

# The alleles the truth cases are built from, per gene (PharmCAT names).
ALLELES = {
    "ABCG2": ["rs2231142 variant (T)"],
    "CACNA1S": ["c.520C>T", "c.3257G>A"],
    "CFTR": ["G551D", "R117H"],
    "CYP2B6": ["*4", "*6", "*9", "*18"],
    "CYP2C19": ["*1", "*2", "*3", "*17"],
    "CYP2C9": ["*2", "*3", "*8"],
    "CYP2D6": ["*3", "*4", "*10", "*17", "*41"],
    "CYP3A4": ["*22"],
    "CYP3A5": ["*3", "*6"],
    "CYP4F2": ["*2", "*3"],
    "DPYD": ["c.557A>G", "c.868A>G", "c.1129-5923C>G, c.1236G>A (HapB3)", "c.1679T>G (*13)",
             "c.1905+1G>A (*2A)", "c.2846A>T", "c.2933A>G", "c.2983G>T (*10)"],
    "G6PD": ["A", "A- 202A_376G"],
    "IFNL3": ["rs12979860 variant (T)"],
    "NAT2": ["*5", "*6", "*7"],
    "NUDT15": ["*2", "*3"],
    "RYR1": ["c.103T>C", "c.487C>T", "c.7300G>A"],
    "SLCO1B1": ["*5", "*14", "*15"],
    "TPMT": ["*2", "*3A", "*3B", "*3C"],
    "UGT1A1": ["*6", "*28", "*36"],
    "VKORC1": ["rs9923231 variant (T)"],
}
# pypgx: genes without a PharmCAT phenotype file (CYP2D6 activity values, G6PD, RYR1), IFNL3's
# diplotype table, and CYP4F2 (to show the source has no phenotype for it).
PYPGX_GENES = ("CYP2D6", "CYP4F2", "G6PD", "IFNL3", "RYR1")
# The diplotype rows kept: both alleles among these (pypgx names; MALE is its hemizygous G6PD half).
PYPGX_DIPLOTYPE_ALLELES = {
    "G6PD": {"B (reference)", "A", "A- 202A_376G", "MALE"},
    "IFNL3": {"Reference", "rs12979860"},
    "RYR1": {"Reference", "c.103T>C", "c.487C>T", "c.7300G>A"},
}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


def cut_definitions(src: Path, gene: str, keep: list[str]) -> None:
    d = json.loads((src / f"{gene}_translation.json").read_text())
    names = {a["name"] for a in d["namedAlleles"]}
    missing = sorted(set(keep) - names)
    if missing:
        raise SystemExit(f"{gene}: no allele {missing} in the definitions")
    alleles = [a for a in d["namedAlleles"] if a["reference"] or a["name"] in keep]
    out = {k: d[k] for k in ("gene", "chromosome", "genomeBuild", "version", "source", "variants")}
    out["namedAlleles"] = [{k: a[k] for k in ("name", "reference", "alleles")} for a in alleles]
    _write_json(OUT / "definitions" / f"{gene}_translation.json", out)


def cut_phenotypes(src: Path, gene: str, keep: set[str]) -> None:
    path = src / f"{gene}.json"
    if not path.exists():
        return
    p = json.loads(path.read_text())
    out = {
        "gene": p["gene"],
        "version": p["version"],
        "namedAlleles": [a for a in p["namedAlleles"] if a["name"] in keep],
        "diplotypes": [r for r in p["diplotypes"] if set(r["diplotypekey"]) <= keep],
    }
    _write_json(OUT / "phenotypes" / f"{gene}.json", out)


def cut_pypgx(src: Path) -> None:
    for name in ("allele-table.csv", "diplotype-table.csv", "phenotype-table.csv", "equation-table.csv"):
        with open(src / name, newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            rows = [r for r in reader if r[0] in PYPGX_GENES]
        if name == "diplotype-table.csv":
            rows = [r for r in rows if set(r[1].split("/")) <= PYPGX_DIPLOTYPE_ALLELES.get(r[0], set())]
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        (OUT / "pypgx").mkdir(exist_ok=True)
        (OUT / "pypgx" / name).write_text(buf.getvalue())


ALL = OUT.parent / "all"


def _write_gz(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as fh:
        fh.write(text.encode())


def main_all(definitions: str, phenotypes: str, pypgx: str) -> None:
    """Every allele and diplotype row (see the docstring), under `../all/`."""
    for gene in ALLELES:
        d = json.loads((Path(definitions) / f"{gene}_translation.json").read_text())
        out = {k: d[k] for k in ("gene", "chromosome", "genomeBuild", "version", "source", "variants")}
        out["namedAlleles"] = [{k: a[k] for k in ("name", "reference", "alleles")} for a in d["namedAlleles"]]
        _write_gz(ALL / "definitions" / f"{gene}_translation.json.gz", json.dumps(out, sort_keys=True) + "\n")
        path = Path(phenotypes) / f"{gene}.json"
        if path.exists():
            p = json.loads(path.read_text())
            rows = [{k: r[k] for k in ("diplotypekey", "phenotype", "activityScore")} for r in p["diplotypes"]]
            out = {"gene": p["gene"], "version": p["version"], "namedAlleles": p["namedAlleles"], "diplotypes": rows}
            _write_gz(ALL / "phenotypes" / f"{gene}.json.gz", json.dumps(out, sort_keys=True) + "\n")
    for name in ("allele-table.csv", "diplotype-table.csv", "phenotype-table.csv", "equation-table.csv"):
        with open(Path(pypgx) / name, newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            rows = [r for r in reader if r[0] in PYPGX_GENES]
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows([header, *rows])
        _write_gz(ALL / "pypgx" / f"{name}.gz", buf.getvalue())


def main(definitions: str, phenotypes: str, pypgx: str) -> None:
    for gene, keep in ALLELES.items():
        cut_definitions(Path(definitions), gene, keep)
        ref = next(a["name"] for a in json.loads((OUT / "definitions" / f"{gene}_translation.json").read_text())
                   ["namedAlleles"] if a["reference"])
        # CYP2C19: *38 is the reference sequence, *1 (kept above) the normal-function allele
        cut_phenotypes(Path(phenotypes), gene, set(keep) | {ref})
    cut_pypgx(Path(pypgx))
    for folder, names in ((definitions, [f"{g}_translation.json" for g in ALLELES]),
                          (phenotypes, [f"{g}.json" for g in ALLELES]),
                          (pypgx, ["allele-table.csv", "diplotype-table.csv", "phenotype-table.csv",
                                   "equation-table.csv"])):
        for n in names:
            if (Path(folder) / n).exists():
                print(f"{Path(folder).name}/{n}\t{_sha256(Path(folder) / n)}")


if __name__ == "__main__":
    if sys.argv[1] == "--all":
        main_all(*sys.argv[2:5])
    else:
        main(*sys.argv[1:4])
