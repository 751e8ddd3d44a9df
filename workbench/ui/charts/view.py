"""All charts in one tabbed view over a Session: they follow every result, previews while dragging included."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from workbench.services import chart_data
from workbench.services.chart_state import ChartOptions
from workbench.services.session import RecomputeResponse, Session
from workbench.ui.charts.bars import EmbodiedOperationalChart, PerRunChart, ScopeChart
from workbench.ui.charts.base import ChartWidget
from workbench.ui.charts.energy import EnergyOverTimeChart
from workbench.ui.charts.quality import CoverageChart, RejectedRowsChart
from workbench.ui.errors import show_error

log = logging.getLogger(__name__)


class ChartsView(QWidget):
    """Tabs with the energy, scope, per-run, embodied/operational, coverage and rejected-rows charts.

    The shown chart redraws on every session result, previews included; a hidden tab takes the
    latest result when it shows. The inventory behind the scope chart is prepared on first need.
    The quality charts read the project again when another model is prepared, for example after
    a project opens or data is imported.
    """

    def __init__(self, session: Session, options: ChartOptions | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.options = options or ChartOptions()
        self.energy = EnergyOverTimeChart(self.options)
        self.scopes = ScopeChart(self.options)
        self.per_run = PerRunChart(self.options)
        self.embodied = EmbodiedOperationalChart(self.options)
        self.coverage = CoverageChart(self.options)
        self.rejected = RejectedRowsChart(self.options)

        self.tabs = QTabWidget()
        for chart, text, tip in (
                (self.energy, "Energy over time", "Facility energy per hour, stacked by run or site"),
                (self.scopes, "Scopes", "Inventory emissions by scope and category"),
                (self.per_run, "Per run", "Operational and embodied emissions of each run"),
                (self.embodied, "Embodied vs operational", "The footprint's embodied and operational shares"),
                (self.coverage, "Coverage", "Share of energy hours measured, gap-filled, estimated or defaulted"),
                (self.rejected, "Rejected rows", "Rows each import rejected")):
            index = self.tabs.addTab(chart, text)
            self.tabs.setTabToolTip(index, tip)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)

        self._inventory = None
        self._inventory_model_of = None
        self._quality_model_of = None
        self._scopes_stale = True
        self._response: RecomputeResponse | None = None
        self._fed: set[QWidget] = set()
        self.quality_job = None  # the JobHandle of the last quality count, for tests and scripts
        self.tabs.currentChanged.connect(lambda _index: self._feed_current())
        unsubscribe = session.subscribe("result", self.show_result)
        self.destroyed.connect(lambda *_args: unsubscribe())
        self.show_result(session.result)

    @property
    def charts(self) -> list[ChartWidget]:
        return [self.energy, self.scopes, self.per_run, self.embodied, self.coverage, self.rejected]

    def show_result(self, response: RecomputeResponse | None) -> None:
        """Redraw the footprint charts for ``response`` (None clears them)."""
        if response is None:
            self.energy.show_frames(None, None)
            self.per_run.show_runs(None)
            self.embodied.show_totals(None)
            self.scopes.show_totals(None)
            self.coverage.show_counts(None)
            self.rejected.show_sources(None)
            self._inventory = self._inventory_model_of = self._quality_model_of = None
            self._response = None
            return
        self._response = response
        self._fed = set()
        self._scopes_stale = True
        self._refresh_quality()
        self._feed_current()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._feed_current()

    def _feed_current(self) -> None:
        """Give the shown tab the latest result; hidden tabs get it when they show (a drag stays cheap).

        While the whole view is hidden (its dock behind another one), no tab shows, so the
        current tab also waits until the view shows.
        """
        chart, response = self.tabs.currentWidget(), self._response
        if response is None or chart in self._fed or not self.isVisible():
            return
        if chart is self.energy:
            self.energy.show_frames(response.hourly, response.runs, response.shaped,
                                    chart_data.row_index(response.request.model))
        elif chart is self.per_run:
            self.per_run.show_runs(response.runs)
        elif chart is self.embodied:
            self.embodied.show_totals(response.result.totals)
        elif chart is self.scopes and self._scopes_stale:
            self.refresh_scopes()
        self._fed.add(chart)

    def _refresh_quality(self) -> None:
        """Count the energy hours by data quality on the pool (seconds on a large project), then show them."""
        from workbench.ui.workers import start_job

        model = self.session.model
        project = self.session.project_file
        if model is None or project is None or model is self._quality_model_of:
            return
        self._quality_model_of = model

        def job(_progress):
            with project.connect() as worker_project:
                return chart_data.load_quality(worker_project)

        handle = start_job(job, operation="Counting the energy hours by data quality", parent=self)
        self.quality_job = handle
        handle.succeeded.connect(lambda loaded: self._show_quality(model, loaded))
        handle.failed.connect(lambda error: show_error(self, "Counting the energy hours by data quality", error))

    def _show_quality(self, model, loaded) -> None:
        if model is not self.session.model:
            return  # another project or import since; its own count is on the way
        counts, sources = loaded
        self.coverage.show_counts(counts)
        self.rejected.show_sources(sources)

    def refresh_scopes(self) -> None:
        """Compute the inventory under the session's current assumptions and show it by scope."""
        assumptions = self.session.assumptions
        if assumptions is None or self.session.model is None:
            self.scopes.show_totals(None)
            return
        try:
            inventory = self._inventory_model()
            result = inventory.compute(assumptions, inventory.default_period())
        except Exception as error:  # shown to the user, named by the operation
            log.exception("computing the inventory for the scope chart failed")
            show_error(self, "Computing the inventory by scope", error)
            return
        self.scopes.show_totals(result.totals)
        self._scopes_stale = False

    def _inventory_model(self):
        from workbench.services.inventory import InventoryModel

        if self._inventory is None or self._inventory_model_of is not self.session.model:
            self._inventory = InventoryModel(self.session.project_file, self.session.model)
            self._inventory_model_of = self.session.model
        return self._inventory
