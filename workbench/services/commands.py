"""Undoable edits as plain Python command objects, and a history that runs them.

A command is any object with a ``label`` (text for "Undo <label>" in the Edit menu), ``do()``
and ``undo()``. ``do()`` is called once when the command is pushed and again on every redo.
Commands never rewrite history in the project file: undoing an assumption change writes a new,
audited change back to the old value, so the append-only audit log shows the edit and its undo.

:class:`CommandStack` is the history without Qt, for the CLI and for tests; the GUI mirrors
the same command objects in a QUndoStack (``workbench.ui.undo``).
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, Any, Callable, Protocol, runtime_checkable

if TYPE_CHECKING:
    from workbench.services.session import Session

log = logging.getLogger(__name__)

UNDO_PREFIX = "Undo: "
REDO_PREFIX = "Redo: "


@runtime_checkable
class Command(Protocol):
    """One undoable edit."""

    label: str

    def do(self) -> None: ...

    def undo(self) -> None: ...


class CommandStack:
    """A linear undo history: pushing a command runs it and drops everything that was undone."""

    def __init__(self) -> None:
        self._commands: list[Command] = []
        self._index = 0  # commands[:index] are done
        self._listeners: list[Callable[[], None]] = []

    def subscribe(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` after every push, undo, redo and clear."""
        self._listeners.append(listener)

    def push(self, command: Command) -> None:
        """Run ``command.do()`` and record it; an exception leaves the history unchanged."""
        command.do()
        del self._commands[self._index:]
        self._commands.append(command)
        self._index += 1
        self._notify()

    def undo(self) -> None:
        """Undo the last done command; nothing happens when there is none."""
        if not self.can_undo():
            return
        self._commands[self._index - 1].undo()
        self._index -= 1
        self._notify()

    def redo(self) -> None:
        """Run again the last undone command; nothing happens when there is none."""
        if not self.can_redo():
            return
        self._commands[self._index].do()
        self._index += 1
        self._notify()

    def clear(self) -> None:
        self._commands.clear()
        self._index = 0
        self._notify()

    def can_undo(self) -> bool:
        return self._index > 0

    def can_redo(self) -> bool:
        return self._index < len(self._commands)

    def undo_label(self) -> str:
        return self._commands[self._index - 1].label if self.can_undo() else ""

    def redo_label(self) -> str:
        return self._commands[self._index].label if self.can_redo() else ""

    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener()


class AssumptionChange:
    """Change assumptions of one assumption set through a :class:`Session`, with a rationale.

    ``new`` and ``old`` map assumption keys to values. ``do()`` stores ``new`` with the
    rationale (prefixed "Redo: " after the first time); ``undo()`` stores ``old`` with the
    rationale prefixed "Undo: ". Both select the command's set first when another set is shown,
    so the user sees what was changed back. Each call writes its own audit entries.
    """

    def __init__(self, session: "Session", set_name: str, new: dict[str, Any], old: dict[str, Any],
                 rationale: str, label: str | None = None) -> None:
        if set(new) != set(old):
            raise ValueError("new and old values must name the same assumptions")
        self.session = session
        self.set_name = set_name
        self.new = dict(new)
        self.old = dict(old)
        self.rationale = rationale
        self.label = label or f"Change {', '.join(sorted(new))}"
        self.times_done = 0

    @classmethod
    def from_session(cls, session: "Session", new: dict[str, Any], rationale: str,
                     label: str | None = None) -> "AssumptionChange":
        """Build the change of the session's current set from its committed values to ``new``."""
        committed = session.committed
        if committed is None:
            raise RuntimeError("no project is open")
        old = {key: getattr(committed, key) for key in new}
        return cls(session, session.set_name, new, old, rationale, label)

    def do(self) -> None:
        rationale = self.rationale if self.times_done == 0 else REDO_PREFIX + self.rationale
        self._store(self.new, rationale)
        self.times_done += 1

    def undo(self) -> None:
        self._store(self.old, UNDO_PREFIX + self.rationale)

    def _store(self, values: dict[str, Any], rationale: str) -> None:
        if self.session.set_name != self.set_name:
            self.session.select_set(self.set_name)
        # NOTE: an old value that the set inherited from its parent is stored in the set itself
        # on undo, so later changes to the parent no longer reach this set for that key.
        self.session.commit(values, rationale)
        log.info("assumption set %s: %s (%s)", self.set_name, values, rationale)


def same_value(old: Any, new: Any) -> bool:
    """Return whether two assumption values are equal (floats to 1e-9, None equals empty text)."""
    if isinstance(old, float) and isinstance(new, (float, int)):
        return math.isclose(old, float(new), rel_tol=0, abs_tol=1e-9)
    return (old or "") == (new or "")
