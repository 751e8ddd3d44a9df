"""The data-quality ranking of a figure by the half-width of its 95 % interval."""

from __future__ import annotations

import math

import pytest

from workbench.reports.disclosure import UncertainFigure, quality_ranking


@pytest.mark.parametrize(("u95_pct", "rank"), [
    (0.0, "High"), (5.0, "High"), (5.000000000000004, "High"), (5.04, "High"), (5.06, "Good"), (15.0, "Good"),
    (15.2, "Fair"), (30.0, "Fair"), (30.06, "Poor"), (250.0, "Poor"),
])
def test_ranking_bands(u95_pct, rank):
    assert quality_ranking(u95_pct) == rank


def test_ranking_without_interval():
    assert quality_ranking(None) is None
    assert quality_ranking(math.nan) is None
    assert quality_ranking(math.inf) is None


def test_figure_half_width_over_mean():
    figure = UncertainFigure("k", "K", "inventory", "kgCO2e", value=100.0, mean=110.0, low=88.0, high=132.0)

    assert figure.u95_pct == pytest.approx(20.0)
    assert quality_ranking(figure.u95_pct) == "Fair"
    assert UncertainFigure("k", "K", "inventory", "kgCO2e", 1.0, None, None, None).u95_pct is None
