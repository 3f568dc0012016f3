"""`genotailor dev sheet`: N synthetic patients that pass every sheet check."""

import os

from genotailor.core.samplesheet import load_sheet
from genotailor.dev.sheet import write_sheet


def test_synthetic_sheet_of_three_patients_passes_the_sheet_checks(tmp_path):
    sheet = load_sheet(write_sheet(3, tmp_path / "cohort.yaml"), check_files=True, verify_checksums=False)
    assert [p.id for p in sheet.patients] == ["SYN00001", "SYN00002", "SYN00003"]
    kinds = {s.id: (s.kind, s.entry) for s in sheet.samples()}
    assert kinds["SYN00002-N"] == ("germline", "fastq")
    assert kinds["SYN00002-T"] == ("tumor", "fastq")
    assert kinds["SYN00002-dna"] == ("germline", "vcf")
    assert len(kinds) == 9


def test_synthetic_patients_get_hard_links_not_copies(tmp_path):
    write_sheet(2, tmp_path / "cohort.yaml")
    one, two = (tmp_path / "cohort-files" / f"SYN0000{i}-T_L001_R1.fastq.gz" for i in (1, 2))
    assert os.path.samefile(one, two) and os.stat(one).st_nlink >= 3
