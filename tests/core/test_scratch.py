"""Scratch folders are named after the job's output, so what a killed job left is removed when it runs again."""

import pytest

from genotailor.core.scratch import scratch_beside, scratch_path
from genotailor.core.tools import ToolError
from genotailor.steps.coverage import mosdepth


def test_what_a_killed_job_left_is_removed_when_the_job_runs_again(tmp_path):
    out = tmp_path / "calls" / "S1.raw.vcf.gz"
    left = scratch_path(out) / "discovered.bcf"  # as a SIGKILL leaves it
    left.parent.mkdir(parents=True)
    left.write_bytes(b"half")
    with scratch_beside(out) as tmp:
        assert tmp == tmp_path / "calls" / ".S1.raw.vcf.gz.scratch" and list(tmp.iterdir()) == []
        assert tmp.stat().st_mode & 0o077 == 0
        (tmp / "x").write_text("")
    assert list((tmp_path / "calls").iterdir()) == []


def test_scratch_is_removed_when_the_step_fails(tmp_path):
    out = tmp_path / "S1.bam"
    with pytest.raises(RuntimeError), scratch_beside(out) as tmp:
        (tmp / "sort.0000.bam").write_bytes(b"")
        raise RuntimeError
    assert list(tmp_path.iterdir()) == []


def test_failed_mosdepth_leaves_none_of_its_files(tmp_path):
    bed = tmp_path / "loci.bed"
    bed.write_text("chr1\t9\t10\tX\n")
    (tmp_path / "S1.bam").write_bytes(b"not a bam")
    with pytest.raises(ToolError):
        mosdepth(tmp_path / "S1.bam", bed, tmp_path / "S1.loci")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["S1.bam", "loci.bed"]
