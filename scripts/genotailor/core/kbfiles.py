"""Where the compiled knowledge bases live, and readers of the files more than one stage reads.

The PGx positions table feeds forced genotyping and coverage (steps) as well as the PGx engine; the
hotspot table feeds the loci and the somatic annotation. Both are written by `genotailor kb-*`
builders; nothing here builds them.
"""

from __future__ import annotations

import csv
from pathlib import Path

from genotailor.core.errors import InputError
from genotailor.core.paths import GERMLINE_KB, PGX_KB


def load_positions(kb_dir: Path = PGX_KB) -> list[tuple[str, int, str, tuple[str, ...], str, str]]:
    """Every PGx knowledge-base position as (chrom, pos, ref, alts, gene, rsid), sorted."""
    out = []
    with open(Path(kb_dir) / "positions.tsv") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            chrom, pos, ref, alts, gene, rsid = line.rstrip("\n").split("\t")
            out.append((chrom, int(pos), ref, tuple(alts.split(",")), gene, rsid))
    return out


def read_hotspots(path) -> list[dict]:
    """The cancer hotspot table: one dict per row, keyed by the header."""
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def load_germline_panels(kb_dir: Path = GERMLINE_KB) -> dict:
    """The diagnostic panels file: {"panels": {name: {title, genes, source}}, "mechanism": {gene: ...}}."""
    from genotailor.core.yamlio import load_yaml

    return load_yaml((Path(kb_dir) / "panels.yaml").read_text())


def load_acmg_sf(kb_dir: Path = GERMLINE_KB) -> dict:
    """The compiled ACMG secondary-findings list (genes with inheritance and reportable-variant rule)."""
    import json

    return json.loads((Path(kb_dir) / "acmg_sf.json").read_text())


def indication_genes(indications, kb_dir: Path = GERMLINE_KB) -> list[str]:
    """The genes of a patient's indications (panel names or gene symbols), in first-seen order."""
    panels = load_germline_panels(kb_dir)["panels"]
    genes = []
    for item in indications:
        genes += panels[item]["genes"] if item in panels else [item]
    return list(dict.fromkeys(genes))


def clinvar_gene_coverage(kb_dir: Path = GERMLINE_KB) -> dict:
    """What the compiled ClinVar table holds: {"release": "YYYY-MM-DD", "gene_coverage": {gene: {chrom,
    start, end, records}}} — a gene absent from it has no ClinVar record in this knowledge base, so no
    negative can be stated for it."""
    import json

    path = Path(kb_dir) / "manifest.json"
    if not path.is_file():
        raise InputError(f"{path}: knowledge-base manifest not found — build the ClinVar table with "
                         "genotailor kb-build-clinvar (or genotailor kb-update clinvar)")
    clinvar = json.loads(path.read_text()).get("clinvar") or {}
    if "gene_coverage" not in clinvar or "release" not in clinvar:
        raise InputError(f"{path}: the ClinVar entry does not list the genes it holds (clinvar.gene_coverage) — "
                         "rebuild it with genotailor kb-build-clinvar or genotailor kb-update clinvar")
    return {"release": clinvar["release"], "gene_coverage": clinvar["gene_coverage"]}
