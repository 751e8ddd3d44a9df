"""Checks that a project file holds only the schema this workbench's migrations create.

A project file arrives from someone else, and its ``sqlite_schema`` table is code. A planted
trigger runs on the next insert, because ``trusted_schema=OFF`` stops only unsafe functions, not
plain SQL in triggers. A view can shadow a table, and a changed column default or generated
column runs when a row is written. Before anything writes to a file, its schema is compared with the
schema that replaying the migrations up to its format version gives, object by object, and any
object added, removed or changed is reported by type and name. Free-text columns shown in the
application and in reports are also checked for values too long to display.
"""

from __future__ import annotations

import functools
import logging
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from workbench.errors import DamagedProjectError
from workbench.project import migrations

log = logging.getLogger(__name__)

# Text columns that the application and reports show in full. A file with a longer value is rejected
# at open, so no table view, dialog or report line has to lay out megabytes of text.
NAME_COLUMNS = (("sources", "original_name"), ("sources", "original_path"), ("sites", "name"), ("runs", "name"),
                ("assets", "item"), ("assets", "category"), ("assets", "embodied_source"),
                ("assumption_sets", "name"), ("assumptions", "key"), ("assumptions", "set_by"),
                ("project_meta", "key"), ("audit_log", "actor"), ("rejected_rows", "column_name"))
LONG_TEXT_COLUMNS = (("assumptions", "rationale"), ("assumptions", "distribution_rationale"),
                     ("project_meta", "value"), ("sources", "notes_json"), ("sources", "options_json"),
                     ("audit_log", "details_json"), ("rejected_rows", "raw_value"), ("rejected_rows", "reason"))
MAX_NAME_CHARS = 4_096
MAX_LONG_TEXT_CHARS = 1_000_000
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class SchemaObject:
    """One row of ``sqlite_schema``: its type, name, table and normalized SQL."""

    type: str
    name: str
    table: str
    sql: str

    def describe(self) -> str:
        where = f" on table {self.table}" if self.type in ("trigger", "index") and self.table != self.name else ""
        return f"{self.type} '{self.name}'{where}"


def _objects(conn: sqlite3.Connection) -> dict[tuple[str, str], SchemaObject]:
    rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_schema").fetchall()
    return {(kind, name): SchemaObject(kind, name, table, _SPACE.sub(" ", sql or "").strip())
            for kind, name, table, sql in rows}


@functools.lru_cache(maxsize=None)
def expected_objects(version: int) -> dict[tuple[str, str], SchemaObject]:
    """Return the schema objects that migrations 1..``version`` create, from a scratch in-memory database."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        conn.execute("BEGIN")
        for migration in migrations.MIGRATIONS:
            if migration.version <= version:
                migration.apply(conn)
        conn.execute("COMMIT")
        return _objects(conn)
    finally:
        conn.close()


def schema_differences(conn: sqlite3.Connection, version: int) -> tuple[list[str], list[str]]:
    """Compare the file's schema with format ``version``; return (problems, warnings), one line per object.

    Added or changed objects and missing tables or views are problems. A missing trigger or index
    runs no code and loses no data, so it is a warning: the audit log's append-only triggers,
    for one, are dropped by whoever edits entries, and the hash chain reports those edits.
    """
    found = _objects(conn)
    expected = expected_objects(version)
    problems, warnings = [], []
    for key, item in sorted(found.items()):
        if key not in expected:
            problems.append(f"{item.describe()} was added")
        elif expected[key].sql != item.sql:
            problems.append(f"{item.describe()} was changed")
    for key, item in sorted(expected.items()):
        if key not in found:
            (warnings if item.type in ("trigger", "index") else problems).append(f"{item.describe()} is missing")
    return problems, warnings


def check_schema(path: Path, conn: sqlite3.Connection, version: int) -> None:
    """Raise DamagedProjectError when the file's schema differs from what format ``version`` has."""
    problems, warnings = schema_differences(conn, version)
    for warning in warnings:
        log.warning("project %s: %s", path, warning)
    if not problems:
        return
    shown = "; ".join(problems[:8]) + (f"; and {len(problems) - 8} more" if len(problems) > 8 else "")
    raise DamagedProjectError(
        path, f"has a schema that this workbench did not create ({shown})",
        hint="The file was altered outside Carbon Workbench and could run code when written to, so it was "
             "not opened and not changed. Ask the sender for the original project, or rebuild it from its "
             "input files.")


def check_text_sizes(path: Path, conn: sqlite3.Connection) -> None:
    """Raise DamagedProjectError when a name or free-text value is longer than the application displays."""
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
    for columns, limit in ((NAME_COLUMNS, MAX_NAME_CHARS), (LONG_TEXT_COLUMNS, MAX_LONG_TEXT_CHARS)):
        for table, column in columns:
            if table not in tables or column not in _columns(conn, table):
                continue
            # NOTE: length() reads each value once inside SQLite; nothing of it reaches Python.
            row = conn.execute(f'SELECT rowid, length("{column}") FROM "{table}" WHERE length("{column}") > ?'
                               " LIMIT 1", (limit,)).fetchone()
            if row is not None:
                raise DamagedProjectError(
                    path, f"row {row[0]} of {table} has a {column} of {row[1]:,} characters, more than the "
                          f"{limit:,} this workbench shows",
                    hint="The file was altered outside Carbon Workbench or written by another program, so it "
                         "was not opened and not changed. Ask the sender for the original project.")


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')}
