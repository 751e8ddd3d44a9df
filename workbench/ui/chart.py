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
        runs = list(dict.fromkeys(hourly["run"]))
        for name in [name for name in self.curves if name not in runs]:
            self._remove(name)
        for number, (name, rows) in enumerate(hourly.groupby("run", sort=False)):
            hours = rows["hour_utc"].to_numpy(np.float64)
            energy_kwh = rows["facility_energy_kwh"].to_numpy(np.float64)
            self._draw(str(name), number, hours, energy_kwh)
        first_hour = float(hourly["hour_utc"].min())
        last_hour = float(hourly["hour_utc"].max())
        self.floor.setData([first_hour - HOUR_S / 2, last_hour + HOUR_S / 2], [0.0, 0.0])

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
        curve.setSymbol("o" if len(hours) <= MARKER_LIMIT else None)
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
