"""Bar charts of emissions: by scope and category, per run, and embodied against operational."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QLabel, QSpinBox, QWidget

from workbench.services import chart_data
from workbench.services.chart_data import EMISSION_UNITS
from workbench.services.chart_state import ChartOptions
from workbench.ui.charts.base import ChartWidget, category_ticks, series_color, style_plot

OPERATIONAL_COLOR = "#1f77b4"
EMBODIED_COLOR = "#ff7f0e"
# Axis labels of the rows of chart_data.SCOPE_ROWS, in the same order.
SCOPE_LABELS = ("S1 combustion", "S1 fugitive", "S2 location", "S2 market", "S3 cat. 1", "S3 cat. 2", "S3 cat. 3")
BASIS_COLORS = {"direct": "#6a3d9a", "location-based": "#1f77b4", "market-based": "#33a02c", "indirect": "#ff7f0e"}


class EmissionsChart(ChartWidget):
    """A bar chart in the options' emissions unit; subclasses shape :attr:`frame` and draw bars."""

    value_columns: tuple[str, ...] = ("co2e_kg",)

    def __init__(self, options: ChartOptions, parent: QWidget | None = None) -> None:
        super().__init__(options, parent)
        self.frame = pd.DataFrame()
        self.bars: list[pg.BarGraphItem] = []
        self.unit_combo = QComboBox()
        self.unit_combo.addItems(list(EMISSION_UNITS))
        self.unit_combo.setToolTip("Unit of the emissions axis")
        self.unit_combo.activated.connect(lambda _i: self.options.set("emissions_unit", self.unit_combo.currentText()))
        self.controls.addWidget(QLabel("Unit:"))
        self.controls.addWidget(self.unit_combo)
        self._unsubscribe.append(options.subscribe("emissions_unit", lambda _value: self._show_unit()))
        self.watch("emissions_unit")
        self._show_unit()

    def _show_unit(self) -> None:
        self.unit_combo.blockSignals(True)
        self.unit_combo.setCurrentText(self.options.get("emissions_unit"))
        self.unit_combo.blockSignals(False)

    def data(self) -> pd.DataFrame:
        """Return the bars' numbers in the emissions unit shown, with the unit in the value columns' names."""
        unit = self.options.get("emissions_unit")
        frame = chart_data.in_unit(self.frame, [c for c in self.value_columns if c in self.frame], unit,
                                   EMISSION_UNITS)
        return frame.rename(columns={c: c.replace("_kg", f" ({unit})") for c in self.value_columns})

    def scaled(self, column: str) -> np.ndarray:
        return self.frame[column].to_numpy(float) * EMISSION_UNITS[self.options.get("emissions_unit")]

    def clear_bars(self) -> None:
        for item in self.bars:
            self.plot_item.removeItem(item)
        self.bars.clear()

    def add_bars(self, **kwargs) -> pg.BarGraphItem:
        item = pg.BarGraphItem(**kwargs)
        self.plot_item.addItem(item)
        self.bars.append(item)
        return item


class ScopeChart(EmissionsChart):
    """Inventory emissions by scope and category; Scope 2 shows location- and market-based side by side."""

    name = "emissions_by_scope"
    title = "Emissions by scope and category (inventory)"

    def __init__(self, options: ChartOptions, parent: QWidget | None = None) -> None:
        super().__init__(options, parent)
        self.finish_controls()
        self.plot_item.addLegend(offset=(-10, 10), labelTextColor="#222")
        self.show_totals(None)

    def show_totals(self, totals: dict[str, float] | None) -> None:
        """Take an inventory result's totals (kgCO2e) and redraw."""
        self.frame = chart_data.emissions_by_scope(totals)
        self.redraw()

    def redraw(self) -> None:
        self.clear_bars()
        style_plot(self.plot_item, f"Emissions ({self.options.get('emissions_unit')})")
        category_ticks(self.plot_item, list(SCOPE_LABELS) if not self.frame.empty else [])
        if self.frame.empty:
            return
        values = self.scaled("co2e_kg")
        for basis, color in BASIS_COLORS.items():
            chosen = (self.frame["basis"] == basis).to_numpy()
            if chosen.any():
                self.add_bars(x=np.flatnonzero(chosen), height=values[chosen], width=0.7, brush=color, name=basis)


class PerRunChart(EmissionsChart):
    """Operational and embodied emissions of the largest runs, stacked bars, largest first."""

    name = "emissions_per_run"
    title = "Emissions per run"
    value_columns = ("operational_co2e_kg", "embodied_co2e_kg", "total_co2e_kg")

    def __init__(self, options: ChartOptions, parent: QWidget | None = None) -> None:
        super().__init__(options, parent)
        self.runs: pd.DataFrame | None = None
        self.limit_spin = QSpinBox()
        self.limit_spin.setRange(1, 500)
        self.limit_spin.setToolTip("How many runs to show, largest total first")
        self.limit_spin.valueChanged.connect(lambda value: self.options.set("run_limit", value))
        self.controls.addWidget(QLabel("Runs:"))
        self.controls.addWidget(self.limit_spin)
        self.finish_controls()
        self.plot_item.addLegend(offset=(-10, 10), labelTextColor="#222")
        self._unsubscribe.append(options.subscribe("run_limit", lambda _value: self._show_limit()))
        self.watch("run_limit")
        self._show_limit()
        self.show_runs(None)

    def _show_limit(self) -> None:
        self.limit_spin.blockSignals(True)
        self.limit_spin.setValue(self.options.get("run_limit"))
        self.limit_spin.blockSignals(False)

    def show_runs(self, runs: pd.DataFrame | None) -> None:
        self.runs = runs
        self.redraw()

    def redraw(self) -> None:
        self.frame = chart_data.per_run_emissions(self.runs, limit=self.options.get("run_limit"))
        self.clear_bars()
        style_plot(self.plot_item, f"Emissions ({self.options.get('emissions_unit')})")
        category_ticks(self.plot_item, self.frame["run"].astype(str).tolist())
        if self.frame.empty:
            return
        x = np.arange(len(self.frame))
        operational = self.scaled("operational_co2e_kg")
        self.add_bars(x=x, height=operational, width=0.7, brush=OPERATIONAL_COLOR, name="operational")
        self.add_bars(x=x, y0=operational, height=self.scaled("embodied_co2e_kg"), width=0.7, brush=EMBODIED_COLOR,
                      name="embodied")


class EmbodiedOperationalChart(EmissionsChart):
    """The footprint's embodied against operational emissions, two bars labelled with their shares."""

    name = "embodied_vs_operational"
    title = "Embodied and operational emissions (footprint)"

    def __init__(self, options: ChartOptions, parent: QWidget | None = None) -> None:
        super().__init__(options, parent)
        self.finish_controls()
        self.labels: list[pg.TextItem] = []
        self.show_totals(None)

    def show_totals(self, totals: dict[str, float] | None) -> None:
        self.frame = chart_data.embodied_vs_operational(totals)
        self.redraw()

    def redraw(self) -> None:
        self.clear_bars()
        for label in self.labels:
            self.plot_item.removeItem(label)
        self.labels.clear()
        style_plot(self.plot_item, f"Emissions ({self.options.get('emissions_unit')})")
        category_ticks(self.plot_item, self.frame["component"].astype(str).tolist())
        if self.frame.empty:
            return
        values = self.scaled("co2e_kg")
        self.add_bars(x=np.arange(len(values)), height=values, width=0.6,
                      brushes=[pg.mkBrush(OPERATIONAL_COLOR), pg.mkBrush(EMBODIED_COLOR)])
        for index, (value, share) in enumerate(zip(values, self.frame["share"])):
            label = pg.TextItem(f"{share:.1%}", color="#222", anchor=(0.5, 1.0))
            label.setPos(index, value)
            self.plot_item.addItem(label)
            self.labels.append(label)


__all__ = ["EmbodiedOperationalChart", "PerRunChart", "ScopeChart", "series_color"]
