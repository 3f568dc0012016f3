"""Inherited disease: diagnostic gene panels and consented ACMG secondary findings from a germline VCF
(runtime: reads the compiled ClinVar table, the panels file and the ACMG SF list only)."""
