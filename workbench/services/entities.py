"""Editing sites and runs: each change is one transaction with an audit entry."""

from __future__ import annotations

import logging

from workbench.errors import NotFoundError, UsageError
from workbench.ingest.common import resolve_timezone
from workbench.project import repo
from workbench.project.store import Project

log = logging.getLogger(__name__)

RUN_KINDS = ("final", "experiment", "failed", "evaluation")
PUE_CATEGORIES = ("PUE1", "PUE2", "PUE3", "")


def configure_site(project: Project, name: str, *, grid_zone: str | None = None, timezone: str | None = None,
                   pue_category: str | None = None) -> dict:
    """Create site ``name`` if needed and set the fields given; return the site as stored."""
    if timezone:
        resolve_timezone(timezone)
    if pue_category is not None and pue_category not in PUE_CATEGORIES:
        raise UsageError(f"unknown PUE category '{pue_category}'",
                         hint="Use PUE1 (UPS output), PUE2 (PDU output) or PUE3 (IT equipment input).")
    fields = {key: value for key, value in (("grid_zone", grid_zone), ("timezone", timezone),
                                            ("pue_category", pue_category)) if value is not None}
    with project.transaction():
        before = repo.site_by_name(project.conn, name)
        repo.ensure_site(project.conn, name)
        if fields:
            repo.update_site(project.conn, name, **fields)
        after = repo.site_by_name(project.conn, name)
        project.log("configure_site", f"site:{name}", {"before": before, "after": after})
    log.info("site %s: %s", name, fields)
    return after


def update_run(project: Project, name: str, *, kind: str | None = None, site: str | None = None,
               functional_unit: str | None = None, functional_unit_amount: float | None = None) -> None:
    """Change a run's kind, site or functional unit."""
    if kind is not None and kind not in RUN_KINDS:
        raise UsageError(f"unknown run kind '{kind}'", hint=f"Use one of: {', '.join(RUN_KINDS)}.")
    with project.transaction():
        row = project.conn.execute("SELECT id, kind, site_id, functional_unit, functional_unit_amount FROM runs"
                                   " WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise NotFoundError(f"no run named '{name}'")
        run_id = row[0]
        changes = {}
        if kind is not None:
            project.conn.execute("UPDATE runs SET kind = ? WHERE id = ?", (kind, run_id))
            changes["kind"] = [row[1], kind]
        if site is not None:
            site_id = repo.ensure_site(project.conn, site)
            project.conn.execute("UPDATE runs SET site_id = ? WHERE id = ?", (site_id, run_id))
            changes["site_id"] = [row[2], site_id]
        if functional_unit is not None:
            project.conn.execute("UPDATE runs SET functional_unit = ?, functional_unit_amount = ? WHERE id = ?",
                                 (functional_unit, functional_unit_amount, run_id))
            changes["functional_unit"] = [[row[3], row[4]], [functional_unit, functional_unit_amount]]
        project.log("update_run", f"run:{name}", changes)
