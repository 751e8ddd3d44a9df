"""The import wizard: files, format, column mapping, options, dry run with rejected rows, commit.

The project is not written to until the last page: the check page reads and checks every file
off the UI thread (:func:`workbench.services.import_plan.prepare_all`) and lists each rejected
row, and only the summary page stores the files, in one transaction. Cancel works on every page
and during both background jobs, and leaves the project file as it was.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QCompleter, QFileDialog, QFormLayout,
                               QHBoxLayout, QHeaderView, QLabel, QLineEdit, QListWidget, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget, QWizard, QWizardPage)

from workbench.services import import_plan
from workbench.services.imports import KINDS, ImportOptions
from workbench.services.session import Session
from workbench.ui.import_dialog import FILE_FILTERS, KIND_LABELS, _known_zones, system_timezone_name
from workbench.ui.import_pages import CheckPage, MappingPage, SummaryPage

log = logging.getLogger(__name__)

AUTO = "auto"
UNITS = (("From the header or the mapping", ""), ("Wh", "Wh"), ("kWh", "kWh"), ("MWh", "MWh"), ("W", "W"),
         ("kW", "kW"))
FACTOR_BASES = (("As the file states (location-based if it states none)", ""), ("location", "location"),
                ("residual_mix", "residual_mix"), ("supplier", "supplier"), ("marginal", "marginal"))
PAGE_FILES, PAGE_FORMAT, PAGE_MAPPING, PAGE_OPTIONS, PAGE_CHECK, PAGE_SUMMARY = range(6)


class DropList(QListWidget):
    """A file list that accepts files dropped from a file manager."""

    files_dropped = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.files_dropped.emit(paths)


class FilesPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Files")
        self.setSubTitle("Choose the files to import, or drop them on this list or on the main window.")
        self.file_list = DropList()
        self.add_button = QPushButton("Add Files...")
        self.add_button.setToolTip("Choose files to import")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the selected files from the list")
        buttons = QVBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addWidget(self.file_list, 1)
        layout.addLayout(buttons)
        self.add_button.clicked.connect(self._choose)
        self.remove_button.clicked.connect(self._remove_selected)
        self.file_list.files_dropped.connect(self.add_paths)

    def add_paths(self, paths: Sequence[str | Path]) -> None:
        known = {str(path) for path in self.paths()}
        for path in map(str, paths):
            if path not in known:
                known.add(path)
                self.file_list.addItem(path)
        self.completeChanged.emit()

    def paths(self) -> list[Path]:
        return [Path(self.file_list.item(row).text()) for row in range(self.file_list.count())]

    def isComplete(self) -> bool:
        return self.file_list.count() > 0

    def _choose(self) -> None:
        paths, _filter = QFileDialog.getOpenFileNames(self, "Choose files to import", "", FILE_FILTERS)
        self.add_paths(paths)

    def _remove_selected(self) -> None:
        for item in self.file_list.selectedItems():
            self.file_list.takeItem(self.file_list.row(item))
        self.completeChanged.emit()


class FormatPage(QWizardPage):
    """Chooses the import kind, or lets it be detected, and shows what was detected in each file and why."""

    def __init__(self, kinds: Sequence[str]) -> None:
        super().__init__()
        self.setTitle("Format")
        self.setSubTitle("Choose what the files contain, or let the workbench detect it from their content.")
        self.kind_combo = QComboBox()
        self.kind_combo.addItem("Detect from the content", AUTO)
        for kind in kinds:
            if kind != AUTO:
                self.kind_combo.addItem(KIND_LABELS.get(kind, kind), kind)
        self.kind_combo.setToolTip("The import kind; detection reads the first bytes and the header of each file")
        self.detections: dict[Path, import_plan.Detection] = {}
        self.detected_table = QTableWidget(0, 3)
        self.detected_table.setHorizontalHeaderLabels(["File", "Detected kind", "Why"])
        self.detected_table.horizontalHeader().setStretchLastSection(True)
        self.detected_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.problem_label = QLabel("")
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet("color: #b00020;")
        form = QFormLayout()
        form.addRow("Kind:", self.kind_combo)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("Detected:"))
        layout.addWidget(self.detected_table, 1)
        layout.addWidget(self.problem_label)
        self.kind_combo.currentIndexChanged.connect(self._kind_changed)

    def initializePage(self) -> None:
        self.detect(self.wizard().files_page.paths())

    def detect(self, paths: list[Path]) -> None:
        """Detect the kind of each file and list it with the reason."""
        self.detections = {path: import_plan.detect_kind(path) for path in paths}
        self.detected_table.setRowCount(len(paths))
        for row, path in enumerate(paths):
            detection = self.detections[path]
            values = (path.name, detection.kind or "not recognized", detection.reason)
            for column, text in enumerate(values):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.detected_table.setItem(row, column, item)
        self.detected_table.resizeColumnsToContents()
        self.detected_table.horizontalHeader().setStretchLastSection(True)
        self._kind_changed()

    def chosen_kind(self) -> str:
        return self.kind_combo.currentData()

    def set_kind(self, kind: str) -> None:
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(kind))

    def effective_kind(self) -> str | None:
        """Return the chosen kind, or the one kind detected in every file, or None."""
        if self.chosen_kind() != AUTO:
            return self.chosen_kind()
        kinds = {detection.kind for detection in self.detections.values()}
        return kinds.pop() if len(kinds) == 1 else None

    def problem(self) -> str:
        if self.chosen_kind() != AUTO:
            return ""
        missing = [path.name for path, detection in self.detections.items() if detection.kind is None]
        if missing:
            return f"No kind was detected for {', '.join(missing)}: choose the kind, or go back and remove the file."
        return ""

    def isComplete(self) -> bool:
        return not self.problem()

    def validatePage(self) -> bool:
        return self.isComplete()

    def _kind_changed(self, *_args) -> None:
        self.problem_label.setText(self.problem())
        self.completeChanged.emit()


class OptionsPage(QWizardPage):
    """Time zone, site, run, unit and the other facts stated for all files."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Units, time zone and where the data belongs")
        self.setSubTitle("Time stamps without a UTC offset are read in this time zone.")
        self.timezone_edit = QLineEdit(system_timezone_name())
        self.timezone_edit.setCompleter(QCompleter(sorted(_known_zones()), self))
        self.timezone_edit.setToolTip("IANA time zone of time stamps without an offset, such as Europe/Berlin")
        self.site_edit = QLineEdit()
        self.site_edit.setPlaceholderText("optional, such as lab-1")
        self.site_edit.setToolTip("Site (data centre) the energy or hardware belongs to; created if new")
        self.run_edit = QLineEdit()
        self.run_edit.setPlaceholderText("optional; GPU logs default to the file name")
        self.run_edit.setToolTip("Training run the energy belongs to; created if new")
        self.unit_combo = QComboBox()
        for text, unit in UNITS:
            self.unit_combo.addItem(text, unit)
        self.unit_combo.setToolTip("Unit of meter values when neither the header nor the mapping states one")
        self.mark_combo = QComboBox()
        self.mark_combo.addItems(["start", "end"])
        self.mark_combo.setToolTip("Whether a meter time stamp marks the start or the end of its interval")
        self.basis_combo = QComboBox()
        for text, basis in FACTOR_BASES:
            self.basis_combo.addItem(text, basis)
        self.basis_combo.setToolTip("Basis of factor datasets whose file states none (empty: location-based)")
        self.strict_check = QCheckBox("Reject the whole file if any row is rejected")
        self.strict_check.setToolTip("Like --strict: a file with a rejected row changes nothing")
        self.duplicate_check = QCheckBox("Import files again even if the same content was imported before")
        self.duplicate_check.setToolTip("Files are recognized by their SHA-256; leave this off to avoid counting "
                                        "the same energy twice")
        self.problem_label = QLabel("")
        self.problem_label.setStyleSheet("color: #b00020;")
        form = QFormLayout(self)
        form.addRow("Time zone:", self.timezone_edit)
        form.addRow("Site:", self.site_edit)
        form.addRow("Run:", self.run_edit)
        form.addRow("Meter unit:", self.unit_combo)
        form.addRow("Meter time stamps mark:", self.mark_combo)
        form.addRow("Factor basis:", self.basis_combo)
        form.addRow("", self.strict_check)
        form.addRow("", self.duplicate_check)
        form.addRow("", self.problem_label)
        self.timezone_edit.textChanged.connect(self._changed)

    def initializePage(self) -> None:
        kind = self.wizard().format_page.effective_kind()
        for widget in (self.unit_combo, self.mark_combo):
            widget.setEnabled(kind in (None, "meter", "green-button"))
        self.basis_combo.setEnabled(kind in (None, "factors"))

    def problem(self) -> str:
        zone = self.timezone_edit.text().strip()
        if zone and zone not in _known_zones():
            return f"'{zone}' is not a known IANA time zone; use a name such as Europe/Berlin or UTC."
        return ""

    def isComplete(self) -> bool:
        return not self.problem()

    def validatePage(self) -> bool:
        return self.isComplete()

    def _changed(self, *_args) -> None:
        self.problem_label.setText(self.problem())
        self.completeChanged.emit()


class ImportWizard(QWizard):
    """Imports files into the session's project; emits ``imported`` with the ImportReports after commit."""

    imported = Signal(list)

    def __init__(self, session: Session, paths: Sequence[str | Path] = (), kinds: Sequence[str] = KINDS,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("Import Files")
        self.setObjectName("import_wizard")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.files_page = FilesPage()
        self.format_page = FormatPage(kinds)
        self.mapping_page = MappingPage()
        self.options_page = OptionsPage()
        self.check_page = CheckPage()
        self.summary_page = SummaryPage()
        for number, page in enumerate((self.files_page, self.format_page, self.mapping_page, self.options_page,
                                       self.check_page, self.summary_page)):
            self.setPage(number, page)
        self.setButtonText(QWizard.WizardButton.CommitButton, "Import")
        self.files_page.add_paths(paths)
        self.resize(900, 620)

    def nextId(self) -> int:
        if self.currentId() == PAGE_FORMAT and self.format_page.effective_kind() not in import_plan.MAPPING_ROLES:
            return PAGE_OPTIONS
        return super().nextId()

    def paths(self) -> list[Path]:
        return self.files_page.paths()

    def options(self) -> ImportOptions:
        """Return the import options the pages state (the kind may be ``auto``: resolved per file)."""
        page = self.options_page
        kind = self.format_page.chosen_kind()
        effective = self.format_page.effective_kind()
        mapping = self.mapping_page.mapping() if effective in import_plan.MAPPING_ROLES else None
        return ImportOptions(
            kind=effective if mapping is not None else kind,
            timezone=page.timezone_edit.text().strip() or None,
            site=page.site_edit.text().strip() or None,
            run=page.run_edit.text().strip() or None,
            unit=(page.unit_combo.currentData() or None) if page.unit_combo.isEnabled() else None,
            timestamps_mark=page.mark_combo.currentText(),
            factor_basis=(page.basis_combo.currentData() or None) if page.basis_combo.isEnabled() else None,
            strict=page.strict_check.isChecked(),
            allow_duplicate=page.duplicate_check.isChecked(),
            mapping=mapping)

    def reject(self) -> None:
        self.check_page.cancel_job()
        self.mapping_page.cancel_job()
        if not self.summary_page.cancel_job():
            super().reject()

    def done(self, result: int) -> None:
        self.check_page.cancel_job()
        self.mapping_page.cancel_job()
        super().done(result)


def headers_of(table: QTableWidget) -> list[str]:
    """Return the horizontal header texts of ``table``."""
    return [table.horizontalHeaderItem(column).text() for column in range(table.columnCount())]


def stretch_last(table: QTableWidget) -> None:
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.horizontalHeader().setStretchLastSection(True)
    table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    table.setWordWrap(False)
    table.setTextElideMode(Qt.TextElideMode.ElideRight)
