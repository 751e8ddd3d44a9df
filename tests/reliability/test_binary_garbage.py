"""Binary files under a text name (.csv, .log, .txt): refused with a clear error, nothing stored.

Each garbage file is imported as every text import kind and with automatic detection. The
import must raise InputRejectedError naming the file, and no source may be recorded.
"""

from __future__ import annotations

import gzip
import random
import sqlite3

import pytest

from reliability.import_kinds import KIND_IDS, TEXT_KINDS, new_lab_project
from reliability.spreadsheets import valid_workbook_parts, write_archive
from workbench.errors import InputRejectedError
from workbench.services import imports

FAULT_CLASS = "binary garbage named as a text file"


def random_bytes(folder) -> bytes:
    return random.Random(20240601).randbytes(256 << 10)


def png(folder) -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + random.Random(1).randbytes(4096)


def gzip_of_csv(folder) -> bytes:
    return gzip.compress(b"timestamp, power.draw [W]\n2025/01/01 00:00:00.000, 100 W\n" * 100)


def elf(folder) -> bytes:
    return b"\x7fELF\x02\x01\x01\x00" + bytes(56) + random.Random(2).randbytes(8192)


def xlsx(folder) -> bytes:
    path = folder / "renamed.xlsx"
    write_archive(path, valid_workbook_parts())
    return path.read_bytes()


def sqlite_file(folder) -> bytes:
    path = folder / "db.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (a)")
    conn.commit()
    conn.close()
    return path.read_bytes()


def text_then_nul(folder) -> bytes:
    return b"item,category,quantity\n" + b"\x00" * 4096


GARBAGE = {"random bytes": random_bytes, "png image": png, "gzip of a csv": gzip_of_csv, "elf binary": elf,
           "xlsx renamed": xlsx, "sqlite database": sqlite_file, "text then NUL bytes": text_then_nul}


@pytest.mark.parametrize("garbage", list(GARBAGE))
@pytest.mark.parametrize("text_kind", [*TEXT_KINDS, None], ids=[*KIND_IDS, "auto"])
def test_garbage_refused(text_kind, garbage, tmp_path):
    name = text_kind.file_name if text_kind else "upload.csv"
    path = tmp_path / name
    path.write_bytes(GARBAGE[garbage](tmp_path))
    options = text_kind.import_options() if text_kind else imports.ImportOptions(kind="auto", site="lab", run="r1")
    project = new_lab_project(tmp_path)
    try:
        with pytest.raises(InputRejectedError) as caught:
            imports.import_file(project, path, options)
        assert name in str(caught.value)
        assert project.conn.execute("SELECT count(*) FROM sources").fetchone()[0] == 0
    finally:
        project.close()
