"""Turning exceptions into dialogs at the edge of the GUI.

The headline of each dialog names the operation that failed; the message of the error and its
hint go below it, and anything longer goes behind the Details button. A traceback never reaches
the dialog; unexpected errors are logged with their traceback to the log file instead.
"""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QMessageBox, QWidget

from workbench.errors import DisclosureIncompleteError, InputRejectedError, WorkbenchError

log = logging.getLogger(__name__)

DETAIL_ROWS_SHOWN = 50


def describe_error(error: BaseException) -> tuple[str, str]:
    """Return ``(message, details)`` for a dialog: the user-facing text and the longer detail."""
    if isinstance(error, DisclosureIncompleteError):
        message = (f"A final report needs every required disclosure, and {len(error.items)} are missing. "
                   "Add them, or export a draft, which lists them on its cover.")
        details = ["Missing required disclosures:"]
        details += [f"{number}. {text}: {detail}" for number, text, detail in error.items]
        return message, "\n".join(details)
    if isinstance(error, WorkbenchError):
        details = [error.message]
        if error.hint:
            details.append(error.hint)
        if isinstance(error, InputRejectedError) and error.problems:
            details.append("Rejected rows:")
            details.extend(problem.describe() for problem in error.problems[:DETAIL_ROWS_SHOWN])
            hidden = len(error.problems) - DETAIL_ROWS_SHOWN
            if hidden > 0:
                details.append(f"... and {hidden} more rejected rows.")
        return str(error), "\n".join(details)

    if isinstance(error, OSError) and error.filename:
        reason = error.strerror or str(error)
        return f"{error.filename}: {reason}", f"{type(error).__name__}: {error}"

    message = (f"An unexpected error occurred ({type(error).__name__}: {error}). "
               "The log file has the technical details; please send it with a description of what you did.")
    return message, f"{type(error).__name__}: {error}"


def error_box(parent: QWidget | None, operation: str, error: BaseException) -> QMessageBox:
    """Build the message box for ``error`` raised by ``operation`` (for example "Opening the project")."""
    message, details = describe_error(error)
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Carbon Workbench")
    box.setText(f"{operation} failed.")
    box.setInformativeText(message)
    if details and details != message:
        box.setDetailedText(details)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    return box


def show_error(parent: QWidget | None, operation: str, error: BaseException) -> None:
    """Log ``error`` and show it in a modal message box whose headline names ``operation``."""
    if isinstance(error, WorkbenchError):
        log.warning("%s failed: %s", operation, error)
    else:
        log.error("%s failed with an unexpected error", operation, exc_info=error)
    error_box(parent, operation, error).exec()
