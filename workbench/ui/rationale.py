"""Asking why an assumption changes; the answer goes into the audit log with the change."""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

# (label of the assumption, old value, new value) -> rationale, or None when the user cancels
RationaleProvider = Callable[[str, Any, Any], "str | None"]


class RationaleDialog(QDialog):
    """A prompt for the reason of one assumption change; OK stays disabled until text is entered."""

    def __init__(self, label: str, old: Any, new: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Why does this assumption change?")
        self.prompt = QLabel(f"{label}: {_shown(old)} → {_shown(new)}\n"
                             "Say why, for example the source of the new value. "
                             "The reason is stored in the audit log.")
        self.prompt.setWordWrap(True)
        self.editor = QPlainTextEdit()
        self.editor.setPlaceholderText("for example: PUE measured by the operator for 2025 (category 2)")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.editor.textChanged.connect(self._update_ok)
        layout = QVBoxLayout(self)
        layout.addWidget(self.prompt)
        layout.addWidget(self.editor)
        layout.addWidget(self.buttons)
        self._update_ok()

    def rationale(self) -> str:
        return self.editor.toPlainText().strip()

    def _update_ok(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.rationale()))


def ask_rationale_dialog(parent: QWidget | None) -> RationaleProvider:
    """Return a provider that asks with a modal :class:`RationaleDialog` over ``parent``."""
    def ask(label: str, old: Any, new: Any) -> str | None:
        dialog = RationaleDialog(label, old, new, parent)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        return dialog.rationale() if accepted and dialog.rationale() else None
    return ask


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "(empty)"
    return f"{value:g}" if isinstance(value, float) else str(value)
