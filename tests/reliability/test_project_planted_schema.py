"""Schema objects planted in a project file to run code: detected and refused before anything runs.

Each case adds or changes one object with a plain SQLite shell, as someone who sends a project
file could: triggers that delete audit entries or copy data, views that shadow a table, column
defaults and generated columns that call functions, CHECK constraints, extra tables. Opening
must refuse the file naming the object, run none of its code, and leave every byte unchanged.
A marker table records whether planted code ran.
"""

from __future__ import annotations

import sqlite3

import pytest

from reliability.hostile_projects import copy_project, open_and_use, raw_execute, sha256
from workbench.errors import DamagedProjectError
from workbench.services import assumptions, projects

FAULT_CLASS = "schema objects planted to run code"

MARKER = "CREATE TABLE pwned (what TEXT)"

# name -> (statements run on the copy, words the error must contain)
PLANTED = {
    "trigger on audit_log insert": (
        [MARKER, "CREATE TRIGGER steal AFTER INSERT ON audit_log BEGIN "
                 "INSERT INTO pwned VALUES (new.details_json); END"], "trigger 'steal'"),
    "trigger deleting audit entries": (
        [MARKER, "CREATE TRIGGER wipe AFTER INSERT ON assumptions BEGIN DELETE FROM sources; END"],
        "trigger 'wipe'"),
    "trigger on project_meta update": (
        [MARKER, "CREATE TRIGGER meta_spy AFTER UPDATE ON project_meta BEGIN "
                 "INSERT INTO pwned VALUES (new.value); END"], "trigger 'meta_spy'"),
    "trigger calling load_extension": (
        ["CREATE TRIGGER ext AFTER INSERT ON audit_log BEGIN "
         "SELECT load_extension('/tmp/evil.so'); END"], "trigger 'ext'"),
    "trigger calling fts3_tokenizer": (
        ["CREATE TRIGGER tok AFTER INSERT ON audit_log BEGIN SELECT fts3_tokenizer('simple'); END"],
        "trigger 'tok'"),
    "trigger replaced audit_log_no_delete": (
        ["DROP TRIGGER audit_log_no_delete",
         "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT 1; END"],
        "trigger 'audit_log_no_delete' on table audit_log was changed"),
    "instead-of trigger on a view": (
        [MARKER, "CREATE VIEW recent AS SELECT * FROM sources",
         "CREATE TRIGGER recent_write INSTEAD OF INSERT ON recent BEGIN INSERT INTO pwned VALUES ('x'); END"],
        "view 'recent'"),
    "view shadowing nothing": (["CREATE VIEW everything AS SELECT * FROM sources, runs"], "view 'everything'"),
    "view calling random blobs": (["CREATE VIEW noise AS SELECT randomblob(1000000000) AS b"], "view 'noise'"),
    "table replaced by a view": (
        ["ALTER TABLE reports RENAME TO reports_real", "CREATE VIEW reports AS SELECT * FROM reports_real"],
        "view 'reports' was added"),
    "column default calling a function": (
        ["PRAGMA writable_schema = ON",
         "UPDATE sqlite_schema SET sql = replace(sql, 'grid_zone     TEXT,', "
         "'grid_zone TEXT DEFAULT (hex(randomblob(16))),') WHERE name = 'sites'",
         "PRAGMA writable_schema = OFF"], "table 'sites' was changed"),
    "generated column calling load_extension": (
        ["PRAGMA writable_schema = ON",
         "UPDATE sqlite_schema SET sql = substr(sql, 1, length(sql) - 1) || "
         "', shadow TEXT GENERATED ALWAYS AS (load_extension(''/tmp/evil.so'')) VIRTUAL)' WHERE name = 'runs'",
         "PRAGMA writable_schema = OFF"], "malformed database schema (runs)"),
    "generated column building 100 MB": (
        ["PRAGMA writable_schema = ON",
         "UPDATE sqlite_schema SET sql = substr(sql, 1, length(sql) - 1) || "
         "', shadow TEXT GENERATED ALWAYS AS (hex(zeroblob(100000000))) VIRTUAL)' WHERE name = 'runs'",
         "PRAGMA writable_schema = OFF"], "table 'runs' was changed"),
    "check constraint added with writable_schema": (
        ["PRAGMA writable_schema = ON",
         "UPDATE sqlite_schema SET sql = replace(sql, 'value TEXT NOT NULL', "
         "'value TEXT NOT NULL CHECK (load_extension(''/tmp/evil.so'') IS NULL)') WHERE name = 'project_meta'",
         "PRAGMA writable_schema = OFF"], "table 'project_meta' was changed"),
    "default changed with writable_schema": (
        ["PRAGMA writable_schema = ON",
         "UPDATE sqlite_schema SET sql = replace(sql, \"DEFAULT '[]'\", 'DEFAULT (sqlite_version())') "
         "WHERE name = 'sources'",
         "PRAGMA writable_schema = OFF"], "table 'sources' was changed"),
    "extra table": (["CREATE TABLE notes_from_sender (text TEXT)"], "table 'notes_from_sender' was added"),
    "extra index with expression": (
        ["CREATE INDEX sneaky ON sources (lower(original_name) || hex(size_bytes))"], "index 'sneaky'"),
    "virtual table": (["CREATE VIRTUAL TABLE lookup USING fts4(text)"], "lookup"),
    "missing table": (["DROP TABLE reports"], "table 'reports' is missing"),
}


def planted_copy(base, folder, statements):
    path = copy_project(base, folder)
    raw_execute(path, *statements)
    return path


def marker_rows(path) -> list:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    conn.execute("PRAGMA writable_schema = ON")  # read the marker even when SQLite rejects the planted schema
    try:
        if conn.execute("SELECT count(*) FROM sqlite_schema WHERE name = 'pwned'").fetchone()[0] == 0:
            return []
        return conn.execute("SELECT what FROM pwned").fetchall()
    finally:
        conn.close()


@pytest.mark.parametrize("case", list(PLANTED), ids=list(PLANTED))
def test_planted_object_refused(case, base_project, tmp_path):
    statements, words = PLANTED[case]
    try:
        path = planted_copy(base_project, tmp_path, statements)
    except sqlite3.OperationalError as exc:
        pytest.skip(f"this SQLite build cannot plant the object: {exc}")
    before = sha256(path)
    with pytest.raises(DamagedProjectError) as caught:
        open_and_use(path)
    assert words in str(caught.value)
    assert "case.cwb" in str(caught.value)
    assert "not changed" in caught.value.hint
    assert sha256(path) == before
    assert marker_rows(path) == []


@pytest.mark.parametrize("read_only", [False, True], ids=["read-write", "read-only"])
def test_planted_trigger_never_fires(read_only, base_project, tmp_path):
    """Even a caller that ignores the refusal and writes cannot reach the planted trigger."""
    path = planted_copy(base_project, tmp_path, PLANTED["trigger on audit_log insert"][0])
    with pytest.raises(DamagedProjectError):
        projects.open_existing(path, read_only=read_only)
    assert marker_rows(path) == []


def test_missing_append_only_trigger_still_opens(base_project, tmp_path):
    """Dropped triggers run no code; the file opens and the audit chain still verifies."""
    path = planted_copy(base_project, tmp_path, ["DROP TRIGGER audit_log_no_update"])
    with projects.open_existing(path) as project:
        assumptions.change(project, "baseline", {"td_loss_rate": 0.06}, rationale="after a dropped trigger")
    status = open_and_use(path)
    assert status.ok is True


def test_connections_distrust_the_schema(base_project):
    with projects.open_existing(base_project, read_only=True) as project:
        assert project.conn.execute("PRAGMA trusted_schema").fetchone()[0] == 0
        with pytest.raises(sqlite3.OperationalError, match="not authorized"):
            project.conn.execute("SELECT load_extension('/tmp/evil.so')")
