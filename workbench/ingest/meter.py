"""Reader for meter interval data in CSV or spreadsheet form.

Each row is one interval: a time stamp and the energy used in it. The energy column names its
unit, either as a suffix (``energy_kwh``) or in brackets (``energy [MWh]``, ``usage (kWh)``).
By default a time stamp marks the start of its interval; the interval length is the most common
spacing between time stamps unless given. Interval energy is assigned to UTC hours in proportion
to the overlap, so 15-minute data sums to hours and daily data spreads evenly.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.errors import InputRejectedError, RowProblem, UsageError
from workbench.ingest.common import ReadResult, normalize_column, resolve_timezone, split_header_unit
from workbench.ingest.integrate import HOUR_S
from workbench.ingest.tables import cell_text, is_blank_row, open_table
from workbench.ingest.timeparse import NaiveTimeError, parse_utc_seconds
from workbench.ingest.units import UnitError, energy_scale_to_wh
from workbench.ingest.values import ValueProblem, parse_number
from workbench.progress import Progress, no_progress

log = logging.getLogger(__name__)

IMPORTER_VERSION = "1"
TIME_COLUMNS = ("timestamp", "time", "datetime", "date_time", "interval_start", "start", "start_time",
                "interval_end", "end", "end_time")
ENERGY_PREFIXES = ("energy", "usage", "consumption", "import", "active_energy")
MEASUREMENT_POINTS = ("facility", "ups_output", "pdu_output", "server_input")
_UNIT_SUFFIX = re.compile(r"_(k|m|g)?wh$|_(k|m|g)?j$", re.IGNORECASE)


def find_energy_column(header: list[str]) -> tuple[int, str] | None:
    """Return (index, unit) of the first energy column whose unit the header states."""
    for index, raw in enumerate(header):
        name, unit = split_header_unit(raw)
        normalized = normalize_column(name)
        if not normalized.startswith(ENERGY_PREFIXES):
            continue
        if unit:
            return index, unit
        suffix = _UNIT_SUFFIX.search(normalized)
        if suffix:
            return index, suffix.group(0)[1:]
    return None


def read_meter(path: str | Path, *, timezone: str | None = None, meter: str | None = None,
               measurement_point: str = "facility", timestamps_mark: str = "start",
               interval_minutes: float | None = None, progress: Progress | None = None) -> ReadResult:
    """Read interval energy of one meter into watt-hours per UTC hour.

    ``measurement_point`` is where the meter sits (facility, ups_output, pdu_output,
    server_input); ``timestamps_mark`` states whether a stamp is the interval's start or end.
    """
    path = Path(path)
    progress = progress or no_progress("Import")
    if measurement_point not in MEASUREMENT_POINTS:
        raise UsageError(f"unknown measurement point '{measurement_point}'",
                         hint=f"Use one of: {', '.join(MEASUREMENT_POINTS)}.")
    if timestamps_mark not in ("start", "end"):
        raise UsageError(f"time stamps must mark 'start' or 'end', not '{timestamps_mark}'")
    zone = resolve_timezone(timezone)
    table = open_table(path)
    names = [normalize_column(split_header_unit(h)[0]) for h in table.header]
    time_index = next((names.index(c) for c in TIME_COLUMNS if c in names), None)
    if time_index is None:
        raise InputRejectedError(path, "no time stamp column (such as 'timestamp')", row=table.header_row,
                                 hint="The header needs a 'timestamp' column and an energy column with its "
                                      "unit, such as 'energy_kwh' or 'energy [MWh]'.")
    energy = find_energy_column(table.header)
    if energy is None:
        raise InputRejectedError(path, "no energy column with a unit", row=table.header_row,
                                 hint="Name the energy column with its unit, such as 'energy_kwh' or "
                                      "'energy [MWh]'.")
    energy_index, unit = energy
    try:
        scale = energy_scale_to_wh(unit)
    except UnitError as exc:
        raise InputRejectedError(path, str(exc), row=table.header_row, column=table.header[energy_index]) from None

    meter_name = meter or path.stem
    result = ReadResult(kind="meter", importer="meter-interval-table", importer_version=IMPORTER_VERSION,
                        options={"timezone": timezone, "meter": meter_name,
                                 "measurement_point": measurement_point, "timestamps_mark": timestamps_mark,
                                 "interval_minutes": interval_minutes, "energy_column": table.header[energy_index],
                                 "energy_unit": unit})
    stamps, energies_wh, rows = _collect(path, table, time_index, energy_index, scale, result)
    progress.update(0.5, f"{path.name}: {len(rows)} rows")
    if len(rows):
        _assign_hours(path, stamps, energies_wh, rows, zone, meter_name, measurement_point, timestamps_mark,
                      interval_minutes, table.header[time_index], result)
    progress.update(1.0, f"{path.name}: done", force=True)
    return result


def _collect(path: Path, table, time_index: int, energy_index: int, scale: float, result: ReadResult):
    stamps, energies, rows = [], [], []
    decimal_comma = table.delimiter == ";"
    energy_column = table.header[energy_index]
    for number, cells in table.rows:
        if is_blank_row(cells):
            continue
        result.rows_read += 1
        if len(cells) <= max(time_index, energy_index):
            result.rejected.append(RowProblem(path.name, number, "(whole row)", ",".join(map(cell_text, cells)),
                                              f"row has {len(cells)} fields, fewer than the header"))
            continue
        try:
            value = parse_number(cells[energy_index], decimal_comma=decimal_comma)
        except ValueProblem as exc:
            result.rejected.append(RowProblem(path.name, number, energy_column, cell_text(cells[energy_index]),
                                              str(exc)))
            continue
        if value is None:
            result.rejected.append(RowProblem(path.name, number, energy_column, cell_text(cells[energy_index]),
                                              "energy is missing; the interval is a gap, not 0"))
            continue
        if value < 0:
            result.rejected.append(RowProblem(path.name, number, energy_column, cell_text(cells[energy_index]),
                                              "negative interval energy"))
            continue
        stamps.append(cell_text(cells[time_index]))
        energies.append(value * scale)
        rows.append(number)
    return stamps, np.array(energies, dtype=float), np.array(rows, dtype=np.int64)


def _assign_hours(path, stamps, energies_wh, rows, zone, meter_name, measurement_point, timestamps_mark,
                  interval_minutes, time_column, result: ReadResult) -> None:
    try:
        seconds, reasons = parse_utc_seconds(pd.Series(stamps), zone)
    except NaiveTimeError:
        raise InputRejectedError(path, "time stamps have no time zone and none was given", row=int(rows[0]),
                                 column=time_column, value=stamps[0],
                                 hint="Pass --timezone with the meter's zone (use UTC if the meter logs in UTC).")
    good = np.ones(len(rows), dtype=bool)
    for position, reason in reasons.items():
        good[position] = False
        result.rejected.append(RowProblem(path.name, int(rows[position]), time_column, stamps[position], reason))
    seconds, energies_wh, rows = seconds[good], energies_wh[good], rows[good]
    if not len(rows):
        return

    order = np.argsort(seconds, kind="stable")
    seconds, energies_wh, rows = seconds[order], energies_wh[order], rows[order]
    duplicate = np.concatenate(([False], np.diff(seconds) == 0))
    for row in rows[duplicate]:
        result.rejected.append(RowProblem(path.name, int(row), time_column, "",
                                          "a second reading for the same interval; not counted twice"))
    seconds, energies_wh, rows = seconds[~duplicate], energies_wh[~duplicate], rows[~duplicate]

    interval_s = _interval_seconds(seconds, interval_minutes)
    starts = seconds - interval_s if timestamps_mark == "end" else seconds
    ends = starts + interval_s
    level = "facility" if measurement_point == "facility" else "it"
    result.tables["energy"] = _hourly_frame(starts, ends, energies_wh, rows, meter_name, level)
    result.start_utc, result.end_utc = float(starts.min()), float(ends.max())
    result.options["interval_s"] = interval_s
    result.notes.append(f"intervals of {interval_s / 60:g} minutes, time stamps mark the interval {timestamps_mark}")


def _interval_seconds(seconds: np.ndarray, interval_minutes: float | None) -> float:
    if interval_minutes:
        return float(interval_minutes) * 60.0
    if len(seconds) < 2:
        return HOUR_S
    spacing = np.diff(seconds)
    values, counts = np.unique(np.round(spacing), return_counts=True)
    return float(values[np.argmax(counts)])


def _hourly_frame(starts, ends, energies_wh, rows, meter_name: str, level: str) -> pd.DataFrame:
    first_hour = np.floor(starts / HOUR_S).astype(np.int64)
    last_hour = np.maximum(np.ceil(ends / HOUR_S).astype(np.int64) - 1, first_hour)
    pieces = last_hour - first_hour + 1
    owner = np.repeat(np.arange(len(starts)), pieces)
    offset = np.arange(len(owner)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    hour = first_hour[owner] + offset
    overlap = np.minimum(ends[owner], (hour + 1) * HOUR_S) - np.maximum(starts[owner], hour * HOUR_S)
    share = overlap / (ends[owner] - starts[owner])
    frame = pd.DataFrame({"hour": hour, "energy_wh": energies_wh[owner] * share, "covered_s": overlap,
                          "row": rows[owner]})
    grouped = frame.groupby("hour").agg(energy_wh=("energy_wh", "sum"), covered_s=("covered_s", "sum"),
                                        sample_count=("row", "size"), first_row=("row", "min"),
                                        last_row=("row", "max")).reset_index()
    return pd.DataFrame({
        "meter": meter_name, "hour_utc": grouped["hour"] * int(HOUR_S), "level": level,
        "energy_wh": grouped["energy_wh"], "gpu_energy_wh": np.nan, "sample_count": grouped["sample_count"],
        "coverage": (grouped["covered_s"] / HOUR_S).clip(upper=1.0),
        "gap_seconds": (HOUR_S - grouped["covered_s"]).clip(lower=0.0), "quality": "measured",
        "first_row": grouped["first_row"], "last_row": grouped["last_row"],
    })
