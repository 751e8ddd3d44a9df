"""Repository functions: reading and writing the project's entities on one connection.

Writers expect to run inside the caller's transaction; none of them commits.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np
import pandas as pd

from workbench.clock import epoch_to_text, text_to_epoch, utc_now_text
from workbench.errors import NotFoundError, RowProblem
from workbench.project import energy_totals

ENERGY_COLUMNS = ("source_id", "run_id", "device_id", "meter_id", "hour_utc", "level", "energy_wh",
                  "gpu_energy_wh", "sample_count", "coverage", "gap_seconds", "quality", "first_row", "last_row")


@dataclass(frozen=True)
class SourceRecord:
    """Metadata of one imported file, as stored in the ``sources`` table."""

    kind: str
    original_name: str
    original_path: str
    sha256: str
    size_bytes: int
    importer: str
    importer_version: str
    options: dict[str, Any]
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    start_utc: float | None
    end_utc: float | None
    notes: list[str]
    actor: str
    evidence_zlib: bytes | None


# -- sources and rejected rows -------------------------------------------------------------------

def find_source_by_sha(conn: sqlite3.Connection, sha256: str) -> tuple[int, str] | None:
    row = conn.execute("SELECT id, original_name FROM sources WHERE sha256 = ? ORDER BY id LIMIT 1",
                       (sha256,)).fetchone()
    return (row[0], row[1]) if row else None


def insert_source(conn: sqlite3.Connection, record: SourceRecord) -> int:
    cursor = conn.execute(
        "INSERT INTO sources (kind, original_name, original_path, sha256, size_bytes, importer, importer_version,"
        " options_json, rows_read, rows_accepted, rows_rejected, start_utc, end_utc, notes_json, imported_at,"
        " actor, evidence_zlib) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (record.kind, record.original_name, record.original_path, record.sha256, record.size_bytes,
         record.importer, record.importer_version, json.dumps(record.options, sort_keys=True, default=str),
         record.rows_read, record.rows_accepted, record.rows_rejected, epoch_to_text(record.start_utc),
         epoch_to_text(record.end_utc), json.dumps(record.notes), utc_now_text(), record.actor,
         record.evidence_zlib))
    return int(cursor.lastrowid)


def insert_rejected(conn: sqlite3.Connection, source_id: int, problems: Iterable[RowProblem]) -> None:
    conn.executemany(
        "INSERT INTO rejected_rows (source_id, row_number, column_name, raw_value, reason) VALUES (?, ?, ?, ?, ?)",
        ((source_id, p.row, p.column, p.value, p.reason) for p in problems))


def list_sources(conn: sqlite3.Connection) -> pd.DataFrame:
    return pd.read_sql_query(
        "SELECT id, kind, original_name, sha256, size_bytes, importer, importer_version, options_json,"
        " rows_read, rows_accepted, rows_rejected, start_utc, end_utc, notes_json, imported_at, actor,"
        " evidence_zlib IS NOT NULL AS has_evidence FROM sources ORDER BY id", conn)


def list_rejected(conn: sqlite3.Connection, source_id: int | None = None) -> pd.DataFrame:
    sql = ("SELECT r.source_id, s.original_name AS file, r.row_number, r.column_name, r.raw_value, r.reason"
           " FROM rejected_rows r JOIN sources s ON s.id = r.source_id")
    params: tuple = ()
    if source_id is not None:
        sql += " WHERE r.source_id = ?"
        params = (source_id,)
    return pd.read_sql_query(sql + " ORDER BY r.source_id, r.row_number", conn, params=params)


# -- sites, runs, devices, meters ----------------------------------------------------------------

def ensure_site(conn: sqlite3.Connection, name: str, *, grid_zone: str | None = None,
                timezone: str | None = None) -> int:
    """Return the id of site ``name``, creating it; fill in zone and time zone where unset."""
    row = conn.execute("SELECT id, grid_zone, timezone FROM sites WHERE name = ?", (name,)).fetchone()
    if row is None:
        return int(conn.execute("INSERT INTO sites (name, grid_zone, timezone) VALUES (?, ?, ?)",
                                (name, grid_zone, timezone)).lastrowid)
    site_id, zone, tz = row
    if (grid_zone and not zone) or (timezone and not tz):
        conn.execute("UPDATE sites SET grid_zone = coalesce(grid_zone, ?), timezone = coalesce(timezone, ?)"
                     " WHERE id = ?", (grid_zone, timezone, site_id))
    return int(site_id)


def update_site(conn: sqlite3.Connection, name: str, **fields: Any) -> None:
    allowed = {"grid_zone", "timezone", "pue_category"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"unknown site fields {sorted(unknown)}")
    site = conn.execute("SELECT id FROM sites WHERE name = ?", (name,)).fetchone()
    if site is None:
        raise NotFoundError(f"no site named '{name}'")
    for key, value in fields.items():
        conn.execute(f"UPDATE sites SET {key} = ? WHERE id = ?", (value, site[0]))


def site_by_name(conn: sqlite3.Connection, name: str) -> dict | None:
    row = conn.execute("SELECT id, name, grid_zone, timezone, pue_category FROM sites WHERE name = ?",
                       (name,)).fetchone()
    return dict(zip(("id", "name", "grid_zone", "timezone", "pue_category"), row)) if row else None


def ensure_run(conn: sqlite3.Connection, name: str, *, site_id: int | None = None, kind: str | None = None) -> int:
    row = conn.execute("SELECT id, site_id FROM runs WHERE name = ?", (name,)).fetchone()
    if row is None:
        return int(conn.execute("INSERT INTO runs (name, kind, site_id) VALUES (?, ?, ?)",
                                (name, kind or "final", site_id)).lastrowid)
    if site_id is not None and row[1] is None:
        conn.execute("UPDATE runs SET site_id = ? WHERE id = ?", (site_id, row[0]))
    return int(row[0])


def widen_run_window(conn: sqlite3.Connection, run_id: int, start: float | None, end: float | None) -> None:
    """Extend a run's time window to cover [start, end] (Unix seconds)."""
    if start is None or end is None:
        return
    current = conn.execute("SELECT start_utc, end_utc FROM runs WHERE id = ?", (run_id,)).fetchone()
    old_start, old_end = text_to_epoch(current[0]), text_to_epoch(current[1])
    new_start = start if old_start is None else min(start, old_start)
    new_end = end if old_end is None else max(end, old_end)
    conn.execute("UPDATE runs SET start_utc = ?, end_utc = ? WHERE id = ?",
                 (epoch_to_text(new_start), epoch_to_text(new_end), run_id))


def ensure_devices(conn: sqlite3.Connection, devices: pd.DataFrame) -> dict[str, int]:
    """Create missing devices from a frame with device_key, host, uuid, gpu_index, model; map keys to ids."""
    ids: dict[str, int] = {}
    for row in devices.drop_duplicates("device_key").itertuples(index=False):
        found = conn.execute("SELECT id FROM devices WHERE device_key = ?", (row.device_key,)).fetchone()
        if found:
            ids[row.device_key] = int(found[0])
            continue
        ids[row.device_key] = int(conn.execute(
            "INSERT INTO devices (device_key, host, uuid, gpu_index, model) VALUES (?, ?, ?, ?, ?)",
            (row.device_key, _none(row.host), _none(row.uuid), _none(row.gpu_index), _none(row.model))).lastrowid)
    return ids


def ensure_meter(conn: sqlite3.Connection, name: str, *, site_id: int | None, measurement_point: str,
                 accuracy_class: str | None) -> int:
    row = conn.execute("SELECT id FROM meters WHERE name = ?", (name,)).fetchone()
    if row:
        conn.execute("UPDATE meters SET site_id = coalesce(site_id, ?), accuracy_class = coalesce(?, accuracy_class)"
                     " WHERE id = ?", (site_id, accuracy_class, row[0]))
        return int(row[0])
    return int(conn.execute(
        "INSERT INTO meters (name, site_id, measurement_point, accuracy_class) VALUES (?, ?, ?, ?)",
        (name, site_id, measurement_point, accuracy_class)).lastrowid)


def _none(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


# -- energy, assets, factors ---------------------------------------------------------------------

def insert_energy(conn: sqlite3.Connection, frame: pd.DataFrame) -> int:
    """Insert hourly energy rows and refresh their sources' stored totals; ``frame`` has the ENERGY_COLUMNS.

    Returns the row count.
    """
    columns = list(ENERGY_COLUMNS)
    data = frame[columns].astype(object).where(frame[columns].notna(), None)
    conn.executemany(
        f"INSERT INTO energy_hourly ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
        data.itertuples(index=False, name=None))
    energy_totals.refresh(conn, frame["source_id"].unique())
    return len(frame)


def insert_assets(conn: sqlite3.Connection, source_id: int, frame: pd.DataFrame, site_ids: dict[str, int]) -> int:
    rows = []
    for asset in frame.itertuples(index=False):
        rows.append((source_id, asset.source_row, asset.item, asset.category, asset.quantity, asset.acquired,
                     asset.in_service, asset.embodied_co2e_kg_per_unit, asset.embodied_source,
                     asset.lifetime_years, _none(asset.usage_rate),
                     site_ids.get(asset.site) if asset.site else None))
    conn.executemany(
        "INSERT INTO assets (source_id, source_row, item, category, quantity, acquired, in_service,"
        " embodied_co2e_kg_per_unit, embodied_source, lifetime_years, usage_rate, site_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return len(rows)


def insert_factor_dataset(conn: sqlite3.Connection, source_id: int, name: str, frame: pd.DataFrame,
                          *, basis: str = "location", gas_basis: str = "CO2e", gwp_set: str | None = None,
                          vintage: str | None = None) -> int:
    dataset_id = int(conn.execute(
        "INSERT INTO factor_datasets (source_id, name, basis, gas_basis, gwp_set, vintage) VALUES (?, ?, ?, ?, ?, ?)",
        (source_id, name, basis, gas_basis, gwp_set, vintage)).lastrowid)
    conn.executemany(
        "INSERT INTO factors (dataset_id, source_row, zone, period_start, period_end, resolution, co2e_g_per_kwh,"
        " source_text) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        ((dataset_id, int(f.source_row), f.zone, int(f.period_start), int(f.period_end), f.resolution,
          float(f.co2e_g_per_kwh), f.source_text) for f in frame.itertuples(index=False)))
    return dataset_id


# -- reads for the engine and views --------------------------------------------------------------

def list_runs(conn: sqlite3.Connection) -> pd.DataFrame:
    return pd.read_sql_query(
        "SELECT r.id, r.name, r.kind, r.start_utc, r.end_utc, r.functional_unit, r.functional_unit_amount,"
        " s.name AS site, s.grid_zone FROM runs r LEFT JOIN sites s ON s.id = r.site_id ORDER BY r.id", conn)


def list_sites(conn: sqlite3.Connection) -> pd.DataFrame:
    return pd.read_sql_query("SELECT id, name, grid_zone, timezone, pue_category FROM sites ORDER BY id", conn)


def meter_energy(conn: sqlite3.Connection) -> pd.DataFrame:
    return pd.read_sql_query(
        "SELECT m.name AS meter, m.measurement_point, m.accuracy_class, s.name AS site, e.hour_utc,"
        " e.energy_wh FROM energy_hourly e JOIN meters m ON m.id = e.meter_id LEFT JOIN sites s ON s.id = m.site_id"
        " ORDER BY m.name, e.hour_utc", conn)


def list_assets(conn: sqlite3.Connection) -> pd.DataFrame:
    return pd.read_sql_query(
        "SELECT a.id, a.item, a.category, a.quantity, a.acquired, a.in_service, a.embodied_co2e_kg_per_unit,"
        " a.embodied_source, a.lifetime_years, a.usage_rate, s.name AS site, a.source_id, a.source_row"
        " FROM assets a LEFT JOIN sites s ON s.id = a.site_id ORDER BY a.id", conn)


def list_factors(conn: sqlite3.Connection) -> pd.DataFrame:
    return pd.read_sql_query(
        "SELECT f.id, d.name AS dataset, d.basis, f.zone, f.period_start, f.period_end, f.resolution,"
        " f.co2e_g_per_kwh, f.source_text, d.source_id, f.source_row"
        " FROM factors f JOIN factor_datasets d ON d.id = f.dataset_id ORDER BY f.zone, f.period_start", conn)
