"""The export dialog: format, output file, draft or final, reduction plan, and the PKCS#12 key that signs it.

Every format of ``carbon-workbench export`` is offered: the workbook, the PDF and the three JSON
formats. A final report must be signed and must contain every required disclosure. The export
service checks the disclosures, and the dialog requires the key. A draft may be exported
unsigned. "Include the reduction plan" is ``export --with-plan``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from workbench.services.exports import DEFAULT_SEED, FORMATS, SUFFIXES
from workbench.services.report_stages import FORMAT_LABELS

FORMAT_FILTERS = {"xlsx": "Excel workbook (*.xlsx)", "pdf": "PDF document (*.pdf)", "json": "JSON (*.json)",
                  "esrs-json": "JSON (*.json)", "ai-act-json": "JSON (*.json)"}
KEY_FILTER = "PKCS#12 key (*.p12 *.pfx);;All files (*)"
DEFAULT_PLAN_TRIALS = 20_000


@dataclass
class ExportRequest:
    """Everything an export needs besides the project and the assumption set."""

    fmt: str
    out: Path
    draft: bool
    sign_key: Path | None
    password: bytes | None
    with_plan: bool = False
    plan_trials: int | None = None
    seed: int = DEFAULT_SEED


class ExportDialog(QDialog):
    """Asks where to write a report, whether it is a draft, and which key signs it (required for a final report)."""

    def __init__(self, fmt: str, suggested: Path, parent: QWidget | None = None, *,
                 formats: tuple[str, ...] = FORMATS, key_folder: str = "") -> None:
        super().__init__(parent)
        self.fmt = fmt
        self.key_folder = key_folder  # where the key file dialog starts (a preference)
        self.setWindowTitle("Export Report")
        self.format_combo = QComboBox()
        for name in formats:
            self.format_combo.addItem(FORMAT_LABELS.get(name, name), name)
        self.format_combo.setCurrentIndex(max(self.format_combo.findData(fmt), 0))
        self.format_combo.setToolTip("The report format, as carbon-workbench export --format")
        self.out_edit = QLineEdit(str(suggested))
        out_button = QPushButton("Browse...")
        self.plan_check = QCheckBox("Include the reduction plan (avoided emissions of each lever, never netted)")
        self.plan_check.setToolTip("As export --with-plan: needs lever sets made with the planner")
        self.trials_spin = QSpinBox()
        self.trials_spin.setRange(1_000, 1_000_000)
        self.trials_spin.setSingleStep(1_000)
        self.trials_spin.setValue(DEFAULT_PLAN_TRIALS)
        self.trials_spin.setToolTip("Monte Carlo trials per lever for the intervals of the avoided emissions")
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2_147_483_647)
        self.seed_spin.setValue(DEFAULT_SEED)
        self.seed_spin.setToolTip("Seed of every Monte Carlo run of the report; verify repeats them with it")
        self.draft_check = QCheckBox("Draft (marked DRAFT on every page and sheet; lists the missing disclosures)")
        self.key_edit = QLineEdit()
        key_button = QPushButton("Browse...")
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText("password of the key file")
        self.error_label = QLabel("")
        self.error_label.setStyleSheet("color: #b00020;")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")

        form = QFormLayout()
        form.addRow("Format:", self.format_combo)
        form.addRow("Output file:", _row(self.out_edit, out_button))
        form.addRow("", self.draft_check)
        form.addRow("", self.plan_check)
        form.addRow("Trials per lever:", self.trials_spin)
        form.addRow("Seed:", self.seed_spin)
        form.addRow("Signing key:", _row(self.key_edit, key_button))
        form.addRow("Key password:", self.password_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.resize(680, 300)

        self.format_combo.currentIndexChanged.connect(lambda _index: self.set_format(self.format_combo.currentData()))
        self.plan_check.toggled.connect(self.trials_spin.setEnabled)
        self.trials_spin.setEnabled(False)
        self.draft_check.toggled.connect(self._show_key_requirement)
        self._show_key_requirement(self.draft_check.isChecked())
        out_button.clicked.connect(self._choose_output)
        key_button.clicked.connect(self._choose_key)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

    def set_format(self, fmt: str) -> None:
        """Select ``fmt`` and give the output file its suffix."""
        self.fmt = fmt
        if self.format_combo.currentData() != fmt:
            self.format_combo.setCurrentIndex(self.format_combo.findData(fmt))
        out = Path(self.out_edit.text().strip() or "report")
        stem = out.name.removesuffix(out.suffix) if out.suffix.lower() in (".xlsx", ".pdf", ".json") else out.name
        self.out_edit.setText(str(out.with_name(stem + SUFFIXES[fmt])))

    def _show_key_requirement(self, draft: bool) -> None:
        self.key_edit.setPlaceholderText("optional for a draft; leave empty for an unsigned draft" if draft
                                         else "required: a final report is signed")

    def _choose_output(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, "Export to", self.out_edit.text(),
                                                    FORMAT_FILTERS[self.fmt])
        if path:
            self.out_edit.setText(path)

    def _choose_key(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Signing key", self.key_folder, KEY_FILTER)
        if path:
            self.key_edit.setText(path)

    def problem(self) -> str:
        """Return why the entries cannot be used as they are, or "" when they can."""
        out = self.out_edit.text().strip()
        if not out:
            return "Choose an output file."
        if not Path(out).parent.is_dir():
            return f"The folder {Path(out).parent} does not exist."
        key = self.key_edit.text().strip()
        if not key and not self.draft_check.isChecked():
            return "A final report must be signed: choose a signing key, or tick Draft."
        if key and not Path(key).is_file():
            return f"The key file {key} does not exist."
        return ""

    def accept(self) -> None:
        problem = self.problem()
        self.error_label.setText(problem)
        if not problem:
            super().accept()

    def request(self) -> ExportRequest:
        out = Path(self.out_edit.text().strip())
        if out.suffix.lower() != SUFFIXES[self.fmt]:
            out = out.with_name(out.name + SUFFIXES[self.fmt])
        key = self.key_edit.text().strip()
        with_plan = self.plan_check.isChecked()
        return ExportRequest(self.fmt, out, self.draft_check.isChecked(), Path(key) if key else None,
                             self.password_edit.text().encode("utf-8") if key else None, with_plan=with_plan,
                             plan_trials=self.trials_spin.value() if with_plan else None,
                             seed=self.seed_spin.value())


def _row(editor: QLineEdit, button: QPushButton) -> QWidget:
    widget = QWidget()
    layout = QHBoxLayout(widget)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(editor, 1)
    layout.addWidget(button)
    return widget
