"""A read-only Qt table model over a pandas DataFrame, sortable and filterable at a million rows.

The model keeps the frame as it was set and one NumPy array per shown column, plus ``order``:
the frame positions of the visible rows, in display order. ``data()`` is one array lookup
(``arrays[column][order[row]]``) and formats only the cells the view paints, so no Python
work per row happens outside painting. Sorting is a stable NumPy argsort of the column's sort
keys (missing values last, in both directions). Filtering matches each distinct text of a column
once and maps the result to the rows through the column's codes. Both only rebuild ``order``.
Sort keys and factorized texts are cached per column until the next frame, and a frame set
later keeps the sort column, order and filter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from workbench.ui.formatting import MISSING, format_significant

if TYPE_CHECKING:
    import pandas as pd

RAW_VALUE_ROLE = Qt.ItemDataRole.UserRole  # the cell's value unformatted, for tests and exports

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
    """

    filtered = Signal(int, int)

    def __init__(self, columns: Sequence[Column], parent=None) -> None:
        super().__init__(parent)
        self._columns = tuple(columns)
        self._frame: pd.DataFrame | None = None
        self._arrays: list[np.ndarray] = []
        self._order = np.empty(0, dtype=np.int64)
        self._sort_key: tuple[str, bool] | None = None  # (column key, ascending)
        self._filter_text = ""
        self._sort_cache: dict[int, np.ndarray] = {}
        self._text_cache: dict[int, Any] = {}

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
        """Show ``frame`` with the current sort and filter; a missing column raises KeyError."""
        arrays = [] if frame is None else [_column_array(frame[column.key]) for column in self._columns]
        self.beginResetModel()
        self._frame = frame
        self._arrays = arrays
        self._sort_cache.clear()
        self._text_cache.clear()
        self._order = self._visible_order()
        self.endResetModel()
        self._emit_counts()

    # -- Qt model interface ------------------------------------------------------------------

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
        value = self._arrays[column][self._order[row]]
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
        self.layoutAboutToBeChanged.emit()
        old_order = self._order
        self._order = self._visible_order()
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

    def _visible_order(self) -> np.ndarray:
        if self._frame is None:
            return np.empty(0, dtype=np.int64)
        rows = self._matching_rows()
        if self._sort_key is None:
            return rows
        key, ascending = self._sort_key
        position = next((i for i, column in enumerate(self._columns) if column.key == key), None)
        if position is None:
            return rows
        return rows[_stable_order(self._sort_keys(position)[rows], ascending)]

    def _matching_rows(self) -> np.ndarray:
        count = len(self._frame)
        if not self._filter_text:
            return np.arange(count, dtype=np.int64)
        needle = self._filter_text.lower()
        keep = np.zeros(count, dtype=bool)
        for position, column in enumerate(self._columns):
            if column.kind == "integer" and needle.isdigit():
                keep |= self._sort_keys(position) == float(needle)
            elif column.kind == "text":
                codes, uniques = self._factorized(position)
                matched = np.append(uniques.str.lower().str.contains(needle, regex=False).to_numpy(bool), False)
                keep |= matched[codes]  # code -1 (missing) reads the appended False
        return np.flatnonzero(keep)

    def _factorized(self, position: int):
        """Return (codes, sorted distinct texts) of column ``position``; code -1 marks a missing value.

        Filters test each distinct text once, and text columns sort by their codes, so a column
        of a million rows with a thousand run names costs a thousand string matches.
        """
        if position not in self._text_cache:
            import pandas as pd

            texts = pd.Series(self._arrays[position], copy=False).astype("string")
            codes, uniques = pd.factorize(texts, sort=True, use_na_sentinel=True)
            self._text_cache[position] = (codes.astype(np.int64), pd.Index(uniques).astype("string"))
        return self._text_cache[position]

    def _sort_keys(self, position: int) -> np.ndarray:
        """Return float sort keys of column ``position`` (NaN for missing); text is ranked by its code."""
        if position not in self._sort_cache:
            import pandas as pd

            values = self._arrays[position]
            numeric = isinstance(values.dtype, np.dtype) and values.dtype != object
            if self._columns[position].kind == "text" or not numeric:
                codes, _uniques = self._factorized(position)
                keys = codes.astype(float)
                keys[codes < 0] = np.nan
            else:
                keys = pd.to_numeric(pd.Series(values, copy=False), errors="coerce").to_numpy(float)
            self._sort_cache[position] = keys
        return self._sort_cache[position]


def _column_array(series: "pd.Series") -> Any:
    """Return the column's values for cell lookups without copying strings into Python objects.

    NumPy-typed columns become NumPy arrays; string and other extension columns keep their
    pandas array, whose scalar lookup is fast enough for the cells a view paints.
    """
    if isinstance(series.dtype, np.dtype):
        return series.to_numpy()
    return series.array


def _stable_order(keys: np.ndarray, ascending: bool) -> np.ndarray:
    """Return the stable argsort of ``keys`` with NaN last in both directions.

    NumPy sorts NaN after every number, and negating NaN leaves NaN, so one argsort serves both
    directions.
    """
    return np.argsort(keys if ascending else -keys, kind="stable")
