"""Facility energy over time, stacked by run or by site, with the hourly carbon intensity on a second axis."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QMenu, QToolButton, QWidget

from workbench.services import chart_data
from workbench.services.chart_data import ENERGY_UNITS
from workbench.services.chart_state import ChartOptions
from workbench.ui.charts.base import ChartWidget, nice_ceiling, series_color, style_plot

# More hours than this are drawn as means over a few hours (2, 3, 6, 12 or 24), about one point
# per pixel: filling 8,760 points per series made each frame take about half a second.
MAX_DRAWN_POINTS = 1000
BIN_HOURS = (1, 2, 3, 6, 12, 24)
INTENSITY_PEN = pg.mkPen("#111111", width=1)  # dashed or wide pens draw several times slower
FILL_ALPHA = 200 / 255  # share of a stacked area's own colour over the areas above it


class EnergyOverTimeChart(ChartWidget):
    """Stacked areas of facility energy per hour; :attr:`curves` maps series names to their top edges.

    :meth:`show_frames` takes the recompute response's ``hourly`` and ``runs`` frames. The
    options' stack_by, energy_unit, max_series, hidden_series and show_intensity fields drive
    the drawing, and the controls above the plot set them.
    """

    name = "energy_over_time"
    title = "Facility energy over time"

    def __init__(self, options: ChartOptions, parent: QWidget | None = None) -> None:
        super().__init__(options, parent, axis_items={"bottom": pg.DateAxisItem(utcOffset=0)})
        self.curves: dict[str, pg.PlotDataItem] = {}
        self._colors: dict[str, QColor] = {}  # each curve's line colour, from its position when made
        self._fills: dict[str, int] = {}  # the fill colour (QColor.rgb()) each curve has now
        self.hourly: pd.DataFrame | None = None
        self.runs: pd.DataFrame | None = None
        self.all_series: list[str] = []
        self._shape: EnergyShape  # set by redraw() below
        self._shaped: dict | None = None
        self._index: chart_data.RowIndex | None = None
        self._menu_state: tuple | None = None
        self._ranges: tuple | None = None
        self._label = ""
        self.bin_hours = 1
        style_plot(self.plot_item, "Facility energy", "Time (UTC)")
        self.plot_item.setClipToView(True)
        self.plot_item.setDownsampling(auto=True, mode="peak")
        self.legend = self.plot_item.addLegend(offset=(-10, 10), labelTextColor="#222")
        self._build_intensity_axis()
        self._build_controls()
        self.watch("stack_by", "energy_unit", "max_series", "hidden_series", "show_intensity")
        self._unsubscribe.append(options.subscribe("stack_by", lambda _value: self.options.set("hidden_series", ())))
        self._show_options()
        self.redraw()

    # -- construction ------------------------------------------------------------------------

    def _build_intensity_axis(self) -> None:
        self.intensity_view = _OverlayViewBox()
        self.plot_item.showAxis("right")
        self.plot_item.scene().addItem(self.intensity_view)
        # The stacked areas are opaque, so the intensity line is drawn above the plot.
        self.intensity_view.setZValue(self.plot_item.zValue() + 1)
        right = self.plot_item.getAxis("right")
        right.linkToView(self.intensity_view)
        right.setLabel("Carbon intensity (gCO2e/kWh, black line)", color="#111111")
        right.enableAutoSIPrefix(False)
        self.intensity_view.setXLink(self.plot_item)
        self.intensity_curve = pg.PlotDataItem(pen=INTENSITY_PEN, connect="finite")
        self.intensity_view.addItem(self.intensity_curve)
        self.plot_item.vb.sigResized.connect(self._sync_views)
        self.legend.addItem(self.intensity_curve, "carbon intensity")

    def _sync_views(self) -> None:
        self.intensity_view.setGeometry(self.plot_item.vb.sceneBoundingRect())

    def _build_controls(self) -> None:
        self.stack_combo = QComboBox()
        self.stack_combo.addItem("by site", "site")
        self.stack_combo.addItem("by run", "run")
        self.stack_combo.setToolTip("Stack the energy areas by site or by training run")
        self.unit_combo = QComboBox()
        self.unit_combo.addItems(list(ENERGY_UNITS))
        self.unit_combo.setToolTip("Unit of the energy axis (energy per hour)")
        self.intensity_check = QCheckBox("Carbon intensity")
        self.intensity_check.setToolTip("Show the energy-weighted emission factor of each hour on the right axis")
        self.series_button = QToolButton()
        self.series_button.setText("Series")
        self.series_button.setToolTip("Choose which runs or sites the chart shows")
        self.series_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.series_menu = QMenu(self)
        self.series_menu.setToolTipsVisible(True)
        self.series_button.setMenu(self.series_menu)
        for widget in (QLabel("Stack:"), self.stack_combo, QLabel("Unit:"), self.unit_combo, self.intensity_check,
                       self.series_button):
            self.controls.addWidget(widget)
        self.finish_controls()
        self.stack_combo.activated.connect(lambda _i: self.options.set("stack_by", self.stack_combo.currentData()))
        self.unit_combo.activated.connect(lambda _i: self.options.set("energy_unit", self.unit_combo.currentText()))
        self.intensity_check.toggled.connect(lambda on: self.options.set("show_intensity", on))
        for field in ("stack_by", "energy_unit", "show_intensity"):
            self._unsubscribe.append(self.options.subscribe(field, lambda _value: self._show_options()))

    def _show_options(self) -> None:
        """State -> widgets, without echoing back."""
        for widget in (self.stack_combo, self.unit_combo, self.intensity_check):
            widget.blockSignals(True)
        self.stack_combo.setCurrentIndex(self.stack_combo.findData(self.options.get("stack_by")))
        self.unit_combo.setCurrentText(self.options.get("energy_unit"))
        self.intensity_check.setChecked(self.options.get("show_intensity"))
        for widget in (self.stack_combo, self.unit_combo, self.intensity_check):
            widget.blockSignals(False)

    # -- data --------------------------------------------------------------------------------

    def show_frames(self, hourly: pd.DataFrame | None, runs: pd.DataFrame | None,
                    shaped: dict | None = None, index: chart_data.RowIndex | None = None) -> None:
        """Take a new result's hourly and runs frames and redraw.

        ``shaped`` is the response's cache of view data (``RecomputeResponse.shaped``), where a
        worker may already have put this chart's series for the current options.
        """
        self.hourly, self.runs, self._shaped, self._index = hourly, runs, shaped, index
        self.redraw()

    def shaper(self):
        """For :meth:`Recomputer.add_shaper`: freeze the options now and shape the series in the worker."""
        if not self.isVisible():
            return None
        key, arguments = self._shape_arguments()
        stack_by, max_series = arguments[0], arguments[1]

        def shape(response) -> EnergyShape:
            index = chart_data.row_index(response.request.model)
            cells = chart_data.shared_energy_cells(response.shaped, response.hourly, response.runs, stack_by=stack_by,
                                                   max_series=max_series, index=index)
            return shape_energy(response.hourly, response.runs, *arguments, index=index, cells=cells)

        return lambda response: response.shape(key, lambda: shape(response))

    def _shape_arguments(self) -> tuple[tuple, tuple]:
        o = self.options
        arguments = (o.get("stack_by"), o.get("max_series"), tuple(o.get("hidden_series")), o.get("energy_unit"),
                     bool(o.get("show_intensity")))
        return ("energy_over_time",) + arguments, arguments

    def data(self) -> pd.DataFrame:
        """Energy per hour per shown series in the chosen unit, plus the carbon intensity column if shown."""
        frame = self._shape.frame.copy()
        frame.insert(0, "hour_utc", frame.index.to_numpy())
        unit = self.options.get("energy_unit")
        frame = frame.rename(columns={name: f"{name} ({unit})" for name in self._shape.frame.columns})
        intensity = self._shape.intensity_grid
        if self.options.get("show_intensity") and intensity is not None and not np.all(np.isnan(intensity)):
            frame["carbon intensity (gCO2e/kWh)"] = intensity  # on the same hours as the energy rows
        return frame.reset_index(drop=True)

    def redraw(self) -> None:
        key, arguments = self._shape_arguments()
        shaped = self._shaped if self._shaped is not None and self.hourly is not None else {}
        if key not in shaped:
            cells = None
            if self.hourly is not None and self.runs is not None:
                cells = chart_data.shared_energy_cells(shaped, self.hourly, self.runs, stack_by=arguments[0],
                                                       max_series=arguments[1], index=self._index)
            shaped[key] = shape_energy(self.hourly, self.runs, *arguments, index=self._index, cells=cells)
        shape: EnergyShape = shaped[key]
        self._shape = shape
        self.all_series = shape.all_series
        self.bin_hours = shape.bin_hours
        self._draw_stack(shape)
        self._draw_intensity(shape)
        menu_state = (tuple(self.all_series), arguments[2])
        if menu_state != self._menu_state:  # rebuilding the menu on every frame of a drag costs time
            self._fill_series_menu()
            self._menu_state = menu_state
        mean = f", mean of {self.bin_hours} h" if self.bin_hours > 1 else ""
        self._set_label(f"Facility energy ({arguments[3]} per hour{mean})")

    def _set_label(self, text: str) -> None:
        if text != self._label:  # a new label lays out the axis again
            self.plot_item.setLabel("left", text)
            self._label = text

    def _draw_stack(self, shape: "EnergyShape") -> None:
        for name in [name for name in self.curves if name not in dict(shape.tops)]:
            self._fills.pop(name, None)
            self._colors.pop(name, None)
            curve = self.curves.pop(name)
            self.plot_item.removeItem(curve)
            self.legend.removeItem(curve)
        fills = stacked_fills([self._colors.get(name) or series_color(number)
                               for number, (name, _top) in enumerate(shape.tops)])
        for number, (name, top) in enumerate(shape.tops):
            curve = self.curves.get(name) or self._new_curve(name, number)
            curve.setZValue(-number)  # the lower layers are drawn over the upper ones' fill
            if self._fills.get(name) != fills[number].rgb():
                curve.setBrush(fills[number])
                self._fills[name] = fills[number].rgb()
            curve.setData(shape.hours, top)
            # PlotCurveItem (pyqtgraph 0.14) drops the fill's paths when it makes the line's path
            # in paint(), so each later paint would make them again. Making the line's path now
            # keeps them for every paint until the next frame.
            curve.curve.getPath()
        if shape.ranges is not None and shape.ranges != self._ranges:  # steady axes between frames
            (x_low, x_high), y_top = shape.ranges
            self.plot_item.setXRange(x_low, x_high, padding=0.01)
            self.plot_item.setYRange(0.0, y_top, padding=0.0)
            self._ranges = shape.ranges

    def _new_curve(self, name: str, number: int) -> pg.PlotDataItem:
        color = self._colors[name] = series_color(number)
        curve = self.plot_item.plot(name=name, pen=pg.mkPen(color, width=1), fillLevel=0.0, brush=color)
        self.curves[name] = curve
        return curve

    def _draw_intensity(self, shape: "EnergyShape") -> None:
        show = shape.intensity_xy is not None
        self.intensity_curve.setVisible(show)
        self.plot_item.getAxis("right").setVisible(show)
        if show:
            self.intensity_curve.setData(*shape.intensity_xy)
        else:
            self.intensity_curve.setData([], [])

    def _fill_series_menu(self) -> None:
        hidden = self.options.get("hidden_series")
        self.series_menu.clear()
        for name in self.all_series:
            action = self.series_menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(name not in hidden)
            action.setToolTip(f"Show or hide {name}")
            action.toggled.connect(lambda visible, name=name: self.options.toggle_series(name, visible))


def stacked_fills(colors: list[QColor]) -> list[QColor]:
    """Return opaque fill colours for stacked areas of ``colors``, bottom series first.

    Each area looks as it did when drawn at :data:`FILL_ALPHA` over the areas above it on a
    white plot. Opaque fills painted about twice as fast as translucent ones in a profile of the
    bench reference project, and the stacked chart repaints on every frame of a slider drag.
    The grid does not show through them.
    """
    fills: list[QColor] = []
    under = (255, 255, 255)
    for color in reversed(colors):
        under = tuple(round(FILL_ALPHA * own + (1.0 - FILL_ALPHA) * below)
                      for own, below in zip((color.red(), color.green(), color.blue()), under))
        fills.append(QColor(*under))
    return fills[::-1]


@dataclass(frozen=True, eq=False)
class EnergyShape:
    """The curves of the chart for one result and one set of options (see :func:`shape_energy`)."""

    all_series: list[str]
    grid_hours: np.ndarray  # every hour of the data (int64 Unix seconds), the rows of ``frame``
    shown: list[str]  # the series not hidden, bottom of the stack first
    shown_values: np.ndarray  # their energy per grid hour in the chosen unit, shape (len(shown), len(grid_hours))
    hours: np.ndarray  # start of each drawn point (bins of bin_hours)
    tops: list[tuple[str, np.ndarray]]  # each series' top edge in the stack, bottom series first
    bin_hours: int
    ranges: tuple[tuple[float, float], float] | None  # x span and y ceiling, None without data
    intensity_grid: np.ndarray | None  # gCO2e/kWh per grid hour (NaN without a factor), None when hidden
    intensity_xy: tuple[np.ndarray, np.ndarray] | None  # the overlay's points, None when hidden

    @cached_property
    def frame(self) -> pd.DataFrame:
        """Shown series per grid hour in the chosen unit, indexed by hour_utc (built on first use, for exports)."""
        return pd.DataFrame(self.shown_values.T, index=pd.Index(self.grid_hours, name="hour_utc"), columns=self.shown)


def bin_hours_for(hour_count: int) -> int:
    """Return the hours per drawn point for ``hour_count`` hours of data.

    It is the first of :data:`BIN_HOURS` that draws at most :data:`MAX_DRAWN_POINTS` points, or
    the last of them for longer data.
    """
    return next((n for n in BIN_HOURS if hour_count / n <= MAX_DRAWN_POINTS), BIN_HOURS[-1])


def shape_energy(hourly: pd.DataFrame | None, runs: pd.DataFrame | None, stack_by: str, max_series: int,
                 hidden: tuple[str, ...], unit: str, show_intensity: bool,
                 index: chart_data.RowIndex | None = None,
                 cells: chart_data.EnergyCells | None = None) -> EnergyShape:
    """Shape the stacked areas and the intensity overlay; pure, so the recompute worker runs it.

    ``cells`` are the :func:`~workbench.services.chart_data.energy_cells` for ``stack_by`` and
    ``max_series`` when already computed. Everything here works on NumPy arrays, because the
    recompute worker runs it on every frame of a slider drag.
    """
    if hourly is None or runs is None:
        cells = chart_data.EnergyCells(np.zeros(0, np.int64), [], np.zeros((0, 0)))
    elif cells is None:
        cells = chart_data.energy_cells(hourly, runs, stack_by=stack_by, max_series=max_series, index=index)
    keep = [number for number, name in enumerate(cells.labels) if name not in hidden]
    shown = [cells.labels[number] for number in keep]
    shown_values = cells.kwh[keep] * ENERGY_UNITS[unit]
    grid_bin_hours = bin_hours_for(len(cells.hours))
    bin_hours = grid_bin_hours if shown_values.size else 1  # nothing to average when every series is hidden
    bin_starts, means = chart_data.bin_means(cells.hours, shown_values, bin_hours)
    hours = bin_starts.astype(np.float64)
    tops, top = [], np.zeros(len(hours))
    for name, values in zip(shown, means):
        top = top + values
        tops.append((name, top))
    ranges = None
    if len(hours):
        ranges = ((float(hours[0]), float(hours[-1]) + 3600.0 * bin_hours), nice_ceiling(float(top.max())))
    intensity_grid, intensity_xy = None, None
    if show_intensity and hourly is not None:
        if len(cells.hours):
            _grid, intensity_grid = chart_data.intensity_grid(hourly, index)  # on the cells' hours
        else:
            intensity_grid = np.zeros(0)
        points, values = chart_data.bin_means(cells.hours, intensity_grid, grid_bin_hours)
        intensity_xy = (points.astype(np.float64), values)
    return EnergyShape([str(name) for name in cells.labels], cells.hours, shown, shown_values, hours, tops, bin_hours,
                       ranges, intensity_grid, intensity_xy)


class _OverlayViewBox(pg.ViewBox):
    """A view box drawn over the plot that leaves every click, drag and wheel event to the plot below."""

    def __init__(self) -> None:
        super().__init__(enableMenu=False)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setAcceptHoverEvents(False)
        self.setMouseEnabled(x=False, y=False)

    def wheelEvent(self, event, axis=None) -> None:
        event.ignore()
