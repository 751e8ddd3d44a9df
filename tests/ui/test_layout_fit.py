"""The main window fits a 1366-pixel laptop screen: panels rearrange instead of widening the window."""

from __future__ import annotations

from PySide6.QtCore import Qt

LAPTOP_WIDTH_PX = 1366


def test_window_fits_laptop_width(qtbot, window, gpu_project):
    assert window.open_project(gpu_project)
    qtbot.wait(50)

    assert window.minimumSizeHint().width() <= LAPTOP_WIDTH_PX
    window.resize(LAPTOP_WIDTH_PX, 768)
    qtbot.waitUntil(lambda: window.width() <= LAPTOP_WIDTH_PX)


def test_totals_panel_wraps_when_narrow(qtbot, window, gpu_project):
    assert window.open_project(gpu_project)
    panel = window.totals_panel

    panel.resize(panel.minimumSizeHint().width(), panel.height())
    qtbot.waitUntil(lambda: panel.columns == 2)
    panel.resize(2000, panel.height())
    qtbot.waitUntil(lambda: panel.columns == 4)


def test_assumption_editor_stacks_when_narrow(qtbot, window, gpu_project):
    assert window.open_project(gpu_project)
    editor = window.assumption_editor

    editor.resize(editor.minimumSizeHint().width(), 700)
    qtbot.waitUntil(lambda: editor.splitter.orientation() == Qt.Orientation.Vertical)
    editor.resize(1400, 700)
    qtbot.waitUntil(lambda: editor.splitter.orientation() == Qt.Orientation.Horizontal)


def test_explorer_shows_names_and_counts(window, gpu_project):
    assert window.open_project(gpu_project)
    tree = window.explorer_tree

    assert tree.minimumWidth() >= tree.sizeHintForColumn(0) + tree.fontMetrics().horizontalAdvance("9,999,999")
