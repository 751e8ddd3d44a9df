"""Inputs in other encodings than UTF-8: decoded right where the encoding shows, else a clear error.

Every text import kind is imported as UTF-16 (little- and big-endian with a byte-order mark, and
little-endian without one) and as UTF-8 with a byte-order mark, and must give the same accepted
rows as its UTF-8 original. Tables with a non-ASCII name are imported as Latin-1 and Windows-1252
(decoded as Windows-1252, with a note) and with bytes that are valid in no encoding the workbench
tries, which must raise InputRejectedError naming the file and the row.
"""

from __future__ import annotations

import codecs

import pytest

from reliability.import_kinds import KIND_IDS, TEXT_KINDS, new_lab_project
from workbench.errors import InputRejectedError

FAULT_CLASS = "wrong text encoding"

UNICODE_ENCODINGS = {
    "utf-16-le with BOM": lambda text: codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
    "utf-16-be with BOM": lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
    "utf-16-le without BOM": lambda text: text.encode("utf-16-le"),
    "utf-8 with BOM": lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
}
BASELINES: dict[str, int] = {}


def import_bytes(folder, text_kind, data: bytes):
    folder.mkdir(exist_ok=True)
    path = folder / text_kind.file_name
    path.write_bytes(data)
    if text_kind.kind == "carbontracker":
        (folder / text_kind.file_name.replace("_carbontracker.log", "_carbontracker_output.log")).write_bytes(b"")
    project = new_lab_project(folder)
    try:
        from workbench.services import imports

        return imports.import_file(project, path, text_kind.import_options())
    finally:
        project.close()


def baseline_rows(folder, text_kind) -> int:
    if text_kind.kind not in BASELINES:
        BASELINES[text_kind.kind] = import_bytes(folder / "utf8", text_kind, text_kind.content()).rows_accepted
    return BASELINES[text_kind.kind]


@pytest.mark.parametrize("encoding", list(UNICODE_ENCODINGS))
@pytest.mark.parametrize("text_kind", TEXT_KINDS, ids=KIND_IDS)
def test_unicode_encoding_decoded(text_kind, encoding, tmp_path):
    text = text_kind.content().decode("utf-8")
    report = import_bytes(tmp_path / "encoded", text_kind, UNICODE_ENCODINGS[encoding](text))
    assert report.rows_accepted == baseline_rows(tmp_path, text_kind)
    assert report.rows_accepted > 0


PROCUREMENT = ("item,category,quantity,acquired,embodied_co2e_kg_per_unit,lifetime_years,embodied_source\n"
               "Serveur GPU refroidi à l’eau,server,1,2025-01-10,2500,5,fiche PCF du fabricant €\n"
               "H100 GPU,gpu,8,2025-01-10,150,5,BLOOM\n")


def procurement_kind():
    return next(kind for kind in TEXT_KINDS if kind.kind == "procurement")


def stored_items(folder) -> list[str]:
    from workbench.services import projects

    with projects.open_existing(folder / "import-test.cwb", read_only=True) as project:
        return [row[0] for row in project.conn.execute("SELECT item FROM assets ORDER BY id")]


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16", "utf-8-sig"])
def test_non_ascii_names_survive(encoding, tmp_path):
    report = import_bytes(tmp_path, procurement_kind(), PROCUREMENT.encode(encoding))
    assert report.rows_accepted == 2
    assert stored_items(tmp_path)[0] == "Serveur GPU refroidi à l’eau"


def test_latin1_decoded_with_note(tmp_path):
    report = import_bytes(tmp_path, procurement_kind(), PROCUREMENT.replace("’", "'").replace(" €", "").encode("latin-1"))
    assert report.rows_accepted == 2
    assert stored_items(tmp_path)[0] == "Serveur GPU refroidi à l'eau"
    assert any("Windows-1252" in note for note in report.notes)


def test_invalid_bytes_after_first_mebibyte_name_row(tmp_path):
    """UTF-8 in the detected head, then a byte no UTF-8 text has: the error names the row."""
    rows = "".join(f"H100 GPU {number},gpu,1,2025-01-10,150,5,BLOOM\n" for number in range(30_000))
    data = (PROCUREMENT.split("\n")[0] + "\n" + rows).encode() + b"Bad \xff\xfe name,gpu,1,2025-01-10,150,5,x\n"
    with pytest.raises(InputRejectedError) as caught:
        import_bytes(tmp_path, procurement_kind(), data)
    assert caught.value.row == 30_002
    assert "assets.csv" in str(caught.value)
    assert "UTF-8" in caught.value.hint


def test_utf16_with_odd_byte_count_rejected(tmp_path):
    data = codecs.BOM_UTF16_LE + PROCUREMENT.encode("utf-16-le") + b"\x00"
    with pytest.raises(InputRejectedError) as caught:
        import_bytes(tmp_path, procurement_kind(), data)
    assert "UTF-16" in str(caught.value)
