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

.PHONY: demo test lint tools venv clean-demo testdata bench

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

## demo: run the whole workflow on the embedded demo (results/ and logs/)
demo: venv tools
	$(VENV)/bin/snakemake --cores $(CORES) --configfile config/config.yaml
	@echo "Reports: results/*/report/*.html (and .json); cohort summary: results/cohort/summary.tsv"

## test: unit, command-line, bad-input and workflow tests
test: venv tools
	$(VENV)/bin/pytest

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

## bench: speed goals (genotailor pgx vs bcftools view -R on a 5-million-record VCF;
## genotailor somatic vs bcftools view on a 100,000-record tumour VCF)
bench: venv tools
	$(VENV)/bin/python -m compileall -q scripts/genotailor
	$(VENV)/bin/genotailor bench pgx --workdir results/bench
	$(VENV)/bin/genotailor bench somatic --workdir results/bench
