"""Readers of the published PGx source tables the independent PGx suites take their truth from.

PharmCAT's allele definitions (PharmVar/CPIC), CPIC's allele-function and diplotype -> phenotype
rows (PharmCAT's phenotype files) and pypgx's CPIC-derived tables, as cut into
`tests/data/pgx_sources/truth/` (chosen alleles, plain files) and `tests/data/pgx_sources/all/`
(every allele and row, gzipped) by `truth/build_excerpt.py`. Genotypes are written from the
definitions here, never through the engine's knowledge base, matcher or renderer.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from collections import Counter
from functools import cache
from pathlib import Path

from conftest import write_vcf

SOURCES = Path(__file__).parent / "data" / "pgx_sources"
IUPAC = {"R": "AG", "Y": "CT", "S": "CG", "W": "AT", "K": "GT", "M": "AC", "B": "CGT", "D": "AGT", "H": "ACT",
         "V": "ACG", "N": "ACGT"}
PS = 41  # phase set of phased VCFs

# pypgx spells some names and terms differently from PharmCAT and CPIC's report wording.
PYPGX_NAME = {"IFNL3": {"rs12979860 reference (C)": "Reference", "rs12979860 variant (T)": "rs12979860"}}
PYPGX_TERM = {
    "IFNL3": {"Favorable Response": "Favorable response genotype",
              "Unfavorable Response": "Unfavorable response genotype"},
    "G6PD": {"G6PD Normal": "Normal", "G6PD Deficient": "Deficient", "G6PD Variable": "Variable",
             "G6PD Deficient with CNSHA": "Deficient with CNSHA", "G6PD Indeterminate": "Indeterminate"},
}

# pypgx's G6PD diplotype rows of these alleles predate its own allele table, which (like CPIC's
# G6PD allele table of this release) gives them "Unknown Function"; pypgx's rows of every other
# unknown-function allele, and CPIC's rule, make a pair with such an allele "Indeterminate" (and a
# male carrying one). Checked by tests/test_pgx_allpairs.py.
G6PD_UNKNOWN_FUNCTION_WITH_OLDER_ROWS = {"Cairo", "No name"}


def _base(code: str | None, ref: str, reference_code: str | None) -> str:
    """The VCF allele a haplotype carries where its definition says `code` (None: the reference
    allele's definition applies; an IUPAC code: the reference base when allowed, else the first)."""
    if code is None:
        code = reference_code if reference_code is not None else ref
    if code in IUPAC:
        return ref if ref in IUPAC[code] else IUPAC[code][0]
    return code


class Sources:
    """The source tables in one folder (`truth` or `all`); a file may be stored gzipped."""

    def __init__(self, folder: str):
        self.root = SOURCES / folder

    def _text(self, rel: str) -> str | None:
        path = self.root / rel
        if path.exists():
            return path.read_text()
        gz = path.with_name(path.name + ".gz")
        return gzip.decompress(gz.read_bytes()).decode() if gz.exists() else None

    # --- the files ---------------------------------------------------------------------------

    @cache
    def definitions(self, gene: str) -> dict:
        return json.loads(self._text(f"definitions/{gene}_translation.json"))

    @cache
    def cpic_phenotypes(self, gene: str) -> dict | None:
        text = self._text(f"phenotypes/{gene}.json")
        return json.loads(text) if text is not None else None

    @cache
    def pypgx(self, table: str) -> list[dict]:
        return list(csv.DictReader(io.StringIO(self._text(f"pypgx/{table}"))))

    # --- alleles and genotypes ---------------------------------------------------------------

    def allele_names(self, gene: str) -> list[str]:
        return [a["name"] for a in self.definitions(gene)["namedAlleles"]]

    def reference_name(self, gene: str) -> str:
        return next(a["name"] for a in self.definitions(gene)["namedAlleles"] if a["reference"])

    def haplotype(self, gene: str, names: list[str]) -> dict[int, str]:
        """{position: allele} of one chromosome carrying the named alleles (non-reference positions
        only), read from the definition file; two alleles may not disagree at a position."""
        d = self.definitions(gene)
        by_name = {a["name"]: a["alleles"] for a in d["namedAlleles"]}
        ref_alleles = by_name[self.reference_name(gene)]
        out: dict[int, str] = {}
        for name in names:
            for i, v in enumerate(d["variants"]):
                if by_name[name][i] is None:
                    continue
                allele = _base(by_name[name][i], v["ref"], ref_alleles[i])
                if allele != v["ref"]:
                    assert out.get(v["position"], allele) == allele, (gene, names, v["position"])
                    out[v["position"]] = allele
        return out

    def background(self, gene: str) -> dict[int, str]:
        """{position: allele} where the reference allele's own definition is not the VCF reference
        base (CYP2D6's *1 allows two bases at two positions): what an unnamed position carries."""
        d = self.definitions(gene)
        ref_alleles = next(a["alleles"] for a in d["namedAlleles"] if a["reference"])
        out = {}
        for i, v in enumerate(d["variants"]):
            allele = _base(ref_alleles[i], v["ref"], None)
            if allele != v["ref"]:
                out[v["position"]] = allele
        return out

    def source_vcf(self, tmp_path, gene: str, hap1: dict[int, str], hap2: dict[int, str] | None, phased=False,
                   name="case"):
        """A VCF with a record at every defining position of the source's definition file: the
        reference base unless a haplotype carries another allele; hap2 None writes haploid genotypes."""
        d = self.definitions(gene)
        background = self.background(gene)
        records = []
        for v in d["variants"]:
            pos, ref = v["position"], v["ref"]
            a1 = hap1.get(pos, background.get(pos, ref))
            if hap2 is None:
                alts = [a for a in [a1] if a != ref] or v["alts"][:1]
                records.append((d["chromosome"], pos, ref, ",".join(alts), str([ref, *alts].index(a1))))
                continue
            a2 = hap2.get(pos, background.get(pos, ref))
            alts = [a for a in dict.fromkeys([a1, a2]) if a != ref] or v["alts"][:1]
            alleles = [ref, *alts]
            sep = "|" if phased else "/"
            gt = f"{alleles.index(a1)}{sep}{alleles.index(a2)}" + (f":{PS}" if phased else "")
            records.append((d["chromosome"], pos, ref, ",".join(alts), gt))
        return write_vcf(tmp_path / f"{name}.vcf.gz", records, contigs=((d["chromosome"], None),))

    # --- expected phenotypes -----------------------------------------------------------------

    def cpic_functions(self, gene: str) -> dict[str, str]:
        """CPIC's allele functions of the gene's alleles kept (PharmCAT's phenotype file; none without one)."""
        p = self.cpic_phenotypes(gene)
        return {a["name"]: a["functionValue"] for a in p["namedAlleles"]} if p else {}

    @cache
    def _cpic_rows(self, gene: str) -> dict:
        out: dict = {}
        for r in self.cpic_phenotypes(gene)["diplotypes"]:
            out.setdefault(frozenset(Counter(r["diplotypekey"]).items()), []).append(r)
        return out

    def cpic_row(self, gene: str, a1: str, a2: str) -> dict | None:
        """CPIC's diplotype row of a pair (PharmCAT's phenotype file); None when the file has none."""
        rows = self._cpic_rows(gene).get(frozenset(Counter([a1, a2]).items()), [])
        assert len(rows) <= 1, (gene, a1, a2, rows)
        return rows[0] if rows else None

    @cache
    def cyp2d6_activity_values(self) -> dict[str, str]:
        return {r["StarAllele"]: r["ActivityScore"] for r in self.pypgx("allele-table.csv") if r["Gene"] == "CYP2D6"}

    def cyp2d6_phenotype_of_score(self, score: float) -> str:
        """CPIC's CYP2D6 activity-score ranges (pypgx equation table)."""
        for r in self.pypgx("equation-table.csv"):
            if r["Gene"] != "CYP2D6":
                continue
            low, high = re.fullmatch(r"([\d.]+) <= score(?: < ([\d.]+))?", r["Equation"]).groups()
            if float(low) <= score and (high is None or score < float(high)):
                return r["Phenotype"]
        raise AssertionError(f"no CYP2D6 range holds {score}")

    def cyp2d6_expected(self, a1: str, a2: str) -> tuple[str, float] | None:
        """CPIC's CYP2D6 phenotype: the sum of the alleles' activity values (pypgx allele table), placed
        in CPIC's activity-score ranges; None when an allele has no activity value there."""
        values = self.cyp2d6_activity_values()
        try:
            score = float(values[a1]) + float(values[a2])
        except (KeyError, ValueError):
            return None
        return self.cyp2d6_phenotype_of_score(score), score

    @cache
    def _pypgx_rows(self, gene: str) -> dict:
        out: dict = {}
        for r in self.pypgx("diplotype-table.csv"):
            if r["Gene"] == gene:
                out.setdefault(frozenset(Counter(r["Diplotype"].split("/")).items()), []).append(r)
        return out

    def pypgx_phenotype(self, gene: str, a1: str, a2: str) -> str | None:
        """The phenotype of a pair (a2 "MALE": a hemizygous G6PD allele) in pypgx's diplotype table
        (G6PD_UNKNOWN_FUNCTION_WITH_OLDER_ROWS: Indeterminate); None when the table has no row for it."""
        if gene == "G6PD" and G6PD_UNKNOWN_FUNCTION_WITH_OLDER_ROWS & {a1, a2}:
            return "Indeterminate"
        names = PYPGX_NAME.get(gene, {})
        rows = self._pypgx_rows(gene).get(frozenset(Counter([names.get(a1, a1), names.get(a2, a2)]).items()), [])
        assert len(rows) <= 1, (gene, a1, a2, rows)
        if not rows:
            return None
        term = rows[0]["Phenotype"]
        return PYPGX_TERM.get(gene, {}).get(term, term)

    def expected(self, gene: str, a1: str, a2: str) -> tuple[str | None, str | float | None] | None:
        """(phenotype, activity score) the sources give a diplotype (CYP2D6's score as a number);
        None when the sources have no row for the pair."""
        if gene == "CYP2D6":
            return self.cyp2d6_expected(a1, a2)
        if gene in ("G6PD", "IFNL3", "RYR1"):
            phenotype = self.pypgx_phenotype(gene, a1, a2)
            return None if phenotype is None else (phenotype, None)
        if gene == "CYP4F2":
            return None, None
        row = self.cpic_row(gene, a1, a2)
        return None if row is None else (row["phenotype"], row["activityScore"])


TRUTH = Sources("truth")
ALL = Sources("all")
