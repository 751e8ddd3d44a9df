"""The charts of the uncertainty and comparison views (pyqtgraph), each exportable as PNG, SVG and CSV.

Every chart draws plain arrays from :mod:`workbench.services.uncertainty_charts` or
:mod:`workbench.services.comparison_charts` and keeps the rows it drew, so the CSV export
writes exactly what the chart shows.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters
from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from workbench.services.chart_csv import write_csv
from workbench.services.comparison_charts import Waterfall
from workbench.services.uncertainty_charts import ConvergenceTrace, Histogram
from workbench.ui.errors import show_error

log = logging.getLogger(__name__)

EXPORT_FILTERS = {"png": "PNG image (*.png)", "svg": "SVG drawing (*.svg)", "csv": "CSV data (*.csv)"}
EXPORT_WIDTH_PX = 1600
BAR_HEIGHT = 0.6
TORNADO_BARS = 15
COLORS = {"bar": "#5B8DB8", "low": "#3A9A5B", "high": "#C8553D", "mc": "#222222", "analytic": "#8E44AD",
          "up": "#C8553D", "down": "#3A9A5B", "total": "#5B8DB8"}


class ChartPanel(QWidget):
    """A titled plot with PNG, SVG and CSV export buttons; subclasses fill :attr:`header` and :attr:`rows`."""

    def __init__(self, title: str, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.header: tuple[str, ...] = ()
        self.rows: list[Sequence[Any]] = []
        self.plot_widget = pg.PlotWidget(background="w")
        self.plot_item = self.plot_widget.getPlotItem()
        self.plot_item.showGrid(x=True, y=True, alpha=0.25)
        for axis_name in ("left", "bottom"):
            axis = self.plot_item.getAxis(axis_name)
            axis.enableAutoSIPrefix(False)
            axis.setPen(pg.mkPen("#444"))
            axis.setTextPen(pg.mkPen("#222"))
        self.title_label = QLabel(f"<b>{title}</b>")
        self.export_buttons: dict[str, QPushButton] = {}
        bar = QHBoxLayout()
        bar.addWidget(self.title_label, 1)
        for kind in EXPORT_FILTERS:
            button = QPushButton(f"{kind.upper()}...")
            button.setToolTip(f"Save this chart as {EXPORT_FILTERS[kind].split(' (')[0]}")
            button.clicked.connect(lambda _checked=False, kind=kind: self.choose_export(kind))
            self.export_buttons[kind] = button
            bar.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.plot_widget, 1)

    def choose_export(self, kind: str) -> None:
        """Ask for a file name and export the chart as ``kind`` (png, svg or csv)."""
        path, _filter = QFileDialog.getSaveFileName(self, "Export chart", f"{self.name}.{kind}", EXPORT_FILTERS[kind])
        if not path:
            return
        try:
            self.export(kind, path)
        except Exception as error:  # the edge of the GUI: every failure becomes a dialog
            show_error(self, f"Exporting the chart as {kind.upper()}", error)

    def export(self, kind: str, path: str | Path) -> Path:
        """Write the chart as a PNG or SVG image, or its data as CSV, to ``path``."""
        path = Path(path)
        if kind == "csv":
            write_csv(path, self.header, self.rows)
        elif kind == "png":
            exporter = pg.exporters.ImageExporter(self.plot_item)
            exporter.parameters()["width"] = EXPORT_WIDTH_PX
            exporter.export(str(path))
        elif kind == "svg":
            self._export_svg(path)
        else:
            raise ValueError(f"unknown export kind '{kind}'; use png, svg or csv")
        log.info("exported chart %s as %s to %s", self.name, kind, path)
        return path

    def _export_svg(self, path: Path) -> None:
        """Render the plot's scene into an SVG file through Qt's SVG generator.

        NOTE: pyqtgraph 0.14.0's SVGExporter fails on the path data Qt 6 writes for bar items
        (ValueError in its coordinate parser), so the scene is rendered by Qt directly.
        """
        scene = self.plot_widget.scene()
        source = self.plot_item.sceneBoundingRect()
        generator = QSvgGenerator()
        generator.setFileName(str(path))
        generator.setSize(source.size().toSize())
        generator.setViewBox(QRectF(0, 0, source.width(), source.height()))
        generator.setTitle(self.title_label.text().replace("<b>", "").replace("</b>", ""))
        painter = QPainter(generator)
        try:
            scene.render(painter, QRectF(0, 0, source.width(), source.height()), source)
        finally:
            painter.end()

    def remove_items(self, items: Sequence[Any]) -> None:
        for item in items:
            if item is not None:
                self.plot_item.removeItem(item)


class HistogramChart(ChartPanel):
    """Monte Carlo totals per bin, with the 95 % interval (solid) and the analytic interval (dashed)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Monte Carlo totals", "uncertainty_histogram", parent)
        self.plot_item.setLabel("bottom", "Total (kgCO2e)")
        self.plot_item.setLabel("left", "Trials")
        self.header = ("bin_low_co2e_kg", "bin_high_co2e_kg", "trials")
        self.bars: pg.BarGraphItem | None = None
        self.interval_lines: list[pg.InfiniteLine] = []
        self.analytic_lines: list[pg.InfiniteLine] = []

    def show_histogram(self, histogram: Histogram, low: float, high: float) -> None:
        """Draw the bins and mark the Monte Carlo interval [low, high]."""
        self.remove_items([self.bars, *self.interval_lines])
        edges = histogram.edges
        self.bars = pg.BarGraphItem(x0=edges[:-1], x1=edges[1:], y0=np.zeros(len(histogram.counts)),
                                    height=histogram.counts, brush=pg.mkBrush(COLORS["bar"]), pen=pg.mkPen("w"))
        self.plot_item.addItem(self.bars)
        self.interval_lines = [self._line(value, COLORS["mc"], "solid", label)
                               for value, label in ((low, "2.5 %"), (high, "97.5 %"))]
        self.rows = histogram.rows()

    def show_analytic(self, low: float | None, high: float | None) -> None:
        """Mark the analytic interval, or remove the marks when ``low`` is None."""
        self.remove_items(self.analytic_lines)
        self.analytic_lines = []
        if low is not None and high is not None:
            self.analytic_lines = [self._line(value, COLORS["analytic"], "dash", None) for value in (low, high)]

    def clear_chart(self) -> None:
        self.remove_items([self.bars, *self.interval_lines, *self.analytic_lines])
        self.bars, self.interval_lines, self.analytic_lines, self.rows = None, [], [], []

    def _line(self, value: float, color: str, style: str, label: str | None) -> pg.InfiniteLine:
        pen = pg.mkPen(color, width=2, style=pg.QtCore.Qt.PenStyle.DashLine if style == "dash"
                       else pg.QtCore.Qt.PenStyle.SolidLine)
        options = {"position": 0.9, "color": color} if label else None
        line = pg.InfiniteLine(pos=value, angle=90, pen=pen, label=label, labelOpts=options)
        self.plot_item.addItem(line)
        return line


class ConvergenceChart(ChartPanel):
    """Running mean and interval ends of the total against the number of trials (log scale)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Convergence", "uncertainty_convergence", parent)
        self.plot_item.setLabel("bottom", "Trials")
        self.plot_item.setLabel("left", "Total (kgCO2e)")
        self.plot_item.setLogMode(x=True, y=False)
        self.plot_item.addLegend(offset=(-10, 10), labelTextColor="#222")
        self.header = ("trials", "mean_co2e_kg", "low_co2e_kg", "high_co2e_kg")
        self.mean_curve = self.plot_item.plot(name="mean", pen=pg.mkPen(COLORS["mc"], width=2))
        self.low_curve = self.plot_item.plot(name="2.5 %", pen=pg.mkPen(COLORS["low"], width=2))
        self.high_curve = self.plot_item.plot(name="97.5 %", pen=pg.mkPen(COLORS["high"], width=2))

    def show_trace(self, trace: ConvergenceTrace) -> None:
        trials = trace.trials.astype(float)
        self.mean_curve.setData(trials, trace.mean)
        self.low_curve.setData(trials, trace.low)
        self.high_curve.setData(trials, trace.high)
        self.rows = trace.rows()

    def clear_chart(self) -> None:
        for curve in (self.mean_curve, self.low_curve, self.high_curve):
            curve.setData([], [])
        self.rows = []


class TornadoChart(ChartPanel):
    """Change of the total with each input at the low and the high end of its 95 % range, widest on top."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Sensitivity (tornado)", "uncertainty_tornado", parent)
        self.plot_item.setLabel("bottom", "Change of the total (kgCO2e)")
        self.plot_item.showGrid(x=True, y=False, alpha=0.25)
        self.plot_item.addLine(x=0.0, pen=pg.mkPen("#444", width=1))
        self.plot_item.getAxis("left").setWidth(260)
        self.header = ("input", "label", "input_low", "input_high", "total_low_co2e_kg", "total_high_co2e_kg",
                       "low_effect_co2e_kg", "high_effect_co2e_kg")
        self.low_bars: pg.BarGraphItem | None = None
        self.high_bars: pg.BarGraphItem | None = None

    def show_rows(self, rows: Sequence[dict]) -> None:
        """Draw up to :data:`TORNADO_BARS` rows of :func:`~workbench.services.uncertainty_charts.tornado_rows`."""
        self.remove_items([self.low_bars, self.high_bars])
        shown = list(rows)[:TORNADO_BARS]
        self.rows = [(row["input"], row["label"], row["input_low"], row["input_high"], row["output_low"],
                      row["output_high"], row["low_effect"], row["high_effect"]) for row in shown]
        if not shown:
            self.low_bars = self.high_bars = None
            self.plot_item.getAxis("left").setTicks(None)
            return
        positions = np.arange(len(shown) - 1, -1, -1, dtype=float)
        low = np.array([row["low_effect"] for row in shown])
        high = np.array([row["high_effect"] for row in shown])
        self.low_bars = pg.BarGraphItem(x0=np.zeros(len(shown)), y=positions, width=low, height=BAR_HEIGHT,
                                        brush=pg.mkBrush(COLORS["low"]), pen=pg.mkPen(None))
        self.high_bars = pg.BarGraphItem(x0=np.zeros(len(shown)), y=positions, width=high, height=BAR_HEIGHT,
                                         brush=pg.mkBrush(COLORS["high"]), pen=pg.mkPen(None))
        self.plot_item.addItem(self.low_bars)
        self.plot_item.addItem(self.high_bars)
        ticks = [(float(position), _short(row["label"])) for position, row in zip(positions, shown)]
        self.plot_item.getAxis("left").setTicks([ticks])


class WaterfallChart(ChartPanel):
    """The baseline's total, each assumption's share of the difference, and the other set's total."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Decomposition of the difference (waterfall)", "comparison_waterfall", parent)
        self.plot_item.setLabel("left", "Total (kgCO2e)")
        self.plot_item.showGrid(x=False, y=True, alpha=0.25)
        self.header = ("step", "start_co2e_kg", "end_co2e_kg", "change_co2e_kg")
        self.bars: pg.BarGraphItem | None = None
        self.waterfall: Waterfall | None = None

    def show_waterfall(self, waterfall: Waterfall | None) -> None:
        self.remove_items([self.bars])
        self.bars = None
        self.waterfall = waterfall
        self.rows = [] if waterfall is None else waterfall.rows()
        if waterfall is None:
            self.plot_item.getAxis("bottom").setTicks(None)
            return
        count = len(waterfall.labels)
        low = np.minimum(waterfall.starts, waterfall.ends)
        high = np.maximum(waterfall.starts, waterfall.ends)
        brushes = [pg.mkBrush(COLORS["total"] if index in (0, count - 1)
                              else COLORS["up"] if value > 0 else COLORS["down"])
                   for index, value in enumerate(waterfall.values)]
        self.bars = pg.BarGraphItem(x=np.arange(count, dtype=float), width=BAR_HEIGHT, y0=low, y1=high,
                                    brushes=brushes, pen=pg.mkPen(None))
        self.plot_item.addItem(self.bars)
        self.plot_item.getAxis("bottom").setTicks([[(float(index), _short(label))
                                                    for index, label in enumerate(waterfall.labels)]])


def _short(label: str, limit: int = 36) -> str:
    return label if len(label) <= limit else label[:limit - 1] + "…"
