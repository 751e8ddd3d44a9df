"""The main window: runs table, totals, energy chart and assumption controls over a Session."""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QMimeData, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QFileDialog, QHeaderView, QLabel, QMainWindow,
                               QMenu, QSplitter, QTableView, QVBoxLayout, QWidget)

from workbench.errors import InputRejectedError, OperationCancelled
from workbench.services.assumptions import SPECS
from workbench.services.session import RecomputeResponse, Session
from workbench.ui.actions import build_actions
from workbench.ui.analysis_hook import install_analysis_views
from workbench.ui.chart import EnergyChart
from workbench.ui.errors import show_error
from workbench.ui.export_dialog import ExportRequest
from workbench.ui.frame_model import Column, DataFrameModel
from workbench.ui.gc_guard import pin_gc_to_gui_thread
from workbench.ui.import_dialog import ImportDialog, ImportOutcome, ImportRequest, ImportResultDialog
from workbench.ui.jobs import export_job, import_job
from workbench.ui.panels import AssumptionPanel, TotalsPanel
from workbench.ui.rationale import RationaleProvider, ask_rationale_dialog
from workbench.ui.recent import RecentFiles
from workbench.ui.recompute import Recomputer
from workbench.ui.workers import JobHandle, start_job_with_dialog

log = logging.getLogger(__name__)

PROJECT_FILTER = "Carbon Workbench projects (*.cwb)"
RUN_TABLE_COLUMNS = (
    Column("run", "Run"), Column("kind", "Kind"), Column("site", "Site"), Column("zone", "Zone"),
    Column("gpu_count", "GPUs", kind="integer"),
    Column("gpu_energy_kwh", "GPU energy", "kWh", "number"),
    Column("facility_energy_kwh", "Facility energy", "kWh", "number"),
    Column("operational_co2e_kg", "Operational", "kgCO2e", "number"),
    Column("embodied_co2e_kg", "Embodied", "kgCO2e", "number"),
    Column("total_co2e_kg", "Total", "kgCO2e", "number"),
)
EMPTY_HINT = "Open a project with File > Open Project, or drop a .cwb file on this window."


class MainWindow(QMainWindow):
    """Carbon Workbench's main window.

    ``ask_rationale(label, old, new)`` returns the reason for an assumption change or None to
    cancel it. The default opens a dialog, and tests pass a function. ``settings`` stores the
    recent-projects list (the application's QSettings by default).
    """

    def __init__(self, *, session: Session | None = None, settings: QSettings | None = None,
                 ask_rationale: RationaleProvider | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        pin_gc_to_gui_thread()  # the window starts worker threads, so collection must stay here
        self.session = session or Session()
        self.settings = settings or QSettings()
        self.recent = RecentFiles(self.settings)
        self.ask_rationale = ask_rationale or ask_rationale_dialog(self)
        self.recomputer = Recomputer(self.session, self)
        self.jobs: list[JobHandle] = []
        self.last_import_result: ImportResultDialog | None = None
        self._committing = False

        self.setObjectName("main_window")
        self.setWindowTitle("Carbon Workbench")
        self.setAcceptDrops(True)
        self.action_map = build_actions(self, {
            "open": self.choose_project, "import": self.choose_import, "export_xlsx": lambda: self.choose_export("xlsx"),
            "export_pdf": lambda: self.choose_export("pdf"), "clear_recent": self.clear_recent, "quit": self.close,
            "reports": self.show_reports})
        self._build_widgets()
        self._build_menus()
        self._add_assumption_and_chart_views()
        self._add_import_and_reports()
        self._build_status_bar()
        self._subscribe()
        self._show_project(None)
        # The uncertainty and comparison docks and their Analysis menu; analysis_hook.py places them.
        self.analysis = install_analysis_views(self)
        self.resize(1280, 820)

    # -- construction ------------------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.assumption_panel = AssumptionPanel()
        self.totals_panel = TotalsPanel()
        self.chart = EnergyChart()
        self.runs_model = DataFrameModel(RUN_TABLE_COLUMNS, self)
        self.runs_view = QTableView()
        self.runs_view.setModel(self.runs_model)
        self.runs_view.setSortingEnabled(True)
        self.runs_view.sortByColumn(0, Qt.SortOrder.AscendingOrder)  # QHeaderView starts descending
        self.runs_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.runs_view.setAlternatingRowColors(True)
        self.runs_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.runs_view.verticalHeader().setVisible(False)
        self.hint_label = QLabel(EMPTY_HINT)
        self.hint_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint_label.setStyleSheet("color: #666; font-size: 12pt; padding: 6px;")

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.chart)
        splitter.addWidget(self.runs_view)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        self.runs_view.setMinimumHeight(150)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.hint_label)
        layout.addWidget(self.assumption_panel)
        layout.addWidget(self.totals_panel)
        layout.addWidget(splitter, 1)
        self.setCentralWidget(central)

        self.assumption_panel.set_selected.connect(self.select_set)
        self.assumption_panel.pue_previewed.connect(lambda value: self.recomputer.preview(pue=value))
        self.assumption_panel.pue_committed.connect(lambda value: self.commit_assumption("pue", value))
        self.assumption_panel.zone_committed.connect(lambda value: self.commit_assumption("factor_zone", value))
        self.recomputer.failed.connect(lambda error: show_error(self, "Recomputing the footprint", error))
        self.recomputer.add_shaper(self.chart.shaper)  # chart data shaped off the UI thread while dragging

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        file_menu.setToolTipsVisible(True)
        file_menu.menuAction().setToolTip("Open projects, import data and export reports")
        file_menu.addAction(self.action_map["open"])
        self.recent_menu = QMenu("Open &Recent", self)
        self.recent_menu.setToolTipsVisible(True)
        self.recent_menu.menuAction().setToolTip("Open one of the last projects opened in this program")
        self.recent_menu.menuAction().setStatusTip(self.recent_menu.menuAction().toolTip())
        file_menu.addMenu(self.recent_menu)
        file_menu.addSeparator()
        file_menu.addAction(self.action_map["import"])
        file_menu.addAction(self.action_map["export_xlsx"])
        file_menu.addAction(self.action_map["export_pdf"])
        file_menu.addSeparator()
        file_menu.addAction(self.action_map["quit"])
        self._fill_recent_menu()

    def _build_status_bar(self) -> None:
        self.project_label = QLabel()
        self.format_label = QLabel()
        self.audit_label = QLabel()
        for label in (self.project_label, self.format_label, self.audit_label):
            label.setStyleSheet("padding: 0 8px;")
            self.statusBar().addPermanentWidget(label)

    def _subscribe(self) -> None:
        session = self.session
        session.subscribe("project", self._show_project)
        session.subscribe("sets", lambda sets: self.assumption_panel.show_sets(sets, session.set_name))
        session.subscribe("set_name", lambda name: self.assumption_panel.show_sets(session.sets, name))
        session.subscribe("factor_zones", self.assumption_panel.show_zones)
        session.subscribe("assumptions", self._show_assumptions)
        session.subscribe("committed", lambda _committed: self.assumption_panel.cancel_pending_commit())
        session.subscribe("result", self._show_result)
        session.subscribe("audit", self._show_audit)

    # -- showing session state ---------------------------------------------------------------

    def _show_project(self, info) -> None:
        is_open = info is not None
        self.hint_label.setVisible(not is_open)
        self.assumption_panel.setEnabled(is_open)
        for key in ("import", "export_xlsx", "export_pdf", "reports"):
            self.action_map[key].setEnabled(is_open)
        if not is_open:
            self.setWindowTitle("Carbon Workbench")
            self.project_label.setText("No project open")
            self.format_label.clear()
            self.audit_label.clear()
            return
        self.setWindowTitle(f"{info.name} — Carbon Workbench")
        self.project_label.setText(f"Project: {info.name}")
        self.project_label.setToolTip(str(info.path))
        self.format_label.setText(f"Format version {info.format_version}")

    def _show_assumptions(self, assumptions) -> None:
        if assumptions is not None:
            self.assumption_panel.show_assumptions(assumptions)

    def _show_result(self, response: RecomputeResponse | None) -> None:
        if response is None:
            self.runs_model.set_frame(None)
            self.totals_panel.show_totals(None)
            self.chart.clear()
            return
        self.runs_model.set_frame(response.runs)
        self.totals_panel.show_totals(response.result.totals, response.result.warnings)
        self.chart.show_result(response)  # its curves were shaped in the recompute worker

    def _show_audit(self, status) -> None:
        if status is None:
            self.audit_label.clear()
            return
        self.audit_label.setText(status.describe())
        broken = "" if status.ok else "color: #b00020; font-weight: 600;"
        self.audit_label.setStyleSheet(f"padding: 0 8px; {broken}")

    # -- opening projects --------------------------------------------------------------------

    def open_project(self, path: str | Path) -> bool:
        """Open the project at ``path``; on failure show the error and keep the current project."""
        from workbench.ui.opening import read_in_background

        self.recomputer.cancel()
        # Read and computed on the pool behind a progress dialog with Cancel; adopted here.
        handle = read_in_background(self, path, self.recomputer.frozen_shapers())
        if isinstance(handle.error, OperationCancelled):
            self.statusBar().showMessage(f"Opening {path} cancelled.", 8000)
            return False
        if handle.error is not None:
            show_error(self, "Opening the project", handle.error)
            return False
        opened = self._attempt("Opening the project", lambda: self.session.adopt_opened(handle.result))
        if opened:
            self.recent.add(path)
            self._fill_recent_menu()
            self.statusBar().showMessage(f"Opened {path}", 5000)
        return opened

    def choose_project(self) -> None:
        start = str(Path(self.recent.paths()[0]).parent) if self.recent.paths() else ""
        path, _filter = QFileDialog.getOpenFileName(self, "Open Project", start, PROJECT_FILTER)
        if path:
            self.open_project(path)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        paths = self.recent.paths()
        for number, path in enumerate(paths, start=1):
            action = QAction(f"&{number} {Path(path).name}", self.recent_menu)
            action.setToolTip(path)
            action.setStatusTip(path)
            action.setData(path)
            action.triggered.connect(lambda _checked=False, p=path: self.open_recent(p))
            self.recent_menu.addAction(action)
        if paths:
            self.recent_menu.addSeparator()
        self.recent_menu.addAction(self.action_map["clear_recent"])
        self.action_map["clear_recent"].setEnabled(bool(paths))
        self.recent_menu.setEnabled(True)

    def open_recent(self, path: str) -> None:
        if not Path(path).exists():
            self.recent.remove(path)
            self._fill_recent_menu()
        self.open_project(path)

    def clear_recent(self) -> None:
        self.recent.clear()
        self._fill_recent_menu()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _dropped_project(event.mimeData()) is not None or self._dropped_inputs(event.mimeData()):
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if _dropped_project(event.mimeData()) is not None or self._dropped_inputs(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        path = _dropped_project(event.mimeData())
        inputs = self._dropped_inputs(event.mimeData())
        if path is None and inputs:
            event.acceptProposedAction()
            QTimer.singleShot(0, lambda: self.choose_import(inputs))
            return
        if path is None:
            return
        event.acceptProposedAction()
        # Opened after the drop finishes, so an error dialog does not run inside the drag.
        QTimer.singleShot(0, lambda: self.open_project(path))

    # -- assumptions -------------------------------------------------------------------------

    def select_set(self, name: str) -> None:
        self.recomputer.cancel()
        self._attempt("Selecting the assumption set", lambda: self.session.select_set(name))

    def commit_assumption(self, key: str, value: Any) -> None:
        """Store ``value`` for assumption ``key`` after asking for the rationale.

        Does nothing when the value equals the stored one; cancelling the rationale discards
        the preview.
        """
        committed = self.session.committed
        if self._committing or committed is None:
            return
        old = getattr(committed, key)
        if _same_value(old, value):
            self._discard_preview()
            return

        self._committing = True
        try:
            rationale = self.ask_rationale(SPECS[key].label, old, value)
            self.recomputer.cancel()
            if not rationale:
                self._discard_preview()
                self.statusBar().showMessage(f"{SPECS[key].label} was not changed.", 5000)
                return
            label = SPECS[key].label
            if self._attempt(f"Changing {label}", lambda: self.session.commit({key: value}, rationale)):
                self.statusBar().showMessage(f"{label} set to {value}; the change is in the audit log.", 5000)
            else:
                self._discard_preview()
        finally:
            self._committing = False

    def _discard_preview(self) -> None:
        self.recomputer.cancel()
        if self.session.assumptions != self.session.committed:
            self._attempt("Discarding the preview", self.session.discard_preview)

    # -- import and export -------------------------------------------------------------------

    # -- import wizard and reports view: every hook of these two views is in this block ----------

    def _add_import_and_reports(self) -> None:
        from PySide6.QtWidgets import QDockWidget

        # Imported with the window, and the time zone list read on the pool, so that opening the
        # wizard later does not stop the UI thread for the imports (about 1 s on a 2-core VM).
        import workbench.ui.import_wizard  # noqa: F401
        from workbench.ui.import_dialog import _known_zones
        from workbench.ui.reports_view import ReportsView
        from workbench.ui.workers import start_job

        self._track(start_job(lambda _progress: _known_zones(), operation="Reading the time zone names", parent=self))

        self.reports_view = ReportsView(self.session, self)
        self.reports_dock = QDockWidget("Reports and Sign-off", self)
        self.reports_dock.setObjectName("reports_dock")
        self.reports_dock.setWidget(self.reports_view)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.reports_dock)
        self.resizeDocks([self.reports_dock], [460], Qt.Orientation.Horizontal)
        self.reports_dock.hide()
        self.menuBar().actions()[0].menu().insertAction(self.action_map["quit"], self.action_map["reports"])
        self.import_wizard = None

    def show_reports(self) -> None:
        self.reports_dock.show()
        self.reports_dock.raise_()

    def choose_import(self, paths=()) -> None:
        """Open the import wizard (with ``paths`` already listed); the project changes only on its last page."""
        from workbench.ui.import_wizard import ImportWizard

        if self.session.project_file is None:
            self.statusBar().showMessage("Open a project before importing files.", 8000)
            return
        wizard = ImportWizard(self.session, paths, parent=self)
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        wizard.imported.connect(lambda _reports: self.reload_after_import())
        wizard.destroyed.connect(lambda: setattr(self, "import_wizard", None))
        self.import_wizard = wizard
        wizard.open()

    def reload_after_import(self) -> JobHandle:
        """Prepare the model again on the worker pool after an import, then recompute there too.

        Preparing the model of a project with millions of energy rows takes seconds, so unlike
        Session.reload() it never runs on the UI thread.
        """
        from workbench.ui.workers import start_job

        self.recomputer.cancel()
        self.statusBar().showMessage("Reading the imported data...")
        handle = start_job(self.session.prepare_model_job(), operation="Reading the imported data", parent=self)
        handle.succeeded.connect(self._adopt_model)
        handle.failed.connect(lambda error: show_error(self, "Reading the imported data", error))
        return self._track(handle)

    def _adopt_model(self, model) -> None:
        from workbench.ui.workers import start_job

        requests = []
        if not self._attempt("Reading the imported data", lambda: requests.append(self.session.adopt_model(model))):
            return
        request = requests[0]
        handle = start_job(self.recomputer.compute_job(request), operation="Recomputing after the import",
                           parent=self)
        handle.succeeded.connect(self.session.apply)
        handle.succeeded.connect(lambda _response: self.statusBar().showMessage("Imported data recomputed.", 5000))
        handle.failed.connect(lambda error: show_error(self, "Recomputing after the import", error))
        self._track(handle)

    def _dropped_inputs(self, mime: QMimeData) -> list[str]:
        """Return the dropped local files that are not projects, when a project is open to import them into."""
        if self.session.project_file is None or not mime.hasUrls():
            return []
        return [url.toLocalFile() for url in mime.urls()
                if url.isLocalFile() and not url.toLocalFile().lower().endswith(".cwb")]

    def choose_import_dialog(self) -> None:
        """Open the one-page import dialog of earlier versions."""
        from workbench.services.imports import KINDS

        dialog = ImportDialog(KINDS, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.start_import(dialog.request())

    def start_import(self, request: ImportRequest) -> JobHandle:
        """Import ``request.paths`` in a worker behind a progress dialog, then list the rejected rows."""
        names = ", ".join(path.name for path in request.paths)
        handle = start_job_with_dialog(self, import_job(self.session, request), operation="Importing files",
                                       label=f"Importing {names}")
        handle.succeeded.connect(lambda reports: self._import_done(ImportOutcome(reports=list(reports))))
        handle.failed.connect(self._import_failed)
        return self._track(handle)

    def _import_done(self, outcome: ImportOutcome) -> None:
        self._attempt("Recomputing after the import", self.session.reload)
        self._show_import_result(outcome)

    def _import_failed(self, error: BaseException) -> None:
        if isinstance(error, OperationCancelled):
            self.statusBar().showMessage("Import cancelled; the project is unchanged.", 8000)
        elif isinstance(error, InputRejectedError) and error.problems:
            log.warning("import rejected: %s", error)
            self._show_import_result(ImportOutcome(failure=str(error), problems=list(error.problems)))
        else:
            show_error(self, "Importing files", error)

    def _show_import_result(self, outcome: ImportOutcome) -> None:
        dialog = ImportResultDialog(outcome, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.last_import_result = dialog
        dialog.destroyed.connect(lambda: setattr(self, "last_import_result", None))
        dialog.open()

    def choose_export(self, fmt: str) -> None:
        info = self.session.project
        if info is None:
            return
        self.show_reports()
        self.reports_view.choose_and_export(fmt)

    def start_export(self, request: ExportRequest) -> JobHandle:
        """Write the report in a worker behind a progress dialog."""
        operation = f"Exporting the {request.fmt.upper()} report"
        handle = start_job_with_dialog(self, export_job(self.session, request), operation=operation,
                                       label=f"Writing {request.out.name}")
        handle.succeeded.connect(lambda result: self._export_done(request, result))
        handle.failed.connect(lambda error: self._export_failed(operation, error))
        return self._track(handle)

    def _export_done(self, request: ExportRequest, result: Any) -> None:
        self._attempt("Checking the audit log", self.session.refresh_audit)
        signed = " and signed" if request.sign_key else ""
        self.statusBar().showMessage(f"Wrote{signed} {request.out}", 10000)
        log.info("exported %s (%s)", request.out, type(result).__name__)

    def _export_failed(self, operation: str, error: BaseException) -> None:
        if isinstance(error, OperationCancelled):
            self.statusBar().showMessage("Export cancelled.", 8000)
        else:
            show_error(self, operation, error)

    def _track(self, handle: JobHandle) -> JobHandle:
        self.jobs.append(handle)
        handle.finished.connect(lambda: self.jobs.remove(handle))
        return handle

    # -- helpers -----------------------------------------------------------------------------

    def _attempt(self, operation: str, command: Callable[[], Any]) -> bool:
        """Run ``command``; show any exception in a dialog headed by ``operation`` and return False."""
        try:
            command()
        except Exception as error:  # the edge of the GUI: every failure becomes a dialog
            show_error(self, operation, error)
            return False
        return True

    def closeEvent(self, event: QCloseEvent) -> None:
        running = [handle for handle in self.jobs if handle.running]
        for handle in running:
            handle.cancel()
        self.recomputer.shutdown()
        self.session.close()
        super().closeEvent(event)

    # -- 7B hook: the assumption editor and the charts, as two tabbed docks with a View menu ----

    def _add_assumption_and_chart_views(self) -> None:
        from PySide6.QtWidgets import QDockWidget

        from workbench.ui.assumption_editor import AssumptionEditorView
        from workbench.ui.charts.view import ChartsView

        # NOTE: commands run directly until the undo stack exists; pass its push as ``push=`` then.
        self.assumption_editor = AssumptionEditorView(self.session, self.recomputer,
                                                      push=getattr(self, "push_command", None),
                                                      ask_rationale=self.ask_rationale)
        self.charts_view = ChartsView(self.session)
        self.recomputer.add_shaper(self.charts_view.energy.shaper)
        view_menu = self.menuBar().addMenu("&View")
        view_menu.setToolTipsVisible(True)
        view_menu.menuAction().setToolTip("Show or hide the assumption editor and the charts")
        docks = []
        for widget, title, name, tip in (
                (self.assumption_editor, "Assumption editor", "assumption_editor_dock",
                 "Show the assumption editor: values, sources, distributions and rationales of the selected set"),
                (self.charts_view, "Charts", "charts_dock",
                 "Show the charts: energy over time, scopes, runs, embodied and operational, data quality")):
            dock = QDockWidget(title, self)
            dock.setObjectName(name)
            dock.setWidget(widget)
            self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
            action = dock.toggleViewAction()
            action.setToolTip(tip)
            action.setStatusTip(tip)
            view_menu.addAction(action)
            docks.append(dock)
        self.tabifyDockWidget(docks[0], docks[1])
        docks[0].raise_()


def _dropped_project(mime: QMimeData) -> str | None:
    """Return the first local ``.cwb`` file among the dropped URLs, or None."""
    if not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile() and url.toLocalFile().lower().endswith(".cwb"):
            return url.toLocalFile()
    return None


def _same_value(old: Any, new: Any) -> bool:
    if isinstance(old, float) and isinstance(new, (float, int)):
        return math.isclose(old, float(new), rel_tol=0, abs_tol=1e-9)
    return (old or "") == (new or "")
