"""The comparison view on a real project: set choice, deltas with intervals, waterfall, bindings and exports."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from workbench.errors import UsageError
from workbench.services import assumptions, comparison, projects
from workbench.services.session import Session
from workbench.services.uncertainty_runs import prepare_context
from workbench.ui.comparison_view import ComparisonView

WAIT_MS = 60_000
RATIONALE = "scenario for the comparison test"
FORMULA_SET = "=HYPERLINK(1)"


@pytest.fixture
def compared_project(gpu_project: Path) -> Path:
    project = projects.open_existing(gpu_project)
    try:
        assumptions.create_set(project, "efficient")
        assumptions.change(project, "efficient", {"pue": 1.1, "node_uplift": 1.2}, rationale=RATIONALE)
        assumptions.create_set(project, FORMULA_SET)
        assumptions.change(project, FORMULA_SET, {"pue": 1.8}, rationale=RATIONALE)
    finally:
        project.close()
    return gpu_project


@pytest.fixture
def session(compared_project: Path):
    opened = Session()
    opened.open(compared_project)
    yield opened
    opened.close()


@pytest.fixture
def view(qtbot, session: Session):
    widget = ComparisonView(session)
    qtbot.addWidget(widget)
    yield widget
    widget.shutdown()


def tick(view: ComparisonView, *names: str) -> None:
    for row in range(view.set_list.count()):
        item = view.set_list.item(row)
        item.setCheckState(Qt.CheckState.Checked if item.text() in names else Qt.CheckState.Unchecked)


def compare_and_wait(qtbot, view: ComparisonView):
    with qtbot.waitSignal(view.run_finished, timeout=WAIT_MS) as blocker:
        view.start_comparison()
    qtbot.waitUntil(lambda: view.job is None, timeout=WAIT_MS)
    return blocker.args[0]


def expected_outcome(session: Session, names: list[str], trials: int, seed: int):
    project = session.project_file
    context = prepare_context(project, session.model)
    return comparison.compare_sets(project, names, trials=trials, seed=seed, context=context)


def cell(table, row: int, column: int) -> float:
    return table.item(row, column).data(Qt.ItemDataRole.UserRole)


def test_set_list_follows_session(view: ComparisonView):
    names = [view.set_list.item(row).text() for row in range(view.set_list.count())]
    assert names == ["baseline", "efficient", FORMULA_SET]
    assert not view.run_button.isEnabled()


def test_ticking_sets_updates_state(view: ComparisonView):
    tick(view, "baseline", "efficient")
    assert view.state.sets == ("baseline", "efficient")
    assert view.state.baseline == "baseline"
    assert view.run_button.isEnabled()
    view.baseline_box.setCurrentText("efficient")
    assert view.state.baseline == "efficient"
    assert view.state.run_order() == ["efficient", "baseline"]
    view.trials_box.setValue(30_000)
    view.seed_box.setValue(11)
    view.output_box.setCurrentIndex(view.output_box.findData("facility_energy_kwh"))
    assert view.state.trials == 30_000
    assert view.state.seed == 11
    assert view.state.output == "facility_energy_kwh"


def test_state_updates_widgets(view: ComparisonView):
    view.state.set("sets", ("efficient", FORMULA_SET))
    checked = [view.set_list.item(row).text() for row in range(view.set_list.count())
               if view.set_list.item(row).checkState() == Qt.CheckState.Checked]
    assert checked == ["efficient", FORMULA_SET]
    assert [view.baseline_box.itemText(i) for i in range(view.baseline_box.count())] == ["efficient", FORMULA_SET]
    view.state.set("baseline", FORMULA_SET)
    assert view.baseline_box.currentText() == FORMULA_SET
    view.state.set("trials", 7_000)
    view.state.set("seed", 3)
    view.state.set("output", "operational_co2e_kg")
    assert view.trials_box.value() == 7_000
    assert view.seed_box.value() == 3
    assert view.output_box.currentData() == "operational_co2e_kg"


def test_unticking_baseline_moves_it(view: ComparisonView):
    tick(view, "baseline", "efficient", FORMULA_SET)
    view.baseline_box.setCurrentText("efficient")
    tick(view, "baseline", FORMULA_SET)
    assert view.state.baseline == "baseline"


def test_deltas_and_waterfall_match_service(qtbot, view: ComparisonView, session: Session):
    tick(view, "baseline", "efficient")
    view.state.set("trials", 20_000)
    view.state.set("seed", 3)
    outcome = compare_and_wait(qtbot, view)
    expected = expected_outcome(session, ["baseline", "efficient"], 20_000, 3)

    difference = [item for item in expected.monte_carlo.differences if item.output == "total_co2e_kg"][0]
    assert view.delta_table.rowCount() == 1
    assert view.delta_table.item(0, 0).text() == "efficient"
    assert cell(view.delta_table, 0, 1) == pytest.approx(difference.point, rel=1e-12)
    assert cell(view.delta_table, 0, 2) == pytest.approx(difference.common.low, rel=1e-12)
    assert cell(view.delta_table, 0, 3) == pytest.approx(difference.common.high, rel=1e-12)
    assert float(view.delta_table.item(0, 6).text()) == pytest.approx(difference.probability_below, abs=1e-3)

    totals_column = 1 + list(outcome.outputs).index("total_co2e_kg")
    assert cell(view.totals_table, 0, totals_column) == pytest.approx(expected.points["baseline"][-1], rel=1e-12)
    assert cell(view.totals_table, 1, totals_column) == pytest.approx(expected.points["efficient"][-1], rel=1e-12)
    assert session.result.result.totals["total_co2e_kg"] == pytest.approx(expected.points["baseline"][-1], rel=1e-9)

    waterfall = view.waterfall.waterfall
    assert waterfall.labels == ("baseline (baseline)", "pue", "node_uplift", "efficient")
    assert waterfall.step_sum() == pytest.approx(difference.point, rel=1e-9)
    assert waterfall.ends[0] == pytest.approx(expected.points["baseline"][-1], rel=1e-12)
    assert waterfall.ends[-1] == pytest.approx(expected.points["efficient"][-1], rel=1e-12)
    assert waterfall.ends[-2] == pytest.approx(waterfall.ends[-1], rel=1e-9)
    assert len(view.waterfall.bars.opts["x"]) == 4
    assert "20,000 trials" in view.status_label.text()
    assert "seed 3" in view.status_label.text()


def test_chosen_baseline_runs_first(qtbot, view: ComparisonView):
    tick(view, "baseline", "efficient")
    view.baseline_box.setCurrentText("efficient")
    view.state.set("trials", 5_000)
    outcome = compare_and_wait(qtbot, view)
    assert outcome.sets[0]["name"] == "efficient"
    assert view.delta_table.item(0, 0).text() == "baseline"
    assert cell(view.delta_table, 0, 1) > 0


def test_three_sets_switch_waterfall(qtbot, view: ComparisonView):
    tick(view, "baseline", "efficient", FORMULA_SET)
    view.state.set("trials", 5_000)
    outcome = compare_and_wait(qtbot, view)
    assert view.delta_table.rowCount() == 2
    assert [view.decompose_box.itemText(i) for i in range(view.decompose_box.count())] == ["efficient", FORMULA_SET]
    view.decompose_box.setCurrentText(FORMULA_SET)
    waterfall = view.waterfall.waterfall
    assert waterfall.labels == ("baseline (baseline)", "pue", FORMULA_SET)
    points = outcome.points
    assert waterfall.step_sum() == pytest.approx(points[FORMULA_SET][-1] - points["baseline"][-1], rel=1e-9)
    view.output_box.setCurrentIndex(view.output_box.findData("facility_energy_kwh"))
    facility = list(outcome.outputs).index("facility_energy_kwh")
    assert view.waterfall.waterfall.ends[-1] == pytest.approx(points[FORMULA_SET][facility], rel=1e-12)


def test_cancel_comparison(qtbot, view: ComparisonView):
    tick(view, "baseline", "efficient")
    view.state.set("trials", 2_000_000)
    with qtbot.waitSignal(view.run_finished, timeout=WAIT_MS) as blocker:
        handle = view.start_comparison()
        handle.cancel()
    qtbot.waitUntil(lambda: view.job is None, timeout=WAIT_MS)
    assert type(blocker.args[0]).__name__ == "OperationCancelled"
    assert view.outcome is None
    assert "cancelled" in view.status_label.text()
    assert view.run_button.isEnabled()


def test_error_dialog_names_operation(qtbot, view: ComparisonView, monkeypatch, message_boxes):
    def broken(request, progress=None):
        raise UsageError("unknown assumption set 'gone'", hint="Pick another set.")

    monkeypatch.setattr("workbench.services.comparison_charts.run_comparison", broken)
    tick(view, "baseline", "efficient")
    compare_and_wait(qtbot, view)
    assert message_boxes[-1]["text"] == "Comparing the assumption sets failed."
    assert "unknown assumption set 'gone'" in message_boxes[-1]["informative"]


def test_waterfall_exports_quote_formulas(qtbot, view: ComparisonView, tmp_path: Path):
    tick(view, "baseline", FORMULA_SET)
    view.state.set("trials", 5_000)
    compare_and_wait(qtbot, view)
    png = view.waterfall.export("png", tmp_path / "waterfall.png")
    svg = view.waterfall.export("svg", tmp_path / "waterfall.svg")
    data = view.waterfall.export("csv", tmp_path / "waterfall.csv")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in svg.read_text(encoding="utf-8")
    with open(data, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["step"] for row in rows] == ["baseline (baseline)", "pue", "'" + FORMULA_SET]
    change = sum(float(row["change_co2e_kg"]) for row in rows[1:-1])
    assert change == pytest.approx(float(rows[-1]["end_co2e_kg"]) - float(rows[0]["end_co2e_kg"]), rel=1e-9)


def test_closing_project_clears_view(qtbot, view: ComparisonView, session: Session):
    tick(view, "baseline", "efficient")
    view.state.set("trials", 5_000)
    compare_and_wait(qtbot, view)
    session.close()
    assert view.outcome is None
    assert view.set_list.count() == 0
    assert view.delta_table.rowCount() == 0
    assert not view.run_button.isEnabled()
