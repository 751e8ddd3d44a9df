"""Preferences: defaults, checks and values read back from stored text."""

from __future__ import annotations

import pytest

from workbench.services.preferences import Preferences


def test_defaults():
    preferences = Preferences()

    assert preferences.theme == "system"
    assert preferences.monte_carlo_trials == 20_000
    assert preferences.significant_digits == 4
    assert preferences.thousands_separator is True


@pytest.mark.parametrize("values", [{"theme": "purple"}, {"monte_carlo_trials": 10}, {"significant_digits": 1}])
def test_invalid_values_raise(values):
    with pytest.raises(ValueError):
        Preferences(**values)


def test_from_mapping_reads_text():
    preferences = Preferences.from_mapping({"theme": "dark", "monte_carlo_trials": "50000",
                                            "thousands_separator": "false", "signing_key_folder": "/keys"})

    assert preferences == Preferences(signing_key_folder="/keys", monte_carlo_trials=50_000, theme="dark",
                                      thousands_separator=False)


def test_from_mapping_resets_invalid_entries():
    preferences = Preferences.from_mapping({"theme": "purple", "monte_carlo_trials": "many", "significant_digits": 6})

    assert preferences.theme == "system"
    assert preferences.monte_carlo_trials == 20_000
    assert preferences.significant_digits == 6
