"""The window's actions, declared once: text, tooltip, shortcut and optional theme icon.

Menus, toolbars and tests read the same QAction objects built from :data:`ACTIONS`; the
bodies live in the main window as thin calls into ``workbench.services``. Undo and Redo are
not declared here: the QUndoStack creates them and ``workbench.ui.undo`` gives them their
shortcut and a tooltip naming the edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import QWidget


@dataclass(frozen=True)
class ActionSpec:
    """What the user sees of one command; ``shortcut`` is a key text or a standard key."""

    key: str
    text: str
    tooltip: str
    shortcut: str | QKeySequence.StandardKey | None = None
    icon_theme: str | None = None


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("open", "&Open Project...", "Open a Carbon Workbench project file (.cwb)",
               QKeySequence.StandardKey.Open, "document-open"),
    ActionSpec("import", "&Import...",
               "Import GPU logs, CodeCarbon files, meter data, procurement records or emission factors "
               "into the open project", "Ctrl+I", "document-import"),
    ActionSpec("export_xlsx", "Export &XLSX...",
               "Write the footprint report as an Excel workbook, optionally signed with a PKCS#12 key",
               "Ctrl+Shift+X", "x-office-spreadsheet"),
    ActionSpec("export_pdf", "Export &PDF...",
               "Write the footprint report as a PDF, optionally signed with a PKCS#12 key",
               "Ctrl+Shift+P", "application-pdf"),
    ActionSpec("reports", "&Reports and Sign-off",
               "Show the sign-off stages (preparer, reviewer, approver) and export or verify reports",
               "Ctrl+R", "document-properties"),
    ActionSpec("clear_recent", "&Clear Recent Projects", "Forget the list of recently opened projects"),
    ActionSpec("close_project", "&Close Project",
               "Close the open project and release its lock, so another window can open it for writing",
               "Ctrl+Shift+W", "document-close"),
    ActionSpec("preferences", "&Preferences...",
               "Set the signing key folder, Monte Carlo trials, theme and number format", "Ctrl+,",
               "preferences-system"),
    ActionSpec("show_overview", "&Overview", "Show the totals, the energy chart and the runs table", "Ctrl+0",
               "go-home"),
    ActionSpec("show_explorer", "Project &Explorer",
               "Show the tree of sources, runs, sites, meters, assets, factors, instruments, sets and reports",
               "Ctrl+E", "view-list-tree"),
    ActionSpec("audit_trail", "&Audit Trail",
               "Show the audit log with filters, its hash-chain status and the rationale of every change",
               "Ctrl+Shift+A", "view-history"),
    ActionSpec("drill_down", "&Drill Down",
               "List the runs, GPU-hours, source files and rows, factors and assumptions behind the selected run "
               "(or behind every run when none is selected)", "Ctrl+D", "zoom-in"),
    ActionSpec("show_assumption_editor", "Assumption &Editor",
               "Show the assumption editor: values, sources, distributions and rationales of the selected set",
               "Ctrl+Shift+E", "document-edit"),
    ActionSpec("show_charts", "&Charts",
               "Show the charts: energy over time, scopes, runs, embodied and operational, data quality",
               "Ctrl+Shift+C", "office-chart-line"),
    ActionSpec("show_uncertainty", "&Uncertainty",
               "Show the uncertainty of the footprint total: live 95 % interval, Monte Carlo histogram, "
               "convergence and tornado chart", "Ctrl+Shift+U", "view-statistics"),
    ActionSpec("show_comparison", "&Compare Assumption Sets",
               "Show two or more assumption sets side by side, with deltas, their intervals and a waterfall of "
               "the assumptions behind each delta", "Ctrl+Shift+M", "view-split-left-right"),
    ActionSpec("close_tab", "Close &Tab", "Close the current tab (the overview stays)", "Ctrl+W", "tab-close"),
    ActionSpec("refresh", "&Refresh", "Read the open tables and the audit log again from the project file",
               "F5", "view-refresh"),  # not StandardKey.Refresh: on GNOME that is Ctrl+R, Reports' key
    ActionSpec("quit", "&Quit", "Close Carbon Workbench; every change is already stored in the project file",
               "Ctrl+Q", "application-exit"),
)

SPECS_BY_KEY = {spec.key: spec for spec in ACTIONS}


def build_action(parent: QWidget, spec: ActionSpec, handler: Callable[[], None]) -> QAction:
    """Create the QAction for ``spec`` and connect its ``triggered`` signal to ``handler``."""
    action = QAction(spec.text, parent)
    action.setObjectName(f"action_{spec.key}")
    action.setToolTip(spec.tooltip)
    action.setStatusTip(spec.tooltip)
    if spec.shortcut is not None:
        action.setShortcut(QKeySequence(spec.shortcut))
    if spec.icon_theme:
        action.setIcon(QIcon.fromTheme(spec.icon_theme))
    action.triggered.connect(lambda _checked=False: handler())
    return action


def build_actions(parent: QWidget, handlers: dict[str, Callable[[], None]]) -> dict[str, QAction]:
    """Create every action of :data:`ACTIONS`; ``handlers`` must have a body for each key."""
    missing = [spec.key for spec in ACTIONS if spec.key not in handlers]
    if missing:
        raise KeyError(f"no handler for the actions {', '.join(missing)}")
    return {spec.key: build_action(parent, spec, handlers[spec.key]) for spec in ACTIONS}
