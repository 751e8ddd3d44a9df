"""Zip bombs in spreadsheet inputs: refused from the central directory or while counting, never inflated whole.

Each hostile workbook goes through the application's import path (procurement from XLSX) and
through ``verify`` (which reads a workbook's manifest with openpyxl). The import must raise
InputRejectedError naming the file and the part, Python's peak allocation must stay far below
the bomb's inflated size, and nothing may be stored.
"""

from __future__ import annotations

import tracemalloc
import zipfile

import pytest

from reliability.import_kinds import new_lab_project
from reliability.spreadsheets import (lie_about_size, valid_workbook_parts, write_archive, write_with_zero_part)
from workbench.errors import InputRejectedError
from workbench.ingest import archive_guard
from workbench.services import imports, verification_files

FAULT_CLASS = "zip bomb in a spreadsheet"

PEAK_LIMIT_BYTES = 24 << 20


def bomb_shared_strings_300mb(path):
    write_with_zero_part(path, "xl/sharedStrings.xml", 300)


def bomb_sheet_300mb(path):
    write_with_zero_part(path, "xl/worksheets/sheet1.xml", 300)


def bomb_ratio_20mb(path):
    write_with_zero_part(path, "xl/sharedStrings.xml", 20)


def bomb_ratio_in_sheet(path):
    write_with_zero_part(path, "xl/worksheets/sheet1.xml", 8, prefix=b"<?xml version='1.0'?>")


def bomb_many_entries(path):
    write_archive(path, valid_workbook_parts(), extra_entries=archive_guard.MAX_ENTRIES + 1)


def bomb_lying_sizes(path):
    """Declares 1 KiB for a part that inflates to 300 MiB."""
    write_with_zero_part(path, "xl/worksheets/sheet1.xml", 300)
    lie_about_size(path, "xl/worksheets/sheet1.xml", 1024)


def bomb_workbook_part(path):
    write_with_zero_part(path, "xl/workbook.xml", 300)


def bomb_styles_part(path):
    write_with_zero_part(path, "xl/styles.xml", 50)


def bomb_extra_part(path):
    write_with_zero_part(path, "xl/media/image1.png", 300)


BOMBS = {
    "sharedStrings 300 MB": (bomb_shared_strings_300mb, "sharedStrings.xml"),
    "sheet part 300 MB": (bomb_sheet_300mb, "sheet1.xml"),
    "sharedStrings ratio 1000x": (bomb_ratio_20mb, "sharedStrings.xml"),
    "sheet part ratio 1000x": (bomb_ratio_in_sheet, "sheet1.xml"),
    "10,001 entries": (bomb_many_entries, "entries"),
    "sizes declared too small": (bomb_lying_sizes, "sheet1.xml"),
    "workbook part 300 MB": (bomb_workbook_part, "workbook.xml"),
    "styles part 50 MB": (bomb_styles_part, "styles.xml"),
    "unreferenced part 300 MB": (bomb_extra_part, "image1.png"),
}


@pytest.fixture(scope="module")
def bomb_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bombs")
    files = {}
    for case, (build, _) in BOMBS.items():
        path = folder / f"{case.replace(' ', '_').replace(',', '')}.xlsx"
        build(path)
        files[case] = path
    return files


def measured(call):
    tracemalloc.start()
    try:
        with pytest.raises(InputRejectedError) as caught:
            call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return caught.value, peak


@pytest.mark.parametrize("case", list(BOMBS), ids=list(BOMBS))
def test_bomb_import_refused(case, bomb_files, tmp_path):
    path = bomb_files[case]
    project = new_lab_project(tmp_path)
    try:
        error, peak = measured(lambda: imports.import_file(
            project, path, imports.ImportOptions(kind="procurement", site="lab")))
        assert BOMBS[case][1] in str(error)
        assert path.name in str(error)
        assert peak < PEAK_LIMIT_BYTES, f"peak Python allocation {peak:,} bytes"
        assert project.conn.execute("SELECT count(*) FROM sources").fetchone()[0] == 0
    finally:
        project.close()


@pytest.mark.parametrize("case", ["sharedStrings 300 MB", "sizes declared too small", "10,001 entries"])
def test_bomb_in_verified_workbook_refused(case, bomb_files):
    data = bomb_files[case].read_bytes()
    with pytest.raises(InputRejectedError) as caught:
        verification_files.read_workbook(data, "report.xlsx")
    assert "report.xlsx" in str(caught.value)


def test_bomb_as_ods_refused(tmp_path):
    path = tmp_path / "assets.ods"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        info = zipfile.ZipInfo("content.xml")
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as part:
            for _ in range(20):
                part.write(bytes(1 << 20))
    with pytest.raises(InputRejectedError, match="content.xml"):
        archive_guard.check_archive(path)


def test_valid_workbook_imports(tmp_path):
    path = tmp_path / "assets.xlsx"
    write_archive(path, valid_workbook_parts())
    project = new_lab_project(tmp_path)
    try:
        report = imports.import_file(project, path, imports.ImportOptions(kind="procurement", site="lab"))
        assert report.rows_accepted == 1
    finally:
        project.close()
