"""The base of every chart widget: a pyqtgraph plot, picture export (PNG, SVG) and data export (CSV)."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import pandas as pd
import pyqtgraph as pg
import pyqtgraph.exporters  # noqa: F401  (registers pg.exporters)
from PySide6.QtCore import QRectF
from PySide6.QtGui import QAction, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QFileDialog, QGraphicsItem, QHBoxLayout, QToolButton, QVBoxLayout, QWidget

from workbench.services.chart_csv import write_frame_csv
from workbench.services.chart_state import ChartOptions
from workbench.ui.actions import ActionSpec, build_action
from workbench.ui.errors import show_error

log = logging.getLogger(__name__)

EXPORT_WIDTH_PX = 1200  # PNG width when the widget has not been laid out (offscreen, hidden tab)
# The export actions every chart has, declared once; the key's suffix is the format.
EXPORT_ACTIONS = (
    ActionSpec("chart_export_png", "Export PNG...", "Save the chart as a PNG picture"),
    ActionSpec("chart_export_svg", "Export SVG...", "Save the chart as an SVG drawing"),
    ActionSpec("chart_export_csv", "Export CSV...",
               "Save the numbers behind the chart as CSV (text that could run as a formula is quoted)"),
)
FILE_FILTERS = {"png": "PNG pictures (*.png)", "svg": "SVG drawings (*.svg)", "csv": "CSV files (*.csv)"}


def style_plot(plot_item: pg.PlotItem, left: str, bottom: str | None = None) -> None:
    """Give ``plot_item`` the workbench's look: grid, dark axes, labels without SI prefixes."""
    plot_item.showGrid(x=True, y=True, alpha=0.25)
    plot_item.setLabel("left", left)
    if bottom:
        plot_item.setLabel("bottom", bottom)
    for name in ("left", "bottom"):
        axis = plot_item.getAxis(name)
        axis.enableAutoSIPrefix(False)
        axis.setPen(pg.mkPen("#444"))
        axis.setTextPen(pg.mkPen("#222"))
    cache_axes(plot_item)


def cache_axes(plot_item: pg.PlotItem) -> None:
    """Keep each axis as a pixmap until its range or labels change, so a new curve does not redraw its text."""
    for name in ("left", "bottom", "right", "top"):
        plot_item.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


def series_color(number: int) -> "pg.QtGui.QColor":
    return pg.intColor(number, hues=9, values=1, maxValue=200)


class ChartWidget(QWidget):
    """A chart: subclasses fill :attr:`controls`, draw in :attr:`plot_item` and return their data in :meth:`data`.

    ``name`` is the chart's file-name stem for exports; :attr:`export_actions` maps png, svg
    and csv to the actions of the export buttons.
    """

    name = "chart"
    title = "Chart"

    def __init__(self, options: ChartOptions, parent: QWidget | None = None, *,
                 axis_items: dict | None = None) -> None:
        super().__init__(parent)
        self.options = options
        self.plot_widget = pg.PlotWidget(background="w", axisItems=axis_items or {})
        self.plot_item = self.plot_widget.getPlotItem()
        self.plot_item.setTitle(self.title, color="#222")
        self.controls = QHBoxLayout()
        self.export_actions: dict[str, QAction] = {}
        self._export_buttons: list[QToolButton] = []
        for spec in EXPORT_ACTIONS:
            fmt = spec.key.rsplit("_", 1)[1]
            action = build_action(self, spec, lambda fmt=fmt: self.choose_export(fmt))
            button = QToolButton()
            button.setDefaultAction(action)
            self._export_buttons.append(button)
            self.export_actions[fmt] = action
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.controls)
        layout.addWidget(self.plot_widget, 1)
        self._unsubscribe: list = []

    def finish_controls(self) -> None:
        """Put the export buttons after the subclass's controls."""
        self.controls.addStretch(1)
        for button in self._export_buttons:
            self.controls.addWidget(button)

    def watch(self, *fields: str) -> None:
        """Redraw when any of ``fields`` of the options changes."""
        for field in fields:
            self._unsubscribe.append(self.options.subscribe(field, lambda _value: self.redraw()))

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        super().closeEvent(event)

    # -- for subclasses ----------------------------------------------------------------------

    def data(self) -> pd.DataFrame:
        """Return the numbers the chart shows, in the units it shows them."""
        raise NotImplementedError

    def redraw(self) -> None:
        raise NotImplementedError

    # -- export ------------------------------------------------------------------------------

    def choose_export(self, fmt: str) -> None:
        path, _ = QFileDialog.getSaveFileName(self, f"Export {self.title}", f"{self.name}.{fmt}", FILE_FILTERS[fmt])
        if not path:
            return
        try:
            self.export(fmt, path)
        except Exception as error:  # shown to the user, named by the operation
            log.exception("exporting chart %s as %s to %s failed", self.name, fmt, path)
            show_error(self, f"Exporting the chart as {fmt.upper()}", error)

    def export(self, fmt: str, path: str | Path) -> Path:
        """Write the chart as ``fmt`` (png, svg or csv) to ``path``; return the path."""
        path = Path(path)
        if fmt == "csv":
            return write_frame_csv(self.data(), path)
        scene = self.plot_widget.scene()
        if fmt == "png":
            exporter = pg.exporters.ImageExporter(scene)
            if self.plot_widget.width() < 200:
                exporter.parameters()["width"] = EXPORT_WIDTH_PX
        elif fmt == "svg":
            return self._export_svg(path)
        else:
            raise ValueError(f"unknown chart export format '{fmt}'")
        exporter.export(str(path))
        log.info("exported chart %s as %s to %s", self.name, fmt, path)
        return path


    def _export_svg(self, path: Path) -> Path:
        try:
            pg.exporters.SVGExporter(self.plot_widget.scene()).export(str(path))
        except ValueError:
            # NOTE: pyqtgraph 0.14.0's SVG exporter splits path data at spaces and raises ValueError
            # on the closing "Z" that Qt 6 writes for every ViewBox clip path. Qt's own SVG
            # generator draws the same scene instead, without pyqtgraph's coordinate clean-up.
            log.info("pyqtgraph could not export %s as SVG; drawing it with QSvgGenerator", self.name)
            _render_svg(self.plot_widget, path, self.title)
        log.info("exported chart %s as svg to %s", self.name, path)
        return path


def _render_svg(view: pg.PlotWidget, path: Path, title: str) -> None:
    scene = view.scene()
    rect = scene.sceneRect()
    if rect.width() < 200:
        rect = QRectF(0, 0, EXPORT_WIDTH_PX, EXPORT_WIDTH_PX * 0.6)
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(rect.size().toSize())
    generator.setViewBox(QRectF(0, 0, rect.width(), rect.height()))
    generator.setTitle(title)
    painter = QPainter(generator)
    try:
        scene.render(painter, QRectF(0, 0, rect.width(), rect.height()), rect)
    finally:
        painter.end()


NICE_STEPS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def nice_ceiling(value: float) -> float:
    """Return the smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k at or above ``value`` (1 for 0).

    Charts that move while a slider drags use it as the top of the y axis, so the axis (whose
    labels are slow to draw) changes only when the data cross a step, not on every frame.
    """
    if not math.isfinite(value) or value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    return next(step * power for step in NICE_STEPS if step * power >= value * (1 - 1e-12))


def category_ticks(plot_item: pg.PlotItem, labels: list[str]) -> None:
    """Label the bottom axis with one category per integer position."""
    plot_item.getAxis("bottom").setTicks([[(index, label) for index, label in enumerate(labels)]])
