"""A read-only Qt table model over a pandas DataFrame.

The model keeps the frame and reads cells from it on demand (through each column's NumPy
array), so a table of 100,000 rejected rows costs no widget items. Sorting replaces the frame
with a sorted copy, and every frame set afterwards is sorted the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

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
    digits: int = 4

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
    """Shows the columns listed in ``columns`` of a DataFrame set with :meth:`set_frame`."""

    def __init__(self, columns: Sequence[Column], parent=None) -> None:
        super().__init__(parent)
        self._columns = tuple(columns)
        self._frame: pd.DataFrame | None = None
        self._arrays: list[Any] = []
        self._sort_key: tuple[str, bool] | None = None  # (column key, ascending)

    @property
    def columns(self) -> tuple[Column, ...]:
        return self._columns

    def frame(self) -> "pd.DataFrame | None":
        return self._frame

    def set_frame(self, frame: "pd.DataFrame | None") -> None:
        """Show ``frame``, in the order of the last :meth:`sort`; a missing column raises KeyError."""
        if frame is not None and self._sort_key is not None:
            frame = _sorted(frame, *self._sort_key)
        arrays = [] if frame is None else [frame[column.key].to_numpy() for column in self._columns]
        if self._same_rows(frame, arrays):
            # The same rows in the same order with new values (a preview while dragging): the view
            # repaints the visible cells and keeps its selection and scroll position.
            self._frame, self._arrays = frame, arrays
            self.dataChanged.emit(self.index(0, 0), self.index(len(frame) - 1, len(self._columns) - 1))
            return
        self.beginResetModel()
        self._frame = frame
        self._arrays = arrays
        self.endResetModel()

    def _same_rows(self, frame: "pd.DataFrame | None", arrays: list[Any]) -> bool:
        """True when ``frame`` has the shown frame's length and the same first-column values in order."""
        if frame is None or self._frame is None or len(frame) != len(self._frame) or not len(frame):
            return False
        import numpy as np

        return bool(np.array_equal(arrays[0], self._arrays[0]))

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        if parent.isValid() or self._frame is None:
            return 0
        return len(self._frame)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def raw_value(self, row: int, column: int) -> Any:
        value = self._arrays[column][row]
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
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return str(section + 1)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by ``column``; frames set later keep this order, as the view's sort indicator shows."""
        if not 0 <= column < len(self._columns):
            return
        self._sort_key = (self._columns[column].key, order == Qt.SortOrder.AscendingOrder)
        self.set_frame(self._frame)


def _sorted(frame: "pd.DataFrame", key: str, ascending: bool) -> "pd.DataFrame":
    ordered = frame.sort_values(key, ascending=ascending, kind="stable", na_position="last")
    return ordered.reset_index(drop=True)
