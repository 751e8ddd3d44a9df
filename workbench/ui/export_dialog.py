"""The export dialog: output file, draft or final, and the PKCS#12 key that signs the report.

A final report must be signed and must contain every required disclosure. The export service
checks the disclosures, and the dialog requires the key. A draft may be exported unsigned.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout,
                               QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget)

FORMAT_FILTERS = {"xlsx": "Excel workbook (*.xlsx)", "pdf": "PDF document (*.pdf)"}
KEY_FILTER = "PKCS#12 key (*.p12 *.pfx);;All files (*)"


@dataclass
class ExportRequest:
    """Everything an export needs besides the project and the assumption set."""

    fmt: str
    out: Path
    draft: bool
    sign_key: Path | None
    password: bytes | None


class ExportDialog(QDialog):
    """Asks where to write a report, whether it is a draft, and which key signs it (required for a final report)."""

    def __init__(self, fmt: str, suggested: Path, parent: QWidget | None = None, *, key_folder: str = "") -> None:
        super().__init__(parent)
        self.fmt = fmt
        self.key_folder = key_folder  # where the key file dialog starts (a preference)
        self.setWindowTitle(f"Export {fmt.upper()}")
        self.out_edit = QLineEdit(str(suggested))
        out_button = QPushButton("Browse...")
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
        form.addRow("Output file:", _row(self.out_edit, out_button))
        form.addRow("", self.draft_check)
        form.addRow("Signing key:", _row(self.key_edit, key_button))
        form.addRow("Key password:", self.password_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.resize(600, 200)

        self.draft_check.toggled.connect(self._show_key_requirement)
        self._show_key_requirement(self.draft_check.isChecked())
        out_button.clicked.connect(self._choose_output)
        key_button.clicked.connect(self._choose_key)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

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
        if out.suffix.lower() != f".{self.fmt}":
            out = out.with_name(out.name + f".{self.fmt}")
        key = self.key_edit.text().strip()
        return ExportRequest(self.fmt, out, self.draft_check.isChecked(), Path(key) if key else None,
                             self.password_edit.text().encode("utf-8") if key else None)


def _row(editor: QLineEdit, button: QPushButton) -> QWidget:
    widget = QWidget()
    layout = QHBoxLayout(widget)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(editor, 1)
    layout.addWidget(button)
    return widget
