"""The package's layers hold: contracts (import-linter), no import circle, one tool runner."""

import re
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "scripts" / "genotailor"


def test_the_import_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    proc = subprocess.run([str(lint), "--no-cache", "--config", str(ROOT / "pyproject.toml")], cwd=ROOT,
                          capture_output=True, text=True, env={"PYTHONPATH": str(ROOT / "scripts"), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Contracts: 2 kept, 0 broken." in proc.stdout


def test_no_module_imports_itself_through_a_circle():
    graph = grimp.build_graph("genotailor")
    circles = []
    for module in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back:
                circles.append(" -> ".join((module, *back)))
    assert circles == []


def test_only_the_tool_runner_starts_processes():
    users = sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
                   if re.search(r"\bsubprocess\b|\bos\.system\b|\bPopen\b", p.read_text()))
    assert users == ["core/tools.py"]


def test_the_runtime_packages_read_no_knowledge_base_builder():
    graph = grimp.build_graph("genotailor")
    for runtime in ("genotailor.core", "genotailor.steps", "genotailor.pgx", "genotailor.oncology", "genotailor.germline",
                    "genotailor.report"):
        assert not graph.chain_exists(importer=runtime, imported="genotailor.kb", as_packages=True), runtime
