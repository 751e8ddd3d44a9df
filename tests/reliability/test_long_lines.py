"""A 100 MB single line in a log or CSV input: refused with its line number, in bounded memory.

Each text import kind gets its valid sample with one 100 MB line (digits, no line break) after its
third line, imported through the application's import path. The import must raise
InputRejectedError naming the file and that line, Python's peak allocation must stay far below
the line's size, and the project must be unchanged (no source recorded).
"""

from __future__ import annotations

import tracemalloc

import pytest

from reliability.import_kinds import KIND_IDS, TEXT_KINDS, new_lab_project
from workbench.errors import InputRejectedError
from workbench.ingest import text_guard

FAULT_CLASS = "100 MB single line in a text input"

LINE_MB = 100
PEAK_LIMIT_BYTES = 24 << 20


def write_with_long_line(path, content: bytes, after_line: int, megabytes: int, final_newline: bool = True) -> int:
    """Write ``content`` with a line of ``megabytes`` MiB inserted after line ``after_line``; return its number."""
    lines = [line if line.endswith(b"\n") else line + b"\n" for line in content.splitlines(keepends=True)]
    block = b"7" * (1 << 20)
    with open(path, "wb") as handle:
        handle.writelines(lines[:after_line])
        for _ in range(megabytes):
            handle.write(block)
        if final_newline or lines[after_line:]:
            handle.write(b"\n")
        handle.writelines(lines[after_line:])
    return min(after_line, len(lines)) + 1


def import_refused(project, path, options) -> tuple[InputRejectedError, int]:
    tracemalloc.start()
    try:
        with pytest.raises(InputRejectedError) as caught:
            from workbench.services import imports

            imports.import_file(project, path, options)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return caught.value, peak


def sources_count(project) -> int:
    return project.conn.execute("SELECT count(*) FROM sources").fetchone()[0]


@pytest.mark.parametrize("text_kind", TEXT_KINDS, ids=KIND_IDS)
def test_hundred_mb_line_refused(text_kind, tmp_path):
    project = new_lab_project(tmp_path)
    try:
        path = tmp_path / text_kind.file_name
        line = write_with_long_line(path, text_kind.content(), 3, LINE_MB)
        if text_kind.kind == "carbontracker":
            (tmp_path / text_kind.file_name.replace("_carbontracker.log", "_carbontracker_output.log")).write_bytes(b"")
        error, peak = import_refused(project, path, text_kind.import_options())
        assert error.row == line
        assert f"line {line} is longer than" in str(error)
        assert text_kind.file_name in str(error)
        assert peak < PEAK_LIMIT_BYTES, f"peak Python allocation {peak:,} bytes"
        assert sources_count(project) == 0
    finally:
        project.close()
        path.unlink(missing_ok=True)


@pytest.mark.parametrize("placement", ["first line", "last line without newline"])
def test_long_line_at_file_edges(placement, tmp_path):
    project = new_lab_project(tmp_path)
    try:
        path = tmp_path / "gpu.csv"
        content = TEXT_KINDS[0].content()
        if placement == "first line":
            line = write_with_long_line(path, content, 0, 3)
        else:
            line = write_with_long_line(path, content, len(content.splitlines()), 3, final_newline=False)
        error, _ = import_refused(project, path, TEXT_KINDS[0].import_options())
        assert error.row == line
    finally:
        project.close()


def test_line_just_over_limit_refused(tmp_path):
    path = tmp_path / "gpu.csv"
    path.write_bytes(b"timestamp, power.draw [W]\n" + b"1" * (text_guard.MAX_LINE_BYTES + 1) + b"\n")
    with pytest.raises(InputRejectedError, match="line 2 is longer than"):
        text_guard.check_text_input(path)


def test_line_at_limit_accepted(tmp_path):
    path = tmp_path / "gpu.csv"
    path.write_bytes(b"timestamp, power.draw [W]\n" + b"1" * text_guard.MAX_LINE_BYTES + b"\nend\n")
    assert text_guard.check_text_input(path).lines == 4
