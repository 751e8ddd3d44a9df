"""Reader for CodeCarbon ``emissions.csv`` files of any version (and their ``.bak`` copies).

Columns are matched by name, so the 11- to 38-column layouts and reordered headers all read
the same way. A row with fewer or more fields than its header is rejected, because CodeCarbon's
append mode once dropped empty columns and shifted values left. Each row covers the tracking
interval that ends at ``timestamp`` (naive local time) and lasts ``duration`` seconds; its energy
is spread evenly over the UTC hours of that interval.

Units, as CodeCarbon defines them: ``duration`` s, ``energy_consumed`` and ``gpu_energy`` kWh.
CodeCarbon multiplies every component's energy by its ``pue`` setting, so a row with a PUE other
than 1 is divided by it here; the workbench applies its own PUE later in the energy chain.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.errors import InputRejectedError, RowProblem
from workbench.ingest.common import ReadResult, is_missing, normalize_column, resolve_timezone
from workbench.ingest.integrate import HOUR_S
from workbench.ingest.tables import Layout, cell_text, is_blank_row, open_table
from workbench.ingest.timeparse import NaiveTimeError, parse_utc_seconds
from workbench.progress import Progress, no_progress

log = logging.getLogger(__name__)

IMPORTER_VERSION = "2"
REQUIRED = ("timestamp", "duration", "energy_consumed")
# Maximum interval that one row may spread over hours (366 days); rows with longer ones are rejected.
MAX_INTERVAL_S = 366 * 86400.0

_V2_0 = ("timestamp,project_name,run_id,duration,emissions,emissions_rate,cpu_power,gpu_power,ram_power,cpu_energy,"
         "gpu_energy,ram_energy,energy_consumed,country_name,country_iso_code,region,cloud_provider,cloud_region,os,"
         "python_version,cpu_count,cpu_model,gpu_count,gpu_model,longitude,latitude,ram_total_size,tracking_mode,"
         "on_cloud").split(",")
# Column sets of CodeCarbon's EmissionsData by release, from its git tags; matched as sets, since
# the order varies between machines and runs.
LAYOUTS = (
    ("0.0.x-1.2.0", {"timestamp", "experiment_id", "project_name", "duration", "emissions", "energy_consumed",
                     "country_name", "country_iso_code", "region", "on_cloud", "cloud_provider", "cloud_region"}),
    ("pre-1.0 without experiment_id", {"timestamp", "project_name", "duration", "emissions", "energy_consumed",
                                       "country_name", "country_iso_code", "region", "on_cloud", "cloud_provider",
                                       "cloud_region"}),
    ("2.0.0-2.1.4", set(_V2_0)),
    ("2.2.0-2.2.2", set(_V2_0) | {"codecarbon_version"}),
    ("2.2.3-2.6.x", set(_V2_0) | {"codecarbon_version", "pue"}),
    ("2.7.0-3.0.7", set(_V2_0) | {"codecarbon_version", "pue", "experiment_id"}),
    ("3.0.8-3.1.x", set(_V2_0) | {"codecarbon_version", "pue", "experiment_id", "water_consumed", "wue"}),
    ("3.2.1-3.3.0", set(_V2_0) | {"codecarbon_version", "pue", "experiment_id", "water_consumed", "wue",
                                  "cpu_utilization_percent", "gpu_utilization_percent", "ram_utilization_percent",
                                  "ram_used_gb"}),
)


def read_emissions_csv(path: str | Path, *, timezone: str | None = None, run: str | None = None,
                       progress: Progress | None = None) -> ReadResult:
    """Read a CodeCarbon emissions file into node-level energy per run per UTC hour.

    The run is ``run`` when given, else each row's ``project_name``.
    """
    path = Path(path)
    progress = progress or no_progress("Import")
    zone = resolve_timezone(timezone)
    # CodeCarbon writes through pandas, always with '.' decimals: a row wider than the header is a
    # pandas index or two glued records, which _collect_rows explains row by row.
    table = open_table(path, layout=Layout(decimal="."))
    names = [normalize_column(name) for name in table.header]
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise InputRejectedError(path, f"not a CodeCarbon emissions file: no column {', '.join(missing)}",
                                 row=table.header_row,
                                 hint="Choose the emissions.csv written by CodeCarbon's EmissionsTracker.")
    result = ReadResult(kind="codecarbon", importer="codecarbon-emissions-csv", importer_version=IMPORTER_VERSION,
                        options={"timezone": timezone, "run": run})
    result.notes.extend(table.notes)
    if names and names[0] == "":
        result.notes.append("the first, unnamed column (a pandas index) was ignored")
    _note_layout(names, result)

    records = _collect_rows(path, table, names, result)
    progress.update(0.5, f"{path.name}: {len(records)} rows")
    if records:
        _spread_over_hours(path, records, zone, run, result)
    progress.update(1.0, f"{path.name}: done", force=True)
    return result


def _note_layout(names: list[str], result: ReadResult) -> None:
    columns = {name for name in names if name}
    version = next((label for label, layout in LAYOUTS if columns == layout), None)
    result.options["layout"] = version or f"{len(columns)} columns, no exact CodeCarbon release match"
    if version:
        result.notes.append(f"the header has the {len(columns)} columns of CodeCarbon {version}")
    if [name for name in names if name] == sorted(columns) and len(columns) > 3:
        result.notes.append("the columns are in alphabetical order; they are matched by name, not position")


def _collect_rows(path: Path, table, names: list[str], result: ReadResult) -> list[dict]:
    position = {name: index for index, name in enumerate(names) if name}
    records = []
    seen: dict[tuple[str, str], int] = {}
    indexed = 0
    for number, cells in table.rows:
        if is_blank_row(cells):
            continue
        result.rows_read += 1
        if len(cells) == len(names) + 1 and names[0] != "" and cell_text(cells[0]).isdigit():
            # Older CodeCarbon releases wrote rows through pandas with its index in front.
            cells = cells[1:]
            indexed += 1
        if len(cells) > len(names) + 1:
            result.rejected.append(RowProblem(
                path.name, number, "(whole row)", ",".join(cell_text(c) for c in cells)[:200],
                f"row has {len(cells)} fields, more than the header's {len(names)}: probably two records on one "
                "line because the file did not end with a line break; the row is not used"))
            continue
        if len(cells) != len(names):
            result.rejected.append(RowProblem(
                path.name, number, "(whole row)", ",".join(cell_text(c) for c in cells)[:200],
                f"row has {len(cells)} fields but the header has {len(names)}; values may be shifted, "
                "so the row is not used"))
            continue
        values = {name: cell_text(cells[index]) for name, index in position.items()}
        problem = _check_numbers(values)
        if problem:
            column, reason = problem
            result.rejected.append(RowProblem(path.name, number, column, values[column], reason))
            continue

        key = (values.get("run_id", ""), values["timestamp"])
        if key[0] and key in seen:
            result.rejected.append(RowProblem(
                path.name, number, "run_id", key[0],
                f"same run_id and timestamp as row {seen[key]}: a second record of the same tracking "
                "interval, not counted twice"))
            continue
        seen[key] = number
        values["_row"] = number
        records.append(values)
    if indexed:
        result.notes.append(f"{indexed} rows began with a pandas index value that the header does not name; "
                            "it was ignored")
    return records


def _check_numbers(values: dict[str, str]) -> tuple[str, str] | None:
    for column in ("duration", "energy_consumed"):
        text = values[column]
        if is_missing(text):
            return column, "value is missing"
        try:
            number = float(text)
        except ValueError:
            return column, "not a number"
        if not np.isfinite(number) or number < 0:
            return column, "must be a non-negative number"
        if column == "duration" and number > MAX_INTERVAL_S:
            return column, (f"a tracked interval of {number:.3g} s is longer than a year; CodeCarbon writes one "
                            "row per run or per measurement interval")
    for column in ("gpu_energy", "pue"):
        text = values.get(column, "")
        if text and not is_missing(text):
            try:
                float(text)
            except ValueError:
                return column, "not a number"
    return None


def _spread_over_hours(path: Path, records: list[dict], zone, run: str | None, result: ReadResult) -> None:
    stamps = pd.Series([record["timestamp"] for record in records])
    try:
        end_s, reasons = parse_utc_seconds(stamps, zone)
    except NaiveTimeError:
        raise InputRejectedError(path, "time stamps have no time zone and none was given",
                                 row=records[0]["_row"], column="timestamp", value=records[0]["timestamp"],
                                 hint="CodeCarbon writes local time; pass --timezone with the zone of "
                                      "the machine that ran the tracker.") from None

    totals: dict[tuple[str, int], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0, np.inf, -np.inf])
    windows: dict[str, list[float]] = {}
    pue_divided = 0
    gpu_unsupported = 0
    start_min, end_max = np.inf, -np.inf
    for index, record in enumerate(records):
        if index in reasons:
            result.rejected.append(RowProblem(path.name, record["_row"], "timestamp", record["timestamp"],
                                              reasons[index]))
            continue
        duration = float(record["duration"])
        pue = _optional_float(record.get("pue")) or 1.0
        if pue != 1.0:
            pue_divided += 1
        energy_wh = float(record["energy_consumed"]) * 1000.0 / pue
        gpu_wh = (_optional_float(record.get("gpu_energy")) or 0.0) * 1000.0 / pue
        if gpu_wh == 0.0 and (_optional_float(record.get("gpu_count")) or 0) > 0:
            # 0 kWh from a machine with a GPU means NVML could not read its power: unmeasured.
            gpu_unsupported += 1
            gpu_wh = np.nan
        run_name = run or record.get("project_name") or "codecarbon"

        end = end_s[index]
        start = end - duration
        start_min, end_max = min(start_min, start), max(end_max, end)
        window = windows.setdefault(run_name, [start, end])
        window[0], window[1] = min(window[0], start), max(window[1], end)
        for hour, share, seconds in hour_shares(start, end):
            cell = totals[(run_name, hour)]
            cell[0] += energy_wh * share
            cell[1] += gpu_wh * share
            cell[2] += seconds
            cell[3] += 1
            cell[4] = min(cell[4], record["_row"])
            cell[5] = max(cell[5], record["_row"])

    rows = [{"run": run_name, "hour_utc": hour, "level": "node", "energy_wh": values[0],
             "gpu_energy_wh": values[1], "sample_count": values[3], "coverage": min(values[2] / HOUR_S, 1.0),
             "gap_seconds": 0.0, "quality": "measured", "first_row": values[4], "last_row": values[5]}
            for (run_name, hour), values in sorted(totals.items())]
    result.tables["energy"] = pd.DataFrame(rows)
    result.tables["run_windows"] = pd.DataFrame(
        [(name, start, end) for name, (start, end) in windows.items()], columns=["run", "start_s", "end_s"])
    if np.isfinite(start_min):
        result.start_utc, result.end_utc = float(start_min), float(end_max)
    result.notes.append("energy_consumed (CPU + GPU + RAM as measured by CodeCarbon) is stored as node "
                        "energy, so no node uplift is applied to it")
    if pue_divided:
        result.notes.append(f"{pue_divided} rows had a CodeCarbon PUE other than 1; their energy was divided "
                            "by it so that PUE is applied once, by the workbench")
    if gpu_unsupported:
        result.notes.append(f"{gpu_unsupported} rows report GPUs but 0 kWh of GPU energy: GPU power was not "
                            "measured there (unsupported by the driver), not idle; their GPU energy is stored as "
                            "unknown, and energy_consumed covers CPU and RAM only")


def hour_shares(start: float, end: float) -> list[tuple[int, float, float]]:
    """Split [start, end] into UTC hours: (hour start in s, share of the interval, seconds).

    Raises ValueError for a non-finite bound or an interval longer than MAX_INTERVAL_S, which
    callers reject as a row problem before calling.
    """
    if not (np.isfinite(start) and np.isfinite(end)) or end - start > MAX_INTERVAL_S:
        raise ValueError(f"interval [{start}, {end}] is not finite or longer than {MAX_INTERVAL_S} s")
    if end <= start:
        hour = int(np.floor(end / HOUR_S) * HOUR_S)
        return [(hour, 1.0, 0.0)]
    pieces = []
    hour = np.floor(start / HOUR_S) * HOUR_S
    while hour < end:
        seconds = min(end, hour + HOUR_S) - max(start, hour)
        if seconds > 0:
            pieces.append((int(hour), seconds / (end - start), seconds))
        hour += HOUR_S
    return pieces


def _optional_float(text: str | None) -> float | None:
    if text is None or is_missing(text):
        return None
    return float(text)
