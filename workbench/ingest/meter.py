"""Reader for meter data in CSV or spreadsheet form: interval energy, power samples or registers.

A :class:`~workbench.ingest.mapping.Mapping` names what each column contains. Without one, a
mapping is proposed from the file (header row, roles, units, date order) and recorded in the
import's options, so the same reading can be repeated. The value column decides the method:

* ``energy``: each row is one interval's energy; see :mod:`workbench.ingest.intervals`.
* ``power``: samples of power, integrated over time by the trapezoid rule, gaps not bridged.
* ``register``: a cumulative register; see :mod:`workbench.ingest.registers`.

Time comes from one time stamp column, or from a date column plus start (and end) time columns
as in utility exports (``DATE,START TIME,END TIME``). An end time such as 00:14 is inclusive and
closes the interval at 00:15. Stamps without an offset take the stated time zone, so a
daylight-saving day has 92 or 100 quarter-hours; a meter that logs in UTC all year is read
with the zone UTC. A file may hold several meters in a ``meter`` column.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.errors import InputRejectedError, RowProblem, UsageError
from workbench.ingest import intervals
from workbench.ingest.common import ReadResult, is_missing, resolve_timezone
from workbench.ingest.integrate import FAR_SAMPLE_REASON, HourlyIntegrator
from workbench.ingest.mapping import ColumnSpec, Mapping, propose
from workbench.ingest.registers import RegisterSettings, Replacement, register_intervals
from workbench.ingest.tables import Cell, cell_text, is_blank_row, open_table
from workbench.ingest.timeparse import FoldState, NaiveTimeError, parse_utc_seconds
from workbench.ingest.units import UnitError, energy_scale_to_wh, power_scale_to_w
from workbench.ingest.values import (ValueProblem, excel_serial_to_datetime, normalize_date_text,
                                     normalize_time_text, parse_number)
from workbench.progress import Progress, no_progress

log = logging.getLogger(__name__)

IMPORTER_VERSION = "2"
MEASUREMENT_POINTS = ("facility", "ups_output", "pdu_output", "server_input")
VALUE_ROLES = ("energy", "power", "register")
ESTIMATED_WORDS = ("estimat", "substitut", "interpolat", "projected", "ersatz")


def level_of(measurement_point: str) -> str:
    """Return the energy-chain level of a meter's readings: 'facility' or 'it'."""
    return "facility" if measurement_point == "facility" else "it"


@dataclass
class _Rows:
    """The usable cells of a meter file, column by column, in file order."""

    stamp: list[str] = field(default_factory=list)
    end: list[str | None] = field(default_factory=list)
    value: list[float] = field(default_factory=list)
    meter: list[str] = field(default_factory=list)
    estimated: list[bool] = field(default_factory=list)
    cost: list[float] = field(default_factory=list)
    row: list[int] = field(default_factory=list)


def read_meter(path: str | Path, *, timezone: str | None = None, meter: str | None = None,
               measurement_point: str = "facility", timestamps_mark: str = "start",
               interval_minutes: float | None = None, mapping: Mapping | None = None, unit: str | None = None,
               max_power_kw: float | None = None, progress: Progress | None = None) -> ReadResult:
    """Read one meter file into watt-hours per meter per UTC hour.

    ``measurement_point`` is where the meter sits (facility, ups_output, pdu_output,
    server_input); ``timestamps_mark`` states whether a stamp is the interval's start or end.
    Settings in ``mapping`` take precedence over ``timestamps_mark`` and ``interval_minutes``;
    ``timezone``, ``meter``, ``unit`` and ``max_power_kw`` take precedence over the mapping.
    """
    path = Path(path)
    progress = progress or no_progress("Import")
    notes = []
    if mapping is None:
        mapping = propose(path, kind="meter").mapping
        notes.append("no mapping was given, so the proposed mapping was used (see the source's options)")
    mapping = _effective_mapping(mapping, timezone=timezone, meter=meter, measurement_point=measurement_point,
                                 timestamps_mark=timestamps_mark, interval_minutes=interval_minutes, unit=unit,
                                 max_power_kw=max_power_kw)
    point = mapping.measurement_point or "facility"
    if point not in MEASUREMENT_POINTS:
        raise UsageError(f"unknown measurement point '{point}'", hint=f"Use one of: {', '.join(MEASUREMENT_POINTS)}.")
    zone = resolve_timezone(mapping.timezone)
    table = open_table(path, layout=mapping.layout())
    value_spec, scale = _value_column(path, table, mapping)
    result = ReadResult(kind="meter", importer="meter-table", importer_version=IMPORTER_VERSION,
                        notes=notes + table.notes,
                        options={"timezone": mapping.timezone, "meter": mapping.meter, "measurement_point": point,
                                 "timestamps_mark": mapping.timestamps_mark, "interval_minutes": mapping.interval_minutes,
                                 "value_column": value_spec.column, "value_role": value_spec.role,
                                 "unit": value_spec.unit, "mapping": mapping.to_dict()})
    data = _collect(path, table, mapping, value_spec, scale, result)
    progress.update(0.5, f"{path.name}: {len(data.row)} rows")
    frames = []
    for name in dict.fromkeys(data.meter):
        frame = _read_one_meter(path, data, name, mapping, value_spec, zone, result)
        if frame is not None and len(frame):
            frames.append(frame)
    if frames:
        energy = pd.concat(frames, ignore_index=True)
        result.tables["energy"] = energy
        result.start_utc = float(energy["hour_utc"].min())
        result.end_utc = float(energy["hour_utc"].max()) + 3600.0
    if data.cost:
        result.options["cost_total"] = float(np.nansum(data.cost))
    progress.update(1.0, f"{path.name}: done", force=True)
    return result


def _effective_mapping(mapping: Mapping, **given) -> Mapping:
    settings = {}
    for key in ("timezone", "meter", "max_power_kw"):
        if given[key] is not None:
            settings[key] = given[key]
    if mapping.timestamps_mark is None:
        settings["timestamps_mark"] = given["timestamps_mark"]
    if mapping.interval_minutes is None and given["interval_minutes"]:
        settings["interval_minutes"] = given["interval_minutes"]
    if mapping.measurement_point is None:
        settings["measurement_point"] = given["measurement_point"]
    result = mapping.with_settings(**settings)
    result.validate()
    if given["unit"]:
        for spec in result.columns:
            if spec.role in VALUE_ROLES:
                spec.unit = given["unit"]
    return result


def _value_column(path: Path, table, mapping: Mapping) -> tuple[ColumnSpec, float]:
    """Return the one energy, power or register column and its scale to Wh (or W for power)."""
    specs = [spec for spec in mapping.columns if spec.role in VALUE_ROLES]
    if not _time_columns_present(mapping):
        raise InputRejectedError(path, "no time stamp column (such as 'timestamp') or date and time columns",
                                 row=table.header_row,
                                 hint="Map a column to the role 'timestamp', or 'date' plus 'start_time'.")
    if not specs:
        raise InputRejectedError(path, "no energy, power or register column with a unit", row=table.header_row,
                                 hint="Name the energy column with its unit, such as 'energy_kwh' or "
                                      "'energy [MWh]', or map a column with --mapping.")
    spec = specs[0]
    if spec.unit is None:
        raise InputRejectedError(path, f"no {spec.role} column with a unit: '{spec.column}' states none",
                                 row=table.header_row,
                                 column=spec.column,
                                 hint="Give the unit in the header ('energy [kWh]'), with --unit, or in the mapping.")
    try:
        scale = power_scale_to_w(spec.unit) if spec.role == "power" else energy_scale_to_wh(spec.unit)
    except UnitError as exc:
        raise InputRejectedError(path, str(exc), row=table.header_row, column=spec.column) from None
    if spec.column not in table.header:
        raise InputRejectedError(path, f"the mapping names column '{spec.column}', which the file does not have",
                                 row=table.header_row, hint="Check that the mapping belongs to this kind of file.")
    return spec, scale


def _time_columns_present(mapping: Mapping) -> bool:
    return mapping.first("timestamp") is not None or (mapping.first("date") is not None
                                                       and mapping.first("start_time") is not None)


# -- rows ----------------------------------------------------------------------------------------------

def _collect(path: Path, table, mapping: Mapping, value_spec: ColumnSpec, scale: float, result: ReadResult) -> _Rows:
    index = {name: position for position, name in enumerate(table.header)}
    positions = {role: index.get(spec.column) for role in ("timestamp", "date", "start_time", "end_time", "meter",
                                                            "quality", "cost")
                 if (spec := mapping.first(role)) is not None}
    value_index = index[value_spec.column]
    default_meter = mapping.meter or path.stem
    data = _Rows()
    for number, cells in table.rows:
        if is_blank_row(cells):
            continue
        result.rows_read += 1
        cells = list(cells) + [None] * (len(table.header) - len(cells))
        try:
            stamp, end = _row_times(cells, positions, mapping)
            value = _row_value(cells[value_index], value_spec, table.decimal_comma)
        except _CellError as exc:
            column = value_spec.column if exc.column is None else exc.column
            result.rejected.append(RowProblem(path.name, number, column, exc.value, exc.reason))
            continue
        data.stamp.append(stamp)
        data.end.append(end)
        data.value.append(value * scale)
        data.meter.append(_meter_name(cells, positions, default_meter))
        data.estimated.append(_is_estimated(cells, positions))
        data.cost.append(_cost(cells, positions, table.decimal_comma))
        data.row.append(number)
    return data


class _CellError(Exception):
    def __init__(self, column: str | None, value: str, reason: str) -> None:
        super().__init__(reason)
        self.column, self.value, self.reason = column, value, reason


def _row_value(cell: Cell, spec: ColumnSpec, decimal_comma: bool) -> float:
    try:
        value = parse_number(cell, decimal_comma=decimal_comma)
    except ValueProblem as exc:
        raise _CellError(None, cell_text(cell), str(exc)) from None
    if value is None:
        gap = "the interval is a gap, not 0" if spec.role == "energy" else "the sample is missing, not 0"
        raise _CellError(None, cell_text(cell), f"{spec.role} is missing; {gap}")
    if value < 0 and spec.role == "energy":
        raise _CellError(None, cell_text(cell), "negative interval energy")
    return value


def _row_times(cells: list[Cell], positions: dict[str, int | None], mapping: Mapping) -> tuple[str, str | None]:
    """Return the row's start (or only) stamp and its end stamp as ISO text, without a zone added."""
    if positions.get("timestamp") is not None:
        spec = mapping.first("timestamp")
        return _stamp_text(cells[positions["timestamp"]], spec, mapping), None
    date_spec = mapping.first("date")
    day = _date_text(cells[positions["date"]], date_spec, mapping)
    start = _clock_text(cells[positions["start_time"]], mapping.first("start_time").column)
    end = None
    if positions.get("end_time") is not None:
        end = _clock_text(cells[positions["end_time"]], mapping.first("end_time").column)
    return f"{day}T{start}", (f"{day}T{end}" if end else None)


def _stamp_text(cell: Cell, spec: ColumnSpec, mapping: Mapping) -> str:
    if isinstance(cell, datetime):
        return cell.isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, (int, float)) and not isinstance(cell, bool) and cell >= 1e8:
        return str(int(cell))  # Unix epoch seconds or milliseconds in a number cell
    if isinstance(cell, (int, float)) and not isinstance(cell, bool) and (
            spec.type == "excel_serial" or mapping.excel_date_system):
        try:
            return excel_serial_to_datetime(float(cell), mapping.excel_date_system or 1900).isoformat()
        except ValueProblem as exc:
            raise _CellError(spec.column, cell_text(cell), str(exc)) from None
    text = cell_text(cell)
    if is_missing(text):
        raise _CellError(spec.column, text, "time stamp is missing")
    if spec.type == "excel_serial":
        try:
            return excel_serial_to_datetime(float(text.replace(",", ".")), mapping.excel_date_system or 1900).isoformat()
        except (ValueError, ValueProblem) as exc:
            raise _CellError(spec.column, text, str(exc)) from None
    try:
        return normalize_date_text(text, mapping.date_order)
    except ValueProblem as exc:
        raise _CellError(spec.column, text, str(exc)) from None


def _date_text(cell: Cell, spec: ColumnSpec, mapping: Mapping) -> str:
    if isinstance(cell, (datetime, date)):
        return (cell.date() if isinstance(cell, datetime) else cell).isoformat()
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        try:
            return excel_serial_to_datetime(float(cell), mapping.excel_date_system or 1900).date().isoformat()
        except ValueProblem as exc:
            raise _CellError(spec.column, cell_text(cell), str(exc)) from None
    text = cell_text(cell)
    if is_missing(text):
        raise _CellError(spec.column, text, "date is missing")
    try:
        return normalize_date_text(text, mapping.date_order)[:10]
    except ValueProblem as exc:
        raise _CellError(spec.column, text, str(exc)) from None


def _clock_text(cell: Cell, column: str) -> str:
    if isinstance(cell, time):
        return cell.isoformat()
    if isinstance(cell, datetime):
        return cell.time().isoformat()
    if isinstance(cell, float) and 0 <= cell < 1:
        seconds = round(cell * 86400)
        return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    text = normalize_time_text(cell_text(cell))
    if not text or text[:2].isdigit() is False or ":" not in text:
        raise _CellError(column, cell_text(cell), "not a clock time such as 00:15")
    return text


def _meter_name(cells: list[Cell], positions: dict[str, int | None], default: str) -> str:
    if positions.get("meter") is None:
        return default
    return cell_text(cells[positions["meter"]]) or default


def _is_estimated(cells: list[Cell], positions: dict[str, int | None]) -> bool:
    if positions.get("quality") is None:
        return False
    text = cell_text(cells[positions["quality"]]).lower()
    return any(word in text for word in ESTIMATED_WORDS)


def _cost(cells: list[Cell], positions: dict[str, int | None], decimal_comma: bool) -> float:
    if positions.get("cost") is None:
        return np.nan
    try:
        value = parse_number(cells[positions["cost"]], decimal_comma=decimal_comma)
    except ValueProblem:
        return np.nan
    return np.nan if value is None else value


# -- one meter -----------------------------------------------------------------------------------------

def _read_one_meter(path: Path, data: _Rows, name: str, mapping: Mapping, value_spec: ColumnSpec, zone,
                    result: ReadResult) -> pd.DataFrame | None:
    chosen = np.array([meter == name for meter in data.meter])
    rows = np.array(data.row, dtype=np.int64)[chosen]
    values = np.array(data.value, dtype=float)[chosen]
    estimated = np.array(data.estimated, dtype=bool)[chosen]
    stamps = [stamp for stamp, keep in zip(data.stamp, chosen) if keep]
    ends = [end for end, keep in zip(data.end, chosen) if keep]
    time_column = (mapping.first("timestamp") or mapping.first("date")).column
    seconds = _utc_seconds(path, stamps, rows, zone, time_column, result)
    end_seconds = None
    if any(end is not None for end in ends):
        end_seconds = _end_seconds(path, stamps, ends, rows, zone, mapping, result)
    good = np.isfinite(seconds) if end_seconds is None else np.isfinite(seconds) & np.isfinite(end_seconds)
    order = np.argsort(seconds[good], kind="stable")
    seconds, values, rows, estimated = seconds[good][order], values[good][order], rows[good][order], estimated[good][order]
    if end_seconds is not None:
        end_seconds = end_seconds[good][order]
    if not len(rows):
        return None
    level = level_of(mapping.measurement_point or "facility")
    if value_spec.role == "power":
        return _integrate_power(path, name, seconds, values, rows, mapping, level, result)
    if value_spec.role == "register":
        return _register_energy(path, name, seconds, values, rows, estimated, mapping, value_spec, level, result)
    return _interval_energy(path, name, seconds, end_seconds, values, rows, estimated, mapping, level, result,
                            time_column)


def _utc_seconds(path: Path, stamps: list[str], rows: np.ndarray, zone, column: str, result: ReadResult) -> np.ndarray:
    try:
        seconds, reasons = parse_utc_seconds(pd.Series(stamps, dtype="string"), zone,
                                             FoldState(repeat_is_second=True))
    except NaiveTimeError:
        raise InputRejectedError(path, "time stamps have no time zone and none was given", row=int(rows[0]),
                                 column=column, value=stamps[0],
                                 hint="Pass --timezone with the meter's zone (use UTC if the meter logs in UTC).")
    for position, reason in reasons.items():
        result.rejected.append(RowProblem(path.name, int(rows[position]), column, stamps[position], reason))
    return seconds


def _end_seconds(path: Path, stamps: list[str], ends: list[str | None], rows: np.ndarray, zone, mapping: Mapping,
                 result: ReadResult) -> np.ndarray:
    column = mapping.first("end_time").column
    texts = [end if end is not None else "" for end in ends]
    seconds, _ = parse_utc_seconds(pd.Series(texts, dtype="string"), zone, FoldState(repeat_is_second=True))
    starts, _ = parse_utc_seconds(pd.Series(stamps, dtype="string"), zone, FoldState(repeat_is_second=True))
    inclusive = mapping.end_inclusive
    step = np.where([len(text) > 16 for text in texts], 1.0, 60.0)
    if inclusive:
        seconds = seconds + step
    crossing = seconds <= starts
    seconds = np.where(crossing, seconds + 86400.0, seconds)
    for position in np.flatnonzero(np.isnan(seconds)):
        result.rejected.append(RowProblem(path.name, int(rows[position]), column, texts[position],
                                          "not a valid end time"))
    if inclusive:
        result.notes.append("end times are inclusive (such as 00:14), so each interval was closed one minute later")
    return seconds


def _interval_energy(path, name, seconds, end_seconds, values, rows, estimated, mapping, level, result,
                     time_column) -> pd.DataFrame | None:
    duplicate = np.concatenate(([False], np.diff(seconds) == 0))
    for row in rows[duplicate]:
        result.rejected.append(RowProblem(path.name, int(row), time_column, "",
                                          "a second reading for the same interval; not counted twice"))
    keep = ~duplicate
    seconds, values, rows, estimated = seconds[keep], values[keep], rows[keep], estimated[keep]
    if end_seconds is not None:
        starts, ends = seconds, end_seconds[keep]
        spacing = float(np.median(ends - starts))
    else:
        spacing = intervals.typical_spacing(seconds, mapping.interval_minutes)
        starts, ends = intervals.bounds_from_stamps(seconds, spacing, mapping.timestamps_mark or "start")
    keep = _within_bound(path, starts, ends, values, rows, mapping, result)
    result.options.setdefault("interval_s", spacing)
    result.notes.append(f"meter {name}: intervals of {spacing / 60:g} minutes, time stamps mark the interval "
                        f"{mapping.timestamps_mark or 'start'}")
    if not keep.any():
        return None
    return intervals.hourly_frame(starts[keep], ends[keep], values[keep], rows[keep], name, level, estimated[keep])


def _within_bound(path, starts, ends, energies_wh, rows, mapping: Mapping, result: ReadResult) -> np.ndarray:
    keep = np.ones(len(rows), dtype=bool)
    if not mapping.max_power_kw:
        return keep
    power_kw = energies_wh / np.maximum(ends - starts, 1e-9) * 3.6
    over = power_kw > mapping.max_power_kw
    for position in np.flatnonzero(over):
        result.rejected.append(RowProblem(
            path.name, int(rows[position]), "(energy)", f"{energies_wh[position] / 1000:g} kWh",
            f"implies {power_kw[position]:,.1f} kW over the interval, above the physical bound of "
            f"{mapping.max_power_kw:g} kW"))
    return ~over


def _integrate_power(path, name, seconds, power_w, rows, mapping: Mapping, level, result) -> pd.DataFrame | None:
    spacing = intervals.typical_spacing(seconds, mapping.interval_minutes)
    max_gap_s = 2.5 * spacing
    integrator = HourlyIntegrator(max_gap_s)
    duplicate = np.concatenate(([False], np.diff(seconds) == 0))
    for row in rows[duplicate]:
        result.rejected.append(RowProblem(path.name, int(row), "(time stamp)", "",
                                          "a second power sample at the same instant; not used"))
    keep = ~duplicate
    for row in integrator.add(np.zeros(int(keep.sum()), dtype=np.int64), seconds[keep], power_w[keep], rows[keep]):
        reason = FAR_SAMPLE_REASON if int(row) in integrator.far_rows else "time goes backwards; sample not used"
        result.rejected.append(RowProblem(path.name, int(row), "(time stamp)", "", reason))
    hourly = integrator.finish()
    result.notes.append(f"meter {name}: power samples every {spacing:g} s were integrated; spacings above "
                        f"{max_gap_s:g} s are gaps")
    return intervals.integrated_frame(hourly, name, level) if len(hourly) else None


def _register_energy(path, name, seconds, readings_wh, rows, estimated, mapping: Mapping, spec: ColumnSpec, level,
                     result) -> pd.DataFrame | None:
    scale = energy_scale_to_wh(spec.unit)
    settings = RegisterSettings(
        rollover=mapping.register_rollover * scale if mapping.register_rollover else None,
        signed=mapping.register_signed,
        max_power_w=mapping.max_power_kw * 1000.0 if mapping.max_power_kw else None,
        replacements=tuple(_replacements(path, mapping, scale)), wh_per_unit=1.0)
    found = register_intervals(seconds, readings_wh, rows, settings)
    for row, value, reason in found.problems:
        result.rejected.append(RowProblem(path.name, row, spec.column, value, reason))
    result.notes.extend(f"meter {name}: {note}" for note in found.notes)
    if not found.row:
        return None
    row_array = np.array(found.row, dtype=np.int64)
    flagged = np.isin(row_array, rows[estimated])
    return intervals.hourly_frame(np.array(found.start_s), np.array(found.end_s), np.array(found.energy_wh),
                                  row_array, name, level, flagged)


def _replacements(path: Path, mapping: Mapping, scale: float) -> list[Replacement]:
    events = []
    zone = resolve_timezone(mapping.timezone)
    for event in mapping.replacements:
        try:
            seconds, reasons = parse_utc_seconds(pd.Series([str(event["at"])], dtype="string"), zone)
            baseline = float(event["baseline"]) * scale
            final = float(event["final"]) * scale if event.get("final") is not None else None
        except (KeyError, TypeError, ValueError, NaiveTimeError) as exc:
            raise UsageError(f"invalid meter replacement {event!r} in the mapping: {exc}",
                             hint='Write {"at": "2025-03-01T10:00:00Z", "baseline": 12.5}.') from None
        if reasons:
            raise UsageError(f"invalid meter replacement time {event['at']!r}: {reasons[0]}")
        events.append(Replacement(float(seconds[0]), baseline, final))
    return events
