"""Drill-down from a total, a run row and a chart point into the rows behind it."""

from __future__ import annotations

import pytest
from known_project import HOURS, build_known_project
from PySide6.QtCore import QPoint, Qt

from workbench.ui.frame_model import RAW_VALUE_ROLE


@pytest.fixture
def known(tmp_path):
    return build_known_project(tmp_path / "known.cwb")


def wait_for_jobs(qtbot, window):
    qtbot.waitUntil(lambda: not window.jobs, timeout=30_000)


def values(table, key):
    model = table.model
    column = [c.key for c in model.columns].index(key)
    return [model.data(model.index(row, column), RAW_VALUE_ROLE) for row in range(model.rowCount())]


def test_click_on_total_drills_into_every_run(window, known, qtbot):
    window.open_project(known)
    label = window.totals_panel.value_labels["total_co2e_kg"]

    qtbot.mouseClick(label, Qt.MouseButton.LeftButton, pos=QPoint(2, 2))
    wait_for_jobs(qtbot, window)

    view = window.last_drilldown
    assert window.tabs.currentWidget() is view
    assert sorted(values(view.tables["runs"], "run")) == ["alpha", "beta"]
    assert len(values(view.tables["energy_rows"], "device")) == 8
    assert sum(values(view.tables["run_hours"], "operational_co2e_kg")) == pytest.approx(
        window.session.result.result.totals["operational_co2e_kg"])
    assert "total_co2e_kg of every run" in view.header.text()
    assert "Grid hourly (v2)" in view.header.text()


def test_double_click_on_run_drills_into_it(window, known, qtbot):
    window.open_project(known)
    view = window.runs_view
    index = window.runs_model.index(1, 0)
    assert window.runs_model.data(index) == "beta"

    view.doubleClicked.emit(index)
    wait_for_jobs(qtbot, window)

    drill = window.last_drilldown
    assert values(drill.tables["runs"], "run") == ["beta"]
    assert values(drill.tables["energy_rows"], "energy_kwh") == pytest.approx([0.1, 0.1])
    assert values(drill.tables["sources"], "file") == ["beta_gpu.xlsx"]


def test_chart_point_drills_into_run_hour(window, known, qtbot):
    window.open_project(known)

    window.chart.click_at("alpha", HOURS[1] + 600)
    wait_for_jobs(qtbot, window)

    drill = window.last_drilldown
    assert values(drill.tables["run_hours"], "hour") == ["2025-09-01T01:00:00Z"]
    assert values(drill.tables["run_hours"], "dataset") == ["Grid hourly"]
    assert values(drill.tables["run_hours"], "co2e_g_per_kwh") == pytest.approx([500.0])
    assert values(drill.tables["source_lines"], "line") == [6, 7, 8, 9]
    assert values(drill.tables["source_lines"], "text")[0] == "2025-09-01T01:00:00Z,g0,300"


def test_drill_action_uses_selected_run(window, known, qtbot):
    window.open_project(known)
    window.runs_view.selectRow(0)

    window.action_map["drill_down"].trigger()
    wait_for_jobs(qtbot, window)

    drill = window.last_drilldown
    assert values(drill.tables["runs"], "run") == ["alpha"]
    factors = dict(zip(values(drill.tables["factors"], "dataset"), values(drill.tables["factors"], "hours")))
    assert factors == {"Grid annual": 2, "Grid hourly": 1}


def test_drill_shows_assumptions_with_rationale(window, known, qtbot):
    window.open_project(known)

    window.action_map["drill_down"].trigger()
    wait_for_jobs(qtbot, window)

    table = window.last_drilldown.tables["assumptions"]
    rows = dict(zip(values(table, "label"), values(table, "rationale")))
    assert rows["Power usage effectiveness"] == "Known answer test values"
    assert window.last_drilldown.tabs.tabText(0) == "Runs (2)"


def test_drill_without_project_says_so(window):
    assert window.drill_selected() is None
    assert "Open a project" in window.statusBar().currentMessage()


def test_mouse_click_on_chart_drills_once(window, known, qtbot):
    from PySide6.QtCore import QPointF
    from PySide6.QtWidgets import QWidget

    window.open_project(known)
    chart = window.chart
    qtbot.waitUntil(lambda: "alpha" in chart.curves, timeout=5000)
    chart.plot_item.vb.autoRange()  # set the range now; the automatic one waits for the next paint
    alpha_kwh = chart.curves["alpha"].yData[1]
    scene_point = chart.plot_item.vb.mapViewToScene(QPointF(HOURS[1], alpha_kwh))
    point = chart.plot_widget.mapFromScene(scene_point)
    tabs_before = window.tabs.count()

    qtbot.mouseClick(chart.plot_widget.viewport(), Qt.MouseButton.LeftButton, pos=point)
    wait_for_jobs(qtbot, window)

    assert window.tabs.count() == tabs_before + 1
    drill = window.last_drilldown
    assert isinstance(drill, QWidget)
    assert values(drill.tables["run_hours"], "hour") == ["2025-09-01T01:00:00Z"]
