"""The reduction planner's view: avoided emissions by lever as a ranked bar chart and table.

The view shows plain data from :class:`workbench.services.planner.PlanOutcome`: its
:meth:`~workbench.services.planner.PlanOutcome.table` rows and
:meth:`~workbench.services.planner.PlanOutcome.chart_data`. It computes nothing, so the caller
runs the plan off the UI thread and hands the result to :meth:`PlannerView.show_plan`.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from workbench.ui.formatting import format_significant

NOTE = ("Avoided emissions: reported beside the footprint and the inventory, never deducted from them. Blue bars "
        "are footprint levers (SCI total), green bars inventory levers (market-based total); whiskers are 95 % "
        "intervals from common random numbers.")
COLUMNS = (("Rank", "rank"), ("Lever", "lever"), ("View", "view"), ("Avoided (tCO2e)", "avoided_tco2e"),
           ("95 % low (tCO2e)", "low_tco2e"), ("95 % high (tCO2e)", "high_tco2e"),
           ("Share of reference", "share_of_reference"), ("P(saves)", "probability_saves"),
           ("Depends on", "depends_on"))
VIEW_COLORS = {"footprint": "#2F6FB2", "inventory": "#3A9A5B"}
LABEL_CHARS = 40
BAR_HEIGHT = 0.6
AXIS_WIDTH_PX = 320


class PlannerView(QWidget):
    """A horizontal bar per lever (largest avoided emissions on top) with its 95 % interval, over the ranked table."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.note = QLabel(NOTE)
        self.note.setWordWrap(True)
        self.plot_widget = pg.PlotWidget(background="w")
        self.plot_item = self.plot_widget.getPlotItem()
        self.plot_item.showGrid(x=True, y=False, alpha=0.25)
        self.plot_item.setLabel("bottom", "Avoided emissions (tCO2e)")
        self.plot_item.addLine(x=0.0, pen=pg.mkPen("#444", width=1))
        for name in ("left", "bottom"):
            axis = self.plot_item.getAxis(name)
            axis.enableAutoSIPrefix(False)
            axis.setPen(pg.mkPen("#444"))
            axis.setTextPen(pg.mkPen("#222"))
        self.plot_item.getAxis("left").setWidth(AXIS_WIDTH_PX)
        self.bars: pg.BarGraphItem | None = None
        self.intervals: pg.ErrorBarItem | None = None
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([header for header, _ in COLUMNS])
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.plot_widget)
        splitter.addWidget(self.table)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(splitter)

    def show_plan(self, rows: Sequence[dict[str, Any]], chart: dict[str, Any]) -> None:
        """Draw the chart data and fill the table rows of one plan."""
        self.clear()
        self._fill_table(rows)
        count = len(chart["labels"])
        if count == 0:
            return
        avoided = np.asarray(chart["avoided"], dtype=float)
        low, high = np.asarray(chart["low"], dtype=float), np.asarray(chart["high"], dtype=float)
        positions = np.arange(count - 1, -1, -1, dtype=float)
        brushes = [pg.mkBrush(VIEW_COLORS.get(view, "#777777")) for view in chart["views"]]
        self.bars = pg.BarGraphItem(x0=np.zeros(count), y=positions, width=avoided, height=BAR_HEIGHT,
                                    brushes=brushes, pen=pg.mkPen(None))
        self.intervals = pg.ErrorBarItem(x=avoided, y=positions, left=np.clip(avoided - low, 0.0, None),
                                         right=np.clip(high - avoided, 0.0, None), beam=BAR_HEIGHT / 3,
                                         pen=pg.mkPen("#222", width=1.5))
        self.plot_item.addItem(self.bars)
        self.plot_item.addItem(self.intervals)
        ticks = [(float(position), _short(label)) for position, label in zip(positions, chart["labels"])]
        self.plot_item.getAxis("left").setTicks([ticks])
        self.plot_item.setTitle(chart["title"], color="#222", size="10pt")

    def clear(self) -> None:
        for item in (self.bars, self.intervals):
            if item is not None:
                self.plot_item.removeItem(item)
        self.bars = self.intervals = None
        self.plot_item.getAxis("left").setTicks(None)
        self.table.setRowCount(0)

    def _fill_table(self, rows: Sequence[dict[str, Any]]) -> None:
        self.table.setRowCount(len(rows))
        for row_index, row in enumerate(rows):
            for column, (_, key) in enumerate(COLUMNS):
                item = QTableWidgetItem(_text(key, row.get(key)))
                if key == "lever":
                    item.setToolTip(f"{row.get('label', '')}\nreference: {row.get('reference_output', '')}")
                self.table.setItem(row_index, column, item)
        self.table.resizeColumnsToContents()


def _short(label: str) -> str:
    """Return a lever set's name without its "SET what-if: " prefix, cut to LABEL_CHARS."""
    label = label.split(" what-if: ", 1)[-1]
    return label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1] + "…"


def _text(key: str, value: Any) -> str:
    if value is None:
        return "–"
    if key == "share_of_reference":
        return f"{value:.1%}"
    if isinstance(value, float):
        return format_significant(value)
    return str(value)
