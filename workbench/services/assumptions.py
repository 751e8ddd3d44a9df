"""Reading and changing assumption sets; every change is one transaction with an audit entry."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from workbench.engine.assumptions import SPECS, Assumptions, coerce
from workbench.errors import AssumptionError
from workbench.project import assumption_sets
from workbench.project.audit import canonical_json
from workbench.project.store import Project

log = logging.getLogger(__name__)

DEFAULT_SET = assumption_sets.DEFAULT_SET


@dataclass(frozen=True)
class ResolvedAssumption:
    """An assumption's effective value in a set, its unit, and where the value came from."""

    key: str
    label: str
    value: Any
    unit: str
    origin: str  # the set storing the value, or "default"
    rationale: str
    set_by: str | None
    set_at: str | None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def resolve(project: Project, set_name: str = DEFAULT_SET) -> dict[str, ResolvedAssumption]:
    """Return every assumption of set ``set_name`` with value, unit and origin."""
    stored = assumption_sets.stored_overrides(project.conn, set_name)
    resolved = {}
    for key, spec in SPECS.items():
        if key in stored:
            item = stored[key]
            resolved[key] = ResolvedAssumption(key, spec.label, item.value, spec.unit, item.origin, item.rationale,
                                               item.set_by, item.set_at)
        else:
            resolved[key] = ResolvedAssumption(key, spec.label, spec.default, spec.unit, "default",
                                               f"default: {spec.basis}", None, None)
    return resolved


def snapshot(project: Project, set_name: str = DEFAULT_SET) -> Assumptions:
    """Return the frozen assumptions of set ``set_name`` for the engine, marking values still at their default."""
    resolved = resolve(project, set_name)
    defaulted = frozenset(key for key, item in resolved.items() if item.origin == "default")
    return Assumptions.from_values({key: item.value for key, item in resolved.items()}, defaulted)


def set_hash(project: Project, set_name: str = DEFAULT_SET) -> str:
    """SHA-256 of the set's effective values, so a report can tell whether they changed since."""
    values = {key: item.value for key, item in resolve(project, set_name).items()}
    return hashlib.sha256(canonical_json({"set": set_name, "values": values}).encode()).hexdigest()


def list_sets(project: Project) -> list[dict[str, Any]]:
    return assumption_sets.list_sets(project.conn)


def create_set(project: Project, name: str, base: str | None = DEFAULT_SET) -> None:
    """Create set ``name`` inheriting from ``base``."""
    with project.transaction():
        assumption_sets.create_set(project.conn, name, project.actor, base)
        project.log("create_assumption_set", f"assumption_set:{name}", {"name": name, "parent": base})
    log.info("created assumption set %s from %s", name, base)


def change(project: Project, set_name: str, values: dict[str, Any], *, rationale: str,
           base: str | None = None) -> list[dict[str, Any]]:
    """Set assumption values in ``set_name`` (created from ``base`` if it does not exist).

    Returns one record per changed key with old and new value; unchanged keys are skipped.
    Raises AssumptionError for unknown keys, invalid values, locked sets or an empty rationale.
    """
    if not rationale.strip():
        raise AssumptionError("every assumption change needs a rationale",
                              hint="Say why, for example 'PUE measured by the operator for 2025'.")
    checked = {key: coerce(key, value) for key, value in values.items()}
    with project.transaction():
        existing = {item["name"] for item in assumption_sets.list_sets(project.conn)}
        if set_name not in existing:
            assumption_sets.create_set(project.conn, set_name, project.actor, base or DEFAULT_SET)
            project.log("create_assumption_set", f"assumption_set:{set_name}",
                        {"name": set_name, "parent": base or DEFAULT_SET})
        elif base is not None:
            log.info("assumption set %s exists; --from %s is ignored", set_name, base)
        if assumption_sets.is_locked(project.conn, set_name):
            raise AssumptionError(f"assumption set '{set_name}' is locked",
                                  hint="Create a new set from it and change that one.")
        current = resolve(project, set_name)
        changes = []
        for key, value in checked.items():
            if current[key].value == value and current[key].origin == set_name:
                continue
            assumption_sets.write_value(project.conn, set_name, key, value, rationale=rationale,
                                        actor=project.actor)
            changes.append({"set": set_name, "key": key, "old": current[key].value, "new": value,
                            "unit": SPECS[key].unit, "rationale": rationale})
        for item in changes:
            project.log("set_assumption", f"assumption_set:{set_name}", item)
    for item in changes:
        log.info("assumption %s.%s: %r -> %r", set_name, item["key"], item["old"], item["new"])
    return changes
