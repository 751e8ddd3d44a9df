"""Creating and opening projects, for the CLI and the GUI alike."""

from __future__ import annotations

import logging
from pathlib import Path

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


def project_summary(project: Project) -> dict:
    """Return counts of what the project holds, for status lines and the CLI."""
    conn = project.conn
    count = lambda table: int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: E731
    return {"name": project.name, "path": str(project.path), "format_version": project.format_version,
            "sources": count("sources"), "runs": count("runs"), "sites": count("sites"),
            "assets": count("assets"), "factors": count("factors"), "energy_rows": count("energy_hourly"),
            "audit_entries": count("audit_log")}
