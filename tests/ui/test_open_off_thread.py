"""Opening a project off the UI thread and shaping chart data in the recompute worker."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from workbench.errors import OperationCancelled
from workbench.progress import Progress
from workbench.services import chart_data
from workbench.services.opening import read_project
from workbench.services.session import Session, compute_response
from workbench.ui.frame_model import Column, DataFrameModel
from workbench.ui.main_window import MainWindow


def test_read_project_matches_session_open(gpu_project):
    opened = read_project(gpu_project)
    reference = Session()
    reference.open(gpu_project)

    assert opened.committed == reference.committed
    assert opened.response.result.totals == reference.result.result.totals
    pd.testing.assert_frame_equal(opened.response.runs, reference.result.runs)
    reference.close()


def test_adopt_opened_publishes_project_and_result(gpu_project):
    session = Session()
    seen = []
    session.subscribe("result", seen.append)

    session.adopt_opened(read_project(gpu_project))

    assert session.project.name == "glasses"
    assert session.assumptions == session.committed
    assert len(seen) == 1
    assert seen[0].request.serial > 0
    assert seen[0].result.totals["total_co2e_kg"] > 0
    assert session.recompute().result.totals == seen[0].result.totals
    session.close()


def test_read_project_cancelled_raises(gpu_project):
    progress = Progress()
    progress.cancel()

    with pytest.raises(OperationCancelled):
        read_project(gpu_project, progress)


def test_window_open_failure_keeps_project(qtbot, settings, gpu_project, tmp_path, message_boxes):
    window = MainWindow(settings=settings, ask_rationale=lambda *_args: None)
    qtbot.addWidget(window)
    assert window.open_project(gpu_project)
    foreign = tmp_path / "notes.cwb"
    foreign.write_text("not a project", "utf-8")

    assert not window.open_project(foreign)

    assert window.session.project.name == "glasses"
    assert window.session.result is not None
    assert any("Opening the project" in box["text"] for box in message_boxes)


def test_recomputer_shapes_central_chart_in_worker(qtbot, settings, gpu_project):
    window = MainWindow(settings=settings, ask_rationale=lambda *_args: None)
    qtbot.addWidget(window)
    window.show()
    assert window.open_project(gpu_project)
    applied = []
    window.recomputer.applied.connect(applied.append)

    window.recomputer.preview(pue=1.77)
    qtbot.waitUntil(lambda: bool(applied))

    response = applied[0]
    assert any(key[0] == "central_energy_chart" for key in response.shaped)
    name, curve = next(iter(window.chart.curves.items()))
    expected = response.hourly[response.hourly["run"] == name]["facility_energy_kwh"].to_numpy()
    np.testing.assert_allclose(curve.yData, expected)


def test_row_index_gives_same_stack(gpu_project):
    session = Session()
    session.open(gpu_project)
    response = session.result
    index = chart_data.row_index(response.request.model)
    later = compute_response(session.preview({"pue": 1.9}))

    for stack_by in ("run", "site"):
        for frame in (response, later):
            plain = chart_data.energy_stacked(frame.hourly, frame.runs, stack_by=stack_by)
            cached = chart_data.energy_stacked(frame.hourly, frame.runs, stack_by=stack_by, index=index)
            pd.testing.assert_frame_equal(plain, cached)
    pd.testing.assert_frame_equal(chart_data.hourly_intensity(later.hourly),
                                  chart_data.hourly_intensity(later.hourly, index))
    session.close()


def test_frame_model_updates_values_in_place(qtbot):
    model = DataFrameModel((Column("run", "Run"), Column("energy_kwh", "Energy", "kWh", "number")))
    model.set_frame(pd.DataFrame({"run": ["a", "b"], "energy_kwh": [1.0, 2.0]}))
    resets, changes = [], []
    model.modelReset.connect(lambda: resets.append(True))
    model.dataChanged.connect(lambda top, bottom, _roles: changes.append((top.row(), bottom.row(), bottom.column())))

    model.set_frame(pd.DataFrame({"run": ["a", "b"], "energy_kwh": [3.0, 4.0]}))
    assert resets == []
    assert changes == [(0, 1, 1)]
    assert model.data(model.index(1, 1)) == "4.000"

    model.set_frame(pd.DataFrame({"run": ["b", "a"], "energy_kwh": [4.0, 3.0]}))
    assert resets == [True]
    assert model.raw_value(0, 0) == "b"


def test_response_shape_computes_once(gpu_project):
    session = Session()
    session.open(gpu_project)
    calls = []
    response = dataclasses.replace(session.result, shaped={})

    first = response.shape("key", lambda: calls.append(1) or "value")
    second = response.shape("key", lambda: calls.append(1) or "other")

    assert (first, second, len(calls)) == ("value", "value", 1)
    session.close()


def _change_stored_totals(path) -> None:
    import sqlite3

    conn = sqlite3.connect(path)
    conn.execute("UPDATE run_energy_totals SET energy_kwh = energy_kwh * 3")
    conn.execute("UPDATE run_energy_hours SET energy_wh = energy_wh * 3, gpu_energy_wh = gpu_energy_wh * 3")
    conn.commit()
    conn.close()


def test_window_checks_stored_totals_after_open(qtbot, window, gpu_project):
    assert window.open_project(gpu_project)

    assert window.session.model.uses_stored_totals is True
    qtbot.waitUntil(lambda: not window.jobs, timeout=20_000)
    assert window.stored_totals_warning is None


def test_window_reads_rows_when_stored_totals_differ(qtbot, window, gpu_project):
    expected = Session()
    expected.open(gpu_project)
    expected_total = expected.result.result.totals["total_co2e_kg"]
    expected.close()
    _change_stored_totals(gpu_project)

    assert window.open_project(gpu_project)
    shown_first = window.session.result.result.totals["total_co2e_kg"]
    qtbot.waitUntil(lambda: window.stored_totals_warning is not None, timeout=20_000)
    qtbot.waitUntil(lambda: not window.session.model.uses_stored_totals and not window.jobs, timeout=20_000)

    warning = window.stored_totals_warning
    assert warning.windowTitle() == "Stored run totals differ from the energy rows"
    assert "changed outside Carbon Workbench" in warning.text()
    assert "energy_kwh is " in warning.detailedText()
    assert shown_first == pytest.approx(3 * expected_total, rel=1e-9)
    assert window.session.result.result.totals["total_co2e_kg"] == pytest.approx(expected_total, rel=1e-12)
    warning.close()
