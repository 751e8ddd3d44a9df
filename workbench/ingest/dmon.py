"""Reader for ``nvidia-smi dmon`` output.

Two comment lines name the columns (``# gpu pwr gtemp mtemp sm ...``) and give their units
(``# Idx W C C % ...``); values are space-aligned, power is whole watts and ``-`` means no value
(every utilization column under MIG, ``mtemp`` on GeForce). The column set varies with driver
and GPU, so columns are found by name, and the header may repeat. ``sm`` (%) is the utilization
used for idle energy.

Time comes from the ``Date`` and ``Time`` columns that ``dmon -o DT`` adds (``20240115``,
``10:00:01``, local time). ``-o T`` gives only the time, so the user gives the date of the
first line with ``start``, and a time earlier than the one before moves to the next day. Plain
``dmon`` has no time at all: the user gives ``start``, the time of the first sample, and each
later sample (a new round of GPU indexes) is ``interval_s`` later; dmon's default is 1 s.
"""

from __future__ import annotations

import itertools
import logging
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterator

import numpy as np

from workbench.errors import InputRejectedError, RowProblem
from workbench.ingest.common import ReadResult, is_missing
from workbench.ingest.gpu_devices import DeviceInfo
from workbench.ingest.snapshots import Reading, ReadingsOptions, integrate_readings
from workbench.progress import Progress, no_progress

log = logging.getLogger(__name__)

IMPORTER_VERSION = "1"
DEFAULT_INTERVAL_S = 1.0
_DATE = re.compile(r"^\d{8}$")


def read_dmon(path: str | Path, *, timezone: str | None = None, host: str | None = None,
              start: str | None = None, interval_s: float | None = None, max_gap_s: float | None = None,
              progress: Progress | None = None) -> ReadResult:
    """Read a dmon log into hourly GPU energy; see the module notes for ``start`` and ``interval_s``."""
    path = Path(path)
    progress = progress or no_progress("Import")
    names = _header(path, [line for _, line in itertools.islice(_lines(path), 20)])
    result = ReadResult(kind="dmon", importer="nvidia-smi-dmon", importer_version=IMPORTER_VERSION,
                        options={"timezone": timezone, "host": host, "start": start, "interval_s": interval_s,
                                 "max_gap_s": max_gap_s})
    clock = _Clock(path, names, start, interval_s or DEFAULT_INTERVAL_S)
    readings = []
    for number, line in _lines(path):
        cells = line.split()
        if not cells or line.lstrip().startswith("#"):
            continue
        result.rows_read += 1
        if len(cells) != len(names):
            result.rejected.append(RowProblem(path.name, number, "(whole row)", line.strip()[:200],
                                              f"row has {len(cells)} fields but the header has {len(names)}"))
            continue
        values = dict(zip(names, cells))
        reading = _reading(path, number, values, clock, host, result)
        if reading is not None:
            readings.append(reading)
    if clock.synthetic:
        result.notes.append(f"dmon logged no time; samples were placed {clock.interval_s:g} s apart from {start}")
    progress.update(0.5, f"{path.name}: {len(readings)} readings")
    integrate_readings(path, readings, ReadingsOptions(timezone=timezone, max_gap_s=max_gap_s,
                                                       scope=host or path.stem), result)
    progress.update(1.0, f"{path.name}: done", force=True)
    return result


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            yield number, raw.decode("utf-8-sig" if number == 1 else "utf-8", errors="replace")


def _header(path: Path, lines: list[str]) -> list[str]:
    for line in lines[:20]:
        stripped = line.strip()
        if stripped.startswith("#"):
            names = [name.lower() for name in stripped.lstrip("#").split()]
            if "gpu" in names and "pwr" in names:
                return names
    raise InputRejectedError(path, "not an 'nvidia-smi dmon' log: no '# gpu pwr ...' header line",
                             hint="Log with 'nvidia-smi dmon -s pu -o DT' so power and time are included.")


class _Clock:
    """Turns each row into a time text: from Date/Time columns, or counted from a start time."""

    def __init__(self, path: Path, names: list[str], start: str | None, interval_s: float) -> None:
        self.has_date, self.has_time = "date" in names, "time" in names
        self.synthetic = not self.has_time
        self.interval_s = interval_s
        self.start = _start(path, start) if (self.synthetic or not self.has_date) else None
        if (self.synthetic or not self.has_date) and self.start is None:
            what = "no time column" if self.synthetic else "a Time column but no Date column"
            raise InputRejectedError(path, f"the dmon log has {what}, so the first sample's time must be given",
                                     hint="Pass --start with the local time of the first line, e.g. "
                                          "--start 2026-07-14T09:00:00, or log with 'dmon -o DT'.")
        self.sample = -1
        self.seen: set[str] = set()
        self.devices: dict[str, DeviceInfo] = {}
        self.day = self.start.date() if self.start else None
        self.previous_time: str | None = None

    def time_text(self, values: dict[str, str]) -> str:
        if self.has_date and self.has_time:
            date = values["date"]
            return f"{date[:4]}-{date[4:6]}-{date[6:8]}T{values['time']}" if _DATE.match(date) else date
        if self.has_time:
            if self.previous_time is not None and values["time"] < self.previous_time:
                self.day += timedelta(days=1)
            self.previous_time = values["time"]
            return f"{self.day.isoformat()}T{values['time']}"
        gpu = values["gpu"]
        if self.sample < 0 or gpu in self.seen:
            self.sample += 1
            self.seen = set()
        self.seen.add(gpu)
        moment = self.start + timedelta(seconds=self.sample * self.interval_s)
        return moment.isoformat()


def _start(path: Path, text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise InputRejectedError(path, f"'{text}' is not an ISO 8601 date and time",
                                 hint="Write the start as 2026-07-14T09:00:00 (local time of the log).") from None


def _reading(path: Path, number: int, values: dict[str, str], clock: _Clock, host: str | None,
             result: ReadResult) -> Reading | None:
    power = values["pwr"]
    power_w = np.nan
    if not is_missing(power):
        try:
            power_w = float(power)
        except ValueError:
            result.rejected.append(RowProblem(path.name, number, "pwr", power, "power is not a number in watts"))
            return None
    utilization = values.get("sm", "-")
    utilization_pct = np.nan if is_missing(utilization) else _float(utilization)
    device = clock.devices.get(values["gpu"])
    if device is None:
        device = clock.devices[values["gpu"]] = DeviceInfo(identity=values["gpu"], field="index",
                                                           gpu_index=values["gpu"], host=host)
    return Reading(row=number, time_text=clock.time_text(values), device=device, power_w=power_w,
                   utilization_pct=utilization_pct, power_field="pwr")


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return np.nan
