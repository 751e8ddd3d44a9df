"""Truncated project files and pages with flipped bytes: refused with a clear error, or opened safely.

The base project is cut at many offsets (inside the header, on and beside page boundaries, and at
fractions of its length) and has bytes flipped at many offsets (every header field, the first
page's b-tree header, and points spread over the later pages). Every case opens the copy through
the application's open path, computes the footprint and checks the audit log. The only allowed
failures are WorkbenchErrors that name the file, and the file's bytes never change.
"""

from __future__ import annotations

import pytest

from reliability.hostile_projects import copy_project, outcome, sha256

FAULT_CLASS = "truncated or corrupted project file"

PAGE_SIZE = 4096
TRUNCATE_AT = (0, 1, 15, 16, 50, 99, 100, 101, 1024, PAGE_SIZE - 1, PAGE_SIZE, PAGE_SIZE + 1, 2 * PAGE_SIZE,
               3 * PAGE_SIZE + 100, 5 * PAGE_SIZE, 8 * PAGE_SIZE - 1)
TRUNCATE_FRACTIONS = (0.1, 0.2, 0.25, 0.33, 0.4, 0.5, 0.6, 0.66, 0.75, 0.8, 0.9, 0.95, 0.99)

# Header fields: magic, page size, write/read versions, reserved bytes, payload fractions, change
# counter, page count, freelist, schema cookie, schema format, cache size, vacuum, text encoding,
# user_version, incremental vacuum, application_id, version-valid-for, SQLite version.
HEADER_OFFSETS = (0, 7, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 28, 31, 32, 36, 40, 44, 47, 48, 52, 56, 59, 63,
                  64, 68, 71, 92, 96)
PAGE_ONE_OFFSETS = (100, 101, 103, 105, 107, 108, 120, 200, 1000, 3000, 4000, 4095)
LATER_PAGE_OFFSETS = tuple(page * PAGE_SIZE + within for page, within in
                           ((1, 0), (1, 3), (1, 8), (2, 0), (2, 12), (2, 2000), (3, 1), (3, 4090), (4, 5), (5, 100),
                            (6, 0), (7, 3000), (9, 9), (11, 2048), (13, 1), (17, 700), (19, 4000), (23, 0),
                            (29, 64), (31, 3)))
FLIP_OFFSETS = HEADER_OFFSETS + PAGE_ONE_OFFSETS + LATER_PAGE_OFFSETS


def check_outcome(path, before: str) -> None:
    result, error = outcome(path)
    if result == "refused":
        assert path.name in str(error), f"the error does not name the file: {error}"
        assert str(error).strip() != ""
    assert sha256(path) == before


@pytest.mark.parametrize("offset", TRUNCATE_AT, ids=[f"at byte {o}" for o in TRUNCATE_AT])
def test_truncated_at_offset(offset, base_project, tmp_path):
    path = copy_project(base_project, tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[:min(offset, len(data) - 1)])
    check_outcome(path, sha256(path))


@pytest.mark.parametrize("fraction", TRUNCATE_FRACTIONS, ids=[f"at {f:.0%}" for f in TRUNCATE_FRACTIONS])
def test_truncated_at_fraction(fraction, base_project, tmp_path):
    path = copy_project(base_project, tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[:int(len(data) * fraction)])
    check_outcome(path, sha256(path))


@pytest.mark.parametrize("offset", FLIP_OFFSETS, ids=[f"byte {o}" for o in FLIP_OFFSETS])
def test_flipped_byte(offset, base_project, tmp_path):
    path = copy_project(base_project, tmp_path)
    data = bytearray(path.read_bytes())
    offset = offset % len(data)
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))
    check_outcome(path, sha256(path))


@pytest.mark.parametrize("page", [1, 2, 3, 5, 8], ids=[f"page {p + 1} zeroed" for p in [1, 2, 3, 5, 8]])
def test_zeroed_page(page, base_project, tmp_path):
    path = copy_project(base_project, tmp_path)
    data = bytearray(path.read_bytes())
    start = (page * PAGE_SIZE) % len(data)
    data[start:start + PAGE_SIZE] = bytes(len(data[start:start + PAGE_SIZE]))
    path.write_bytes(bytes(data))
    check_outcome(path, sha256(path))


def test_base_project_opens(base_project):
    before = sha256(base_project)
    assert outcome(base_project) == ("opened", None)
    assert sha256(base_project) == before
