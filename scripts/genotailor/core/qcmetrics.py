"""The quality-control metrics by name, in words: the QC step names a gate by its metric
(`q30_rate`), and every text a person reads (the report, the ledger's reasons) says it with these
phrases instead."""

from __future__ import annotations

METRIC_WORDS = {
    "reads_before_filtering": "Reads before filtering",
    "reads_after_filtering": "Reads after filtering",
    "q30_rate": "Bases with quality ≥ Q30",
    "adapter_trimmed_rate": "Reads with adapters trimmed",
    "insert_size_peak": "Insert size (peak)",
    "primary_reads": "Primary reads",
    "mapped_rate": "Reads mapped",
    "duplication_rate": "Duplicate reads",
    "loci_in_panel": "Biomarker loci in the panel",
    "loci_covered_rate": "Biomarker loci covered",
    "loci_mean_depth": "Mean depth at biomarker loci",
    "vcf_records": "Records in the VCF",
}


def metric_words(name: str) -> str:
    """'q30_rate' -> 'Bases with quality ≥ Q30'; an unknown name with its underscores as spaces."""
    return METRIC_WORDS.get(name) or name.replace("_", " ")
