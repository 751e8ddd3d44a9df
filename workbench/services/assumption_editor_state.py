"""The assumption editor's state and behaviour without Qt.

:class:`EditorState` contains what the editor shows: the rows of the selected set, the selected
key, the draft value and draft distribution being edited, and the rationale typed so far. The
Qt widget binds its controls to these fields in both directions; tests drive the same object.

:class:`AssumptionEditor` turns edits into actions: ``changing`` a value previews it (the
caller's ``preview`` function, a burst-merging recompute in the GUI), ``change`` commits it as
one undo command with the rationale, ``discard`` goes back to the stored value.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from workbench.engine.assumptions import coerce
from workbench.engine.uncertainty.distributions import Distribution
from workbench.errors import AssumptionError
from workbench.services.assumption_commands import (AssumptionRow, ChangeAssumption, ChangeDistribution,
                                                    SessionTarget, assumption_rows, stored_distribution)
from workbench.services.observable import Observable

log = logging.getLogger(__name__)

Command = ChangeAssumption | ChangeDistribution


class EditorState(Observable):
    """Fields: ``set_name``, ``rows`` (tuple of AssumptionRow), ``selected`` (key or None),
    ``draft_value``, ``draft_distribution`` (Distribution or None), ``rationale`` (text),
    ``locked`` (the set cannot change)."""

    FIELDS = ("set_name", "rows", "selected", "draft_value", "draft_distribution", "rationale", "locked")
    DEFAULTS = {"set_name": "", "rows": (), "selected": None, "draft_value": None, "draft_distribution": None,
                "rationale": "", "locked": False}

    def row(self, key: str | None = None) -> AssumptionRow | None:
        """Return the row of ``key`` (the selected one by default), or None."""
        key = key if key is not None else self.get("selected")
        return next((row for row in self.get("rows") if row.key == key), None)

    def value_changed(self) -> bool:
        row = self.row()
        return row is not None and self.get("draft_value") != row.value

    def distribution_changed(self) -> bool:
        row = self.row()
        return row is not None and row.kind == "number" and self.get("draft_distribution") != row.distribution

    def has_rationale(self) -> bool:
        return bool(str(self.get("rationale")).strip())


class AssumptionEditor:
    """Edits the selected set through ``target``; commands go to ``push`` (an undo stack's push).

    ``push(command)`` must run ``command.do()`` (as QUndoStack.push runs redo); the default
    runs it and keeps the command in :attr:`history`. ``preview(changes)`` shows unsaved values;
    ``discard()`` (given as ``discard_preview``) drops them.
    """

    def __init__(self, target: SessionTarget, *, preview: Callable[[dict[str, Any]], None],
                 discard_preview: Callable[[], None], push: Callable[[Command], None] | None = None) -> None:
        self.target = target
        self.state = EditorState()
        self.history: list[Command] = []
        self._preview = preview
        self._discard_preview = discard_preview
        self._push = push or self._run
        target.changed.append(lambda _set_name: self.reload())

    def _run(self, command: Command) -> None:
        command.do()
        self.history.append(command)

    # -- loading -----------------------------------------------------------------------------

    def load(self, set_name: str) -> None:
        """Show set ``set_name``; the selection stays on the same key when it exists."""
        self.state.set("set_name", set_name)
        self.reload()

    def reload(self) -> None:
        """Read the rows of the current set again (after a commit, an undo or another view's change)."""
        project = self.target.session.project_file
        if project is None:
            self.state.set("rows", ())
            self.select(None)
            return
        set_name = self.state.get("set_name") or self.target.session.set_name
        sets = {item["name"]: item for item in self.target.session.sets or []}
        self.state.set("locked", bool(sets.get(set_name, {}).get("locked")))
        self.state.set("rows", tuple(assumption_rows(project, set_name)))
        self.select(self.state.get("selected") or self.state.get("rows")[0].key)

    def select(self, key: str | None) -> None:
        """Select assumption ``key`` and put its stored value and distribution in the drafts."""
        row = self.state.row(key) if key is not None else None
        self.state.set("selected", row.key if row else None)
        self.state.set("draft_value", row.value if row else None)
        self.state.set("draft_distribution", row.distribution if row else None)

    # -- editing -----------------------------------------------------------------------------

    def changing(self, value: Any) -> None:
        """Preview ``value`` for the selected key without storing it, as during a slider drag."""
        row = self._selected()
        value = coerce(row.key, value)
        self.state.set("draft_value", value)
        self._preview({row.key: value})

    def change(self, value: Any, rationale: str | None = None) -> Command | None:
        """Store ``value`` for the selected key as one undo command; return it, or None if unchanged.

        The rationale is ``rationale``, else the state's. Without one, AssumptionError is raised
        and the preview stays, so the caller can ask for a reason or call :meth:`discard`.
        """
        row = self._selected()
        value = coerce(row.key, value)
        self.state.set("draft_value", value)
        if value == row.value:
            self.discard()
            return None
        command = ChangeAssumption(self.target, self.state.get("set_name"), row.key, row.value, value,
                                   self._require_rationale(rationale))
        return self._commit(command)

    def change_distribution(self, distribution: Distribution | None, rationale: str | None = None) -> Command | None:
        """Store ``distribution`` (None: back to the default or the parent's) for the selected key."""
        row = self._selected()
        project = self.target.session.project_file
        old = stored_distribution(project, self.state.get("set_name"), row.key)
        if distribution == old:
            return None
        command = ChangeDistribution(self.target, self.state.get("set_name"), row.key, old, distribution,
                                     self._require_rationale(rationale))
        return self._commit(command)

    def discard(self) -> None:
        """Drop the draft value and any preview; show the stored value again."""
        row = self.state.row()
        self.state.set("draft_value", row.value if row else None)
        self._discard_preview()

    def _commit(self, command: Command) -> Command:
        self._push(command)
        self.state.set("rationale", "")
        log.info("committed: %s", command.label)
        return command

    def _selected(self) -> AssumptionRow:
        row = self.state.row()
        if row is None:
            raise AssumptionError("no assumption is selected")
        if self.state.get("locked"):
            raise AssumptionError(f"assumption set '{self.state.get('set_name')}' is locked",
                                  hint="Create a new set from it and change that one.")
        return row

    def _require_rationale(self, rationale: str | None) -> str:
        text = (rationale if rationale is not None else str(self.state.get("rationale"))).strip()
        if not text:
            raise AssumptionError("every assumption change needs a rationale",
                                  hint="Say why, for example the source of the new value.")
        return text
