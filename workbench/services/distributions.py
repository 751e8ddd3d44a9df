"""Reading, changing, exporting and importing the distributions of an assumption set.

A set stores a distribution with the assumption it belongs to (an assumption key such as
``pue``) or for an activity-data class (``meter.facility``, ``ef.location.hourly``,
``embodied.pcf`` ...; see :mod:`workbench.engine.uncertainty.defaults`). Inheritance follows
the set's parent chain, like values. Every change is one transaction with one audit entry per
key, and locked sets cannot change.

The exchange format is JSON with one row per key in the parameter-array layout of Brightway's
stats_arrays package (``uncertainty_type``, ``loc``, ``scale``, ``shape``, ``minimum``,
``maximum``, ``negative``), so LCA tools can read a set's distributions and write them back.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from workbench.engine.assumptions import SPECS
from workbench.engine.uncertainty.builder import Resolved
from workbench.engine.uncertainty.defaults import TABLE, check_key, is_activity_key
from workbench.engine.uncertainty.distributions import Distribution
from workbench.engine.uncertainty.parsing import parse_spec
from workbench.errors import AssumptionError, UsageError
from workbench.project import assumption_sets
from workbench.project.audit import canonical_json
from workbench.project.store import Project
from workbench.services import assumptions as assumption_service

log = logging.getLogger(__name__)

EXCHANGE_FORMAT = "carbon-workbench-distributions"
NUMERIC_ASSUMPTIONS = frozenset(key for key, spec in SPECS.items() if spec.kind == "number")


@dataclass(frozen=True)
class DistributionSet:
    """The distributions one assumption set stores or inherits, frozen for a computation."""

    set_name: str
    stored: Mapping[str, Resolved]

    def lookup(self, key: str) -> Resolved | None:
        """Return the stored distribution of ``key``, or None to use the default."""
        return self.stored.get(key)

    @property
    def sha256(self) -> str:
        """SHA-256 of the set's effective distributions, for reproducibility records."""
        data = {key: item.distribution.as_dict() for key, item in sorted(self.stored.items())}
        return hashlib.sha256(canonical_json({"set": self.set_name, "distributions": data}).encode()).hexdigest()


def snapshot(project: Project, set_name: str = assumption_service.DEFAULT_SET) -> DistributionSet:
    """Return the set's distributions (stored in it or in its parents)."""
    stored = {}
    for key, item in assumption_sets.stored_distributions(project.conn, set_name).items():
        basis = f"set in assumption set '{item.origin}'" + (f": {item.rationale}" if item.rationale else "")
        stored[key] = Resolved(Distribution.from_dict(item.distribution), item.origin, basis)
    return DistributionSet(set_name, stored)


def parse_assignments(items: list[str]) -> dict[str, Distribution | None]:
    """Parse ``KEY=SPEC`` items (``KEY=default`` removes the set's distribution); raise UsageError if invalid."""
    result: dict[str, Distribution | None] = {}
    for item in items:
        key, separator, spec = item.partition("=")
        key = key.strip()
        if not separator or not key or not spec.strip():
            raise UsageError(f"'{item}' is not KEY=SPEC", hint="Write for example pue=triangular:1.2,1.28,1.4.")
        if spec.strip().lower() == "default":
            result[key] = None
            continue
        result[key] = parse_spec(spec, multiplier=is_activity_key(key))
    return result


def change(project: Project, set_name: str, distributions: Mapping[str, Distribution | None], *, rationale: str,
           base: str | None = None) -> list[dict[str, Any]]:
    """Store distributions in ``set_name`` (created from ``base`` if new); None removes a set's own distribution.

    Returns one record per changed key with old and new distribution. Raises AssumptionError for
    unknown keys or correlations, locked sets or an empty rationale.
    """
    if not rationale.strip():
        raise AssumptionError("every distribution change needs a rationale",
                              hint="Say why, for example 'PUE measured over 12 months: +/-3 %'.")
    for key, distribution in distributions.items():
        check_key(key, distribution or Distribution.fixed(), set(NUMERIC_ASSUMPTIONS))
    with project.transaction():
        existing = {item["name"] for item in assumption_sets.list_sets(project.conn)}
        if set_name not in existing:
            assumption_sets.create_set(project.conn, set_name, project.actor, base or assumption_service.DEFAULT_SET)
            project.log("create_assumption_set", f"assumption_set:{set_name}",
                        {"name": set_name, "parent": base or assumption_service.DEFAULT_SET})
        if assumption_sets.is_locked(project.conn, set_name):
            raise AssumptionError(f"assumption set '{set_name}' is locked",
                                  hint="Create a new set from it and change that one.")
        current = assumption_sets.stored_distributions(project.conn, set_name)
        changes = []
        for key, distribution in distributions.items():
            new = None if distribution is None else distribution.as_dict()
            old = current.get(key)
            if (old.distribution if old else None) == new and (old is None or old.origin == set_name):
                continue
            assumption_sets.write_distribution(project.conn, set_name, key, new, rationale=rationale,
                                               actor=project.actor)
            changes.append({"set": set_name, "key": key, "old": old.distribution if old else None, "new": new,
                            "rationale": rationale})
        for item in changes:
            project.log("set_distribution", f"assumption_set:{set_name}", item)
    for item in changes:
        log.info("distribution %s.%s: %s -> %s", set_name, item["key"], item["old"], item["new"])
    return changes


def resolved_rows(project: Project, set_name: str = assumption_service.DEFAULT_SET) -> list[dict[str, Any]]:
    """Return every key that carries a distribution in the set, as the engine resolves it.

    Assumption keys give the absolute distribution at the set's value; activity classes give
    their multiplier (or, for the GPU offset, W). Member keys the set stores follow their class.
    """
    from workbench.engine.uncertainty import resolve

    a = assumption_service.snapshot(project, set_name)
    stored = snapshot(project, set_name)
    keys = [key for key in SPECS if key in TABLE or key in stored.stored]
    keys += [key for key in TABLE if key not in SPECS]
    keys += sorted(key for key in stored.stored if key not in SPECS and key not in TABLE)
    rows = []
    for key in keys:
        if key in SPECS:
            if getattr(a, key) is None:
                continue
            resolved, value = resolve.assumption(stored.lookup, key, a), getattr(a, key)
            label, unit = SPECS[key].label, SPECS[key].unit
        else:
            class_key = key.split(":", 1)[0]
            item = stored.lookup(key)
            resolved = resolve.multiplier(item) if item else resolve.activity(stored.lookup, class_key)
            row = TABLE.get(class_key) or TABLE["meter.facility"]
            value = 0.0 if class_key == "telemetry.gpu_offset_w" else 1.0
            label, unit = (row.label + (f": {key.split(':', 1)[1]}" if ":" in key else "")), row.unit
        rows.append({"key": key, "label": label, "unit": unit, "value": value,
                     "distribution": resolved.distribution.as_dict(), "describe": resolved.distribution.describe(),
                     "u95_percent": resolved.distribution.u95_percent(value) if value else None,
                     "origin": resolved.origin, "basis": resolved.basis})
    return rows


def export(project: Project, set_name: str = assumption_service.DEFAULT_SET) -> dict[str, Any]:
    """Return the set's distributions in the exchange format (stats_arrays codes), defaults included."""
    rows = []
    for item in resolved_rows(project, set_name):
        distribution = Distribution.from_dict(item["distribution"])
        row = distribution.to_stats_arrays(float(item["value"]))
        row.update({"key": item["key"], "label": item["label"], "unit": item["unit"],
                    "activity_multiplier": is_activity_key(item["key"]) and item["key"] != "telemetry.gpu_offset_w",
                    "origin": item["origin"], "basis": item["basis"], "correlation": distribution.correlation})
        rows.append(row)
    return {"format": EXCHANGE_FORMAT, "version": 1, "assumption_set": set_name,
            "codes": "stats_arrays uncertainty_type: 1 fixed, 2 lognormal (loc = ln median, scale = ln GSD), "
                     "3 normal, 4 uniform, 5 triangular (loc = mode), 10 beta (loc = alpha, shape = beta), "
                     "13 PERT (loc = mode, scale = lambda); activity multipliers are relative to recorded values",
            "distributions": rows}


def read_file(path: str | Path) -> dict[str, Distribution]:
    """Read distributions from a JSON file: the exchange format, or an object of key -> distribution object."""
    try:
        data = json.loads(Path(path).read_text("utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise UsageError(f"cannot read the distributions file {path}: {exc}") from None
    if isinstance(data, dict) and data.get("format") == EXCHANGE_FORMAT:
        rows = data.get("distributions", [])
    elif isinstance(data, dict):
        rows = [dict(value, key=key) for key, value in data.items()]
    else:
        raise UsageError(f"{path}: expected a JSON object", hint=f"Use the '{EXCHANGE_FORMAT}' export format.")
    result = {}
    for row in rows:
        key = row.get("key")
        if not key:
            raise UsageError(f"{path}: a distribution row without a key: {row}")
        if "uncertainty_type" in row or "uncertainty type" in row:
            distribution = Distribution.from_stats_arrays(row, relative=False)
        else:
            distribution = Distribution.from_dict(row)
        if row.get("correlation"):
            distribution = Distribution(distribution.kind, distribution.params, distribution.relative,
                                        row["correlation"])
        result[str(key)] = distribution
    return result
