"""Places the uncertainty and comparison views in the main window: two docks and an Analysis menu.

:func:`install_analysis_views` is the only call the window makes. It places both views with the
window's ``add_view`` (so the View menu shows them, as every other view) and uses the window's
declared actions ``show_uncertainty`` and ``show_comparison`` (``workbench.ui.actions``), which
the Analysis menu also lists. The default trial count of both views is the user's
``monte_carlo_trials`` preference.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu

from workbench.services.uncertainty_runs import ContextCache
from workbench.services.view_state import ComparisonState, UncertaintyState
from workbench.ui.actions import SPECS_BY_KEY
from workbench.ui.comparison_view import ComparisonView
from workbench.ui.gc_guard import freeze_long_lived, thaw
from workbench.ui.uncertainty_view import UncertaintyView

log = logging.getLogger(__name__)

ANALYSIS_KEYS = ("show_uncertainty", "show_comparison")
ANALYSIS_ACTIONS = tuple(SPECS_BY_KEY[key] for key in ANALYSIS_KEYS)


class AnalysisViews(QObject):
    """The two docks of a main window; they cancel their jobs and wait for them when the window closes."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        contexts = ContextCache()
        trials = window.preferences.monte_carlo_trials
        self.uncertainty = UncertaintyView(window.session, state=UncertaintyState(trials=trials), contexts=contexts)
        self.comparison = ComparisonView(window.session, state=ComparisonState(trials=trials), contexts=contexts)
        self.actions = {key: window.action_map[key] for key in ANALYSIS_KEYS}
        self.uncertainty_dock = window.add_view("uncertainty", self.uncertainty, self.actions["show_uncertainty"],
                                                area="right", title="Uncertainty")
        self.comparison_dock = window.add_view("comparison", self.comparison, self.actions["show_comparison"],
                                               area="right", title="Comparison of assumption sets")
        self.uncertainty_dock.setObjectName("uncertainty_dock")
        self.comparison_dock.setObjectName("comparison_dock")
        window.tabifyDockWidget(self.uncertainty_dock, self.comparison_dock)
        self.uncertainty_dock.hide()
        self.comparison_dock.hide()
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

    def set_default_trials(self, trials: int) -> None:
        """Make ``trials`` (the preference) the trial count of both views."""
        self.uncertainty.state.set("trials", trials)
        self.comparison.state.set("trials", trials)

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


def install_analysis_views(window: QMainWindow) -> AnalysisViews:
    """Add the uncertainty and comparison docks (hidden) and the Analysis menu to ``window``."""
    return AnalysisViews(window)
