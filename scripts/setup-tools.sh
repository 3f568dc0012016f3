#!/usr/bin/env bash
# Make sure the command-line tools the workflow runs are on PATH (with --tests: also the browser
# the report tests drive). As root on Debian/Ubuntu: install the distribution's packages.
# Otherwise: name what is missing and point to the conda route, which needs none of them installed.
set -euo pipefail
for_tests=${1:-}

# command -> Debian package(s). WeasyPrint (the PDF report) loads pango at run time; the report
# browser tests drive chromium through chromedriver. Debian's mosdepth loads htslib as the unversioned libhts.so at
# run time, which only libhts-dev provides: without it `mosdepth` fails with "could not load".
declare -A PACKAGE=(
  [fastp]=fastp [bwa]=bwa [minimap2]=minimap2 [samtools]=samtools
  [bcftools]=bcftools [tabix]=tabix [bgzip]=tabix [mosdepth]="mosdepth libhts-dev"
  [pango]="libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core" [chromium]=chromium [chromedriver]=chromium-driver
)
missing=()
for tool in fastp bwa minimap2 samtools bcftools tabix bgzip; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
mosdepth --version >/dev/null 2>&1 || missing+=(mosdepth)
ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so.0" || missing+=(pango)
if [ "$for_tests" = "--tests" ]; then
  for tool in chromium chromedriver; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
fi
[ ${#missing[@]} -eq 0 ] && exit 0

packages=$(for t in "${missing[@]}"; do echo "${PACKAGE[$t]}"; done | tr ' ' '\n' | sort -u | tr '\n' ' ')
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing the distribution's packages: $packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $packages
  exit 0
fi
cat >&2 <<MSG
genotailor needs these command-line tools, which are not on PATH: ${missing[*]}
Either install them (Debian/Ubuntu, as root: apt-get install $packages),
or let Snakemake create the pinned conda environments in envs/ for each rule:
    .venv/bin/snakemake --sdm conda --cores 2
(needs conda or mamba on PATH; the versions are pinned in envs/*.yaml).
MSG
exit 1
