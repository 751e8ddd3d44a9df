"""Chart data of the uncertainty and comparison views, checked by hand and against the engine, without Qt."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from workbench.engine.uncertainty.montecarlo import summarize
from workbench.engine.uncertainty.sensitivity import TornadoBar
from workbench.engine.uncertainty.shapley import Decomposition, Share
from workbench.services.chart_csv import csv_cell, write_csv
from workbench.services.comparison_charts import waterfall
from workbench.services.uncertainty_charts import convergence_trace, histogram, tornado_rows
from workbench.services.view_state import ComparisonState, UncertaintyState


@pytest.mark.parametrize("text", ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_csv_cell_quotes_formula_text(text: str):
    assert csv_cell(text) == "'" + text


def test_csv_cell_keeps_numbers_and_plain_text():
    assert csv_cell(-1.5) == "-1.5"
    assert csv_cell(3) == "3"
    assert csv_cell("pue") == "pue"
    assert csv_cell(None) == ""
    assert csv_cell(float("nan")) == ""


def test_write_csv_reads_back(tmp_path: Path):
    path = tmp_path / "data.csv"
    count = write_csv(path, ("label", "value"), [("=cmd|' /C calc'!A0", -2.0), ("ok", 0.25)])
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert count == 2
    assert rows == [["label", "value"], ["'=cmd|' /C calc'!A0", "-2.0"], ["ok", "0.25"]]


def test_histogram_counts_sum_to_values():
    values = np.random.default_rng(1).normal(10.0, 2.0, 12_345)
    result = histogram(values, bins=40)
    assert int(result.counts.sum()) == 12_345
    assert len(result.edges) == 41
    assert result.edges[0] == values.min()
    assert result.edges[-1] == values.max()
    assert sum(row[2] for row in result.rows()) == 12_345


def test_convergence_trace_ends_at_summary():
    values = np.random.default_rng(2).lognormal(0.0, 0.5, 50_000)
    trace = convergence_trace(values)
    summary = summarize(values, 1.0)
    assert trace.trials[0] == 100
    assert trace.trials[-1] == 50_000
    assert np.all(np.diff(trace.trials) > 0)
    assert trace.mean[-1] == pytest.approx(summary.mean, rel=1e-12)
    assert trace.low[-1] == pytest.approx(summary.low, rel=1e-12)
    assert trace.high[-1] == pytest.approx(summary.high, rel=1e-12)
    assert trace.mean[0] == pytest.approx(values[:100].mean(), rel=1e-12)


def test_convergence_trace_of_few_values():
    trace = convergence_trace(np.array([1.0, 2.0, 3.0]))
    assert list(trace.trials) == [3]
    assert trace.mean[0] == 2.0


def test_tornado_rows_effects_from_base():
    bars = [TornadoBar("pue", "PUE", 1.2, 1.8, 90.0, 130.0), TornadoBar("f", "Factor", 0.9, 1.1, 95.0, 104.0)]
    rows = tornado_rows(bars, base=100.0)
    assert rows[0]["low_effect"] == -10.0
    assert rows[0]["high_effect"] == 30.0
    assert rows[0]["swing"] == 40.0
    assert rows[1]["low_effect"] == -5.0
    assert len(tornado_rows(bars, 100.0, limit=1)) == 1


class _Outcome:
    """The two fields of a ComparisonOutcome that :func:`waterfall` reads."""

    def __init__(self, decomposition: Decomposition) -> None:
        self.outputs = decomposition.outputs
        self.decompositions = [("A", "B", decomposition)]


def test_waterfall_steps_sum_to_delta():
    outputs = ("energy_kwh", "total_co2e_kg")
    shares = (Share("pue", np.array([0.0, -30.0]), np.zeros(2), np.zeros(2)),
              Share("node_uplift", np.array([0.0, -12.5]), np.zeros(2), np.zeros(2)),
              Share("factor_zone", np.array([0.0, 20.0]), np.zeros(2), np.zeros(2)))
    decomposition = Decomposition(("pue", "node_uplift", "factor_zone"), outputs, np.array([5.0, 100.0]),
                                  np.array([5.0, 77.5]), shares, True, 8)
    result = waterfall(_Outcome(decomposition), "B", "total_co2e_kg")
    assert result.labels == ("A (baseline)", "pue", "node_uplift", "factor_zone", "B")
    assert list(result.starts) == [0.0, 100.0, 70.0, 57.5, 0.0]
    assert list(result.ends) == [100.0, 70.0, 57.5, 77.5, 77.5]
    assert result.step_sum() == -22.5
    with pytest.raises(KeyError):
        waterfall(_Outcome(decomposition), "C", "total_co2e_kg")


def test_uncertainty_state_notifies_and_checks():
    state = UncertaintyState()
    seen = []
    state.subscribe("trials", seen.append)
    state.set("trials", 5_000)
    state.set("trials", 5_000)
    assert seen == [5_000]
    with pytest.raises(ValueError):
        state.set("trials", 1)
    with pytest.raises(KeyError):
        state.set("colour", 1)


def test_comparison_state_run_order():
    state = ComparisonState()
    state.set("sets", ["A", "B", "A", "C"])
    state.set("baseline", "C")
    assert state.sets == ("A", "B", "C")
    assert state.run_order() == ["C", "A", "B"]
