"""The project explorer: a tree of what the project holds; activating an item opens its table.

Items come from :data:`workbench.services.explorer.CATEGORIES` plus the audit log. The tree
emits ``open_requested`` with the item's key. The main window loads the table off the UI
thread and shows it in a tab (see :class:`ExplorerTable`).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem, QWidget

from workbench.services import explorer
from workbench.ui.frame_model import Column
from workbench.ui.table_view import FrameTable

AUDIT_KEY = "audit_log"
KEY_ROLE = Qt.ItemDataRole.UserRole


class ExplorerTree(QTreeWidget):
    """One item per explorer category with its row count, and the audit log."""

    open_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("explorer_tree")
        self.setHeaderLabels(["Project", "Rows"])
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.items: dict[str, QTreeWidgetItem] = {}
        for category in explorer.CATEGORIES:
            self._add(category.key, category.title, category.description)
        self._add(AUDIT_KEY, "Audit log", "Who changed what, when and why, with the hash-chain status")
        self.itemActivated.connect(lambda item, _column: self.open_requested.emit(item.data(0, KEY_ROLE)))
        self.show_counts(None)

    def _add(self, key: str, title: str, tooltip: str) -> None:
        item = QTreeWidgetItem(self, [title, ""])
        item.setData(0, KEY_ROLE, key)
        item.setToolTip(0, f"{tooltip}. Double-click or press Enter to open the table.")
        item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.items[key] = item

    def show_counts(self, counts: dict[str, int] | None) -> None:
        """Show each category's row count; None (no project) disables the tree."""
        self.setEnabled(counts is not None)
        for key, item in self.items.items():
            count = None if counts is None else counts.get(key)
            item.setText(1, "" if count is None else f"{count:,}")
        self.resizeColumnToContents(0)
        # The dock may not clip the category names, or counts up to seven digits.
        counts_width = self.fontMetrics().horizontalAdvance("9,999,999") + 12
        self.setMinimumWidth(self.sizeHintForColumn(0) + 12 + counts_width
                             + self.verticalScrollBar().sizeHint().width() + 2 * self.frameWidth())


def table_columns(key: str) -> tuple[Column, ...]:
    """Return the frame model's columns for explorer category ``key``."""
    return tuple(Column(column.key, column.header, column.unit, column.kind)
                 for column in explorer.category(key).columns)


class ExplorerTable(FrameTable):
    """The table of one explorer category."""

    def __init__(self, key: str, parent: QWidget | None = None) -> None:
        super().__init__(table_columns(key), parent, name=f"explorer_{key}")
        self.key = key
