"""The import dialog (kind, files, time zone, site, run) and the dialog listing rejected rows."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from PySide6.QtCore import Qt, QTimeZone
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QCompleter, QDialog, QDialogButtonBox,
                               QFileDialog, QFormLayout, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QListWidget, QPlainTextEdit, QPushButton, QTableView, QVBoxLayout, QWidget)

from workbench.ui.frame_model import Column, DataFrameModel

if TYPE_CHECKING:
    from workbench.errors import RowProblem
    from workbench.services.imports import ImportOptions, ImportReport

KIND_LABELS = {
    "gpu-log": "GPU log (nvidia-smi --query-gpu CSV)",
    "codecarbon": "CodeCarbon emissions.csv",
    "meter": "Meter interval data (CSV or XLSX)",
    "procurement": "Procurement records (CSV or XLSX)",
    "factors": "Emission factors (CSV)",
    "green-button": "Green Button (ESPI) XML meter data",
    "instruments": "Contractual instruments: certificates, PPAs, supplier rates (CSV or XLSX)",
    "scope1": "Scope 1 fuel and refrigerant records (CSV or XLSX)",
    "hardware-library": "Hardware embodied emissions library (Boavizta CSV)",
    "runs": "Runs table: GPU allocations and declared runs (CSV or XLSX)",
    "nvidia-smi-xml": "nvidia-smi -q -x XML dumps",
    "nvidia-smi-q": "nvidia-smi -q text dumps",
    "dmon": "nvidia-smi dmon output",
    "dcgm": "dcgm-exporter Prometheus scrapes (file or folder)",
    "gpu-hours-parquet": "GPU-hours Parquet hand-off file",
    "carbontracker": "carbontracker log",
    "slurm": "Slurm sacct --parsable2 output",
    "auto": "Detect from the content",
}
FILE_FILTERS = "Data files (*.csv *.xlsx *.txt);;All files (*)"
REJECTED_COLUMNS = (
    Column("file", "File"), Column("row", "Row", kind="integer"), Column("column", "Column"),
    Column("value", "Value"), Column("reason", "Reason"),
)


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def system_timezone_name() -> str:
    """Return the IANA name of the system time zone, or "UTC" when it is not known."""
    name = bytes(QTimeZone.systemTimeZoneId().data()).decode("ascii", "replace")
    return name if name in _known_zones() else "UTC"


@dataclass
class ImportRequest:
    """The files to import and the options stated for all of them."""

    paths: list[Path]
    options: "ImportOptions"


class ImportDialog(QDialog):
    """Asks for the kind, files and the time zone, site and run the files belong to."""

    def __init__(self, kinds: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import Files")
        self.kind_combo = QComboBox()
        for kind in kinds:
            self.kind_combo.addItem(KIND_LABELS.get(kind, kind), kind)

        self.file_list = QListWidget()
        self.file_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.add_button = QPushButton("Add Files...")
        self.remove_button = QPushButton("Remove")

        self.timezone_edit = QLineEdit(system_timezone_name())
        self.timezone_edit.setCompleter(QCompleter(sorted(_known_zones()), self))
        self.timezone_edit.setToolTip("IANA time zone of timestamps that carry no offset, such as Europe/Berlin")
        self.site_edit = QLineEdit()
        self.site_edit.setPlaceholderText("optional, such as lab-1")
        self.site_edit.setToolTip("Site (data centre) the energy or hardware belongs to; created if new")
        self.run_edit = QLineEdit()
        self.run_edit.setPlaceholderText("optional; GPU logs default to the file name")
        self.run_edit.setToolTip("Training run the energy belongs to; created if new")

        self.duplicate_check = QCheckBox("Import files again even if the same content was imported before")
        self.duplicate_check.setToolTip("Files are recognised by their SHA-256; leave this off to avoid counting "
                                        "the same energy twice")
        self.error_label = QLabel("")
        self.error_label.setStyleSheet("color: #b00020;")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Import")

        self._build_layout()
        self.add_button.clicked.connect(self._choose_files)
        self.remove_button.clicked.connect(self._remove_selected)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    def _build_layout(self) -> None:
        file_buttons = QVBoxLayout()
        file_buttons.addWidget(self.add_button)
        file_buttons.addWidget(self.remove_button)
        file_buttons.addStretch(1)
        files = QHBoxLayout()
        files.addWidget(self.file_list, 1)
        files.addLayout(file_buttons)
        form = QFormLayout()
        form.addRow("Kind:", self.kind_combo)
        form.addRow("Files:", files)
        form.addRow("Time zone:", self.timezone_edit)
        form.addRow("Site:", self.site_edit)
        form.addRow("Run:", self.run_edit)
        form.addRow("", self.duplicate_check)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.resize(640, 380)

    def set_kind(self, kind: str) -> None:
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(kind))

    def add_paths(self, paths: Sequence[str | Path]) -> None:
        known = {self.file_list.item(row).text() for row in range(self.file_list.count())}
        for path in map(str, paths):
            if path not in known:
                known.add(path)
                self.file_list.addItem(path)

    def paths(self) -> list[Path]:
        return [Path(self.file_list.item(row).text()) for row in range(self.file_list.count())]

    def _choose_files(self) -> None:
        paths, _filter = QFileDialog.getOpenFileNames(self, "Choose files to import", "", FILE_FILTERS)
        self.add_paths(paths)

    def _remove_selected(self) -> None:
        for item in self.file_list.selectedItems():
            self.file_list.takeItem(self.file_list.row(item))

    def problem(self) -> str:
        """Return why the entries cannot be imported as they are, or "" when they can."""
        if not self.paths():
            return "Add at least one file."
        zone = self.timezone_edit.text().strip()
        if zone and zone not in _known_zones():
            return f"'{zone}' is not a known IANA time zone; use a name such as Europe/Berlin or UTC."
        return ""

    def accept(self) -> None:
        problem = self.problem()
        self.error_label.setText(problem)
        if not problem:
            super().accept()

    def request(self) -> ImportRequest:
        from workbench.services.imports import ImportOptions

        options = ImportOptions(
            kind=self.kind_combo.currentData(),
            timezone=self.timezone_edit.text().strip() or None,
            site=self.site_edit.text().strip() or None,
            run=self.run_edit.text().strip() or None,
            allow_duplicate=self.duplicate_check.isChecked())
        return ImportRequest(self.paths(), options)


@dataclass
class ImportOutcome:
    """Result of an import command: the reports of the files stored, or the error that stopped it."""

    reports: list["ImportReport"] = field(default_factory=list)
    failure: str = ""
    problems: list["RowProblem"] = field(default_factory=list)

    def rejected(self) -> list["RowProblem"]:
        return [problem for report in self.reports for problem in report.rejected] + list(self.problems)

    def notes(self) -> list[str]:
        return [f"{report.file}: {note}" for report in self.reports for note in report.notes]


class ImportResultDialog(QDialog):
    """Lists what an import stored, its notes and every rejected row (file, row, column, value, reason)."""

    def __init__(self, outcome: ImportOutcome, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import Result")
        self.outcome = outcome
        self.summary = QLabel(self._summary_text())
        self.summary.setWordWrap(True)
        self.rejected_model = DataFrameModel(REJECTED_COLUMNS, self)
        self.rejected_model.set_frame(_problems_frame(outcome.rejected()))
        self.rejected_view = QTableView()
        self.rejected_view.setModel(self.rejected_model)
        self.rejected_view.setSortingEnabled(True)
        self.rejected_view.sortByColumn(0, Qt.SortOrder.AscendingOrder)  # by file, rows keep their order
        self.rejected_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.rejected_view.horizontalHeader().setStretchLastSection(True)
        self.notes_view = QPlainTextEdit("\n".join(outcome.notes()))
        self.notes_view.setReadOnly(True)
        self.notes_view.setMaximumHeight(110)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(QLabel(f"Rejected rows ({self.rejected_model.rowCount()}):"))
        layout.addWidget(self.rejected_view, 1)
        layout.addWidget(QLabel("Notes:"))
        layout.addWidget(self.notes_view)
        layout.addWidget(buttons)
        self.resize(820, 480)
        self.rejected_view.resizeColumnsToContents()

    def _summary_text(self) -> str:
        outcome = self.outcome
        if outcome.failure:
            return f"Nothing was imported: {outcome.failure}"
        lines = [f"{report.file}: {report.rows_accepted:,} rows imported, {report.rows_rejected:,} rejected "
                 f"(source {report.source_id})" for report in outcome.reports]
        return "\n".join(lines) or "No file was imported."


def _problems_frame(problems: list["RowProblem"]):
    import pandas as pd

    rows = [{"file": p.file, "row": p.row, "column": p.column, "value": p.value, "reason": p.reason}
            for p in problems]
    return pd.DataFrame(rows, columns=[column.key for column in REJECTED_COLUMNS])
