"""The main window over a real project: runs table, totals, chart, PUE and zone controls, audit log."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from workbench.project.audit import read_entries
from workbench.project.migrations import CURRENT_VERSION
from workbench.services import compute, projects
from workbench.ui.formatting import format_quantity
from workbench.ui.frame_model import RAW_VALUE_ROLE
from workbench.ui.main_window import RUN_TABLE_COLUMNS

OLD_PUE = 1.55  # the engine's default PUE, which a new project's baseline set inherits
NEW_PUE = 1.3


def engine_result(path):
    with projects.open_existing(path, read_only=True) as project:
        return compute.compute_footprint(project).result


def audit_entries(path):
    with projects.open_existing(path, read_only=True) as project:
        return read_entries(project.conn)


def wait_for_pue(qtbot, window, pue: float) -> None:
    qtbot.waitUntil(lambda: window.session.result.result.assumptions.pue == pytest.approx(pue))


def test_runs_table_shows_engine_numbers(window, gpu_project):
    expected = engine_result(gpu_project)

    assert window.open_project(gpu_project) is True

    model = window.runs_model
    assert model.rowCount() == 1
    assert model.columnCount() == len(RUN_TABLE_COLUMNS)
    run = expected.runs[0]
    for column_number, column in enumerate(RUN_TABLE_COLUMNS):
        index = model.index(0, column_number)
        assert model.data(index, RAW_VALUE_ROLE) == getattr(run, column.key), column.key
        assert model.data(index) == column.format(getattr(run, column.key)), column.key
    assert model.data(model.index(0, 0)) == "glasses"
    assert model.data(model.index(0, 4)) == "8"
    assert model.headerData(6, Qt.Orientation.Horizontal) == "Facility energy\n(kWh)"


def test_totals_and_status_bar_after_open(window, gpu_project):
    expected = engine_result(gpu_project)

    window.open_project(gpu_project)

    labels = window.totals_panel.value_labels
    totals = expected.totals
    assert labels["facility_energy_kwh"].text() == format_quantity(totals["facility_energy_kwh"] / 1000, "MWh")
    assert labels["total_co2e_kg"].text() == format_quantity(totals["total_co2e_kg"] / 1000, "tCO2e")
    assert labels["embodied_co2e_kg"].text() == "0 tCO2e"
    assert window.project_label.text() == "Project: glasses"
    assert window.format_label.text() == f"Format version {CURRENT_VERSION}"
    entries = len(audit_entries(gpu_project))
    assert window.audit_label.text() == f"Audit log: {entries} entries, hash chain intact"
    assert window.windowTitle() == "glasses — Carbon Workbench"


def test_pue_commit_scales_totals_and_chart(window, gpu_project, qtbot, rationales):
    window.open_project(gpu_project)
    before = dict(window.totals_panel.values)
    curve_before = window.chart.curves["glasses"].yData.copy()
    entries_before = len(audit_entries(gpu_project))
    spin = window.assumption_panel.pue_spin

    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "1.30")
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    wait_for_pue(qtbot, window, NEW_PUE)

    ratio = NEW_PUE / OLD_PUE
    after = window.totals_panel.values
    assert after["facility_energy_kwh"] == pytest.approx(before["facility_energy_kwh"] * ratio, rel=1e-12)
    assert after["operational_co2e_kg"] == pytest.approx(before["operational_co2e_kg"] * ratio, rel=1e-12)
    assert window.totals_panel.value_labels["facility_energy_kwh"].text() == format_quantity(
        before["facility_energy_kwh"] * ratio, "MWh")
    curve_after = window.chart.curves["glasses"].yData
    np.testing.assert_allclose(curve_after, curve_before * ratio, rtol=1e-12)

    assert rationales.asked == [("Power usage effectiveness", OLD_PUE, NEW_PUE)]
    entries = audit_entries(gpu_project)
    assert len(entries) == entries_before + 1
    last = entries[-1]
    assert last["action"] == "set_assumption"
    assert last["details"]["key"] == "pue"
    assert last["details"]["old"] == OLD_PUE
    assert last["details"]["new"] == NEW_PUE
    assert last["details"]["rationale"] == rationales.answer
    assert window.audit_label.text() == f"Audit log: {entries_before + 1} entries, hash chain intact"
    assert window.session.committed.pue == NEW_PUE


def test_pue_slider_previews_until_released(window, gpu_project, qtbot, rationales):
    window.open_project(gpu_project)
    facility_before = window.totals_panel.values["facility_energy_kwh"]
    entries_before = len(audit_entries(gpu_project))
    slider = window.assumption_panel.pue_slider
    results = []
    window.session.subscribe("result", results.append)

    slider.setSliderDown(True)
    for position in (150, 160, 170, 180):
        slider.setValue(position)
    wait_for_pue(qtbot, window, 1.8)

    assert len(results) == 1, "moves made without a pause merge into one recompute"

    assert window.totals_panel.values["facility_energy_kwh"] == pytest.approx(facility_before * 1.8 / OLD_PUE)
    assert window.assumption_panel.pue_spin.value() == pytest.approx(1.8)
    assert window.session.committed.pue == OLD_PUE
    assert len(audit_entries(gpu_project)) == entries_before
    assert rationales.asked == []

    slider.setSliderDown(False)

    assert rationales.asked == [("Power usage effectiveness", OLD_PUE, 1.8)]
    assert window.session.committed.pue == pytest.approx(1.8)
    assert len(audit_entries(gpu_project)) == entries_before + 1


def test_runs_table_follows_drag_and_release(window, gpu_project, qtbot, rationales):
    window.open_project(gpu_project)
    session = window.session
    facility_column = [column.key for column in RUN_TABLE_COLUMNS].index("facility_energy_kwh")
    slider = window.assumption_panel.pue_slider

    slider.setSliderDown(True)
    for position in (150, 160, 170, 180):
        slider.setValue(position)
        wait_for_pue(qtbot, window, position / 100)
    qtbot.waitUntil(lambda: not window.runs_table_updates.waiting())

    previewed = session.result.runs["facility_energy_kwh"].iloc[0]
    assert window.runs_model.raw_value(0, facility_column) == previewed

    slider.setSliderDown(False)  # the window requests the rationale and stores PUE 1.8

    assert not window.runs_table_updates.waiting()
    expected = engine_result(gpu_project)  # a fresh computation from the stored project
    assert session.committed.pue == pytest.approx(1.8)
    assert window.runs_model.raw_value(0, facility_column) == expected.runs[0].facility_energy_kwh
    assert session.result.result.totals == expected.totals
    np.testing.assert_array_equal(window.chart.curves["glasses"].yData,
                                  session.result.hourly["facility_energy_kwh"].to_numpy(float))


def test_cancelled_rationale_restores_committed_pue(window, gpu_project, qtbot, rationales):
    window.open_project(gpu_project)
    facility_before = window.totals_panel.values["facility_energy_kwh"]
    entries_before = len(audit_entries(gpu_project))
    rationales.answer = None
    spin = window.assumption_panel.pue_spin

    spin.setValue(2.0)
    wait_for_pue(qtbot, window, 2.0)
    spin.editingFinished.emit()
    wait_for_pue(qtbot, window, OLD_PUE)

    assert window.totals_panel.values["facility_energy_kwh"] == facility_before
    assert spin.value() == pytest.approx(OLD_PUE)
    assert window.assumption_panel.pue_slider.value() == 155
    assert len(audit_entries(gpu_project)) == entries_before
    assert len(rationales.asked) == 1


def test_zone_change_uses_zone_factors(window, gpu_project, qtbot, rationales):
    window.open_project(gpu_project)
    operational_before = window.totals_panel.values["operational_co2e_kg"]
    combo = window.assumption_panel.zone_combo
    assert [combo.itemText(i) for i in range(combo.count())] == ["", "CN", "DE"]

    combo.lineEdit().setFocus()
    qtbot.keyClicks(combo.lineEdit(), "DE")
    qtbot.keyClick(combo.lineEdit(), Qt.Key.Key_Return)

    assert rationales.asked == [("Grid zone for emission factors", "", "DE")]
    assert window.session.committed.factor_zone == "DE"
    assert window.totals_panel.values["operational_co2e_kg"] == pytest.approx(operational_before * 380 / 581)
    assert window.runs_model.data(window.runs_model.index(0, 3)) == "DE"
    last = audit_entries(gpu_project)[-1]
    assert last["details"]["key"] == "factor_zone"
    assert last["details"]["new"] == "DE"


def test_stale_preview_response_is_dropped(window, gpu_project):
    from workbench.services.session import compute_response

    window.open_project(gpu_project)
    session = window.session
    older = session.preview({"pue": 2.0})
    newer = session.preview({"pue": 1.2})

    assert session.apply(compute_response(newer)) is True
    assert session.apply(compute_response(older)) is False
    assert session.result.result.assumptions.pue == 1.2


def drop_events(path, window):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    center = window.rect().center()
    enter = QDragEnterEvent(QPoint(center), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    drop = QDropEvent(QPointF(center), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    return mime, enter, drop


def test_drop_of_project_file_opens_it(window, gpu_project, qtbot):
    _mime, enter, drop = drop_events(gpu_project, window)

    QApplication.sendEvent(window, enter)
    assert enter.isAccepted() is True
    QApplication.sendEvent(window, drop)
    assert drop.isAccepted() is True

    qtbot.waitUntil(lambda: window.session.project is not None)
    assert window.session.project.path == gpu_project
    assert window.runs_model.rowCount() == 1


def test_drop_of_other_file_is_refused(window, tmp_path):
    other = tmp_path / "factors.csv"
    other.write_text("zone\n", encoding="utf-8")
    _mime, enter, _drop = drop_events(other, window)

    QApplication.sendEvent(window, enter)

    assert enter.isAccepted() is False
    assert window.session.project is None


def recent_entries(window):
    return [(action.text(), action.toolTip()) for action in window.recent_menu.actions()
            if action.data() is not None]


def test_recent_menu_lists_opened_files(window, gpu_project, tmp_path, project_builder, settings, qtbot,
                                                 rationales):
    second = project_builder(tmp_path / "second.cwb")

    window.open_project(gpu_project)
    window.open_project(second)

    assert recent_entries(window) == [("&1 second.cwb", str(second.resolve())),
                                      ("&2 glasses.cwb", str(gpu_project.resolve()))]

    from workbench.ui.main_window import MainWindow

    reopened = MainWindow(settings=settings, ask_rationale=rationales)
    qtbot.addWidget(reopened)
    assert recent_entries(reopened) == recent_entries(window)
    reopened.recent_menu.actions()[1].trigger()
    assert reopened.session.project.path == gpu_project.resolve()


def test_recent_projects_keep_eight_newest(settings, tmp_path):
    from workbench.ui.recent import RecentFiles

    recent = RecentFiles(settings)
    for number in range(10):
        recent.add(tmp_path / f"p{number}.cwb")
    recent.add(tmp_path / "p5.cwb")

    paths = recent.paths()
    assert len(paths) == 8
    assert paths[0] == str((tmp_path / "p5.cwb").resolve())
    assert paths[1] == str((tmp_path / "p9.cwb").resolve())
    assert str((tmp_path / "p1.cwb").resolve()) not in paths


def test_foreign_file_shows_error_dialog(window, gpu_project, tmp_path, message_boxes):
    window.open_project(gpu_project)
    foreign = tmp_path / "foreign.cwb"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE notes (text TEXT)")
    conn.close()
    foreign_bytes = foreign.read_bytes()

    assert window.open_project(foreign) is False

    assert len(message_boxes) == 1
    box = message_boxes[0]
    assert box["text"] == "Opening the project failed."
    assert "is an SQLite database but not a Carbon Workbench project" in box["informative"]
    assert "Traceback" not in box["details"]
    assert foreign.read_bytes() == foreign_bytes
    assert window.session.project.path == gpu_project


def test_text_file_shows_error_dialog(window, tmp_path, message_boxes):
    text_file = tmp_path / "notes.cwb"
    text_file.write_text("not a project\n", encoding="utf-8")

    window.open_project(text_file)

    assert [box["text"] for box in message_boxes] == ["Opening the project failed."]
    assert "not an SQLite database" in message_boxes[0]["informative"]
    assert window.session.project is None
    assert window.project_label.text() == "No project open"


def test_keyboard_slider_commits_after_pause(window, gpu_project, qtbot, rationales):
    window.open_project(gpu_project)
    slider = window.assumption_panel.pue_slider

    slider.setFocus()
    qtbot.keyClick(slider, Qt.Key.Key_PageUp)

    qtbot.waitUntil(lambda: window.session.committed.pue == pytest.approx(1.65))
    assert rationales.asked == [("Power usage effectiveness", OLD_PUE, 1.65)]
    assert window.assumption_panel.pue_spin.value() == pytest.approx(1.65)


def test_zone_without_factors_shows_warning(window, gpu_project, qtbot):
    window.open_project(gpu_project)
    warning = window.totals_panel.warning_label
    assert "zone XX" not in warning.toolTip()

    line_edit = window.assumption_panel.zone_combo.lineEdit()
    line_edit.setFocus()
    qtbot.keyClicks(line_edit, "XX")
    qtbot.keyClick(line_edit, Qt.Key.Key_Return)

    assert window.session.committed.factor_zone == "XX"
    assert window.totals_panel.values["operational_co2e_kg"] == 0.0
    assert warning.isVisible() is True
    assert warning.text().startswith("⚠ run glasses: ")
    assert "no emission factor for zone XX" in warning.toolTip()


def test_selecting_other_set_shows_its_values(window, gpu_project):
    from workbench.services import assumptions

    with projects.open_existing(gpu_project) as project:
        assumptions.change(project, "measured", {"pue": 1.2}, rationale="metered PUE", base="baseline")
    window.open_project(gpu_project)
    combo = window.assumption_panel.set_combo
    assert [combo.itemData(i) for i in range(combo.count())] == ["baseline", "measured"]
    facility_baseline = window.totals_panel.values["facility_energy_kwh"]

    combo.setCurrentIndex(1)
    combo.activated.emit(1)

    assert window.session.set_name == "measured"
    assert window.assumption_panel.pue_spin.value() == pytest.approx(1.2)
    assert window.totals_panel.values["facility_energy_kwh"] == pytest.approx(facility_baseline * 1.2 / OLD_PUE)


def test_rationale_dialog_requires_text(qtbot):
    from PySide6.QtWidgets import QDialogButtonBox

    from workbench.ui.rationale import RationaleDialog

    dialog = RationaleDialog("Power usage effectiveness", 1.55, 1.3)
    qtbot.addWidget(dialog)
    ok_button = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)

    assert "Power usage effectiveness: 1.55 → 1.3" in dialog.prompt.text()
    assert ok_button.isEnabled() is False
    qtbot.keyClicks(dialog.editor, "   ")
    assert ok_button.isEnabled() is False
    qtbot.keyClicks(dialog.editor, "metered in 2025 ")
    assert ok_button.isEnabled() is True
    assert dialog.rationale() == "metered in 2025"


def test_runs_table_sorted_by_run_name(window, gpu_project, tmp_path, samples):
    from workbench.services import imports

    with projects.open_existing(gpu_project) as project:
        imports.import_file(project, samples / "nvidia_smi" / "xypp3__gpu_glasses__nvidia_smi.csv",
                            imports.ImportOptions("gpu-log", timezone="UTC", site="lab", run="alpha",
                                                  allow_duplicate=True))
    window.open_project(gpu_project)

    model = window.runs_model
    assert [model.data(model.index(row, 0)) for row in range(model.rowCount())] == ["alpha", "glasses"]
    header = window.runs_view.horizontalHeader()
    assert header.sortIndicatorSection() == 0
    assert header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
