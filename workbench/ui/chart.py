"""The energy-over-time chart: facility energy per UTC hour, one curve per run (pyqtgraph)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

if TYPE_CHECKING:
    import pandas as pd

# Up to this many hours a curve also draws a marker per hour, so short runs stay visible.
MARKER_LIMIT = 200
HOUR_S = 3600.0
# At most this many curves: beyond it the runs with the least energy are summed per hour into
# one curve, so a project of 1,000 runs draws 12 curves instead of 1,000 (and stays live).
MAX_CURVES = 12
OTHER_RUNS = "other runs"


class EnergyChart(QWidget):
    """A pyqtgraph plot of facility kWh per hour; :attr:`curves` maps run names to their curves.

    Clicking a curve emits ``point_clicked`` with the run and the start of the nearest hour
    the run has (Unix seconds, UTC), for the drill-down.
    """

    point_clicked = Signal(str, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.plot_widget = pg.PlotWidget(background="w", axisItems={"bottom": pg.DateAxisItem(utcOffset=0)})
        self.plot_item = self.plot_widget.getPlotItem()
        self.plot_item.setDownsampling(auto=True, mode="peak")
        self.plot_item.setClipToView(True)
        self.plot_item.showGrid(x=True, y=True, alpha=0.25)
        self.plot_item.setLabel("left", "Facility energy (kWh per hour)")
        self.plot_item.setLabel("bottom", "Time (UTC)")
        for name in ("left", "bottom"):
            axis = self.plot_item.getAxis(name)
            axis.enableAutoSIPrefix(False)
            axis.setPen(pg.mkPen("#444"))
            axis.setTextPen(pg.mkPen("#222"))
        self.legend = self.plot_item.addLegend(offset=(-10, 10), labelTextColor="#222")  # top right
        # Two invisible points at zero energy that span the data's hours, so auto-range keeps
        # the zero line in view and a run of one hour still gets an hour-wide time axis.
        self.floor = pg.PlotDataItem(pen=None)
        self.plot_item.addItem(self.floor)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot_widget)

    def show_hourly(self, hourly: "pd.DataFrame | None") -> None:
        """Draw ``hourly`` (columns run, hour_utc in Unix seconds, facility_energy_kwh)."""
        if hourly is None or hourly.empty:
            self.clear()
            return
        many = hourly["run"].nunique() > MAX_CURVES
        series = _largest_runs(hourly) if many else _each_run(hourly)
        for name in [name for name in self.curves if name not in series]:
            self._remove(name)
        for number, (name, (hours, energy_kwh)) in enumerate(series.items()):
            self._draw(name, number, hours, energy_kwh)
        first_hour = float(hourly["hour_utc"].min())
        last_hour = float(hourly["hour_utc"].max())
        self.floor.setData([first_hour - HOUR_S / 2, last_hour + HOUR_S / 2], [0.0, 0.0])
        if not many:
            self.plot_item.enableAutoRange(y=True)
            return
        # A steady y range (a nice ceiling) keeps the axis labels from being redrawn on every
        # frame of a drag. Projects with few runs keep the automatic range.
        from workbench.ui.charts.base import nice_ceiling

        top = max(float(energy_kwh.max()) for _hours, energy_kwh in series.values())
        self.plot_item.setYRange(0.0, nice_ceiling(top), padding=0.02)

    def clear(self) -> None:
        for name in list(self.curves):
            self._remove(name)
        self.floor.setData([], [])

    def _draw(self, name: str, number: int, hours, energy_kwh) -> None:
        curve = self.curves.get(name)
        if curve is None:
            color = pg.intColor(number, hues=9, values=1, maxValue=200)
            curve = self.plot_item.plot(name=name, pen=pg.mkPen(color, width=2), symbolBrush=color,
                                        symbolPen=None, symbolSize=6)
            # Only the curve's signal: a click on a marker also reaches the curve, and listening to
            # sigPointsClicked too would report that click twice.
            curve.setCurveClickable(True, width=8)
            curve.sigClicked.connect(lambda item, event, name=name: self.click_at(name, event.pos().x()))
            self.curves[name] = curve
        short = len(hours) <= MARKER_LIMIT
        curve.setSymbol("o" if short else None)
        curve.setPen(pg.mkPen(curve.opts["symbolBrush"], width=2 if short else 1))  # wide pens paint slowly
        curve.setData(hours, energy_kwh)

    def click_at(self, run: str, x: float) -> None:
        """Emit ``point_clicked`` for the hour of ``run`` nearest to time ``x`` (Unix seconds)."""
        curve = self.curves.get(run)
        if curve is None or curve.xData is None or len(curve.xData) == 0:
            return
        hours = curve.xData
        nearest = hours[int(np.argmin(np.abs(hours - x)))]
        self.point_clicked.emit(run, int(nearest))

    def _remove(self, name: str) -> None:
        curve = self.curves.pop(name)
        self.plot_item.removeItem(curve)
        self.legend.removeItem(curve)


def _each_run(hourly: "pd.DataFrame") -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Return each run's hours and facility kWh, in the order the runs first appear."""
    return {str(name): (rows["hour_utc"].to_numpy(np.float64), rows["facility_energy_kwh"].to_numpy(np.float64))
            for name, rows in hourly.groupby("run", sort=False, observed=True)}


def _largest_runs(hourly: "pd.DataFrame") -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Return the hours and kWh of the :data:`MAX_CURVES` - 1 runs with most energy, and of the others summed."""
    from workbench.services.chart_data import OTHER_SERIES, energy_stacked

    table = energy_stacked(hourly, None, stack_by="run", max_series=MAX_CURVES)
    hours = table.index.to_numpy(np.float64)
    return {OTHER_RUNS if name == OTHER_SERIES else name: (hours, table[name].to_numpy(np.float64))
            for name in table.columns}
