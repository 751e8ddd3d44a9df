"""Rows of the report header (``report_info``) and of the sign-off stages (``signoffs``)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from workbench.clock import utc_now_text


@dataclass(frozen=True)
class SignoffRow:
    """One recorded sign-off stage, as stored."""

    id: int
    stage: str
    name: str
    role: str | None
    signed_at: str
    state_sha256: str
    assumption_set: str
    assumption_set_sha256: str
    statement_json: str
    signature_der: bytes | None
    signer: str | None
    signer_sha256: str | None
    actor: str


def report_info(conn: sqlite3.Connection) -> dict[str, Any]:
    """Return every stored header field as key to value."""
    return {key: json.loads(value) for key, value in
            conn.execute("SELECT key, value_json FROM report_info ORDER BY key")}


def set_report_info(conn: sqlite3.Connection, key: str, value: Any, actor: str) -> None:
    """Store ``value`` under ``key``; None deletes the field."""
    if value is None:
        conn.execute("DELETE FROM report_info WHERE key = ?", (key,))
        return
    conn.execute(
        "INSERT INTO report_info (key, value_json, set_by, set_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json, set_by = excluded.set_by,"
        " set_at = excluded.set_at",
        (key, json.dumps(value, ensure_ascii=False, sort_keys=True), actor, utc_now_text()))


def insert_signoff(conn: sqlite3.Connection, row: dict[str, Any]) -> int:
    """Insert a sign-off (the keys of :class:`SignoffRow` except ``id``) and return its id."""
    columns = [name for name in SignoffRow.__dataclass_fields__ if name != "id"]
    placeholders = ", ".join("?" for _ in columns)
    cursor = conn.execute(f"INSERT INTO signoffs ({', '.join(columns)}) VALUES ({placeholders})",
                          [row.get(name) for name in columns])
    return int(cursor.lastrowid)


def list_signoffs(conn: sqlite3.Connection) -> list[SignoffRow]:
    """Return every sign-off in the order they were recorded."""
    columns = list(SignoffRow.__dataclass_fields__)
    rows = conn.execute(f"SELECT {', '.join(columns)} FROM signoffs ORDER BY id")
    return [SignoffRow(*row) for row in rows]
