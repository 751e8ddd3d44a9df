"""Undo commands: the plain history and assumption changes that undo through the audit log."""

from __future__ import annotations

import pytest
from known_project import build_known_project

from workbench.project import audit
from workbench.services.commands import AssumptionChange, CommandStack
from workbench.services.session import Session


class Append:
    def __init__(self, items, value):
        self.items = items
        self.value = value
        self.label = f"append {value}"

    def do(self):
        self.items.append(self.value)

    def undo(self):
        self.items.remove(self.value)


class Failing:
    label = "fail"

    def do(self):
        raise ValueError("refused")

    def undo(self):
        raise AssertionError("never done, so never undone")


@pytest.fixture
def session(tmp_path):
    opened = Session()
    opened.open(build_known_project(tmp_path / "known.cwb"))
    yield opened
    opened.close()


def test_stack_undo_redo_labels():
    items, stack = [], CommandStack()
    stack.push(Append(items, 1))
    stack.push(Append(items, 2))

    stack.undo()

    assert items == [1]
    assert stack.undo_label() == "append 1"
    assert stack.redo_label() == "append 2"
    stack.redo()
    assert items == [1, 2]
    assert stack.can_redo() is False


def test_push_drops_undone_commands():
    items, stack = [], CommandStack()
    stack.push(Append(items, 1))
    stack.undo()

    stack.push(Append(items, 3))

    assert items == [3]
    assert stack.can_redo() is False
    assert stack.undo_label() == "append 3"


def test_failed_push_leaves_history():
    items, stack = [], CommandStack()
    stack.push(Append(items, 1))

    with pytest.raises(ValueError):
        stack.push(Failing())

    assert stack.undo_label() == "append 1"


def test_stack_notifies_listeners():
    calls, stack = [], CommandStack()
    stack.subscribe(lambda: calls.append(stack.undo_label()))

    stack.push(Append([], 1))
    stack.undo()
    stack.clear()

    assert calls == ["append 1", "", ""]


def test_assumption_undo_writes_audited_change(session):
    stack = CommandStack()
    command = AssumptionChange.from_session(session, {"pue": 1.2}, "Operator figure", label="Change PUE")
    entries_before = audit.verify_chain(session.project_file.conn).entries

    stack.push(command)
    assert session.committed.pue == 1.2
    stack.undo()

    assert session.committed.pue == 1.5
    entries = audit.read_entries(session.project_file.conn)
    assert len(entries) == entries_before + 2
    assert entries[-2]["details"]["rationale"] == "Operator figure"
    assert entries[-1]["details"]["rationale"] == "Undo: Operator figure"
    assert audit.verify_chain(session.project_file.conn).ok is True


def test_assumption_redo_is_marked(session):
    stack = CommandStack()
    stack.push(AssumptionChange.from_session(session, {"pue": 1.2}, "Operator figure"))
    stack.undo()

    stack.redo()

    assert session.committed.pue == 1.2
    assert audit.read_entries(session.project_file.conn)[-1]["details"]["rationale"] == "Redo: Operator figure"


def test_assumption_undo_returns_to_its_set(session):
    from workbench.services import assumptions as assumption_service

    assumption_service.change(session.project_file, "other", {"pue": 1.3}, rationale="second set")
    session.reload()
    stack = CommandStack()
    stack.push(AssumptionChange.from_session(session, {"pue": 1.2}, "Operator figure"))
    session.select_set("other")

    stack.undo()

    assert session.set_name == "baseline"
    assert session.committed.pue == 1.5


def test_assumption_change_needs_same_keys(session):
    with pytest.raises(ValueError):
        AssumptionChange(session, "baseline", {"pue": 1.2}, {"node_uplift": 1.0}, "why")
