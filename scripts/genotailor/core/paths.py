"""Where the workflow's own files are: the repository root, its schemas and knowledge bases."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
SCHEMAS = REPO / "workflow" / "schemas"
RESOURCES = REPO / "workflow" / "resources"
PGX_KB = RESOURCES / "pgx"
HOTSPOTS = RESOURCES / "oncology" / "hotspots.tsv"
ONCOLOGY_KB = RESOURCES / "oncology"
MSI_LOCI = RESOURCES / "oncology" / "msi_loci.tsv"
TRANSCRIPT_MODELS = RESOURCES / "annotation" / "GRCh38.MANE_v1.5_Select.panel.gff3.gz"
GERMLINE_KB = RESOURCES / "germline"

# The workflow's own knowledge bases by their config key (`knowledge_base.<key>`). A config that
# leaves a key out, or gives the path config/config.yaml gives (relative to the repository), gets
# these wherever Snakemake runs (core.runconfig.knowledge_bases).
KNOWLEDGE_BASES = {"pgx": PGX_KB, "germline": GERMLINE_KB, "hotspots": HOTSPOTS, "oncology": ONCOLOGY_KB,
                   "transcript_models": TRANSCRIPT_MODELS, "msi_loci": MSI_LOCI}
