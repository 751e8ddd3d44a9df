"""The assumption editor on real widgets: bindings both ways, drag previews, commits with rationale, undo."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import Qt

from workbench.project import assumption_sets
from workbench.project.audit import read_entries
from workbench.services import chart_data, demo
from workbench.services.distribution_preview import Distribution
from workbench.services.session import Session
from workbench.ui.assumption_editor import AssumptionEditorView
from workbench.ui.recompute import Recomputer


class CancelledRationales:
    """A rationale provider whose user cancels every question."""

    def __init__(self) -> None:
        self.asked: list[tuple] = []

    def __call__(self, label, old, new):
        self.asked.append((label, old, new))
        return None


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.cwb"
    demo.build_demo_project(path).close()
    return path


@pytest.fixture
def session(demo_file, tmp_path):
    path = tmp_path / "demo.cwb"
    shutil.copy(demo_file, path)
    opened = Session()
    opened.open(path)
    yield opened
    opened.close()


@pytest.fixture
def editor(qtbot, session, rationales):
    recomputer = Recomputer(session)
    view = AssumptionEditorView(session, recomputer, ask_rationale=rationales)
    qtbot.addWidget(view)
    view.resize(1100, 700)
    view.show()
    qtbot.waitExposed(view)
    view.editor.select("pue")
    yield view
    recomputer.shutdown()


def audit(session) -> list[dict]:
    return read_entries(session.project_file.conn)


def row_of(view, key: str) -> int:
    return [row.key for row in view.state.get("rows")].index(key)


def drag(view, position: int) -> None:
    """Press the slider, move it to ``position`` (sliderMoved fires) and keep it pressed."""
    view.value_slider.setSliderDown(True)
    view.value_slider.setSliderPosition(position)


# -- table and selection ---------------------------------------------------------------------

def test_table_lists_every_assumption(editor):
    table = editor.table
    pue = row_of(editor, "pue")

    assert table.rowCount() == len(editor.state.get("rows"))
    assert [table.item(pue, column).text() for column in range(5)] == [
        "Power usage effectiveness", "1.28", "kWh facility / kWh IT", editor.state.row("pue").distribution.describe(),
        "baseline"]


def test_selecting_a_table_row_selects_the_assumption(editor):
    editor.table.selectRow(row_of(editor, "node_uplift"))

    assert editor.state.get("selected") == "node_uplift"
    assert editor.value_spin.value() == pytest.approx(1.35)
    assert editor.title_label.text() == "Node uplift (GPU board to whole node) (node_uplift)"


def test_selection_in_the_state_selects_the_table_row(editor):
    editor.editor.select("gwp_set")

    assert editor.table.currentRow() == row_of(editor, "gwp_set")
    assert editor.choice_combo.isVisible() is True
    assert editor.value_spin.isVisible() is False
    assert editor.choice_combo.currentText() == "AR6"
    assert editor.picker.isVisible() is False  # choices have no distribution


# -- value: drag, spin, commit ---------------------------------------------------------------

def test_dragging_the_slider_previews_totals_without_storing(qtbot, editor, session):
    before = len(audit(session))

    drag(editor, 100)  # 1 + 4 x 100 / 1000 = 1.4

    assert editor.state.get("draft_value") == pytest.approx(1.4)
    assert editor.value_spin.value() == pytest.approx(1.4)
    assert editor.recomputer.wait_idle()
    assert session.result.result.assumptions.pue == pytest.approx(1.4)
    assert session.committed.pue == pytest.approx(1.28)
    assert len(audit(session)) == before


def test_slider_release_commits_command(qtbot, editor, session, rationales):
    drag(editor, 100)
    editor.value_slider.setSliderDown(False)  # sliderReleased

    assert rationales.asked == [("Power usage effectiveness", 1.28, pytest.approx(1.4))]
    assert session.committed.pue == pytest.approx(1.4)
    last = audit(session)[-1]
    assert last["action"] == "set_assumption"
    assert last["details"]["rationale"] == rationales.answer
    assert [command.label for command in editor.editor.history] == ["Set Power usage effectiveness to 1.4 in 'baseline'"]
    assert editor.table.item(row_of(editor, "pue"), 1).text() == "1.4"

    editor.editor.history[-1].undo()
    assert session.committed.pue == pytest.approx(1.28)
    assert editor.value_spin.value() == pytest.approx(1.28)
    assert audit(session)[-1]["details"]["new"] == pytest.approx(1.28)


def test_cancelled_rationale_discards_the_preview(qtbot, session):
    rationales = CancelledRationales()
    recomputer = Recomputer(session)
    view = AssumptionEditorView(session, recomputer, ask_rationale=rationales)
    qtbot.addWidget(view)
    view.editor.select("pue")
    before = len(audit(session))

    drag(view, 250)
    view.value_slider.setSliderDown(False)

    assert len(rationales.asked) == 1
    assert session.committed.pue == pytest.approx(1.28)
    assert view.state.get("draft_value") == pytest.approx(1.28)
    assert view.value_slider.value() == 70  # 1.28 on the 1-5 scale
    assert len(audit(session)) == before
    recomputer.shutdown()
    assert session.assumptions == session.committed


def test_spin_box_preview_and_enter(qtbot, editor, session, rationales):
    qtbot.keyClicks(editor.rationale_edit, "site PUE for 2025")
    assert editor.state.get("rationale") == "site PUE for 2025"

    editor.value_spin.setValue(1.31)
    assert editor.recomputer.wait_idle()
    assert session.assumptions.pue == pytest.approx(1.31)
    assert editor.store_button.isEnabled() is True
    editor.value_spin.editingFinished.emit()

    assert rationales.asked == []  # the typed rationale was used
    assert session.committed.pue == pytest.approx(1.31)
    assert audit(session)[-1]["details"]["rationale"] == "site PUE for 2025"
    assert editor.rationale_edit.text() == ""  # cleared after the commit


def test_rationale_in_the_state_shows_in_the_field(editor):
    editor.state.set("rationale", "from the state")

    assert editor.rationale_edit.text() == "from the state"


def test_store_button_needs_a_rationale_and_a_change(editor):
    assert editor.store_button.isEnabled() is False
    editor.editor.changing(1.5)
    assert editor.store_button.isEnabled() is False
    editor.state.set("rationale", "operator figure")
    assert editor.store_button.isEnabled() is True
    editor.discard_button.click()
    assert editor.state.get("draft_value") == pytest.approx(1.28)
    assert editor.store_button.isEnabled() is False


def test_choice_assumption_commits_from_the_combo(editor, session):
    editor.editor.select("gwp_set")
    combo = editor.choice_combo

    combo.setCurrentIndex(combo.findText("AR5"))
    combo.activated.emit(combo.currentIndex())

    assert session.committed.gwp_set == "AR5"
    assert editor.state.row().value == "AR5"


def test_optional_number_can_be_set_and_emptied(editor, session):
    editor.editor.select("natural_gas_wtt_kg_per_gj")  # empty in the demo
    assert editor.empty_check.isChecked() is True
    assert editor.value_spin.isEnabled() is False

    editor.empty_check.setChecked(False)
    assert session.committed.natural_gas_wtt_kg_per_gj == 0.0  # the minimum
    assert editor.value_spin.isEnabled() is True
    editor.empty_check.setChecked(True)
    assert session.committed.natural_gas_wtt_kg_per_gj is None


def test_locked_set_disables_editing(qtbot, editor, session):
    assumption_sets.lock_set(session.project_file.conn, "baseline")
    session.project_file.conn.commit()
    session.reload()
    editor.editor.reload()

    assert editor.state.get("locked") is True
    assert editor.value_slider.isEnabled() is False
    assert editor.rationale_edit.isEnabled() is False
    assert editor.set_label.text() == "baseline (locked)"


def test_editor_follows_the_session_set(editor, session):
    assumption_sets.create_set(session.project_file.conn, "efficient", "tester", "baseline")
    session.project_file.conn.commit()
    session.reload()

    session.select_set("efficient")

    assert editor.state.get("set_name") == "efficient"
    assert editor.set_label.text() == "efficient"


# -- distribution picker ---------------------------------------------------------------------

def test_kind_pick_sets_draft(editor):
    combo = editor.picker.kind_combo

    combo.setCurrentIndex(combo.findData("triangular"))
    combo.activated.emit(combo.currentIndex())

    draft = editor.state.get("draft_distribution")
    assert draft.kind == "triangular"
    assert draft.params == pytest.approx((1.28 * 0.95, 1.28, 1.28 * 1.05))
    x, density = editor.picker.curve.getData()
    assert density.max() == pytest.approx(2.0 / (1.28 * 0.1))
    assert [spin.value() for spin in editor.picker.parameter_spins[:3]] == pytest.approx(list(draft.params), abs=1e-6)


def test_editing_a_parameter_updates_the_draft(editor):
    editor.state.set("draft_distribution", Distribution("uniform", (1.2, 1.4)))

    editor.picker.parameter_spins[1].setValue(1.5)

    assert editor.state.get("draft_distribution") == Distribution("uniform", (1.2, 1.5))


def test_invalid_parameters_say_why_and_leave_no_draft(editor):
    editor.state.set("draft_distribution", Distribution("uniform", (1.2, 1.4)))

    editor.picker.parameter_spins[1].setValue(1.0)

    assert editor.state.get("draft_distribution") is None
    assert "low must not exceed high" in editor.picker.problem_label.text()
    assert editor.store_distribution_button.isEnabled() is False


def test_draft_shows_in_picker(editor):
    editor.state.set("draft_distribution", Distribution("lognormal", (1.3, 1.1)))

    assert editor.picker.kind_combo.currentData() == "lognormal"
    assert [spin.value() for spin in editor.picker.parameter_spins[:2]] == pytest.approx([1.3, 1.1])
    assert editor.picker.parameter_spins[2].isVisible() is False
    assert "lognormal" in editor.picker.summary_label.text()


def test_store_distribution_and_undo(editor, session):
    editor.state.set("draft_distribution", Distribution("triangular", (1.2, 1.28, 1.4)))
    editor.state.set("rationale", "operator's stated range")

    editor.store_distribution_button.click()

    assert editor.state.row().distribution == Distribution("triangular", (1.2, 1.28, 1.4))
    assert audit(session)[-1]["action"] == "set_distribution"
    assert editor.table.item(row_of(editor, "pue"), 3).text() == "triangular 1.2 / 1.28 / 1.4"
    editor.editor.history[-1].undo()
    assert editor.state.row().distribution_origin == "default"


# -- in the main window ----------------------------------------------------------------------

def test_window_views_follow_drag(qtbot, window, demo_file, tmp_path):
    path = tmp_path / "window.cwb"
    shutil.copy(demo_file, path)
    assert window.open_project(path)
    editor = window.assumption_editor
    editor.editor.select("pue")
    docks = {dock.objectName() for dock in window.findChildren(type(window.findChild(object, "charts_dock")))}
    assert {"assumption_editor_dock", "charts_dock"} <= docks

    drag(editor, 500)  # PUE 3.0
    assert window.recomputer.wait_idle()

    response = window.session.result
    assert response.result.assumptions.pue == pytest.approx(3.0)
    expected = chart_data.energy_stacked(response.hourly, response.runs, stack_by="site")
    shown = window.charts_view.energy.data()
    assert shown.filter(like="(MWh)").to_numpy().sum() == pytest.approx(expected.to_numpy().sum() / 1000.0)
    assert window.totals_panel.values["facility_energy_kwh"] == pytest.approx(
        response.result.totals["facility_energy_kwh"] / 1000.0)
    assert window.assumption_panel.pue_spin.value() == pytest.approx(3.0)  # the old panel follows too
    editor.value_slider.setSliderDown(False)
    assert window.session.committed.pue == pytest.approx(3.0)
