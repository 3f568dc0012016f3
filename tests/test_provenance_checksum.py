"""The config checksum that reports carry ignores `resources` and `cost` and nothing else."""

import copy

from genotailor.report.provenance import config_checksum

CONFIG = {
    "samples": "config/samples.yaml",
    "aligner": "minimap2",
    "calling": {"min_depth": 8},
    "resources": {"default": {"threads": 1, "mem_mb": 1000, "runtime": 10}},
}


def test_config_checksum_ignores_resources():
    tuned = copy.deepcopy(CONFIG)
    tuned["resources"]["index"] = {"mem_mb": 1500}
    tuned["resources"]["cluster"] = {"partition": "short", "account": "lab"}
    assert config_checksum(tuned) == config_checksum(CONFIG)


def test_config_checksum_ignores_the_price_of_a_core_hour():
    # `cost` prices the run in results/cohort/cost.tsv only; the reports stay those of the same analysis
    priced = {**copy.deepcopy(CONFIG), "cost": {"per_core_hour": 0.05, "currency": "EUR"}}
    assert config_checksum(priced) == config_checksum({**CONFIG, "cost": None}) == config_checksum(CONFIG)


def test_config_checksum_changes_with_an_analysis_setting():
    changed = copy.deepcopy(CONFIG)
    changed["calling"]["min_depth"] = 10
    assert config_checksum(changed) != config_checksum(CONFIG)
