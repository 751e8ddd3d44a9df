"""Undo and redo of assumption changes from the Edit menu, and the QUndoStack mirror itself."""

from __future__ import annotations

import pytest
from known_project import build_known_project

from workbench.project import audit
from workbench.services import projects
from workbench.ui.undo import UndoHistory


@pytest.fixture
def known(tmp_path):
    return build_known_project(tmp_path / "known.cwb")


def entries(path):
    with projects.open_existing(path, read_only=True) as project:
        return audit.read_entries(project.conn), audit.verify_chain(project.conn)


def commit_pue(window, value):
    window.assumption_panel.pue_spin.setValue(value)
    window.assumption_panel.pue_spin.editingFinished.emit()


class Recorder:
    def __init__(self, label="step", fail_on=None):
        self.label = label
        self.calls = []
        self.fail_on = fail_on

    def do(self):
        if self.fail_on == "do" and self.calls:
            raise RuntimeError("redo refused")
        self.calls.append("do")

    def undo(self):
        if self.fail_on == "undo":
            raise RuntimeError("undo refused")
        self.calls.append("undo")


def test_undo_restores_value_with_audited_entry(window, known, rationales):
    window.open_project(known)
    commit_pue(window, 1.25)
    facility_after = window.totals_panel.values["facility_energy_kwh"]

    window.undo_action.trigger()

    assert window.session.committed.pue == 1.5
    assert window.assumption_panel.pue_spin.value() == 1.5
    assert window.totals_panel.values["facility_energy_kwh"] == pytest.approx(facility_after * 1.5 / 1.25)
    log, chain = entries(known)
    assert [entry["details"]["rationale"] for entry in log[-2:]] == [rationales.answer, f"Undo: {rationales.answer}"]
    assert log[-1]["details"]["new"] == 1.5
    assert chain.ok is True


def test_redo_applies_again(window, known, rationales):
    window.open_project(known)
    commit_pue(window, 1.25)
    window.undo_action.trigger()

    assert window.redo_action.text().replace("&", "") == "Redo Power usage effectiveness = 1.25"
    window.redo_action.trigger()

    assert window.session.committed.pue == 1.25
    assert entries(known)[0][-1]["details"]["rationale"] == f"Redo: {rationales.answer}"
    assert window.redo_action.isEnabled() is False


def test_two_edits_undo_in_order(window, known):
    window.open_project(known)
    commit_pue(window, 1.25)
    commit_pue(window, 1.75)

    window.undo_action.trigger()
    assert window.session.committed.pue == 1.25
    assert window.undo_action.text().replace("&", "") == "Undo Power usage effectiveness = 1.25"
    window.undo_action.trigger()

    assert window.session.committed.pue == 1.5
    assert window.undo_action.isEnabled() is False


def test_opening_project_clears_history(window, known, gpu_project):
    window.open_project(known)
    commit_pue(window, 1.25)

    window.open_project(gpu_project)

    assert window.undo_action.isEnabled() is False


def test_failed_push_shows_dialog_and_stays_out(qtbot, message_boxes):
    errors = []
    history = UndoHistory(lambda operation, error: errors.append((operation, str(error))))
    command = Recorder()
    command.do = lambda: (_ for _ in ()).throw(ValueError("invalid value"))

    assert history.push(command, operation="Changing PUE") is False

    assert errors == [("Changing PUE", "invalid value")]
    assert history.stack.count() == 0


def test_mirror_calls_plain_command(qtbot):
    history = UndoHistory(lambda operation, error: None)
    command = Recorder("first")

    history.push(command)
    history.undo()
    history.redo()

    assert command.calls == ["do", "undo", "do"]
    assert history.undo_label() == "first"


def test_failed_undo_reports_and_clears(qtbot):
    errors = []
    history = UndoHistory(lambda operation, error: errors.append(operation))
    history.push(Recorder("fragile", fail_on="undo"))

    history.undo()

    assert errors == ["Undoing 'fragile'"]
    qtbot.waitUntil(lambda: history.stack.count() == 0, timeout=2000)


def test_assumption_editor_edits_are_undoable(window, known):
    window.open_project(known)
    editor = window.assumption_editor.editor
    editor.select("pue")

    editor.change(1.35, rationale="Editor change")

    assert window.session.committed.pue == 1.35
    assert window.undo_history.undo_label() != ""
    window.undo_action.trigger()
    assert window.session.committed.pue == 1.5
    log, chain = entries(known)
    assert log[-1]["details"]["rationale"].startswith("Undo")
    assert chain.ok is True


def test_assumption_editor_error_stays_out_of_history(window, known):
    from workbench.errors import AssumptionError

    window.open_project(known)
    editor = window.assumption_editor.editor
    editor.select("pue")

    with pytest.raises(AssumptionError):
        editor.change(1.35, rationale="")

    assert window.undo_action.isEnabled() is False
