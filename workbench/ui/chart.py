"""The energy-over-time chart: facility energy per UTC hour, one curve per run (pyqtgraph)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from workbench.ui.charts.base import cache_axes

if TYPE_CHECKING:
    from typing import Callable

    import pandas as pd

    from workbench.services.chart_data import EnergyCells
    from workbench.services.session import RecomputeResponse

# Up to this many hours a curve also draws a marker per hour, so short runs stay visible.
MARKER_LIMIT = 200
HOUR_S = 3600.0
# At most this many curves: beyond it the runs with the least energy are summed per hour into
# one curve, so a project of 1,000 runs draws 12 curves instead of 1,000 (and stays live).
MAX_CURVES = 12
OTHER_RUNS = "other runs"
SHAPE_KEY = ("central_energy_chart", MAX_CURVES)  # this chart's entry in RecomputeResponse.shaped


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
        cache_axes(self.plot_item)
        self.legend = self.plot_item.addLegend(offset=(-10, 10), labelTextColor="#222")  # top right
        # Two invisible points at zero energy that span the data's hours, so auto-range keeps
        # the zero line in view and a run of one hour still gets an hour-wide time axis.
        self.floor = pg.PlotDataItem(pen=None)
        self._floor: tuple[float, float] | None = None
        self._y_top: float | None = None
        self._x_span: tuple[float, float] | None = None  # the x range set while the y range is fixed
        self._hidden_response: RecomputeResponse | None = None  # the latest response, while hidden
        self.plot_item.addItem(self.floor)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot_widget)

    def show_hourly(self, hourly: "pd.DataFrame | None") -> None:
        """Draw ``hourly`` (columns run, hour_utc in Unix seconds, facility_energy_kwh)."""
        self._show(None if hourly is None or hourly.empty else chart_series(hourly))

    def show_result(self, response: "RecomputeResponse | None") -> None:
        """Draw a recompute response's hourly frame, using the series a worker shaped for it if any.

        A hidden chart keeps the response and draws it when it shows, so a drag does not shape
        and draw a chart that is not visible.
        """
        self._hidden_response = None
        if response is None:
            self.clear()
            return
        if not self.isVisible():
            self._hidden_response = response
            return
        self._show(shape_response(response))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._hidden_response is not None:
            self.show_result(self._hidden_response)

    def shaper(self):
        """For :meth:`Recomputer.add_shaper`: shape this chart's series in the worker while it shows."""
        if not self.isVisible():
            return None
        return shape_response

    def _show(self, shaped: "ChartSeries | None") -> None:
        if shaped is None or not shaped.series:
            self.clear()
            return
        for name in [name for name in self.curves if name not in shaped.series]:
            self._remove(name)
        for number, (name, (hours, energy_kwh)) in enumerate(shaped.series.items()):
            self._draw(name, number, hours, energy_kwh)
        floor = (shaped.first_hour - HOUR_S / 2, shaped.last_hour + HOUR_S / 2)
        if floor != self._floor:
            self.floor.setData(list(floor), [0.0, 0.0])
            self._floor = floor
        if shaped.y_top is None:  # projects with few runs keep the automatic range
            self.plot_item.enableAutoRange(x=True, y=True)
            self._y_top = self._x_span = None
            return
        if shaped.y_top != self._y_top:
            # A steady y range (a nice ceiling) keeps the axis labels from being redrawn on every
            # frame of a drag.
            self.plot_item.setYRange(0.0, shaped.y_top, padding=0.02)
            self._y_top = shaped.y_top
        if floor != self._x_span:
            # The hours span is known, so the x range is set from it (with auto-range's padding):
            # auto-range measured the bounds of every curve on each paint of a drag.
            self.plot_item.setXRange(*floor)
            self._x_span = floor

    def clear(self) -> None:
        """Remove every curve in one go (removing 1,000 legend rows one by one took minutes)."""
        for curve in self.curves.values():
            self.plot_item.removeItem(curve)
        self.curves.clear()
        self.legend.clear()
        self.floor.setData([], [])
        self._floor = self._y_top = self._x_span = None

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
        if getattr(curve, "short", None) != short:  # each call redraws the curve, so only on a change
            curve.setSymbol("o" if short else None)
            curve.setPen(pg.mkPen(curve.opts["symbolBrush"], width=2 if short else 1))  # wide pens paint slowly
            curve.short = short
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


@dataclass(frozen=True)
class ChartSeries:
    """The curves of the chart: hours and kWh per curve, the hour span, and the y ceiling (None: automatic)."""

    series: dict[str, tuple[np.ndarray, np.ndarray]]
    first_hour: float
    last_hour: float
    y_top: float | None


def shape_response(response: "RecomputeResponse") -> ChartSeries:
    """Return the chart's series for ``response``, shaped once and kept in its ``shaped`` cache."""
    from workbench.services import chart_data

    index = chart_data.row_index(response.request.model)
    return response.shape(SHAPE_KEY, lambda: chart_series(response.hourly, index, lambda: chart_data.shared_energy_cells(
        response.shaped, response.hourly, response.runs, stack_by="run", max_series=MAX_CURVES, index=index)))


def chart_series(hourly: "pd.DataFrame", index=None, cells: "Callable[[], EnergyCells] | None" = None) -> ChartSeries:
    """Shape ``hourly`` into the chart's curves; pure, so a worker thread can run it.

    ``index`` is the :class:`~workbench.services.chart_data.RowIndex` of the model ``hourly``
    came from, if known. ``cells`` returns the hourly energy stacked by run with at most
    :data:`MAX_CURVES` series, when another chart may have computed it already.
    """
    from workbench.services import chart_data
    from workbench.ui.charts.base import nice_ceiling

    if hourly.empty:
        return ChartSeries({}, 0.0, 0.0, None)
    if chart_data.run_count(hourly, index) <= MAX_CURVES:
        return ChartSeries(_each_run(hourly), float(hourly["hour_utc"].min()), float(hourly["hour_utc"].max()), None)
    if cells is None:
        stacked = chart_data.energy_cells(hourly, None, stack_by="run", max_series=MAX_CURVES, index=index)
    else:
        stacked = cells()
    series = _largest_runs(stacked)
    top = max(float(energy_kwh.max()) for _hours, energy_kwh in series.values())
    # The grid runs from the first hour of the rows to the last.
    return ChartSeries(series, float(stacked.hours[0]), float(stacked.hours[-1]), nice_ceiling(top))


def _each_run(hourly: "pd.DataFrame") -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Return each run's hours and facility kWh, in the order the runs first appear."""
    return {str(name): (rows["hour_utc"].to_numpy(np.float64), rows["facility_energy_kwh"].to_numpy(np.float64))
            for name, rows in hourly.groupby("run", sort=False, observed=True)}


def _largest_runs(stacked: "EnergyCells") -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Return the hours and kWh of the :data:`MAX_CURVES` - 1 runs with most energy, and of the others summed."""
    from workbench.services.chart_data import OTHER_SERIES, bin_means
    from workbench.ui.charts.energy import bin_hours_for

    # Means over a few hours, about one point per pixel, as the stacked energy chart draws them:
    # 12 curves of 8,760 hours took about 30 ms to set and as long to paint on every frame.
    hours, means = bin_means(stacked.hours, stacked.kwh, bin_hours_for(len(stacked.hours)))
    hours = hours.astype(np.float64)
    return {OTHER_RUNS if name == OTHER_SERIES else name: (hours, energy_kwh)
            for name, energy_kwh in zip(stacked.labels, means)}
