#!/usr/bin/env python3
"""Mutation score of the decision modules (`make mutation`): mutmut 3 mutates one module at a time
and runs that module's fast tests against every mutant.

mutmut imports the mutated code from `mutants/src/`, so each module gets a workspace under
`.mutation/<name>/` whose `src` is a link to `scripts/` and whose `tests` is a link to
`tests/`; `mutants/workflow`, `mutants/config` and `mutants/test-data` link back to the repository
(the package finds its knowledge bases three folders above `genotailor/core/paths.py`). Nothing in
the repository is changed. A re-run continues where the last one stopped (delete the workspace to
start again). Each module's killed / survived / timeout counts, its score and its seconds land in
`.mutation/summary.json`; `mutmut results` and `mutmut show NAME` in a workspace list and
show the survivors.

Usage: python scripts/mutation.py [--jobs N] [--survivors] [MODULE ...]   (MODULE as in MODULES, e.g.
steps/qc.py; --survivors tests the last run's survivors again, after tests were added)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# not under results/: its links back into the repository would (rightly) stop every workflow run
# in this folder, which refuses any symbolic link under results/ and logs/ (core.workdir)
WORKDIR = REPO / ".mutation"
FAST = ["-m", "not workflow", "-x", "-q", "-p", "no:cacheprovider"]

# the all-pairs suite's quick part: every pair of the genes with few alleles, the G6PD males, TPMT *3B/*3C
PGX_ALLPAIRS_FAST = [
    *(f"tests/test_pgx_allpairs.py::test_every_pair_of_the_genes_named_alleles_is_called_as_the_sources_say[{g}]"
      for g in ("ABCG2", "CACNA1S", "CYP3A5", "IFNL3", "NUDT15", "TPMT", "UGT1A1", "VKORC1", "CYP2C19")),
    "tests/test_pgx_allpairs.py::test_g6pd_males_get_each_alleles_sources_phenotype",
    "tests/test_pgx_allpairs.py::test_tpmt_star3b_star3c_unphased_is_reported_as_ambiguous_with_star1_star3a",
]

# module (under scripts/genotailor/) -> the fast tests that exercise it (pytest arguments)
MODULES = {
    "steps/qc.py": ["tests/test_qc_and_somatic.py", "tests/test_qc_metrics.py", "tests/test_thresholds.py",
                    "tests/test_cli_options.py", "tests/test_cohort_qc.py", "tests/test_stage_schemas.py",
                    "tests/test_ledger.py"],
    "germline/classify.py": ["tests/test_germline.py", "tests/test_germline_meaning.py",
                             "tests/test_germline_clinvar_classes.py", "tests/test_germline_consent.py",
                             "tests/test_cli_options.py"],
    "core/consent.py": ["tests/test_consent_regions.py", "tests/test_germline.py", "tests/test_thresholds.py",
                        "tests/test_cli_options.py", "tests/test_germline_consent.py", "tests/test_data_protection.py"],
    "oncology/readcounts.py": ["tests/test_oncology_readcounts.py", "tests/test_oncology_readcounts_edges.py",
                               "tests/test_vaf_tags.py", "tests/test_multiallelic_vaf.py"],
    "oncology/actionability.py": ["tests/test_oncology_tiers.py", "tests/test_oncology_tier_edges.py",
                                  "tests/test_somatic_listing.py",
                                  "tests/test_therapy_synthesis.py", "tests/test_oncology_msi.py",
                                  *(f"tests/test_oncology_copynumber.py::{t}" for t in (  # its tiering tests only
                                      "test_erbb2_amplification_in_breast_cancer_is_tier_one_with_anti_her2_therapies_at_level_a",
                                      "test_a_gene_without_a_call_or_not_assessed_gets_no_tier",
                                      "test_a_one_copy_loss_matches_gene_loss_evidence_at_tier_two_at_most"))],
    "oncology/synthesis.py": ["tests/test_therapy_synthesis.py", "tests/test_therapy_synthesis_edges.py",
                              "tests/test_report_summary.py",
                              "tests/test_somatic_listing.py"],
    "report/fhir.py": ["tests/test_fhir_meaning.py", "tests/test_report_outputs.py", "-k", "fhir or meaning",
                       "tests/test_report_not_a_result.py"],
    "pgx/matcher.py": ["tests/test_pgx_genes.py", "tests/test_pgx_phenotypes.py", "tests/test_pgx_ambiguity.py",
                       "tests/test_pgx_cyp2c19.py", "tests/test_pgx_truth.py", "tests/test_pgx_phenotype_sources.py",
                       "tests/test_pgx_cyp2d6_ranking.py", *PGX_ALLPAIRS_FAST],
    "pgx/rules.py": ["tests/test_pgx_phenotypes.py", "tests/test_pgx_genes.py", "tests/test_pgx_cpic_rows.py",
                     "tests/test_pgx_truth.py", "tests/test_pgx_ploidy.py", "tests/test_pgx_cyp2d6_ranking.py",
                     "tests/test_pgx_ambiguity.py"],
    "pgx/recommendations.py": ["tests/test_pgx_recommendations.py", "tests/test_pgx_drug_rules.py",
                               "tests/test_pgx_cpic_rows.py", "tests/test_pgx_ambiguity.py",
                               "tests/test_pgx_fast_paths.py", "tests/test_pgx_cis_caveat.py"],
}
LINKED = ("workflow", "config", "test-data")


def workspace(module: str) -> Path:
    """The module's mutmut workspace: links to the code, tests and data, and its [tool.mutmut]."""
    ws = WORKDIR / module.replace("/", "_").removesuffix(".py")
    (ws / "mutants").mkdir(parents=True, exist_ok=True)
    for link, target in (("src", REPO / "scripts"), ("tests", REPO / "tests")):
        if not (ws / link).is_symlink():
            (ws / link).symlink_to(target)
    for name in LINKED:
        if not (ws / "mutants" / name).is_symlink():
            (ws / "mutants" / name).symlink_to(REPO / name)
    selection = ", ".join(json.dumps(a) for a in MODULES[module])
    (ws / "pyproject.toml").write_text(
        "[tool.mutmut]\n"
        'source_paths = ["src/genotailor"]\n'
        f'only_mutate = ["src/genotailor/{module}"]\n'
        f"pytest_add_cli_args_test_selection = [{selection}]\n"
        f"pytest_add_cli_args = [{', '.join(json.dumps(a) for a in FAST)}]\n"
        "use_git_change_detection = false\n\n"
        "[tool.pytest.ini_options]\n"
        'testpaths = ["tests"]\n'
        'markers = ["workflow: runs Snakemake end to end on the demo"]\n')
    return ws


def run(module: str, jobs: int, again=()) -> dict:
    """mutmut over one module; `again`: only these mutants, tested anew (survivors after new tests)."""
    ws = workspace(module)
    # the tests must import the mutated package: no folder holding an unmutated genotailor on the path
    kept = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and not (Path(p) / "genotailor").is_dir()]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(kept)}
    if again:  # mutmut keeps which tests reach which function from its last run; tests changed since
        (ws / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)
    start = time.monotonic()
    subprocess.run([sys.executable, "-m", "mutmut", "run", "--max-children", str(jobs), *again], cwd=ws, env=env,
                   check=False)
    seconds = round(time.monotonic() - start, 1)
    subprocess.run([sys.executable, "-m", "mutmut", "export-cicd-stats"], cwd=ws, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    stats = json.loads((ws / "mutants" / "mutmut-cicd-stats.json").read_text())
    listed = subprocess.run([sys.executable, "-m", "mutmut", "results"], cwd=ws, env=env, check=True,
                            capture_output=True, text=True).stdout
    rows = [line.strip().rsplit(": ", 1) for line in listed.splitlines() if ": " in line]
    # mutmut's own score: killed (a test failed or timed out) of every mutant not skipped; a mutant
    # no selected test reaches ("no tests") counts as surviving
    tested = stats["total"] - stats["skipped"]
    return {"module": module, "tests": MODULES[module], "seconds": seconds, **stats,
            "score": round((stats["killed"] + stats["timeout"]) / tested, 4) if tested else None,
            "survivors": sorted(name for name, status in rows if status in ("survived", "no tests"))}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help="modules under scripts/genotailor/ (default: all)")
    parser.add_argument("--jobs", type=int, default=2, help="mutants tested at once")
    parser.add_argument("--survivors", action="store_true",
                        help="test again only the last run's survivors of each module (after adding tests)")
    args = parser.parse_args(argv)
    unknown = [m for m in args.modules if m not in MODULES]
    if unknown:
        parser.error(f"unknown module(s) {', '.join(unknown)}; choose from {', '.join(MODULES)}")
    summary_path = WORKDIR / "summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.exists() else {}
    for module in args.modules or list(MODULES):
        again = summary.get(module, {}).get("survivors", []) if args.survivors else []
        if args.survivors and not again:
            continue
        result = run(module, args.jobs, again)
        if again:  # the seconds of the whole module stay those of its full run
            result["seconds"] = summary[module]["seconds"]
            # mutmut counts anew only the mutants it ran (and keeps those of the previous --survivors
            # run); every other mutant was killed before (or timed out), and the selection only grows
            tested = result["total"] - result["skipped"]
            result["killed"] = tested - result["survived"] - result["no_tests"] - result["timeout"] - result.get(
                "suspicious", 0) - result.get("segfault", 0)
            result["score"] = round((result["killed"] + result["timeout"]) / tested, 4) if tested else None
        summary[module] = result
        WORKDIR.mkdir(parents=True, exist_ok=True)
        summary_path.write_text(json.dumps(summary, indent=1, sort_keys=True) + "\n")
        print(f"{module}: {result['killed']} killed, {result['survived']} survived, {result['timeout']} "
              f"timed out, {result['no_tests']} reached by no test — score {result['score']} in {result['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
