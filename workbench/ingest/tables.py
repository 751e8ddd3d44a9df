"""Row-by-row reading of CSV and spreadsheet files with exact row numbers.

CSV files are decoded as UTF-8 (a byte-order mark is dropped) and the delimiter is taken from
the header line: comma, semicolon or tab, whichever it contains most. XLSX, XLSM and ODS files
are read with python-calamine, the first sheet unless one is named. Row numbers are those a
spreadsheet program or text editor shows, starting at 1 for the first line.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Iterator

from workbench.errors import InputRejectedError

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
Cell = str | float | int | bool | datetime | date | time | None


@dataclass
class Table:
    """A header and an iterator over ``(row_number, cells)`` for the rows below it."""

    header: list[str]
    header_row: int
    rows: Iterator[tuple[int, list[Cell]]]
    delimiter: str | None = None


def open_table(path: Path, *, sheet: str | None = None) -> Table:
    """Open a CSV or spreadsheet file and position it after the first non-empty row (the header)."""
    if path.suffix.lower() in SPREADSHEET_SUFFIXES:
        return _open_spreadsheet(path, sheet)
    return _open_csv(path)


def _open_csv(path: Path) -> Table:
    try:
        handle = open(path, "r", encoding="utf-8-sig", newline="")
        first_lines = []
        for line in handle:
            first_lines.append(line)
            if line.strip():
                break
    except UnicodeDecodeError as exc:
        raise InputRejectedError(path, f"the file is not UTF-8 text (byte {exc.start} cannot be decoded)",
                                 hint="Save the file as UTF-8 CSV and import it again.") from None
    if not first_lines or not first_lines[-1].strip():
        raise InputRejectedError(path, "the file is empty", hint="Check that the right file was chosen.")

    header_line = first_lines[-1]
    delimiter = max((",", ";", "\t"), key=header_line.count)
    header_row = len(first_lines)
    header = next(csv.reader([header_line], delimiter=delimiter))

    def rows() -> Iterator[tuple[int, list[Cell]]]:
        with handle:
            number = header_row
            try:
                for cells in csv.reader(handle, delimiter=delimiter):
                    number += 1
                    yield number, cells
            except UnicodeDecodeError as exc:
                raise InputRejectedError(path, f"the file is not UTF-8 text (byte {exc.start} cannot be decoded)",
                                         row=number + 1, hint="Save the file as UTF-8 CSV.") from None
            except csv.Error as exc:
                raise InputRejectedError(path, f"the CSV structure is broken: {exc}", row=number + 1) from None

    return Table([cell.strip() for cell in header], header_row, rows(), delimiter)


def _open_spreadsheet(path: Path, sheet: str | None) -> Table:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        chosen = workbook.get_sheet_by_name(sheet) if sheet else workbook.get_sheet_by_index(0)
    except Exception as exc:  # calamine raises its own error classes for damaged or encrypted files
        raise InputRejectedError(path, f"the spreadsheet cannot be read: {exc}",
                                 hint="Open it in a spreadsheet program and save it again as XLSX.") from None
    iterator = iter(chosen.iter_rows())
    number = 0
    for cells in iterator:
        number += 1
        if any(cell not in ("", None) for cell in cells):
            header = [str(cell).strip() for cell in cells]
            break
    else:
        raise InputRejectedError(path, "the sheet is empty", hint="Check that the right sheet was chosen.")

    def rows() -> Iterator[tuple[int, list[Cell]]]:
        row_number = number
        for cells in iterator:
            row_number += 1
            yield row_number, list(cells)

    return Table(header, number, rows())


def cell_text(cell: Cell) -> str:
    """Render a cell as the text a user would see, for messages and text columns."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime):
        return cell.isoformat(sep=" ")
    return str(cell).strip()


def is_blank_row(cells: list[Cell]) -> bool:
    return all(cell_text(cell) == "" for cell in cells)
