"""Storage of named assumption sets with inheritance.

A set stores only the assumptions it overrides; the rest come from its parent chain. Defaults and
value checks belong to the engine's assumption specs, which the services layer applies. Each
stored value records who set it, when and why.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from workbench.clock import utc_now_text
from workbench.errors import AssumptionError, NotFoundError

DEFAULT_SET = "baseline"


@dataclass(frozen=True)
class StoredAssumption:
    """One stored override: its value, the set that stores it, and who set it when and why."""

    key: str
    value: Any
    origin: str
    rationale: str
    set_by: str
    set_at: str


def set_id(conn: sqlite3.Connection, name: str) -> int:
    row = conn.execute("SELECT id FROM assumption_sets WHERE name = ?", (name,)).fetchone()
    if row is None:
        names = [r[0] for r in conn.execute("SELECT name FROM assumption_sets ORDER BY id")]
        raise NotFoundError(f"no assumption set named '{name}'",
                            hint=f"Existing sets: {', '.join(names) or 'none'}.")
    return int(row[0])


def list_sets(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT s.name, p.name, s.locked, s.created_at, s.created_by FROM assumption_sets s"
        " LEFT JOIN assumption_sets p ON p.id = s.parent_id ORDER BY s.id")
    return [{"name": name, "parent": parent, "locked": bool(locked), "created_at": at, "created_by": by}
            for name, parent, locked, at, by in rows]


def create_set(conn: sqlite3.Connection, name: str, actor: str, parent: str | None = None) -> int:
    if not name.strip():
        raise AssumptionError("an assumption set needs a name")
    if conn.execute("SELECT 1 FROM assumption_sets WHERE name = ?", (name,)).fetchone():
        raise AssumptionError(f"an assumption set named '{name}' already exists")
    parent_id = set_id(conn, parent) if parent else None
    return int(conn.execute(
        "INSERT INTO assumption_sets (name, parent_id, locked, created_at, created_by) VALUES (?, ?, 0, ?, ?)",
        (name, parent_id, utc_now_text(), actor)).lastrowid)


def _chain(conn: sqlite3.Connection, name: str) -> list[tuple[int, str]]:
    chain, current = [], set_id(conn, name)
    seen = set()
    while current is not None and current not in seen:
        seen.add(current)
        row = conn.execute("SELECT name, parent_id FROM assumption_sets WHERE id = ?", (current,)).fetchone()
        chain.append((current, row[0]))
        current = row[1]
    return chain


def stored_overrides(conn: sqlite3.Connection, name: str) -> dict[str, StoredAssumption]:
    """Return the overrides that apply in set ``name``, the nearest set in the parent chain winning."""
    resolved: dict[str, StoredAssumption] = {}
    for identifier, set_name in _chain(conn, name):
        rows = conn.execute("SELECT key, value_json, rationale, set_by, set_at FROM assumptions"
                            " WHERE set_id = ? AND has_value = 1", (identifier,))
        for key, value_json, rationale, set_by, set_at in rows:
            if key not in resolved:
                resolved[key] = StoredAssumption(key, json.loads(value_json), set_name, rationale, set_by, set_at)
    return resolved


def is_locked(conn: sqlite3.Connection, name: str) -> bool:
    return bool(conn.execute("SELECT locked FROM assumption_sets WHERE id = ?", (set_id(conn, name),)).fetchone()[0])


def write_value(conn: sqlite3.Connection, name: str, key: str, value: Any, *, rationale: str, actor: str) -> None:
    """Store (or replace) the override of ``key`` in set ``name``; the caller has checked the value."""
    conn.execute(
        "INSERT INTO assumptions (set_id, key, value_json, rationale, set_by, set_at) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (set_id, key) DO UPDATE SET value_json = excluded.value_json,"
        " rationale = excluded.rationale, set_by = excluded.set_by, set_at = excluded.set_at, has_value = 1",
        (set_id(conn, name), key, json.dumps(value), rationale, actor, utc_now_text()))


def lock_set(conn: sqlite3.Connection, name: str) -> None:
    conn.execute("UPDATE assumption_sets SET locked = 1 WHERE id = ?", (set_id(conn, name),))


@dataclass(frozen=True)
class StoredDistribution:
    """One stored distribution (as its JSON object), the set that stores it, and who set it when and why."""

    key: str
    distribution: dict[str, Any]
    origin: str
    rationale: str
    set_by: str
    set_at: str


def stored_distributions(conn: sqlite3.Connection, name: str) -> dict[str, StoredDistribution]:
    """Return the distributions that apply in set ``name``, the nearest set in the parent chain winning."""
    resolved: dict[str, StoredDistribution] = {}
    for identifier, set_name in _chain(conn, name):
        rows = conn.execute(
            "SELECT key, distribution_json, distribution_rationale, distribution_set_by, distribution_set_at"
            " FROM assumptions WHERE set_id = ? AND distribution_json IS NOT NULL", (identifier,))
        for key, text, rationale, set_by, set_at in rows:
            if key not in resolved:
                resolved[key] = StoredDistribution(key, json.loads(text), set_name, rationale or "", set_by or "",
                                                   set_at or "")
    return resolved


def write_distribution(conn: sqlite3.Connection, name: str, key: str, distribution: dict[str, Any] | None, *,
                       rationale: str, actor: str) -> None:
    """Store (or replace, or with None remove) the distribution of ``key`` in set ``name``.

    The value stored for the key, if any, is kept; without one the row holds only the distribution.
    """
    identifier = set_id(conn, name)
    now = utc_now_text()
    if distribution is None:
        conn.execute("UPDATE assumptions SET distribution_json = NULL, distribution_rationale = NULL,"
                     " distribution_set_by = NULL, distribution_set_at = NULL WHERE set_id = ? AND key = ?",
                     (identifier, key))
        conn.execute("DELETE FROM assumptions WHERE set_id = ? AND key = ? AND has_value = 0", (identifier, key))
        return
    conn.execute(
        "INSERT INTO assumptions (set_id, key, value_json, rationale, set_by, set_at, has_value, distribution_json,"
        " distribution_rationale, distribution_set_by, distribution_set_at) VALUES (?, ?, 'null', '', ?, ?, 0, ?, ?, ?, ?)"
        " ON CONFLICT (set_id, key) DO UPDATE SET distribution_json = excluded.distribution_json,"
        " distribution_rationale = excluded.distribution_rationale, distribution_set_by = excluded.distribution_set_by,"
        " distribution_set_at = excluded.distribution_set_at",
        (identifier, key, actor, now, json.dumps(distribution, sort_keys=True), rationale, actor, now))
