"""Pages of the import wizard that run background jobs: column mapping, dry run and commit."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QPlainTextEdit, QProgressBar, QPushButton, QSplitter, QTableView, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget, QWizardPage)

from workbench.errors import OperationCancelled, WorkbenchError
from workbench.services.mappings import Mapping, Proposal
from workbench.services import import_plan, mappings
from workbench.ui.frame_model import Column, DataFrameModel
from workbench.ui.workers import JobHandle, start_job

log = logging.getLogger(__name__)

PREVIEW_DELAY_MS = 300
PROGRESS_STEPS = 1000
REJECTED_COLUMNS = (
    Column("file", "File"), Column("row", "Row", kind="integer"), Column("column", "Column"),
    Column("value", "Value"), Column("reason", "Reason and what to do"),
)
PROPOSED = "(proposed from the file)"


def _fill_table(table: QTableWidget, header: list[str], rows: list[list[str]]) -> None:
    table.clear()
    table.setColumnCount(len(header))
    table.setRowCount(len(rows))
    table.setHorizontalHeaderLabels(header)
    for row, values in enumerate(rows):
        for column, value in enumerate(values[:len(header)]):
            table.setItem(row, column, QTableWidgetItem(str(value)))
    table.resizeColumnsToContents()


def _frame_rows(frame: pd.DataFrame) -> list[list[str]]:
    return [["" if pd.isna(value) else str(value) for value in row] for row in frame.itertuples(index=False)]


class JobPage(QWizardPage):
    """A wizard page that runs one background job at a time and drops the results of stale ones."""

    def __init__(self) -> None:
        super().__init__()
        self.handle: JobHandle | None = None

    def run_job(self, job, operation: str, done, failed) -> JobHandle:
        self.cancel_job()
        handle = start_job(job, operation=operation, parent=self)
        self.handle = handle
        handle.succeeded.connect(lambda result: self.handle is handle and done(result))
        handle.failed.connect(lambda error: self.handle is handle and failed(error))
        return handle

    def cancel_job(self) -> bool:
        """Cancel the running job; return True when one was running."""
        running = self.handle is not None and self.handle.running
        if running:
            self.handle.cancel()
        return running

    def project(self):
        project = self.wizard().session.project_file
        if project is None:
            raise RuntimeError("no project is open")
        return project


class MappingPage(JobPage):
    """Maps each column to a role and unit, with the raw rows and the rows as the reader parses them."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Column mapping")
        self.setSubTitle("Check what each column contains. The mapping comes from the first file and is used for "
                         "every file; the preview below shows the rows as they will be read.")
        self.proposal: Proposal | None = None
        self.base: Mapping | None = None
        self.kind = "meter"
        self.template_combo = QComboBox()
        self.template_combo.setToolTip("Reuse a mapping template saved in this project")
        self.template_name = QLineEdit()
        self.template_name.setPlaceholderText("template name, such as paris-main-meter")
        self.save_button = QPushButton("Save as Template")
        self.save_button.setToolTip("Store this mapping in the project under the name given, for later files")
        self.columns_table = QTableWidget(0, 3)
        self.columns_table.setHorizontalHeaderLabels(["Column", "Contains", "Unit"])
        self.columns_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.raw_table = QTableWidget()
        self.raw_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.parsed_table = QTableWidget()
        self.parsed_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.reasons_label = QLabel("")
        self.reasons_label.setWordWrap(True)
        self.preview_label = QLabel("")
        self.preview_label.setWordWrap(True)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(PREVIEW_DELAY_MS)
        self.timer.timeout.connect(self.refresh_preview)
        self._build_layout()
        self.template_combo.activated.connect(lambda _index: self.apply_template(self.template_combo.currentText()))
        self.save_button.clicked.connect(self.save_template)

    def _build_layout(self) -> None:
        templates = QHBoxLayout()
        templates.addWidget(QLabel("Template:"))
        templates.addWidget(self.template_combo, 1)
        templates.addWidget(self.template_name, 1)
        templates.addWidget(self.save_button)
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.columns_table)
        raw = QWidget()
        raw_layout = QVBoxLayout(raw)
        raw_layout.setContentsMargins(0, 0, 0, 0)
        raw_layout.addWidget(QLabel("File rows:"))
        raw_layout.addWidget(self.raw_table)
        top.addWidget(raw)
        top.setSizes([330, 520])
        layout = QVBoxLayout(self)
        layout.addLayout(templates)
        layout.addWidget(top, 2)
        layout.addWidget(self.reasons_label)
        layout.addWidget(self.preview_label)
        layout.addWidget(self.parsed_table, 2)

    def initializePage(self) -> None:
        wizard = self.wizard()
        self.kind = wizard.format_page.effective_kind() or "meter"
        self.template_combo.clear()
        self.template_combo.addItem(PROPOSED)
        self.template_combo.addItems(import_plan.template_names(self.project(), self.kind))
        self.load_proposal(wizard.paths()[0])

    def load_proposal(self, path: Path) -> None:
        """Propose a mapping for ``path`` and show it."""
        self.path = path
        try:
            self.proposal = import_plan.mapping_proposal(path, self.kind)
        except WorkbenchError as error:
            self.proposal = None
            self.base = None
            self.reasons_label.setText(f"The file cannot be read as a table: {error}")
            self.columns_table.setRowCount(0)
            return
        self.reasons_label.setText("Why: " + "; ".join(self.proposal.reasons) if self.proposal.reasons else "")
        self.show_mapping(self.proposal.mapping)

    def show_mapping(self, mapping: Mapping) -> None:
        """Show ``mapping`` in the column table (state to widgets) and refresh the previews."""
        self.base = mapping
        roles = import_plan.MAPPING_ROLES[self.kind]
        self.columns_table.blockSignals(True)
        self.columns_table.setRowCount(len(mapping.columns))
        for row, spec in enumerate(mapping.columns):
            name = QTableWidgetItem(spec.column)
            name.setFlags(name.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.columns_table.setItem(row, 0, name)
            combo = QComboBox()
            combo.addItems(roles if spec.role in roles else (*roles, spec.role))
            combo.setCurrentText(spec.role)
            combo.currentTextChanged.connect(self._mapping_changed)
            self.columns_table.setCellWidget(row, 1, combo)
            self.columns_table.setItem(row, 2, QTableWidgetItem(spec.unit or ""))
        self.columns_table.blockSignals(False)
        self.columns_table.itemChanged.connect(self._mapping_changed, Qt.ConnectionType.UniqueConnection)
        self._mapping_changed()

    def role_combo(self, column: str) -> QComboBox:
        row = next(row for row in range(self.columns_table.rowCount())
                   if self.columns_table.item(row, 0).text() == column)
        return self.columns_table.cellWidget(row, 1)

    def mapping(self) -> Mapping | None:
        """Return the mapping the widgets show (widgets to state), or None when the file has none."""
        if self.base is None:
            return None
        mapping = Mapping.from_dict(self.base.to_dict())
        for row in range(self.columns_table.rowCount()):
            unit = self.columns_table.item(row, 2).text().strip()
            mapping.override(self.columns_table.item(row, 0).text(),
                             role=self.columns_table.cellWidget(row, 1).currentText(), unit=unit)
        return mapping

    def apply_template(self, name: str) -> None:
        if name == PROPOSED:
            if self.proposal is not None:
                self.show_mapping(self.proposal.mapping)
            return
        try:
            self.show_mapping(mappings.load_template(self.project(), name))
        except WorkbenchError as error:
            self.preview_label.setText(f"The template '{name}' cannot be used: {error}")
            return
        self.template_combo.setCurrentText(name)

    def save_template(self) -> None:
        name = self.template_name.text().strip()
        mapping = self.mapping()
        if not name or mapping is None:
            self.preview_label.setText("Give the template a name first.")
            return
        try:
            mappings.save_template(self.project(), name, mapping)
        except WorkbenchError as error:
            self.preview_label.setText(f"The template was not saved: {error}")
            return
        if self.template_combo.findText(name) < 0:
            self.template_combo.addItem(name)
        self.template_combo.setCurrentText(name)
        self.preview_label.setText(f"Saved the mapping as template '{name}'.")

    def _mapping_changed(self, *_args) -> None:
        mapping = self.mapping()
        if mapping is None or self.proposal is None:
            return
        roles = {spec.column: spec.role for spec in mapping.columns}
        header = [f"{name}\n→ {roles.get(name, 'ignore')}" for name in self.proposal.header]
        _fill_table(self.raw_table, header, self.proposal.preview)
        self.preview_label.setText("Reading the file with this mapping...")
        self.timer.start()

    def refresh_preview(self) -> None:
        """Parse the file with the current mapping off the UI thread and show the first rows."""
        options = self.wizard().options()
        path = self.path

        def job(progress):
            return import_plan.parsed_preview(path, options, progress)

        self.run_job(job, "Previewing the import", self._show_preview, self._preview_failed)

    def _show_preview(self, result) -> None:
        frame, problems = result
        _fill_table(self.parsed_table, list(map(str, frame.columns)), _frame_rows(import_plan.readable_times(frame)))
        text = f"Parsed rows (first {len(frame)}); {len(problems)} rejected."
        if problems:
            text += f" First: {problems[0].describe()}"
        self.preview_label.setText(text)

    def _preview_failed(self, error: BaseException) -> None:
        if not isinstance(error, OperationCancelled):
            _fill_table(self.parsed_table, [], [])
            self.preview_label.setText(f"The file cannot be read with this mapping: {error}")


class CheckPage(JobPage):
    """Dry run: reads and checks every file without writing, and lists every rejected row."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Check")
        self.setSubTitle("The files are read and checked; nothing is stored until you click Import.")
        self.setCommitPage(True)
        self.dry_run: import_plan.DryRun | None = None
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, PROGRESS_STEPS)
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        self.cancel_button = QPushButton("Cancel Check")
        self.cancel_button.setToolTip("Stop reading the files; the project stays as it is")
        self.again_button = QPushButton("Check Again")
        self.again_button.setToolTip("Read and check the files again")
        self.summary_label = QLabel("")
        self.summary_label.setWordWrap(True)
        self.rejected_model = DataFrameModel(REJECTED_COLUMNS, self)
        self.rejected_view = QTableView()
        self.rejected_view.setModel(self.rejected_model)
        self.rejected_view.setSortingEnabled(True)
        self.rejected_view.horizontalHeader().setStretchLastSection(True)
        self.notes_view = QPlainTextEdit()
        self.notes_view.setReadOnly(True)
        self.notes_view.setMaximumHeight(90)
        bar = QHBoxLayout()
        bar.addWidget(self.progress_bar, 1)
        bar.addWidget(self.cancel_button)
        bar.addWidget(self.again_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.status_label)
        layout.addWidget(self.summary_label)
        self.rejected_label = QLabel("Rejected rows:")
        layout.addWidget(self.rejected_label)
        layout.addWidget(self.rejected_view, 1)
        layout.addWidget(QLabel("Notes:"))
        layout.addWidget(self.notes_view)
        self.cancel_button.clicked.connect(self.cancel_job)
        self.again_button.clicked.connect(self.start_check)

    def initializePage(self) -> None:
        self.start_check()

    def start_check(self) -> JobHandle:
        wizard = self.wizard()
        paths, options, project = wizard.paths(), wizard.options(), self.project()
        self.dry_run = None
        self.rejected_model.set_frame(import_plan.problems_frame([]))
        self.summary_label.clear()
        self.notes_view.clear()
        self.status_label.setText("Reading and checking the files...")
        self.progress_bar.setValue(0)
        self.cancel_button.setEnabled(True)
        self.again_button.setEnabled(False)
        self.completeChanged.emit()

        def job(progress):
            with project.connect() as worker_project:
                return import_plan.prepare_all(worker_project, paths, options, progress)

        handle = self.run_job(job, "Checking the files", self._show_dry_run, self._check_failed)
        handle.progressed.connect(lambda fraction, message: self._progress(handle, fraction, message))
        return handle

    def _progress(self, handle: JobHandle, fraction: float, message: str) -> None:
        if self.handle is handle:
            self.progress_bar.setValue(round(fraction * PROGRESS_STEPS))
            self.status_label.setText(message)

    def _show_dry_run(self, dry_run: import_plan.DryRun) -> None:
        self.dry_run = dry_run
        self.progress_bar.setValue(PROGRESS_STEPS)
        self.cancel_button.setEnabled(False)
        self.again_button.setEnabled(True)
        problems = dry_run.problems()
        self.rejected_model.set_frame(import_plan.problems_frame(problems))
        self.rejected_view.resizeColumnsToContents()
        self.rejected_label.setText(f"Rejected rows ({len(problems):,}):")
        self.summary_label.setText("\n".join(dry_run.summary_lines()))
        notes = [f"{item.path.name}: {note}" for item in dry_run.files if item.prepared
                 for note in item.prepared.result.notes]
        self.notes_view.setPlainText("\n".join(notes))
        self.status_label.setText("Ready to import: nothing is stored yet." if dry_run.ready else
                                  "Some files cannot be imported; go back to fix the options or remove them.")
        self.completeChanged.emit()

    def _check_failed(self, error: BaseException) -> None:
        self.cancel_button.setEnabled(False)
        self.again_button.setEnabled(True)
        if isinstance(error, OperationCancelled):
            self.status_label.setText("Check cancelled; the project is unchanged.")
        else:
            log.warning("dry run failed: %s", error)
            self.status_label.setText(f"Checking the files failed: {error}")

    def isComplete(self) -> bool:
        return self.dry_run is not None and self.dry_run.ready

    def validatePage(self) -> bool:
        return self.isComplete()  # QWizard.next() does not check isComplete() itself


class SummaryPage(JobPage):
    """Stores the checked files in one transaction and lists what was imported."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Import")
        self.reports: list = []
        self.finished = False
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, PROGRESS_STEPS)
        self.cancel_button = QPushButton("Cancel Import")
        self.cancel_button.setToolTip("Stop storing; every file of this import is rolled back")
        self.summary_view = QPlainTextEdit()
        self.summary_view.setReadOnly(True)
        bar = QHBoxLayout()
        bar.addWidget(self.progress_bar, 1)
        bar.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.summary_view, 1)
        self.cancel_button.clicked.connect(self.cancel_job)

    def initializePage(self) -> None:
        dry_run, project = self.wizard().check_page.dry_run, self.project()
        self.finished = False
        self.summary_view.setPlainText("Storing the files...")

        def job(progress):
            with project.connect() as worker_project:
                return import_plan.commit_all(worker_project, dry_run, progress)

        handle = self.run_job(job, "Importing files", self._done, self._failed)
        handle.progressed.connect(lambda fraction, _message: self.progress_bar.setValue(round(fraction * 1000)))

    def _done(self, reports: list) -> None:
        self.reports = list(reports)
        lines = [import_plan.report_line(report) for report in self.reports]
        self.summary_view.setPlainText("Imported:\n" + "\n".join(lines))
        self._finish()
        self.wizard().imported.emit(self.reports)

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, OperationCancelled):
            self.summary_view.setPlainText("Import cancelled; nothing was stored and the project is unchanged.")
        else:
            log.warning("import failed: %s", error)
            self.summary_view.setPlainText(f"Nothing was imported: {error}")
        self._finish()

    def _finish(self) -> None:
        self.finished = True
        self.progress_bar.setValue(PROGRESS_STEPS)
        self.cancel_button.setEnabled(False)
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.finished
