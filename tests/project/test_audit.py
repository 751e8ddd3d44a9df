"""The hash-chained audit log detects edits, insertions and deletions."""

from __future__ import annotations

import sqlite3

import pytest

from workbench.project import audit
from workbench.project.store import create_project, open_project


def build_log(tmp_path, entries: int = 4):
    path = tmp_path / "audit.cwb"
    project = create_project(path)
    for number in range(entries):
        with project.transaction():
            project.log("set_assumption", "assumption_set:baseline", {"key": "pue", "new": [1.1, 1.2, 1.3, 1.4][number]})
    project.close()
    return path


def tamper(path, *statements):
    raw = sqlite3.connect(path)
    raw.execute("DROP TRIGGER audit_log_no_update")
    raw.execute("DROP TRIGGER audit_log_no_delete")
    for statement in statements:
        raw.execute(statement)
    raw.commit()
    raw.close()


def test_intact_chain_verifies(tmp_path):
    project = open_project(build_log(tmp_path))
    status = audit.verify_chain(project.conn)
    assert status.ok
    assert status.entries == 5
    assert status.head_hash == project.meta("audit_head")


def test_sql_cannot_update_or_delete_entries(tmp_path):
    project = open_project(build_log(tmp_path))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        project.conn.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        project.conn.execute("DELETE FROM audit_log WHERE seq = 2")


def test_edited_entry_detected(tmp_path):
    path = build_log(tmp_path)
    tamper(path, "UPDATE audit_log SET details_json = '{\"key\":\"pue\",\"new\":1.0}' WHERE seq = 3")
    status = audit.verify_chain(open_project(path).conn)
    assert not status.ok
    assert status.first_bad_seq == 3
    assert "changed" in status.problem


def test_deleted_middle_entry_detected(tmp_path):
    path = build_log(tmp_path)
    tamper(path, "DELETE FROM audit_log WHERE seq = 2")
    status = audit.verify_chain(open_project(path).conn)
    assert not status.ok
    assert status.first_bad_seq == 2


def test_deleted_last_entry_detected(tmp_path):
    path = build_log(tmp_path)
    tamper(path, "DELETE FROM audit_log WHERE seq = 5")
    status = audit.verify_chain(open_project(path).conn)
    assert not status.ok
    assert "deleted" in status.problem


def test_entries_read_back_in_order(tmp_path):
    project = open_project(build_log(tmp_path, entries=2))
    entries = audit.read_entries(project.conn)
    assert [entry["seq"] for entry in entries] == [1, 2, 3]
    assert entries[2]["details"] == {"key": "pue", "new": 1.2}
    assert [entry["seq"] for entry in audit.read_entries(project.conn, limit=2)] == [2, 3]
