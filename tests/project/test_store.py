"""The project file: identity, format version, migrations, refusal of foreign files, transactions."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest

from workbench.errors import DamagedProjectError, ForeignFileError, NewerFormatError, ProjectFileError
from workbench.project import migrations
from workbench.project.store import APPLICATION_ID, create_project, open_project


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_new_project_identity_and_format(tmp_path):
    path = tmp_path / "p.cwb"
    create_project(path, "Identity").close()

    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert raw.execute("PRAGMA user_version").fetchone()[0] == migrations.CURRENT_VERSION
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    recorded = raw.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall()
    assert recorded == [(migration.version, migration.name) for migration in migrations.MIGRATIONS]
    assert recorded == [(1, "0001_initial_schema"), (2, "0002_ingest_libraries"),
                        (3, "0003_inventory_and_declared_runs"), (4, "0004_gpu_hours_jobs_allocations"),
                        (5, "0005_assumption_distributions"), (6, "0006_report_header_and_signoffs"),
                        (7, "0007_reduction_planner"), (8, "0008_covering_run_energy_index"),
                        (9, "0009_stored_run_energy_totals")]
    raw.close()

    project = open_project(path)
    assert project.name == "Identity"
    assert project.conn.execute("PRAGMA trusted_schema").fetchone()[0] == 0
    project.close()


def test_existing_path_is_not_overwritten(tmp_path):
    path = tmp_path / "p.cwb"
    path.write_text("keep me")
    with pytest.raises(ProjectFileError, match="already exists"):
        create_project(path)
    assert path.read_text() == "keep me"


def test_foreign_sqlite_file_rejected_unchanged(tmp_path):
    path = tmp_path / "other.db"
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE customers (id INTEGER)")
    raw.commit()
    raw.close()
    before = digest(path)

    with pytest.raises(ForeignFileError, match="not a Carbon Workbench project"):
        open_project(path)
    assert digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]


def test_non_sqlite_file_rejected_unchanged(tmp_path):
    path = tmp_path / "notes.cwb"
    path.write_bytes(b"plain text that is long enough to look like a header " * 4)
    before = digest(path)
    with pytest.raises(ForeignFileError, match="not an SQLite database"):
        open_project(path)
    assert digest(path) == before


def test_newer_format_rejected_unchanged(tmp_path):
    path = tmp_path / "future.cwb"
    create_project(path).close()
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA user_version = 99")
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()
    before = digest(path)

    with pytest.raises(NewerFormatError, match="format 99"):
        open_project(path)
    assert digest(path) == before


def test_truncated_file_reported_as_damaged(tmp_path):
    path = tmp_path / "cut.cwb"
    create_project(path).close()
    data = path.read_bytes()
    path.write_bytes(data[:200])
    with pytest.raises((DamagedProjectError, ForeignFileError)):
        project = open_project(path)
        project.conn.execute("SELECT count(*) FROM audit_log").fetchone()


def test_missing_file_message(tmp_path):
    with pytest.raises(ProjectFileError, match="no such project file"):
        open_project(tmp_path / "absent.cwb")


def test_transaction_rolls_back_on_error(tmp_path):
    project = create_project(tmp_path / "p.cwb")
    with pytest.raises(RuntimeError):
        with project.transaction():
            project.conn.execute("INSERT INTO sites (name) VALUES ('x')")
            project.log("test", "site:x", {})
            raise RuntimeError("boom")
    assert project.conn.execute("SELECT count(*) FROM sites").fetchone()[0] == 0
    assert project.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] == 1


def test_nested_transaction_savepoint(tmp_path):
    project = create_project(tmp_path / "p.cwb")
    with project.transaction():
        project.conn.execute("INSERT INTO sites (name) VALUES ('outer')")
        with pytest.raises(ValueError):
            with project.transaction():
                project.conn.execute("INSERT INTO sites (name) VALUES ('inner')")
                raise ValueError("inner fails")
    names = [row[0] for row in project.conn.execute("SELECT name FROM sites")]
    assert names == ["outer"]


def test_read_only_project_refuses_writes(tmp_path):
    path = tmp_path / "p.cwb"
    create_project(path).close()
    project = open_project(path, read_only=True)
    with pytest.raises(ProjectFileError, match="read-only"):
        with project.transaction():
            pass


def test_project_held_open_elsewhere_can_be_opened(tmp_path):
    path = tmp_path / "p.cwb"
    writer = create_project(path, "held open")
    with writer.transaction():
        writer.conn.execute("INSERT INTO sites (name) VALUES ('in the wal only')")
    reader = open_project(path, read_only=True)
    assert reader.conn.execute("SELECT name FROM sites").fetchall() == [("in the wal only",)]
    reader.close()
    writer.close()
