"""Oversized names and texts in a project file: refused at open, never loaded into views or reports.

A 100 MB source name or audit rationale planted in a file would make every table view, dialog
and report line lay out megabytes of text. Opening checks the free-text columns with SQLite's
length() and refuses the file, naming the table, row and column; Python never holds the value.
Values just under the limits open normally.
"""

from __future__ import annotations

import tracemalloc

import pytest

from reliability.hostile_projects import copy_project, open_and_use, raw_execute, sha256
from workbench.errors import DamagedProjectError
from workbench.project import schema_guard

FAULT_CLASS = "oversized text in a project file"

HUNDRED_MB = 100 * 1024 * 1024

# case -> (SQL that plants the text with SQLite's zeroblob, so the test never builds it in Python, words)
OVERSIZED = {
    "100 MB source name": (f"UPDATE sources SET original_name = hex(zeroblob({HUNDRED_MB // 2})) WHERE id = 1",
                           "sources has a original_name of 104,857,600 characters"),
    "100 MB assumption rationale": (
        f"UPDATE assumptions SET rationale = hex(zeroblob({HUNDRED_MB // 2}))",
        "assumptions has a rationale of 104,857,600 characters"),
    "10 MB site name": ("UPDATE sites SET name = hex(zeroblob(5242880))", "sites has a name of"),
    "run name over the name limit": (
        f"UPDATE runs SET name = hex(zeroblob({schema_guard.MAX_NAME_CHARS // 2 + 1}))", "runs has a name of"),
    "asset description 10 MB": ("UPDATE assets SET item = hex(zeroblob(5242880)) WHERE id = 1", "assets has a item"),
    "project name 10 MB": ("UPDATE project_meta SET value = hex(zeroblob(5242880)) WHERE key = 'name'",
                           "project_meta has a value"),
    "rejected row raw value 10 MB": (
        "INSERT INTO rejected_rows (source_id, row_number, column_name, raw_value, reason) "
        "VALUES (1, 2, 'power.draw', hex(zeroblob(5242880)), 'not a number')", "rejected_rows has a raw_value"),
    "audit entry details 100 MB": (
        f"UPDATE audit_log SET details_json = hex(zeroblob({HUNDRED_MB // 2})) WHERE seq = 2",
        "audit_log has a details_json of 104,857,600 characters"),
}


@pytest.mark.parametrize("case", list(OVERSIZED), ids=list(OVERSIZED))
def test_oversized_text_refused(case, base_project, tmp_path):
    statement, words = OVERSIZED[case]
    path = copy_project(base_project, tmp_path)
    raw_execute(path, "DROP TRIGGER IF EXISTS audit_log_no_update", statement)
    before = sha256(path)
    tracemalloc.start()
    try:
        with pytest.raises(DamagedProjectError) as caught:
            open_and_use(path)
        _, peak_bytes = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert words in str(caught.value)
    assert "case.cwb" in str(caught.value)
    assert peak_bytes < 20 * 1024 * 1024, f"Python allocated {peak_bytes:,} bytes while refusing the file"
    assert sha256(path) == before


def test_long_texts_under_limits_open(base_project, tmp_path):
    path = copy_project(base_project, tmp_path)
    raw_execute(path, f"UPDATE sites SET name = hex(zeroblob({schema_guard.MAX_NAME_CHARS // 2}))",
                f"UPDATE assumptions SET rationale = hex(zeroblob({schema_guard.MAX_LONG_TEXT_CHARS // 2}))")
    status = open_and_use(path)
    assert status.ok is True
