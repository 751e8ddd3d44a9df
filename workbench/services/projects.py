"""Creating and opening projects, for the CLI and the GUI alike."""

from __future__ import annotations

import logging
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from workbench.errors import DamagedProjectError, ProjectFileError
from workbench.project import assumption_sets
from workbench.project.store import Project, create_project, open_project

log = logging.getLogger(__name__)


def new_project(path: str | Path, name: str | None = None) -> Project:
    """Create a project file with an empty baseline assumption set, and return it open."""
    project = create_project(path, name)
    with project.transaction():
        assumption_sets.create_set(project.conn, assumption_sets.DEFAULT_SET, project.actor)
        project.log("create_assumption_set", f"assumption_set:{assumption_sets.DEFAULT_SET}",
                    {"name": assumption_sets.DEFAULT_SET, "parent": None})
    return project


def open_existing(path: str | Path, *, read_only: bool = False) -> Project:
    """Open a project file; see :func:`workbench.project.store.open_project` for the checks made."""
    project = open_project(path, read_only=read_only)
    log.info("opened project %s (format %d)", project.path, project.format_version)
    return project


@contextmanager
def reporting_damage(path: str | Path) -> Iterator[None]:
    """Turn SQLite's errors about a damaged or unreadable file into ProjectFileErrors naming ``path``.

    SQLite finds a damaged page only when a query reads it, which may be long after the file was
    opened. pandas wraps the same error in its own DatabaseError class. Constraint violations
    (sqlite3.IntegrityError) are program errors and pass through.
    """
    try:
        yield
    except sqlite3.IntegrityError:
        raise
    except sqlite3.OperationalError as exc:
        log.error("reading project %s failed: %s", path, exc)
        raise ProjectFileError(path, f"cannot be read: {exc}",
                               hint="Check that the file is still there and readable, then open it again.") from exc
    except Exception as exc:
        if not is_database_error(exc):
            raise
        log.error("project %s is damaged: %s", path, exc)
        raise DamagedProjectError(path, f"is damaged: {_sqlite_message(exc)}",
                                  hint="Restore it from a backup or ask the sender for a new copy; "
                                       "the file was not changed.") from exc


def is_database_error(exc: BaseException) -> bool:
    """Return True for SQLite's errors, raised directly or wrapped by pandas.read_sql."""
    if isinstance(exc, sqlite3.DatabaseError):
        return True
    import pandas as pd

    return isinstance(exc, pd.errors.DatabaseError)


def _sqlite_message(exc: BaseException) -> str:
    cause = exc.__cause__ if isinstance(exc.__cause__, sqlite3.Error) else exc
    return str(cause)


def project_summary(project: Project) -> dict:
    """Return counts of what the project holds, for status lines and the CLI."""
    conn = project.conn
    count = lambda table: int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: E731
    with reporting_damage(project.path):
        return {"name": project.name, "path": str(project.path), "format_version": project.format_version,
                "sources": count("sources"), "runs": count("runs"), "sites": count("sites"),
                "assets": count("assets"), "factors": count("factors"), "energy_rows": count("energy_hourly"),
                "audit_entries": count("audit_log")}
