"""Files that are not projects of this workbench's format: a clear refusal and an unchanged file."""

from __future__ import annotations

import sqlite3

import pytest

from reliability.hostile_projects import copy_project, open_and_use, raw_execute, sha256
from workbench.errors import DamagedProjectError, ForeignFileError, NewerFormatError, ProjectFileError
from workbench.project import migrations

FAULT_CLASS = "foreign or newer project file"


def make_foreign_sqlite(path):
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    conn.execute("INSERT INTO moz_places (url) VALUES ('https://example.org')")
    conn.commit()
    conn.close()


def make_foreign_sqlite_with_our_name(path):
    make_foreign_sqlite(path)
    raw_execute(path, "PRAGMA user_version = 7")


def make_foreign_wal_sqlite(path):
    make_foreign_sqlite(path)
    raw_execute(path, "PRAGMA journal_mode = WAL")


def make_text_file(path):
    path.write_text("zone,co2e\nFR,52\n")


def make_empty_file(path):
    path.write_bytes(b"")


def make_zip_file(path):
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 200)


def make_header_only(path):
    path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 84)


def make_own_id_no_schema(path):
    raw_execute(path, "PRAGMA application_id = 1129792049", "PRAGMA user_version = 3")


FOREIGN_FILES = {
    "foreign sqlite": (make_foreign_sqlite, ForeignFileError, "not a Carbon Workbench project"),
    "foreign sqlite with user_version 7": (make_foreign_sqlite_with_our_name, ForeignFileError, "application_id"),
    "foreign sqlite in WAL mode": (make_foreign_wal_sqlite, ForeignFileError, "not a Carbon Workbench project"),
    "csv text": (make_text_file, ForeignFileError, "not an SQLite database"),
    "empty file": (make_empty_file, ForeignFileError, "not an SQLite database"),
    "zip archive": (make_zip_file, ForeignFileError, "not an SQLite database"),
    "sqlite header only": (make_header_only, ProjectFileError, "cwb"),
    "our application_id without schema": (make_own_id_no_schema, ProjectFileError, "cwb"),
}


@pytest.mark.parametrize("case", list(FOREIGN_FILES), ids=list(FOREIGN_FILES))
def test_foreign_file_refused_unchanged(case, tmp_path):
    make, error, words = FOREIGN_FILES[case]
    path = tmp_path / "sent.cwb"
    make(path)
    before = sha256(path)
    with pytest.raises(error) as caught:
        open_and_use(path)
    assert words in str(caught.value)
    assert "sent.cwb" in str(caught.value)
    assert caught.value.hint != ""
    assert sha256(path) == before


NEWER_VERSIONS = [migrations.CURRENT_VERSION + 1, migrations.CURRENT_VERSION + 20, 2**31 - 1]


@pytest.mark.parametrize("version", NEWER_VERSIONS, ids=[f"user_version {v}" for v in NEWER_VERSIONS])
def test_newer_format_refused_unchanged(version, base_project, tmp_path):
    path = copy_project(base_project, tmp_path)
    raw_execute(path, f"PRAGMA user_version = {version}")
    before = sha256(path)
    with pytest.raises(NewerFormatError) as caught:
        open_and_use(path)
    assert f"format {version}" in str(caught.value)
    assert "newer Carbon Workbench" in caught.value.hint
    assert sha256(path) == before


def test_negative_user_version_refused_unchanged(base_project, tmp_path):
    path = copy_project(base_project, tmp_path)
    raw_execute(path, "PRAGMA user_version = -5")
    before = sha256(path)
    with pytest.raises(ProjectFileError) as caught:
        open_and_use(path)
    assert "case.cwb" in str(caught.value)
    assert sha256(path) == before


def test_newer_version_in_wal_refused_unchanged(base_project, tmp_path):
    """A newer header that only the -wal file holds is read through SQLite, not missed."""
    path = copy_project(base_project, tmp_path)
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    writer.execute(f"PRAGMA user_version = {migrations.CURRENT_VERSION + 1}")
    before = sha256(path)
    try:
        with pytest.raises(NewerFormatError):
            open_and_use(path)
        assert sha256(path) == before
    finally:
        writer.close()


def test_damaged_error_is_project_file_error():
    assert issubclass(DamagedProjectError, ProjectFileError)
