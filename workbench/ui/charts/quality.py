"""Coverage and data quality: the share of hours measured, gap-filled, estimated or defaulted; rejected rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QLabel, QWidget

from workbench.services import chart_data
from workbench.services.chart_data import QUALITY_COLUMNS
from workbench.services.chart_state import ChartOptions
from workbench.ui.charts.base import ChartWidget, category_ticks, style_plot

QUALITY_COLORS = {"measured_h": "#2ca02c", "gap_filled_h": "#bcbd22", "estimated_h": "#ff7f0e",
                  "defaulted_h": "#d62728"}
QUALITY_NAMES = {"measured_h": "measured", "gap_filled_h": "measured with gaps", "estimated_h": "estimated",
                 "defaulted_h": "defaulted"}


class CoverageChart(ChartWidget):
    """Stacked bars per run or site: the share of energy hours of each quality (device- or meter-hours)."""

    name = "coverage"
    title = "Coverage and data quality of hourly energy"

    def __init__(self, options: ChartOptions, parent: QWidget | None = None) -> None:
        super().__init__(options, parent)
        self.counts: pd.DataFrame | None = None
        self.frame = pd.DataFrame()
        self.bars: list[pg.BarGraphItem] = []
        self.by_combo = QComboBox()
        self.by_combo.addItem("per run", "run")
        self.by_combo.addItem("per site", "site")
        self.by_combo.setToolTip("Group the energy hours by run or by site")
        self.by_combo.activated.connect(lambda _i: self.options.set("quality_by", self.by_combo.currentData()))
        self.controls.addWidget(QLabel("Group:"))
        self.controls.addWidget(self.by_combo)
        self.finish_controls()
        self.plot_item.addLegend(offset=(-10, 10), labelTextColor="#222")
        self._unsubscribe.append(options.subscribe("quality_by", lambda _value: self._show_group()))
        self.watch("quality_by")
        self._show_group()
        self.show_counts(None)

    def _show_group(self) -> None:
        self.by_combo.blockSignals(True)
        self.by_combo.setCurrentIndex(self.by_combo.findData(self.options.get("quality_by")))
        self.by_combo.blockSignals(False)

    def show_counts(self, counts: pd.DataFrame | None) -> None:
        """Take rows of :func:`workbench.project.quality_repo.energy_quality_counts` and redraw."""
        self.counts = counts
        self.redraw()

    def data(self) -> pd.DataFrame:
        return self.frame.copy()

    def redraw(self) -> None:
        self.frame = chart_data.coverage(self.counts, by=self.options.get("quality_by"))
        for item in self.bars:
            self.plot_item.removeItem(item)
        self.bars.clear()
        style_plot(self.plot_item, "Share of hours (%)")
        category_ticks(self.plot_item, self.frame["group"].astype(str).tolist())
        if self.frame.empty:
            return
        x = np.arange(len(self.frame))
        bottom = np.zeros(len(x))
        for column in QUALITY_COLUMNS:
            share = 100.0 * self.frame[column.replace("_h", "_share")].to_numpy(float)
            item = pg.BarGraphItem(x=x, y0=bottom, height=share, width=0.7, brush=QUALITY_COLORS[column],
                                   name=QUALITY_NAMES[column])
            self.plot_item.addItem(item)
            self.bars.append(item)
            bottom = bottom + share


class RejectedRowsChart(ChartWidget):
    """Rejected rows per imported file, files with rejections first."""

    name = "rejected_rows"
    title = "Rejected rows per imported file"

    def __init__(self, options: ChartOptions, parent: QWidget | None = None) -> None:
        super().__init__(options, parent)
        self.frame = pd.DataFrame()
        self.bars: pg.BarGraphItem | None = None
        self.finish_controls()
        self.show_sources(None)

    def show_sources(self, sources: pd.DataFrame | None) -> None:
        """Take rows of :func:`workbench.project.quality_repo.rejected_by_source` and redraw."""
        self.frame = chart_data.rejected_rows(sources)
        self.redraw()

    def data(self) -> pd.DataFrame:
        return self.frame.copy()

    def redraw(self) -> None:
        if self.bars is not None:
            self.plot_item.removeItem(self.bars)
            self.bars = None
        style_plot(self.plot_item, "Rejected rows")
        category_ticks(self.plot_item, self.frame["source"].astype(str).tolist())
        if self.frame.empty:
            return
        self.bars = pg.BarGraphItem(x=np.arange(len(self.frame)), height=self.frame["rows_rejected"].to_numpy(float),
                                    width=0.7, brush="#d62728")
        self.plot_item.addItem(self.bars)
