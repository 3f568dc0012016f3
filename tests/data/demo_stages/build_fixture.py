"""Copy the stage outputs of a finished demo run into this folder, gzipped (byte-identical for the
same inputs): `python tests/data/demo_stages/build_fixture.py RESULTS` (RESULTS: the demo's
`results/` folder, after `make demo`). tests/test_report_faithful.py assembles every demo
patient's report from them."""

from __future__ import annotations

import gzip
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PATIENTS = ("GERM01", "GERM02", "LOWQ01", "LUNG01", "PGX001", "TUMOR01", "VCF001")
# the report rule's inputs (workflow/rules/report.smk): QC and normalization summary per sample,
# the PGx, somatic, germline and ledger stages per patient
FOLDERS = ("qc", "calls", "pgx", "somatic", "germline", "ledger")


def _gzip(src: Path, dst: Path, root: Path) -> None:
    """`src` gzipped to `dst`, with paths under the run's folder `root` made relative to it."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    data = src.read_bytes().replace(f"{root}/".encode(), b"")
    with open(dst, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as out:
        out.write(data)


def main(results: Path) -> None:
    results = results.resolve()
    for patient in PATIENTS:
        shutil.rmtree(HERE / patient, ignore_errors=True)
        for folder in FOLDERS:
            for src in sorted((results / patient / folder).glob("*.json")):
                _gzip(src, HERE / patient / folder / (src.name + ".gz"), results.parent)
    _gzip(results / "provenance" / "provenance.json", HERE / "provenance.json.gz", results.parent)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
