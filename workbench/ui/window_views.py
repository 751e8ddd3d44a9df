"""How views are placed in the main window: tabs in the centre, docks at the sides.

:class:`ViewsMixin` is part of :class:`workbench.ui.main_window.MainWindow`. Besides the
generic :meth:`ViewsMixin.add_view` it opens the explorer's tables, the audit trail and
drill-down results. Each reads its data from the project in a worker behind a progress dialog,
with its own SQLite connection, and is shown on the GUI thread.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractScrollArea, QDockWidget, QFrame, QScrollArea, QWidget

from workbench.errors import OperationCancelled
from workbench.services import audit_trail, explorer
from workbench.services.drilldown import DrillDown, DrillTarget, drill_down
from workbench.ui.audit_view import AuditTrailView
from workbench.ui.drilldown_view import DrillDownView
from workbench.ui.errors import show_error
from workbench.ui.explorer_view import AUDIT_KEY, ExplorerTable
from workbench.ui.workers import JobHandle, start_job_with_dialog

log = logging.getLogger(__name__)

DOCK_AREAS = {"left": Qt.DockWidgetArea.LeftDockWidgetArea, "right": Qt.DockWidgetArea.RightDockWidgetArea,
              "bottom": Qt.DockWidgetArea.BottomDockWidgetArea}


class ViewsMixin:
    """Tabs, docks, explorer tables, the audit trail and drill-downs for the main window."""

    # -- placing views -----------------------------------------------------------------------

    def add_view(self, name: str, widget: QWidget, action: QAction | None = None, *, area: str = "tab",
                 title: str | None = None) -> QWidget:
        """Place ``widget`` in the window under the unique ``name`` and return its container.

        ``area`` "tab" adds a closable tab to the central tabs; "left", "right" or "bottom" puts
        the widget in a dock there. ``action``, when given, goes into the View menu (and should
        carry text and a tooltip, as every action does); triggering it shows the view again,
        re-opening a closed tab. ``title`` defaults to the widget's window title, else ``name``.
        """
        if name in self.views:
            raise ValueError(f"a view named '{name}' is already in the window")
        title = title or widget.windowTitle() or name
        if area == "tab":
            container = widget
            self.tabs.addTab(widget, title)
        elif area in DOCK_AREAS:
            container = QDockWidget(title, self)
            container.setObjectName(f"dock_{name}")
            container.setWidget(_scrollable(widget))
            container.toggleViewAction().setToolTip(f"Show or hide the {title} panel")
            container.toggleViewAction().setStatusTip(f"Show or hide the {title} panel")
            self.addDockWidget(DOCK_AREAS[area], container)
        else:
            raise ValueError(f"unknown area '{area}'; use 'tab', 'left', 'right' or 'bottom'")
        self.views[name] = (container, title)
        if action is not None:
            action.triggered.connect(lambda _checked=False: self.show_view(name))
            self.view_menu.addAction(action)
        return container

    def size_docks(self) -> None:
        """Give the side docks their starting widths: the explorer fits its names, the right docks take 40 %."""
        explorer = self.views["explorer"][0]
        editor = self.views["assumption_editor"][0]
        editor_width = self.width() * 40 // 100
        self.resizeDocks([explorer, editor], [self.explorer_tree.minimumWidth(), editor_width],
                         Qt.Orientation.Horizontal)

    def show_view(self, name: str) -> None:
        """Bring view ``name`` to the front, re-opening its tab if it was closed."""
        container, title = self.views[name]
        if isinstance(container, QDockWidget):
            container.show()
            container.raise_()
            return
        if self.tabs.indexOf(container) < 0:
            self.tabs.addTab(container, title)
        self.tabs.setCurrentWidget(container)

    def close_tab(self, index: int | None = None) -> None:
        """Close tab ``index`` (the current one by default); the overview cannot be closed."""
        index = self.tabs.currentIndex() if index is None else index
        widget = self.tabs.widget(index)
        if widget is None or widget is self.overview:
            return
        self.tabs.removeTab(index)
        for key in [key for key, table in self.tables.items() if table is widget]:
            del self.tables[key]
        kept = widget is self.audit_view or any(container is widget for container, _title in self.views.values())
        if not kept:
            widget.deleteLater()  # tables and drill-downs are made again when asked for

    # -- views of the other parts of the GUI ----------------------------------------------------

    def _add_assumption_and_chart_views(self) -> None:
        """The assumption editor and the charts, as two tabbed docks on the right."""
        from workbench.ui.assumption_editor import AssumptionEditorView
        from workbench.ui.charts.view import ChartsView

        # The editor's commands go through the undo history; errors reach the editor, which shows them.
        self.assumption_editor = AssumptionEditorView(self.session, self.recomputer,
                                                      push=self.undo_history.push_raising,
                                                      ask_rationale=self.ask_rationale)
        self.charts_view = ChartsView(self.session)
        self.recomputer.add_shaper(self.charts_view.energy.shaper)  # the energy curves are shaped in the worker
        editor = self.add_view("assumption_editor", self.assumption_editor,
                               self.action_map["show_assumption_editor"], area="right", title="Assumption editor")
        charts = self.add_view("charts", self.charts_view, self.action_map["show_charts"], area="right",
                               title="Charts")
        editor.setObjectName("assumption_editor_dock")
        charts.setObjectName("charts_dock")
        self.tabifyDockWidget(editor, charts)
        editor.raise_()

    def _add_reports_view(self) -> None:
        """The reports and sign-off view, a dock on the right that starts hidden."""
        from workbench.ui.reports_view import ReportsView

        self.reports_view = ReportsView(self.session, self,
                                        key_folder=lambda: self.preferences.signing_key_folder)
        self.reports_dock = self.add_view("reports", self.reports_view, area="right", title="Reports and Sign-off")
        self.reports_dock.setObjectName("reports_dock")
        self.view_menu.addAction(self.action_map["reports"])  # its handler is show_reports
        self.resizeDocks([self.reports_dock], [460], Qt.Orientation.Horizontal)
        self.reports_dock.hide()

    def show_reports(self) -> None:
        self.show_view("reports")

    def _add_analysis_views(self) -> None:
        """The uncertainty and comparison docks and the Analysis menu (``workbench.ui.analysis_hook``)."""
        from workbench.ui.analysis_hook import install_analysis_views

        self.analysis = install_analysis_views(self)

    def _apply_trial_preference(self) -> None:
        self.analysis.set_default_trials(self.preferences.monte_carlo_trials)

    # -- explorer tables ---------------------------------------------------------------------

    def open_table(self, key: str) -> JobHandle | None:
        """Show the explorer table ``key`` in its tab, reading it from the project in a worker."""
        if key == AUDIT_KEY:
            return self.show_audit_trail()
        project = self.session.project_file
        if project is None:
            return None
        title = explorer.category(key).title
        table = self.tables.get(key)
        if table is None or self.tabs.indexOf(table) < 0:
            table = ExplorerTable(key)
            self.tables[key] = table
            self.tabs.addTab(table, title)
        self.tabs.setCurrentWidget(table)
        return self._load(f"Opening the {title.lower()} table",
                          lambda own, progress: explorer.load_table(own, key, progress), table.set_frame)

    def refresh_tables(self) -> None:
        """Read every open explorer table, the audit trail and the explorer counts again."""
        project = self.session.project_file
        self._show_counts()
        if project is None:
            return
        for key, table in list(self.tables.items()):
            if self.tabs.indexOf(table) >= 0:
                self._load(f"Refreshing the {explorer.category(key).title.lower()} table",
                           lambda own, progress, key=key: explorer.load_table(own, key, progress), table.set_frame)
        if self.audit_view is not None and self.tabs.indexOf(self.audit_view) >= 0:
            self._refresh_audit_view()

    def _show_counts(self) -> None:
        project = self.session.project_file
        counts = None
        if project is not None:
            try:
                audit_entries = int(project.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0])
                counts = explorer.counts(project) | {AUDIT_KEY: audit_entries}
            except Exception as error:  # counts are a convenience; the tree stays usable without them
                log.warning("counting the explorer's rows failed: %s", error)
                counts = {}
        self.explorer_tree.show_counts(counts)

    # -- audit trail -------------------------------------------------------------------------

    def show_audit_trail(self) -> JobHandle | None:
        """Show the audit trail tab with the log read again and its hash chain verified."""
        if self.audit_view is None:
            self.audit_view = AuditTrailView()
        if self.tabs.indexOf(self.audit_view) < 0:
            self.tabs.addTab(self.audit_view, "Audit Trail")
        self.tabs.setCurrentWidget(self.audit_view)
        return self._refresh_audit_view()

    def _refresh_audit_view(self) -> JobHandle | None:
        if self.session.project_file is None:
            self.audit_view.show_log(self.audit_view._frame.iloc[0:0], None)
            return None

        def read(own, _progress) -> tuple[Any, Any]:
            return audit_trail.audit_frame(own.conn), audit_trail.chain_state(own.conn)

        return self._load("Reading the audit log", read, lambda loaded: self.audit_view.show_log(*loaded))

    # -- drill-down --------------------------------------------------------------------------

    def drill_down(self, target: DrillTarget) -> JobHandle | None:
        """Collect the rows behind ``target`` in a worker and show them in a new tab."""
        response, project = self.session.result, self.session.project_file
        if response is None or project is None:
            self.statusBar().showMessage("Open a project to drill down into its figures.", 5000)
            return None
        set_name = self.session.set_name
        return self._load(f"Drilling down into {target.title()}",
                          lambda own, progress: drill_down(own, response, set_name, target, progress=progress),
                          self._show_drilldown)

    def drill_selected(self) -> JobHandle | None:
        """Drill into the runs selected in the runs table, or into every run when none is."""
        rows = sorted({index.row() for index in self.runs_view.selectionModel().selectedRows()})
        runs = tuple(str(self.runs_model.raw_value(row, 0)) for row in rows) or None
        return self.drill_down(DrillTarget(runs=runs, figure="" if runs else "total_co2e_kg"))

    def _show_drilldown(self, result: DrillDown) -> None:
        view = DrillDownView(result)
        index = self.tabs.addTab(view, f"Drill-down: {_short(result.title)}")
        self.tabs.setTabToolTip(index, result.title)
        self.tabs.setCurrentWidget(view)
        self.last_drilldown = view

    # -- loading in a worker -----------------------------------------------------------------

    def _load(self, operation: str, read: Callable[[Any, Any], Any], show: Callable[[Any], None]) -> JobHandle:
        """Run ``read(project, progress)`` on a worker's own connection, then ``show(result)`` here.

        Cancelling the progress dialog stops reads that check ``progress`` and shows nothing.
        """
        project = self.session.project_file

        def job(progress) -> Any:
            own = project.connect()
            try:
                return read(own, progress)
            finally:
                own.close()

        handle = start_job_with_dialog(self, job, operation=operation, label=f"{operation}...")
        handle.succeeded.connect(show)
        handle.failed.connect(lambda error: self._load_failed(operation, error))
        return self._track(handle)

    def _load_failed(self, operation: str, error: BaseException) -> None:
        if isinstance(error, OperationCancelled):
            self.statusBar().showMessage(f"{operation} was cancelled.", 5000)
        else:
            show_error(self, operation, error)


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _scrollable(widget: QWidget) -> QWidget:
    """Put ``widget`` in a frameless scroll area, so a dock narrower than the view scrolls instead of widening the window.

    A widget that scrolls itself, such as a tree or a table, is returned as it is.
    """
    if isinstance(widget, QAbstractScrollArea):
        return widget
    area = QScrollArea()
    area.setObjectName(f"{widget.objectName() or 'view'}_scroll")
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidgetResizable(True)
    area.setWidget(widget)
    return area
