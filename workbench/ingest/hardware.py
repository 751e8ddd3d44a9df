"""Readers for hardware embodied-emission libraries.

Two layouts are read:

* The Boavizta product carbon footprint database (``boavizta-data-us.csv`` with commas and
  decimal points, ``boavizta-data-fr.csv`` with semicolons, decimal commas and CRLF).
  ``gwp_total`` is kgCO2e over the whole life cycle; the embodied share is ``gwp_total x
  gwp_manufacturing_ratio`` (manufacturing only) where that ratio is given, else ``gwp_total x
  (1 - gwp_use_ratio)`` (every stage but use: manufacturing, transport, end of life). The range
  is the value times (1 -/+ ``gwp_error_ratio``), floored at 0. ``report_date`` is free text
  ('February 2019', '2019' or empty), so it is kept as written and its year parsed when there
  is one. A row repeating (manufacturer, name, report_date, sources_hash) is a duplicate.
* The workbench's own library layout (the shipped ``resources/hardware`` file), with one
  column per field of the project's hardware library and the source of each value.

Files of other layouts are rejected with what they hold, for example the boaviztapi archetype
and specification tables, which describe configurations rather than footprints.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from workbench.errors import InputRejectedError, RowProblem
from workbench.ingest.common import ReadResult, normalize_column
from workbench.ingest.tables import Table, cell_text, is_blank_row, open_table
from workbench.ingest.values import ValueProblem, parse_number
from workbench.progress import Progress, no_progress

IMPORTER_VERSION = "1"
BOAVIZTA_COLUMNS = ("manufacturer", "name", "category", "gwp_total", "gwp_use_ratio", "gwp_manufacturing_ratio")
LIBRARY_COLUMNS = ("entry_key", "name", "category", "embodied_co2e_kg", "embodied_basis", "value_basis",
                   "source_url", "dataset", "licence")
BOAVIZTA_DATASET = "Boavizta environmental-footprint-data"
BOAVIZTA_LICENCE = "ODbL-1.0 (database), DbCL-1.0 (contents)"
_YEAR = re.compile(r"(19|20)\d{2}")


def read_hardware_library(path: str | Path, *, progress: Progress | None = None) -> ReadResult:
    """Read a hardware library file into rows of the project's hardware library."""
    path = Path(path)
    progress = progress or no_progress("Import")
    table = open_table(path)
    names = [normalize_column(name) for name in table.header]
    if all(column in names for column in BOAVIZTA_COLUMNS):
        result = _read_boavizta(path, table, names)
    elif all(column in names for column in LIBRARY_COLUMNS):
        result = _read_library(path, table, names)
    else:
        raise InputRejectedError(path, _describe_other(names), row=table.header_row,
                                 hint="Import the Boavizta product footprint CSV (boavizta-data-us.csv or -fr.csv) "
                                      "or a file in the workbench library layout.")
    progress.update(1.0, f"{path.name}: done", force=True)
    return result


def _describe_other(names: list[str]) -> str:
    if {"die_surface", "vram"} & set(names):
        return ("the file is a GPU specification table (die surface, memory, masses) without an embodied "
                "emissions value per product")
    if "id" in names and any(name.endswith(".units") or name in ("vcpu", "platform") for name in names):
        return ("the file is a boaviztapi archetype table (component counts as 'default;min;max' cells) without an "
                "embodied emissions value per product")
    if {"english_name", "reference_year"} <= set(names):
        return ("the file is an electricity impact table transposed to one country per column and one impact "
                "category per row; it holds grid factors, not hardware footprints")
    if {"manufacturer", "name"} <= set(names):
        missing = [column for column in BOAVIZTA_COLUMNS if column not in names]
        return f"the file lists products but has no column {', '.join(missing)}, so no embodied value can be read"
    return ("no embodied emissions columns: expected the Boavizta columns (" + ", ".join(BOAVIZTA_COLUMNS) +
            ") or the workbench library columns (" + ", ".join(LIBRARY_COLUMNS) + ")")


# -- Boavizta ---------------------------------------------------------------------------------------

def _read_boavizta(path: Path, table: Table, names: list[str]) -> ReadResult:
    result = ReadResult(kind="hardware-library", importer="boavizta-pcf-csv", importer_version=IMPORTER_VERSION,
                        notes=list(table.notes), options={"dataset": BOAVIZTA_DATASET, "licence": BOAVIZTA_LICENCE})
    position = {name: index for index, name in enumerate(names)}
    seen: dict[tuple, int] = {}
    entries = []
    for number, cells in table.rows:
        if is_blank_row(cells):
            continue
        result.rows_read += 1
        cells = list(cells) + [None] * (len(names) - len(cells))
        try:
            entry = _boavizta_entry(cells, position, number, table.decimal_comma)
        except _RowError as exc:
            result.rejected.append(RowProblem(path.name, number, exc.column, exc.value, exc.reason))
            continue
        key = (entry["manufacturer"].lower(), entry["name"].lower(), entry["report_date"] or "",
               entry["source_hash"] or "")
        if key in seen:
            result.rejected.append(RowProblem(path.name, number, "(whole row)", f"{entry['manufacturer']} "
                                              f"{entry['name']}", f"duplicate of row {seen[key]} (same manufacturer, "
                                              "name, report_date and sources_hash)"))
            continue
        seen[key] = number
        entries.append(entry)
    result.tables["hardware"] = pd.DataFrame(entries)
    result.notes.append(f"Boavizta data is under {BOAVIZTA_LICENCE}; keep the attribution when you share values")
    return result


class _RowError(Exception):
    def __init__(self, column: str, value: str, reason: str) -> None:
        super().__init__(reason)
        self.column, self.value, self.reason = column, value, reason


def _number(cells, position, column: str, decimal_comma: bool) -> float | None:
    if column not in position:
        return None
    cell = cells[position[column]]
    try:
        return parse_number(cell, decimal_comma=decimal_comma)
    except ValueProblem as exc:
        raise _RowError(column, cell_text(cell), str(exc)) from None


def _boavizta_entry(cells, position, number: int, decimal_comma: bool) -> dict:
    def text(column: str) -> str:
        return cell_text(cells[position[column]]) if column in position else ""

    if not text("name"):
        raise _RowError("name", "", "value is missing")
    total = _number(cells, position, "gwp_total", decimal_comma)
    if total is None:
        raise _RowError("gwp_total", text("gwp_total"), "gwp_total is missing, so there is no footprint to split")
    if total < 0:
        raise _RowError("gwp_total", text("gwp_total"), "a footprint cannot be negative")
    manufacturing = _number(cells, position, "gwp_manufacturing_ratio", decimal_comma)
    use = _number(cells, position, "gwp_use_ratio", decimal_comma)
    if manufacturing is not None:
        embodied, basis = total * manufacturing, "manufacturing"
    elif use is not None:
        embodied, basis = total * (1.0 - use), "all stages but use"
    else:
        raise _RowError("gwp_manufacturing_ratio", "", "gwp_manufacturing_ratio and gwp_use_ratio are both empty, "
                                                       "so the embodied share of gwp_total is unknown")
    for column, ratio in (("gwp_manufacturing_ratio", manufacturing), ("gwp_use_ratio", use)):
        if ratio is not None and not 0 <= ratio <= 1:
            raise _RowError(column, text(column), "a ratio must be between 0 and 1")
    error = _number(cells, position, "gwp_error_ratio", decimal_comma)
    report_date = text("report_date") or None
    year = _YEAR.search(report_date or "")
    manufacturer = text("manufacturer")
    return {
        "source_row": number, "entry_key": slug(f"{manufacturer} {text('name')}"), "manufacturer": manufacturer,
        "name": text("name"), "category": text("category").lower() or "other",
        "subcategory": text("subcategory").lower() or None, "embodied_co2e_kg": embodied,
        "embodied_low_kg": max(embodied * (1.0 - error), 0.0) if error is not None else None,
        "embodied_high_kg": embodied * (1.0 + error) if error is not None else None,
        "embodied_basis": basis, "value_basis": "derived from the published gwp_total and ratio",
        "gwp_total_kg": total, "lifetime_years": _number(cells, position, "lifetime", decimal_comma),
        "use_location": text("use_location") or None, "report_date": report_date,
        "report_year": int(year.group(0)) if year else None, "source_url": text("sources") or None,
        "source_hash": text("sources_hash") or None, "dataset": BOAVIZTA_DATASET,
        "dataset_version": text("added_date") or None, "licence": BOAVIZTA_LICENCE,
    }


def slug(text: str) -> str:
    """Return a lower-case key with words joined by '-', for referring to library entries."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# -- the workbench layout ---------------------------------------------------------------------------

LIBRARY_NUMBERS = ("embodied_co2e_kg", "embodied_low_kg", "embodied_high_kg", "gwp_total_kg", "lifetime_years",
                   "report_year")
LIBRARY_TEXTS = ("entry_key", "manufacturer", "name", "category", "subcategory", "embodied_basis", "value_basis",
                 "use_location", "report_date", "source_url", "source_hash", "dataset", "dataset_version", "licence")


def _read_library(path: Path, table: Table, names: list[str]) -> ReadResult:
    result = ReadResult(kind="hardware-library", importer="workbench-hardware-library",
                        importer_version=IMPORTER_VERSION, notes=list(table.notes))
    position = {name: index for index, name in enumerate(names)}
    entries = []
    for number, cells in table.rows:
        if is_blank_row(cells):
            continue
        result.rows_read += 1
        cells = list(cells) + [None] * (len(names) - len(cells))
        try:
            entries.append(_library_entry(cells, position, number, table.decimal_comma))
        except _RowError as exc:
            result.rejected.append(RowProblem(path.name, number, exc.column, exc.value, exc.reason))
    result.tables["hardware"] = pd.DataFrame(entries)
    return result


def _library_entry(cells, position, number: int, decimal_comma: bool) -> dict:
    entry: dict = {"source_row": number}
    for column in LIBRARY_TEXTS:
        entry[column] = cell_text(cells[position[column]]) or None if column in position else None
    for column in LIBRARY_NUMBERS:
        entry[column] = _number(cells, position, column, decimal_comma)
    for column in ("entry_key", "name", "category", "embodied_basis", "value_basis", "source_url", "dataset",
                   "licence"):
        if not entry[column]:
            raise _RowError(column, "", "value is missing; every library value needs its source, basis and licence")
    if entry["embodied_co2e_kg"] is None or entry["embodied_co2e_kg"] < 0:
        raise _RowError("embodied_co2e_kg", cell_text(cells[position["embodied_co2e_kg"]]),
                        "embodied_co2e_kg must be a number of at least 0")
    low, high = entry["embodied_low_kg"], entry["embodied_high_kg"]
    if low is not None and high is not None and not low <= entry["embodied_co2e_kg"] <= high:
        raise _RowError("embodied_low_kg", f"{low:g}-{high:g}", "the range must contain the value")
    if entry["report_year"] is not None:
        entry["report_year"] = int(entry["report_year"])
    return entry
