"""A distribution picker: kind, parameters and a small preview curve of the density (pyqtgraph)."""

from __future__ import annotations

import logging

import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from workbench.errors import UsageError
from workbench.services.distribution_preview import (PARAMETERS, PICKER_KINDS, Distribution, density_curve,
                                                     starting_distribution)

log = logging.getLogger(__name__)

MAX_PARAMETERS = max(len(names) for names in PARAMETERS.values())
PARAMETER_TIPS = {
    "mean": "Mean of the normal distribution, in the assumption's unit",
    "sd": "Standard deviation, in the assumption's unit (the 95 % half-width is 1.96 sd)",
    "median": "Median of the lognormal distribution, in the assumption's unit",
    "gsd": "Geometric standard deviation (greater than 1)",
    "low": "Lowest value the assumption can take",
    "mode": "Most likely value",
    "high": "Highest value the assumption can take",
    "alpha": "First shape parameter of the beta distribution",
    "beta": "Second shape parameter of the beta distribution",
    "lambda": "Weight of the mode (4 is the usual PERT choice)",
}


class DistributionPicker(QWidget):
    """Pick a kind and its parameters; ``edited`` carries the Distribution the user built (or None if invalid).

    :meth:`show_distribution` shows one without emitting; the preview curve follows both.
    ``value`` is the assumption's value: new kinds start around it and a fixed kind spikes at it.
    """

    edited = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.value = 0.0
        self.distribution: Distribution | None = None
        self.kind_combo = QComboBox()
        for kind in PICKER_KINDS:
            self.kind_combo.addItem(kind, kind)
        self.kind_combo.setToolTip("Kind of probability distribution of this assumption")
        self.parameter_labels = [QLabel() for _ in range(MAX_PARAMETERS)]
        self.parameter_spins = [self._spin() for _ in range(MAX_PARAMETERS)]
        self.problem_label = QLabel()
        self.problem_label.setStyleSheet("color: #b00020;")
        self.problem_label.setWordWrap(True)
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        self.preview = pg.PlotWidget(background="w")
        self.preview.setMinimumHeight(110)
        self.preview.setMaximumHeight(160)
        self.preview.hideAxis("left")
        self.preview.setMouseEnabled(False, False)
        self.preview.setMenuEnabled(False)
        self.curve = self.preview.plot(pen=pg.mkPen("#1f77b4", width=2), fillLevel=0.0, brush=(31, 119, 180, 60))
        self.value_line = pg.InfiniteLine(angle=90, pen=pg.mkPen("#444", style=pg.QtCore.Qt.PenStyle.DashLine))
        self.preview.addItem(self.value_line)
        self._layout()
        self.kind_combo.activated.connect(lambda _i: self._kind_picked(self.kind_combo.currentData()))
        for spin in self.parameter_spins:
            spin.valueChanged.connect(lambda _value: self._parameters_edited())

    def _spin(self) -> QDoubleSpinBox:
        spin = QDoubleSpinBox()
        spin.setDecimals(6)
        spin.setRange(-1e18, 1e18)
        spin.setKeyboardTracking(False)
        return spin

    def _layout(self) -> None:
        form = QFormLayout()
        form.addRow("Distribution:", self.kind_combo)
        for label, spin in zip(self.parameter_labels, self.parameter_spins):
            form.addRow(label, spin)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(self.preview)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.problem_label)

    # -- state -> widget ---------------------------------------------------------------------

    def show_distribution(self, distribution: Distribution | None, value: float | None = None) -> None:
        """Show ``distribution`` (absolute) at assumption value ``value`` without emitting ``edited``."""
        if value is not None:
            self.value = float(value)
        self.distribution = distribution
        kind = distribution.kind if distribution is not None else "fixed"
        self.kind_combo.blockSignals(True)
        self.kind_combo.setCurrentIndex(max(self.kind_combo.findData(kind), 0))
        self.kind_combo.blockSignals(False)
        self._show_parameters(kind, distribution.params if distribution is not None else ())
        self._show_curve()

    def show_value(self, value: float) -> None:
        """Move the value marker to ``value``; the curve stays (a drag changes the value, not the distribution)."""
        self.value = float(value)
        self.value_line.setValue(self.value)

    def _show_parameters(self, kind: str, params: tuple[float, ...]) -> None:
        names = PARAMETERS[kind]
        for index, (label, spin) in enumerate(zip(self.parameter_labels, self.parameter_spins)):
            shown = index < len(names)
            label.setVisible(shown)
            spin.setVisible(shown)
            spin.blockSignals(True)
            if shown:
                label.setText(f"{names[index]}:")
                spin.setToolTip(PARAMETER_TIPS.get(names[index], names[index]))
                spin.setValue(params[index] if index < len(params) else 0.0)
            spin.blockSignals(False)

    def _show_curve(self) -> None:
        self.value_line.setValue(self.value)
        self.problem_label.clear()
        if self.distribution is None:
            self.curve.setData([], [])
            self.summary_label.setText("No distribution: the value is taken as exact.")
            return
        frame = density_curve(self.distribution, self.value)
        self.curve.setData(frame["x"].to_numpy(), frame["density"].to_numpy())
        self.summary_label.setText(_summary(self.distribution, self.value))

    # -- widget -> state ---------------------------------------------------------------------

    def _kind_picked(self, kind: str) -> None:
        self.distribution = starting_distribution(kind, self.value)
        self._show_parameters(kind, self.distribution.params)
        self._show_curve()
        self.edited.emit(self.distribution)

    def _parameters_edited(self) -> None:
        kind = self.kind_combo.currentData()
        count = len(PARAMETERS[kind])
        params = tuple(spin.value() for spin in self.parameter_spins[:count])
        try:
            distribution = Distribution(kind, params)
        except UsageError as error:
            self.problem_label.setText(str(error))
            self.distribution = None
            self.curve.setData([], [])
            self.edited.emit(None)
            return
        self.distribution = distribution
        self._show_curve()
        self.edited.emit(distribution)


def _summary(distribution: Distribution, value: float) -> str:
    if distribution.is_fixed:
        return "Fixed: the value is taken as exact."
    low, high = distribution.interval95(value)
    return f"{distribution.describe()}; 95 % interval {low:.4g} to {high:.4g} (±{distribution.u95_percent(value):.3g} %)"
