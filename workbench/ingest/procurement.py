"""Reader for procurement records (asset registers) in CSV or spreadsheet form.

Required columns: item, category, quantity, acquired (date), lifetime_years, and either
embodied_co2e_kg_per_unit or library_ref (the key or name of a hardware library entry, such as
``dell-poweredge-r740`` or ``Dell PowerEdge R740``, whose value the import fills in). Optional:
in_service (date), usage_rate (0-1), embodied_source, site. Common other names of these columns
are accepted (see ``ALIASES``), and a column mapping can rename any other.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from workbench.errors import InputRejectedError, RowProblem
from workbench.ingest.common import ReadResult, normalize_column
from workbench.ingest.tables import cell_text, is_blank_row, open_table
from workbench.ingest.values import ValueProblem, parse_date, parse_number
from workbench.progress import Progress, no_progress

IMPORTER_VERSION = "1"
REQUIRED = ("item", "category", "quantity", "acquired", "embodied_co2e_kg_per_unit", "lifetime_years")
OPTIONAL = ("in_service", "usage_rate", "embodied_source", "site", "library_ref")
ALIASES = {
    "description": "item", "model": "item", "product": "item", "asset": "item", "type": "category",
    "asset_class": "category", "qty": "quantity", "units": "quantity", "count": "quantity",
    "acquisition_date": "acquired", "purchase_date": "acquired", "acquired_on": "acquired",
    "in_service_date": "in_service", "commissioned": "in_service", "embodied_kg": "embodied_co2e_kg_per_unit",
    "embodied_kgco2e": "embodied_co2e_kg_per_unit", "embodied_co2e_kg": "embodied_co2e_kg_per_unit",
    "lifetime": "lifetime_years", "life_years": "lifetime_years", "useful_life_years": "lifetime_years",
    "usage": "usage_rate", "utilization": "usage_rate", "library_entry": "library_ref", "library_key": "library_ref",
    "pcf_source": "embodied_source", "location": "site", "data_center": "site",
}


def read_procurement(path: str | Path, *, site: str | None = None, mapping=None,
                     progress: Progress | None = None) -> ReadResult:
    """Read an asset register; each accepted row becomes one asset line with its embodied emissions."""
    path = Path(path)
    progress = progress or no_progress("Import")
    table = open_table(path, layout=mapping.layout() if mapping is not None else None)
    names = mapping.renamed(table.header) if mapping is not None else [normalize_column(name) for name in table.header]
    names = [name if name in REQUIRED + OPTIONAL else ALIASES.get(name, name) for name in names]
    required = [name for name in REQUIRED if name != "embodied_co2e_kg_per_unit" or "library_ref" not in names]
    missing = [name for name in required if name not in names]
    if missing:
        raise InputRejectedError(path, f"missing column {', '.join(missing)}", row=table.header_row,
                                 hint="The header needs: " + ", ".join(REQUIRED) + ".")
    position = {name: names.index(name) for name in REQUIRED + OPTIONAL if name in names}
    result = ReadResult(kind="procurement", importer="procurement-table", importer_version=IMPORTER_VERSION,
                        options={"site": site})
    result.notes.extend(table.notes)
    decimal_comma = table.delimiter == ";"
    assets = []
    for number, cells in table.rows:
        if is_blank_row(cells):
            continue
        result.rows_read += 1
        cells = cells + [None] * (len(names) - len(cells))
        try:
            assets.append(_parse_asset(cells, position, number, decimal_comma, site))
        except _RowError as exc:
            result.rejected.append(RowProblem(path.name, number, exc.column, exc.value, exc.reason))
    progress.update(1.0, f"{path.name}: done", force=True)

    result.tables["assets"] = pd.DataFrame(assets, columns=[
        "source_row", "item", "category", "quantity", "acquired", "in_service", "embodied_co2e_kg_per_unit",
        "embodied_source", "lifetime_years", "usage_rate", "site", "library_ref", "library_entry_id",
        "embodied_low_kg", "embodied_high_kg", "embodied_basis"])
    if assets:
        acquired = pd.to_datetime(result.tables["assets"]["acquired"], utc=True)
        result.start_utc, result.end_utc = acquired.min().timestamp(), acquired.max().timestamp()
    return result


class _RowError(Exception):
    def __init__(self, column: str, value: str, reason: str) -> None:
        super().__init__(reason)
        self.column, self.value, self.reason = column, value, reason


def _parse_asset(cells, position: dict[str, int], number: int, decimal_comma: bool, site: str | None) -> dict:
    def text(column: str) -> str:
        return cell_text(cells[position[column]]) if column in position else ""

    def number_of(column: str, *, required: bool, low: float | None = None, high: float | None = None,
                  strictly_positive: bool = False) -> float | None:
        if column not in position:
            return None
        cell = cells[position[column]]
        try:
            value = parse_number(cell, decimal_comma=decimal_comma)
        except ValueProblem as exc:
            raise _RowError(column, cell_text(cell), str(exc)) from None
        if value is None:
            if required:
                raise _RowError(column, cell_text(cell), "value is missing")
            return None
        if strictly_positive and value <= 0:
            raise _RowError(column, cell_text(cell), "must be greater than 0")
        if low is not None and value < low:
            raise _RowError(column, cell_text(cell), f"must be at least {low:g}")
        if high is not None and value > high:
            raise _RowError(column, cell_text(cell), f"must be at most {high:g}")
        return value

    def date_of(column: str, *, required: bool) -> str | None:
        if column not in position or (not required and text(column) == ""):
            return None
        try:
            return parse_date(cells[position[column]]).isoformat()
        except ValueProblem as exc:
            raise _RowError(column, text(column), str(exc)) from None

    for column in ("item", "category"):
        if not text(column):
            raise _RowError(column, "", "value is missing")
    return {
        "source_row": number,
        "item": text("item"),
        "category": text("category").lower(),
        "quantity": number_of("quantity", required=True, strictly_positive=True),
        "acquired": date_of("acquired", required=True),
        "in_service": date_of("in_service", required=False),
        "embodied_co2e_kg_per_unit": number_of("embodied_co2e_kg_per_unit", required=not text("library_ref"),
                                               low=0.0),
        "library_ref": text("library_ref") or None,
        "embodied_source": text("embodied_source") or None,
        "lifetime_years": number_of("lifetime_years", required=True, strictly_positive=True),
        "usage_rate": number_of("usage_rate", required=False, low=0.0, high=1.0),
        "site": text("site") or site,
    }
