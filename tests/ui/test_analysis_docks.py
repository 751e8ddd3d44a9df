"""The uncertainty and comparison docks in the main window: menu, tooltips, and following the open project."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from workbench.ui.analysis_hook import ANALYSIS_ACTIONS

WAIT_MS = 60_000


def test_analysis_menu_actions(window):
    menus = {action.text(): action for action in window.menuBar().actions()}
    menu = menus["&Analysis"].menu()
    assert menu.toolTipsVisible() is True
    texts = [action.text() for action in menu.actions()]
    assert texts == [spec.text for spec in ANALYSIS_ACTIONS]
    for action, spec in zip(menu.actions(), ANALYSIS_ACTIONS):
        assert action.toolTip() == spec.tooltip


def test_docks_start_hidden_and_show(qtbot, window):
    analysis = window.analysis
    assert analysis.uncertainty_dock.isHidden()
    assert analysis.comparison_dock.isHidden()
    analysis.actions["show_comparison"].trigger()
    assert analysis.comparison_dock.isVisible()


def test_uncertainty_dock_follows_project(qtbot, window, gpu_project: Path):
    analysis = window.analysis
    window.open_project(gpu_project)
    names = [analysis.comparison.set_list.item(row).text() for row in range(analysis.comparison.set_list.count())]
    assert names == ["baseline"]
    with qtbot.waitSignal(analysis.uncertainty.live_applied, timeout=WAIT_MS):
        analysis.actions["show_uncertainty"].trigger()
    total = window.session.result.result.totals["total_co2e_kg"]
    assert analysis.uncertainty.live.interval.point == total
    assert analysis.uncertainty.run_button.isEnabled()


def test_pue_preview_updates_live_interval(qtbot, window, gpu_project: Path):
    analysis = window.analysis
    window.open_project(gpu_project)
    with qtbot.waitSignal(analysis.uncertainty.live_applied, timeout=WAIT_MS):
        analysis.actions["show_uncertainty"].trigger()
    before = analysis.uncertainty.live.interval.point
    with qtbot.waitSignal(analysis.uncertainty.live_applied, timeout=WAIT_MS):
        window.recomputer.preview(pue=3.1)
    assert window.recomputer.wait_idle()
    assert analysis.uncertainty.live.interval.point == window.session.result.result.totals["total_co2e_kg"]
    assert analysis.uncertainty.live.interval.point == pytest.approx(before * 2.0, rel=1e-9)


def test_open_project_freezes_models(window, gpu_project: Path):
    import gc

    window.open_project(gpu_project)
    assert gc.get_freeze_count() > 0
    window.session.close()
    assert gc.get_freeze_count() == 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice values are Linux's")
def test_worker_priority_lowered_once():
    import os
    import threading

    from workbench.ui.background import BACKGROUND_NICENESS, lower_thread_priority

    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    seen = {}

    def worker():
        lower_thread_priority()
        lower_thread_priority()
        seen["nice"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen["nice"] == min(before + BACKGROUND_NICENESS, 19)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == before
