"""Undoable assumption changes as plain Python commands, and the rows the assumption editor shows.

A command has ``label`` (the text of the Edit menu's Undo and Redo items), ``do()`` and
``undo()``; the Qt undo stack only mirrors it. Both directions write through the services, so
each is an audited change with a rationale: ``do()`` stores the new value with the user's
rationale, ``undo()`` stores the old value again with a rationale that names the change it
reverses. The audit log stays append-only; undo never deletes an entry.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from workbench.engine.assumptions import SPECS
from workbench.engine.uncertainty import resolve as uncertainty_resolve
from workbench.engine.uncertainty.distributions import Distribution
from workbench.project.store import Project
from workbench.services import assumptions as assumption_service
from workbench.services import distributions as distribution_service

if TYPE_CHECKING:
    from workbench.services.session import Session

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AssumptionRow:
    """One assumption of a set as the editor shows it.

    ``distribution`` is the absolute distribution at ``value`` (None for text and choice
    assumptions and for empty optional numbers); ``distribution_origin`` is the set storing it
    or "default".
    """

    key: str
    label: str
    value: Any
    unit: str
    kind: str
    origin: str
    rationale: str
    source: str
    distribution: Distribution | None
    distribution_origin: str
    minimum: float | None
    maximum: float | None
    choices: tuple[str, ...]


def assumption_rows(project: Project, set_name: str) -> list[AssumptionRow]:
    """Return every assumption of set ``set_name`` with value, unit, source and distribution, in SPECS order."""
    resolved = assumption_service.resolve(project, set_name)
    snapshot = assumption_service.snapshot(project, set_name)
    stored = distribution_service.snapshot(project, set_name)
    rows = []
    for key, spec in SPECS.items():
        item = resolved[key]
        distribution, distribution_origin = None, ""
        if spec.kind == "number" and item.value is not None:
            found = uncertainty_resolve.assumption(stored.lookup, key, snapshot)
            distribution, distribution_origin = found.distribution, found.origin
        source = spec.basis if item.origin == "default" else f"set in '{item.origin}' by {item.set_by or 'unknown'}"
        rows.append(AssumptionRow(key, spec.label, item.value, spec.unit, spec.kind, item.origin, item.rationale,
                                  source, distribution, distribution_origin, spec.minimum, spec.maximum,
                                  spec.choices))
    return rows


class SessionTarget:
    """Writes assumption values and distributions of a set through the services, then refreshes ``session``.

    ``changed`` listeners are called with the set name after every write, so an editor can
    reload its rows (distributions are not a session field).
    """

    def __init__(self, session: "Session") -> None:
        self.session = session
        self.changed: list[Callable[[str], None]] = []

    def write_values(self, set_name: str, values: dict[str, Any], rationale: str) -> list[dict[str, Any]]:
        if set_name == self.session.set_name:
            changes = self.session.commit(values, rationale)
        else:
            changes = assumption_service.change(self._project(), set_name, values, rationale=rationale)
            self.session.refresh_audit()
        self._notify(set_name)
        return changes

    def write_distribution(self, set_name: str, key: str, distribution: Distribution | None,
                           rationale: str) -> list[dict[str, Any]]:
        changes = distribution_service.change(self._project(), set_name, {key: distribution}, rationale=rationale)
        self.session.refresh_audit()
        self._notify(set_name)
        return changes

    def _project(self) -> Project:
        project = self.session.project_file
        if project is None:
            raise RuntimeError("no project is open")
        return project

    def _notify(self, set_name: str) -> None:
        for listener in list(self.changed):
            listener(set_name)


def _undo_rationale(label: str, rationale: str) -> str:
    return f"Undo of '{label}' (its reason was: {rationale})"


class ChangeAssumption:
    """Set assumption ``key`` of ``set_name`` from ``old`` to ``new`` with ``rationale``.

    NOTE: undo stores ``old`` in the set itself, even when it was inherited from a parent set or
    was the shipped default; the value is the same, but the set then holds its own override.
    """

    def __init__(self, target: SessionTarget, set_name: str, key: str, old: Any, new: Any, rationale: str) -> None:
        if not rationale.strip():
            raise ValueError("an assumption change needs a rationale")
        self.target, self.set_name, self.key = target, set_name, key
        self.old, self.new, self.rationale = old, new, rationale.strip()
        self.label = f"Set {SPECS[key].label} to {_shown(new)} in '{set_name}'"

    def do(self) -> None:
        self.target.write_values(self.set_name, {self.key: self.new}, self.rationale)

    def undo(self) -> None:
        self.target.write_values(self.set_name, {self.key: self.old}, _undo_rationale(self.label, self.rationale))


class ChangeDistribution:
    """Set the distribution of ``key`` in ``set_name`` from ``old`` to ``new`` (None: the set's own one removed)."""

    def __init__(self, target: SessionTarget, set_name: str, key: str, old: Distribution | None,
                 new: Distribution | None, rationale: str) -> None:
        if not rationale.strip():
            raise ValueError("a distribution change needs a rationale")
        self.target, self.set_name, self.key = target, set_name, key
        self.old, self.new, self.rationale = old, new, rationale.strip()
        shown = new.describe() if new is not None else "the default"
        self.label = f"Set the distribution of {SPECS[key].label if key in SPECS else key} to {shown}"

    def do(self) -> None:
        self.target.write_distribution(self.set_name, self.key, self.new, self.rationale)

    def undo(self) -> None:
        self.target.write_distribution(self.set_name, self.key, self.old, _undo_rationale(self.label, self.rationale))


def stored_distribution(project: Project, set_name: str, key: str) -> Distribution | None:
    """Return the distribution set ``set_name`` stores or inherits for ``key``, None when it uses the default."""
    found = distribution_service.snapshot(project, set_name).lookup(key)
    return found.distribution if found is not None else None


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "(empty)"
    return f"{value:g}" if isinstance(value, float) else str(value)
