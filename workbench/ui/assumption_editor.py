"""The assumption editor: every assumption of the selected set, with value, unit, source and distribution.

The widget only binds Qt controls to :class:`~workbench.services.assumption_editor_state.EditorState`
in both directions and forwards user gestures to
:class:`~workbench.services.assumption_editor_state.AssumptionEditor`. A slider drag or a spin
box step previews the value, and the totals and charts follow through the shared
:class:`Recomputer`. A release, Enter or the Store button commits one undo command with the
rationale.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox,
                               QHBoxLayout, QHeaderView, QLabel, QLayout, QLineEdit, QPushButton, QSlider, QSplitter,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from workbench.errors import AssumptionError
from workbench.services.assumption_commands import AssumptionRow, SessionTarget
from workbench.services.assumption_editor_state import AssumptionEditor, Command
from workbench.services.session import Session
from workbench.ui.assumption_scales import (SLIDER_STEPS, decimals, optional, shown, single_step, slider_position,
                                            slider_value, source_text)
from workbench.ui.distribution_picker import DistributionPicker
from workbench.ui.errors import show_error
from workbench.ui.rationale import RationaleProvider, ask_rationale_dialog
from workbench.ui.recompute import Recomputer

log = logging.getLogger(__name__)

TABLE_COLUMNS = ("Assumption", "Value", "Unit", "Distribution", "Set in")


class AssumptionEditorView(QWidget):
    """Edit the session's selected assumption set.

    ``recomputer`` previews while a value moves. Pass the main window's, so that all views share
    one stream of requests. ``push`` receives each command and must run its ``do()``, as an undo
    stack's push does. ``ask_rationale`` is called when a change is committed without a typed
    rationale.
    """

    def __init__(self, session: Session, recomputer: Recomputer, *, push: Callable[[Command], None] | None = None,
                 ask_rationale: RationaleProvider | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.recomputer = recomputer
        self.ask_rationale = ask_rationale or ask_rationale_dialog(self)
        self.target = SessionTarget(session)
        self.editor = AssumptionEditor(self.target, preview=lambda changes: recomputer.preview(**changes),
                                       discard_preview=self._discard_preview, push=push)
        self.state = self.editor.state
        self._build()
        self._bind_state()
        self._bind_session()
        self.setEnabled(session.project is not None)
        if session.project is not None:
            self.editor.load(session.set_name)

    # -- construction ------------------------------------------------------------------------

    def _build(self) -> None:
        self.table = QTableWidget(0, len(TABLE_COLUMNS))
        self.table.setHorizontalHeaderLabels(TABLE_COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.setToolTip("Every assumption of the selected set; select one to edit it")
        self.title_label = QLabel()
        self.title_label.setStyleSheet("font-weight: 600;")
        self.title_label.setWordWrap(True)
        self.source_label = QLabel()
        self.source_label.setWordWrap(True)
        self.source_label.setStyleSheet("color: #555;")
        self.set_label = QLabel()
        self._build_value_controls()
        self.picker = DistributionPicker()
        self.store_distribution_button = QPushButton("Store distribution")
        self.store_distribution_button.setToolTip("Store the distribution above in this set, with the rationale")
        self.default_distribution_button = QPushButton("Use default")
        self.default_distribution_button.setToolTip("Remove this set's own distribution, so the default or the "
                                                    "parent set's applies again")
        self.rationale_edit = QLineEdit()
        self.rationale_edit.setPlaceholderText("Why? Required; stored in the audit log with the change")
        self.rationale_edit.setToolTip("The reason for the change, for example the source of the new value")
        self._layout_widgets()

    def _build_value_controls(self) -> None:
        self.value_spin = QDoubleSpinBox()
        self.value_spin.setDecimals(4)
        self.value_spin.setKeyboardTracking(False)
        self.value_spin.setToolTip("The assumption's value; steps preview it, Enter stores it with the rationale")
        self.value_slider = QSlider(Qt.Orientation.Horizontal)
        self.value_slider.setRange(0, SLIDER_STEPS)
        self.value_slider.setToolTip("Drag to preview the totals and charts; release to store the value")
        self.empty_check = QCheckBox("Empty")
        self.empty_check.setToolTip("Leave this optional assumption empty (see its source for what that means)")
        self.choice_combo = QComboBox()
        self.choice_combo.setToolTip("The assumption's value")
        self.text_edit = QLineEdit()
        self.text_edit.setToolTip("The assumption's value; Enter stores it with the rationale")
        self.unit_label = QLabel()
        self.store_button = QPushButton("Store value")
        self.store_button.setToolTip("Store the value in this set with the rationale (one undo step)")
        self.discard_button = QPushButton("Discard")
        self.discard_button.setToolTip("Go back to the stored value")

    def _layout_widgets(self) -> None:
        value_row = QHBoxLayout()
        for widget in (self.value_spin, self.value_slider, self.choice_combo, self.text_edit, self.unit_label,
                       self.empty_check):
            value_row.addWidget(widget)
        value_row.setStretch(1, 1)

        buttons = QHBoxLayout()
        buttons.addWidget(self.store_button)
        buttons.addWidget(self.discard_button)
        buttons.addStretch(1)
        distribution_buttons = QHBoxLayout()
        distribution_buttons.addWidget(self.store_distribution_button)
        distribution_buttons.addWidget(self.default_distribution_button)
        distribution_buttons.addStretch(1)

        detail = QGroupBox("Selected assumption")
        form = QFormLayout(detail)
        form.addRow(self.title_label)
        form.addRow("Set:", self.set_label)
        form.addRow("Value:", value_row)
        form.addRow("Source:", self.source_label)
        form.addRow("Rationale:", self.rationale_edit)
        form.addRow(buttons)
        form.addRow(self.picker)
        form.addRow(distribution_buttons)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.detail = detail
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)  # minimumSizeHint below sets the minimum
        layout.addWidget(self.splitter)

    def minimumSizeHint(self) -> QSize:
        """Return the width of the wider of the table and the detail, since a narrow editor stacks them."""
        hint = super().minimumSizeHint()
        return QSize(max(self.table.minimumWidth(), self.detail.minimumSizeHint().width()), hint.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange(event.size().width())

    def _arrange(self, width: int) -> None:
        """Put the table beside the detail when both fit in ``width``, else above it."""
        side_by_side = self.table.minimumWidth() + self.detail.minimumSizeHint().width() + self.splitter.handleWidth()
        orientation = Qt.Orientation.Horizontal if width >= side_by_side else Qt.Orientation.Vertical
        if self.splitter.orientation() != orientation:
            self.splitter.setOrientation(orientation)

    # -- bindings ----------------------------------------------------------------------------

    def _bind_state(self) -> None:
        """widget -> state and state -> widget, for every field the editor shows."""
        s = self.state
        s.subscribe("rows", lambda _rows: self._show_rows())
        s.subscribe("selected", lambda _key: self._show_selected())
        s.subscribe("draft_value", lambda value: self._show_value(value))
        s.subscribe("draft_distribution", lambda d: self._show_distribution(d))
        s.subscribe("rationale", lambda text: self._show_rationale(text))
        s.subscribe("locked", lambda _locked: self._show_set())
        s.subscribe("set_name", lambda _name: self._show_set())
        self.table.itemSelectionChanged.connect(self._table_selected)
        self.value_slider.sliderMoved.connect(lambda position: self._changing(self._slider_value(position)))
        self.value_slider.sliderReleased.connect(lambda: self.commit_value(self.state.get("draft_value")))
        self.value_spin.valueChanged.connect(self._changing)
        self.value_spin.editingFinished.connect(self._spin_finished)
        self.empty_check.toggled.connect(self._empty_toggled)
        self.choice_combo.activated.connect(lambda _i: self.commit_value(self.choice_combo.currentText()))
        self.text_edit.returnPressed.connect(lambda: self.commit_value(self.text_edit.text()))
        self.picker.edited.connect(lambda d: self.state.set("draft_distribution", d))
        self.rationale_edit.textEdited.connect(lambda text: self.state.set("rationale", text))
        self.store_button.clicked.connect(lambda: self.commit_value(self.state.get("draft_value")))
        self.discard_button.clicked.connect(self.discard)
        self.store_distribution_button.clicked.connect(
            lambda: self.commit_distribution(self.state.get("draft_distribution")))
        self.default_distribution_button.clicked.connect(lambda: self.commit_distribution(None))

    def _bind_session(self) -> None:
        listeners = [self.session.subscribe("set_name", self._set_selected),
                     self.session.subscribe("project", self._project_changed),
                     self.session.subscribe("committed", lambda _committed: self._committed_elsewhere())]
        self.destroyed.connect(lambda *_args: [unsubscribe() for unsubscribe in listeners])

    def _set_selected(self, name: str) -> None:
        if self.session.project is not None:
            self.editor.load(name)

    def _project_changed(self, info: Any) -> None:
        self.setEnabled(info is not None)
        if info is not None:
            self.editor.load(self.session.set_name)
        else:
            self.editor.reload()

    def _committed_elsewhere(self) -> None:
        if self.session.project is not None and self.state.get("set_name") == self.session.set_name:
            self.editor.reload()

    # -- state -> widget ---------------------------------------------------------------------

    def _show_rows(self) -> None:
        rows = self.state.get("rows")
        self.table.blockSignals(True)
        self.table.setRowCount(len(rows))
        for number, row in enumerate(rows):
            cells = (row.label, shown(row.value), row.unit,
                     row.distribution.describe() if row.distribution is not None else "",
                     row.origin)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, row.key)
                item.setToolTip(f"{row.key}: {row.source}" if column == 0 else text)
                self.table.setItem(number, column, item)
        self.table.blockSignals(False)
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(0, min(self.table.columnWidth(0), 220))
        # The splitter may not shrink the table below its name and value columns.
        shown_width = self.table.columnWidth(0) + min(self.table.columnWidth(1), 90)
        self.table.setMinimumWidth(shown_width + self.table.verticalScrollBar().sizeHint().width()
                                   + 2 * self.table.frameWidth())
        self._arrange(self.width())
        self._show_selected()

    def _show_selected(self) -> None:
        row = self.state.row()
        self.table.blockSignals(True)
        self.table.clearSelection()
        if row is not None:
            index = [r.key for r in self.state.get("rows")].index(row.key)
            self.table.selectRow(index)
        self.table.blockSignals(False)
        self._show_detail(row)

    def _show_detail(self, row: AssumptionRow | None) -> None:
        self.title_label.setText(f"{row.label} ({row.key})" if row else "No assumption selected")
        self._show_set()
        self.source_label.setText(source_text(row) if row else "")
        self.unit_label.setText(row.unit if row else "")
        number = row is not None and row.kind == "number"
        for widget in (self.value_spin, self.value_slider):
            widget.setVisible(number)
        self.empty_check.setVisible(number and optional(row))
        self.choice_combo.setVisible(row is not None and row.kind == "choice")
        self.text_edit.setVisible(row is not None and row.kind == "text")
        if row is not None and row.kind == "number":
            self._configure_number(row)
        if row is not None and row.kind == "choice":
            self.choice_combo.blockSignals(True)
            self.choice_combo.clear()
            self.choice_combo.addItems(list(row.choices))
            self.choice_combo.blockSignals(False)
        self._show_value(self.state.get("draft_value"))
        self._show_distribution(self.state.get("draft_distribution"))
        self._update_enabled()

    def _show_set(self) -> None:
        mark = ""
        if self.state.get("locked"):
            mark = " (locked)"
        elif self._read_only():
            mark = " (project read-only)"
        self.set_label.setText(self.state.get("set_name") + mark)
        self._update_enabled()

    def _configure_number(self, row: AssumptionRow) -> None:
        self.value_spin.blockSignals(True)
        low, high = row.minimum if row.minimum is not None else -1e18, row.maximum if row.maximum is not None else 1e18
        self.value_spin.setRange(low, high)
        self.value_spin.setDecimals(decimals(row))
        self.value_spin.setSingleStep(single_step(row))
        self.value_spin.blockSignals(False)

    def _show_value(self, value: Any) -> None:
        row = self.state.row()
        if row is None:
            return
        widgets = (self.value_spin, self.value_slider, self.empty_check, self.choice_combo, self.text_edit)
        for widget in widgets:
            widget.blockSignals(True)
        if row.kind == "number":
            self.empty_check.setChecked(value is None)
            self.value_spin.setEnabled(value is not None)
            self.value_slider.setEnabled(value is not None)
            if value is not None:
                self.value_spin.setValue(float(value))
                self.value_slider.setValue(self._slider_position(float(value)))
        elif row.kind == "choice":
            self.choice_combo.setCurrentText("" if value is None else str(value))
        else:
            self.text_edit.setText("" if value is None else str(value))
        for widget in widgets:
            widget.blockSignals(False)
        self._update_enabled()

    def _show_distribution(self, distribution: Any) -> None:
        row = self.state.row()
        value = self.state.get("draft_value")
        has_one = row is not None and row.kind == "number" and value is not None
        self.picker.setVisible(has_one)
        self.store_distribution_button.setVisible(has_one)
        self.default_distribution_button.setVisible(has_one)
        if has_one and distribution is self.picker.distribution:  # its own edit, or a drag: move the marker only
            self.picker.show_value(float(value))
        elif has_one:
            self.picker.show_distribution(distribution, float(value))
        self._update_enabled()

    def _show_rationale(self, text: str) -> None:
        if self.rationale_edit.text() != text:
            self.rationale_edit.setText(text)
        self._update_enabled()

    def _update_enabled(self) -> None:
        editable = self.state.row() is not None and not self.state.get("locked") and not self._read_only()
        for widget in (self.value_spin, self.value_slider, self.choice_combo, self.text_edit, self.empty_check,
                       self.picker, self.rationale_edit):
            widget.setEnabled(editable and (widget not in (self.value_spin, self.value_slider)
                                            or self.state.get("draft_value") is not None))
        rationale = self.state.has_rationale()
        self.store_button.setEnabled(editable and rationale and self.state.value_changed())
        self.discard_button.setEnabled(editable and self.state.value_changed())
        self.store_distribution_button.setEnabled(editable and rationale and self.state.distribution_changed()
                                                  and self.state.get("draft_distribution") is not None)
        self.default_distribution_button.setEnabled(editable and rationale)

    def _read_only(self) -> bool:
        info = self.session.project
        return info is not None and info.read_only

    # -- widget -> state ---------------------------------------------------------------------

    def _table_selected(self) -> None:
        items = self.table.selectedItems()
        if items:
            if self.state.value_changed():
                self.editor.discard()
            self.editor.select(items[0].data(Qt.ItemDataRole.UserRole))

    def _changing(self, value: float) -> None:
        if self.state.row() is None or self.state.get("draft_value") == value:
            return
        self.editor.changing(value)

    def _spin_finished(self) -> None:
        if self.state.value_changed():
            self.commit_value(self.value_spin.value())

    def _empty_toggled(self, empty: bool) -> None:
        if empty:
            self.commit_value(None)
            return
        row = self.state.row()
        self.commit_value(row.value if row.value is not None else row.minimum)

    def _slider_value(self, position: int) -> float:
        return slider_value(self.state.row(), position)

    def _slider_position(self, value: float) -> int:
        return slider_position(self.state.row(), value)

    # -- commands ----------------------------------------------------------------------------

    def commit_value(self, value: Any) -> Command | None:
        """Store ``value`` for the selected assumption; ask for a rationale if none is typed."""
        row = self.state.row()
        if row is None:
            return None
        rationale = self._rationale_for(row.label, row.value, value)
        if rationale is None:
            self.editor.discard()
            return None
        return self._attempt("Storing the assumption", lambda: self.editor.change(value, rationale))

    def commit_distribution(self, distribution: Any) -> Command | None:
        """Store ``distribution`` (None: the default again) for the selected assumption."""
        row = self.state.row()
        if row is None:
            return None
        shown = distribution.describe() if distribution is not None else "default"
        old = row.distribution.describe() if row.distribution is not None else "default"
        rationale = self._rationale_for(f"Distribution of {row.label}", old, shown)
        if rationale is None:
            return None
        return self._attempt("Storing the distribution", lambda: self.editor.change_distribution(distribution,
                                                                                                 rationale))

    def discard(self) -> None:
        self.editor.discard()

    def _rationale_for(self, label: str, old: Any, new: Any) -> str | None:
        typed = str(self.state.get("rationale")).strip()
        return typed or self.ask_rationale(label, old, new)

    def _attempt(self, operation: str, command: Callable[[], Command | None]) -> Command | None:
        try:
            return command()
        except AssumptionError as error:
            log.info("%s failed: %s", operation, error)
            self.editor.discard()
            show_error(self, operation, error)
            return None

    def _discard_preview(self) -> None:
        self.recomputer.cancel()
        if self.session.committed is not None and self.session.assumptions != self.session.committed:
            self.session.discard_preview()
