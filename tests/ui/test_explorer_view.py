"""The project explorer: counts from the project, tables opened from the tree, filters and sorting."""

from __future__ import annotations

import pytest
from known_project import build_known_project
from PySide6.QtCore import Qt

from workbench.services import explorer
from workbench.ui.explorer_view import AUDIT_KEY
from workbench.ui.frame_model import RAW_VALUE_ROLE


@pytest.fixture
def known(tmp_path):
    return build_known_project(tmp_path / "known.cwb")


def wait_for_jobs(qtbot, window):
    qtbot.waitUntil(lambda: not window.jobs, timeout=30_000)


def column_values(table, key):
    model = table.model
    column = [c.key for c in model.columns].index(key)
    return [model.data(model.index(row, column), RAW_VALUE_ROLE) for row in range(model.rowCount())]


def test_tree_lists_every_category(window):
    tree = window.explorer_tree

    assert [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())] == (
        [item.title for item in explorer.CATEGORIES] + ["Audit log"])
    assert tree.isEnabled() is False


def test_tree_shows_counts_after_open(window, known):
    window.open_project(known)
    tree = window.explorer_tree

    assert tree.isEnabled() is True
    assert tree.items["runs"].text(1) == "2"
    assert tree.items["energy"].text(1) == "8"
    assert tree.items["reports"].text(1) == "0"
    assert int(tree.items[AUDIT_KEY].text(1)) >= 3


def test_tree_empties_after_close(window, known):
    window.open_project(known)

    window.close_project()

    assert window.explorer_tree.isEnabled() is False
    assert window.explorer_tree.items["runs"].text(1) == ""


def test_activating_item_opens_table(window, known, qtbot):
    window.open_project(known)
    tree = window.explorer_tree

    tree.itemActivated.emit(tree.items["runs"], 0)
    wait_for_jobs(qtbot, window)

    table = window.tables["runs"]
    assert window.tabs.currentWidget() is table
    assert window.tabs.tabText(window.tabs.currentIndex()) == "Runs"
    assert column_values(table, "name") == ["alpha", "beta"]
    assert table.count_label.text() == "2 rows"


def test_table_filter_box_filters(window, known, qtbot):
    window.open_project(known)
    window.open_table("energy")
    wait_for_jobs(qtbot, window)
    table = window.tables["energy"]

    qtbot.keyClicks(table.filter_edit, "BETA")
    table.apply_filter()

    assert table.model.rowCount() == 2
    assert set(column_values(table, "run")) == {"beta"}
    assert table.count_label.text() == "2 of 8 rows"
    table.filter_edit.clear()
    table.apply_filter()
    assert table.model.rowCount() == 8


def test_table_filter_waits_for_pause(window, known, qtbot):
    window.open_project(known)
    window.open_table("energy")
    wait_for_jobs(qtbot, window)
    table = window.tables["energy"]

    table.filter_edit.setText("g2")

    assert table.model.rowCount() == 8
    qtbot.waitUntil(lambda: table.model.rowCount() == 2, timeout=3000)


def test_table_sorts_by_header(window, known, qtbot):
    window.open_project(known)
    window.open_table("energy")
    wait_for_jobs(qtbot, window)
    table = window.tables["energy"]
    column = [c.key for c in table.model.columns].index("energy_kwh")

    table.view.sortByColumn(column, Qt.SortOrder.DescendingOrder)

    assert column_values(table, "energy_kwh") == pytest.approx([0.3] * 3 + [0.2] * 3 + [0.1] * 2)
    assert table.view.horizontalHeader().sortIndicatorSection() == column


def test_table_row_reopens_tab(window, known, qtbot):
    window.open_project(known)
    window.open_table("sites")
    wait_for_jobs(qtbot, window)

    window.close_tab(window.tabs.indexOf(window.tables["sites"]))
    window.open_table("sites")
    wait_for_jobs(qtbot, window)

    assert window.tabs.currentWidget() is window.tables["sites"]
    assert column_values(window.tables["sites"], "grid_zone") == ["ZZ"]


def test_overview_tab_cannot_close(window):
    window.close_tab(0)

    assert window.tabs.widget(0) is window.overview


def test_refresh_reads_new_rows(window, known, qtbot):
    from workbench.project import repo
    from workbench.services import projects

    window.open_project(known)
    window.open_table("sites")
    wait_for_jobs(qtbot, window)
    with projects.open_existing(known) as project, project.transaction():
        repo.ensure_site(project.conn, "annex", grid_zone="YY")

    window.action_map["refresh"].trigger()
    wait_for_jobs(qtbot, window)

    assert column_values(window.tables["sites"], "name") == ["lab", "annex"]
    assert window.explorer_tree.items["sites"].text(1) == "2"


def test_add_view_places_tab_and_dock(window, qtbot):
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QDockWidget, QLabel

    action = QAction("Extra", window)
    action.setToolTip("Show the extra view")
    tab = QLabel("tab view")
    window.add_view("extra", tab, action)
    dock = window.add_view("side", QLabel("dock view"), area="right", title="Side")

    window.close_tab(window.tabs.indexOf(tab))
    action.trigger()

    assert window.tabs.currentWidget() is tab
    assert isinstance(dock, QDockWidget)
    assert dock.windowTitle() == "Side"
    assert action in window.view_menu.actions()
    with pytest.raises(ValueError):
        window.add_view("extra", QLabel("again"))


def test_cancelled_table_load_says_so(window, known, qtbot, message_boxes):
    window.open_project(known)

    handle = window.open_table("energy")
    handle.cancel()
    wait_for_jobs(qtbot, window)

    if handle.error is not None:  # the read may finish before the cancel arrives
        assert "cancelled" in window.statusBar().currentMessage()
    assert message_boxes == []


def test_closed_table_is_forgotten(window, known, qtbot):
    window.open_project(known)
    window.open_table("runs")
    wait_for_jobs(qtbot, window)

    window.close_tab(window.tabs.indexOf(window.tables["runs"]))
    window.refresh_tables()
    wait_for_jobs(qtbot, window)

    assert "runs" not in window.tables


def test_counts_follow_commit(window, known):
    window.open_project(known)
    before = int(window.explorer_tree.items[AUDIT_KEY].text(1))

    window.assumption_panel.pue_spin.setValue(1.25)
    window.assumption_panel.pue_spin.editingFinished.emit()

    assert int(window.explorer_tree.items[AUDIT_KEY].text(1)) == before + 1
