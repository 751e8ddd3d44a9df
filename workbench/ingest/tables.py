"""Row-by-row reading of CSV and spreadsheet files with exact row numbers.

CSV files are decoded as UTF-8 (a byte-order mark is dropped), as UTF-16 when they start with
its byte-order mark, or as Windows-1252 when the first mebibyte is not valid UTF-8, which is noted. The delimiter is the one of comma, semicolon,
tab and bar that splits the first records into the most rows of one common width. XLSX, XLSM
and ODS files are read with python-calamine, the first sheet unless one is named. Row numbers
are those a spreadsheet program or text editor shows, starting at 1; a CSV record whose quoted
cell spans several lines is numbered by its first line.

The header is the first record at least as wide as the common data width with at least half
of its cells filled, so preamble lines such as ``Name,…`` or ``Account Number,…`` above a
utility export are skipped and listed in the notes. A :class:`Layout` states the header row,
the number of header rows and the delimiter explicitly instead.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Iterator

from workbench.errors import InputRejectedError
from workbench.ingest import archive_guard

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
DELIMITERS = (",", ";", "\t", "|")
DETECTION_RECORDS = 60
HEAD_BYTES = 1 << 20
# Numbers and numeric dates, which a header row is mostly free of.
_NUMBER_LIKE = re.compile(r"^[-+]?[\d.,:/ ]+$")
Cell = str | float | int | bool | datetime | date | time | None


@dataclass(frozen=True)
class Layout:
    """How a table sits in its file; None means 'detect it'.

    ``header_row`` is the 1-based row of the first header row, ``header_rows`` how many rows
    form the header. A spreadsheet header cell merged across several columns gives its text
    to each of them when ``fill_merged_header`` is set; the filled cells are listed in the
    notes. Data cells are never filled.
    """

    sheet: str | None = None
    header_row: int | None = None
    header_rows: int = 1
    delimiter: str | None = None
    decimal: str | None = None
    encoding: str | None = None
    fill_merged_header: bool = True


@dataclass
class Table:
    """A header and an iterator over ``(row_number, cells)`` for the rows below it.

    With several header rows, ``header`` contains each column's non-empty header cells joined by
    ``" / "`` and ``header_parts`` the cells themselves, top row first.
    """

    header: list[str]
    header_row: int
    rows: Iterator[tuple[int, list[Cell]]]
    delimiter: str | None = None
    decimal: str = "."
    header_parts: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def decimal_comma(self) -> bool:
        return self.decimal == ","


def open_table(path: Path, *, sheet: str | None = None, layout: Layout | None = None) -> Table:
    """Open a CSV or spreadsheet file and position it after its header."""
    layout = layout or Layout(sheet=sheet)
    if sheet and not layout.sheet:
        layout = Layout(**{**layout.__dict__, "sheet": sheet})
    if Path(path).suffix.lower() in SPREADSHEET_SUFFIXES:
        return _open_spreadsheet(Path(path), layout)
    return _open_csv(Path(path), layout)


def preview_rows(path: Path, *, layout: Layout | None = None, limit: int = DETECTION_RECORDS
                 ) -> tuple[list[tuple[int, list[Cell]]], str | None]:
    """Return up to ``limit`` raw rows (row number, cells) from the top of a file, and its delimiter."""
    layout = layout or Layout()
    path = Path(path)
    if path.suffix.lower() in SPREADSHEET_SUFFIXES:
        sheet = _load_sheet(path, layout.sheet)
        rows = []
        for number, cells in _sheet_rows(sheet):
            rows.append((number, cells))
            if len(rows) >= limit:
                break
        return rows, None
    text, _ = _read_head(path, layout.encoding)
    delimiter = layout.delimiter or detect_delimiter(path, text)
    return _records(io.StringIO(text), delimiter, limit), delimiter


# -- CSV ---------------------------------------------------------------------------------------------

def _read_head(path: Path, encoding: str | None) -> tuple[str, str]:
    with open(path, "rb") as handle:
        head = handle.read(HEAD_BYTES)
    if encoding:
        return head.decode(encoding, errors="replace"), encoding
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return head[:len(head) - len(head) % 2].decode("utf-16", errors="replace"), "utf-16"
    try:
        return head.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 4 and len(head) == HEAD_BYTES:
            # The read cut a multi-byte character in half.
            return head[:exc.start].decode("utf-8-sig"), "utf-8-sig"
        return head.decode("cp1252", errors="replace"), "cp1252"


_ENCODING_NAMES = {"utf-8-sig": "UTF-8", "utf-16": "UTF-16", "cp1252": "Windows-1252"}


def first_undecodable(path: Path, encoding: str) -> tuple[int, int]:
    """Return (line number, byte offset) of the first bytes of ``path`` that ``encoding`` cannot decode.

    Reads blocks of 1 MiB; returns the end of the file when every byte decodes.
    """
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    line, offset = 1, 0
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                position = max(exc.start - pending, 0)
                return line + block[:position].count(b"\n"), offset + position
            line += block.count(b"\n")
            offset += len(block)
    return line, offset


def _records(handle, delimiter: str, limit: int | None) -> list[tuple[int, list[str]]]:
    reader = csv.reader(handle, delimiter=delimiter)
    records = []
    previous_line = 0
    try:
        for cells in reader:
            records.append((previous_line + 1, cells))
            previous_line = reader.line_num
            if limit is not None and len(records) >= limit:
                break
    except csv.Error:
        pass  # a record cut off at the end of the head; detection uses the records before it
    return records


def detect_delimiter(path: Path, text: str) -> str:
    """Return the delimiter that splits the head of ``text`` into the most rows of one common width."""
    best, best_score = ",", (-1, 0)
    for delimiter in DELIMITERS:
        widths = [len(cells) for _, cells in _records(io.StringIO(text), delimiter, DETECTION_RECORDS)
                  if any(cell.strip() for cell in cells)]
        if not widths:
            continue
        width, count = Counter(widths).most_common(1)[0]
        score = (count if width > 1 else 0, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _header_index(records: list[tuple[int, list[Cell]]]) -> int | None:
    filled = [(index, cells) for index, (_, cells) in enumerate(records) if not is_blank_row(cells)]
    if not filled:
        return None
    # The data block fills the end of the head, so its width is the common width of the later half.
    later = filled[len(filled) // 2:]
    width = Counter(len(cells) for _, cells in later).most_common(1)[0][0]
    for index, cells in filled:
        texts = [cell_text(cell) for cell in cells if cell_text(cell) != ""]
        numeric = sum(1 for text in texts if _NUMBER_LIKE.match(text))
        if len(cells) >= width and len(texts) >= max(1, (width + 1) // 2) and numeric * 2 < len(texts):
            return index
    return filled[0][0]


def _open_csv(path: Path, layout: Layout) -> Table:
    text, encoding = _read_head(path, layout.encoding)
    notes = []
    if encoding == "cp1252" and not layout.encoding:
        notes.append("the file is not UTF-8; it was decoded as Windows-1252")
    if not text.strip():
        raise InputRejectedError(path, "the file is empty", hint="Check that the right file was chosen.")
    delimiter = layout.delimiter or detect_delimiter(path, text)
    head = _records(io.StringIO(text), delimiter, DETECTION_RECORDS)
    header_index = _choose_header(path, head, layout)
    header_rows = [head[header_index + offset][1] for offset in range(layout.header_rows)
                   if header_index + offset < len(head)]
    header_row = head[header_index][0]
    if header_index > 0:
        notes.append(f"rows 1-{header_row - 1} above the header were skipped as a preamble")
    decimal = layout.decimal or ("," if delimiter == ";" else ".")
    if layout.decimal != ".":
        # A caller that states '.' as the decimal mark has no comma decimals to confuse with fields.
        _reject_ambiguous_comma(path, head[header_index + layout.header_rows:], header_rows, delimiter, header_row)
    skip_records = header_index + len(header_rows)

    def rows() -> Iterator[tuple[int, list[Cell]]]:
        with open(path, "r", encoding=encoding, errors="strict", newline="") as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            previous_line, index = 0, 0
            try:
                for cells in reader:
                    number = previous_line + 1
                    previous_line = reader.line_num
                    index += 1
                    if index > skip_records:
                        yield number, cells
            except UnicodeDecodeError:
                # The text layer decodes ahead of the CSV reader, so find the byte and its line again.
                line, offset = first_undecodable(path, encoding)
                raise InputRejectedError(path, f"the file is not {_ENCODING_NAMES.get(encoding, encoding)} text "
                                               f"(the bytes at offset {offset:,} cannot be decoded)", row=line,
                                         hint="Save the file as UTF-8 CSV.") from None
            except csv.Error as exc:
                raise InputRejectedError(path, f"the CSV structure is broken: {exc}", row=previous_line + 1) from None

    header, parts = flatten_header([[cell_text(c) for c in cells] for cells in header_rows])
    return Table(header, header_row, rows(), delimiter, decimal, parts, notes)


def _choose_header(path: Path, head: list[tuple[int, list[Cell]]], layout: Layout) -> int:
    if layout.header_row is not None:
        for index, (number, _) in enumerate(head):
            if number == layout.header_row:
                return index
        raise InputRejectedError(path, f"header row {layout.header_row} is not among the first "
                                       f"{len(head)} rows of the file")
    index = _header_index(head)
    if index is None:
        raise InputRejectedError(path, "the file has no rows", hint="Check that the right file was chosen.")
    return index


def _reject_ambiguous_comma(path: Path, data: list[tuple[int, list[Cell]]], header_rows: list[list[Cell]],
                            delimiter: str, header_row: int) -> None:
    """Reject a comma file whose rows are wider than the header because commas are also decimal marks."""
    if delimiter != "," or not header_rows or not data:
        return
    width = len(header_rows[0])
    wider = [(number, cells) for number, cells in data if len(cells) > width and not is_blank_row(cells)]
    if not wider or len(wider) * 2 < len([1 for _, cells in data if not is_blank_row(cells)]):
        return
    number, cells = wider[0]
    raise InputRejectedError(
        path, f"the comma is both the field separator and the decimal mark: the header has {width} fields "
              f"but row {number} has {len(cells)}, so values cannot be told apart",
        row=number, value=",".join(str(cell) for cell in cells)[:120],
        hint="Export the file again with ';' or tab as the separator (or '.' as the decimal mark).")


def flatten_header(rows: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    """Join several header rows column by column with ' / ', skipping empty cells."""
    if not rows:
        return [], []
    width = max(len(row) for row in rows)
    parts = [[(row[column].strip().lstrip("\ufeff") if column < len(row) else "") for row in rows]
             for column in range(width)]
    return [" / ".join(part for part in column if part) for column in parts], parts


# -- spreadsheets ------------------------------------------------------------------------------------

def _load_sheet(path: Path, sheet: str | None):
    from python_calamine import CalamineWorkbook

    if path.suffix.lower() in archive_guard.ARCHIVE_SUFFIXES:
        archive_guard.check_archive(path)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        return workbook.get_sheet_by_name(sheet) if sheet else workbook.get_sheet_by_index(0)
    except Exception as exc:  # calamine raises its own error classes for damaged or encrypted files
        raise InputRejectedError(path, f"the spreadsheet cannot be read: {exc}",
                                 hint="Open it in a spreadsheet program and save it again as XLSX.") from None


def _sheet_rows(sheet) -> Iterator[tuple[int, list[Cell]]]:
    # calamine starts at the sheet's first used row, so the row number adds that offset.
    first_row = sheet.start[0] if sheet.start else 0
    for offset, cells in enumerate(sheet.iter_rows()):
        yield first_row + offset + 1, list(cells)


def _open_spreadsheet(path: Path, layout: Layout) -> Table:
    sheet = _load_sheet(path, layout.sheet)
    iterator = _sheet_rows(sheet)
    head: list[tuple[int, list[Cell]]] = []
    for item in iterator:
        head.append(item)
        if len(head) >= DETECTION_RECORDS:
            break
    if not head or all(is_blank_row(cells) for _, cells in head):
        raise InputRejectedError(path, "the sheet is empty", hint="Check that the right sheet was chosen.")
    header_index = _choose_header(path, head, layout)
    header_row = head[header_index][0]
    header_cells = [[cell_text(c) for c in head[header_index + offset][1]] for offset in range(layout.header_rows)
                    if header_index + offset < len(head)]
    notes = []
    if header_index > 0:
        notes.append(f"rows 1-{header_row - 1} above the header were skipped as a preamble")
    _apply_merged_header(sheet, header_row, header_cells, layout, notes)
    header, parts = flatten_header(header_cells)
    skip_until = header_row + len(header_cells) - 1
    buffered = head[header_index + len(header_cells):]

    def rows() -> Iterator[tuple[int, list[Cell]]]:
        for number, cells in buffered:
            if number > skip_until:
                yield number, cells
        for number, cells in iterator:
            yield number, cells

    return Table(header, header_row, rows(), None, layout.decimal or ".", parts, notes)


def _apply_merged_header(sheet, header_row: int, header_cells: list[list[str]], layout: Layout,
                         notes: list[str]) -> None:
    """Copy the text of merged header cells across their ranges, and say so in the notes."""
    ranges = getattr(sheet, "merged_cell_ranges", None) or []
    last_header_row = header_row + len(header_cells) - 1
    for (row0, col0), (row1, col1) in ranges:
        first, last = row0 + 1, row1 + 1
        if last < header_row or first > last_header_row:
            if first > last_header_row:
                notes.append(f"cells {_cell_name(first, col0)}:{_cell_name(last, col1)} are merged in the data; "
                             "only the first holds a value and the others were left empty")
            continue
        if not layout.fill_merged_header:
            continue
        top = first - header_row
        if not 0 <= top < len(header_cells):
            continue
        value = header_cells[top][col0] if col0 < len(header_cells[top]) else ""
        for row in range(max(first, header_row), min(last, last_header_row) + 1):
            cells = header_cells[row - header_row]
            for col in range(col0, col1 + 1):
                while len(cells) <= col:
                    cells.append("")
                if not cells[col]:
                    cells[col] = value
        notes.append(f"header cell {_cell_name(first, col0)} '{value}' is merged across "
                     f"{_cell_name(first, col0)}:{_cell_name(last, col1)}; its text names each of those columns")


def _cell_name(row: int, column: int) -> str:
    letters = ""
    column += 1
    while column:
        column, remainder = divmod(column - 1, 26)
        letters = chr(65 + remainder) + letters
    return f"{letters}{row}"


def excel_date_system(path: Path) -> int:
    """Return 1904 when an XLSX workbook uses the 1904 date system (old Mac files), else 1900."""
    import zipfile

    from defusedxml import ElementTree

    if Path(path).suffix.lower() not in {".xlsx", ".xlsm"}:
        return 1900
    from defusedxml import DefusedXmlException

    archive_guard.check_archive(path)
    try:
        with zipfile.ZipFile(path) as archive:
            root = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    except (KeyError, OSError, LookupError, zipfile.BadZipFile, ElementTree.ParseError):
        return 1900
    except DefusedXmlException as exc:
        raise InputRejectedError(path, f"the workbook part declares XML entities ({type(exc).__name__}), which are "
                                       "not read from untrusted files",
                                 hint="Open it in a spreadsheet program and save it again as XLSX.") from None
    for element in root.iter():
        if element.tag.endswith("}workbookPr") or element.tag == "workbookPr":
            flag = element.get("date1904", "0").lower()
            return 1904 if flag in ("1", "true") else 1900
    return 1900


# -- cells -------------------------------------------------------------------------------------------

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
