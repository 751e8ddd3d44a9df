"""Named, recorded schema migrations of the project file.

``PRAGMA user_version`` holds the number of applied migrations, and the ``schema_migrations``
table records each one with the application version that applied it. A migration runs inside
the caller's transaction, so a failure leaves the file at its previous version.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from importlib import resources
from typing import Callable

from workbench import __version__
from workbench.clock import utc_now_text


@dataclass(frozen=True)
class Migration:
    """One schema step; ``version`` is the user_version the file has after it."""

    version: int
    name: str
    apply: Callable[[sqlite3.Connection], None]


def _execute_script(conn: sqlite3.Connection, script: str) -> None:
    # executescript() would COMMIT the open transaction, so run statement by statement.
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            conn.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement in migration: {statement[:60]!r}")


def _initial_schema(conn: sqlite3.Connection) -> None:
    script = resources.files("workbench.project").joinpath("schema_v1.sql").read_text("utf-8")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
        " applied_at TEXT NOT NULL, app_version TEXT NOT NULL)"
    )
    _execute_script(conn, script)


def _ingest_libraries(conn: sqlite3.Connection) -> None:
    script = resources.files("workbench.project").joinpath("migration_0002_ingest_libraries.sql").read_text("utf-8")
    _execute_script(conn, script)


def _inventory_and_declared_runs(conn: sqlite3.Connection) -> None:
    script = resources.files("workbench.project").joinpath("migration_0003_inventory.sql").read_text("utf-8")
    _execute_script(conn, script)


def _gpu_attribution(conn: sqlite3.Connection) -> None:
    script = resources.files("workbench.project").joinpath("migration_0004_gpu_attribution.sql").read_text("utf-8")
    _execute_script(conn, script)


def _distributions(conn: sqlite3.Connection) -> None:
    script = resources.files("workbench.project").joinpath("migration_0005_distributions.sql").read_text("utf-8")
    _execute_script(conn, script)


def _report_header_and_signoffs(conn: sqlite3.Connection) -> None:
    script = resources.files("workbench.project").joinpath("migration_0006_disclosure.sql").read_text("utf-8")
    _execute_script(conn, script)


def _planner(conn: sqlite3.Connection) -> None:
    script = resources.files("workbench.project").joinpath("migration_0007_planner.sql").read_text("utf-8")
    _execute_script(conn, script)


def _energy_index(conn: sqlite3.Connection) -> None:
    script = resources.files("workbench.project").joinpath("migration_0008_energy_index.sql").read_text("utf-8")
    _execute_script(conn, script)


def _run_energy_totals(conn: sqlite3.Connection) -> None:
    from workbench.project import energy_totals

    script = resources.files("workbench.project").joinpath("migration_0009_run_energy_totals.sql").read_text("utf-8")
    _execute_script(conn, script)
    energy_totals.refresh(conn)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "0001_initial_schema", _initial_schema),
    Migration(2, "0002_ingest_libraries", _ingest_libraries),
    Migration(3, "0003_inventory_and_declared_runs", _inventory_and_declared_runs),
    Migration(4, "0004_gpu_hours_jobs_allocations", _gpu_attribution),
    Migration(5, "0005_assumption_distributions", _distributions),
    Migration(6, "0006_report_header_and_signoffs", _report_header_and_signoffs),
    Migration(7, "0007_reduction_planner", _planner),
    Migration(8, "0008_covering_run_energy_index", _energy_index),
    Migration(9, "0009_stored_run_energy_totals", _run_energy_totals),
)

CURRENT_VERSION = MIGRATIONS[-1].version


def unknown_steps(conn: sqlite3.Connection) -> list[tuple[int, str, str | None]]:
    """Return (version, recorded name, expected name) for every recorded step this workbench does not know.

    A file written by a development build may record another schema under a known version
    number, so upgrading it would apply later steps to tables that are not there.
    """
    expected = {migration.version: migration.name for migration in MIGRATIONS}
    recorded = conn.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall()
    return [(int(version), name, expected.get(int(version))) for version, name in recorded
            if expected.get(int(version)) != name]


def pending(current_version: int) -> list[Migration]:
    """Return the migrations a file at ``current_version`` still needs, in order."""
    return [m for m in MIGRATIONS if m.version > current_version]


def apply_pending(conn: sqlite3.Connection, current_version: int) -> list[str]:
    """Apply every pending migration on ``conn`` and return their names.

    The caller owns the transaction; ``user_version`` is set after each step.
    """
    applied = []
    for migration in pending(current_version):
        migration.apply(conn)
        conn.execute(
            "INSERT INTO schema_migrations (version, name, applied_at, app_version) VALUES (?, ?, ?, ?)",
            (migration.version, migration.name, utc_now_text(), __version__),
        )
        conn.execute(f"PRAGMA user_version = {int(migration.version)}")
        applied.append(migration.name)
    return applied
