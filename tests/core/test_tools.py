"""The one tool runner: argv lists, stderr to the step's log, missing and failing tools named."""

import gzip
import os
import subprocess

import pytest

from genotailor.core import tools
from genotailor.core.tools import ToolError, capture, pipeline, run


def test_a_missing_tool_is_named_with_the_package_that_installs_it(monkeypatch):
    monkeypatch.setitem(tools.PACKAGES, "no-such-tool-xyz", "xyz-utils")
    with pytest.raises(ToolError) as err:
        run(["no-such-tool-xyz", "--help"], "testing")
    assert str(err.value) == (
        "no-such-tool-xyz is not installed (not on PATH): install it (Debian/Ubuntu, as root: apt-get install "
        "xyz-utils; or `make tools`), or run the workflow with `--sdm conda`")
    assert err.value.tool == "no-such-tool-xyz"


def test_a_failing_tool_is_reported_with_its_name_exit_code_and_stderr_tail(tmp_path, capfd):
    missing = tmp_path / "absent.vcf.gz"
    with pytest.raises(ToolError) as err:
        run(["bcftools", "view", missing], f"VCF {missing}: reading")
    e = err.value
    assert (e.tool, e.returncode) == ("bcftools", 255)
    assert str(e).startswith(f"VCF {missing}: reading failed: bcftools exited with code 255:\n")
    assert "No such file or directory" in e.stderr_tail
    # the tool's own messages also reach this process's stderr, i.e. the step's log
    assert "No such file or directory" in capfd.readouterr().err


def test_a_pipeline_fails_when_its_first_command_fails_even_if_the_last_succeeds(tmp_path):
    out = tmp_path / "out.txt"
    with pytest.raises(ToolError) as err:
        # gzip -dc fails on a file that is not gzip; cat, downstream, exits 0 on the partial input
        not_gzip = tmp_path / "plain.gz"
        not_gzip.write_text("not compressed\n")
        pipeline([["gzip", "-dc", not_gzip], ["cat"]], "decompressing", stdout=out)
    assert err.value.tool == "gzip"
    assert err.value.returncode == 1
    assert "not in gzip format" in str(err.value)


def test_a_command_killed_by_sigpipe_is_not_blamed_for_a_later_failure(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("x\n" * 2_000_000)
    with pytest.raises(ToolError) as err:
        # `false` stops reading at once, so cat dies of SIGPIPE; the cause is `false`
        pipeline([["cat", big], ["false"]], "copying")
    assert err.value.tool == "false"
    assert err.value.returncode == 1


def test_paths_with_spaces_and_quotes_are_single_arguments(tmp_path):
    folder = tmp_path / "a folder with 'quotes' and spaces"
    folder.mkdir()
    src = folder / "my reads.txt"
    src.write_text("line one\nline two\n")
    out = folder / "copy of reads.txt.gz"
    pipeline([["cat", src], ["gzip", "-n"]], "copying", stdout=out)
    assert gzip.decompress(out.read_bytes()) == b"line one\nline two\n"
    assert capture(["wc", "-l", src], "counting").split()[0] == "2"


def test_a_shell_string_is_refused():
    with pytest.raises(TypeError):
        run("echo hello", "testing")


def test_the_versions_of_the_tools_a_process_ran_are_recorded(monkeypatch):
    monkeypatch.setattr(tools, "_ran", {})
    run(["bcftools", "--version"], "asking bcftools")
    versions = tools.tool_versions()
    assert list(versions) == ["bcftools"]
    expected = subprocess.run(["bcftools", "--version"], capture_output=True, text=True).stdout.split()[1]
    assert versions["bcftools"] == expected


def test_stdin_from_a_file(tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("b\na\n")
    assert capture(["sort"], "sorting") == ""  # no stdin given: the command reads nothing
    assert pipeline([["sort"]], "sorting", stdout=subprocess.PIPE, stdin=src) == "a\nb\n"
    assert os.path.exists(src)
