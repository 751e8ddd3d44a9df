"""The workbench's charts (pyqtgraph), each a widget over one :class:`~workbench.services.chart_state.ChartOptions`."""

from workbench.ui.charts.bars import EmbodiedOperationalChart, PerRunChart, ScopeChart
from workbench.ui.charts.base import ChartWidget
from workbench.ui.charts.energy import EnergyOverTimeChart
from workbench.ui.charts.quality import CoverageChart, RejectedRowsChart

__all__ = ["ChartWidget", "CoverageChart", "EmbodiedOperationalChart", "EnergyOverTimeChart", "PerRunChart",
           "RejectedRowsChart", "ScopeChart"]
