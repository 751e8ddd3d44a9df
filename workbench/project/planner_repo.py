"""Storage of the reduction planner: lever sets, reuse records of runs, and narratives.

A lever's assumption set is an ordinary row of ``assumption_sets`` (created through
:mod:`workbench.project.assumption_sets`); ``planner_levers`` adds its kind and parameters.
The caller checks values and owns the transaction.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from workbench.clock import utc_now_text
from workbench.project.assumption_sets import set_id

REUSE_COLUMNS = ("relation", "base_model", "accelerators", "accelerator_model", "accelerator_hours", "avg_power_w",
                 "tdp_w", "power_basis", "energy_kwh", "flops", "start_utc", "end_utc", "source_text")


def insert_lever(conn: sqlite3.Connection, set_name: str, kind: str, parameters: dict[str, Any], *, rationale: str,
                 actor: str) -> None:
    """Record that set ``set_name`` is a lever of ``kind`` with ``parameters``."""
    conn.execute("INSERT INTO planner_levers (set_id, kind, parameters_json, rationale, created_by, created_at)"
                 " VALUES (?, ?, ?, ?, ?, ?)",
                 (set_id(conn, set_name), kind, json.dumps(parameters, sort_keys=True), rationale, actor,
                  utc_now_text()))


def list_levers(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Return every lever set with its parent set, kind, parameters and who created it when."""
    rows = conn.execute(
        "SELECT s.name, p.name, l.kind, l.parameters_json, l.rationale, l.created_by, l.created_at"
        " FROM planner_levers l JOIN assumption_sets s ON s.id = l.set_id"
        " LEFT JOIN assumption_sets p ON p.id = s.parent_id ORDER BY s.id")
    return [{"set": name, "parent": parent, "kind": kind, "parameters": json.loads(parameters),
             "rationale": rationale, "created_by": by, "created_at": at}
            for name, parent, kind, parameters, rationale, by, at in rows]


def upsert_reuse(conn: sqlite3.Connection, run_id: int, record: dict[str, Any], *, actor: str) -> None:
    """Store (or replace) the reuse record of run ``run_id``; ``record`` has the keys of REUSE_COLUMNS."""
    columns = ", ".join(REUSE_COLUMNS)
    marks = ", ".join("?" for _ in REUSE_COLUMNS)
    updates = ", ".join(f"{name} = excluded.{name}" for name in REUSE_COLUMNS + ("set_by", "set_at"))
    conn.execute(f"INSERT INTO run_reuse (run_id, {columns}, set_by, set_at) VALUES (?, {marks}, ?, ?)"
                 f" ON CONFLICT (run_id) DO UPDATE SET {updates}",
                 (run_id, *[record.get(name) for name in REUSE_COLUMNS], actor, utc_now_text()))


def list_reuse(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Return every reuse record with its run's name."""
    columns = ", ".join(f"u.{name}" for name in REUSE_COLUMNS)
    rows = conn.execute(f"SELECT r.name, {columns}, u.set_by, u.set_at FROM run_reuse u"
                        " JOIN runs r ON r.id = u.run_id ORDER BY r.name")
    keys = ("run",) + REUSE_COLUMNS + ("set_by", "set_at")
    return [dict(zip(keys, row)) for row in rows]


def set_narrative(conn: sqlite3.Connection, topic: str, text: str, *, actor: str) -> None:
    """Store the narrative of ``topic``; an empty text removes it."""
    if not text.strip():
        conn.execute("DELETE FROM planner_narratives WHERE topic = ?", (topic,))
        return
    conn.execute("INSERT INTO planner_narratives (topic, text, set_by, set_at) VALUES (?, ?, ?, ?)"
                 " ON CONFLICT (topic) DO UPDATE SET text = excluded.text, set_by = excluded.set_by,"
                 " set_at = excluded.set_at", (topic, text, actor, utc_now_text()))


def list_narratives(conn: sqlite3.Connection) -> dict[str, dict[str, str]]:
    """Return the stored narratives by topic, with who set them when."""
    rows = conn.execute("SELECT topic, text, set_by, set_at FROM planner_narratives")
    return {topic: {"text": text, "set_by": by, "set_at": at} for topic, text, by, at in rows}
