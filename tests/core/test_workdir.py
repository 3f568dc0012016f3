"""results/ and logs/ hold no symbolic link that would send a job's files elsewhere."""

import os

from genotailor.core.workdir import escaping_links


def test_a_clean_run_directory_has_no_problem(tmp_path):
    (tmp_path / "results" / "P1" / "report").mkdir(parents=True)
    (tmp_path / "logs" / "pgx").mkdir(parents=True)
    assert escaping_links(tmp_path) == []
    assert escaping_links(tmp_path / "absent") == []


def test_results_as_a_link_is_named_with_the_way_to_keep_results_elsewhere(tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "results").symlink_to(tmp_path / "elsewhere")
    assert escaping_links(tmp_path) == [
        f"results is a symbolic link (to {tmp_path}/elsewhere), so the workflow's folder would be written outside "
        f"{tmp_path}/results and {tmp_path}/logs — remove the link; to keep results on another disk, run Snakemake "
        "in a directory there (snakemake --directory DIR)"]


def test_a_dangling_link_is_named_too(tmp_path):
    (tmp_path / "logs").symlink_to("/nonexistent/logs")
    assert escaping_links(tmp_path) == [
        f"logs is a symbolic link (to /nonexistent/logs), so the workflow's file would be written outside "
        f"{tmp_path}/results and {tmp_path}/logs — remove the link; to keep results on another disk, run Snakemake "
        "in a directory there (snakemake --directory DIR)"]


def test_a_patient_folder_an_output_folder_and_an_output_file_as_links_are_each_named(tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "x.html").write_text("")
    (tmp_path / "results" / "P2").mkdir(parents=True)
    (tmp_path / "results" / "P1").symlink_to(other)
    (tmp_path / "results" / "P2" / "report").symlink_to(other)
    (tmp_path / "results" / "P3" / "report").mkdir(parents=True)
    (tmp_path / "results" / "P3" / "report" / "P3.html").symlink_to(other / "x.html")
    problems = escaping_links(tmp_path)
    assert problems == [
        f"results/P1 is a symbolic link (to {other}), so the workflow's folder would be written outside "
        f"{tmp_path}/results and {tmp_path}/logs — remove the link (rm results/P1); the workflow writes its "
        "outputs there itself",
        f"results/P2/report is a symbolic link (to {other}), so the workflow's folder would be written outside "
        f"{tmp_path}/results and {tmp_path}/logs — remove the link (rm results/P2/report); the workflow writes "
        "its outputs there itself",
        f"results/P3/report/P3.html is a symbolic link (to {other}/x.html), so the workflow's file would be written "
        f"outside {tmp_path}/results and {tmp_path}/logs — remove the link (rm results/P3/report/P3.html); the "
        "workflow writes its outputs there itself",
    ]
    # a link does not lead the check elsewhere: other/ is not walked
    assert os.listdir(other) == ["x.html"]


def test_an_imported_bam_linked_by_the_workflow_is_expected_and_only_to_its_own_file(tmp_path):
    bam = tmp_path / "in" / "T.bam"
    bam.parent.mkdir()
    bam.write_bytes(b"")
    (tmp_path / "results" / "P1" / "align").mkdir(parents=True)
    (tmp_path / "results" / "P1" / "align" / "T.bam").symlink_to(bam)
    assert escaping_links(tmp_path, {"results/P1/align/T.bam": bam}) == []
    other = tmp_path / "in" / "U.bam"
    other.write_bytes(b"")
    assert len(escaping_links(tmp_path, {"results/P1/align/T.bam": other})) == 1
