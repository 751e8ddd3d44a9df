"""Distributions of uncertain inputs: moments, quantiles, text specs, stats_arrays exchange and defaults."""

from __future__ import annotations

import math

import numpy as np
import pytest

from workbench.engine.uncertainty.defaults import PCF_GSD, TABLE, check_key, meter_default, pue_default
from workbench.engine.uncertainty.distributions import Z95, Distribution, standard_normal_ppf
from workbench.engine.uncertainty.parsing import parse_spec
from workbench.errors import UsageError

KINDS = [
    Distribution("normal", (10.0, 2.0)),
    Distribution("lognormal", (10.0, 1.5)),
    Distribution("uniform", (4.0, 6.0)),
    Distribution("triangular", (1.2, 1.35, 1.6)),
    Distribution("beta", (2.0, 5.0, 0.0, 10.0)),
    Distribution("pert", (0.7, 0.85, 0.95, 4.0)),
]


def test_normal_quantiles_match_known_values():
    assert standard_normal_ppf(0.975) == pytest.approx(Z95, rel=1e-15)
    assert standard_normal_ppf(0.5) == 0.0
    assert standard_normal_ppf(0.841344746068543) == pytest.approx(1.0, rel=1e-13)
    assert standard_normal_ppf(1e-10) == pytest.approx(-6.361340902404056, rel=1e-12)


@pytest.mark.parametrize("distribution", KINDS, ids=[d.kind for d in KINDS])
def test_moments_agree_with_draws(distribution):
    draws = distribution.sample(np.random.default_rng(7), 400_000)
    assert draws.mean() == pytest.approx(distribution.mean(), rel=3e-3)
    assert draws.std() == pytest.approx(distribution.sd(), rel=1e-2)


@pytest.mark.parametrize("distribution", KINDS, ids=[d.kind for d in KINDS])
def test_quantile_function_inverts_draws(distribution):
    draws = np.sort(distribution.sample(np.random.default_rng(11), 400_000))
    for probability in (0.025, 0.5, 0.975):
        empirical = draws[int(probability * len(draws))]
        assert distribution.ppf(probability) == pytest.approx(empirical, rel=1e-2)


def test_rectangular_limit_gives_a_over_root_three():
    distribution = Distribution.rectangular(0.005)
    assert distribution.sd() == pytest.approx(0.005 / math.sqrt(3), rel=1e-12)
    assert meter_default("facility", "0.5S")[0].sd() == pytest.approx(0.002886751345948129, rel=1e-12)
    assert Z95 * meter_default("it", "class 1")[0].sd() == pytest.approx(0.011315857340761717, rel=1e-12)


def test_relative_distribution_follows_the_value():
    relative = Distribution("triangular", (1.2 / 1.35, 1.0, 1.6 / 1.35), True)
    assert relative.at(1.35).params == pytest.approx((1.2, 1.35, 1.6))
    assert relative.at(1.5).params == pytest.approx((1.5 * 1.2 / 1.35, 1.5, 1.5 * 1.6 / 1.35))
    assert Distribution.normal_u95(0.10).at(400.0).sd() == pytest.approx(40.0 / Z95)


def test_u95_percent_is_half_width_over_mean():
    assert Distribution.normal_u95(0.05).at(1.2).u95_percent() == pytest.approx(5.0, rel=1e-12)
    pcf = Distribution("lognormal", (3700.0, PCF_GSD))
    low, high = pcf.interval95()
    assert low == pytest.approx(1850.0, rel=1e-12)
    assert high == pytest.approx(7400.0, rel=1e-12)


def test_parse_absolute_relative_and_class_specs():
    assert parse_spec("triangular:1.2,1.28,1.4") == Distribution("triangular", (1.2, 1.28, 1.4))
    assert parse_spec("normal:5%") == Distribution("normal", (1.0, 0.05 / Z95), True)
    assert parse_spec("uniform:20%") == Distribution("uniform", (0.8, 1.2), True)
    assert parse_spec("triangular:-10%,+20%") == Distribution("triangular", (0.9, 1.0, 1.2), True)
    assert parse_spec("lognormal:1.42") == Distribution("lognormal", (1.0, 1.42), True)
    assert parse_spec("pert:1,2,4") == Distribution("pert", (1.0, 2.0, 4.0, 4.0))
    assert parse_spec("class:0.5S") == Distribution.rectangular(0.005)
    assert parse_spec("uniform:-5,5@all").correlation == "all"
    assert parse_spec("uniform:0.9,1.1", multiplier=True).relative is True
    assert parse_spec("fixed").is_fixed


@pytest.mark.parametrize("text", ["normal", "normal:a,b", "triangular:3,2,1", "gamma:1,2", "class:zz",
                                  "lognormal:0,2"])
def test_parse_rejects_invalid_specs(text):
    with pytest.raises(UsageError):
        parse_spec(text)


@pytest.mark.parametrize("distribution", KINDS + [Distribution.fixed()], ids=[d.kind for d in KINDS] + ["fixed"])
def test_stats_arrays_round_trip(distribution):
    row = distribution.to_stats_arrays(10.0)
    back = Distribution.from_stats_arrays(row)
    if distribution.is_fixed:
        assert back.is_fixed
        assert row["uncertainty_type"] == 1
        return
    assert back.kind == distribution.kind
    assert back.params == pytest.approx(distribution.params, rel=1e-12)


def test_stats_arrays_codes_and_columns():
    assert Distribution("normal", (2.0, 0.5)).to_stats_arrays(2.0)["uncertainty_type"] == 3
    lognormal = Distribution("lognormal", (math.e, math.exp(0.3))).to_stats_arrays(math.e)
    assert (lognormal["uncertainty_type"], lognormal["loc"], lognormal["scale"]) == pytest.approx((2, 1.0, 0.3))
    triangular = Distribution("triangular", (0.0, 1.5, 10.0)).to_stats_arrays(1.5)
    assert (triangular["uncertainty_type"], triangular["loc"], triangular["minimum"], triangular["maximum"]) == \
        (5, 1.5, 0.0, 10.0)
    assert Distribution("uniform", (4.0, 6.0)).to_stats_arrays(5.0)["uncertainty_type"] == 4
    assert Distribution("beta", (2.0, 3.0, 0.0, 1.0)).to_stats_arrays(0.4)["uncertainty_type"] == 10
    assert Distribution("pert", (1.0, 2.0, 4.0, 4.0)).to_stats_arrays(2.0)["uncertainty_type"] == 13
    assert Distribution.from_stats_arrays({"uncertainty_type": 0, "loc": 3.0}).is_fixed
    with pytest.raises(UsageError):
        Distribution.from_stats_arrays({"uncertainty_type": 3, "loc": 1.0, "scale": 0.1, "minimum": 0.0})
    with pytest.raises(UsageError):
        Distribution.from_stats_arrays({"uncertainty_type": 8, "loc": 1.0})


def test_defaults_table_rows_have_a_basis():
    for row in TABLE.values():
        assert len(row.basis) > 20, row.key
    assert TABLE["embodied.pcf"].distribution.interval95() == pytest.approx((0.5, 2.0), rel=1e-12)
    assert TABLE["embodied.lifetime"].distribution.at(5.0).params == pytest.approx((4.0, 6.0))
    assert TABLE["telemetry.gpu_offset_w"].correlations == ("device", "all")
    assert pue_default(True)[0].at(1.0).u95_percent() == pytest.approx(25.0)
    assert pue_default(False)[0].at(1.0).u95_percent() == pytest.approx(10.0)


def test_check_key_rejects_unknown_keys_and_correlations():
    numeric = {"pue", "node_uplift"}
    check_key("pue", Distribution.normal_u95(0.1), numeric)
    check_key("meter:site-main", Distribution.rectangular(0.005), numeric)
    check_key("ef.location.annual:FR", Distribution.normal_u95(0.1), numeric)
    with pytest.raises(UsageError, match="no uncertain input"):
        check_key("pue_typo", Distribution.normal_u95(0.1), numeric)
    with pytest.raises(UsageError, match="no correlation"):
        check_key("ef.location.hourly", Distribution("normal", (1.0, 0.1), True, "week"), numeric)
    with pytest.raises(UsageError, match="in W"):
        check_key("telemetry.gpu_offset_w", Distribution.rectangular(0.1), numeric)


def test_normal_quantiles_agree_with_erfc_everywhere():
    for probability in (1e-300, 1e-100, 1e-15, 1e-8, 1e-4, 0.02425, 0.3, 0.6, 0.975, 0.999, 1 - 1e-10):
        x = float(standard_normal_ppf(probability))
        tail = 0.5 * math.erfc(-x / math.sqrt(2)) if probability < 0.5 else 0.5 * math.erfc(x / math.sqrt(2))
        expected = probability if probability < 0.5 else 1.0 - probability
        assert tail == pytest.approx(expected, rel=1e-12), probability
