"""Chart data shaping without Qt: hand-made frames with known results, and the demo project's real series."""

from __future__ import annotations

import csv
import shutil
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from workbench.errors import UsageError
from workbench.services import chart_data, demo
from workbench.services.chart_series import HourlySeries
from workbench.services.chart_csv import csv_cell, write_frame_csv
from workbench.services.chart_state import ChartOptions
from workbench.services.session import Session

H = 3600
T0 = 1_750_000_000 - 1_750_000_000 % H  # an hour start


def hourly_frame() -> pd.DataFrame:
    """Three runs: a at hours 0-1 (site x), b at hours 0 and 3 (site x), c at hour 1 (site y)."""
    return pd.DataFrame({
        "run": ["a", "a", "b", "b", "c"],
        "hour_utc": [T0, T0 + H, T0, T0 + 3 * H, T0 + H],
        "facility_energy_kwh": [10.0, 20.0, 1.0, 4.0, 100.0],
        "co2e_g_per_kwh": [500.0, 400.0, 500.0, np.nan, 100.0],
        "operational_co2e_kg": [5.0, 8.0, 0.5, 0.0, 10.0],
    })


def runs_frame() -> pd.DataFrame:
    return pd.DataFrame({"run": ["a", "b", "c"], "site": ["x", "x", "y"],
                         "operational_co2e_kg": [13.0, 0.5, 10.0], "embodied_co2e_kg": [2.0, 0.0, 30.0],
                         "total_co2e_kg": [15.0, 0.5, 40.0]})


def test_stack_by_run_order_and_gaps():
    table = chart_data.energy_stacked(hourly_frame(), runs_frame(), stack_by="run")

    assert list(table.columns) == ["c", "a", "b"]  # 100, 30 and 5 kWh
    assert table.index.tolist() == [T0, T0 + H, T0 + 2 * H, T0 + 3 * H]
    assert table["a"].tolist() == [10.0, 20.0, 0.0, 0.0]
    assert table["b"].tolist() == [1.0, 0.0, 0.0, 4.0]
    assert table["c"].tolist() == [0.0, 100.0, 0.0, 0.0]


def test_stack_by_site_sums_runs():
    table = chart_data.energy_stacked(hourly_frame(), runs_frame(), stack_by="site")

    assert list(table.columns) == ["y", "x"]
    assert table["x"].tolist() == [11.0, 20.0, 0.0, 4.0]
    assert table["y"].tolist() == [0.0, 100.0, 0.0, 0.0]


def test_energy_stacked_merges_the_smallest_series_into_other():
    table = chart_data.energy_stacked(hourly_frame(), runs_frame(), stack_by="run", max_series=2)

    assert list(table.columns) == ["c", chart_data.OTHER_SERIES]
    assert table[chart_data.OTHER_SERIES].tolist() == [11.0, 20.0, 0.0, 4.0]
    assert table.to_numpy().sum() == pytest.approx(135.0)


def test_energy_stacked_leaves_out_hidden_series():
    table = chart_data.energy_stacked(hourly_frame(), runs_frame(), stack_by="run", hidden=["a", "nope"])

    assert list(table.columns) == ["c", "b"]


def test_energy_stacked_rejects_an_unknown_dimension():
    with pytest.raises(UsageError, match="cannot stack energy by 'zone'"):
        chart_data.energy_stacked(hourly_frame(), runs_frame(), stack_by="zone")


def test_site_order_sums_rows_apart():
    # Site x has rows before and after site y's, and still more energy in total.
    hourly = pd.DataFrame({"run": ["a", "c", "b"], "hour_utc": [T0, T0, T0 + H],
                           "facility_energy_kwh": [30.0, 50.0, 40.0], "co2e_g_per_kwh": [1.0, 1.0, 1.0],
                           "operational_co2e_kg": [0.03, 0.05, 0.04]})

    cells = chart_data.energy_cells(hourly, runs_frame(), stack_by="site")

    assert cells.labels == ["x", "y"]  # 70 and 50 kWh
    assert cells.hours.tolist() == [T0, T0 + H]
    assert cells.kwh.tolist() == [[30.0, 40.0], [50.0, 0.0]]


def test_energy_cells_without_rows():
    cells = chart_data.energy_cells(hourly_frame().iloc[:0], runs_frame(), stack_by="run")

    assert cells.labels == []
    assert cells.hours.size == 0
    assert cells.frame().empty


def test_row_index_keeps_latest_token_only():
    index = chart_data.RowIndex()
    calls = []

    def compute(value):
        calls.append(value)
        return value

    assert index.latest("cells", b"one", lambda: compute(1)) == 1
    assert index.latest("cells", b"one", lambda: compute(2)) == 1
    assert index.latest("cells", b"two", lambda: compute(3)) == 3
    assert index.latest("cells", b"one", lambda: compute(4)) == 4
    assert calls == [1, 3, 4]


def test_bin_means_skip_missing_values():
    hours = T0 + H * np.arange(5)
    values = np.array([[1.0, 3.0, np.nan, np.nan, 5.0],
                       [2.0, 2.0, 4.0, np.nan, 8.0]])

    starts, means = chart_data.bin_means(hours, values, 2)

    assert starts.tolist() == [T0, T0 + 2 * H, T0 + 4 * H]
    np.testing.assert_array_equal(means, [[2.0, np.nan, 5.0], [2.0, 4.0, 8.0]])
    single_starts, single = chart_data.bin_means(hours, values[0], 2)
    assert single_starts.tolist() == starts.tolist()
    np.testing.assert_array_equal(single, [2.0, np.nan, 5.0])


def test_bin_means_of_one_hour_change_nothing():
    hours = T0 + H * np.arange(3)
    values = np.array([1.0, np.nan, 2.0])

    starts, means = chart_data.bin_means(hours, values, 1)

    assert starts is hours
    assert means is values


def test_intensity_grid_on_the_stack_hours():
    hours, g_per_kwh = chart_data.intensity_grid(hourly_frame())

    assert hours.tolist() == chart_data.energy_stacked(hourly_frame(), runs_frame()).index.tolist()
    # hour 0: 5.5 kg / 11 kWh; hour 1: 18 kg / 120 kWh; hour 2 has no rows; hour 3 no matched factor
    np.testing.assert_allclose(g_per_kwh, [500.0, 150.0, np.nan, np.nan])


def test_intensity_energy_weighted():
    intensity = chart_data.hourly_intensity(hourly_frame())

    # hour 0: (5 + 0.5) kg / 11 kWh = 500 g/kWh; hour 1: 18 kg / 120 kWh = 150 g/kWh; hour 3 unmatched
    assert intensity["hour_utc"].tolist() == [T0, T0 + H]
    assert intensity["co2e_g_per_kwh"].tolist() == pytest.approx([500.0, 150.0])


def test_per_run_emissions_sorted_by_total_with_limit():
    frame = chart_data.per_run_emissions(runs_frame(), limit=2)

    assert frame["run"].tolist() == ["c", "a"]
    assert frame["embodied_co2e_kg"].tolist() == [30.0, 2.0]


def test_embodied_vs_operational_shares():
    frame = chart_data.embodied_vs_operational({"operational_co2e_kg": 30.0, "embodied_co2e_kg": 10.0})

    assert frame["component"].tolist() == ["operational", "embodied"]
    assert frame["co2e_kg"].tolist() == [30.0, 10.0]
    assert frame["share"].tolist() == [0.75, 0.25]


def test_emissions_by_scope_keeps_both_scope2_bases_apart():
    totals = {"scope1_combustion_co2e_kg": 1.0, "scope1_fugitive_co2e_kg": 2.0, "scope2_location_co2e_kg": 30.0,
              "scope2_market_co2e_kg": 20.0, "scope3_category_1_co2e_kg": 4.0, "scope3_category_2_co2e_kg": 5.0,
              "scope3_category_3_co2e_kg": 6.0}
    frame = chart_data.emissions_by_scope(totals)

    scope2 = frame[frame["scope"] == "Scope 2"]
    assert scope2["basis"].tolist() == ["location-based", "market-based"]
    assert scope2["co2e_kg"].tolist() == [30.0, 20.0]
    assert frame["co2e_kg"].tolist() == [1.0, 2.0, 30.0, 20.0, 4.0, 5.0, 6.0]


def test_coverage_shares_by_run_and_by_site():
    counts = pd.DataFrame({"run": ["a", "b", None], "site": ["x", "x", "x"], "measured_h": [6, 2, 4],
                           "gap_filled_h": [2, 0, 0], "estimated_h": [0, 2, 0], "defaulted_h": [0, 0, 0]})

    by_run = chart_data.coverage(counts, by="run").set_index("group")
    by_site = chart_data.coverage(counts, by="site").set_index("group")

    assert by_run.loc["a", "measured_share"] == 0.75
    assert by_run.loc["a", "gap_filled_share"] == 0.25
    assert by_run.loc["b", "estimated_share"] == 0.5
    assert by_run.loc[chart_data.NO_RUN, "total_h"] == 4.0
    assert by_site.loc["x", "total_h"] == 16.0
    assert by_site.loc["x", "measured_share"] == 0.75


def test_rejected_rows_lists_files_with_rejections_first():
    sources = pd.DataFrame({"source_id": [1, 2], "source": ["ok.csv", "bad.csv"], "kind": ["meter", "gpu-log"],
                            "rows_read": [10, 10], "rows_accepted": [10, 7], "rows_rejected": [0, 3]})

    frame = chart_data.rejected_rows(sources)

    assert frame["source"].tolist() == ["bad.csv", "ok.csv"]
    assert frame["rows_rejected"].tolist() == [3, 0]


def test_in_unit_converts_and_rejects_unknown_units():
    frame = chart_data.in_unit(pd.DataFrame({"co2e_kg": [1500.0]}), ["co2e_kg"], "tCO2e", chart_data.EMISSION_UNITS)

    assert frame["co2e_kg"].tolist() == [1.5]
    with pytest.raises(UsageError, match="unknown unit 'lb'"):
        chart_data.in_unit(frame, ["co2e_kg"], "lb", chart_data.EMISSION_UNITS)


# -- chart options and CSV -------------------------------------------------------------------

def test_options_notify_on_change_only():
    options = ChartOptions()
    seen = []
    options.subscribe("stack_by", seen.append)

    options.set("stack_by", "run")
    options.set("stack_by", "run")
    options.set("energy_unit", "GWh")

    assert seen == ["run"]
    assert options.get("energy_unit") == "GWh"


def test_chart_options_reject_bad_values():
    options = ChartOptions()

    with pytest.raises(UsageError, match="'zone' is not a choice for chart option stack_by"):
        options.set("stack_by", "zone")
    with pytest.raises(UsageError, match="max_series must be at least 1"):
        options.set("max_series", 0)
    assert options.get("stack_by") == "site"


def test_toggle_series_hides_and_shows():
    options = ChartOptions()

    options.toggle_series("run-1", False)
    options.toggle_series("run-2", False)
    options.toggle_series("run-1", True)

    assert options.get("hidden_series") == frozenset({"run-2"})


def test_csv_cell_quotes_formulas():
    assert csv_cell("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert csv_cell("+1") == "'+1"
    assert csv_cell("-2") == "'-2"
    assert csv_cell("@SUM(A1)") == "'@SUM(A1)"
    assert csv_cell("run-1") == "run-1"
    assert csv_cell(-2.5) == "-2.5"


def test_write_csv_guards_text_cells_and_keeps_numbers(tmp_path):
    frame = pd.DataFrame({"source": ["=cmd|' /C calc'!A0", "meter.csv"], "rows_rejected": [3, np.nan],
                          "delta_kg": [-1.5, 2.0]})

    path = write_frame_csv(frame, tmp_path / "data.csv")

    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["source", "rows_rejected", "delta_kg"]
    assert rows[1] == ["'=cmd|' /C calc'!A0", "3.0", "-1.5"]
    assert rows[2] == ["meter.csv", "", "2.0"]


# -- the demo project's series ---------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.cwb"
    demo.build_demo_project(path).close()
    return path


@pytest.fixture
def demo_session(demo_file, tmp_path):
    path = tmp_path / "demo.cwb"
    shutil.copy(demo_file, path)
    session = Session()
    session.open(path)
    yield session
    session.close()


def test_prepared_hourly_series_equal_the_engine_frame(demo_session):
    model = demo_session.model
    series = HourlySeries(model.prepared)
    base = demo_session.committed
    # Two PUE-only steps in a row reuse the kept IT energy; the others make it again.
    for a in (base, replace(base, pue=1.9, node_uplift=1.2), replace(base, pue=1.4, node_uplift=1.2),
              replace(base, pue_source="metered"), replace(base, factor_zone="FR"), base):
        expected = model.prepared.hourly(a)
        got = series.frame(a)
        assert got["run"].astype(str).tolist() == expected["run"].tolist()
        assert got["hour_utc"].tolist() == expected["hour_utc"].tolist()
        for column in ("facility_energy_kwh", "co2e_g_per_kwh", "operational_co2e_kg"):
            np.testing.assert_allclose(got[column].to_numpy(float), expected[column].to_numpy(float), equal_nan=True)


def test_demo_stack_sums_facility_energy(demo_session):
    response = demo_session.result

    by_site = chart_data.energy_stacked(response.hourly, response.runs, stack_by="site")
    by_run = chart_data.energy_stacked(response.hourly, response.runs, stack_by="run")

    total_kwh = response.result.totals["facility_energy_kwh"]
    assert by_site.to_numpy().sum() == pytest.approx(total_kwh)
    assert by_run.to_numpy().sum() == pytest.approx(total_kwh)
    assert set(by_site.columns) == set(response.runs["site"])
    assert np.all(np.diff(by_run.index.to_numpy()) == H)


def test_demo_quality_counts_match_rows(demo_session):
    counts, sources = chart_data.load_quality(demo_session.project_file)

    rows = demo_session.project_file.conn.execute("SELECT count(*) FROM energy_hourly").fetchone()[0]
    assert counts[list(chart_data.QUALITY_COLUMNS)].to_numpy().sum() == rows
    rejected = demo_session.project_file.conn.execute("SELECT sum(rows_rejected) FROM sources").fetchone()[0]
    assert chart_data.rejected_rows(sources)["rows_rejected"].sum() == rejected
