"""The published phenotypes of the diplotypes the demo plants, so that the demo's truth does not
come from the engine it checks.

Facts from CPIC's tables: the diplotype -> phenotype (and activity score) rows of CPIC's gene tables
as PharmCAT distributes them (data version 2025-11-05; CYP2C19, CYP2C9, CYP2B6, CYP3A5, DPYD, NAT2,
NUDT15, SLCO1B1, TPMT, UGT1A1, VKORC1, ABCG2), CPIC's CYP2D6 activity values (*1 1, *4 0) and
activity-score ranges, and CPIC's G6PD, RYR1 and IFNL3 genotype tables (through pypgx's CPIC-derived
diplotype table). CPIC gives CYP4F2 no phenotype. `tests/test_pgx_truth.py` checks every row here
against those source files (excerpts in `tests/data/pgx_sources/truth/`).
"""

from __future__ import annotations

# (gene, the two allele names sorted) -> (phenotype, activity score)
PUBLISHED: dict[tuple[str, tuple[str, ...]], tuple[str, str | None]] = {
    ("ABCG2", ("rs2231142 reference (G)", "rs2231142 reference (G)")): ("Normal Function", None),
    ("CYP2B6", ("*1", "*1")): ("Normal Metabolizer", None),
    ("CYP2C19", ("*1", "*2")): ("Intermediate Metabolizer", None),
    ("CYP2C19", ("*17", "*2")): ("Intermediate Metabolizer", None),
    ("CYP2C19", ("*17", "*17")): ("Ultrarapid Metabolizer", None),  # VCF001's other sample
    ("CYP2C9", ("*1", "*2")): ("Intermediate Metabolizer", "1.5"),
    ("CYP2D6", ("*1", "*4")): ("Intermediate Metabolizer", "1.0"),
    ("CYP3A5", ("*3", "*3")): ("Poor Metabolizer", None),
    ("DPYD", ("Reference", "c.1905+1G>A (*2A)")): ("Intermediate Metabolizer", "1.0"),
    ("G6PD", ("A- 202A_376G", "B (reference)")): ("Variable", None),
    ("IFNL3", ("rs12979860 reference (C)", "rs12979860 reference (C)")): ("Favorable response genotype", None),
    ("IFNL3", ("rs12979860 reference (C)", "rs12979860 variant (T)")): ("Unfavorable response genotype", None),
    ("NAT2", ("*1", "*1")): ("Rapid Metabolizer", None),
    ("NUDT15", ("*1", "*1")): ("Normal Metabolizer", None),
    ("RYR1", ("Reference", "c.7300G>A")): ("Malignant Hyperthermia Susceptibility", None),
    ("SLCO1B1", ("*1", "*5")): ("Decreased Function", None),
    ("TPMT", ("*1", "*3A")): ("Intermediate Metabolizer", None),
    ("UGT1A1", ("*1", "*28")): ("Intermediate Metabolizer", None),
    ("UGT1A1", ("*28", "*36")): ("Intermediate Metabolizer", None),
    ("VKORC1", ("rs9923231 reference (C)", "rs9923231 variant (T)")): ("-1639 AG", None),
}

# Genes CPIC gives no phenotype, with the reason the truth states.
NO_PHENOTYPE = {
    "CYP4F2": "CPIC defines no phenotype for CYP4F2; drug rules use carriage of its alleles (warfarin: "
              "CYP4F2*3), which the diplotype shows",
}


def published_phenotype(gene: str, alleles) -> tuple[str | None, str | None, str | None]:
    """(phenotype, activity score, reason there is none) CPIC publishes for a diplotype."""
    if gene in NO_PHENOTYPE:
        return None, None, NO_PHENOTYPE[gene]
    key = (gene, tuple(sorted(alleles)))
    if key not in PUBLISHED:
        raise KeyError(f"no published phenotype of {gene} {'/'.join(alleles)} in {__name__}: add CPIC's row "
                       "(and its check in tests/test_pgx_truth.py) before planting it")
    phenotype, activity = PUBLISHED[key]
    return phenotype, activity, None
