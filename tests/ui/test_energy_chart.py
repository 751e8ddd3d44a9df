"""The central energy chart on real widgets: hidden charts wait, and many runs get a fixed range."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.services.session import Session, compute_response
from workbench.ui.chart import MAX_CURVES, OTHER_RUNS, EnergyChart

H = 3600
T0 = 1_750_000_000 - 1_750_000_000 % H  # an hour start


def hourly_of_runs(count: int) -> pd.DataFrame:
    """``count`` runs of three hours each, run i starting i hours after T0 with i + 1 kWh per hour."""
    rows = [{"run": f"run-{i:02d}", "hour_utc": T0 + (i + k) * H, "facility_energy_kwh": float(i + 1),
             "co2e_g_per_kwh": 100.0, "operational_co2e_kg": (i + 1) * 0.1}
            for i in range(count) for k in range(3)]
    return pd.DataFrame(rows)


@pytest.fixture
def chart(qtbot):
    energy_chart = EnergyChart()
    qtbot.addWidget(energy_chart)
    energy_chart.resize(800, 500)
    return energy_chart


def test_hidden_chart_draws_latest_response_when_shown(qtbot, chart, gpu_project):
    session = Session()
    session.open(gpu_project)
    try:
        chart.show_result(session.result)
        later = compute_response(session.preview({"pue": 2.0}))
        chart.show_result(later)

        assert chart.curves == {}, "a hidden chart does not draw"

        chart.show()
        qtbot.waitExposed(chart)

        np.testing.assert_array_equal(chart.curves["glasses"].yData, later.hourly["facility_energy_kwh"].to_numpy())
    finally:
        session.close()


def test_many_runs_fix_the_ranges(qtbot, chart):
    chart.show()
    qtbot.waitExposed(chart)
    hourly = hourly_of_runs(MAX_CURVES + 2)

    chart.show_hourly(hourly)

    assert len(chart.curves) == MAX_CURVES
    assert OTHER_RUNS in chart.curves
    assert chart.plot_item.vb.state["autoRange"] == [False, False]
    (x_low, x_high), (y_low, y_high) = chart.plot_item.vb.viewRange()
    first, last = hourly["hour_utc"].min(), hourly["hour_utc"].max()
    assert x_low < first - H / 2 < last + H / 2 < x_high
    assert y_low < 0.0
    assert y_high > float(hourly["facility_energy_kwh"].max())


def test_few_runs_range_follows_data(qtbot, chart):
    chart.show()
    qtbot.waitExposed(chart)
    chart.show_hourly(hourly_of_runs(MAX_CURVES + 2))

    chart.show_hourly(hourly_of_runs(2))

    assert list(chart.curves) == ["run-00", "run-01"]
    x_auto, y_auto = chart.plot_item.vb.state["autoRange"]
    assert x_auto and y_auto
