"""genotailor: per-patient precision-medicine reports from sequencing data."""

__version__ = "0.1.0"
