"""Opening and closing projects in the main window: the lock check, recent files, drops.

A dropped ``.cwb`` file is opened; other dropped files open the import wizard on them when a
project is open for writing.

:class:`ProjectFilesMixin` is part of :class:`workbench.ui.main_window.MainWindow`. It expects
the window's ``session``, ``recomputer``, ``undo_history``, ``recent``, ``recent_menu``,
``action_map``, ``ask_locked``, ``lock``, ``_attempt``, ``_track`` and ``reload_model``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, QTimer
from PySide6.QtGui import QAction, QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog, QMessageBox

from workbench.errors import OperationCancelled, ProjectLockedError
from workbench.services import project_lock
from workbench.ui.errors import show_error
from workbench.ui.workers import JobHandle, start_job

log = logging.getLogger(__name__)

PROJECT_FILTER = "Carbon Workbench projects (*.cwb)"


class ProjectFilesMixin:
    """File > Open, Open Recent and Close Project, drops of .cwb files, and the project lock."""

    stored_totals_warning: QMessageBox | None = None  # shown when the stored run totals fail the recount

    def open_project(self, path: str | Path, *, read_only: bool = False) -> bool:
        """Open the project at ``path``; on failure show the error and keep the current project.

        The project's lock file is taken first. When another workbench holds it,
        ``ask_locked`` decides between opening read-only and not opening at all.
        """
        self.recomputer.cancel()
        lock, read_only = self._take_lock(Path(path), read_only)
        if lock is False:
            self.statusBar().showMessage(f"{path} was not opened; another Carbon Workbench has it open.", 8000)
            return False
        opened = self._read_and_adopt(path, read_only)
        if not opened:
            if lock is not None and lock is not self.lock:
                lock.release()
            return False
        if self.lock is not None and self.lock is not lock:
            self.lock.release()
        self.lock = lock
        self.undo_history.clear()  # commands refer to the project that was open
        self.recent.add(path)
        self._fill_recent_menu()
        self.statusBar().showMessage(f"Opened {path}" + (" read-only" if read_only else ""), 5000)
        model = self.session.model
        if model is not None and model.uses_stored_totals:
            self._check_stored_totals(model)
        return True

    def _check_stored_totals(self, model: Any) -> JobHandle:
        """Recount the energy rows behind the stored run totals that ``model`` was read from, on the pool."""
        operation = "Checking the stored run totals"
        handle = start_job(self.session.stored_totals_check_job(), operation=operation, parent=self)
        handle.succeeded.connect(lambda differences: self._stored_totals_checked(model, differences))
        handle.failed.connect(lambda error: show_error(self, operation, error))
        return self._track(handle)

    def _stored_totals_checked(self, model: Any, differences: list[str]) -> None:
        if self.session.model is not model:  # another project was opened, or the model was read again
            return
        if not differences:
            log.info("stored run totals match the energy rows")
            return
        log.warning("stored run totals differ from the energy rows (%d differences, first: %s), so the rows "
                    "are read instead", len(differences), differences[0])
        self.session.distrust_stored_totals()
        box = QMessageBox(QMessageBox.Icon.Warning, "Stored run totals differ from the energy rows",
                          "The run totals stored in this project file do not match its energy rows, so the file "
                          "was changed outside Carbon Workbench or is damaged.", parent=self)
        box.setInformativeText("The footprint is being computed again from the energy rows. Ask the sender how "
                               "the file was changed before you rely on it; reports cannot be exported from it.")
        box.setDetailedText("\n".join(differences))
        self.stored_totals_warning = box
        box.open()
        self.reload_model("Reading the energy rows")

    def _take_lock(self, path: Path, read_only: bool) -> tuple[Any, bool]:
        """Return (lock or None, read_only), or (False, read_only) when the user cancels."""
        if read_only:
            return None, True
        if self.lock is not None and self.lock.project_path.resolve() == path.resolve():
            return self.lock, False  # reopening the project this window holds
        try:
            return project_lock.acquire(path), False
        except ProjectLockedError as error:
            log.info("project %s is locked: %s", path, error.holder)
            if self.ask_locked(error) == "read_only":
                return None, True
            return False, read_only
        except OSError as error:  # a read-only folder, for example: open without a lock
            log.warning("could not write the lock file of %s: %s", path, error)
            return None, read_only

    def _ask_locked_dialog(self, error: ProjectLockedError) -> str | None:
        box = QMessageBox(QMessageBox.Icon.Warning, "Carbon Workbench", "This project is open in another window.",
                          QMessageBox.StandardButton.Cancel, self)
        box.setInformativeText(f"{error.holder}. Two people editing one project would not see each other's "
                               "changes. Open it read-only to look without changing it.")
        read_only = box.addButton("Open Read-Only", QMessageBox.ButtonRole.AcceptRole)
        box.exec()
        return "read_only" if box.clickedButton() is read_only else None

    def close_project(self) -> None:
        """Close the open project and release its lock."""
        self.recomputer.cancel()
        self.undo_history.clear()
        self.session.close()
        self._release_lock()

    def _release_lock(self) -> None:
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    def _read_and_adopt(self, path: str | Path, read_only: bool) -> bool:
        """Read ``path`` on the pool behind a progress dialog with Cancel, then adopt it on this thread."""
        from workbench.ui.opening import read_in_background

        handle = read_in_background(self, path, self.recomputer.frozen_shapers(), read_only=read_only)
        if isinstance(handle.error, OperationCancelled):
            self.statusBar().showMessage(f"Opening {path} cancelled.", 8000)
            return False
        if handle.error is not None:
            show_error(self, "Opening the project", handle.error)
            return False
        return self._attempt("Opening the project", lambda: self.session.adopt_opened(handle.result))

    def choose_project(self) -> None:
        start = str(Path(self.recent.paths()[0]).parent) if self.recent.paths() else ""
        path, _filter = QFileDialog.getOpenFileName(self, "Open Project", start, PROJECT_FILTER)
        if path:
            self.open_project(path)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        paths = self.recent.paths()
        for number, path in enumerate(paths, start=1):
            action = QAction(f"&{number} {Path(path).name}", self.recent_menu)
            action.setToolTip(path)
            action.setStatusTip(path)
            action.setData(path)
            action.triggered.connect(lambda _checked=False, p=path: self.open_recent(p))
            self.recent_menu.addAction(action)
        if paths:
            self.recent_menu.addSeparator()
        self.recent_menu.addAction(self.action_map["clear_recent"])
        self.action_map["clear_recent"].setEnabled(bool(paths))
        self.recent_menu.setEnabled(True)

    def open_recent(self, path: str) -> None:
        if not Path(path).exists():
            self.recent.remove(path)
            self._fill_recent_menu()
        self.open_project(path)

    def clear_recent(self) -> None:
        self.recent.clear()
        self._fill_recent_menu()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _dropped_project(event.mimeData()) is not None or self._dropped_inputs(event.mimeData()):
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if _dropped_project(event.mimeData()) is not None or self._dropped_inputs(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        """Open a dropped project, or open the import wizard on dropped input files."""
        path = _dropped_project(event.mimeData())
        inputs = self._dropped_inputs(event.mimeData())
        if path is None and inputs:
            event.acceptProposedAction()
            QTimer.singleShot(0, lambda: self.choose_import(inputs))
            return
        if path is None:
            return
        event.acceptProposedAction()
        # Opened after the drop finishes, so an error dialog does not run inside the drag.
        QTimer.singleShot(0, lambda: self.open_project(path))


    def _dropped_inputs(self, mime: QMimeData) -> list[str]:
        """Return the dropped local files that are not projects, when a writable project is open to take them."""
        info = self.session.project
        if info is None or info.read_only or not mime.hasUrls():
            return []
        return [url.toLocalFile() for url in mime.urls()
                if url.isLocalFile() and not url.toLocalFile().lower().endswith(".cwb")]


def _dropped_project(mime: QMimeData) -> str | None:
    """Return the first local ``.cwb`` file among the dropped URLs, or None."""
    if not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile() and url.toLocalFile().lower().endswith(".cwb"):
            return url.toLocalFile()
    return None
