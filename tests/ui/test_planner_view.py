"""The planner view: the ranked chart and table of a real plan of the demo project."""

from __future__ import annotations

import pytest

from workbench.services import demo, planner, projects
from workbench.ui.planner_view import COLUMNS, NOTE, PlannerView


@pytest.fixture(scope="module")
def demo_outcome(tmp_path_factory):
    path = tmp_path_factory.mktemp("planner-view") / "demo.cwb"
    demo.build_demo_project(path).close()
    with projects.open_existing(path, read_only=True) as project:
        return planner.plan(project, trials=1000, save=False)


def test_view_shows_ranked_chart(qtbot, demo_outcome):
    view = PlannerView()
    qtbot.addWidget(view)
    table, chart = demo_outcome.table(), demo_outcome.chart_data()
    view.show_plan(table, chart)

    widths = view.bars.opts["width"]
    positions = view.bars.opts["y"]
    ticks = dict(view.plot_item.getAxis("left")._tickLevels[0])
    assert list(widths) == pytest.approx(chart["avoided"])
    # The largest avoided emissions sit on top.
    assert positions[0] == len(table) - 1
    assert ticks[positions[0]] == chart["labels"][0].removeprefix("baseline what-if: ")[:39] + "…"
    assert list(view.intervals.opts["left"]) == pytest.approx(
        [max(value - low, 0.0) for value, low in zip(chart["avoided"], chart["low"])])
    assert list(view.intervals.opts["right"]) == pytest.approx(
        [max(high - value, 0.0) for value, high in zip(chart["avoided"], chart["high"])])
    assert view.note.text() == NOTE


def test_view_table_rows(qtbot, demo_outcome):
    view = PlannerView()
    qtbot.addWidget(view)
    table = demo_outcome.table()
    view.show_plan(table, demo_outcome.chart_data())
    lever_column = [key for _, key in COLUMNS].index("lever")
    share_column = [key for _, key in COLUMNS].index("share_of_reference")

    assert view.table.rowCount() == len(table)
    assert view.table.item(0, lever_column).text() == table[0]["lever"]
    assert view.table.item(0, share_column).text() == f"{table[0]['share_of_reference']:.1%}"
    assert "reference: total_market_based_co2e_kg" in view.table.item(0, lever_column).toolTip()


def test_view_clear(qtbot, demo_outcome):
    view = PlannerView()
    qtbot.addWidget(view)
    view.show_plan(demo_outcome.table(), demo_outcome.chart_data())
    bars, intervals = view.bars, view.intervals
    view.clear()
    assert view.bars is None
    assert view.table.rowCount() == 0
    assert bars not in view.plot_item.items
    assert intervals not in view.plot_item.items
