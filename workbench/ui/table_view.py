"""A table of a DataFrame with a filter box, a row count and sortable columns.

:class:`FrameTable` is what the explorer, the drill-down and the audit trail show. Typing in
the filter box filters after a short pause, so a million-row table is filtered once per pause,
not once per key.
"""

from __future__ import annotations

from typing import Sequence

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QTableView,
                               QVBoxLayout, QWidget)

from workbench.ui.frame_model import Column, DataFrameModel

FILTER_DELAY_MS = 200


class FrameTable(QWidget):
    """A filter box over a sortable table of ``columns``; ``row_activated`` carries the frame row."""

    row_activated = Signal(int)  # frame position of a double-clicked or Enter-pressed row

    def __init__(self, columns: Sequence[Column], parent: QWidget | None = None, *, name: str = "table") -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.model = DataFrameModel(columns, self)
        self.view = QTableView()
        self.view.setObjectName(f"{name}_view")
        self.view.setModel(self.model)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)  # QHeaderView starts descending
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.verticalHeader().setDefaultSectionSize(self.view.fontMetrics().height() + 8)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.activated.connect(lambda index: self.row_activated.emit(self.model.frame_row(index.row())))

        self.filter_edit = QLineEdit()
        self.filter_edit.setObjectName(f"{name}_filter")
        self.filter_edit.setPlaceholderText(
            "Filter rows (text columns contain it; a number also finds equal ids and hours)")
        self.filter_edit.setToolTip("Show only the rows containing this text, ignoring case")
        self.filter_edit.setClearButtonEnabled(True)
        self.count_label = QLabel()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(FILTER_DELAY_MS)
        self._timer.timeout.connect(self.apply_filter)
        self.filter_edit.textChanged.connect(lambda _text: self._timer.start())
        self._counts = (0, 0)
        self.model.filtered.connect(self._show_count)
        self.model.busy_changed.connect(self._show_busy)

        bar = QHBoxLayout()
        bar.addWidget(self.filter_edit, 1)
        bar.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)

    def set_frame(self, frame) -> None:
        self.model.set_frame(frame)
        if frame is not None and len(frame) <= 2000:
            self.view.resizeColumnsToContents()

    def apply_filter(self) -> None:
        """Filter by the filter box's text now (typing filters after a short pause)."""
        self._timer.stop()
        self.model.set_filter(self.filter_edit.text())

    def _show_busy(self, busy: bool) -> None:
        if busy:
            self.count_label.setText(f"Sorting and filtering {self._counts[1]:,} rows...")
        else:
            self._show_count(*self._counts)

    def _show_count(self, visible: int, total: int) -> None:
        self._counts = (visible, total)
        if visible == total:
            self.count_label.setText(f"{total:,} rows")
        else:
            self.count_label.setText(f"{visible:,} of {total:,} rows")
