"""Helpers for the hostile project file tests: a small real project, the real open path, file hashes."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

from shared_paths import samples_dir
from workbench.errors import WorkbenchError
from workbench.project import audit
from workbench.services import assumptions, entities, imports, projects
from workbench.services.session import Session

FACTORS_CSV = ("zone,period_start,period_end,co2e_g_per_kwh,source\n"
               "CN,2025-01-01,2025-12-31,581,test value for the hostile file tests\n")
ASSETS_CSV = ("item,category,quantity,acquired,embodied_co2e_kg_per_unit,lifetime_years,embodied_source\n"
              "GPU server,server,1,2025-01-10,2500,5,vendor PCF\nH100 GPU,gpu,8,2025-01-10,150,5,BLOOM\n")


def build_base_project(folder: Path) -> Path:
    """Write a small current-format project with a site, factors, assets, GPU energy and an assumption."""
    (folder / "factors.csv").write_text(FACTORS_CSV)
    (folder / "assets.csv").write_text(ASSETS_CSV)
    path = folder / "base.cwb"
    with projects.new_project(path, "Hostile file base") as project:
        entities.configure_site(project, "lab", grid_zone="CN", timezone="UTC", pue_category="PUE3")
        imports.import_file(project, folder / "factors.csv", imports.ImportOptions(kind="factors"))
        imports.import_file(project, folder / "assets.csv", imports.ImportOptions(kind="procurement", site="lab"))
        imports.import_file(project, samples_dir() / "nvidia_smi" / "xypp3__gpu_glasses__nvidia_smi.csv",
                            imports.ImportOptions(kind="gpu-log", site="lab", run="glasses"))
        assumptions.change(project, "baseline", {"td_loss_rate": 0.05}, rationale="grid losses from the utility")
        project.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def copy_project(base: Path, folder: Path, name: str = "case.cwb") -> Path:
    target = folder / name
    shutil.copyfile(base, target)
    return target


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def open_and_use(path: Path) -> Session:
    """Open ``path`` the way the application does, compute the footprint, check the audit log, close it.

    Returns the session's audit status holder only for callers that want it; raises whatever the
    open path raises.
    """
    session = Session()
    session.open(path)
    try:
        project = session.project_file
        projects.project_summary(project)
        audit.verify_chain(project.conn)
        return session.audit
    finally:
        session.close()


def outcome(path: Path) -> tuple[str, BaseException | None]:
    """Open ``path``; return ("opened", None) or ("refused", the WorkbenchError). Other exceptions propagate."""
    try:
        open_and_use(path)
    except WorkbenchError as exc:
        return "refused", exc
    return "opened", None


def raw_execute(path: Path, *statements: str) -> None:
    """Change a project file behind the workbench's back, as an attacker with a SQLite shell would."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for statement in statements:
            conn.execute(statement)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
