"""Where the workflow's own files are: the repository root, its schemas and knowledge bases."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
SCHEMAS = REPO / "workflow" / "schemas"
RESOURCES = REPO / "workflow" / "resources"
PGX_KB = RESOURCES / "pgx"
HOTSPOTS = RESOURCES / "oncology" / "hotspots.tsv"
ONCOLOGY_KB = RESOURCES / "oncology"
TRANSCRIPT_MODELS = RESOURCES / "annotation" / "GRCh38.MANE_v1.5_Select.panel.gff3.gz"
GERMLINE_KB = RESOURCES / "germline"
