"""The comparison view: two or more assumption sets side by side, deltas against a baseline, and a waterfall.

The user ticks the sets and picks the baseline; the comparison runs on common random numbers
off the UI thread (:func:`workbench.services.comparison_charts.run_comparison`) with progress
and cancel. The view then shows per set the point value of each output with the Monte Carlo
interval of the chosen output, each set's delta from the baseline with its 95 % interval and
P(set < baseline), and the Shapley decomposition of one delta as a waterfall chart.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt, QThreadPool, Signal
from PySide6.QtWidgets import (QComboBox, QFormLayout, QHBoxLayout, QLabel, QListWidget, QListWidgetItem,
                               QProgressBar, QPushButton, QSplitter, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from workbench.errors import OperationCancelled
from workbench.services import comparison_charts
from workbench.services.comparison import ComparisonOutcome
from workbench.services.session import Session
from workbench.services.uncertainty_runs import ContextCache
from workbench.services.view_state import ComparisonState
from workbench.ui.background import lower_thread_priority
from workbench.ui.analysis_controls import seed_spin_box, trials_spin_box
from workbench.ui.analysis_charts import WaterfallChart
from workbench.ui.errors import show_error
from workbench.ui.formatting import format_significant
from workbench.ui.workers import PROGRESS_STEPS, JobHandle, start_job

log = logging.getLogger(__name__)

OPERATION = "Comparing the assumption sets"
DELTA_COLUMNS = (("Set", "set"), ("Delta", "delta"), ("95 % low", "low"), ("95 % high", "high"),
                 ("Independent low", "independent_low"), ("Independent high", "independent_high"),
                 ("P(set < baseline)", "probability_below"))


class ComparisonView(QWidget):
    """Side-by-side comparison of the session's assumption sets; ``state`` and the controls follow each other."""

    run_finished = Signal(object)  # the ComparisonOutcome now shown, or the exception that ended the run

    def __init__(self, session: Session, *, state: ComparisonState | None = None,
                 contexts: ContextCache | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.state = state or ComparisonState()
        self.contexts = contexts or ContextCache()
        self.outcome: ComparisonOutcome | None = None
        self.job: JobHandle | None = None
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._updating = False
        self._build()
        self._bind_state()
        self._unsubscribe = [session.subscribe("sets", self._show_sets),
                             session.subscribe("project", self._show_project)]
        self._show_sets(session.sets)
        self._show_project(session.project)

    # -- construction ------------------------------------------------------------------------

    def _build(self) -> None:
        self.set_list = QListWidget()
        self.set_list.setToolTip("Tick two or more assumption sets to compare")
        self.baseline_box = QComboBox()
        self.baseline_box.setToolTip("The set every delta is taken against")
        self.output_box = QComboBox()
        self.output_box.setToolTip("The output whose intervals, deltas and decomposition are shown")
        for output, label in comparison_charts.OUTPUT_LABELS.items():
            self.output_box.addItem(label, output)
        self.decompose_box = QComboBox()
        self.decompose_box.setToolTip("The set whose difference from the baseline the waterfall splits up")
        self.trials_box = trials_spin_box("Number of Monte Carlo trials on common random numbers")
        self.seed_box = seed_spin_box()
        self.run_button = QPushButton("Compare")
        self.run_button.setToolTip("Compare the ticked sets against the baseline in the background")
        self.run_button.clicked.connect(self.start_comparison)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the comparison after its current batch of trials")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_comparison)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, PROGRESS_STEPS)
        self.status_label = QLabel("Tick two or more sets and press Compare.")
        self.status_label.setWordWrap(True)

        form = QFormLayout()
        form.addRow(QLabel("Assumption sets"))
        form.addRow(self.set_list)
        form.addRow("Baseline", self.baseline_box)
        form.addRow("Output", self.output_box)
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
        controls.setMaximumWidth(340)

        self.totals_table = _table()
        self.delta_table = _table()
        self.waterfall = WaterfallChart()
        decompose = QHBoxLayout()
        decompose.addWidget(QLabel("Decompose"))
        decompose.addWidget(self.decompose_box, 1)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addLayout(decompose)
        lower_layout.addWidget(self.waterfall, 1)
        results = QSplitter(Qt.Orientation.Vertical)
        for widget in (self.totals_table, self.delta_table, lower):
            results.addWidget(widget)
        layout = QHBoxLayout(self)
        layout.addWidget(controls)
        layout.addWidget(results, 1)
        self.output_box.currentIndexChanged.connect(lambda _index: self._show_outcome())
        self.decompose_box.currentIndexChanged.connect(lambda _index: self._show_waterfall())

    def _bind_state(self) -> None:
        state = self.state
        self.trials_box.setValue(state.trials)
        self.seed_box.setValue(state.seed)
        self._show_output(state.output)
        self.set_list.itemChanged.connect(lambda _item: self._sets_from_widgets())
        self.baseline_box.currentTextChanged.connect(self._baseline_from_widget)
        self.output_box.currentIndexChanged.connect(lambda _index: state.set("output", self.output_box.currentData()))
        self.trials_box.valueChanged.connect(lambda value: state.set("trials", value))
        self.seed_box.valueChanged.connect(lambda value: state.set("seed", value))
        state.subscribe("sets", lambda _sets: self._show_chosen())
        state.subscribe("baseline", lambda _name: self._show_chosen())
        state.subscribe("output", self._show_output)
        state.subscribe("trials", self.trials_box.setValue)
        state.subscribe("seed", self.seed_box.setValue)

    # -- state -> widgets --------------------------------------------------------------------

    def _show_sets(self, sets: list[dict[str, Any]]) -> None:
        """Fill the list from the session's sets; keep the chosen ones that still exist."""
        names = [item["name"] for item in sets or []]
        self._updating = True
        self.set_list.clear()
        for name in names:
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.set_list.addItem(item)
        self._updating = False
        self.state.set("sets", tuple(name for name in self.state.sets if name in names))
        self._show_chosen()

    def _show_chosen(self) -> None:
        self._updating = True
        chosen = set(self.state.sets)
        for row in range(self.set_list.count()):
            item = self.set_list.item(row)
            item.setCheckState(Qt.CheckState.Checked if item.text() in chosen else Qt.CheckState.Unchecked)
        self.baseline_box.clear()
        self.baseline_box.addItems(list(self.state.sets))
        self._updating = False
        if self.state.baseline not in self.state.sets:
            self.state.set("baseline", self.state.sets[0] if self.state.sets else "")
        self.baseline_box.setCurrentText(self.state.baseline)
        self.run_button.setEnabled(self._can_run())

    def _show_output(self, output: str) -> None:
        index = self.output_box.findData(output)
        if index >= 0:
            self.output_box.setCurrentIndex(index)

    def _show_project(self, info: Any) -> None:
        if info is None:
            self.cancel_comparison()
            self.contexts.clear()
            self.outcome = None
            self._show_outcome()
            self.status_label.setText("Tick two or more sets and press Compare.")
        self.run_button.setEnabled(self._can_run())

    # -- widgets -> state --------------------------------------------------------------------

    def _sets_from_widgets(self) -> None:
        if self._updating:
            return
        ticked = [self.set_list.item(row).text() for row in range(self.set_list.count())
                  if self.set_list.item(row).checkState() == Qt.CheckState.Checked]
        self.state.set("sets", tuple(ticked))

    def _baseline_from_widget(self, name: str) -> None:
        if not self._updating and name:
            self.state.set("baseline", name)

    # -- the comparison job ------------------------------------------------------------------

    def _can_run(self) -> bool:
        return self.session.project is not None and len(self.state.sets) >= 2 and self.job is None

    def start_comparison(self) -> JobHandle | None:
        """Compare the chosen sets (baseline first) with the state's trials and seed; return the job."""
        session = self.session
        project, model = session.project_file, session.model
        if project is None or model is None or not self._can_run():
            return None
        names, trials, seed, contexts = tuple(self.state.run_order()), self.state.trials, self.state.seed, self.contexts

        def job(progress):
            lower_thread_priority()
            context = contexts.get(project, model)
            request = comparison_charts.ComparisonRequest(project, context, names, trials, seed)
            return comparison_charts.run_comparison(request, progress)

        self.job = start_job(job, operation=OPERATION, pool=self._pool, parent=self)
        self.job.progressed.connect(self._show_progress)
        self.job.succeeded.connect(self._show_result)
        self.job.failed.connect(self._failed)
        self.job.finished.connect(self._ended)
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress_bar.setValue(0)
        self.status_label.setText(f"Comparing {', '.join(names)}: {trials:,} trials, seed {seed}...")
        return self.job

    def cancel_comparison(self) -> None:
        if self.job is not None:
            self.job.cancel()

    def _show_progress(self, fraction: float, message: str) -> None:
        self.progress_bar.setValue(round(fraction * PROGRESS_STEPS))
        if message:
            self.status_label.setText(message)

    def _show_result(self, outcome: ComparisonOutcome) -> None:
        if self.session.project is None:
            return
        self.outcome = outcome
        self.progress_bar.setValue(PROGRESS_STEPS)
        self.status_label.setText(
            f"Compared {len(outcome.sets)} sets against {outcome.sets[0]['name']}: "
            f"{outcome.monte_carlo.trials:,} trials on common random numbers, seed {outcome.monte_carlo.seed}.")
        self._show_outcome()
        self.run_finished.emit(outcome)

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, OperationCancelled):
            self.status_label.setText("Comparison cancelled; the tables show the previous comparison.")
            self.progress_bar.setValue(0)
        else:
            self.status_label.setText("Comparison failed.")
            show_error(self, OPERATION, error)
        self.run_finished.emit(error)

    def _ended(self) -> None:
        handle, self.job = self.job, None
        if handle is not None:
            handle.deleteLater()
        self.cancel_button.setEnabled(False)
        self.run_button.setEnabled(self._can_run())

    # -- showing a comparison ----------------------------------------------------------------

    def _show_outcome(self) -> None:
        outcome = self.outcome
        if outcome is None:
            self.totals_table.setRowCount(0)
            self.delta_table.setRowCount(0)
            self.decompose_box.clear()
            self.waterfall.show_waterfall(None)
            return
        output = self.output_box.currentData()
        label = comparison_charts.output_label(output)
        totals = comparison_charts.totals_rows(outcome, output)
        headers = ["Set"] + [comparison_charts.output_label(name) for name in outcome.outputs]
        headers += [f"Mean, {label}", "95 % low", "95 % high"]
        keys = ["set", *outcome.outputs, "mean", "low", "high"]
        _fill(self.totals_table, headers, keys, totals)
        deltas = comparison_charts.delta_rows(outcome, output)
        _fill(self.delta_table, [f"{header} ({label})" if key in ("delta",) else header
                                 for header, key in DELTA_COLUMNS], [key for _, key in DELTA_COLUMNS], deltas)
        current = self.decompose_box.currentText()
        self.decompose_box.blockSignals(True)
        self.decompose_box.clear()
        self.decompose_box.addItems([name for _, name, _ in outcome.decompositions])
        if current:
            self.decompose_box.setCurrentText(current)
        self.decompose_box.blockSignals(False)
        self._show_waterfall()

    def _show_waterfall(self) -> None:
        outcome, other = self.outcome, self.decompose_box.currentText()
        if outcome is None or not other:
            self.waterfall.show_waterfall(None)
            return
        self.waterfall.show_waterfall(comparison_charts.waterfall(outcome, other, self.output_box.currentData()))

    # -- lifetime ----------------------------------------------------------------------------

    def shutdown(self, timeout_ms: int = 30_000) -> None:
        """Cancel a running comparison and wait for its thread (before the window closes)."""
        self.cancel_comparison()
        self._pool.clear()
        self._pool.waitForDone(timeout_ms)
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []


def _table() -> QTableWidget:
    table = QTableWidget(0, 0)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.setAlternatingRowColors(True)
    return table


def _fill(table: QTableWidget, headers: list[str], keys: list[str], rows: list[dict[str, Any]]) -> None:
    table.setColumnCount(len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setRowCount(len(rows))
    for row_index, row in enumerate(rows):
        for column, key in enumerate(keys):
            value = row.get(key)
            if key == "probability_below" and value is not None:
                text = f"{value:.3f}"
            else:
                text = format_significant(value) if isinstance(value, float) else str(value)
            item = QTableWidgetItem(text)
            if isinstance(value, float):
                item.setData(Qt.ItemDataRole.UserRole, value)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(row_index, column, item)
    table.resizeColumnsToContents()
