"""Pharmacogenomics: star-allele diplotypes, phenotypes and drug recommendations."""

# The knowledge base shipped with the workflow (genes/*.json, positions.tsv, recommendations).
from genotailor.core.paths import PGX_KB as DEFAULT_KB  # noqa: F401  (the PGx packages' default)

# Genes called from the VCF. CYP2D6 is combined with its copy number from read depth where it was
# measured (`cyp2d6_structure`); otherwise it carries the limitation (no copy number, hybrids or *5).
CALLED_GENES = (
    "ABCG2", "CACNA1S", "CFTR", "CYP2B6", "CYP2C19", "CYP2C9", "CYP2D6", "CYP3A4", "CYP3A5",
    "CYP4F2", "DPYD", "G6PD", "IFNL3", "NAT2", "NUDT15", "RYR1", "SLCO1B1", "TPMT", "UGT1A1",
    "VKORC1",
)

SEXES = ("female", "male", "unknown")
