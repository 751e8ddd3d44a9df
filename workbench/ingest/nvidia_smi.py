"""Reader for ``nvidia-smi --query-gpu=... --format=csv`` logs.

The file is read as lines in blocks of a few MiB, so memory stays bounded whatever its size.
Each line is split on commas by pyarrow; a line with another field count than the header is
rejected with its line number. Values may carry units (``433.78 W``) or be bracketed tokens
(``[N/A]``), which mean "no reading" and break the integration instead of counting as 0 W.
Columns are found by name, in any order and subset; the time stamp may be the nvidia-smi form
(local time), ISO 8601 with or without an offset, ctime, or Unix epoch seconds or milliseconds.
Power is integrated per GPU to watt-hours per UTC hour by :class:`HourlyIntegrator`; when the
log has ``utilization.gpu``, energy drawn while the GPU was idle is also summed.
"""

from __future__ import annotations

import logging
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from workbench.errors import InputRejectedError, RowProblem
from workbench.ingest.common import ReadResult, resolve_timezone, split_header_unit
from workbench.ingest.fastparse import fast_times, finish_times, parse_numbers
from workbench.ingest.gpu_devices import DeviceInfo, DeviceRegistry, energy_table, mark_unmeasured_devices
from workbench.ingest.integrate import FAR_SAMPLE_REASON, DuplicateInstantError, HourlyIntegrator
from workbench.ingest.lines import iter_line_batches
from workbench.ingest.timeparse import FoldState, NaiveTimeError
from workbench.ingest.units import UnitError, power_scale_to_w
from workbench.progress import Progress, no_progress

log = logging.getLogger(__name__)

IMPORTER_VERSION = "2"
DEFAULT_MAX_GAP_S = 120.0
BLOCK_BYTES = 8 << 20
PARSE_THREADS = 2
PARSE_AHEAD = 3
# A sample whose utilization.gpu is at or below this percentage counts as idle.
IDLE_UTILIZATION_PCT = 0.0

POWER_FIELDS = ("power.draw", "power.draw.average", "power.draw.instant")
# Columns that may identify a GPU, best first. A column is used only if it separates the series
# (no two samples share a value and a time stamp); a hand-written log may name them wrongly.
IDENTITY_FIELDS = ("uuid", "pci.bus_id", "index", "gpu", "gpu_index", "gpu_id", "gpu_uuid")


@dataclass
class _Layout:
    names: list[str]
    units: list[str | None]
    header_line: int
    header_text: str
    timestamp: int
    power: int
    power_scale: float
    identity_candidates: list[int]
    model: int | None
    utilization: int | None
    index: int | None
    hostname: int | None


def read_query_csv(path: str | Path, *, timezone: str | None = None, host: str | None = None,
                   max_gap_s: float | None = DEFAULT_MAX_GAP_S, progress: Progress | None = None) -> ReadResult:
    """Read one query-gpu CSV log and integrate its power to energy per GPU per UTC hour.

    ``max_gap_s`` None sets the gap limit from the detected sampling interval (three intervals,
    at least 120 s). Raises InputRejectedError when the file has no usable header, no power or
    time stamp column, naive time stamps without a time zone, or a GPU column that does not
    separate the samples of different GPUs.
    """
    path = Path(path)
    progress = progress or no_progress("Import")
    zone = resolve_timezone(timezone)
    layout = _read_layout(path)
    result = ReadResult(kind="gpu-log", importer="nvidia-smi-query-csv", importer_version=IMPORTER_VERSION,
                        options={"timezone": timezone, "host": host, "max_gap_s": max_gap_s,
                                 "power_column": layout.names[layout.power]})

    state = _ScanState(layout, zone, max_gap_s, host)
    size = max(path.stat().st_size, 1)
    for parsed, done in _parse_ahead(path.name, iter_line_batches(path, layout.header_line, BLOCK_BYTES), state):
        _use_batch(path, parsed, state, result)
        progress.update(done / size, f"{path.name}: {state.next_line - 1:,} lines")

    _finish(path, state, result, host)
    progress.update(1.0, f"{path.name}: done", force=True)
    return result


class _ScanState:
    def __init__(self, layout: _Layout, zone, max_gap_s: float | None, host: str | None) -> None:
        self.layout = layout
        self.zone = zone
        self.host = host
        self.integrator = HourlyIntegrator(max_gap_s, auto_floor_s=DEFAULT_MAX_GAP_S)
        self.fold = FoldState()
        self.next_line = layout.header_line + 1
        self.identity: int | None = None
        self.skipped_identity: list[str] = []
        self.registry = DeviceRegistry()
        self.dictionary_codes: dict[str, int] = {}
        self.repeated_headers = 0
        self.blank_lines = 0
        self.missing_power = 0
        self.min_t = np.inf
        self.max_t = -np.inf


def _parse_ahead(name: str, batches: Iterator[tuple[pa.Array, int]], state: _ScanState
                 ) -> Iterator[tuple[_Parsed, int]]:
    """Yield parsed batches in file order while worker threads parse the next ones.

    At most PARSE_AHEAD batches are in flight, so memory stays bounded; Arrow kernels release
    the GIL, so parsing overlaps the integration done by the caller.
    """
    pending: deque[tuple[Future, int]] = deque()
    with ThreadPoolExecutor(max_workers=PARSE_THREADS, thread_name_prefix="nvidia-smi-parse") as pool:
        try:
            for lines, done in batches:
                pending.append((pool.submit(_parse_lines, name, lines, state.next_line, state.layout), done))
                state.next_line += len(lines)
                if len(pending) >= PARSE_AHEAD:
                    future, done = pending.popleft()
                    yield future.result(), done
            while pending:
                future, done = pending.popleft()
                yield future.result(), done
        finally:
            for future, _ in pending:
                future.cancel()


def _read_layout(path: Path) -> _Layout:
    with open(path, "rb") as handle:
        head = handle.read(1 << 20)
    text = head.decode("utf-8-sig", errors="replace")
    lines = text.splitlines()
    header_line = None
    for number, line in enumerate(lines, start=1):
        if line.strip() and not line.lstrip().startswith("#"):
            header_line = number
            break
    if header_line is None:
        raise InputRejectedError(path, "the file has no header line", hint="Export the log with "
                                 "'--format=csv' (with a header) so columns can be matched by name.")

    header_text = lines[header_line - 1].strip()
    names, units = [], []
    for cell in header_text.split(","):
        name, unit = split_header_unit(cell)
        names.append(name.lower())
        units.append(unit)
    if "timestamp" not in names:
        first = names[0] if names else ""
        raise InputRejectedError(path, "no 'timestamp' column in the header", row=header_line, column=first,
                                 value=header_text[:60], hint="Log with '--query-gpu=timestamp,...' and a "
                                 "header line; headerless logs ('noheader') are not supported.")
    power = next((names.index(field) for field in POWER_FIELDS if field in names), None)
    if power is None:
        raise InputRejectedError(path, "no power column (power.draw, power.draw.average or power.draw.instant)",
                                 row=header_line, hint="Add 'power.draw' to the --query-gpu fields.")
    try:
        power_scale = power_scale_to_w(units[power]) if units[power] else 1.0
    except UnitError as exc:
        raise InputRejectedError(path, str(exc), row=header_line, column=names[power]) from None

    identity = [names.index(field) for field in IDENTITY_FIELDS if field in names]
    position = {name: index for index, name in reversed(list(enumerate(names)))}
    return _Layout(names, units, header_line, header_text, names.index("timestamp"), power, power_scale,
                   identity, position.get("name"), position.get("utilization.gpu"), position.get("index"),
                   position.get("hostname"))


@dataclass
class _Parsed:
    """One batch of lines split and converted by a worker thread, before any file-order state."""

    rows: np.ndarray
    problems: list[RowProblem]
    skipped: tuple[int, int]
    columns: dict[int, pa.Array]
    timestamps: pa.Array | None = None
    fast_times: tuple[np.ndarray, bool] | None = None
    power_text: pa.Array | None = None
    power_w: np.ndarray | None = None
    power_bad: np.ndarray | None = None
    idle: np.ndarray | None = None


def _parse_lines(name: str, lines: pa.Array, first_line: int, layout: _Layout) -> _Parsed:
    """Split and convert one batch; touches no shared state, so batches can run in parallel."""
    line_numbers = np.arange(first_line, first_line + len(lines), dtype=np.int64)
    trimmed = pc.utf8_trim_whitespace(lines)
    blank = pc.equal(trimmed, "").to_numpy(zero_copy_only=False)
    comment = pc.starts_with(trimmed, "#").to_numpy(zero_copy_only=False)
    comment |= pc.equal(trimmed, layout.header_text).to_numpy(zero_copy_only=False)

    needed = sorted({layout.timestamp, layout.power, *layout.identity_candidates} |
                    {p for p in (layout.model, layout.utilization, layout.index, layout.hostname) if p is not None})
    fields = pc.split_pattern(lines, ",")
    field_counts = pc.list_value_length(fields).to_numpy(zero_copy_only=False)
    expected = len(layout.names)
    wrong_count = (field_counts != expected) & ~blank & ~comment
    problems = [RowProblem(name, int(line_numbers[index]), "(whole row)", lines[int(index)].as_py().strip()[:200],
                           f"row has {field_counts[index]} fields but the header has {expected}")
                for index in np.flatnonzero(wrong_count)]
    good = ~(blank | comment | wrong_count)
    parsed = _Parsed(line_numbers[good], problems, (int(blank.sum()), int(comment.sum())), {})
    if not good.any():
        return parsed

    flat = pc.list_flatten(fields if good.all() else pc.filter(fields, pa.array(good)))
    for position in needed:
        parsed.columns[position] = pc.utf8_trim_whitespace(
            pc.take(flat, pa.array(np.arange(position, len(flat), expected))))
    parsed.timestamps = parsed.columns[layout.timestamp]
    parsed.fast_times = fast_times(parsed.timestamps)
    parsed.power_text = parsed.columns[layout.power]
    parsed.power_w, parsed.power_bad = _parse_power(parsed.power_text, layout)
    parsed.idle = _idle_flags(parsed.columns.get(layout.utilization), len(parsed.rows))
    return parsed


def _use_batch(path: Path, parsed: _Parsed, state: _ScanState, result: ReadResult) -> None:
    """Apply the file-order steps to a parsed batch: zone rules, GPU identity, integration."""
    layout = state.layout
    result.rows_read += len(parsed.rows) + len(parsed.problems)
    state.blank_lines += parsed.skipped[0]
    state.repeated_headers += parsed.skipped[1]
    result.rejected.extend(parsed.problems)
    if not len(parsed.rows):
        return

    rows, timestamps, power_w = parsed.rows, parsed.timestamps, parsed.power_w
    try:
        seconds, time_reasons = finish_times(timestamps, parsed.fast_times, state.zone, state.fold)
    except NaiveTimeError:
        raise InputRejectedError(path, "time stamps have no time zone and none was given",
                                 row=int(rows[0]), column="timestamp", value=timestamps[0].as_py(),
                                 hint="Pass --timezone with the zone the logging machine used, "
                                      "such as --timezone Europe/Paris.") from None

    usable = np.ones(len(rows), dtype=bool)
    for position, reason in time_reasons.items():
        usable[position] = False
        result.rejected.append(RowProblem(path.name, int(rows[position]), "timestamp",
                                          str(timestamps[position].as_py()), reason))
    for position in np.flatnonzero(parsed.power_bad & usable):
        usable[position] = False
        result.rejected.append(RowProblem(path.name, int(rows[position]), layout.names[layout.power],
                                          str(parsed.power_text[int(position)].as_py()),
                                          "power is not a number in watts"))
    state.missing_power += int((np.isnan(power_w) & usable).sum())

    column = parsed.columns.__getitem__
    identity_values = _choose_identity(path, state, column, seconds, rows)
    devices = _device_codes(state, identity_values, column, len(rows))
    if not usable.all():
        devices, seconds, power_w, rows = devices[usable], seconds[usable], power_w[usable], rows[usable]
    _integrate(path, state, result, devices, seconds, power_w, rows, parsed.idle[usable])
    if len(seconds):
        state.min_t = min(state.min_t, float(np.nanmin(seconds)))
        state.max_t = max(state.max_t, float(np.nanmax(seconds)))


def _parse_power(values: pa.Array, layout: _Layout) -> tuple[np.ndarray, np.ndarray]:
    """Return watts (NaN where missing) and a mask of values that are not numbers at all."""
    unit = layout.units[layout.power] or "W"
    numbers, bad = parse_numbers(values, unit + "Ww")
    negative = numbers < 0
    bad |= negative
    numbers = np.where(negative, np.nan, numbers)
    return numbers * layout.power_scale if layout.power_scale != 1.0 else numbers, bad


def _idle_flags(utilization: pa.Array | None, count: int) -> np.ndarray:
    """1 where utilization.gpu is at or below the idle threshold, 0 above it, -1 where unknown."""
    if utilization is None:
        return np.full(count, -1, dtype=np.int8)
    percent, _ = parse_numbers(utilization, "%")
    flags = np.where(percent <= IDLE_UTILIZATION_PCT, 1, 0).astype(np.int8)
    flags[np.isnan(percent)] = -1
    return flags


def _choose_identity(path: Path, state: _ScanState, column, seconds: np.ndarray, rows: np.ndarray) -> pa.Array | None:
    layout = state.layout
    if state.identity is not None:
        return column(state.identity) if state.identity >= 0 else None
    if not layout.identity_candidates:
        state.identity = -1
        return None
    timed = ~np.isnan(seconds)
    stamps = seconds[timed]
    for candidate in layout.identity_candidates:
        values = column(candidate).to_numpy(zero_copy_only=False)[timed]
        pairs = pd.DataFrame({"id": values, "t": stamps})
        duplicated = pairs.duplicated(keep=False).to_numpy()
        if not duplicated.any():
            state.identity = candidate
            return column(candidate)
        first = int(np.flatnonzero(duplicated)[0])
        clash = int(((pairs["id"] == values[first]) & (pairs["t"] == stamps[first])).sum())
        state.skipped_identity.append(
            f"column '{layout.names[candidate]}' was not used to identify GPUs because {clash} samples "
            f"share the value '{values[first]}' at {stamps[first]}")
    first_candidate = layout.identity_candidates[0]
    raise InputRejectedError(
        path, "no GPU column separates the series: " + "; ".join(state.skipped_identity),
        row=int(rows[0]), column=layout.names[first_candidate],
        hint="Each GPU needs its own value in a 'uuid', 'pci.bus_id' or 'index' column; "
             "log with --query-gpu=timestamp,uuid,index,power.draw.")


def _device_codes(state: _ScanState, identity: pa.Array | None, column, count: int) -> np.ndarray:
    """Return the device code of every row, registering new GPUs with their uuid, index, model, host."""
    if identity is None:
        identity = pa.array(np.full(count, "0", dtype=object), pa.string())
    encoded = pc.dictionary_encode(identity)
    dictionary = encoded.dictionary.to_pylist()
    indices = encoded.indices.to_numpy(zero_copy_only=False)
    mapping = np.empty(len(dictionary), dtype=np.int64)
    for position, value in enumerate(dictionary):
        code = state.dictionary_codes.get(value)
        if code is None:
            code = state.registry.code(_describe(state, value, column, int(np.flatnonzero(indices == position)[0])))
            state.dictionary_codes[value] = code
        mapping[position] = code
    return mapping[indices]


def _describe(state: _ScanState, value: str, column, row: int) -> DeviceInfo:
    layout = state.layout
    field = layout.names[state.identity] if state.identity not in (None, -1) else "gpu"

    def cell(position: int | None) -> str | None:
        if position is None:
            return None
        text = column(position)[row].as_py()
        return text or None

    host = state.host or cell(layout.hostname)
    uuid = value if field in ("uuid", "gpu_uuid") else cell(layout.names.index("uuid")) if "uuid" in layout.names \
        else None
    index = value if field in ("index", "gpu", "gpu_index", "gpu_id") else cell(layout.index)
    return DeviceInfo(identity=value, field=field, uuid=uuid, gpu_index=index, model=cell(layout.model), host=host)


def _integrate(path: Path, state: _ScanState, result: ReadResult, devices, seconds, power_w, rows, idle) -> None:
    try:
        backwards = state.integrator.add(devices, seconds, power_w, rows, idle)
    except DuplicateInstantError as exc:
        identity = state.layout.names[state.identity] if state.identity is not None and state.identity >= 0 \
            else "(none)"
        value = state.registry.identity_of(exc.device_code)
        raise InputRejectedError(
            path, f"the GPU column '{identity}' does not separate the series: {exc.count} samples of "
                  f"GPU '{value}' share one time stamp",
            column=identity, value=value,
            hint="Log a column that identifies each GPU (uuid or index), or split the file per GPU.") from None
    for row in backwards:
        reason = FAR_SAMPLE_REASON if int(row) in state.integrator.far_rows else \
            "time goes backwards for this GPU; sample not used"
        result.rejected.append(RowProblem(path.name, int(row), "timestamp", "", reason))


def _finish(path: Path, state: _ScanState, result: ReadResult, host: str | None) -> None:
    integrator = state.integrator
    hourly = integrator.finish()
    layout = state.layout
    identity_name = layout.names[state.identity] if state.identity not in (None, -1) else None
    energy = energy_table(hourly, state.registry, host or path.stem, basis="power_integral",
                          interval_s=integrator.interval_s)
    unmeasured = mark_unmeasured_devices(energy)
    if unmeasured:
        result.notes.append(f"{len(unmeasured)} GPUs reported no power at all ({', '.join(unmeasured)}); they are "
                            "stored as unmeasured, with no energy, not as 0 Wh")
    result.tables["energy"] = energy
    if np.isfinite(state.min_t):
        result.start_utc, result.end_utc = state.min_t, state.max_t

    result.options["gpu_column"] = identity_name
    result.options["interval_s"] = integrator.interval_s
    result.options["max_gap_s_used"] = integrator.max_gap_s
    result.notes.extend(state.skipped_identity)
    _add_notes(state, result, energy)
    log.info("read %s: %d lines, %d GPUs, %.3f kWh", path.name, result.rows_read, len(state.registry),
             energy["energy_wh"].sum() / 1000 if len(energy) else 0.0)


def _add_notes(state: _ScanState, result: ReadResult, energy: pd.DataFrame) -> None:
    integrator = state.integrator
    if integrator.interval_s is not None:
        result.notes.append(f"samples are {integrator.interval_s:g} s apart (median); intervals longer than "
                            f"{integrator.max_gap_s:g} s are gaps and are not bridged")
    if state.missing_power:
        result.notes.append(f"{state.missing_power} samples had no power reading ([N/A] or similar); "
                            "they count as gaps, not as 0 W")
    if state.repeated_headers:
        result.notes.append(f"{state.repeated_headers} repeated header or comment lines were skipped")
    if state.blank_lines:
        result.notes.append(f"{state.blank_lines} blank lines were skipped")
    gap_total = float(energy["gap_seconds"].sum()) if len(energy) else 0.0
    if gap_total:
        longest = float(energy["longest_gap_s"].max())
        result.notes.append(f"{gap_total:,.0f} GPU-seconds of gaps longer than {integrator.max_gap_s:g} s "
                            f"or without readings were not bridged; the longest lasted {longest:,.0f} s")
    if len(state.registry) and not len(energy):
        result.notes.append("no GPU had two consecutive samples, so no energy could be integrated")
    if state.fold.naive_seen:
        result.notes.append(f"time stamps without a zone were read as {state.zone.key}")
