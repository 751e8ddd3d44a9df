"""Import and export commands of the main window, run in workers.

File > Import opens the import wizard (``workbench.ui.import_wizard``); after it stores the
files, the model is prepared again and recomputed on the worker pool. File > Export opens the
export dialog of the reports view. :class:`ImportExportMixin` is part of
:class:`workbench.ui.main_window.MainWindow`; it expects the window's ``session``, ``jobs``
list, ``recomputer``, ``reports_view``, ``statusBar()`` and ``_attempt``.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from workbench.errors import InputRejectedError, OperationCancelled
from workbench.ui.errors import show_error
from workbench.ui.export_dialog import ExportRequest
from workbench.ui.import_dialog import ImportDialog, ImportOutcome, ImportRequest, ImportResultDialog
from workbench.ui.jobs import export_job, import_job
from workbench.ui.workers import JobHandle, start_job, start_job_with_dialog

log = logging.getLogger(__name__)


class ImportExportMixin:
    """File > Import and File > Export for the main window."""

    def _prepare_import_wizard(self) -> None:
        """Import the wizard with the window, and read the time zone list on the pool, so that
        opening the wizard later does not stop the UI thread (about 1 s on a 2-core VM)."""
        import workbench.ui.import_wizard  # noqa: F401
        from workbench.ui.import_dialog import _known_zones

        self.import_wizard = None
        self._track(start_job(lambda _progress: _known_zones(), operation="Reading the time zone names", parent=self))

    def choose_import(self, paths=()) -> None:
        """Open the import wizard (with ``paths`` already listed); the project changes only on its last page."""
        from workbench.ui.import_wizard import ImportWizard

        info = self.session.project
        if info is None:
            self.statusBar().showMessage("Open a project before importing files.", 8000)
            return
        if info.read_only:
            self.statusBar().showMessage("The project is open read-only; open it for writing to import.", 8000)
            return
        wizard = ImportWizard(self.session, paths, parent=self)
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        wizard.imported.connect(lambda _reports: self.reload_after_import())
        wizard.destroyed.connect(lambda: setattr(self, "import_wizard", None))
        self.import_wizard = wizard
        wizard.open()

    def reload_after_import(self) -> JobHandle:
        """Prepare the model again on the worker pool after an import, then recompute there too."""
        return self.reload_model("Reading the imported data")

    def reload_model(self, operation: str) -> JobHandle:
        """Prepare the model again on the worker pool, then recompute there too.

        Preparing the model of a project with millions of energy rows takes seconds, so unlike
        Session.reload() it never runs on the UI thread. ``operation`` heads the status bar and any error.
        """
        self.recomputer.cancel()
        self.statusBar().showMessage(f"{operation}...")
        handle = start_job(self.session.prepare_model_job(), operation=operation, parent=self)
        handle.succeeded.connect(lambda model: self._adopt_model(model, operation))
        handle.failed.connect(lambda error: show_error(self, operation, error))
        return self._track(handle)

    def _adopt_model(self, model, operation: str) -> None:
        requests = []
        if not self._attempt(operation, lambda: requests.append(self.session.adopt_model(model))):
            return
        request = requests[0]
        handle = start_job(self.recomputer.compute_job(request), operation="Recomputing the footprint",
                           parent=self)
        handle.succeeded.connect(self.session.apply)
        handle.succeeded.connect(lambda _response: self.statusBar().showMessage("Footprint recomputed.", 5000))
        handle.succeeded.connect(lambda _response: self.refresh_tables())
        handle.failed.connect(lambda error: show_error(self, "Recomputing the footprint", error))
        self._track(handle)

    def choose_import_dialog(self) -> None:
        """Open the one-page import dialog of earlier versions."""
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
        """Show the reports view and its export dialog (every format, the plan option, the key)."""
        if self.session.project is None:
            return
        self.show_reports()
        self.reports_view.choose_and_export(fmt)

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
