"""The main window: project explorer, central tabs, Edit menu with undo, status bar.

Layout: the project explorer is a dock on the left; the centre is a tab widget whose first tab,
the overview, contains the assumption controls, the totals, the energy chart and the runs table.
Explorer tables, the audit trail and drill-downs open as further tabs.

Adding a view (for other parts of the GUI): build the widget, declare its action in
``workbench.ui.actions`` (text and tooltip), then call, in ``_add_views`` below::

    self.add_view("uncertainty", UncertaintyView(self.session), self.action_map["uncertainty"])

``add_view(name, widget, action=None, area="tab")`` places the widget in a tab, or with
``area="left" | "right" | "bottom"`` in a dock, and puts ``action`` in the View menu, where it
shows the view again (see :meth:`workbench.ui.window_views.ViewsMixin.add_view`). Edits go
through ``self.undo_history.push(command)``, which shows a failure in a dialog, or
``push_raising(command)`` for views that show their own errors. A command is any object with
``label``, ``do()`` and ``undo()`` (see ``workbench.services.commands``).
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QHeaderView, QLabel,
                               QMainWindow, QMenu, QSplitter, QTableView, QTabWidget, QVBoxLayout,
                               QWidget)

from workbench.errors import ProjectLockedError
from workbench.services import project_lock
from workbench.services.assumptions import SPECS
from workbench.services.commands import AssumptionChange, same_value
from workbench.services.drilldown import DrillTarget
from workbench.services.session import RecomputeResponse, Session
from workbench.ui.actions import build_actions
from workbench.ui.chart import OTHER_RUNS, EnergyChart
from workbench.ui.errors import show_error
from workbench.ui.explorer_view import ExplorerTree
from workbench.ui.frame_model import Column, DataFrameModel
from workbench.ui.gc_guard import pin_gc_to_gui_thread
from workbench.ui.panels import AssumptionPanel, TotalsPanel
from workbench.ui.preferences import PreferencesDialog, apply_preferences, load_preferences, save_preferences
from workbench.ui.rationale import RationaleProvider, ask_rationale_dialog
from workbench.ui.recent import RecentFiles
from workbench.ui.recompute import Recomputer, Throttle
from workbench.ui.undo import UndoHistory
from workbench.ui.window_io import ImportExportMixin
from workbench.ui.window_projects import ProjectFilesMixin
from workbench.ui.window_views import ViewsMixin
from workbench.ui.workers import JobHandle

log = logging.getLogger(__name__)

# While previews stream in (a slider drag), the runs table takes at most one result per this
# many milliseconds: painting its cells took about 5 ms of each frame. Stored results and the
# last preview still show in it, the latter at most this long after it arrived.
RUNS_TABLE_PREVIEW_MS = 250

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
TOOLBAR_KEYS = ("open", "import", None, "undo", "redo", None, "drill_down", "audit_trail")

# ask_locked(error) returns "read_only" to open the project read-only, or None to cancel.
LockedProvider = Callable[[ProjectLockedError], "str | None"]


class MainWindow(ProjectFilesMixin, ImportExportMixin, ViewsMixin, QMainWindow):
    """Carbon Workbench's main window.

    ``ask_rationale(label, old, new)`` returns the reason for an assumption change or None to
    cancel it; ``ask_locked(error)`` decides what to do when another workbench holds the
    project's lock. Both open dialogs by default, and tests pass functions. ``settings`` stores
    the recent-projects list and the preferences (the application's QSettings by default).
    """

    def __init__(self, *, session: Session | None = None, settings: QSettings | None = None,
                 ask_rationale: RationaleProvider | None = None, ask_locked: LockedProvider | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        pin_gc_to_gui_thread()  # the window starts worker threads, so collection must stay here
        self.session = session or Session()
        self.settings = settings or QSettings()
        self.recent = RecentFiles(self.settings)
        self.preferences = load_preferences(self.settings)
        apply_preferences(self.preferences)
        self.ask_rationale = ask_rationale or ask_rationale_dialog(self)
        self.ask_locked = ask_locked or self._ask_locked_dialog
        self.recomputer = Recomputer(self.session, self)
        self.undo_history = UndoHistory(lambda operation, error: show_error(self, operation, error), self)
        self.jobs: list[JobHandle] = []
        self.views: dict[str, tuple[QWidget, str]] = {}
        self.tables: dict[str, QWidget] = {}
        self.audit_view = None
        self.last_drilldown = None
        self.last_import_result = None
        self.lock: project_lock.Lock | None = None
        self._committing = False

        self.setObjectName("main_window")
        self.setWindowTitle("Carbon Workbench")
        self.setAcceptDrops(True)
        self.action_map = build_actions(self, self._handlers())
        self._build_widgets()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        self._add_views()
        self._subscribe()
        self._show_project(None)
        self.resize(1360, 860)
        self.size_docks()

    def _handlers(self) -> dict[str, Callable[[], Any]]:
        return {
            "open": self.choose_project, "import": self.choose_import,
            "export_xlsx": lambda: self.choose_export("xlsx"), "export_pdf": lambda: self.choose_export("pdf"),
            "clear_recent": self.clear_recent, "close_project": self.close_project,
            "preferences": self.edit_preferences, "show_overview": lambda: self.tabs.setCurrentWidget(self.overview),
            "show_explorer": lambda: self.show_view("explorer"), "audit_trail": self.show_audit_trail,
            "show_assumption_editor": lambda: self.show_view("assumption_editor"),
            "show_charts": lambda: self.show_view("charts"), "reports": self.show_reports,
            "show_uncertainty": lambda: self.show_view("uncertainty"),
            "show_comparison": lambda: self.show_view("comparison"),
            "drill_down": self.drill_selected, "close_tab": self.close_tab, "refresh": self.refresh_tables,
            "quit": self.close}

    # -- construction ------------------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.assumption_panel = AssumptionPanel()
        self.totals_panel = TotalsPanel()
        self.chart = EnergyChart()
        self.runs_model = DataFrameModel(RUN_TABLE_COLUMNS, self)
        self.runs_table_updates = Throttle(self.runs_model.set_frame, RUNS_TABLE_PREVIEW_MS, self)
        self.runs_view = QTableView()
        self.runs_view.setObjectName("runs_view")
        self.runs_view.setModel(self.runs_model)
        self.runs_view.setSortingEnabled(True)
        self.runs_view.sortByColumn(0, Qt.SortOrder.AscendingOrder)  # QHeaderView starts descending
        self.runs_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.runs_view.setAlternatingRowColors(True)
        self.runs_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.runs_view.verticalHeader().setVisible(False)
        self.runs_view.setToolTip("Double-click a run to see the hours, source files and factors behind it")
        self.hint_label = QLabel(EMPTY_HINT)
        self.hint_label.setWordWrap(True)
        self.hint_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint_label.setStyleSheet("font-size: 12pt; padding: 6px;")

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.chart)
        splitter.addWidget(self.runs_view)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        self.runs_view.setMinimumHeight(150)
        self.overview = QWidget()
        self.overview.setObjectName("overview")
        layout = QVBoxLayout(self.overview)
        layout.addWidget(self.hint_label)
        layout.addWidget(self.assumption_panel)
        layout.addWidget(self.totals_panel)
        layout.addWidget(splitter, 1)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("central_tabs")
        self.tabs.setDocumentMode(True)
        self.tabs.setTabsClosable(True)
        self.tabs.setMovable(True)
        self.tabs.addTab(self.overview, "Overview")
        self.tabs.tabBar().setTabButton(0, self.tabs.tabBar().ButtonPosition.RightSide, None)
        self.tabs.tabCloseRequested.connect(self.close_tab)
        self.setCentralWidget(self.tabs)
        self.explorer_tree = ExplorerTree()
        self._connect_widgets()

    def _connect_widgets(self) -> None:
        panel = self.assumption_panel
        panel.set_selected.connect(self.select_set)
        panel.pue_previewed.connect(self._preview_pue)
        panel.pue_committed.connect(lambda value: self.commit_assumption("pue", value))
        panel.zone_committed.connect(lambda value: self.commit_assumption("factor_zone", value))
        self.recomputer.failed.connect(self._recompute_failed)
        self.recomputer.add_shaper(self.chart.shaper)  # chart data shaped off the UI thread while dragging
        self.totals_panel.drill_requested.connect(lambda key: self.drill_down(DrillTarget(figure=key)))
        self.chart.point_clicked.connect(self._drill_chart_point)
        self.runs_view.doubleClicked.connect(
            lambda index: self.drill_down(DrillTarget(runs=(str(self.runs_model.raw_value(index.row(), 0)),),
                                                      figure="total_co2e_kg")))
        self.explorer_tree.open_requested.connect(self.open_table)

    def _drill_chart_point(self, run: str, hour_utc: int) -> None:
        runs = None if run == OTHER_RUNS else (run,)  # the summed curve of the smaller runs
        self.drill_down(DrillTarget(runs=runs, hour_utc=hour_utc, figure="facility_energy_kwh"))

    def _add_views(self) -> None:
        """Place the views; other parts of the GUI add theirs here with :meth:`add_view`."""
        self.add_view("explorer", self.explorer_tree, self.action_map["show_explorer"], area="left",
                      title="Project")
        # -- views of other parts of the GUI go below this line (see window_views.py) --
        self._add_assumption_and_chart_views()
        self._add_reports_view()
        self._prepare_import_wizard()
        self._add_analysis_views()

    def _build_menus(self) -> None:
        file_menu = self._menu("&File", "Open projects, import data and export reports")
        file_menu.addAction(self.action_map["open"])
        self.recent_menu = QMenu("Open &Recent", self)
        self.recent_menu.setToolTipsVisible(True)
        self.recent_menu.menuAction().setToolTip("Open one of the last projects opened in this program")
        self.recent_menu.menuAction().setStatusTip(self.recent_menu.menuAction().toolTip())
        file_menu.addMenu(self.recent_menu)
        file_menu.addAction(self.action_map["close_project"])
        file_menu.addSeparator()
        file_menu.addAction(self.action_map["import"])
        file_menu.addAction(self.action_map["export_xlsx"])
        file_menu.addAction(self.action_map["export_pdf"])
        file_menu.addAction(self.action_map["reports"])
        file_menu.addSeparator()
        file_menu.addAction(self.action_map["quit"])
        self._fill_recent_menu()

        edit_menu = self._menu("&Edit", "Undo and redo edits, and set preferences")
        self.undo_action = self.undo_history.undo_action(self)
        self.redo_action = self.undo_history.redo_action(self)
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.action_map["preferences"])

        self.view_menu = self._menu("&View", "Show the overview, the explorer, the audit trail and drill-downs")
        for key in ("show_overview", "audit_trail", "drill_down", "refresh", "close_tab"):
            self.view_menu.addAction(self.action_map[key])
        self.view_menu.addSeparator()

    def _menu(self, title: str, tooltip: str) -> QMenu:
        menu = self.menuBar().addMenu(title)
        menu.setToolTipsVisible(True)
        menu.menuAction().setToolTip(tooltip)
        menu.menuAction().setStatusTip(tooltip)
        return menu

    def _build_toolbar(self) -> None:
        self.toolbar = self.addToolBar("Main")
        self.toolbar.setObjectName("main_toolbar")
        self.toolbar.toggleViewAction().setToolTip("Show or hide the main toolbar")
        actions = {**self.action_map, "undo": self.undo_action, "redo": self.redo_action}
        for key in TOOLBAR_KEYS:
            if key is None:
                self.toolbar.addSeparator()
            else:
                self.toolbar.addAction(actions[key])

    def _build_status_bar(self) -> None:
        self.project_label = QLabel()
        self.path_label = QLabel()
        self.path_label.setObjectName("project_path")
        self.path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.format_label = QLabel()
        self.audit_label = QLabel()
        self.recompute_label = QLabel()
        self.recompute_label.setObjectName("recompute_state")
        for label in (self.recompute_label, self.project_label, self.path_label, self.format_label,
                      self.audit_label):
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
        writable = is_open and not info.read_only
        self.hint_label.setVisible(not is_open)
        self.assumption_panel.setEnabled(is_open)
        for widget in (self.assumption_panel.pue_spin, self.assumption_panel.pue_slider,
                       self.assumption_panel.zone_combo):
            widget.setEnabled(writable)
        for key in ("import", "export_xlsx", "export_pdf"):  # both write to the project and its audit log
            self.action_map[key].setEnabled(writable)
        for key in ("reports", "close_project", "drill_down", "audit_trail", "refresh"):
            self.action_map[key].setEnabled(is_open)
        self._close_project_tabs()
        self._show_counts()
        if not is_open:
            self.setWindowTitle("Carbon Workbench")
            self.project_label.setText("No project open")
            self.project_label.setToolTip("")
            self.path_label.clear()
            self.format_label.clear()
            self.audit_label.clear()
            self.recompute_label.clear()
            return
        mode = " (read-only)" if info.read_only else ""
        self.setWindowTitle(f"{info.name}{mode} — Carbon Workbench")
        self.project_label.setText(f"Project: {info.name}{mode}")
        self.project_label.setToolTip(str(info.path))
        self.path_label.setText(str(info.path))
        self.format_label.setText(f"Format version {info.format_version}")

    def _close_project_tabs(self) -> None:
        for index in reversed(range(self.tabs.count())):
            if self.tabs.widget(index) is not self.overview:
                self.close_tab(index)
        self.tables.clear()

    def _show_assumptions(self, assumptions) -> None:
        if assumptions is not None:
            self.assumption_panel.show_assumptions(assumptions)

    def _show_result(self, response: RecomputeResponse | None) -> None:
        if response is None:
            self.runs_table_updates.show_now(None)
            self.totals_panel.show_totals(None)
            self.chart.clear()
            return
        if response.request.preview:
            self.runs_table_updates.offer(response.runs)
        else:
            self.runs_table_updates.show_now(response.runs)
        self.totals_panel.show_totals(response.result.totals, response.result.warnings)
        self.chart.show_result(response)  # its curves were shaped in the recompute worker
        state = "preview, not stored" if response.request.preview else "stored values"
        self.recompute_label.setText(f"Totals up to date ({self.session.set_name}, {state})")

    def _preview_pue(self, value: float) -> None:
        self.recompute_label.setText("Recomputing...")
        self.recomputer.preview(pue=value)

    def _recompute_failed(self, error: BaseException) -> None:
        self.recompute_label.setText("Recompute failed")
        show_error(self, "Recomputing the footprint", error)

    def _show_audit(self, status) -> None:
        if status is None:
            self.audit_label.clear()
            return
        self.audit_label.setText(status.describe())
        broken = "" if status.ok else "color: #b00020; font-weight: 600;"
        self.audit_label.setStyleSheet(f"padding: 0 8px; {broken}")
        self._show_counts()  # a new audit entry means the data or the assumptions changed
        if self.audit_view is not None and self.tabs.indexOf(self.audit_view) >= 0:
            self._refresh_audit_view()

    # -- assumptions -------------------------------------------------------------------------

    def select_set(self, name: str) -> None:
        self.recomputer.cancel()
        self._attempt("Selecting the assumption set", lambda: self.session.select_set(name))

    def commit_assumption(self, key: str, value: Any) -> None:
        """Store ``value`` for assumption ``key`` after asking for the rationale, as an undoable edit.

        Does nothing when the value equals the stored one; cancelling the rationale discards
        the preview.
        """
        committed = self.session.committed
        if self._committing or committed is None:
            return
        old = getattr(committed, key)
        if same_value(old, value):
            self._discard_preview()
            return

        self._committing = True
        try:
            label = SPECS[key].label
            rationale = self.ask_rationale(label, old, value)
            self.recomputer.cancel()
            if not rationale:
                self._discard_preview()
                self.statusBar().showMessage(f"{label} was not changed.", 5000)
                return
            command = AssumptionChange.from_session(self.session, {key: value}, rationale,
                                                    label=f"{label} = {value}")
            if self.undo_history.push(command, operation=f"Changing {label}"):
                self.statusBar().showMessage(f"{label} set to {value}; the change is in the audit log.", 5000)
            else:
                self._discard_preview()
        finally:
            self._committing = False

    def _discard_preview(self) -> None:
        self.recomputer.cancel()
        if self.session.assumptions != self.session.committed:
            self._attempt("Discarding the preview", self.session.discard_preview)

    # -- preferences -------------------------------------------------------------------------

    def edit_preferences(self) -> None:
        dialog = PreferencesDialog(self.preferences, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.set_preferences(dialog.preferences())

    def set_preferences(self, preferences) -> None:
        """Store ``preferences``, apply theme and number style, and redraw the figures."""
        self.preferences = preferences
        save_preferences(self.settings, preferences)
        apply_preferences(preferences)
        self._show_result(self.session.result)
        self._apply_trial_preference()

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
        self._release_lock()
        super().closeEvent(event)
