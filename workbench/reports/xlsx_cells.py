"""Cells, columns and sheet furniture of the workbook export (openpyxl write-only mode).

Every sheet has a banner in row 1 (DRAFT when the export is a draft), the column headers with
units in row 2 (frozen) and data from row 3. Text is always written as a string cell; text that
starts with ``=``, ``+``, ``-`` or ``@`` (after any leading whitespace, or as the full-width sign)
also gets the quote prefix, so Excel keeps it as text when the cell is edited. Only :func:`formula` writes formulas, and only from text this package builds.
"""

from __future__ import annotations

import copy
import io
import math
import weakref
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName

from workbench.project.audit import canonical_json
from workbench.reports.disclosure import DRAFT_NOTICE

HEADER_ROW = 2
FIRST_DATA_ROW = 3
FORMULA_PREFIXES = ("=", "+", "-", "@")
# Full-width signs get the prefix too, as a precaution.
# NOTE: whether a spreadsheet program reads them as the ASCII signs was not checked.
FULLWIDTH_FORMULA_PREFIXES = ("\uff1d", "\uff0b", "\uff0d", "\uff20")
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# Points per line of the default 11-point font, and Excel's largest row height.
ROW_HEIGHT = 15.0
MAX_ROW_HEIGHT = 409.0

# Number formats show the unit in the cell, so a copied value keeps its meaning.
KWH = '#,##0.000" kWh"'
MWH = '#,##0.000" MWh"'
KG = '#,##0.000" kgCO2e"'
TONNES = '#,##0.000" tCO2e"'
G_PER_KWH = '#,##0.0" g/kWh"'
KG_PER_MWH = '#,##0.0" kg/MWh"'
HOURS = '#,##0.00" h"'
PERCENT = "0.0%"
SHARE = "0.0000"
COUNT = "#,##0"
NUMBER = "#,##0.000###"
SCIENTIFIC = "0.000E+00"
DATETIME = "yyyy-mm-dd hh:mm"

BOLD = Font(bold=True)
DRAFT_FONT = Font(bold=True, color="C00000", size=12)
TITLE_FONT = Font(bold=True, size=12)
SECTION_FONT = Font(bold=True, size=11, color="1F3864")
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
FORMULA_FILL = PatternFill("solid", fgColor="EEF5E9")
WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass(frozen=True)
class Column:
    """One column of a table sheet: header with unit, record key, width and number format.

    A column without ``number_format`` contains text.
    """

    header: str
    key: str
    width: float
    number_format: str | None = None


def letter(columns: Iterable[Column], key: str) -> str:
    """Return the column letter of ``key`` in ``columns``."""
    for index, column in enumerate(columns, 1):
        if column.key == key:
            return get_column_letter(index)
    raise KeyError(key)


def sheet_ref(sheet: str) -> str:
    """Return ``sheet`` quoted for use in a formula ('Site energy'!)."""
    return quote_sheetname(sheet) + "!"


def define_name(workbook: Workbook, name: str, sheet: str, cell: str) -> None:
    """Name one cell (absolute reference) at workbook scope."""
    column = "".join(ch for ch in cell if ch.isalpha())
    row = "".join(ch for ch in cell if ch.isdigit())
    workbook.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheetname(sheet)}!${column}${row}")


# -- sheets ----------------------------------------------------------------------------------------

def new_sheet(workbook: Workbook, name: str, columns: Iterable[Column], *, draft: bool, project_name: str,
              freeze: bool = True) -> Any:
    """Create a write-only sheet with column widths, page header and footer and frozen headers."""
    sheet = workbook.create_sheet(name)
    if freeze:
        sheet.freeze_panes = f"A{FIRST_DATA_ROW}"
    for index, column in enumerate(columns, 1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    if draft:
        sheet.oddHeader.center.text = "DRAFT"
        sheet.oddHeader.center.color = "C00000"
    sheet.oddFooter.left.text = f"{name}: {project_name}"[:200]
    sheet.oddFooter.right.text = "Page &P of &N"
    # Printed, every sheet is one page wide in landscape, as many pages long as it needs.
    sheet.page_setup.orientation = "landscape"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    return sheet


def banner(sheet: Any, draft: bool, description: str) -> None:
    """Write row 1: the sheet's description, after the DRAFT notice on a draft."""
    if draft:
        sheet.append([text(sheet, f"{DRAFT_NOTICE}. {description}", DRAFT_FONT)])
    else:
        sheet.append([text(sheet, description, TITLE_FONT)])


def header_row(sheet: Any, columns: Iterable[Column]) -> None:
    sheet.append([text(sheet, column.header, BOLD, fill=HEADER_FILL, alignment=WRAP) for column in columns])


def section(sheet: Any, title: str, note: str | None = None) -> None:
    """Append a blank row and a section title (with an optional note in the next column)."""
    sheet.append([])
    sheet.append([text(sheet, title, SECTION_FONT)] + ([text(sheet, note)] if note else []))


def record_row(sheet: Any, columns: Iterable[Column], record: dict[str, Any]) -> list:
    """Return the cells of one record: numbers in numeric columns, text elsewhere, None for missing values."""
    return [value_cell(sheet, record.get(column.key), column) for column in columns]


def fit_row(sheet: Any, row: int, cells: list, widths: Iterable[float]) -> None:
    """Set the height of sheet row ``row`` so its wrapped text shows; call before appending the row.

    Write-only sheets cannot measure text, so the line count is estimated from the characters that
    fit a column width (about 1.1 per width unit in the default font).
    """
    lines = 1
    for cell, width in zip(cells, widths):
        value = getattr(cell, "value", None)
        if not isinstance(value, str) or getattr(cell, "data_type", "s") != "s" or not width:
            continue
        per_line = max(int(width * 1.1), 1)
        lines = max(lines, sum(max(1, math.ceil(len(part) / per_line)) for part in value.split("\n")))
    if lines > 1:
        sheet.row_dimensions[row].height = min(ROW_HEIGHT * lines, MAX_ROW_HEIGHT)


# -- cells -----------------------------------------------------------------------------------------

def value_cell(sheet: Any, value: Any, column: Column) -> WriteOnlyCell | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (dict, list, tuple)):
        return text(sheet, join(value), alignment=WRAP)
    if column.number_format is not None and is_number(value):
        return number(sheet, value, column.number_format)
    if isinstance(value, datetime):
        return when(sheet, value)
    content = str(value)
    return text(sheet, content, alignment=WRAP if len(content) > column.width else None)


def join(value: dict | list | tuple) -> str:
    if isinstance(value, dict):
        return canonical_json(value)
    return "; ".join(str(item) for item in value)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def text(sheet: Any, value: Any, font: Font | None = None, fill: PatternFill | None = None,
         alignment: Alignment | None = None) -> WriteOnlyCell:
    """Make a string cell that Excel does not evaluate, whatever the text starts with."""
    content = ILLEGAL_CHARACTERS_RE.sub(lambda match: f"\\x{ord(match.group()):02x}", str(value))
    cell = WriteOnlyCell(sheet, value=content)
    cell.data_type = "s"
    # A sign after leading whitespace gets the prefix too, in case editing the cell drops the whitespace.
    if content.lstrip(" \t\r\n").startswith(FORMULA_PREFIXES + FULLWIDTH_FORMULA_PREFIXES):
        cell.quotePrefix = True
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if alignment is not None:
        cell.alignment = alignment
    return cell


def number(sheet: Any, value: float | int | None, number_format: str = NUMBER) -> WriteOnlyCell | None:
    if value is None:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else text(sheet, str(value))
    return _styled(sheet, value, number_format)


def when(sheet: Any, value: datetime) -> WriteOnlyCell:
    return _styled(sheet, value.replace(tzinfo=None), DATETIME)


# Style arrays by workbook and (number format, formula fill, bold), so the millions of cells of a large
# energy sheet copy a finished style instead of looking up format, fill and font cell by cell.
_STYLE_CACHE: "weakref.WeakKeyDictionary[Any, dict[tuple, Any]]" = weakref.WeakKeyDictionary()


def _styled(sheet: Any, value: Any, number_format: str, *, formula_fill: bool = False,
            bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    styles = _STYLE_CACHE.setdefault(sheet.parent, {})
    key = (number_format, formula_fill, bold)
    if key in styles:
        # _style is openpyxl's per-cell style array; copying it is what openpyxl does when it copies cells.
        cell._style = copy.copy(styles[key])
        return cell
    cell.number_format = number_format
    if formula_fill:
        cell.fill = FORMULA_FILL
    if bold:
        cell.font = BOLD
    styles[key] = copy.copy(cell._style)
    return cell


def hour_cell(sheet: Any, hour_utc: int | float) -> WriteOnlyCell:
    """Make a date-time cell (UTC) from Unix seconds."""
    return when(sheet, datetime.fromtimestamp(int(hour_utc), timezone.utc))


def formula(sheet: Any, expression: str, number_format: str = NUMBER, *, bold: bool = False) -> WriteOnlyCell:
    """Make a formula cell; ``expression`` starts with ``=`` and is built by this package, never from input text."""
    if not expression.startswith("="):
        raise ValueError(f"not a formula: {expression!r}")
    return _styled(sheet, expression, number_format, formula_fill=True, bold=bold)


# -- file ------------------------------------------------------------------------------------------

def parse_time(value: str) -> datetime:
    """Parse the export time (ISO 8601 UTC) into the naive UTC datetime openpyxl writes."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None, microsecond=0)


def fix_zip_times(data: bytes, replacements: dict[str, bytes] | None = None) -> bytes:
    """Rewrite the ZIP with a fixed time on every entry, so equal content gives equal bytes.

    ``replacements`` maps entry names to the content that replaces theirs.
    """
    replacements = replacements or {}
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            target.writestr(fixed, replacements.get(info.filename) or source.read(info.filename))
    return buffer.getvalue()
