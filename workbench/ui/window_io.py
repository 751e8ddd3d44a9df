"""Import and export commands of the main window, run in workers behind progress dialogs.

:class:`ImportExportMixin` is part of :class:`workbench.ui.main_window.MainWindow`; it expects
the window's ``session``, ``jobs`` list, ``statusBar()`` and ``_attempt``.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from workbench.errors import InputRejectedError, OperationCancelled
from workbench.ui.errors import show_error
from workbench.ui.export_dialog import ExportDialog, ExportRequest
from workbench.ui.import_dialog import ImportDialog, ImportOutcome, ImportRequest, ImportResultDialog
from workbench.ui.jobs import export_job, import_job
from workbench.ui.workers import JobHandle, start_job_with_dialog

log = logging.getLogger(__name__)


class ImportExportMixin:
    """File > Import and File > Export for the main window."""

    def choose_import(self) -> None:
        from workbench.services.imports import KINDS

        dialog = ImportDialog(KINDS, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.start_import(dialog.request())

    def start_import(self, request: ImportRequest) -> JobHandle:
        """Import ``request.paths`` in a worker behind a progress dialog, then list the rejected rows."""
        names = ", ".join(path.name for path in request.paths)
        handle = start_job_with_dialog(self, import_job(self.session, request), operation="Importing files",
                                       label=f"Importing {names}")
        handle.succeeded.connect(lambda reports: self._import_done(ImportOutcome(reports=list(reports))))
        handle.failed.connect(self._import_failed)
        return self._track(handle)

    def _import_done(self, outcome: ImportOutcome) -> None:
        self._attempt("Recomputing after the import", self.session.reload)
        self._show_import_result(outcome)
        self.refresh_tables()

    def _import_failed(self, error: BaseException) -> None:
        if isinstance(error, OperationCancelled):
            self.statusBar().showMessage("Import cancelled; the project is unchanged.", 8000)
        elif isinstance(error, InputRejectedError) and error.problems:
            log.warning("import rejected: %s", error)
            self._show_import_result(ImportOutcome(failure=str(error), problems=list(error.problems)))
        else:
            show_error(self, "Importing files", error)

    def _show_import_result(self, outcome: ImportOutcome) -> None:
        dialog = ImportResultDialog(outcome, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.last_import_result = dialog
        dialog.destroyed.connect(lambda: setattr(self, "last_import_result", None))
        dialog.open()

    def choose_export(self, fmt: str) -> None:
        info = self.session.project
        if info is None:
            return
        suggested = info.path.with_name(f"{info.path.stem}-{self.session.set_name}.{fmt}")
        dialog = ExportDialog(fmt, suggested, self, key_folder=self.preferences.signing_key_folder)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.start_export(dialog.request())

    def start_export(self, request: ExportRequest) -> JobHandle:
        """Write the report in a worker behind a progress dialog."""
        operation = f"Exporting the {request.fmt.upper()} report"
        handle = start_job_with_dialog(self, export_job(self.session, request), operation=operation,
                                       label=f"Writing {request.out.name}")
        handle.succeeded.connect(lambda result: self._export_done(request, result))
        handle.failed.connect(lambda error: self._export_failed(operation, error))
        return self._track(handle)

    def _export_done(self, request: ExportRequest, result: Any) -> None:
        self._attempt("Checking the audit log", self.session.refresh_audit)
        signed = " and signed" if request.sign_key else ""
        self.statusBar().showMessage(f"Wrote{signed} {request.out}", 10000)
        log.info("exported %s (%s)", request.out, type(result).__name__)
        self.refresh_tables()

    def _export_failed(self, operation: str, error: BaseException) -> None:
        if isinstance(error, OperationCancelled):
            self.statusBar().showMessage("Export cancelled.", 8000)
        else:
            show_error(self, operation, error)

    def _track(self, handle: JobHandle) -> JobHandle:
        self.jobs.append(handle)
        handle.finished.connect(lambda: self.jobs.remove(handle))
        return handle
