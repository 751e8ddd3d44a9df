"""Preferences: the dialog in both directions, QSettings storage, theme and number style applied."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from workbench.services.preferences import Preferences
from workbench.ui import formatting
from workbench.ui.preferences import PreferencesDialog, load_preferences, save_preferences
from workbench.ui.theme import apply_theme, is_dark


@pytest.fixture(autouse=True)
def restore_style():
    yield
    formatting.set_number_style()
    apply_theme("system")


def test_dialog_shows_preferences(qtbot):
    chosen = Preferences(signing_key_folder="/keys", monte_carlo_trials=50_000, theme="dark", significant_digits=6,
                         thousands_separator=False)
    dialog = PreferencesDialog(chosen)
    qtbot.addWidget(dialog)

    assert dialog.key_folder_edit.text() == "/keys"
    assert dialog.trials_spin.value() == 50_000
    assert dialog.theme_combo.currentData() == "dark"
    assert dialog.digits_spin.value() == 6
    assert dialog.separator_check.isChecked() is False
    assert dialog.preferences() == chosen


def test_dialog_edits_become_preferences(qtbot):
    dialog = PreferencesDialog(Preferences())
    qtbot.addWidget(dialog)

    dialog.trials_spin.setValue(100_000)
    dialog.theme_combo.setCurrentIndex(dialog.theme_combo.findData("light"))
    dialog.key_folder_edit.setText("  /home/auditor/keys ")

    assert dialog.preferences() == Preferences(signing_key_folder="/home/auditor/keys", monte_carlo_trials=100_000,
                                               theme="light")


def test_settings_round_trip(tmp_path):
    settings = QSettings(str(tmp_path / "prefs.ini"), QSettings.Format.IniFormat)
    chosen = Preferences(monte_carlo_trials=5_000, theme="dark", thousands_separator=False)

    save_preferences(settings, chosen)
    reread = QSettings(str(tmp_path / "prefs.ini"), QSettings.Format.IniFormat)

    assert load_preferences(reread) == chosen


def test_window_applies_and_stores(window, gpu_project, settings):
    window.open_project(gpu_project)
    total_kg = window.session.result.result.totals["facility_energy_kwh"]

    window.set_preferences(Preferences(significant_digits=6, thousands_separator=False, theme="dark"))

    assert load_preferences(settings).significant_digits == 6
    assert is_dark(QApplication.instance().palette()) is True
    shown = window.totals_panel.value_labels["facility_energy_kwh"].text()
    assert shown == f"{formatting.format_significant(total_kg / 1000, 6)} MWh"
    assert "," not in shown


def test_light_theme_is_light(qtbot):
    assert apply_theme("light") == "light"

    assert is_dark(QApplication.instance().palette()) is False


def test_export_dialog_starts_in_key_folder(window, gpu_project, tmp_path):
    from workbench.ui.export_dialog import ExportDialog

    window.set_preferences(Preferences(signing_key_folder=str(tmp_path)))
    dialog = ExportDialog("pdf", tmp_path / "out.pdf", window, key_folder=window.preferences.signing_key_folder)

    assert dialog.key_folder == str(tmp_path)
