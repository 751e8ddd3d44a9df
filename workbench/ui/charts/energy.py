"""Facility energy over time, stacked by run or by site, with the hourly carbon intensity on a second axis."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyqtgraph as pg
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
        self.hourly: pd.DataFrame | None = None
        self.runs: pd.DataFrame | None = None
        self.all_series: list[str] = []
        self._frame = pd.DataFrame()
        self._intensity = pd.DataFrame()
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
        self.intensity_view = pg.ViewBox()
        self.plot_item.showAxis("right")
        self.plot_item.scene().addItem(self.intensity_view)
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
        return lambda response: response.shape(key, lambda: shape_energy(
            response.hourly, response.runs, *arguments, index=chart_data.row_index(response.request.model)))

    def _shape_arguments(self) -> tuple[tuple, tuple]:
        o = self.options
        arguments = (o.get("stack_by"), o.get("max_series"), tuple(o.get("hidden_series")), o.get("energy_unit"),
                     bool(o.get("show_intensity")))
        return ("energy_over_time",) + arguments, arguments

    def data(self) -> pd.DataFrame:
        """Energy per hour per shown series in the chosen unit, plus the carbon intensity column if shown."""
        frame = self._frame.copy()
        frame.insert(0, "hour_utc", frame.index.to_numpy())
        unit = self.options.get("energy_unit")
        frame = frame.rename(columns={name: f"{name} ({unit})" for name in self._frame.columns})
        if self.options.get("show_intensity") and not self._intensity.empty:
            intensity = self._intensity.set_index("hour_utc")["co2e_g_per_kwh"]
            frame["carbon intensity (gCO2e/kWh)"] = frame["hour_utc"].map(intensity)
        return frame.reset_index(drop=True)

    def redraw(self) -> None:
        key, arguments = self._shape_arguments()
        shaped = self._shaped if self._shaped is not None and self.hourly is not None else {}
        if key not in shaped:
            shaped[key] = shape_energy(self.hourly, self.runs, *arguments, index=self._index)
        shape: EnergyShape = shaped[key]
        self.all_series = shape.all_series
        self._frame = shape.frame
        self._intensity = shape.intensity
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
            curve = self.curves.pop(name)
            self.plot_item.removeItem(curve)
            self.legend.removeItem(curve)
        for number, (name, top) in enumerate(shape.tops):
            curve = self.curves.get(name) or self._new_curve(name, number)
            curve.setZValue(-number)  # the lower layers are drawn over the upper ones' fill
            curve.setData(shape.hours, top)
        if shape.ranges is not None and shape.ranges != self._ranges:  # steady axes between frames
            (x_low, x_high), y_top = shape.ranges
            self.plot_item.setXRange(x_low, x_high, padding=0.01)
            self.plot_item.setYRange(0.0, y_top, padding=0.0)
            self._ranges = shape.ranges

    def _new_curve(self, name: str, number: int) -> pg.PlotDataItem:
        color = series_color(number)
        fill = pg.mkColor(color)
        fill.setAlpha(200)
        curve = self.plot_item.plot(name=name, pen=pg.mkPen(color, width=1), fillLevel=0.0, brush=fill)
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


@dataclass(frozen=True, eq=False)
class EnergyShape:
    """The curves of the chart for one result and one set of options (see :func:`shape_energy`)."""

    all_series: list[str]
    frame: pd.DataFrame  # shown series per hour, in the chosen unit
    hours: np.ndarray  # start of each drawn point (bins of bin_hours)
    tops: list[tuple[str, np.ndarray]]  # each series' top edge in the stack, bottom series first
    bin_hours: int
    ranges: tuple[tuple[float, float], float] | None  # x span and y ceiling, None without data
    intensity: pd.DataFrame  # hourly intensity rows, empty when hidden
    intensity_xy: tuple[np.ndarray, np.ndarray] | None  # the overlay's points, None when hidden


def shape_energy(hourly: pd.DataFrame | None, runs: pd.DataFrame | None, stack_by: str, max_series: int,
                 hidden: tuple[str, ...], unit: str, show_intensity: bool,
                 index: chart_data.RowIndex | None = None) -> EnergyShape:
    """Shape the stacked areas and the intensity overlay; pure, so the recompute worker runs it."""
    if hourly is None or runs is None:
        full = pd.DataFrame()
    else:
        full = chart_data.energy_stacked(hourly, runs, stack_by=stack_by, max_series=max_series, index=index)
    shown = full.drop(columns=[name for name in hidden if name in full.columns]) * ENERGY_UNITS[unit]
    frame, bin_hours = binned(shown)
    hours = frame.index.to_numpy(np.float64)
    tops, top = [], np.zeros(len(hours))
    for name in frame.columns:
        top = top + frame[name].to_numpy(np.float64)
        tops.append((name, top))
    ranges = None
    if len(hours):
        ranges = ((float(hours[0]), float(hours[-1]) + 3600.0 * bin_hours), nice_ceiling(float(top.max())))
    intensity, intensity_xy = pd.DataFrame(), None
    if show_intensity and hourly is not None:
        intensity = chart_data.hourly_intensity(hourly, index)
        # on the energy chart's hour grid, NaN where no run has a matched factor, so gaps show
        grid = pd.Series(np.nan, index=shown.index, dtype=float)
        values = intensity.set_index("hour_utc")["co2e_g_per_kwh"]
        grid.loc[values.index.intersection(grid.index)] = values
        grid, _ = binned(grid.to_frame("co2e_g_per_kwh"))
        intensity_xy = (grid.index.to_numpy(np.float64), grid.iloc[:, 0].to_numpy(np.float64))
    return EnergyShape([str(name) for name in full.columns], shown, hours, tops, bin_hours, ranges, intensity,
                       intensity_xy)


def binned(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Return ``frame`` (indexed by hour_utc) as means over the fewest hours that keep it under
    :data:`MAX_DRAWN_POINTS` rows, and that number of hours. NaN hours stay out of a mean."""
    hours = next((n for n in BIN_HOURS if len(frame) / n <= MAX_DRAWN_POINTS), BIN_HOURS[-1])
    if hours == 1 or frame.empty:
        return frame, 1
    start = frame.index.to_numpy(np.int64)
    groups = (start - start[0]) // (hours * 3600)
    # The index is sorted, so each bin is one run of rows: reduceat sums them without a groupby
    # (the groupby took about 5 ms of each frame of a slider drag).
    firsts = np.concatenate(([0], np.flatnonzero(np.diff(groups)) + 1))
    values = frame.to_numpy(np.float64)
    present = ~np.isnan(values)
    sums = np.add.reduceat(np.where(present, values, 0.0), firsts, axis=0)
    counts = np.add.reduceat(present, firsts, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    index = pd.Index(start[0] + groups[firsts] * hours * 3600, name=frame.index.name)
    return pd.DataFrame(means, index=index, columns=frame.columns), hours
