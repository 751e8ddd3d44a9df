"""The Qt mirror of the undo history: plain command objects in a QUndoStack.

:class:`UndoHistory` accepts any object with ``label``, ``do()`` and ``undo()`` (see
:mod:`workbench.services.commands`). :meth:`UndoHistory.push` runs ``do()`` itself first, so a
command that fails never enters the stack; the QUndoStack only calls ``undo()`` and, on redo,
``do()`` again. A failure of either is reported through ``report_error(operation, error)``;
the history is then cleared, because the project may no longer match the commands on it.
The Edit menu's actions come from :meth:`undo_action` and :meth:`redo_action` and read
"Undo <label>" and "Redo <label>".
"""

from __future__ import annotations

import logging
from typing import Any, Callable

import shiboken6
from PySide6.QtCore import QObject, QTimer, Slot
from PySide6.QtGui import QAction, QIcon, QKeySequence, QUndoCommand, QUndoStack

log = logging.getLogger(__name__)

ErrorReporter = Callable[[str, BaseException], None]


class _Mirrored(QUndoCommand):
    """A QUndoCommand that calls a plain command; the first redo is skipped, since push ran do()."""

    def __init__(self, command: Any, history: "UndoHistory") -> None:
        super().__init__(command.label)
        self.command = command
        self._history = history
        self._pushed = False

    def redo(self) -> None:
        if not self._pushed:
            self._pushed = True
            return
        self._history._run(f"Redoing '{self.command.label}'", self.command.do)

    def undo(self) -> None:
        self._history._run(f"Undoing '{self.command.label}'", self.command.undo)


class _TooltipUpdater(QObject):
    """Sets an undo or redo action's tooltip from the stack's text.

    The stack emits its text signals while the window is destroyed, possibly after the action
    is gone, so the slot checks that the action still exists.
    """

    def __init__(self, action: QAction, template: str, empty: str) -> None:
        super().__init__(action)
        self._action = action
        self._template = template
        self._empty = empty

    @Slot(str)
    def describe(self, edit: str) -> None:
        if not shiboken6.isValid(self._action):  # the window is being destroyed
            return
        text = self._template.format(label=f"'{edit}'") if edit else self._empty
        self._action.setToolTip(text)
        self._action.setStatusTip(text)


class UndoHistory(QObject):
    """A QUndoStack of plain commands; ``report_error`` shows a failure (the window's error dialog)."""

    def __init__(self, report_error: ErrorReporter, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.stack = QUndoStack(self)
        self._report_error = report_error

    def push(self, command: Any, operation: str | None = None) -> bool:
        """Run ``command.do()`` and record it; on failure report it under ``operation`` and return False."""
        try:
            command.do()
        except Exception as error:  # the edge of the GUI: every failure becomes a dialog
            self._report_error(operation or command.label, error)
            return False
        self.stack.push(_Mirrored(command, self))
        log.info("done: %s", command.label)
        return True

    def push_raising(self, command: Any) -> None:
        """Run ``command.do()`` and record it; an exception propagates to the caller, unrecorded.

        For views that show their own errors, such as the assumption editor.
        """
        command.do()
        self.stack.push(_Mirrored(command, self))
        log.info("done: %s", command.label)

    def undo(self) -> None:
        self.stack.undo()

    def redo(self) -> None:
        self.stack.redo()

    def clear(self) -> None:
        self.stack.clear()

    def undo_label(self) -> str:
        return self.stack.undoText()

    def redo_label(self) -> str:
        return self.stack.redoText()

    def undo_action(self, parent: QObject) -> QAction:
        """Return the Edit > Undo action: "Undo <label>", Ctrl+Z, a tooltip naming the edit."""
        action = self.stack.createUndoAction(parent, "&Undo")
        self._decorate(action, "undo", QKeySequence.StandardKey.Undo, "edit-undo", self.stack.undoTextChanged,
                       self.undo_label, "Undo the last edit, {label}; the undo is written to the audit log too",
                       "Nothing to undo")
        return action

    def redo_action(self, parent: QObject) -> QAction:
        """Return the Edit > Redo action: "Redo <label>", Ctrl+Shift+Z, a tooltip naming the edit."""
        action = self.stack.createRedoAction(parent, "&Redo")
        self._decorate(action, "redo", QKeySequence.StandardKey.Redo, "edit-redo", self.stack.redoTextChanged,
                       self.redo_label, "Do again the edit that was undone, {label}", "Nothing to redo")
        return action

    @staticmethod
    def _decorate(action: QAction, key: str, shortcut, icon: str, changed, label: Callable[[], str],
                  template: str, empty: str) -> None:
        action.setObjectName(f"action_{key}")
        action.setShortcut(QKeySequence(shortcut))
        action.setIcon(QIcon.fromTheme(icon))

        updater = _TooltipUpdater(action, template, empty)
        changed.connect(updater.describe)
        updater.describe(label())

    def _run(self, operation: str, step: Callable[[], None]) -> None:
        try:
            step()
        except Exception as error:  # reported, then the history is dropped since it no longer matches
            log.warning("%s failed; clearing the undo history", operation)
            self._report_error(operation, error)
            QTimer.singleShot(0, self.stack.clear)
