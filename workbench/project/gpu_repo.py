"""Repository functions for GPU telemetry per device-hour, Slurm jobs and run allocations.

Writers run inside the caller's transaction and insert whole frames with ``executemany``; no
row is written sample by sample. Run attribution is the ``run_gpu_hours`` view (one row per
allocation, GPU and hour) and ``run_device_hours`` (one per run, GPU and hour), so it follows
every new import of telemetry or allocations without a recompute step.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import numpy as np
import pandas as pd

GPU_HOUR_COLUMNS = ("source_id", "device_id", "hour_utc", "energy_wh", "idle_energy_wh", "basis", "quality",
                    "sample_count", "measured_samples", "coverage", "gap_seconds", "longest_gap_s", "interval_s",
                    "first_row", "last_row", "run_id")
JOB_COLUMNS = ("source_id", "source_row", "job_id", "cluster", "job_name", "user_name", "state", "run_id",
               "start_utc", "end_utc", "start_text", "end_text", "elapsed_s", "nodes", "node_list", "alloc_cpus",
               "alloc_gpus", "energy_j", "energy_field", "node_share", "energy_flag", "step_rows")
ALLOCATION_COLUMNS = ("run_id", "source_id", "source_row", "job_id", "host", "gpu_uuid", "gpu_index", "gpus",
                      "start_utc", "end_utc", "start_text", "end_text")


def _rows(frame: pd.DataFrame, columns: tuple[str, ...]):
    data = frame[list(columns)].astype(object)
    return data.where(frame[list(columns)].notna(), None).itertuples(index=False, name=None)


def _insert(conn: sqlite3.Connection, table: str, frame: pd.DataFrame, columns: tuple[str, ...]) -> int:
    conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                     _rows(frame, columns))
    return len(frame)


def insert_gpu_hours(conn: sqlite3.Connection, source_id: int, energy: pd.DataFrame, device_ids: dict[str, int],
                     run_id: int | None = None) -> int:
    """Insert a reader's ``energy`` table as device-hours; returns the row count."""
    frame = energy.copy()
    frame["source_id"] = source_id
    frame["device_id"] = frame["device_key"].map(device_ids)
    frame["run_id"] = run_id
    for name in GPU_HOUR_COLUMNS:
        if name not in frame:
            frame[name] = None
    return _insert(conn, "gpu_hours", frame, GPU_HOUR_COLUMNS)


def fill_device_details(conn: sqlite3.Connection, energy: pd.DataFrame, device_ids: dict[str, int]) -> None:
    """Fill in the host, index and model of known devices where an earlier import left them empty."""
    details = energy.drop_duplicates("device_key")[["device_key", "host", "gpu_index", "model"]]
    conn.executemany(
        "UPDATE devices SET host = coalesce(host, ?), gpu_index = coalesce(gpu_index, ?), model = coalesce(model, ?)"
        " WHERE id = ?",
        [(none_if_nan(row.host), none_if_nan(row.gpu_index), none_if_nan(row.model), device_ids[row.device_key])
         for row in details.itertuples(index=False)])


def insert_jobs(conn: sqlite3.Connection, source_id: int, jobs: pd.DataFrame) -> list[int]:
    """Insert Slurm jobs (with a ``run_id`` column) and return their ids in frame order."""
    ids = []
    frame = jobs.assign(source_id=source_id)
    for values in _rows(frame, JOB_COLUMNS):
        cursor = conn.execute(f"INSERT INTO jobs ({', '.join(JOB_COLUMNS)}) VALUES "
                              f"({', '.join('?' * len(JOB_COLUMNS))})", values)
        ids.append(int(cursor.lastrowid))
    return ids


def insert_allocations(conn: sqlite3.Connection, source_id: int, allocations: pd.DataFrame) -> int:
    frame = allocations.assign(source_id=source_id)
    for name in ALLOCATION_COLUMNS:
        if name not in frame:
            frame[name] = None
    return _insert(conn, "run_allocations", frame, ALLOCATION_COLUMNS)


def run_gpu_summary(conn: sqlite3.Connection) -> pd.DataFrame:
    """Per run: GPU energy and idle energy from telemetry, with how much of it is measured.

    Covers both ways a run gets GPU energy: allocations (Slurm jobs, runs tables) and imports
    that assigned a whole file to the run. ``estimated_share_wh`` is energy from hours the run
    held only in part, split in proportion to time.
    """
    return pd.read_sql_query(
        "WITH rows AS ("
        "  SELECT run_id, device_id, hour_utc, energy_wh * share AS energy_wh, idle_energy_wh * share AS idle_wh,"
        "         quality, CASE WHEN share < 1.0 THEN energy_wh * share ELSE 0 END AS estimated_wh,"
        "         'allocation' AS attributed_by FROM run_device_hours"
        "  UNION ALL"
        "  SELECT run_id, device_id, hour_utc, energy_wh, idle_energy_wh, quality, 0, 'file'"
        "  FROM gpu_hours WHERE run_id IS NOT NULL)"
        " SELECT r.name AS run, rows.attributed_by, count(DISTINCT rows.device_id) AS gpus,"
        "  count(*) AS gpu_hours, coalesce(sum(rows.energy_wh), 0) / 1000.0 AS gpu_energy_kwh,"
        "  sum(rows.idle_wh) / 1000.0 AS idle_energy_kwh, coalesce(sum(rows.estimated_wh), 0) / 1000.0"
        "  AS estimated_share_kwh, sum(rows.quality = 'unmeasured') AS unmeasured_gpu_hours,"
        "  sum(rows.idle_wh IS NULL AND rows.energy_wh IS NOT NULL) AS gpu_hours_without_utilization"
        " FROM rows JOIN runs r ON r.id = rows.run_id GROUP BY r.name, rows.attributed_by ORDER BY r.name", conn)


def allocations_without_telemetry(conn: sqlite3.Connection) -> pd.DataFrame:
    """Allocations that match no GPU-hour at all: the run's GPUs are missing from the telemetry."""
    return pd.read_sql_query(
        "SELECT r.name AS run, a.host, a.gpu_uuid, a.gpu_index, a.start_text, a.end_text, a.source_id, a.source_row"
        " FROM run_allocations a JOIN runs r ON r.id = a.run_id"
        " WHERE NOT EXISTS (SELECT 1 FROM run_gpu_hours g WHERE g.allocation_id = a.id) ORDER BY a.id", conn)


def list_gpu_hours(conn: sqlite3.Connection) -> pd.DataFrame:
    """Return every stored device-hour with its device description, for export."""
    return pd.read_sql_query(
        "SELECT d.device_key, d.host, d.uuid, d.gpu_index, d.model, g.hour_utc, g.energy_wh, g.idle_energy_wh,"
        " g.sample_count, g.measured_samples, g.coverage, g.gap_seconds, g.longest_gap_s, g.quality, g.basis,"
        " g.interval_s, g.source_id, g.first_row, g.last_row"
        " FROM gpu_hours g JOIN devices d ON d.id = g.device_id ORDER BY d.device_key, g.hour_utc", conn)


def list_jobs(conn: sqlite3.Connection) -> pd.DataFrame:
    return pd.read_sql_query(
        "SELECT j.*, r.name AS run FROM jobs j LEFT JOIN runs r ON r.id = j.run_id ORDER BY j.id", conn)


def none_if_nan(value: Any) -> Any:
    if isinstance(value, float) and np.isnan(value):
        return None
    return value
