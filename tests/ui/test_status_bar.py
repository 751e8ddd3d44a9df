"""The status bar: project name and path, read-only mode, audit chain and recompute state."""

from __future__ import annotations

from workbench.ui.main_window import EMPTY_HINT


def test_status_bar_without_project(window):
    assert window.project_label.text() == "No project open"
    assert window.path_label.text() == ""
    assert window.recompute_label.text() == ""
    assert window.hint_label.text() == EMPTY_HINT


def test_status_bar_after_open(window, gpu_project):
    window.open_project(gpu_project)

    assert window.project_label.text() == "Project: glasses"
    assert window.path_label.text() == str(gpu_project)
    assert window.audit_label.text().startswith("Audit log: ")
    assert window.recompute_label.text() == "Totals up to date (baseline, stored values)"


def test_recompute_state_follows_preview(window, gpu_project, qtbot):
    window.open_project(gpu_project)

    window.assumption_panel.pue_slider.setSliderDown(True)
    window.assumption_panel.pue_slider.setValue(175)

    assert window.recompute_label.text() == "Recomputing..."
    qtbot.waitUntil(lambda: window.recompute_label.text().startswith("Totals up to date"), timeout=10_000)
    assert window.recompute_label.text() == "Totals up to date (baseline, preview, not stored)"
    window.assumption_panel.pue_slider.setSliderDown(False)


def test_status_bar_after_close(window, gpu_project):
    window.open_project(gpu_project)

    window.close_project()

    assert window.project_label.text() == "No project open"
    assert window.path_label.text() == ""
    assert window.windowTitle() == "Carbon Workbench"
