"""Integrating GPU readings that arrive as a sequence of snapshots (XML dumps, scrapes, dmon lines).

Readers that see one snapshot at a time collect :class:`Reading` rows and hand them to
:func:`integrate_readings`, which gives each GPU a code, applies the time zone, integrates power
per UTC hour (or uses energy-counter deltas when the reader found a counter) and returns the
``energy`` table every GPU reader returns. A GPU whose every reading lacks power is reported as
'unmeasured' with no energy, never as 0 Wh.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workbench.errors import InputRejectedError, RowProblem
from workbench.ingest.common import ReadResult, resolve_timezone
from workbench.ingest.counters import counter_deltas
from workbench.ingest.gpu_devices import DeviceInfo, DeviceRegistry, energy_table, unmeasured_rows
from workbench.ingest.integrate import FAR_SAMPLE_REASON, HOUR_S, HourlyIntegrator, auto_max_gap_s
from workbench.ingest.timeparse import NaiveTimeError, parse_utc_seconds

DEFAULT_MAX_GAP_S = 120.0


@dataclass(slots=True)
class Reading:
    """One GPU's values in one snapshot; ``time_text`` is parsed later with the declared zone."""

    row: int
    time_text: str
    device: DeviceInfo
    power_w: float = np.nan
    energy_mj: float = np.nan
    utilization_pct: float = np.nan
    power_field: str | None = None


@dataclass
class ReadingsOptions:
    """How to turn readings into hourly energy."""

    timezone: str | None = None
    max_gap_s: float | None = DEFAULT_MAX_GAP_S
    scope: str = ""
    counter_max_mj: float | None = None
    max_power_w: float | None = None
    notes: list[str] = field(default_factory=list)


def integrate_readings(path, readings: list[Reading], options: ReadingsOptions, result: ReadResult) -> None:
    """Fill ``result.tables['energy']``, the time range and notes from ``readings``.

    NOTE: the readings of a whole file are held in memory (one small object per GPU per
    snapshot, devices shared), unlike the query-gpu reader, which streams; a month of 8-GPU
    snapshots every 5 s is about 4 million readings.
    """
    if not readings:
        raise InputRejectedError(path, "the file contains no GPU readings",
                                 hint="Check that the file is the output of the chosen tool.")
    seconds = _seconds(path, readings, options, result)
    registry = DeviceRegistry()
    codes = np.array([registry.code(reading.device) for reading in readings], dtype=np.int64)
    power = np.array([reading.power_w for reading in readings], dtype=float)
    energy_mj = np.array([reading.energy_mj for reading in readings], dtype=float)
    rows = np.array([reading.row for reading in readings], dtype=np.int64)
    idle = _idle(np.array([reading.utilization_pct for reading in readings], dtype=float))
    usable = np.isfinite(seconds)

    frames = []
    interval_s = _interval(codes[usable], seconds[usable])
    max_gap_s = options.max_gap_s if options.max_gap_s is not None else auto_max_gap_s(interval_s, DEFAULT_MAX_GAP_S)
    counted = _counter_devices(codes, energy_mj, usable)
    for code in np.unique(codes[usable]):
        mine = usable & (codes == code)
        if code in counted:
            frames.append(_counter_hours(path, code, seconds[mine], energy_mj[mine], power[mine], rows[mine],
                                         idle[mine], registry, options, max_gap_s, interval_s, result))
            continue
        if not np.isfinite(power[mine]).any():
            continue
        integrator = HourlyIntegrator(max_gap_s)
        for row in integrator.add(codes[mine], seconds[mine], power[mine], rows[mine], idle[mine]):
            reason = FAR_SAMPLE_REASON if int(row) in integrator.far_rows else "time goes backwards; sample not used"
            result.rejected.append(RowProblem(path.name, int(row), "time", "", reason))
        frames.append(energy_table(integrator.finish(), registry, options.scope, basis="power_integral",
                                   interval_s=interval_s))

    unmeasured = [int(code) for code in np.unique(codes[usable])
                  if code not in counted and not np.isfinite(power[usable & (codes == code)]).any()]
    if unmeasured:
        first_rows = {code: int(rows[codes == code][0]) for code in unmeasured}
        hour = int(np.floor(np.nanmin(seconds[usable]) / HOUR_S) * HOUR_S)
        frames.append(unmeasured_rows(registry, unmeasured, options.scope, hour, first_rows))
        names = ", ".join(registry.info[code].key(options.scope) for code in unmeasured)
        result.notes.append(f"{len(unmeasured)} GPUs reported no power at all ({names}); they are stored as "
                            "unmeasured, with no energy, not as 0 Wh")

    frames = [frame for frame in frames if len(frame)]
    result.tables["energy"] = pd.concat(frames, ignore_index=True) if frames else energy_table(
        HourlyIntegrator(max_gap_s).finish(), registry, options.scope, basis="power_integral", interval_s=None)
    if usable.any():
        result.start_utc, result.end_utc = float(np.nanmin(seconds)), float(np.nanmax(seconds))
    result.options.update(interval_s=interval_s, max_gap_s_used=max_gap_s)
    if interval_s is not None:
        result.notes.append(f"snapshots are {interval_s:g} s apart (median); intervals longer than "
                            f"{max_gap_s:g} s are gaps and are not bridged")
    if len(np.unique(seconds[usable])) == 1:
        result.notes.append("the file contains a single snapshot, so no energy can be integrated from it; "
                            "import a series of snapshots for energy")


def _seconds(path, readings: list[Reading], options: ReadingsOptions, result: ReadResult) -> np.ndarray:
    texts = pd.Series([reading.time_text for reading in readings])
    try:
        seconds, reasons = parse_utc_seconds(texts, resolve_timezone(options.timezone))
    except NaiveTimeError:
        raise InputRejectedError(path, "time stamps have no time zone and none was given",
                                 row=readings[0].row, value=readings[0].time_text,
                                 hint="Pass --timezone with the zone of the machine that wrote the file.") from None
    for position, reason in reasons.items():
        reading = readings[position]
        result.rejected.append(RowProblem(path.name, reading.row, "timestamp", reading.time_text, reason))
    return seconds


def _idle(utilization: np.ndarray) -> np.ndarray:
    flags = np.where(utilization <= 0.0, 1, 0).astype(np.int8)
    flags[np.isnan(utilization)] = -1
    return flags


def _interval(codes: np.ndarray, seconds: np.ndarray) -> float | None:
    intervals = []
    for code in np.unique(codes):
        stamps = np.sort(seconds[codes == code])
        steps = np.diff(stamps)
        intervals.append(steps[steps > 0])
    joined = np.concatenate(intervals) if intervals else np.empty(0)
    return float(np.median(joined)) if len(joined) else None


def _counter_devices(codes: np.ndarray, energy_mj: np.ndarray, usable: np.ndarray) -> set[int]:
    """Devices with at least two counter readings: their energy comes from the counter."""
    return {int(code) for code in np.unique(codes)
            if int(np.isfinite(energy_mj[usable & (codes == code)]).sum()) >= 2}


def _counter_hours(path, code, seconds, energy_mj, power, rows, idle, registry, options: ReadingsOptions,
                   max_gap_s, interval_s, result: ReadResult) -> pd.DataFrame:
    """Hourly energy of one device from energy-counter deltas, falling back to power per interval.

    A delta is spread evenly over its interval, so an hour split inside a long interval is an
    estimate; energy itself is what the counter measured.
    """
    order = np.argsort(seconds, kind="stable")
    seconds, energy_mj, power, rows, idle = seconds[order], energy_mj[order], power[order], rows[order], idle[order]
    deltas = counter_deltas(seconds, energy_mj, max_range=options.counter_max_mj,
                            max_power_w=options.max_power_w, unit_per_joule=1000.0)
    for position, reason in deltas.problems:
        result.notes.append(f"{registry.info[code].key(options.scope)}, row {int(rows[position])}: {reason}")

    # Each interval gets a constant power equal to its counter delta over its length; an
    # interval without a usable delta falls back to the trapezoid of the power gauge.
    span = np.diff(seconds)
    counter_w = deltas.energy_j / np.where(span > 0, span, np.nan)
    by_power = ~deltas.valid & (span <= max_gap_s) & np.isfinite(power[:-1]) & np.isfinite(power[1:])
    p0 = np.where(deltas.valid, counter_w, np.where(by_power, power[:-1], np.nan))
    p1 = np.where(deltas.valid, counter_w, np.where(by_power, power[1:], np.nan))
    integrator = HourlyIntegrator(max_gap_s=np.inf)
    device = np.full(len(seconds), code, dtype=np.int64)
    integrator.add(device[:1], seconds[:1], power[:1], rows[:1], idle[:1])
    integrator.add_intervals(device[1:], seconds[:-1], seconds[1:], p0, p1, rows[1:],
                             np.where((idle[:-1] == 1) & (idle[1:] == 1), 1, np.minimum(idle[:-1], idle[1:])).astype(np.int8))
    frame = energy_table(integrator.finish(), registry, options.scope, basis="energy_counter", interval_s=interval_s)
    long_hours = _hours_of_long_intervals(seconds, max_gap_s)
    frame.loc[frame["hour_utc"].isin(long_hours) & (frame["energy_wh"] > 0), "quality"] = "estimated"
    return frame


def _hours_of_long_intervals(seconds: np.ndarray, max_gap_s: float) -> set[int]:
    hours: set[int] = set()
    for t0, t1 in zip(seconds[:-1], seconds[1:]):
        if t1 - t0 > max_gap_s:
            first, last = int(np.floor(t0 / HOUR_S)), int(np.ceil(t1 / HOUR_S)) - 1
            hours.update(hour * int(HOUR_S) for hour in range(first, max(last, first) + 1))
    return hours
