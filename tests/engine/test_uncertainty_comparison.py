"""Comparing assumption sets: common random numbers, probability of being lower, Shapley decomposition."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from workbench.engine.assumptions import Assumptions
from workbench.engine.uncertainty import comparison, shapley
from workbench.engine.uncertainty.distributions import Distribution
from workbench.engine.uncertainty.footprint_model import build_footprint_model
from workbench.errors import CrossViewError
from workbench.services.validation_uncertainty import NAS_FACTORS, nas_decomposition, sum_model

from tests.engine.test_uncertainty_models import lookup_of, napkin_footprint

PACKAGED = Path(__file__).resolve().parents[2] / "workbench" / "resources" / "validation"


def _models():
    prepared = napkin_footprint()
    reference = build_footprint_model(prepared, Assumptions(), lookup_of({}))
    lower = build_footprint_model(prepared, replace(Assumptions(), pue=1.2), lookup_of({}))
    return reference, lower


def test_common_random_numbers_narrow_the_difference():
    reference, lower = _models()
    result = comparison.compare({"baseline": reference, "efficient": lower}, trials=40_000, seed=8)
    total = next(item for item in result.differences if item.output == "total_co2e_kg")
    common = total.common.high - total.common.low
    independent = total.independent.high - total.independent.low
    assert common < 0.5 * independent
    assert total.point == pytest.approx(lower.point()[-1] - reference.point()[-1])
    assert total.common.mean == pytest.approx(total.point, rel=0.05)
    assert total.probability_below == 1.0
    assert "pue" in result.shared_inputs


def test_comparing_a_set_with_itself_gives_zero_difference():
    reference, _ = _models()
    same = build_footprint_model(napkin_footprint(), Assumptions(), lookup_of({}))
    result = comparison.compare({"a": reference, "b": same}, trials=5_000, seed=2)
    for item in result.differences:
        assert item.common.sd == 0.0
        assert item.common.low == 0.0
        assert item.common.high == 0.0
        assert item.probability_below == 0.0


def test_changed_distribution_still_moves_with_its_counterpart():
    prepared = napkin_footprint()
    wide = build_footprint_model(prepared, Assumptions(), lookup_of({"pue": Distribution.normal_u95(0.25)}))
    narrow = build_footprint_model(prepared, Assumptions(), lookup_of({"pue": Distribution.normal_u95(0.03)}))
    result = comparison.compare({"wide": wide, "narrow": narrow}, trials=20_000, seed=5)
    summaries = result.summaries
    assert summaries["narrow"]["total_co2e_kg"].sd < summaries["wide"]["total_co2e_kg"].sd
    total = next(item for item in result.differences if item.output == "total_co2e_kg")
    # Comonotone coupling: the narrow set's spread is nested in the wide set's, so the difference
    # has the spread of the widths' difference, well below the independent combination.
    assert total.common.sd < total.independent.sd


def test_views_are_never_compared():
    reference, _ = _models()
    with pytest.raises(CrossViewError):
        comparison.compare({"footprint": reference, "inventory": sum_model()}, trials=100)


def test_shapley_shares_add_up_and_ignore_order():
    values_a = {"x": 2.0, "y": 3.0, "z": 1.0}
    values_b = {"x": 5.0, "y": 1.0, "z": 4.0}

    def f(values):
        return np.array([values["x"] * values["y"] + values["z"] ** 2, values["x"]])

    def evaluate(switched):
        return f({key: values_b[key] if key in switched else values_a[key] for key in values_a})

    result = shapley.decompose(evaluate, ["x", "y", "z"], ["f", "x"])
    assert result.exact is True
    assert sum(share.shapley for share in result.shares) == pytest.approx(result.difference)
    for share in result.shares:
        total = 0.0
        for order in itertools.permutations("xyz"):
            values = dict(values_a)
            for key in order:
                before = f(values)[0]
                values[key] = values_b[key]
                if key == share.factor:
                    total += f(values)[0] - before
        assert share.shapley[0] == pytest.approx(total / 6)
    x = next(share for share in result.shares if share.factor == "x")
    assert x.alone[0] == pytest.approx(f({"x": 5.0, "y": 3.0, "z": 1.0})[0] - f(values_a)[0])
    assert x.all_but[0] == pytest.approx(f(values_b)[0] - f({"x": 2.0, "y": 1.0, "z": 4.0})[0])


def test_sampled_shapley_still_adds_up():
    keys = [f"k{i}" for i in range(12)]
    weights = np.arange(1, 13, dtype=float)

    def evaluate(switched):
        chosen = np.array([key in switched for key in keys], dtype=float)
        return np.array([weights @ chosen + chosen[0] * chosen[1] * 10.0])

    result = shapley.decompose(evaluate, keys, ["f"], seed=3)
    assert result.exact is False
    assert sum(share.shapley[0] for share in result.shares) == pytest.approx(result.difference[0], rel=1e-12)
    assert result.shares[5].shapley[0] == pytest.approx(6.0, rel=1e-12)
    assert result.shares[0].shapley[0] == pytest.approx(1.0 + 5.0, abs=1.5)


def test_nas_difference_splits_into_four_shares():
    published = {case["id"]: case for case in json.loads((PACKAGED / "published_cases.json").read_text())["cases"]}
    case = json.loads((PACKAGED / "comparison_cases.json").read_text())["cases"][0]
    decomposition, strubell, patterson = nas_decomposition(case, published)
    shares = {share.factor: share.shapley[0] for share in decomposition.shares}
    assert set(shares) == set(NAS_FACTORS)
    assert decomposition.reference[0] / 0.45359237 == pytest.approx(626_155, rel=1e-4)
    assert decomposition.other[0] / 1000 == pytest.approx(3.2, rel=0.02)
    assert sum(shares.values()) == pytest.approx(decomposition.difference[0], rel=1e-12)
    assert strubell["workload"] == pytest.approx(8 * 274_120)
    # The workload (accelerator-hours) explains most of the 88-fold gap, PUE 1.58 -> 1.1 the next part.
    assert shares["workload"] < shares["pue"] < shares["intensity"] < 0 < shares["hardware"]
    assert decomposition.reference[0] / decomposition.other[0] == pytest.approx(88.2, rel=0.01)
