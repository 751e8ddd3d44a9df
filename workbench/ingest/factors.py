"""Reader for the workbench's emission factor table: zone, period, intensity, source.

The intensity column names its unit: ``co2e_g_per_kwh``, ``co2e_kg_per_kwh``,
``co2e_kg_per_mwh``, ``co2e_t_per_mwh`` or ``co2e_lb_per_mwh``. Periods in UTC unless the text
carries an offset; a bare end date is inclusive (a whole day); a ``year`` column may stand for
the two period columns. The resolution of each factor (hourly, daily, monthly, annual) follows
from its period's length, and two factors of one zone, resolution and dataset may not overlap.

Optional columns describe each factor's dataset: ``dataset`` (its name; the file name when
absent), ``basis`` (location, residual_mix, supplier, marginal), ``gas_basis`` (CO2 or CO2e),
``gwp_set``, ``vintage``, ``publisher``, ``licence``, ``dataset_version``, ``emission_scope``
(direct or lifecycle), ``source_url`` and ``zone_name``. The shipped factor library uses them.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.clock import epoch_to_text
from workbench.errors import InputRejectedError, RowProblem
from workbench.ingest.common import ReadResult, normalize_column
from workbench.ingest.tables import cell_text, is_blank_row, open_table
from workbench.ingest.values import ValueProblem, parse_number, parse_period_bound
from workbench.progress import Progress, no_progress

IMPORTER_VERSION = "1"
LB_KG = 0.45359237
# Multiplier from each accepted column's unit to gCO2e/kWh.
INTENSITY_COLUMNS = {
    "co2e_g_per_kwh": 1.0,
    "co2e_kg_per_kwh": 1000.0,
    "co2e_kg_per_mwh": 1.0,
    "co2e_t_per_mwh": 1000.0,
    "co2e_lb_per_mwh": LB_KG,
}
REQUIRED = ("zone", "period_start", "period_end")
DATASET_FIELDS = ("basis", "gas_basis", "gwp_set", "vintage", "publisher", "licence", "dataset_version",
                  "emission_scope", "source_url")
BASES = ("location", "residual_mix", "supplier", "marginal")


def resolution_of(seconds: float) -> str:
    """Name the temporal resolution of a factor period of the given length."""
    days = seconds / 86400.0
    if seconds == 3600:
        return "hourly"
    if days == 1:
        return "daily"
    if 28 <= days <= 31:
        return "monthly"
    if 365 <= days <= 366:
        return "annual"
    return "other"


def read_factors(path: str | Path, *, progress: Progress | None = None) -> ReadResult:
    """Read a location-based emission factor table into one row per zone and period."""
    path = Path(path)
    progress = progress or no_progress("Import")
    table = open_table(path)
    names = [normalize_column(name) for name in table.header]
    required = ("zone", "year") if "year" in names and "period_start" not in names else REQUIRED
    missing = [name for name in required if name not in names]
    intensity = next((name for name in INTENSITY_COLUMNS if name in names), None)
    if missing or intensity is None:
        wanted = missing + ([] if intensity else ["co2e_g_per_kwh (or another intensity unit)"])
        raise InputRejectedError(path, f"missing column {', '.join(wanted)}", row=table.header_row,
                                 hint="The header needs: zone, period_start, period_end, co2e_g_per_kwh, source.")
    position = {name: index for index, name in enumerate(names)}
    scale = INTENSITY_COLUMNS[intensity]
    decimal_comma = table.delimiter == ";"
    result = ReadResult(kind="factors", importer="factor-table", importer_version=IMPORTER_VERSION,
                        options={"intensity_column": intensity})
    result.notes.extend(table.notes)
    rows = []
    datasets: dict[str, dict] = {}
    for number, cells in table.rows:
        if is_blank_row(cells):
            continue
        result.rows_read += 1
        cells = cells + [None] * (len(names) - len(cells))
        try:
            row = _parse_factor(cells, position, intensity, scale, decimal_comma, number)
            row.update(_dataset_of(cells, position, path, datasets))
            rows.append(row)
        except _RowError as exc:
            result.rejected.append(RowProblem(path.name, number, exc.column, exc.value, exc.reason))

    frame = pd.DataFrame(rows, columns=["source_row", "zone", "period_start", "period_end", "resolution",
                                        "co2e_g_per_kwh", "source_text", "original_value", "original_unit",
                                        "zone_name", "dataset"])
    frame = _reject_overlaps(path, frame, result)
    result.options["datasets"] = {name: info for name, info in datasets.items() if name in set(frame["dataset"])}
    result.tables["factors"] = frame
    if len(frame):
        result.start_utc, result.end_utc = float(frame["period_start"].min()), float(frame["period_end"].max())
    progress.update(1.0, f"{path.name}: done", force=True)
    return result


class _RowError(Exception):
    def __init__(self, column: str, value: str, reason: str) -> None:
        super().__init__(reason)
        self.column, self.value, self.reason = column, value, reason


def _parse_factor(cells, position, intensity: str, scale: float, decimal_comma: bool, number: int) -> dict:
    zone = cell_text(cells[position["zone"]])
    if not zone:
        raise _RowError("zone", "", "value is missing")
    if "period_start" not in position:
        year_cell = cells[position["year"]]
        try:
            year = int(parse_number(year_cell) or 0)
        except ValueProblem:
            year = 0
        if not 1900 <= year <= 2200:
            raise _RowError("year", cell_text(year_cell), "not a year")
        start = int(datetime(year, 1, 1, tzinfo=timezone.utc).timestamp())
        end = int(datetime(year + 1, 1, 1, tzinfo=timezone.utc).timestamp())
        return _factor_value(cells, position, intensity, scale, decimal_comma, number, zone, start, end)
    bounds = []
    for column, is_end in (("period_start", False), ("period_end", True)):
        cell = cells[position[column]]
        try:
            bounds.append(parse_period_bound(cell, is_end=is_end))
        except ValueProblem as exc:
            raise _RowError(column, cell_text(cell), str(exc)) from None
    start, end = bounds
    if end <= start:
        raise _RowError("period_end", cell_text(cells[position["period_end"]]), "period ends before it starts")
    return _factor_value(cells, position, intensity, scale, decimal_comma, number, zone, start, end)


def _factor_value(cells, position, intensity: str, scale: float, decimal_comma: bool, number: int, zone: str,
                  start: float, end: float) -> dict:
    cell = cells[position[intensity]]
    try:
        value = parse_number(cell, decimal_comma=decimal_comma)
    except ValueProblem as exc:
        raise _RowError(intensity, cell_text(cell), str(exc)) from None
    if value is None:
        raise _RowError(intensity, cell_text(cell), "value is missing")
    if value < 0:
        raise _RowError(intensity, cell_text(cell), "emission factors cannot be negative")
    source = cell_text(cells[position["source"]]) if "source" in position else ""
    if not source:
        raise _RowError("source", "", "every factor needs its source (publisher, dataset and year)")
    return {"source_row": number, "zone": zone, "period_start": int(start), "period_end": int(end),
            "resolution": resolution_of(end - start), "co2e_g_per_kwh": value * scale, "source_text": source,
            "original_value": value, "original_unit": intensity.removeprefix("co2e_").replace("_per_", "/"),
            "zone_name": cell_text(cells[position["zone_name"]]) or None if "zone_name" in position else None}


def _dataset_of(cells, position, path: Path, datasets: dict[str, dict]) -> dict:
    """Return the row's dataset name, recording the dataset's fields the first time it is seen."""
    name = cell_text(cells[position["dataset"]]) if "dataset" in position else ""
    name = name or path.stem
    info = {field: (cell_text(cells[position[field]]) or None) if field in position else None
            for field in DATASET_FIELDS}
    if info["basis"] and info["basis"] not in BASES:
        raise _RowError("basis", info["basis"], f"basis must be one of {', '.join(BASES)}")
    if info["gas_basis"] and info["gas_basis"] not in ("CO2", "CO2e"):
        raise _RowError("gas_basis", info["gas_basis"], "gas_basis must be CO2 or CO2e")
    known = datasets.setdefault(name, {"name": name, **info})
    for field in ("basis", "gas_basis"):
        if info[field] and known[field] and info[field] != known[field]:
            raise _RowError(field, info[field], f"dataset '{name}' already has {field} {known[field]}; one dataset "
                                                "has one basis")
    return {"dataset": name}


def _reject_overlaps(path: Path, frame: pd.DataFrame, result: ReadResult) -> pd.DataFrame:
    if frame.empty:
        return frame
    frame = frame.sort_values(["dataset", "zone", "resolution", "period_start", "source_row"]).reset_index(drop=True)
    keep = np.ones(len(frame), dtype=bool)
    last_end: dict[tuple[str, str, str], tuple[int, int]] = {}
    for index, row in enumerate(frame.itertuples(index=False)):
        key = (row.dataset, row.zone, row.resolution)
        previous = last_end.get(key)
        if previous and row.period_start < previous[0]:
            keep[index] = False
            result.rejected.append(RowProblem(path.name, int(row.source_row), "period_start",
                                              epoch_to_text(row.period_start),
                                              f"overlaps the {row.resolution} factor of zone {row.zone} in row "
                                              f"{previous[1]}; a period may have only one factor"))
            continue
        last_end[key] = (row.period_end, int(row.source_row))
    return frame[keep].sort_values("source_row").reset_index(drop=True)
