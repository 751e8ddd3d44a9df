"""The Excel workbook export (openpyxl, write-only mode).

Every sheet has a banner in row 1 (DRAFT when the export is a draft), the column headers with
units in row 2 (frozen) and data from row 3. Totals on the Summary sheet are ``SUM`` formulas
over the Runs sheet, so an auditor can trace them. Text is always written as a string cell.
Text that starts with ``=``, ``+``, ``-`` or ``@`` also gets the quote prefix, so Excel keeps it
as text when the cell is edited. The same content gives the same bytes, because ZIP entry
times and document properties are fixed to the export time.
"""

from __future__ import annotations

import io
import math
import zipfile
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from workbench.project.audit import canonical_json
from workbench.reports import planner_appendix
from workbench.reports.content import DRAFT_NOTICE, VIEW_DESCRIPTION, ReportContent
from workbench.reports.manifest import manifest_json

SUMMARY, RUNS, ASSUMPTIONS, SOURCES, REJECTED, AUDIT, MANIFEST = (
    "Summary", "Runs", "Assumptions", "Sources", "Rejected rows", "Audit log", "Manifest")
SHEET_NAMES = (SUMMARY, RUNS, ASSUMPTIONS, SOURCES, REJECTED, AUDIT, MANIFEST)
HEADER_ROW = 2
FIRST_DATA_ROW = 3
# An Excel cell takes at most 32,767 characters, so the manifest JSON is split over rows.
MANIFEST_CHUNK_CHARS = 30_000
FORMULA_PREFIXES = ("=", "+", "-", "@")
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)

QUANTITY_FORMAT = "#,##0.000###"
COUNT_FORMAT = "#,##0"
SHARE_FORMAT = "0.0000"

_BOLD = Font(bold=True)
_DRAFT_FONT = Font(bold=True, color="C00000", size=12)
_TITLE_FONT = Font(bold=True, size=12)
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass(frozen=True)
class Column:
    """One column of a table sheet: header with unit, record key, width and number format.

    A column without ``number_format`` contains text.
    """

    header: str
    key: str
    width: float
    number_format: str | None = None


RUN_COLUMNS = (
    Column("Run", "run", 28),
    Column("Kind", "kind", 11),
    Column("Site", "site", 14),
    Column("Grid zone", "zone", 11),
    Column("GPUs", "gpu_count", 7, COUNT_FORMAT),
    Column("Hours with energy", "hours", 10, COUNT_FORMAT),
    Column("GPU energy (kWh)", "gpu_energy_kwh", 14, QUANTITY_FORMAT),
    Column("Node energy (kWh)", "node_energy_kwh", 14, QUANTITY_FORMAT),
    Column("IT energy (kWh)", "it_energy_kwh", 14, QUANTITY_FORMAT),
    Column("Facility energy (kWh)", "facility_energy_kwh", 14, QUANTITY_FORMAT),
    Column("Operational emissions, location-based (kgCO2e)", "operational_co2e_kg", 16, QUANTITY_FORMAT),
    Column("Embodied emissions, amortized (kgCO2e)", "embodied_co2e_kg", 16, QUANTITY_FORMAT),
    Column("Total emissions (kgCO2e)", "total_co2e_kg", 16, QUANTITY_FORMAT),
    Column("Energy without emission factor (kWh)", "unmatched_energy_kwh", 14, QUANTITY_FORMAT),
    Column("Resource share (fraction)", "resource_share", 10, SHARE_FORMAT),
    Column("Factor resolution (kWh per resolution)", "factor_resolution_kwh", 24),
    Column("Warnings", "warnings", 60),
)

ASSUMPTION_COLUMNS = (
    Column("Key", "key", 16), Column("Assumption", "label", 34), Column("Value", "value", 12),
    Column("Unit", "unit", 20), Column("Origin (set or default)", "origin", 16),
    Column("Rationale", "rationale", 70), Column("Set by", "set_by", 12), Column("Set at (UTC)", "set_at", 24),
)

SOURCE_COLUMNS = (
    Column("Source ID", "id", 9, COUNT_FORMAT), Column("File", "file", 36), Column("Kind", "kind", 12),
    Column("SHA-256", "sha256", 68), Column("Size (bytes)", "size_bytes", 12, COUNT_FORMAT),
    Column("Rows read", "rows_read", 10, COUNT_FORMAT), Column("Rows accepted", "rows_accepted", 10, COUNT_FORMAT),
    Column("Rows rejected", "rows_rejected", 10, COUNT_FORMAT), Column("First time (UTC)", "start_utc", 21),
    Column("Last time (UTC)", "end_utc", 21), Column("Importer", "importer", 24),
    Column("Imported at (UTC)", "imported_at", 27), Column("Imported by", "actor", 12),
)

REJECTED_COLUMNS = (
    Column("Source ID", "source_id", 9, COUNT_FORMAT), Column("File", "file", 36),
    Column("Row", "row_number", 8, COUNT_FORMAT), Column("Column", "column_name", 20),
    Column("Raw value", "raw_value", 30), Column("Reason", "reason", 70),
)

AUDIT_COLUMNS = (
    Column("Entry", "seq", 7, COUNT_FORMAT), Column("At (UTC)", "at", 27), Column("Actor", "actor", 12),
    Column("Action", "action", 18), Column("Entity", "entity", 22), Column("Details (JSON)", "details", 80),
    Column("Entry hash (SHA-256)", "hash", 68),
)

SUMMARY_TOTALS = (
    ("GPU energy", "gpu_energy_kwh", "kWh"),
    ("Node energy", "node_energy_kwh", "kWh"),
    ("IT energy", "it_energy_kwh", "kWh"),
    ("Facility energy", "facility_energy_kwh", "kWh"),
    ("Operational emissions (location-based)", "operational_co2e_kg", "kgCO2e"),
    ("Embodied emissions (amortized)", "embodied_co2e_kg", "kgCO2e"),
    ("Total emissions", "total_co2e_kg", "kgCO2e"),
    ("Energy without an emission factor", "unmatched_energy_kwh", "kWh"),
)


def render_workbook(content: ReportContent) -> bytes:
    """Lay out ``content`` as an .xlsx workbook and return its bytes."""
    workbook = Workbook(write_only=True)
    stamp = _parse_time(content.exported_at)
    workbook.properties.creator = f"Carbon Workbench {content.manifest['software']['version']}"
    workbook.properties.title = content.title
    workbook.properties.created = workbook.properties.modified = stamp

    _write_summary(workbook, content)
    _write_table(workbook, RUNS, content, RUN_COLUMNS, content.runs,
                 "Footprint per run (values computed by the engine)")
    _write_table(workbook, ASSUMPTIONS, content, ASSUMPTION_COLUMNS, content.assumptions,
                 f"Assumption set '{content.assumption_set}'")
    _write_table(workbook, SOURCES, content, SOURCE_COLUMNS, content.sources, "Imported input files")
    listed = len(content.rejected)
    _write_table(workbook, REJECTED, content, REJECTED_COLUMNS, content.rejected,
                 f"Rejected input rows ({listed:,} of {content.rejected_total:,}; all are kept in the project file)")
    _write_table(workbook, AUDIT, content, AUDIT_COLUMNS, content.audit, "Audit log of the project at export")
    if content.planner is not None:
        planner_appendix.write_sheet(workbook, content, content.planner)
    _write_manifest(workbook, content)

    buffer = io.BytesIO()
    workbook.save(buffer)
    return _fix_zip_times(buffer.getvalue())


def run_column_letter(key: str) -> str:
    """Return the Runs sheet column letter of the engine figure ``key``."""
    for index, column in enumerate(RUN_COLUMNS, 1):
        if column.key == key:
            return get_column_letter(index)
    raise KeyError(key)


def read_manifest_text(workbook: Any) -> str:
    """Join the manifest JSON parts stored on the hidden Manifest sheet of an open workbook."""
    sheet = workbook[MANIFEST]
    parts = [row[0] for row in sheet.iter_rows(min_row=FIRST_DATA_ROW, max_col=1, values_only=True)
             if row and row[0] is not None]
    return "".join(str(part) for part in parts)


def read_run_figures(workbook: Any) -> list[dict[str, Any]]:
    """Read the Runs sheet of an open workbook back into one dict per run, keyed like the engine."""
    sheet = workbook[RUNS]
    runs = []
    for row in sheet.iter_rows(min_row=FIRST_DATA_ROW, max_col=len(RUN_COLUMNS), values_only=True):
        if not row or row[0] is None:
            continue
        runs.append({column.key: value for column, value in zip(RUN_COLUMNS, row)})
    return runs


# -- sheets --------------------------------------------------------------------------------------

def _new_sheet(workbook: Workbook, name: str, content: ReportContent, columns: Iterable[Column]) -> Any:
    sheet = workbook.create_sheet(name)
    sheet.freeze_panes = f"A{FIRST_DATA_ROW}"
    for index, column in enumerate(columns, 1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    if content.draft:
        sheet.oddHeader.center.text = "DRAFT"
        sheet.oddHeader.center.color = "C00000"
    sheet.oddFooter.left.text = f"{name}: {content.project_name}"
    sheet.oddFooter.right.text = "Page &P of &N"
    return sheet


def _banner(sheet: Any, content: ReportContent, description: str) -> None:
    if content.draft:
        cell = _text(sheet, f"{DRAFT_NOTICE}. {description}", _DRAFT_FONT)
    else:
        cell = _text(sheet, description, _TITLE_FONT)
    sheet.append([cell])


def _write_table(workbook: Workbook, name: str, content: ReportContent, columns: tuple[Column, ...],
                 records: list[dict[str, Any]], description: str) -> None:
    sheet = _new_sheet(workbook, name, content, columns)
    _banner(sheet, content, description)
    sheet.append([_text(sheet, column.header, _BOLD, fill=_HEADER_FILL) for column in columns])
    for record in records:
        sheet.append([_value_cell(sheet, record.get(column.key), column) for column in columns])


def _write_summary(workbook: Workbook, content: ReportContent) -> None:
    columns = (Column("Item", "item", 42), Column("Value", "value", 30), Column("Unit", "unit", 70))
    sheet = _new_sheet(workbook, SUMMARY, content, columns)
    _banner(sheet, content, content.title)
    sheet.append([_text(sheet, column.header, _BOLD, fill=_HEADER_FILL) for column in columns])

    manifest = content.manifest
    facts = (
        ("Project", content.project_name, ""),
        ("Assumption set", content.assumption_set, ""),
        ("View", VIEW_DESCRIPTION, ""),
        ("Status", "DRAFT" if content.draft else "final", ""),
        ("Exported at (UTC)", content.exported_at, ""),
        ("Software", f"{manifest['software']['name']} {manifest['software']['version']}", ""),
        ("Project state SHA-256", manifest["project_state_sha256"], "data tables of the project file"),
        ("Assumption set SHA-256", manifest["assumption_set_sha256"], "effective values of the set"),
        ("Audit log head (SHA-256)", manifest["audit_log_head"],
         f"hash of entry {manifest['audit_log_entries']}, the last before this export"),
        ("Runs", len(content.runs), "count"),
    )
    for label, value, note in facts:
        value_cell = _number(sheet, value, COUNT_FORMAT) if isinstance(value, int) else _text(sheet, value)
        sheet.append([_text(sheet, label, _BOLD), value_cell, _text(sheet, note) if note else None])

    sheet.append([])
    sheet.append([_text(sheet, "Totals over all runs", _BOLD), None,
                  _text(sheet, f"formulas over the {RUNS} sheet")])
    last_row = FIRST_DATA_ROW + max(len(content.runs), 1) - 1
    for label, key, unit in SUMMARY_TOTALS:
        letter = run_column_letter(key)
        formula = f"=SUM({RUNS}!{letter}{FIRST_DATA_ROW}:{letter}{last_row})"
        sheet.append([_text(sheet, label), _formula(sheet, formula, QUANTITY_FORMAT), _text(sheet, unit)])

    if content.warnings:
        sheet.append([])
        sheet.append([_text(sheet, "Warnings", _BOLD)])
        for warning in content.warnings:
            sheet.append([None, _text(sheet, warning)])


def _write_manifest(workbook: Workbook, content: ReportContent) -> None:
    columns = (Column("Manifest", "manifest", 120),)
    sheet = _new_sheet(workbook, MANIFEST, content, columns)
    sheet.sheet_state = "hidden"
    _banner(sheet, content, "Export manifest")
    sheet.append([_text(sheet, "Canonical JSON in parts; join column A from row 3 down, in order", _BOLD)])
    text = manifest_json(content.manifest)
    for start in range(0, len(text), MANIFEST_CHUNK_CHARS):
        sheet.append([_text(sheet, text[start:start + MANIFEST_CHUNK_CHARS])])


# -- cells ---------------------------------------------------------------------------------------

def _value_cell(sheet: Any, value: Any, column: Column) -> WriteOnlyCell | None:
    if value is None:
        return None
    if isinstance(value, (dict, list, tuple)):
        return _text(sheet, _join(value), alignment=_WRAP)
    if column.number_format is not None and _is_number(value):
        return _number(sheet, value, column.number_format)
    return _text(sheet, value)


def _join(value: dict | list | tuple) -> str:
    if isinstance(value, dict):
        return canonical_json(value)
    return "; ".join(str(item) for item in value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _text(sheet: Any, value: Any, font: Font | None = None, fill: PatternFill | None = None,
          alignment: Alignment | None = None) -> WriteOnlyCell:
    """Make a string cell that Excel does not evaluate, whatever the text starts with."""
    text = ILLEGAL_CHARACTERS_RE.sub(lambda match: f"\\x{ord(match.group()):02x}", str(value))
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    if text.startswith(FORMULA_PREFIXES):
        cell.quotePrefix = True
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if alignment is not None:
        cell.alignment = alignment
    return cell


def _number(sheet: Any, value: float | int, number_format: str) -> WriteOnlyCell:
    if isinstance(value, float) and not math.isfinite(value):
        return _text(sheet, str(value))
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = number_format
    return cell


def _formula(sheet: Any, formula: str, number_format: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=formula)
    if cell.data_type != "f":
        raise ValueError(f"not a formula: {formula!r}")
    cell.number_format = number_format
    cell.font = _BOLD
    return cell


# -- file ----------------------------------------------------------------------------------------

def _parse_time(text: str) -> datetime:
    """Parse the export time (ISO 8601 UTC) into the naive UTC datetime openpyxl writes."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None, microsecond=0)


def _fix_zip_times(data: bytes) -> bytes:
    """Rewrite the ZIP with a fixed time on every entry, so equal content gives equal bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            target.writestr(fixed, source.read(info.filename))
    return buffer.getvalue()

