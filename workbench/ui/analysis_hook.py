"""Places the uncertainty and comparison views in the main window: two docks and an Analysis menu.

:func:`install_analysis_views` is the only call the window makes, so the placement can move
(to tabs of a central area, for example) without touching the views.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu

from workbench.services.uncertainty_runs import ContextCache
from workbench.ui.actions import ActionSpec, build_action
from workbench.ui.comparison_view import ComparisonView
from workbench.ui.gc_guard import freeze_long_lived, thaw
from workbench.ui.uncertainty_view import UncertaintyView

log = logging.getLogger(__name__)

ANALYSIS_ACTIONS = (
    ActionSpec("show_uncertainty", "&Uncertainty",
               "Show the uncertainty of the footprint total: live 95 % interval, Monte Carlo histogram, "
               "convergence and tornado chart", "Ctrl+Shift+U"),
    ActionSpec("show_comparison", "&Compare Assumption Sets",
               "Show two or more assumption sets side by side, with deltas, their intervals and a waterfall of "
               "the assumptions behind each delta", "Ctrl+Shift+M"),
)


class AnalysisViews(QObject):
    """The two docks of a main window; they cancel their jobs and wait for them when the window closes."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        contexts = ContextCache()
        self.uncertainty = UncertaintyView(window.session, contexts=contexts)
        self.comparison = ComparisonView(window.session, contexts=contexts)
        self.uncertainty_dock = _dock(window, "uncertainty_dock", "Uncertainty", self.uncertainty)
        self.comparison_dock = _dock(window, "comparison_dock", "Comparison of assumption sets", self.comparison)
        window.tabifyDockWidget(self.uncertainty_dock, self.comparison_dock)
        self.actions = {
            "show_uncertainty": build_action(window, ANALYSIS_ACTIONS[0], lambda: self.show(self.uncertainty_dock)),
            "show_comparison": build_action(window, ANALYSIS_ACTIONS[1], lambda: self.show(self.comparison_dock)),
        }
        self.menu = QMenu("&Analysis", window)
        self.menu.setToolTipsVisible(True)
        self.menu.menuAction().setToolTip("Uncertainty of the footprint and comparison of assumption sets")
        self.menu.menuAction().setStatusTip(self.menu.menuAction().toolTip())
        for action in self.actions.values():
            self.menu.addAction(action)
        window.menuBar().addMenu(self.menu)
        window.installEventFilter(self)
        window.session.subscribe("project", self._project_changed)

    def show(self, dock: QDockWidget) -> None:
        dock.show()
        dock.raise_()

    def _project_changed(self, info) -> None:
        # The prepared models of a large project are long-lived, so they leave the collector's
        # reach while it is open; Monte Carlo and comparison results stay collectable.
        thaw()
        if info is not None:
            freeze_long_lived()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Close:
            self.uncertainty.shutdown()
            self.comparison.shutdown()
        return False


def _dock(window: QMainWindow, name: str, title: str, view) -> QDockWidget:
    dock = QDockWidget(title, window)
    dock.setObjectName(name)
    dock.setWidget(view)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    dock.hide()
    return dock


def install_analysis_views(window: QMainWindow) -> AnalysisViews:
    """Add the uncertainty and comparison docks (hidden) and the Analysis menu to ``window``."""
    return AnalysisViews(window)
