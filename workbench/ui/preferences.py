"""The preferences dialog and reading and writing preferences in QSettings.

Keys live under ``preferences/`` in the application's QSettings. :func:`apply_preferences`
makes the stored choices take effect (theme and number style) for the whole application.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QLineEdit, QPushButton, QSpinBox, QWidget)

from workbench.services.preferences import DIGITS_RANGE, THEMES, TRIALS_RANGE, Preferences
from workbench.ui.formatting import set_number_style
from workbench.ui.theme import apply_theme

GROUP = "preferences"
THEME_LABELS = {"system": "Follow the system", "light": "Light", "dark": "Dark"}


def load_preferences(settings: QSettings) -> Preferences:
    """Read preferences from ``settings``; missing or invalid entries get their defaults."""
    settings.beginGroup(GROUP)
    try:
        values = {key: settings.value(key) for key in settings.childKeys()}
    finally:
        settings.endGroup()
    return Preferences.from_mapping(values)


def save_preferences(settings: QSettings, preferences: Preferences) -> None:
    settings.beginGroup(GROUP)
    try:
        for key, value in preferences.as_dict().items():
            settings.setValue(key, value)
    finally:
        settings.endGroup()
    settings.sync()


def apply_preferences(preferences: Preferences) -> None:
    """Make the theme and number style of ``preferences`` take effect."""
    set_number_style(preferences.significant_digits, preferences.thousands_separator)
    apply_theme(preferences.theme)


class PreferencesDialog(QDialog):
    """Edits a :class:`Preferences`; :meth:`preferences` returns the values shown."""

    def __init__(self, preferences: Preferences, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preferences_dialog")
        self.setWindowTitle("Preferences")
        self.key_folder_edit = QLineEdit()
        self.key_folder_edit.setPlaceholderText("home folder")
        self.key_folder_edit.setToolTip("Folder where the dialogs for PKCS#12 signing keys start")
        self.browse_button = QPushButton("Browse...")
        self.browse_button.setToolTip("Choose the folder of your signing keys")
        self.trials_spin = QSpinBox()
        self.trials_spin.setRange(*TRIALS_RANGE)
        self.trials_spin.setSingleStep(1000)
        self.trials_spin.setGroupSeparatorShown(True)
        self.trials_spin.setToolTip("Trials of a Monte Carlo run started from the uncertainty view")
        self.theme_combo = QComboBox()
        for theme in THEMES:
            self.theme_combo.addItem(THEME_LABELS[theme], theme)
        self.theme_combo.setToolTip("Colors of the window: the desktop's light or dark scheme, or a fixed one")
        self.digits_spin = QSpinBox()
        self.digits_spin.setRange(*DIGITS_RANGE)
        self.digits_spin.setToolTip("Significant digits of numbers in tables and totals")
        self.separator_check = QCheckBox("Thousands separators (1,234,568)")
        self.separator_check.setToolTip("Group the digits of large numbers in tables and totals")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.browse_button.clicked.connect(self._browse)

        folder = QHBoxLayout()
        folder.addWidget(self.key_folder_edit, 1)
        folder.addWidget(self.browse_button)
        form = QFormLayout(self)
        form.addRow("Signing key folder:", folder)
        form.addRow("Monte Carlo trials:", self.trials_spin)
        form.addRow("Theme:", self.theme_combo)
        form.addRow("Significant digits:", self.digits_spin)
        form.addRow("", self.separator_check)
        form.addRow(self.buttons)
        self.show_preferences(preferences)

    def show_preferences(self, preferences: Preferences) -> None:
        self.key_folder_edit.setText(preferences.signing_key_folder)
        self.trials_spin.setValue(preferences.monte_carlo_trials)
        self.theme_combo.setCurrentIndex(self.theme_combo.findData(preferences.theme))
        self.digits_spin.setValue(preferences.significant_digits)
        self.separator_check.setChecked(preferences.thousands_separator)

    def preferences(self) -> Preferences:
        return Preferences(signing_key_folder=self.key_folder_edit.text().strip(),
                           monte_carlo_trials=self.trials_spin.value(), theme=self.theme_combo.currentData(),
                           significant_digits=self.digits_spin.value(),
                           thousands_separator=self.separator_check.isChecked())

    def _browse(self) -> None:
        start = self.key_folder_edit.text() or str(Path.home())
        folder = QFileDialog.getExistingDirectory(self, "Signing Key Folder", start)
        if folder:
            self.key_folder_edit.setText(folder)
