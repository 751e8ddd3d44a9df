"""The totals panel and the assumption controls of the main window."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QLayout,
                               QSizePolicy, QSlider, QWidget)

from workbench.services.assumptions import SPECS
from workbench.ui.formatting import MISSING, format_quantity

# (key in the engine's totals, caption, unit shown, factor from the engine's unit to the shown one)
TOTALS = (
    ("facility_energy_kwh", "Facility energy", "MWh", 1e-3),
    ("operational_co2e_kg", "Operational emissions", "tCO2e", 1e-3),
    ("embodied_co2e_kg", "Embodied emissions", "tCO2e", 1e-3),
    ("total_co2e_kg", "Total footprint", "tCO2e", 1e-3),
)

PUE_SLIDER_SCALE = 100  # slider steps per PUE unit, matching the spin box's two decimals
SLIDER_COMMIT_DELAY_MS = 700  # keyboard or wheel moves of the slider commit after this pause


class ClickableLabel(QLabel):
    """A label that emits ``clicked`` when the left mouse button is released over it."""

    clicked = Signal()

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(event.position().toPoint()):
            self.clicked.emit()
        super().mouseReleaseEvent(event)


class TotalsPanel(QGroupBox):
    """Facility energy and emissions of all runs, in MWh and tCO2e, plus the result's warnings.

    Clicking a figure emits ``drill_requested`` with the figure's key (such as "total_co2e_kg").
    """

    drill_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Totals (footprint view, location-based)", parent)
        layout = QGridLayout(self)
        # When four figures do not fit in a row, the panel lays them out in two columns, so the
        # window fits a laptop screen. minimumSizeHint returns the two-column width.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self.value_labels: dict[str, QLabel] = {}
        self.values: dict[str, float | None] = {}
        self._figures: list[tuple[QLabel, QLabel]] = []
        for key, caption, _unit, _scale in TOTALS:
            title = QLabel(caption)
            title.setStyleSheet("color: #555;")
            value = ClickableLabel(MISSING)
            value.setObjectName(f"total_{key}")
            value.setStyleSheet("font-size: 16pt; font-weight: 600;")
            value.setCursor(Qt.CursorShape.PointingHandCursor)
            value.setToolTip(f"{caption}: click to see the runs, hours, source files and factors behind it")
            value.clicked.connect(lambda key=key: self.drill_requested.emit(key))
            self._figures.append((title, value))
            self.value_labels[key] = value
        self.warning_label = QLabel("")
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet("color: #9a5b00;")
        self.warning_label.setVisible(False)
        self.columns = 0
        self._place_figures(len(TOTALS))

    def _place_figures(self, columns: int) -> None:
        layout = self.layout()
        for title, value in self._figures:
            layout.removeWidget(title)
            layout.removeWidget(value)
        layout.removeWidget(self.warning_label)
        for index, (title, value) in enumerate(self._figures):
            row, column = divmod(index, columns)
            layout.addWidget(title, 2 * row, column)
            layout.addWidget(value, 2 * row + 1, column)
        rows = -(-len(self._figures) // columns)
        layout.addWidget(self.warning_label, 2 * rows, 0, 1, columns)
        self.columns = columns

    def _width_for(self, columns: int) -> int:
        widths = [max(title.sizeHint().width(), value.sizeHint().width()) for title, value in self._figures]
        column_widths = [max(widths[start::columns]) for start in range(columns)]
        margins = self.layout().contentsMargins()
        return sum(column_widths) + self.layout().horizontalSpacing() * (columns - 1) + margins.left() + margins.right()

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(self._width_for(2), hint.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        columns = len(TOTALS) if event.size().width() >= self._width_for(len(TOTALS)) else 2
        if columns != self.columns:
            self._place_figures(columns)

    def show_totals(self, totals: dict[str, float] | None, warnings: tuple[str, ...] = ()) -> None:
        """Show the engine's ``totals`` (kWh and kgCO2e) converted to MWh and tCO2e."""
        for key, _caption, unit, scale in TOTALS:
            value = None if totals is None else totals[key] * scale
            self.values[key] = value
            self.value_labels[key].setText(format_quantity(value, unit))
        self._show_warnings(warnings)

    def _show_warnings(self, warnings: tuple[str, ...]) -> None:
        self.warning_label.setVisible(bool(warnings))
        if not warnings:
            self.warning_label.clear()
            self.warning_label.setToolTip("")
            return
        first = warnings[0]
        more = f" (and {len(warnings) - 1} more warnings)" if len(warnings) > 1 else ""
        self.warning_label.setText(f"⚠ {first}{more}")
        self.warning_label.setToolTip("\n".join(warnings))


class AssumptionPanel(QGroupBox):
    """Assumption set selector, PUE spin box and slider, and factor-zone box.

    Signals report what the user does; the panel changes nothing itself. ``pue_previewed``
    fires while the value moves, ``pue_committed`` when the slider is released, the spin box
    edit finishes or a keyboard move of the slider rests.
    """

    set_selected = Signal(str)
    pue_previewed = Signal(float)
    pue_committed = Signal(float)
    zone_committed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Assumptions", parent)
        spec = SPECS["pue"]
        self.set_combo = QComboBox()
        self.set_combo.setToolTip("Assumption set whose values the totals, chart and table use")
        self.set_combo.setMinimumContentsLength(12)
        # Long set names would widen the window; the drop-down list still shows them in full.
        self.set_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)

        self.pue_spin = QDoubleSpinBox()
        self.pue_spin.setRange(spec.minimum, spec.maximum)
        self.pue_spin.setDecimals(2)
        self.pue_spin.setSingleStep(0.01)
        self.pue_spin.setKeyboardTracking(False)
        self.pue_spin.setToolTip(f"{spec.label} ({spec.unit}); press Enter to store the value with a rationale")

        self.pue_slider = QSlider(Qt.Orientation.Horizontal)
        self.pue_slider.setRange(round(spec.minimum * PUE_SLIDER_SCALE), round(spec.maximum * PUE_SLIDER_SCALE))
        self.pue_slider.setPageStep(10)
        self.pue_slider.setMinimumWidth(120)
        self.pue_slider.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.pue_slider.setToolTip(f"Drag to preview a {spec.label.lower()}; release to store it with a rationale")

        self.zone_combo = QComboBox()
        self.zone_combo.setEditable(True)
        self.zone_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.zone_combo.lineEdit().setPlaceholderText("site zone")
        self.zone_combo.setMinimumContentsLength(10)
        self.zone_combo.setToolTip("Grid zone whose emission factors every run uses; empty uses each run's site zone")

        self._commit_timer = QTimer(self)
        self._commit_timer.setSingleShot(True)
        self._commit_timer.setInterval(SLIDER_COMMIT_DELAY_MS)
        self._layout_widgets()
        self._connect()
        self.setEnabled(False)

    def _layout_widgets(self) -> None:
        layout = QHBoxLayout(self)
        layout.addWidget(QLabel("Set:"))
        layout.addWidget(self.set_combo)
        layout.addSpacing(16)
        pue_label = QLabel("PUE:")
        pue_label.setToolTip(SPECS["pue"].label)
        layout.addWidget(pue_label)
        layout.addWidget(self.pue_spin)
        layout.addWidget(self.pue_slider, 1)
        layout.addSpacing(16)
        layout.addWidget(QLabel("Factor zone:"))
        layout.addWidget(self.zone_combo)

    def _connect(self) -> None:
        self.set_combo.activated.connect(lambda _index: self.set_selected.emit(self.set_combo.currentData()))
        self.pue_spin.valueChanged.connect(self._spin_moved)
        self.pue_spin.editingFinished.connect(lambda: self.pue_committed.emit(self.pue_spin.value()))
        self.pue_slider.valueChanged.connect(self._slider_moved)
        self.pue_slider.sliderReleased.connect(self._commit_slider)
        self._commit_timer.timeout.connect(self._commit_slider)
        self.zone_combo.activated.connect(lambda _index: self.zone_committed.emit(self.zone_text()))
        self.zone_combo.lineEdit().editingFinished.connect(lambda: self.zone_committed.emit(self.zone_text()))

    # -- user input --------------------------------------------------------------------------

    def _spin_moved(self, value: float) -> None:
        self._set_slider(value)
        self.pue_previewed.emit(value)

    def _slider_moved(self, position: int) -> None:
        value = position / PUE_SLIDER_SCALE
        self._set_spin(value)
        self.pue_previewed.emit(value)
        if not self.pue_slider.isSliderDown():
            self._commit_timer.start()

    def _commit_slider(self) -> None:
        self._commit_timer.stop()
        self.pue_committed.emit(self.pue_slider.value() / PUE_SLIDER_SCALE)

    def cancel_pending_commit(self) -> None:
        """Forget a keyboard move of the slider that has not been committed yet."""
        self._commit_timer.stop()

    def zone_text(self) -> str:
        return self.zone_combo.currentText().strip()

    # -- showing state -----------------------------------------------------------------------

    def show_sets(self, sets: list[dict[str, Any]], current: str) -> None:
        self.set_combo.blockSignals(True)
        self.set_combo.clear()
        for item in sets:
            label = f"{item['name']} (locked)" if item.get("locked") else item["name"]
            self.set_combo.addItem(label, item["name"])
        self.set_combo.setCurrentIndex(max(self.set_combo.findData(current), 0))
        self.set_combo.blockSignals(False)

    def show_zones(self, zones: list[str]) -> None:
        current = self.zone_text()
        self.zone_combo.blockSignals(True)
        self.zone_combo.clear()
        self.zone_combo.addItems([""] + list(zones))
        self.zone_combo.setEditText(current)
        self.zone_combo.blockSignals(False)

    def show_assumptions(self, assumptions) -> None:
        """Show ``assumptions`` (an engine Assumptions snapshot) without emitting any signal."""
        self._set_spin(assumptions.pue)
        self._set_slider(assumptions.pue)
        self.zone_combo.blockSignals(True)
        self.zone_combo.setEditText(assumptions.factor_zone or "")
        self.zone_combo.blockSignals(False)

    def _set_spin(self, value: float) -> None:
        self.pue_spin.blockSignals(True)
        self.pue_spin.setValue(value)
        self.pue_spin.blockSignals(False)

    def _set_slider(self, value: float) -> None:
        self.pue_slider.blockSignals(True)
        self.pue_slider.setValue(round(value * PUE_SLIDER_SCALE))
        self.pue_slider.blockSignals(False)
