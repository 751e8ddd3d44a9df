"""A read-only Qt table model over a pandas DataFrame, sortable and filterable at a million rows.

The model keeps the frame as it was set and one NumPy array per shown column, plus ``order``:
the frame positions of the visible rows, in display order. ``data()`` is one array lookup
(``arrays[column][order[row]]``) and formats only the cells the view paints, so no Python
work per row happens outside painting. Sorting and filtering only rebuild ``order`` with NumPy
(see :mod:`workbench.ui.frame_order`), in a worker thread for large frames. A frame set later
keeps the sort column, order and filter.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from workbench.ui.formatting import MISSING, format_significant
from workbench.ui.frame_order import ColumnData

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

RAW_VALUE_ROLE = Qt.ItemDataRole.UserRole  # the cell's value unformatted, for tests and exports
ASYNC_ROWS = 250_000  # frames at least this long are sorted and filtered in a worker

_Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    """Display settings of one frame column: header text, unit and kind ("text", "integer" or "number")."""

    key: str
    header: str
    unit: str = ""
    kind: str = "text"
    digits: int | None = None  # None follows the window's number style

    def title(self) -> str:
        return f"{self.header}\n({self.unit})" if self.unit else self.header

    def format(self, value: Any) -> str:
        if value is None or (isinstance(value, float) and value != value):
            return MISSING
        if self.kind == "number":
            return format_significant(value, self.digits)
        if self.kind == "integer":
            return f"{int(value):,}"
        return str(value)


class DataFrameModel(QAbstractTableModel):
    """Shows the columns listed in ``columns`` of a DataFrame set with :meth:`set_frame`.

    ``filtered`` is emitted with (visible rows, total rows) after every frame, sort or filter.
    Frames of at least ``async_rows`` rows are sorted and filtered in a worker thread, so the
    window stays responsive; the view keeps the old order until the new one arrives.
    """

    filtered = Signal(int, int)
    busy_changed = Signal(bool)  # True while a worker orders a large frame

    def __init__(self, columns: Sequence[Column], parent=None) -> None:
        super().__init__(parent)
        self._columns = tuple(columns)
        self._frame: pd.DataFrame | None = None
        self._data = self._column_data(None)
        self._order = np.empty(0, dtype=np.int64)
        self._sort_key: tuple[str, bool] | None = None  # (column key, ascending)
        self._filter_text = ""
        self._serial = 0  # numbers orderings, so a worker's late result for an older request is dropped
        self.async_rows = ASYNC_ROWS
        self._jobs: set = set()  # running handles; the reference keeps each job's relay alive

    @property
    def columns(self) -> tuple[Column, ...]:
        return self._columns

    def frame(self) -> "pd.DataFrame | None":
        """Return the frame as set, in its own order and with every row."""
        return self._frame

    def visible_frame(self) -> "pd.DataFrame | None":
        """Return the rows the view shows, in display order (a copy)."""
        if self._frame is None:
            return None
        return self._frame.iloc[self._order].reset_index(drop=True)

    def set_frame(self, frame: "pd.DataFrame | None") -> None:
        """Show ``frame`` with the current sort and filter; a missing column raises KeyError.

        The frame is ordered on this thread, so the view never shows it unordered.
        """
        data = self._column_data(frame)
        order = data.visible_order(self._sort_key, self._filter_text)
        self._serial += 1
        if self._same_rows(data, order):
            # The same rows in the same order with new values (a preview while dragging): the view
            # repaints the visible cells and keeps its selection and scroll position.
            self._frame, self._data, self._order = frame, data, order
            self.dataChanged.emit(self.index(0, 0), self.index(len(order) - 1, len(self._columns) - 1))
            return
        self.beginResetModel()
        self._frame = frame
        self._data = data
        self._order = order
        self.endResetModel()
        self._emit_counts()

    def _column_data(self, frame: "pd.DataFrame | None") -> ColumnData:
        return ColumnData.from_frame(frame, [column.key for column in self._columns],
                                     [column.kind for column in self._columns])

    def is_busy(self) -> bool:
        """Return whether a worker is sorting or filtering a large frame."""
        return bool(self._jobs)

    # -- Qt model interface ------------------------------------------------------------------

    def _same_rows(self, data: ColumnData, order: np.ndarray) -> bool:
        """Return whether ``data`` shows the same rows as now, in the same order, with the same first column."""
        if self._frame is None or not data.arrays or not len(order) or not np.array_equal(order, self._order):
            return False
        return bool(np.array_equal(data.arrays[0], self._data.arrays[0]))

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        if parent.isValid() or self._frame is None:
            return 0
        return len(self._order)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def frame_row(self, row: int) -> int:
        """Return the frame position of visible row ``row``."""
        return int(self._order[row])

    def raw_value(self, row: int, column: int) -> Any:
        value = self._data.arrays[column][self._order[row]]
        if type(value).__name__ == "NAType":  # pandas.NA, checked by name so pandas loads lazily
            return None
        return value.item() if hasattr(value, "item") else value

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self._frame is None:
            return None
        column = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.format(self.raw_value(index.row(), index.column()))
        if role == RAW_VALUE_ROLE:
            return self.raw_value(index.row(), index.column())
        if role == Qt.ItemDataRole.ToolTipRole and column.kind == "number":
            value = self.raw_value(index.row(), index.column())
            return None if value is None else f"{value!r} {column.unit}".strip()
        if role == Qt.ItemDataRole.TextAlignmentRole and column.kind != "text":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._columns[section].title()
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return f"{self._columns[section].header}: click to sort"
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return str(section + 1)
        return None

    # -- sorting and filtering ---------------------------------------------------------------

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by ``column``; frames set later keep this order, as the view's sort indicator shows."""
        if not 0 <= column < len(self._columns):
            return
        sort_key = (self._columns[column].key, order == Qt.SortOrder.AscendingOrder)
        if sort_key == self._sort_key:
            return  # QTableView.sortByColumn() asks twice: once itself, once through the header
        self._sort_key = sort_key
        self._reorder()

    def filter_text(self) -> str:
        return self._filter_text

    def set_filter(self, text: str) -> None:
        """Show only rows where some text column contains ``text`` (case-insensitive).

        When ``text`` is all digits, rows whose integer columns equal that number match too, so
        an id or an hour can be found. Number columns never match, because their shown text is
        rounded.
        """
        text = text.strip()
        if text == self._filter_text:
            return
        self._filter_text = text
        self._reorder()

    def _reorder(self) -> None:
        """Order the rows again after a sort or filter change; large frames are ordered in a worker."""
        self._serial += 1
        if self._frame is not None and len(self._frame) >= self.async_rows:
            self._reorder_in_worker()
            return
        self._apply_order(self._data.visible_order(self._sort_key, self._filter_text))

    def _reorder_in_worker(self) -> None:
        from workbench.ui.gc_guard import pin_gc_to_gui_thread
        from workbench.ui.workers import start_job

        pin_gc_to_gui_thread()  # a collection in the worker could destroy Qt objects there
        serial, data, sort_key, text = self._serial, self._data, self._sort_key, self._filter_text
        handle = start_job(lambda _progress: data.visible_order(sort_key, text),
                           operation="Sorting and filtering the table")
        self._jobs.add(handle)
        self.busy_changed.emit(True)
        handle.succeeded.connect(lambda order: self._order_ready(serial, order))
        handle.failed.connect(lambda error: log.error("ordering the table failed", exc_info=error))
        handle.finished.connect(lambda: self._worker_done(handle))

    def _order_ready(self, serial: int, order: np.ndarray) -> None:
        if serial == self._serial:  # otherwise a newer sort, filter or frame replaced the request
            self._apply_order(order)

    def _worker_done(self, handle) -> None:
        self._jobs.discard(handle)
        handle.deleteLater()
        if not self._jobs:
            self.busy_changed.emit(False)

    def _apply_order(self, order: np.ndarray) -> None:
        self.layoutAboutToBeChanged.emit()
        old_order = self._order
        self._order = order
        self._move_persistent_indexes(old_order)
        self.layoutChanged.emit()
        self._emit_counts()

    def _move_persistent_indexes(self, old_order: np.ndarray) -> None:
        """Point selections and the current index at the same frame rows after a sort or filter."""
        persistent = self.persistentIndexList()
        if not persistent or self._frame is None:
            return
        visible_row = np.full(len(self._frame), -1, dtype=np.int64)
        visible_row[self._order] = np.arange(len(self._order))
        moved = []
        for index in persistent:
            row = int(visible_row[old_order[index.row()]]) if index.row() < len(old_order) else -1
            moved.append(self.index(row, index.column()) if row >= 0 else QModelIndex())
        self.changePersistentIndexList(persistent, moved)

    def _emit_counts(self) -> None:
        total = 0 if self._frame is None else len(self._frame)
        self.filtered.emit(len(self._order), total)
