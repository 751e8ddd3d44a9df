"""The views of the four GUI parts in the shell: placed with add_view, following preferences and read-only mode."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QDockWidget

from workbench.services import project_lock
from workbench.services.preferences import Preferences
from workbench.ui.main_window import MainWindow


def drop(window, path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    window.dropEvent(QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                Qt.KeyboardModifier.NoModifier))


def test_views_placed_with_add_view(window, gpu_project):
    for name in ("explorer", "assumption_editor", "charts", "reports", "uncertainty", "comparison"):
        container, _title = window.views[name]
        assert isinstance(container, QDockWidget), name
    view_menu = {action.text() for action in window.view_menu.actions()}
    for key in ("reports", "show_uncertainty", "show_comparison", "show_assumption_editor", "show_charts"):
        assert window.action_map[key].text() in view_menu, key

    assert window.reports_dock.isHidden()
    window.open_project(gpu_project)
    window.action_map["reports"].trigger()
    assert not window.reports_dock.isHidden()
    window.action_map["show_uncertainty"].trigger()
    assert not window.analysis.uncertainty_dock.isHidden()


def test_trial_preference_sets_view_defaults(qtbot, tmp_path, rationales):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    first = MainWindow(settings=settings, ask_rationale=rationales)
    qtbot.addWidget(first)
    first.set_preferences(Preferences(monte_carlo_trials=50_000))
    assert first.analysis.uncertainty.state.trials == 50_000
    assert first.analysis.comparison.trials_box.value() == 50_000
    first.close()

    second = MainWindow(settings=settings, ask_rationale=rationales)
    qtbot.addWidget(second)
    assert second.analysis.uncertainty.trials_box.value() == 50_000
    assert second.analysis.comparison.state.trials == 50_000
    second.close()


def test_reports_export_uses_key_folder(window, gpu_project, tmp_path):
    window.open_project(gpu_project)
    window.set_preferences(Preferences(signing_key_folder=str(tmp_path)))
    seen = []
    window.reports_view.choose_export = lambda dialog: seen.append(dialog) and False

    window.action_map["export_pdf"].trigger()

    assert seen[0].key_folder == str(tmp_path)
    assert seen[0].format_combo.currentData() == "pdf"


def test_read_only_refuses_import_wizard(qtbot, tmp_path, rationales, gpu_project):
    other = project_lock.acquire(gpu_project)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, ask_rationale=rationales, ask_locked=lambda _error: "read_only")
    qtbot.addWidget(window)
    assert window.open_project(gpu_project) is True
    meter = tmp_path / "meter.csv"
    meter.write_text("meter,timestamp,kwh\nm1,2025-09-01T00:00:00Z,1.0\n", encoding="utf-8")

    drop(window, meter)
    qtbot.wait(50)
    window.choose_import([meter])

    assert window.import_wizard is None
    assert "read-only" in window.assumption_editor.set_label.text()
    other.release()
    window.close()
