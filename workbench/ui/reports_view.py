"""The reports view: sign-off stages (preparer, reviewer, approver) and exports with progress, cancel and verify.

Each stage shows who signed, when and which project state (its SHA-256) they approved, and
opens once the stage before it has signed the current state. Exports and verification run on
the worker pool; the view shows their progress, lets the user cancel, and lists the files
written with the command that verifies them.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QDialog, QFileDialog, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel,
                               QLineEdit, QPlainTextEdit, QProgressBar, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from workbench.errors import OperationCancelled
from workbench.services import report_stages, signoffs
from workbench.services.session import Session
from workbench.ui.errors import show_error
from workbench.ui.export_dialog import KEY_FILTER, ExportDialog, ExportRequest
from workbench.ui.jobs import export_job
from workbench.ui.workers import JobHandle, start_job

log = logging.getLogger(__name__)

PROGRESS_STEPS = 1000
HISTORY_HEADERS = ("Stage", "Name", "Signed at", "State SHA-256", "Assumption set", "Status", "Signature")


class ReportsView(QWidget):
    """Sign-offs and exports of the session's project; ``exported`` carries each ExportResult.

    A project open read-only cannot be signed off or exported: those buttons stay disabled
    (verifying an earlier export still works). ``key_folder()`` returns the folder where the
    key file dialogs start.
    """

    exported = Signal(object)

    def __init__(self, session: Session, parent: QWidget | None = None,
                 choose_export: Callable[[ExportDialog], bool] | None = None,
                 key_folder: Callable[[], str] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reports_view")
        self.session = session
        self.key_folder = key_folder or (lambda: "")  # where key file dialogs start (the preference)
        self.choose_export = choose_export or (lambda dialog: dialog.exec() == QDialog.DialogCode.Accepted)
        self.handle: JobHandle | None = None
        self.last_result = None
        self.last_verify = None
        self.stage_rows: list[report_stages.StageRow] = []
        self.refresh_handle: JobHandle | None = None
        self._build_signoffs()
        self._build_export()
        layout = QVBoxLayout(self)
        layout.addWidget(self.signoff_box)
        layout.addWidget(self.export_box, 1)
        self._stale = False
        session.subscribe("project", lambda _info: self.refresh_when_shown())
        session.subscribe("audit", lambda _status: self.refresh_when_shown())
        self.refresh_when_shown()

    def refresh_when_shown(self) -> None:
        """Refresh now if the view shows, else when it is next shown.

        The refresh hashes the whole project state (tens of seconds of CPU on a project with
        millions of energy rows), so a hidden view must not hold the worker pool with it.
        """
        if self.isVisible():
            self.refresh()
            return
        self._stale = True
        # Until then no stage can be signed from what the view shows, and a read-only project
        # closes export at once.
        for button in self.sign_buttons.values():
            button.setEnabled(False)
        self._set_running(self._running())

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if self._stale:
            self.refresh()

    # -- construction ------------------------------------------------------------------------

    def _build_signoffs(self) -> None:
        self.signoff_box = QGroupBox("Sign-off")
        grid = QGridLayout()
        self.status_labels: dict[str, QLabel] = {}
        self.name_edits: dict[str, QLineEdit] = {}
        self.sign_buttons: dict[str, QPushButton] = {}
        for number, stage in enumerate(signoffs.STAGES):
            row = 2 * number
            title = QLabel(f"<b>{stage.capitalize()}</b>")
            grid.addWidget(title, row, 0)
            self.status_labels[stage] = QLabel("")
            self.status_labels[stage].setWordWrap(True)
            self.name_edits[stage] = QLineEdit()
            self.name_edits[stage].setPlaceholderText(f"{stage}'s name")
            self.name_edits[stage].setToolTip(f"Name of the person who signs off as {stage}")
            self.sign_buttons[stage] = QPushButton(f"Sign Off as {stage.capitalize()}")
            self.sign_buttons[stage].setToolTip(f"Record that the {stage} approves the current project state")
            self.sign_buttons[stage].clicked.connect(lambda _checked=False, s=stage: self.sign_off(s))
            grid.addWidget(self.name_edits[stage], row, 1)
            grid.addWidget(self.sign_buttons[stage], row, 2)
            grid.addWidget(self.status_labels[stage], row + 1, 0, 1, 3)
        grid.setColumnStretch(1, 1)
        self.key_edit = QLineEdit()
        self.key_edit.setPlaceholderText("optional: a PKCS#12 key signs the sign-off statement")
        self.key_edit.setToolTip("PKCS#12 key file (.p12) that signs sign-offs and exports")
        key_button = QPushButton("Browse...")
        key_button.setToolTip("Choose a PKCS#12 key file")
        key_button.clicked.connect(self._choose_key)
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText("password of the key file")
        keys = QGridLayout()
        keys.addWidget(QLabel("Signing key:"), 0, 0)
        keys.addWidget(self.key_edit, 0, 1)
        keys.addWidget(key_button, 0, 2)
        keys.addWidget(QLabel("Password:"), 1, 0)
        keys.addWidget(self.password_edit, 1, 1, 1, 2)
        self.history = QTableWidget(0, len(HISTORY_HEADERS))
        self.history.setHorizontalHeaderLabels(HISTORY_HEADERS)
        self.history.horizontalHeader().setStretchLastSection(True)
        self.history.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.history.setMaximumHeight(150)
        box = QVBoxLayout(self.signoff_box)
        box.addLayout(grid)
        box.addLayout(keys)
        box.addWidget(QLabel("Every sign-off:"))
        box.addWidget(self.history)

    def _build_export(self) -> None:
        self.export_box = QGroupBox("Export and verify")
        self.export_button = QPushButton("Export Report...")
        self.export_button.setToolTip("Write the report as XLSX, PDF or JSON, optionally with the reduction plan")
        self.verify_button = QPushButton("Verify Last Export")
        self.verify_button.setToolTip("Check the signature, the manifest and the figures against this project")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the running export or verification; nothing is recorded")
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, PROGRESS_STEPS)
        self.progress_label = QLabel("")
        self.result_view = QPlainTextEdit()
        self.result_view.setReadOnly(True)
        self.result_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        buttons = QHBoxLayout()
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.verify_button)
        buttons.addStretch(1)
        running = QHBoxLayout()
        running.addWidget(self.progress_bar, 1)
        running.addWidget(self.cancel_button)
        form = QFormLayout(self.export_box)
        form.addRow(buttons)
        form.addRow(running)
        form.addRow(self.progress_label)
        form.addRow(self.result_view)
        self.export_button.clicked.connect(self.choose_and_export)
        self.verify_button.clicked.connect(self.verify_last)
        self.cancel_button.clicked.connect(self.cancel)
        self._set_running(False)

    # -- state to widgets ----------------------------------------------------------------------

    def refresh(self) -> JobHandle | None:
        """Read the sign-off stages of the open project on the worker pool, then show them.

        The stages compare each sign-off with the project state's SHA-256, which takes seconds on
        a project with millions of energy rows, so it never runs on the UI thread.
        """
        self._stale = False
        project = self.session.project_file
        if project is None:
            self.show_stages([], [])
            return None

        def job(progress):
            with project.connect() as worker_project:
                return report_stages.stage_rows(worker_project), report_stages.all_signoffs(worker_project)

        handle = start_job(job, operation="Reading the sign-offs", parent=self)
        self.refresh_handle = handle
        handle.succeeded.connect(lambda result: self.refresh_handle is handle and self.show_stages(*result))
        handle.failed.connect(lambda error: show_error(self, "Reading the sign-offs", error))
        return handle

    def show_stages(self, rows: list[report_stages.StageRow], items: list[signoffs.SignoffStatus]) -> None:
        """Show the stages and every sign-off (state to widgets)."""
        project = self.session.project_file
        self.stage_rows = rows
        for row in rows or [report_stages.StageRow(s, None, False, "needs an open project") for s in signoffs.STAGES]:
            label = self.status_labels[row.stage]
            label.setText(row.describe() if row.enabled or row.latest else f"{row.describe()}; {row.blocked_by}")
            changed = row.latest is not None and not row.latest.current
            label.setStyleSheet("color: #b00020;" if changed else "")
            self.sign_buttons[row.stage].setEnabled(row.enabled and self._writable())
            self.sign_buttons[row.stage].setToolTip(
                "The project is open read-only: open it for writing to sign off" if project is not None
                and not self._writable() else f"Record that the {row.stage} approves the current project state"
                if row.enabled else f"Not yet: this stage {row.blocked_by}")
        self._fill_history(items)
        self._set_running(self._running())

    def _fill_history(self, items: list[signoffs.SignoffStatus]) -> None:
        self.history.setRowCount(len(items))
        for row, item in enumerate(items):
            signature = ("none" if not item.signed else
                         f"{item.signer}: " + ("verifies" if item.signature_ok else item.signature_problem or "invalid"))
            values = (item.stage, item.name, report_stages.short_time(item.signed_at), item.state_sha256[:16],
                      item.assumption_set,
                      item.status, signature)
            for column, value in enumerate(values):
                cell = QTableWidgetItem(value)
                cell.setToolTip(item.state_sha256 if column == 3 else value)
                self.history.setItem(row, column, cell)
        self.history.resizeColumnsToContents()

    # -- sign-off ----------------------------------------------------------------------------

    def sign_off(self, stage: str) -> JobHandle | None:
        """Record the sign-off of ``stage`` by the name typed, on the worker pool."""
        name = self.name_edits[stage].text().strip()
        if not name:
            self.progress_label.setText(f"Type the {stage}'s name first.")
            return None
        project, set_name = self.session.project_file, self.session.set_name
        key, password = self._key()

        def job(progress):
            with project.connect() as worker_project:
                return signoffs.record_signoff(worker_project, stage, name, set_name=set_name, sign_key=key,
                                               password=password)

        return self._run(job, f"Signing off as {stage}", self._signed)

    def _signed(self, status: signoffs.SignoffStatus) -> None:
        self.progress_label.setText(f"{status.stage.capitalize()} sign-off recorded: {status.name}, "
                                    f"state {status.state_sha256[:12]}.")
        self.session.refresh_audit()
        self.refresh()

    # -- export and verify ---------------------------------------------------------------------

    def choose_and_export(self, fmt: str = "xlsx") -> JobHandle | None:
        info = self.session.project
        if info is None:
            return None
        if info.read_only:
            self.progress_label.setText("The project is open read-only; open it for writing to export.")
            return None
        dialog = ExportDialog(fmt, report_stages.suggested_output(info.path, self.session.set_name, fmt), self,
                              key_folder=self.key_folder())
        key, password = self._key()
        if key is not None:
            dialog.key_edit.setText(str(key))
            dialog.password_edit.setText(password.decode("utf-8"))
        if not self.choose_export(dialog):
            return None
        return self.export(dialog.request())

    def export(self, request: ExportRequest) -> JobHandle:
        """Write the report off the UI thread; the result panel then lists the files and how to verify them."""
        operation = f"Exporting the {request.fmt} report"
        return self._run(export_job(self.session, request), operation, self._exported)

    def _exported(self, result) -> None:
        self.last_result = result
        info = self.session.project
        lines = ["Wrote:"] + [f"  {path}" for path in report_stages.written_files(result)]
        lines += [f"SHA-256: {result.sha256}",
                  f"Signed by: {result.signer}" if result.signer else "Not signed (draft).",
                  "Verify with:", "  " + report_stages.verify_command(result.path, info.path if info else None)]
        if result.open_items:
            lines.append(f"Open disclosure items listed on the cover: {len(result.open_items)}")
        self.result_view.setPlainText("\n".join(lines))
        self.session.refresh_audit()
        self.exported.emit(result)
        self.refresh()

    def verify_last(self) -> JobHandle | None:
        if self.last_result is None:
            return None
        from workbench.services.verification import verify_file

        report, info = self.last_result.path, self.session.project

        def job(progress):
            progress.update(0.1, f"verifying {report.name}")
            return verify_file(report, project_path=info.path if info else None)

        return self._run(job, f"Verifying {report.name}", self._verified)

    def _verified(self, verify_report) -> None:
        self.last_verify = verify_report
        lines = [f"Verification of {verify_report.file}: {'passed' if verify_report.ok else 'FAILED'}",
                 f"  signed: {verify_report.signed}, signer: {verify_report.signer}",
                 f"  integrity: {verify_report.integrity_ok}, manifest: {verify_report.manifest_ok}, "
                 f"figures match the project: {verify_report.numbers_ok}"]
        lines += [f"  problem: {problem}" for problem in verify_report.problems]
        self.result_view.appendPlainText("\n" + "\n".join(lines))

    # -- jobs --------------------------------------------------------------------------------

    def _run(self, job, operation: str, done) -> JobHandle:
        handle = start_job(job, operation=operation, parent=self)
        self.handle = handle
        self.progress_label.setText(operation + "...")
        self.progress_bar.setValue(0)
        handle.progressed.connect(self._progress)
        handle.succeeded.connect(lambda result: self._succeeded(operation, done, result))
        handle.failed.connect(lambda error: self._failed(operation, error))
        self._set_running(True)
        return handle

    def _succeeded(self, operation: str, done, result) -> None:
        self._finished(operation)
        done(result)

    def _progress(self, fraction: float, message: str) -> None:
        self.progress_bar.setValue(round(fraction * PROGRESS_STEPS))
        if message:
            self.progress_label.setText(message)

    def _finished(self, operation: str) -> None:
        self._set_running(False)
        self.progress_bar.setValue(PROGRESS_STEPS)
        self.progress_label.setText(f"{operation}: done.")

    def _failed(self, operation: str, error: BaseException) -> None:
        self._set_running(False)
        self.progress_bar.setValue(0)
        if isinstance(error, OperationCancelled):
            self.progress_label.setText(f"{operation}: cancelled; nothing was recorded.")
            return
        self.progress_label.setText(f"{operation} failed.")
        show_error(self, operation, error)

    def cancel(self) -> None:
        if self._running():
            self.handle.cancel()

    def _running(self) -> bool:
        return self.handle is not None and self.handle.running

    def _set_running(self, running: bool) -> None:
        self.cancel_button.setEnabled(running)
        self.export_button.setEnabled(not running and self._writable())
        self.verify_button.setEnabled(not running and self.last_result is not None)

    def _writable(self) -> bool:
        info = self.session.project
        return info is not None and not info.read_only

    def _key(self) -> tuple[Path | None, bytes | None]:
        key = self.key_edit.text().strip()
        return (Path(key), self.password_edit.text().encode("utf-8")) if key else (None, None)

    def _choose_key(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Signing key", self.key_folder(), KEY_FILTER)
        if path:
            self.key_edit.setText(path)
