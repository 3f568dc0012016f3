# genotailor — set-up, demo, tests. `make demo` and `make test` each set up what they need:
# a .venv with the pinned Python packages, and the command-line tools (see scripts/setup-tools.sh).
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
CORES ?= 2
# Rules run the venv's tools first.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: demo test test-cluster lint tools test-tools venv clean-demo testdata bench mutation

$(STAMP): pyproject.toml
	@$(PYTHON) -m venv --help >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv; \
	  else echo "python3 -m venv is not available: install python3-venv (Debian/Ubuntu)" >&2; exit 1; fi; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip==25.3
	$(VENV)/bin/pip install --quiet -e '.[test]'
	$(VENV)/bin/python -m compileall -q scripts/genotailor
	touch $@

venv: $(STAMP)

tools:
	@scripts/setup-tools.sh

# the workflow's tools plus Debian's chromium and chromedriver for the report browser tests
test-tools:
	@scripts/setup-tools.sh --tests

## demo: run the whole workflow on the embedded demo (results/ and logs/)
demo: venv tools
	$(VENV)/bin/snakemake --cores $(CORES) --configfile config/config.yaml
	@echo "Reports: results/*/report/*.html (and .json); cohort summary: results/cohort/summary.tsv"

## test: unit, command-line, bad-input and workflow tests
test: venv test-tools
	$(VENV)/bin/pytest

## test-cluster: as root, a real single-node SLURM cluster (installed from the distribution,
## state in .cluster/) runs the demo through workflow/profiles/slurm; see scripts/test-cluster.sh
test-cluster: venv tools
	scripts/test-cluster.sh

## lint: Snakemake's linter on the workflow, ruff on the code, and the package's import contracts
lint: venv
	$(VENV)/bin/snakemake --lint --configfile config/config.yaml
	$(VENV)/bin/ruff check scripts tests
	PYTHONPATH=scripts $(VENV)/bin/lint-imports --no-cache

## testdata: regenerate test-data/ and config/samples.yaml (deterministic, seeded)
testdata: venv
	$(VENV)/bin/genotailor testdata build

clean-demo:
	rm -rf results logs .snakemake

## bench: speed goals, each a ratio or scaling measured side by side in one run: genotailor pgx vs
## bcftools view -R (5-million-record VCF), genotailor somatic vs bcftools view (100,000-record
## tumour VCFs: a whole genome's composition and a coding-dense one), genotailor msi vs mosdepth on the
## same simulated tumour BAM (memory peak of each), genotailor cyp2d6-cn vs mosdepth over the CYP2D locus
## (a simulated 30x BAM), snakemake -n for 100 and 1,000 synthetic patients, one patient's report (JSON, HTML,
## PDF, FHIR) and ledger (what was examined) from the demo's stage files (the demo runs first when its results are missing),
## genotailor cnv (CNVkit) vs mosdepth on the demo tumour's BAM, pgx-cohort
## on 10,000 samples vs bcftools query, the workflow vs its steps run by hand (1,000,000 read pairs; the
## slowest). Every figure lands in results/bench/bench.json.
bench: venv tools
	$(VENV)/bin/python -m compileall -q scripts/genotailor
	rm -f results/bench/bench.json
	$(VENV)/bin/genotailor bench pgx --workdir results/bench
	$(VENV)/bin/genotailor bench somatic --workdir results/bench
	$(VENV)/bin/genotailor bench msi --workdir results/bench
	$(VENV)/bin/genotailor bench cyp2d6 --workdir results/bench
	$(VENV)/bin/genotailor dev dag-bench --workdir results/bench
	test -f results/TUMOR01/report/TUMOR01.json || $(VENV)/bin/snakemake --cores $(CORES) --configfile config/config.yaml
	$(VENV)/bin/genotailor bench report --workdir results/bench --results results
	$(VENV)/bin/genotailor bench ledger --workdir results/bench --results results
	$(VENV)/bin/genotailor bench cnv --workdir results/bench --results results
	$(VENV)/bin/genotailor bench cohort --workdir results/bench
	$(VENV)/bin/genotailor bench overhead --workdir results/bench

## mutation: mutation score of the decision modules (mutmut, pinned in the test extra), each against its
## fast tests (scripts/mutation.py lists them); slow, never part of `make test`. MODULES="steps/qc.py ..."
## runs some only. Workspaces and .mutation/summary.json (scores, survivors, seconds) under .mutation/.
MODULES ?=
mutation: venv
	$(VENV)/bin/python scripts/mutation.py --jobs $(CORES) $(MODULES)
