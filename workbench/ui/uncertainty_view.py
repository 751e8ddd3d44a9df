"""The uncertainty view: live analytic interval, Monte Carlo on demand, histogram, convergence and tornado.

The analytic (Approach 1) interval of the footprint total follows every change of the session's
assumptions while the view is visible, previews while dragging included (a hidden view catches
up when it is shown): changes closer together than
:data:`LIVE_MERGE_MS` merge into one request, one pool thread computes it, and a response that a
newer request made stale is dropped. Monte Carlo runs only when asked, on its own pool thread,
with progress and cancel; the UI thread only draws the result.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import (QCheckBox, QFormLayout, QHBoxLayout, QLabel, QProgressBar, QPushButton,
                               QSplitter, QVBoxLayout, QWidget)

from workbench.errors import OperationCancelled
from workbench.services import distributions as distribution_service
from workbench.services.session import Session
from workbench.services.uncertainty_runs import (ContextCache, LiveRequest, LiveResponse, MonteCarloRequest,
                                                 MonteCarloRun, live_response, run_monte_carlo)
from workbench.services.view_state import UncertaintyState
from workbench.ui.background import lower_thread_priority
from workbench.ui.analysis_controls import seed_spin_box, trials_spin_box
from workbench.ui.analysis_charts import ConvergenceChart, HistogramChart, TornadoChart
from workbench.ui.errors import show_error
from workbench.ui.formatting import format_significant
from workbench.ui.workers import PROGRESS_STEPS, JobHandle, start_job

log = logging.getLogger(__name__)

LIVE_MERGE_MS = 30
LIVE_OPERATION = "Computing the live uncertainty interval"
MC_OPERATION = "Running the Monte Carlo analysis"


class UncertaintyView(QWidget):
    """Uncertainty of the footprint total of the session's assumption set.

    ``state`` contains the Monte Carlo options (trials or adaptive, seed, bins); the controls and the
    state follow each other. ``contexts`` may be shared with the comparison view.
    """

    live_applied = Signal(object)  # the LiveResponse now shown
    run_finished = Signal(object)  # the MonteCarloRun now shown, or the exception that ended the run

    def __init__(self, session: Session, *, state: UncertaintyState | None = None,
                 contexts: ContextCache | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.state = state or UncertaintyState()
        self.contexts = contexts or ContextCache()
        self.live: LiveResponse | None = None
        self.run: MonteCarloRun | None = None
        self.job: JobHandle | None = None
        self._live_serial = 0
        self._live_jobs: set[JobHandle] = set()
        self._live_pool = QThreadPool(self)
        self._live_pool.setMaxThreadCount(1)
        self._run_pool = QThreadPool(self)
        self._run_pool.setMaxThreadCount(1)
        self._live_timer = QTimer(self)
        self._live_timer.setSingleShot(True)
        self._live_timer.setInterval(LIVE_MERGE_MS)
        self._live_timer.timeout.connect(self._submit_live)
        self._build()
        self._bind_state()
        self._live_outdated = False
        self._live_waiting = False
        self._unsubscribe = [session.subscribe("assumptions", lambda _value: self._assumptions_changed()),
                             session.subscribe("project", self._show_project)]
        self._show_project(session.project)

    # -- construction ------------------------------------------------------------------------

    def _build(self) -> None:
        self.live_label = QLabel("Open a project to see the uncertainty of its footprint.")
        self.live_label.setWordWrap(True)
        self.live_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.adaptive_box = QCheckBox("Adaptive stopping")
        self.adaptive_box.setToolTip("Run batches of 10,000 trials until the mean, standard uncertainty and interval "
                                     "ends are stable to two significant digits (GUM Supplement 1, 7.9)")
        self.trials_box = trials_spin_box("Number of Monte Carlo trials when adaptive stopping is off")
        self.seed_box = seed_spin_box()
        self.run_button = QPushButton("Run Monte Carlo")
        self.run_button.setToolTip("Run the Monte Carlo analysis of the footprint total in the background")
        self.run_button.clicked.connect(self.start_monte_carlo)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the Monte Carlo run after its current batch")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_monte_carlo)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, PROGRESS_STEPS)
        self.status_label = QLabel("No Monte Carlo run yet.")
        self.status_label.setWordWrap(True)

        form = QFormLayout()
        form.addRow(self.adaptive_box)
        form.addRow("Trials", self.trials_box)
        form.addRow("Seed", self.seed_box)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        form.addRow(buttons)
        form.addRow(self.progress_bar)
        form.addRow(self.status_label)
        controls = QWidget()
        controls.setLayout(form)
        controls.setMaximumWidth(320)

        self.histogram = HistogramChart()
        self.convergence = ConvergenceChart()
        self.tornado = TornadoChart()
        charts = QSplitter(Qt.Orientation.Vertical)
        for chart in (self.histogram, self.convergence, self.tornado):
            charts.addWidget(chart)
        body = QHBoxLayout()
        body.addWidget(controls)
        body.addWidget(charts, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.live_label)
        layout.addLayout(body, 1)

    def _bind_state(self) -> None:
        state = self.state
        self.adaptive_box.setChecked(state.adaptive)
        self.trials_box.setValue(state.trials)
        self.seed_box.setValue(state.seed)
        self.trials_box.setEnabled(not state.adaptive)
        self.adaptive_box.toggled.connect(lambda checked: state.set("adaptive", checked))
        self.trials_box.valueChanged.connect(lambda value: state.set("trials", value))
        self.seed_box.valueChanged.connect(lambda value: state.set("seed", value))
        state.subscribe("adaptive", self._show_adaptive)
        state.subscribe("trials", self.trials_box.setValue)
        state.subscribe("seed", self.seed_box.setValue)

    def _show_adaptive(self, adaptive: bool) -> None:
        self.adaptive_box.setChecked(adaptive)
        self.trials_box.setEnabled(not adaptive)

    def _show_project(self, info: Any) -> None:
        is_open = info is not None
        self.run_button.setEnabled(is_open and self.job is None)
        if not is_open:
            self.cancel_monte_carlo()
            self.contexts.clear()
            self.live = None
            self.run = None
            self.live_label.setText("Open a project to see the uncertainty of its footprint.")
            self.status_label.setText("No Monte Carlo run yet.")
            for chart in (self.histogram, self.convergence):
                chart.clear_chart()
            self.tornado.show_rows([])
        else:
            self._assumptions_changed()

    # -- the live interval -------------------------------------------------------------------

    def _assumptions_changed(self) -> None:
        """Recompute the live interval now if the view is visible, else when it is next shown."""
        if self.isVisible():
            self.schedule_live()
        else:
            self._live_outdated = True

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._live_outdated:
            self._live_outdated = False
            self.schedule_live()

    def schedule_live(self) -> None:
        """Ask for the live interval of the session's current assumptions; bursts merge into one request."""
        self._live_timer.start()

    def live_busy(self) -> bool:
        return self._live_timer.isActive() or bool(self._live_jobs) or self._live_waiting

    def _submit_live(self) -> None:
        if self._live_jobs:
            # Only one request runs at a time. The newest assumptions go next, so a burst of
            # previews does not queue work that the user has already moved past.
            self._live_waiting = True
            return
        session = self.session
        project, model, assumptions = session.project_file, session.model, session.assumptions
        if project is None or model is None or assumptions is None:
            return
        distributions = distribution_service.snapshot(project, session.set_name)
        self._live_serial += 1
        serial = self._live_serial
        contexts = self.contexts

        def job(_progress):
            lower_thread_priority()
            context = contexts.get(project, model)
            return live_response(LiveRequest(serial, context, assumptions, distributions))

        handle = start_job(job, operation=LIVE_OPERATION, pool=self._live_pool, parent=self)
        self._live_jobs.add(handle)
        handle.succeeded.connect(self._apply_live)
        handle.failed.connect(lambda error: show_error(self, LIVE_OPERATION, error))
        handle.finished.connect(lambda: self._forget_live(handle))

    def _forget_live(self, handle: JobHandle) -> None:
        self._live_jobs.discard(handle)
        handle.deleteLater()
        if self._live_waiting:
            self._live_waiting = False
            self._submit_live()

    def _apply_live(self, response: LiveResponse) -> None:
        if response.request.serial != self._live_serial or self.session.project is None:
            log.debug("dropped stale live interval %d (latest %d)", response.request.serial, self._live_serial)
            return
        self.live = response
        interval = response.interval
        method = "Approach 1 (analytic)" if response.method == "approach1" else response.method.replace("_", " ")
        self.live_label.setText(
            f"Live 95 % interval of the footprint total ({method}): {format_significant(interval.low)} to "
            f"{format_significant(interval.high)} kgCO2e around {format_significant(interval.point)} kgCO2e "
            f"(U = ±{interval.u95_percent:.1f} %)")
        self.histogram.show_analytic(interval.low, interval.high)
        self.tornado.show_rows(response.tornado)
        self.live_applied.emit(response)

    # -- Monte Carlo -------------------------------------------------------------------------

    def start_monte_carlo(self) -> JobHandle | None:
        """Start a Monte Carlo run of the current assumptions with the state's options; return its handle."""
        session = self.session
        project, model, assumptions = session.project_file, session.model, session.assumptions
        if project is None or model is None or assumptions is None or self.job is not None:
            return None
        try:
            distributions = distribution_service.snapshot(project, session.set_name)
        except Exception as error:  # the edge of the GUI: every failure becomes a dialog
            show_error(self, MC_OPERATION, error)
            return None
        state, contexts, set_name = self.state, self.contexts, session.set_name
        trials = None if state.adaptive else state.trials
        seed, bins = state.seed, state.bins

        def job(progress):
            lower_thread_priority()
            context = contexts.get(project, model)
            request = MonteCarloRequest(context, assumptions, distributions, set_name, trials, seed, bins)
            return run_monte_carlo(request, progress)

        self.job = start_job(job, operation=MC_OPERATION, pool=self._run_pool, parent=self)
        self.job.progressed.connect(self._show_progress)
        self.job.succeeded.connect(self._show_run)
        self.job.failed.connect(self._run_failed)
        self.job.finished.connect(self._run_ended)
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress_bar.setValue(0)
        plan = "adaptive stopping" if trials is None else f"{trials:,} trials"
        self.status_label.setText(f"Running: {plan}, seed {seed}...")
        return self.job

    def cancel_monte_carlo(self) -> None:
        if self.job is not None:
            self.job.cancel()

    def _show_progress(self, fraction: float, message: str) -> None:
        self.progress_bar.setValue(round(fraction * PROGRESS_STEPS))
        if message:
            self.status_label.setText(f"{message}, seed {self.state.seed}")

    def _show_run(self, run: MonteCarloRun) -> None:
        if self.session.project is None:
            return
        self.run = run
        summary = run.summary
        self.histogram.show_histogram(run.histogram, summary.low, summary.high)
        self.convergence.show_trace(run.trace)
        self.tornado.show_rows(run.tornado)
        self.progress_bar.setValue(PROGRESS_STEPS)
        self.status_label.setText(
            f"{run.result.trials:,} trials, seed {run.result.seed}, {run.convergence}. Mean "
            f"{format_significant(summary.mean)} kgCO2e, 95 % interval {format_significant(summary.low)} to "
            f"{format_significant(summary.high)} kgCO2e (shortest {format_significant(summary.shortest_low)} to "
            f"{format_significant(summary.shortest_high)}).")
        self.run_finished.emit(run)

    def _run_failed(self, error: BaseException) -> None:
        if isinstance(error, OperationCancelled):
            self.status_label.setText("Monte Carlo run cancelled; the charts show the previous run.")
            self.progress_bar.setValue(0)
        else:
            self.status_label.setText("Monte Carlo run failed.")
            show_error(self, MC_OPERATION, error)
        self.run_finished.emit(error)

    def _run_ended(self) -> None:
        handle, self.job = self.job, None
        if handle is not None:
            handle.deleteLater()
        self.cancel_button.setEnabled(False)
        self.run_button.setEnabled(self.session.project is not None)

    # -- lifetime ----------------------------------------------------------------------------

    def shutdown(self, timeout_ms: int = 30_000) -> None:
        """Cancel a running job and wait for the pool threads (before the window closes)."""
        self._live_timer.stop()
        self._live_waiting = False
        self.cancel_monte_carlo()
        self._live_pool.clear()
        self._live_pool.waitForDone(timeout_ms)
        self._run_pool.waitForDone(timeout_ms)
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
