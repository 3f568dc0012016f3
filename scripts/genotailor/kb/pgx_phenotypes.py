"""Phenotype facts for the genes whose PharmCAT phenotype file gives no diplotype table.

The knowledge base takes allele functions and diplotype phenotypes from PharmCAT's phenotype
files. Those have no file for CYP2D6, G6PD and RYR1 and no diplotype table for IFNL3. For these
genes `kb-build-pgx --pypgx DIR` takes the facts from the pypgx tables (MIT licence):
allele-table.csv (allele function, activity value, GRCh38 core variants), diplotype-table.csv,
phenotype-table.csv and equation-table.csv.

Alleles. A pypgx allele gives its facts to the knowledge-base allele of the same name (CYP2D6 star
alleles, G6PD and RYR1 names). An allele whose name differs is matched by its variants instead:
pypgx's GRCh38Core (`chr-pos-ref-alt`, VCF representation) must equal the knowledge-base allele's
non-reference alleles at its defining positions (IFNL3 "rs12979860" is "rs12979860 variant (T)",
G6PD "Mediterranean Haplotype" is "Mediterranean, Dallas, ..."). Structural alleles are never
matched. A function PharmCAT's file gives is kept; pypgx only fills alleles without one.

Phenotypes. Each gene gets a compact rule (`phenotype_method`, evaluated by
`matcher.phenotype_call`) written from the CPIC guideline's definitions, with CPIC's spelling of
the terms:

- CYP2D6, activity_sum: the sum of the two alleles' activity values; 0 poor, 0.25-1.0
  intermediate, 1.25-2.25 normal, above 2.25 ultrarapid metabolizer (CPIC's 2019 consensus). The
  thresholds are read from pypgx's equation table and checked against those ranges.
- G6PD, function_pair: hemizygous (one allele) normal / deficient (class II-III) / deficient with
  CNSHA (class I) gives Normal / Deficient / Deficient with CNSHA; two alleles: both normal Normal,
  one normal Variable, both class I Deficient with CNSHA, otherwise Deficient; an allele of
  unknown function makes it Indeterminate.
- RYR1, carrier: any Malignant Hyperthermia associated allele gives Malignant Hyperthermia
  Susceptibility, any other diplotype Uncertain Susceptibility.
- IFNL3, function_pair: rs12979860 CC is the favorable response genotype, CT or TT the
  unfavorable response genotype.
- CYP4F2, none: CPIC defines no CYP4F2 phenotype; drug rules use carriage of a named allele.

Every rule is checked against pypgx's own diplotype table: each diplotype whose alleles are both
matched must get pypgx's phenotype (pypgx's terms mapped to CPIC's). The counts and any
disagreements go to the manifest, so a disagreement is visible, never silently "fixed".
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import combinations_with_replacement
from pathlib import Path

from genotailor.core.checksums import sha256_file
from genotailor.core.errors import InputError
from genotailor.pgx.matcher import allele_kind

PYPGX_FILES = ("allele-table.csv", "diplotype-table.csv", "phenotype-table.csv", "equation-table.csv")
PYPGX_SOURCE = {
    "source": "pypgx",
    "url": "https://github.com/sbslee/pypgx (pypgx/api/data)",
    "licence": "MIT",
    # The copied tables state no release; their checksums identify them.
    "version": None,
}

# CPIC's CYP2D6 phenotypes by activity score (2019 consensus; scores come in steps of 0.25).
CPIC_CYP2D6 = (
    (0.0, 0.0, "Poor Metabolizer"),
    (0.25, 1.0, "Intermediate Metabolizer"),
    (1.25, 2.25, "Normal Metabolizer"),
    (2.5, 6.0, "Ultrarapid Metabolizer"),
)

G6PD_CLASSES = {
    "Class IV (Normal)": "normal",
    "Class III (Deficient)": "deficient",
    "Class II (Deficient)": "deficient",
    "Class I (Deficient with CNSHA)": "cnsha",
    "Unknown Function": "unknown",
}
IFNL3_FUNCTIONS = {"Favorable response allele": "favorable", "Unfavorable response allele": "unfavorable"}
RYR1_CAUSATIVE = "Malignant Hyperthermia Associated"

# pypgx's phenotype terms -> CPIC's (only where they differ; G6PD's lose their "G6PD " prefix).
TERM_MAP = {
    "IFNL3": {"Favorable Response": "Favorable response genotype",
              "Unfavorable Response": "Unfavorable response genotype"},
}

NO_PHENOTYPE = {
    "CYP4F2": "CPIC defines no phenotype for CYP4F2; drug rules use carriage of its alleles "
              "(warfarin: CYP4F2*3), which the diplotype shows",
}


@dataclass
class PypgxTables:
    folder: Path
    alleles: dict = field(default_factory=dict)  # gene -> [row dict]
    diplotypes: dict = field(default_factory=dict)  # gene -> [(diplotype, phenotype)]
    phenotypes: dict = field(default_factory=dict)  # gene -> [term]
    equations: dict = field(default_factory=dict)  # gene -> [(phenotype, equation)]
    sha256: dict = field(default_factory=dict)  # file name -> checksum

    def source(self, *files) -> dict:
        return {**PYPGX_SOURCE, "files": {f: self.sha256[f] for f in files}}


def read_pypgx(folder) -> PypgxTables:
    folder = Path(folder)
    missing = [f for f in PYPGX_FILES if not (folder / f).exists()]
    if missing:
        raise InputError(f"{folder}: pypgx table(s) {', '.join(missing)} not found")
    t = PypgxTables(folder)
    for f in PYPGX_FILES:
        t.sha256[f] = sha256_file(folder / f)
    for row in _rows(folder / "allele-table.csv"):
        t.alleles.setdefault(row["Gene"], []).append(row)
    for row in _rows(folder / "diplotype-table.csv"):
        t.diplotypes.setdefault(row["Gene"], []).append((row["Diplotype"], row["Phenotype"]))
    for row in _rows(folder / "phenotype-table.csv"):
        t.phenotypes.setdefault(row["Gene"], []).append(row["Phenotype"])
    for row in _rows(folder / "equation-table.csv"):
        t.equations.setdefault(row["Gene"], []).append((row["Phenotype"], row["Equation"]))
    return t


def _rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def _na(value):
    return None if value in (None, "", "N/A") else value


# --- allele matching ----------------------------------------------------------------------------


def _kb_variants(data: dict, allele: dict) -> frozenset:
    ref = {str(p["pos"]): p["ref"] for p in data["positions"]}
    return frozenset((int(pos), ref[pos], a) for pos, a in allele["definition"].items() if a != ref[pos])


def _pypgx_variants(row, chrom: str):
    core = _na(row["GRCh38Core"])
    if core is None:
        return frozenset()
    out = set()
    for v in core.split(","):
        c, pos, ref, alt = v.strip().split("-")
        if "chr" + c != chrom:
            return None
        out.add((int(pos), ref, alt))
    return frozenset(out)


def match_alleles(data: dict, rows) -> dict:
    """pypgx allele name -> (knowledge-base allele name, "name" or "variants")."""
    kb_names = {a["name"] for a in data["alleles"]}
    by_variants = {}
    for a in data["alleles"]:
        by_variants.setdefault(_kb_variants(data, a), []).append(a["name"])
    out = {}
    for row in rows:
        name = row["StarAllele"]
        if name in kb_names:
            out[name] = (name, "name")
            continue
        if row.get("SV") == "TRUE":
            continue
        variants = _pypgx_variants(row, data["chrom"])
        hits = by_variants.get(variants, []) if variants is not None else []
        if len(hits) == 1:
            out[name] = (hits[0], "variants")
    return out


def _format_activity(value):
    from genotailor.pgx.matcher import format_activity

    return None if value is None else format_activity(float(value))


def apply_allele_facts(data: dict, rows, matched: dict) -> dict:
    """Give knowledge-base alleles without a function pypgx's function and activity value; return
    the counts for the manifest."""
    facts = {}  # kb name -> set of (function, activity)
    for row in rows:
        hit = matched.get(row["StarAllele"])
        if hit is None:
            continue
        facts.setdefault(hit[0], set()).add((_na(row["Function"]), _format_activity(_na(row["ActivityScore"]))))
    filled, conflicting = 0, []
    for a in data["alleles"]:
        got = facts.get(a["name"])
        if not got or a["function"] is not None:
            continue
        if len(got) > 1:  # two pypgx alleles matched here disagree: take neither
            conflicting.append(a["name"])
            continue
        (function, activity), = got
        a["function"], a["activity_value"] = function, activity
        filled += 1
    how = Counter(h for _, h in matched.values())
    return {
        "pypgx_alleles": len(rows),
        "matched_by_name": how["name"],
        "matched_by_variants": how["variants"],
        "alleles_given_facts": filled,
        "alleles_without_function": sum(1 for a in data["alleles"] if a["function"] is None),
        "conflicting": sorted(conflicting),
    }


# --- phenotype rules --------------------------------------------------------------------------


_EQUATION = re.compile(r"^\s*([0-9.]+)\s*<=\s*score(?:\s*<\s*([0-9.]+))?\s*$")


def _cyp2d6(data, tables) -> dict:
    bands = []
    for phenotype, equation in tables.equations.get("CYP2D6", []):
        m = _EQUATION.match(equation)
        if not m:
            raise InputError(f"{tables.folder}/equation-table.csv: CYP2D6 equation {equation!r} not understood")
        bands.append((float(m.group(1)), float(m.group(2)) if m.group(2) else None, phenotype))
    bands.sort()
    if not bands or any(hi != nxt for (_, hi, _), (nxt, _, _) in zip(bands, bands[1:])) or bands[-1][1] is not None:
        raise InputError(f"{tables.folder}/equation-table.csv: CYP2D6 score ranges are not contiguous")
    thresholds = [{"min": lo, "phenotype": p} for lo, _, p in bands]
    for lo, hi, expected in CPIC_CYP2D6:  # the same phenotype as CPIC at every possible score
        for score in [lo + 0.25 * i for i in range(int(round((hi - lo) / 0.25)) + 1)]:
            got = [t["phenotype"] for t in thresholds if score >= t["min"]][-1]
            if got != expected:
                raise InputError(f"{tables.folder}/equation-table.csv: CYP2D6 score {score} gives {got}, "
                                 f"CPIC {expected}")
    return {"kind": "activity_sum", "thresholds": thresholds}


def g6pd_phenotype(functions) -> str:
    """CPIC G6PD phenotype of one (hemizygous) or two alleles' functions."""
    classes = [G6PD_CLASSES[f] for f in functions]
    if "unknown" in classes:
        return "Indeterminate"
    if len(classes) == 1:
        return {"normal": "Normal", "deficient": "Deficient", "cnsha": "Deficient with CNSHA"}[classes[0]]
    normal = classes.count("normal")
    if normal == 2:
        return "Normal"
    if normal == 1:
        return "Variable"
    return "Deficient with CNSHA" if classes == ["cnsha", "cnsha"] else "Deficient"


def _functions(data, known: dict, gene: str) -> list[str]:
    found = sorted({a["function"] for a in data["alleles"] if a["function"] is not None})
    unknown = [f for f in found if f not in known]
    if unknown:
        raise InputError(f"{gene}: allele function(s) {', '.join(unknown)} have no phenotype rule; update "
                         "genotailor.kb.pgx_phenotypes")
    return found


def _g6pd(data, tables) -> dict:
    found = _functions(data, G6PD_CLASSES, "G6PD")
    table = {f: g6pd_phenotype([f]) for f in found}
    for a, b in combinations_with_replacement(found, 2):
        table["|".join(sorted([a, b]))] = g6pd_phenotype([a, b])
    return {"kind": "function_pair", "table": dict(sorted(table.items()))}


def _ifnl3(data, tables) -> dict:
    found = _functions(data, IFNL3_FUNCTIONS, "IFNL3")
    table = {}
    for a, b in combinations_with_replacement(found, 2):
        unfavorable = "unfavorable" in (IFNL3_FUNCTIONS[a], IFNL3_FUNCTIONS[b])
        table["|".join(sorted([a, b]))] = ("Unfavorable" if unfavorable else "Favorable") + " response genotype"
    return {"kind": "function_pair", "table": dict(sorted(table.items()))}


def _ryr1(data, tables) -> dict:
    if not any(a["function"] == RYR1_CAUSATIVE for a in data["alleles"]):
        raise InputError(f"RYR1: no allele has the function {RYR1_CAUSATIVE!r}")
    return {"kind": "carrier", "functions": [RYR1_CAUSATIVE], "carrier": "Malignant Hyperthermia Susceptibility",
            "otherwise": "Uncertain Susceptibility"}


RULES = {"CYP2D6": _cyp2d6, "G6PD": _g6pd, "IFNL3": _ifnl3, "RYR1": _ryr1}


def cpic_term(gene: str, term: str) -> str:
    """pypgx's phenotype term in CPIC's spelling."""
    term = TERM_MAP.get(gene, {}).get(term, term)
    return term.removeprefix("G6PD ") if gene == "G6PD" else term


# --- checks -------------------------------------------------------------------------------------


def _split(diplotype: str, names: set):
    """The two allele names of a pypgx diplotype (names may hold '/' only in principle)."""
    cuts = [(diplotype[:i], diplotype[i + 1:]) for i, ch in enumerate(diplotype) if ch == "/"]
    cuts = [c for c in cuts if c[0] in names and c[1] in names]
    return cuts[0] if len(cuts) == 1 else None


def check_rule(gene: str, data: dict, tables: PypgxTables, matched: dict) -> dict:
    """Compare the rule's phenotype with pypgx's for every pypgx diplotype whose alleles matched."""
    from genotailor.pgx.definitions import gene_from_dict
    from genotailor.pgx.matcher import phenotype_of

    definition = gene_from_dict(data)
    rows = tables.alleles.get(gene, [])
    names = {r["StarAllele"] for r in rows}
    hemizygous_marker = {r["StarAllele"] for r in rows if r["Function"] == "Sex Chromosome"}
    stats = Counter()
    disagreeing = []  # the pypgx allele names of each disagreeing diplotype
    examples = []
    for diplotype, phenotype in tables.diplotypes.get(gene, []):
        stats["pypgx_diplotypes"] += 1
        pair = _split(diplotype, names)
        if pair is None:
            stats["not_read"] += 1
            continue
        pair = [n for n in pair if n not in hemizygous_marker]
        if not pair or any(n not in matched for n in pair):
            stats["allele_not_matched"] += 1
            continue
        alleles = [matched[n][0] for n in pair]
        got = phenotype_of(definition, alleles)[0]
        expected = cpic_term(gene, phenotype)
        stats["compared"] += 1
        if got == expected:
            stats["same_phenotype"] += 1
            continue
        stats["different_phenotype"] += 1
        disagreeing.append(set(pair))
        if len(examples) < 5:
            examples.append(f"{diplotype}: pypgx {expected}, rule {got}")
    out = {k: stats[k] for k in ("pypgx_diplotypes", "compared", "same_phenotype", "different_phenotype",
                                 "allele_not_matched", "not_read")}
    if disagreeing:
        # The fewest alleles that every disagreeing diplotype contains one of (greedy): usually
        # alleles whose diplotype rows do not follow the function pypgx's allele table states.
        cover, left = [], disagreeing
        while left:
            name = min(Counter(n for pair in left for n in pair).items(), key=lambda kv: (-kv[1], kv[0]))[0]
            cover.append(name)
            left = [pair for pair in left if name not in pair]
        out["every_disagreement_involves_one_of"] = cover
        out["examples"] = examples
    return out


def check_terms(gene: str, method: dict, tables: PypgxTables):
    """The rule's terms must be phenotypes pypgx lists for the gene (in CPIC spelling)."""
    from genotailor.pgx.definitions import GeneDefinition
    from genotailor.pgx.matcher import phenotype_terms

    listed = {cpic_term(gene, t) for t in tables.phenotypes.get(gene, [])}
    terms = phenotype_terms(GeneDefinition(gene, "", "", "", [], [], {}, method))
    extra = terms - listed
    if extra:
        raise InputError(f"{gene}: phenotype term(s) {', '.join(sorted(extra))} are not in pypgx's phenotype table")


# --- one gene -----------------------------------------------------------------------------------


def add_phenotype_facts(data: dict, tables: PypgxTables | None) -> dict:
    """Fill the gene's allele facts and phenotype method in `data` from pypgx (genes in RULES) or
    the statement that CPIC defines no phenotype (NO_PHENOTYPE); return the manifest entries for
    what it supplied ({} when the gene is not one of them)."""
    gene = data["gene"]
    if gene in NO_PHENOTYPE:
        data["phenotype_method"] = {"kind": "none", "reason": NO_PHENOTYPE[gene]}
        return {"phenotypes": {"source": None, "note": NO_PHENOTYPE[gene]}}
    if gene not in RULES or tables is None:
        return {}
    rows = tables.alleles.get(gene, [])
    matched = match_alleles(data, rows)
    had_functions = any(a["function"] is not None for a in data["alleles"])
    counts = apply_allele_facts(data, rows, matched)
    method = RULES[gene](data, tables)
    check_terms(gene, method, tables)
    data["phenotype_method"] = method
    files = (["diplotype-table.csv"] if tables.diplotypes.get(gene) else []) + ["phenotype-table.csv"] + (
        ["equation-table.csv"] if method["kind"] == "activity_sum" else [])
    entry = {
        "phenotypes": {**tables.source("allele-table.csv", *files), "method": method["kind"],
                       "rule": "CPIC definitions (see genotailor.kb.pgx_phenotypes)"},
    }
    if not had_functions:
        entry["allele_functions"] = {**tables.source("allele-table.csv"), **counts}
    if tables.diplotypes.get(gene):
        entry["phenotypes"]["check_against_pypgx_diplotypes"] = check_rule(gene, data, tables, matched)
    return entry


# --- compact diplotype tables ---------------------------------------------------------------------

def compact_table(data: dict) -> dict | None:
    """The gene's diplotype table as a `lookup_pair` phenotype method, or None.

    CPIC assigns a diplotype's phenotype and activity score from its two alleles' function and
    activity value, so thousands of rows (CFTR: 5,460) reduce to one row per pair of allele
    kinds. The method is returned only if it gives exactly the table's answer, phenotype and
    activity score, for every pair of the gene's alleles and every single allele, including
    "no entry" where the table has none; otherwise the table stays as it is."""
    table = data.get("phenotypes") or {}
    if not table or data.get("phenotype_method") or any(e.get("note") for e in table.values()):
        return None  # (a row's note, such as a sub-allele's borrowed function, must be kept)
    key = {a["name"]: allele_kind(a.get("function"), a.get("activity_value")) for a in data["alleles"]}
    names = sorted(key)
    compact: dict = {}
    rows = set()
    for combo in [(n,) for n in names] + list(combinations_with_replacement(names, 2)):
        row = "/".join(sorted(combo))
        rows.add(row)
        entry = table.get(row)
        k = " + ".join(sorted(key[n] for n in combo))
        value = None if entry is None else {"phenotype": entry.get("phenotype"),
                                            "activity_score": entry.get("activity_score")}
        if k in compact and compact[k] != value:
            return None  # the table depends on more than function and activity value
        compact[k] = value
    if not set(table) <= rows:
        return None  # rows for alleles the definitions do not have
    return {"kind": "lookup_pair", "key": "function @ activity value of each allele",
            "table": {k: v for k, v in sorted(compact.items()) if v is not None}}
