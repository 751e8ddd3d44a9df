"""Undoable assumption changes without Qt: do and undo write audited changes; the editor state previews and commits."""

from __future__ import annotations

import math
import shutil

import numpy as np
import pytest

from workbench.errors import AssumptionError
from workbench.project import assumption_sets
from workbench.project.audit import read_entries, verify_chain
from workbench.services import demo
from workbench.services.assumption_commands import (ChangeAssumption, ChangeDistribution, SessionTarget,
                                                    assumption_rows)
from workbench.services.assumption_editor_state import AssumptionEditor
from workbench.services.distribution_preview import (PICKER_KINDS, Distribution, density_curve,
                                                     starting_distribution)
from workbench.services.session import SPECS, Session


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


class Previews:
    def __init__(self) -> None:
        self.previews: list[dict] = []
        self.discarded = 0

    def preview(self, changes):
        self.previews.append(dict(changes))

    def discard(self):
        self.discarded += 1


@pytest.fixture
def editor(session):
    previews = Previews()
    built = AssumptionEditor(SessionTarget(session), preview=previews.preview, discard_preview=previews.discard)
    built.previews = previews
    built.load(session.set_name)
    return built


def audit(session) -> list[dict]:
    return read_entries(session.project_file.conn)


def test_rows_cover_every_assumption(session):
    rows = {row.key: row for row in assumption_rows(session.project_file, "baseline")}

    assert list(rows) == list(SPECS)
    pue = rows["pue"]
    assert pue.value == 1.28  # the demo's baseline stores the operator's PUE
    assert pue.unit == "kWh facility / kWh IT"
    assert pue.origin == "baseline"
    assert pue.distribution.kind == "normal"
    assert pue.distribution.params[0] == pytest.approx(1.28)
    assert rows["embodied_method"].distribution is None
    assert rows["gwp_set"].choices == ("AR5", "AR6")


def test_change_do_and_undo_append_audited_changes(session):
    target = SessionTarget(session)
    before = len(audit(session))
    command = ChangeAssumption(target, "baseline", "pue", 1.28, 1.4, "operator's PUE2 for 2025")

    command.do()
    assert session.committed.pue == 1.4
    assert session.result.result.assumptions.pue == 1.4
    command.undo()

    entries = audit(session)
    assert session.committed.pue == 1.28
    assert len(entries) == before + 2
    assert [entry["details"]["new"] for entry in entries[-2:]] == [1.4, 1.28]
    assert entries[-2]["details"]["rationale"] == "operator's PUE2 for 2025"
    assert entries[-1]["details"]["rationale"] == ("Undo of 'Set Power usage effectiveness to 1.4 in 'baseline'' "
                                                   "(its reason was: operator's PUE2 for 2025)")
    assert verify_chain(session.project_file.conn).ok is True
    assert command.label == "Set Power usage effectiveness to 1.4 in 'baseline'"


def test_redo_after_undo_writes_a_third_entry(session):
    command = ChangeAssumption(SessionTarget(session), "baseline", "node_uplift", 1.35, 1.5, "node metering")
    before = len(audit(session))

    command.do()
    command.undo()
    command.do()

    assert session.committed.node_uplift == 1.5
    assert len(audit(session)) == before + 3


def test_command_needs_a_rationale(session):
    with pytest.raises(ValueError, match="needs a rationale"):
        ChangeAssumption(SessionTarget(session), "baseline", "pue", 1.28, 1.4, "  ")


def test_change_in_other_set(session):
    assumption_sets.create_set(session.project_file.conn, "efficient", "tester", "baseline")
    session.project_file.conn.commit()
    command = ChangeAssumption(SessionTarget(session), "efficient", "pue", 1.28, 1.1, "new cooling")

    command.do()

    assert session.committed.pue == 1.28
    stored = assumption_sets.stored_overrides(session.project_file.conn, "efficient")
    assert stored["pue"].value == 1.1
    assert session.audit.entries == len(audit(session))


def test_distribution_do_and_undo_restore_the_default(session):
    target = SessionTarget(session)
    reloads = []
    target.changed.append(reloads.append)
    new = Distribution("triangular", (1.2, 1.28, 1.4))
    command = ChangeDistribution(target, "baseline", "pue", None, new, "operator's range")

    command.do()
    rows = {row.key: row for row in assumption_rows(session.project_file, "baseline")}
    assert rows["pue"].distribution == new
    assert rows["pue"].distribution_origin == "baseline"
    command.undo()

    rows = {row.key: row for row in assumption_rows(session.project_file, "baseline")}
    assert rows["pue"].distribution_origin == "default"
    assert reloads == ["baseline", "baseline"]
    actions = [entry["action"] for entry in audit(session)[-2:]]
    assert actions == ["set_distribution", "set_distribution"]


# -- the editor's state ----------------------------------------------------------------------

def test_changing_previews_without_storing(editor, session):
    before = len(audit(session))
    editor.select("pue")

    editor.changing(1.5)
    editor.changing(1.6)

    assert editor.previews.previews == [{"pue": 1.5}, {"pue": 1.6}]
    assert editor.state.get("draft_value") == 1.6
    assert editor.state.value_changed() is True
    assert len(audit(session)) == before
    editor.discard()
    assert editor.state.get("draft_value") == 1.28
    assert editor.previews.discarded == 1


def test_change_commits_one_command_and_clears_the_rationale(editor, session):
    editor.select("pue")
    editor.state.set("rationale", "measured over 12 months")

    command = editor.change(1.33)

    assert command.label == "Set Power usage effectiveness to 1.33 in 'baseline'"
    assert editor.history == [command]
    assert session.committed.pue == 1.33
    assert editor.state.row().value == 1.33
    assert editor.state.get("rationale") == ""
    command.undo()
    assert editor.state.row().value == 1.28  # the editor reloads after the undo


def test_change_without_rationale_rejected(editor, session):
    editor.select("pue")
    editor.changing(1.5)

    with pytest.raises(AssumptionError, match="needs a rationale"):
        editor.change(1.5)

    assert session.committed.pue == 1.28
    assert editor.state.get("draft_value") == 1.5
    assert editor.history == []


def test_unchanged_value_is_no_command(editor):
    editor.select("pue")

    assert editor.change(1.28, "same") is None
    assert editor.history == []


def test_invalid_value_is_refused(editor):
    editor.select("pue")

    with pytest.raises(AssumptionError, match="must be at least 1"):
        editor.changing(0.5)


def test_locked_set_refuses_changes(editor, session):
    assumption_sets.lock_set(session.project_file.conn, "baseline")
    session.project_file.conn.commit()
    session.reload()
    editor.reload()

    assert editor.state.get("locked") is True
    editor.select("pue")
    with pytest.raises(AssumptionError, match="is locked"):
        editor.change(1.4, "why not")


def test_change_distribution_through_the_editor(editor, session):
    editor.select("pue")
    chosen = Distribution("uniform", (1.2, 1.36))

    command = editor.change_distribution(chosen, "operator's stated range")

    assert editor.state.row().distribution == chosen
    assert editor.state.get("draft_distribution") == chosen
    assert editor.change_distribution(chosen, "again") is None
    command.undo()
    assert editor.state.row().distribution_origin == "default"


# -- density curves --------------------------------------------------------------------------

@pytest.mark.parametrize("kind", [kind for kind in PICKER_KINDS if kind != "fixed"])
def test_density_curves_integrate_to_one(kind):
    distribution = starting_distribution(kind, 1.3, spread=0.1)
    curve = density_curve(distribution, 1.3, points=4001)

    assert np.trapezoid(curve["density"], curve["x"]) == pytest.approx(1.0, abs=0.01)


def test_density_curve_known_values():
    normal = density_curve(Distribution("normal", (1.3, 0.1)), points=201)
    peak = normal.loc[normal["density"].idxmax()]
    assert peak["x"] == pytest.approx(1.3, abs=1e-9)
    assert peak["density"] == pytest.approx(1.0 / (0.1 * math.sqrt(2.0 * math.pi)))

    triangle = density_curve(Distribution("triangular", (1.0, 1.2, 2.0)))
    top = triangle.loc[triangle["density"].idxmax()]
    assert (top["x"], top["density"]) == (pytest.approx(1.2), pytest.approx(2.0 / (2.0 - 1.0)))

    uniform = density_curve(Distribution("uniform", (2.0, 4.0)))
    assert set(uniform["density"].round(12)) == {0.0, 0.5}


def test_fixed_distribution_is_spike():
    fixed = density_curve(Distribution.fixed(), 1.55)
    flat = density_curve(Distribution("normal", (1.4, 0.0)))

    assert fixed["x"].tolist() == [1.55, 1.55]
    assert flat["x"].tolist() == [1.4, 1.4]
    assert fixed["density"].tolist() == [0.0, 1.0]


def test_relative_distribution_is_drawn_around_the_value():
    relative = Distribution.normal_u95(0.1)

    curve = density_curve(relative, 2.0)

    assert curve.loc[curve["density"].idxmax(), "x"] == pytest.approx(2.0, abs=0.01)
