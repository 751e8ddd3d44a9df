"""Drill-down: from a total, a run or a chart point to the rows behind it.

:func:`drill_down` takes a computed result (a :class:`~workbench.services.session.RecomputeResponse`)
and a :class:`DrillTarget` (some runs, optionally one UTC hour). It returns a :class:`DrillDown`
of plain DataFrames: the runs with their figures, the computed run-hours with the emission
factor matched to each, the energy per GPU (or meter, or run) per UTC hour that the project
stores for them, the source files with their SHA-256, the source rows (the file's own lines,
read from the evidence the project keeps), the factor datasets with their versions, and the
assumptions of the set.

The factor of a run-hour is matched with the engine's own rule (the finest resolution covering
the hour, :func:`workbench.engine.factors.match_hours`), so the factor shown is the factor used.
"""

from __future__ import annotations

import logging
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from workbench.clock import epoch_to_text
from workbench.engine.factors import match_hours
from workbench.progress import Progress, no_progress
from workbench.project.store import Project
from workbench.services import assumptions as assumption_service

if TYPE_CHECKING:
    from workbench.services.session import RecomputeResponse

log = logging.getLogger(__name__)

MAX_SOURCE_ROWS = 5000  # lines of source files shown; the row ranges in the hours table stay complete

_STORED_ROWS = (
    "SELECT e.run_id, e.hour_utc, e.device_id, e.meter_id, e.level, e.energy_wh, e.quality, e.coverage,"
    " e.source_id, e.first_row, e.last_row, 'stored' AS attribution FROM energy_hourly e"
    " WHERE e.run_id IN ({runs}){hour}")
_ALLOCATED_ROWS = (
    "SELECT a.run_id, a.hour_utc, a.device_id, NULL AS meter_id, 'gpu_board' AS level,"
    " a.energy_wh * a.share AS energy_wh, a.quality, a.coverage, a.source_id, a.first_row, a.last_row,"
    " 'allocated' AS attribution FROM run_device_hours a"
    " WHERE a.energy_wh IS NOT NULL AND a.run_id IN ({runs}){hour}")


@dataclass(frozen=True)
class DrillTarget:
    """The selection to drill into: ``runs`` by name (None for every run), optionally one hour (Unix seconds, UTC)."""

    runs: tuple[str, ...] | None = None
    hour_utc: int | None = None
    figure: str = ""  # the figure the user started from, such as "total_co2e_kg"

    def title(self) -> str:
        runs = "every run" if self.runs is None else ", ".join(self.runs)
        hour = f", hour starting {epoch_to_text(self.hour_utc)}" if self.hour_utc is not None else ""
        figure = f"{self.figure} of " if self.figure else ""
        return f"{figure}{runs}{hour}"


@dataclass(frozen=True, eq=False)
class DrillDown:
    """Everything behind one figure; each frame's columns are listed in the module's functions."""

    target: DrillTarget
    set_name: str
    runs: pd.DataFrame
    run_hours: pd.DataFrame
    energy_rows: pd.DataFrame
    sources: pd.DataFrame
    source_lines: pd.DataFrame
    factors: pd.DataFrame
    assumptions: pd.DataFrame

    @property
    def title(self) -> str:
        return self.target.title()


def drill_down(project: Project, response: "RecomputeResponse", set_name: str, target: DrillTarget,
               *, max_source_rows: int = MAX_SOURCE_ROWS, progress: Progress | None = None) -> DrillDown:
    """Collect the rows behind ``target`` in ``response`` (computed for ``set_name``) from ``project``.

    ``progress`` hears of each step and raises OperationCancelled between steps once cancelled.
    """
    progress = progress or no_progress("Drilling down")
    names = list(response.runs["run"]) if target.runs is None else list(target.runs)
    runs = response.runs[response.runs["run"].isin(names)].reset_index(drop=True)
    progress.update(0.05, "matching emission factors to run-hours")
    run_hours = matched_run_hours(project, response, names, target.hour_utc)
    progress.update(0.3, "reading energy rows")
    energy_rows = stored_energy_rows(project, names, target.hour_utc)
    progress.update(0.7, "reading source files and rows")
    sources = source_files(project, energy_rows)
    lines = source_lines(project, energy_rows, max_source_rows)
    progress.update(0.9, "reading assumptions")
    factors = factor_summary(run_hours)
    assumptions = assumption_table(project, set_name)
    progress.update(1.0, "done")
    log.info("drill-down into %s: %d run-hours, %d energy rows, %d sources", target.title(), len(run_hours),
             len(energy_rows), len(sources))
    return DrillDown(target, set_name, runs, run_hours, energy_rows, sources, lines, factors, assumptions)


def matched_run_hours(project: Project, response: "RecomputeResponse", names: list[str],
                      hour_utc: int | None) -> pd.DataFrame:
    """Return the computed run-hours of ``names`` with the factor row each used.

    Columns: run, hour (text), hour_utc, zone, facility_energy_kwh, co2e_g_per_kwh,
    operational_co2e_kg, resolution, factor_id, dataset, vintage, basis, factor_source.
    """
    hourly = response.hourly
    chosen = hourly[hourly["run"].isin(names)]
    if hour_utc is not None:
        chosen = chosen[chosen["hour_utc"] == hour_utc]
    chosen = chosen.reset_index(drop=True)
    model = response.request.model
    zone_override = response.request.assumptions.factor_zone or None
    zones = dict(zip(response.runs["run"], response.runs["zone"]))

    resolution = np.full(len(chosen), "", dtype=object)
    factor_id = np.full(len(chosen), -1, dtype=np.int64)
    zone_column = np.full(len(chosen), None, dtype=object)
    for run, rows in chosen.groupby("run", sort=False).groups.items():
        zone = zone_override or zones.get(run)
        positions = np.asarray(rows)
        zone_column[positions] = zone
        table = model.prepared.factor_tables.get(zone) if zone else None
        matched = match_hours(table, chosen["hour_utc"].to_numpy(np.int64)[positions])
        resolution[positions] = matched.resolution
        factor_id[positions] = matched.factor_id

    frame = chosen.assign(hour=[epoch_to_text(int(h)) for h in chosen["hour_utc"]], zone=zone_column,
                          resolution=resolution, factor_id=factor_id)
    datasets = _factor_datasets(project)
    frame = frame.merge(datasets, how="left", on="factor_id")
    return frame[["run", "hour", "hour_utc", "zone", "facility_energy_kwh", "co2e_g_per_kwh", "operational_co2e_kg",
                  "resolution", "factor_id", "dataset", "vintage", "basis", "factor_source"]]


def _factor_datasets(project: Project) -> pd.DataFrame:
    return pd.read_sql_query(
        "SELECT f.id AS factor_id, d.name AS dataset, d.vintage, d.basis, f.source_text AS factor_source,"
        " d.source_id AS factor_source_id, f.source_row AS factor_source_row"
        " FROM factors f JOIN factor_datasets d ON d.id = f.dataset_id", project.conn)


def factor_summary(run_hours: pd.DataFrame) -> pd.DataFrame:
    """Group the run-hours by the factor dataset, zone and resolution they used.

    Columns: dataset, vintage, basis, zone, resolution, hours, facility_energy_kwh,
    operational_co2e_kg, mean_co2e_g_per_kwh (energy-weighted). Hours without a factor are
    listed with dataset "(no factor)".
    """
    columns = ["dataset", "vintage", "basis", "zone", "resolution", "hours", "facility_energy_kwh",
               "operational_co2e_kg", "mean_co2e_g_per_kwh"]
    if run_hours.empty:
        return pd.DataFrame(columns=columns)
    keyed = run_hours.assign(dataset=run_hours["dataset"].fillna("(no factor)"),
                             vintage=run_hours["vintage"].fillna(""), basis=run_hours["basis"].fillna(""),
                             zone=run_hours["zone"].fillna(""), resolution=run_hours["resolution"].replace("", "none"))
    grouped = keyed.groupby(["dataset", "vintage", "basis", "zone", "resolution"], as_index=False).agg(
        hours=("hour_utc", "size"), facility_energy_kwh=("facility_energy_kwh", "sum"),
        operational_co2e_kg=("operational_co2e_kg", "sum"))
    energy = grouped["facility_energy_kwh"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        grouped["mean_co2e_g_per_kwh"] = np.where(energy > 0, grouped["operational_co2e_kg"] * 1000.0 / energy,
                                                  np.nan)
    return grouped[columns]


def stored_energy_rows(project: Project, names: list[str], hour_utc: int | None) -> pd.DataFrame:
    """Return the stored energy rows of the runs ``names`` (per GPU, meter or run, per UTC hour).

    Rows come from imports that gave the energy to a run ("stored") and from GPU-hours that a
    run's allocations attribute to it ("allocated", energy times the share the run held).
    Columns: run, hour, hour_utc, device, host, meter, level, energy_kwh, quality, coverage,
    attribution, source_id, file, first_row, last_row.
    """
    run_ids = pd.read_sql_query("SELECT id AS run_id, name AS run FROM runs", project.conn)
    run_ids = run_ids[run_ids["run"].isin(names)]
    columns = ["run", "hour", "hour_utc", "device", "host", "meter", "level", "energy_kwh", "quality", "coverage",
               "attribution", "source_id", "file", "first_row", "last_row"]
    if run_ids.empty:
        return pd.DataFrame(columns=columns)
    placeholders = ", ".join("?" * len(run_ids))
    hour = "" if hour_utc is None else " AND hour_utc = ?"
    params = [int(value) for value in run_ids["run_id"]] + ([int(hour_utc)] if hour_utc is not None else [])
    parts = [pd.read_sql_query(query.format(runs=placeholders, hour=hour.replace("hour_utc", f"{alias}.hour_utc")),
                               project.conn, params=params)
             for query, alias in ((_STORED_ROWS, "e"), (_ALLOCATED_ROWS, "a"))]
    rows = pd.concat([part for part in parts if not part.empty], ignore_index=True) if any(
        not part.empty for part in parts) else parts[0]
    devices = pd.read_sql_query("SELECT id AS device_id, device_key AS device, host FROM devices", project.conn)
    meters = pd.read_sql_query("SELECT id AS meter_id, name AS meter FROM meters", project.conn)
    files = pd.read_sql_query("SELECT id AS source_id, original_name AS file FROM sources", project.conn)
    # A key column with only NULLs (no meter rows, for example) is read as object; merge on nullable integers.
    for frame, keys in ((rows, ("run_id", "device_id", "meter_id", "source_id")), (run_ids, ("run_id",)),
                        (devices, ("device_id",)), (meters, ("meter_id",)), (files, ("source_id",))):
        for key in keys:
            frame[key] = pd.to_numeric(frame[key]).astype("Int64")
    rows = (rows.merge(run_ids, on="run_id").merge(devices, how="left", on="device_id")
            .merge(meters, how="left", on="meter_id").merge(files, how="left", on="source_id"))
    rows["energy_kwh"] = rows["energy_wh"].astype(float) / 1000.0
    rows["hour"] = [epoch_to_text(int(h)) for h in rows["hour_utc"]]
    rows = rows.sort_values(["run", "hour_utc", "device", "source_id"], kind="stable", na_position="last")
    return rows[columns].reset_index(drop=True)


def source_files(project: Project, energy_rows: pd.DataFrame) -> pd.DataFrame:
    """Return the source files behind ``energy_rows`` with their SHA-256 and what they gave.

    Columns: source_id, file, kind, sha256, size_bytes, importer, imported_at, actor,
    evidence_stored, energy_rows, energy_kwh.
    """
    sources = pd.read_sql_query(
        "SELECT id AS source_id, original_name AS file, kind, sha256, size_bytes, importer, imported_at, actor,"
        " evidence_zlib IS NOT NULL AS evidence_stored FROM sources", project.conn)
    if energy_rows.empty:
        return sources.iloc[0:0].assign(energy_rows=pd.Series(dtype=int), energy_kwh=pd.Series(dtype=float))
    used = energy_rows.groupby("source_id", as_index=False).agg(energy_rows=("hour_utc", "size"),
                                                                energy_kwh=("energy_kwh", "sum"))
    frame = sources.merge(used, on="source_id")
    frame["evidence_stored"] = frame["evidence_stored"].astype(bool)
    return frame.sort_values("source_id").reset_index(drop=True)


def source_lines(project: Project, energy_rows: pd.DataFrame, limit: int = MAX_SOURCE_ROWS) -> pd.DataFrame:
    """Return the lines of the source files that ``energy_rows`` came from, up to ``limit`` lines.

    Row numbers are the 1-based line numbers the importers record. Lines are read from the
    evidence stored in the project; a source without evidence, or whose evidence is not text,
    gets one row with the line range and an empty ``text``. Columns: source_id, file, line, text.
    """
    columns = ["source_id", "file", "line", "text"]
    if energy_rows.empty:
        return pd.DataFrame(columns=columns)
    ranged = energy_rows.dropna(subset=["first_row", "last_row"])
    found: list[dict] = []
    for source_id, rows in ranged.groupby("source_id"):
        wanted = _line_numbers(rows, limit - len(found))
        found.extend(_read_lines(project, int(source_id), str(rows["file"].iloc[0]), wanted))
        if len(found) >= limit:
            log.info("drill-down shows the first %d source lines only", limit)
            break
    return pd.DataFrame(found, columns=columns)


def _line_numbers(rows: pd.DataFrame, budget: int) -> np.ndarray:
    first = rows["first_row"].to_numpy(np.int64)
    last = rows["last_row"].to_numpy(np.int64)
    numbers: set[int] = set()
    for start, end in zip(first, last):
        numbers.update(range(int(start), int(end) + 1))
        if len(numbers) >= budget:
            break
    return np.array(sorted(numbers)[:max(budget, 0)], dtype=np.int64)


def _read_lines(project: Project, source_id: int, file: str, numbers: np.ndarray) -> list[dict]:
    if len(numbers) == 0:
        return []
    blob = project.conn.execute("SELECT evidence_zlib FROM sources WHERE id = ?", (source_id,)).fetchone()[0]
    text = _evidence_text(blob)
    if text is None:
        # NOTE: spreadsheets, Parquet and folders are stored as bytes, so only their row range is shown.
        return [{"source_id": source_id, "file": file, "line": int(numbers[0]),
                 "text": f"(rows {int(numbers[0])}-{int(numbers[-1])}; the file's text is not stored in the project)"}]
    lines = text.splitlines()
    return [{"source_id": source_id, "file": file, "line": int(number), "text": lines[number - 1]}
            for number in numbers if 0 < number <= len(lines)]


def _evidence_text(blob: bytes | None) -> str | None:
    if blob is None:
        return None
    try:
        data = zlib.decompress(blob)
    except zlib.error:
        return None
    if data[:4] in (b"PK\x03\x04", b"PAR1") or b"\x00" in data[:4096]:
        return None
    return data.decode("utf-8", errors="replace")


def assumption_table(project: Project, set_name: str) -> pd.DataFrame:
    """Return every assumption of ``set_name``: key, label, value, unit, origin, rationale, set_by, set_at."""
    resolved = assumption_service.resolve(project, set_name)
    rows = [{"key": item.key, "label": item.label, "value": _text(item.value), "unit": item.unit,
             "origin": item.origin, "rationale": item.rationale, "set_by": item.set_by or "",
             "set_at": item.set_at or ""}
            for item in resolved.values()]
    return pd.DataFrame(rows, columns=["key", "label", "value", "unit", "origin", "rationale", "set_by", "set_at"])


def _text(value: object) -> str:
    return "" if value is None else str(value)
