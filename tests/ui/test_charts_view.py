"""The charts on real widgets: both directions of every option binding, live updates and exports read back."""

from __future__ import annotations

import csv
import shutil
import xml.etree.ElementTree as ElementTree

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage

from workbench.services import chart_data, demo
from workbench.services.chart_state import ChartOptions
from workbench.services.inventory import InventoryModel
from workbench.services.session import Session, compute_response
from workbench.ui.charts.base import series_color
from workbench.ui.charts.energy import stacked_fills
from workbench.ui.charts.view import ChartsView


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.cwb"
    demo.build_demo_project(path).close()
    return path


@pytest.fixture
def session(demo_file, tmp_path):
    path = tmp_path / "demo.cwb"
    shutil.copy(demo_file, path)
    opened = Session()
    opened.open(path)
    yield opened
    opened.close()


@pytest.fixture
def view(qtbot, session):
    charts = ChartsView(session, ChartOptions())
    qtbot.addWidget(charts)
    charts.resize(1000, 600)
    charts.show()
    qtbot.waitExposed(charts)
    qtbot.waitUntil(lambda: not charts.quality_job.running)  # the quality counts load on the pool
    return charts


def pick(combo, data) -> None:
    """Choose the item with ``data`` (or text) as a user does: the index changes, then ``activated`` fires."""
    index = combo.findData(data)
    index = index if index >= 0 else combo.findText(data)
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def read_csv(path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def top_curve_total(chart) -> float:
    """Sum of the topmost stacked edge, which is the sum of every shown series per hour."""
    names = list(chart.curves)
    return float(np.sum(chart.curves[names[-1]].getData()[1]))


# -- energy over time ------------------------------------------------------------------------

def test_stack_combo_sets_stack_by(view, session):
    chart = view.energy
    runs = session.result.runs

    assert chart.stack_combo.currentData() == "site"
    assert set(chart.curves) == set(runs["site"])
    pick(chart.stack_combo, "run")

    assert view.options.get("stack_by") == "run"
    assert list(chart.curves) == list(chart_data.energy_stacked(session.result.hourly, runs, stack_by="run").columns)
    expected_mwh = session.result.result.totals["facility_energy_kwh"] / 1000.0
    assert top_curve_total(chart) == pytest.approx(expected_mwh)


def test_energy_chart_follows_options_set_elsewhere(view, session):
    chart = view.energy

    view.options.set("stack_by", "run")
    view.options.set("energy_unit", "kWh")
    view.options.set("show_intensity", False)

    assert chart.stack_combo.currentData() == "run"
    assert chart.unit_combo.currentText() == "kWh"
    assert chart.intensity_check.isChecked() is False
    assert chart.intensity_curve.isVisible() is False
    assert top_curve_total(chart) == pytest.approx(session.result.result.totals["facility_energy_kwh"])
    assert chart.plot_item.getAxis("left").labelText == "Facility energy (kWh per hour)"


def test_unit_combo_and_intensity_check_set_the_options(view):
    chart = view.energy

    pick(chart.unit_combo, "kWh")
    chart.intensity_check.setChecked(False)

    assert view.options.get("energy_unit") == "kWh"
    assert view.options.get("show_intensity") is False
    chart.intensity_check.setChecked(True)
    assert view.options.get("show_intensity") is True
    assert chart.intensity_curve.isVisible() is True


def test_series_menu_binds_both_ways(view):
    chart = view.energy
    actions = {action.text(): action for action in chart.series_menu.actions()}

    actions["cloud-eu"].setChecked(False)

    assert view.options.get("hidden_series") == frozenset({"cloud-eu"})
    assert "cloud-eu" not in chart.curves
    view.options.set("hidden_series", frozenset({"dc-paris"}))
    checked = {action.text(): action.isChecked() for action in chart.series_menu.actions()}
    assert checked == {"dc-paris": False, "cloud-eu": True}
    assert list(chart.curves) == ["cloud-eu"]


def test_intensity_overlay_is_the_energy_weighted_factor(view, session):
    x, y = view.energy.intensity_curve.getData()
    expected = chart_data.hourly_intensity(session.result.hourly)

    shown = dict(zip(x[~np.isnan(y)].astype(np.int64), y[~np.isnan(y)]))
    assert shown == pytest.approx(dict(zip(expected["hour_utc"], expected["co2e_g_per_kwh"])))


def test_intensity_line_over_opaque_areas(view):
    overlay = view.energy.intensity_view

    assert overlay.zValue() > view.energy.plot_item.zValue()
    assert overlay.acceptedMouseButtons() == Qt.MouseButton.NoButton
    assert overlay.acceptHoverEvents() is False


def test_hidden_view_draws_when_shown(qtbot, session):
    charts = ChartsView(session, ChartOptions())
    qtbot.addWidget(charts)
    session.apply(compute_response(session.preview({"pue": 2.56})))

    assert charts.energy.curves == {}, "a hidden view does not draw"

    charts.show()
    qtbot.waitExposed(charts)

    expected = session.result.result.totals["facility_energy_kwh"] / 1000.0
    assert top_curve_total(charts.energy) == pytest.approx(expected)


def test_stacked_fills_blend_over_areas_above():
    bottom, top = QColor(0, 0, 200), QColor(200, 0, 0)

    fills = stacked_fills([bottom, top])

    # 200/255 of the own colour over white for the top area, then over that fill for the one below
    assert [fill.getRgb() for fill in fills] == [(46, 12, 169, 255), (212, 55, 55, 255)]


def test_stacked_areas_fill_opaque(view):
    chart = view.energy
    names = list(chart.curves)
    expected = stacked_fills([series_color(number) for number in range(len(names))])

    fills = [pg.mkBrush(chart.curves[name].opts["fillBrush"]).color() for name in names]

    assert [fill.getRgb() for fill in fills] == [fill.getRgb() for fill in expected]


def test_energy_data_has_intensity_of_each_hour(view, session):
    data = view.energy.data()
    expected = chart_data.hourly_intensity(session.result.hourly).set_index("hour_utc")["co2e_g_per_kwh"]

    column = data.set_index("hour_utc")["carbon intensity (gCO2e/kWh)"]

    assert column.dropna().to_dict() == pytest.approx(expected.to_dict())
    assert column.isna().sum() == len(column) - len(expected)


def test_charts_follow_a_preview_and_its_commit(view, session):
    before = top_curve_total(view.energy)
    request = session.preview({"pue": 2.56})  # the demo's baseline PUE is 1.28
    session.apply(compute_response(request))

    after = top_curve_total(view.energy)
    assert after == pytest.approx(session.result.result.totals["facility_energy_kwh"] / 1000.0)
    assert after > before * 1.5
    assert view.per_run.data().empty  # hidden tabs wait until they show
    view.tabs.setCurrentWidget(view.per_run)
    per_run = view.per_run.data().set_index("run")
    for row in session.result.runs.itertuples():
        assert per_run.loc[row.run, "total_co2e (tCO2e)"] == pytest.approx(row.total_co2e_kg / 1000.0)


# -- bars ------------------------------------------------------------------------------------

def test_scope_chart_when_tab_shows(view, session):
    assert view.scopes.frame.empty  # not computed while another tab shows

    view.tabs.setCurrentWidget(view.scopes)

    inventory = InventoryModel(session.project_file, session.model)
    totals = inventory.compute(session.committed, inventory.default_period()).totals
    data = view.scopes.data()
    scope2 = data[data["scope"] == "Scope 2"].set_index("basis")["co2e (tCO2e)"]
    assert scope2["location-based"] == pytest.approx(totals["scope2_location_co2e_kg"] / 1000.0)
    assert scope2["market-based"] == pytest.approx(totals["scope2_market_co2e_kg"] / 1000.0)
    assert len(view.scopes.bars) == 4  # one bar item per basis


def test_emissions_unit_binds_both_ways_across_bar_charts(view, session):
    pick(view.per_run.unit_combo, "kgCO2e")
    view.tabs.setCurrentWidget(view.embodied)

    assert view.options.get("emissions_unit") == "kgCO2e"
    assert view.embodied.unit_combo.currentText() == "kgCO2e"
    shares = view.embodied.data().set_index("component")
    totals = session.result.result.totals
    assert shares.loc["embodied", "co2e (kgCO2e)"] == pytest.approx(totals["embodied_co2e_kg"])
    view.options.set("emissions_unit", "tCO2e")
    assert view.per_run.unit_combo.currentText() == "tCO2e"


def test_run_limit_binds_both_ways(view):
    view.tabs.setCurrentWidget(view.per_run)
    view.per_run.limit_spin.setValue(2)

    assert view.options.get("run_limit") == 2
    assert len(view.per_run.data()) == 2
    view.options.set("run_limit", 1)
    assert view.per_run.limit_spin.value() == 1
    assert view.per_run.data()["run"].tolist() == ["llm-7b-pretrain"]


def test_coverage_groups_by_run_or_site(view, session):
    pick(view.coverage.by_combo, "site")

    assert view.options.get("quality_by") == "site"
    data = view.coverage.data().set_index("group")
    rows = session.project_file.conn.execute("SELECT count(*) FROM energy_hourly").fetchone()[0]
    assert data["total_h"].sum() == rows
    view.options.set("quality_by", "run")
    assert view.coverage.by_combo.currentData() == "run"
    assert chart_data.NO_RUN in view.coverage.data()["group"].tolist()


def test_rejected_rows_chart_lists_every_source(view, session):
    names = [row[0] for row in session.project_file.conn.execute("SELECT original_name FROM sources")]

    assert sorted(view.rejected.data()["source"]) == sorted(names)


# -- exports ---------------------------------------------------------------------------------

@pytest.mark.parametrize("index", range(6))
def test_every_chart_exports_png_svg_and_csv(view, tmp_path, index):
    chart = view.charts[index]
    view.tabs.setCurrentWidget(chart)

    png = chart.export("png", tmp_path / "chart.png")
    svg = chart.export("svg", tmp_path / "chart.svg")
    data = chart.export("csv", tmp_path / "chart.csv")

    image = QImage(str(png))
    assert image.isNull() is False
    assert image.width() >= 400
    assert ElementTree.parse(svg).getroot().tag.endswith("svg")
    rows = read_csv(data)
    frame = chart.data()
    assert rows[0] == [str(column) for column in frame.columns]
    assert len(rows) == len(frame) + 1
    first_number = next(column for column in frame.columns if frame[column].dtype.kind in "fi")
    position = list(frame.columns).index(first_number)
    assert float(rows[1][position]) == pytest.approx(float(frame[first_number].iloc[0]))


def test_export_actions_have_text_and_tooltips(view):
    for chart in view.charts:
        for fmt, action in chart.export_actions.items():
            assert action.text() == f"Export {fmt.upper()}..."
            assert action.toolTip()
            assert action.toolTip() != action.text()


def test_csv_export_quotes_formula_text(view, session, tmp_path):
    conn = session.project_file.conn
    conn.execute("UPDATE sources SET original_name = '=HYPERLINK(\"http://example.invalid\")' WHERE id = 1")
    conn.commit()
    view.rejected.show_sources(chart_data.load_quality(session.project_file)[1])

    rows = read_csv(view.rejected.export("csv", tmp_path / "rejected.csv"))

    assert "'=HYPERLINK(\"http://example.invalid\")" in [row[0] for row in rows]
