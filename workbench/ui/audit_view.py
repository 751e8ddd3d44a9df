"""The audit trail view: the hash-chained log with filters, chain status and rationales.

Filters (actor, action, time range, text) build a :class:`workbench.services.audit_trail.AuditFilter`;
the table shows the selected entries, newest first (sortable), and the details box the whole entry of the
current row. The chain status line reads "verified" or "broken at entry N".
"""

from __future__ import annotations

import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit,
                               QPushButton, QSplitter, QVBoxLayout, QWidget)

from workbench.services import audit_trail
from workbench.services.audit_trail import AuditFilter, ChainState
from workbench.ui.frame_model import Column
from workbench.ui.table_view import FrameTable

ANY = "(any)"
COLUMNS = (Column("seq", "Entry", kind="integer"), Column("at", "Time (UTC)"), Column("actor", "Who"),
           Column("action", "Action"), Column("entity", "What"), Column("summary", "Change"),
           Column("rationale", "Why"))


class AuditTrailView(QWidget):
    """The audit log of one project; call :meth:`show_log` with a fresh frame and chain state."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("audit_view")
        self._frame = pd.DataFrame(columns=list(audit_trail.COLUMNS))
        self.status_label = QLabel("No project open")
        self.status_label.setObjectName("audit_chain_status")
        self.actor_combo = self._combo("Show only the entries of this user")
        self.action_combo = self._combo("Show only the entries of this action")
        self.since_edit = self._edit("from, e.g. 2026-01-01", "Show entries at or after this UTC time (ISO 8601)")
        self.until_edit = self._edit("to, e.g. 2026-01-31", "Show entries at or before this UTC time (ISO 8601)")
        self.text_edit = self._edit("text in what, change, why or details",
                                    "Show entries whose entity, change, rationale or details contain this text")
        self.reset_button = QPushButton("Reset Filters")
        self.reset_button.setToolTip("Clear every filter and show the whole log")
        self.table = FrameTable(COLUMNS, name="audit_table")
        self.table.filter_edit.hide()  # the text filter above covers details too
        self.table.view.sortByColumn(0, Qt.SortOrder.DescendingOrder)  # newest first
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setObjectName("audit_details")
        self._layout()
        self._connect()

    def _combo(self, tooltip: str) -> QComboBox:
        combo = QComboBox()
        combo.addItem(ANY)
        combo.setToolTip(tooltip)
        return combo

    def _edit(self, placeholder: str, tooltip: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setPlaceholderText(placeholder)
        edit.setToolTip(tooltip)
        edit.setClearButtonEnabled(True)
        return edit

    def _layout(self) -> None:
        filters = QFormLayout()
        row = QHBoxLayout()
        row.addWidget(self.actor_combo)
        row.addWidget(self.action_combo)
        row.addWidget(self.since_edit)
        row.addWidget(self.until_edit)
        filters.addRow("Who, action, from, to:", row)
        text_row = QHBoxLayout()
        text_row.addWidget(self.text_edit, 1)
        text_row.addWidget(self.reset_button)
        filters.addRow("Text:", text_row)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status_label)
        layout.addLayout(filters)
        layout.addWidget(splitter, 1)

    def _connect(self) -> None:
        self.actor_combo.currentIndexChanged.connect(self.apply_filter)
        self.action_combo.currentIndexChanged.connect(self.apply_filter)
        for edit in (self.since_edit, self.until_edit, self.text_edit):
            edit.textChanged.connect(self.apply_filter)
        self.reset_button.clicked.connect(self.reset_filters)
        self.table.view.selectionModel().currentRowChanged.connect(lambda current, _previous: self._show_details())

    # -- state -> widgets --------------------------------------------------------------------

    def show_log(self, frame: pd.DataFrame, state: ChainState | None) -> None:
        """Show the entries of ``frame`` (from :func:`audit_trail.audit_frame`) and the chain ``state``."""
        self._frame = frame
        self._fill_choices(self.actor_combo, audit_trail.choices(frame, "actor"))
        self._fill_choices(self.action_combo, audit_trail.choices(frame, "action"))
        self._show_state(state)
        self.apply_filter()

    def _fill_choices(self, combo: QComboBox, values: list[str]) -> None:
        current = combo.currentText()
        combo.blockSignals(True)
        combo.clear()
        combo.addItems([ANY] + values)
        combo.setCurrentIndex(max(combo.findText(current), 0))
        combo.blockSignals(False)

    def _show_state(self, state: ChainState | None) -> None:
        if state is None:
            self.status_label.setText("No project open")
            self.status_label.setStyleSheet("")
            return
        self.status_label.setText(state.describe())
        self.status_label.setStyleSheet("" if state.ok else "color: #b00020; font-weight: 600;")

    # -- widgets -> filter -------------------------------------------------------------------

    def current_filter(self) -> AuditFilter:
        def choice(combo: QComboBox) -> str:
            return "" if combo.currentText() == ANY else combo.currentText()

        return AuditFilter(actor=choice(self.actor_combo), action=choice(self.action_combo),
                           since=self.since_edit.text().strip(), until=self.until_edit.text().strip(),
                           text=self.text_edit.text().strip())

    def apply_filter(self) -> None:
        selected = self.current_filter().apply(self._frame)
        self.table.set_frame(selected.reset_index(drop=True))
        self._show_details()

    def reset_filters(self) -> None:
        for combo in (self.actor_combo, self.action_combo):
            combo.setCurrentIndex(0)
        for edit in (self.since_edit, self.until_edit, self.text_edit):
            edit.clear()

    def _show_details(self) -> None:
        index = self.table.view.currentIndex()
        frame = self.table.model.frame()
        if not index.isValid() or frame is None:
            self.details.clear()
            return
        entry = frame.iloc[self.table.model.frame_row(index.row())]
        self.details.setPlainText(f"Entry {entry['seq']} at {entry['at']} by {entry['actor']}\n"
                                  f"{entry['action']} {entry['entity']}\n"
                                  f"Why: {entry['rationale'] or '(no rationale recorded)'}\n\n"
                                  f"Details: {entry['details']}\nHash: {entry['hash']}")
