"""Rows of the report header (``report_info``) and of the sign-off stages (``signoffs``)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from workbench.clock import utc_now_text


@dataclass(frozen=True)
class SignoffRow:
    """One recorded sign-off stage, as stored."""

    id: int
    stage: str
    name: str
    role: str | None
    signed_at: str
    state_sha256: str
    assumption_set: str
    assumption_set_sha256: str
    statement_json: str
    signature_der: bytes | None
    signer: str | None
    signer_sha256: str | None
    actor: str


def report_info(conn: sqlite3.Connection) -> dict[str, Any]:
    """Return every stored header field as key to value."""
    return {key: json.loads(value) for key, value in
            conn.execute("SELECT key, value_json FROM report_info ORDER BY key")}


def set_report_info(conn: sqlite3.Connection, key: str, value: Any, actor: str) -> None:
    """Store ``value`` under ``key``; None deletes the field."""
    if value is None:
        conn.execute("DELETE FROM report_info WHERE key = ?", (key,))
        return
    conn.execute(
        "INSERT INTO report_info (key, value_json, set_by, set_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json, set_by = excluded.set_by,"
        " set_at = excluded.set_at",
        (key, json.dumps(value, ensure_ascii=False, sort_keys=True), actor, utc_now_text()))


def insert_signoff(conn: sqlite3.Connection, row: dict[str, Any]) -> int:
    """Insert a sign-off (the keys of :class:`SignoffRow` except ``id``) and return its id."""
    columns = [name for name in SignoffRow.__dataclass_fields__ if name != "id"]
    placeholders = ", ".join("?" for _ in columns)
    cursor = conn.execute(f"INSERT INTO signoffs ({', '.join(columns)}) VALUES ({placeholders})",
                          [row.get(name) for name in columns])
    return int(cursor.lastrowid)


def list_signoffs(conn: sqlite3.Connection) -> list[SignoffRow]:
    """Return every sign-off in the order they were recorded."""
    columns = list(SignoffRow.__dataclass_fields__)
    rows = conn.execute(f"SELECT {', '.join(columns)} FROM signoffs ORDER BY id")
    return [SignoffRow(*row) for row in rows]


# -- reads for the disclosure tables -------------------------------------------------------------

def factor_rows(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Return every emission factor with its dataset's basis, gas basis, GWP set, vintage and publisher."""
    cursor = conn.execute(
        "SELECT f.id, f.zone, f.zone_name, f.period_start, f.period_end, f.resolution, f.co2e_g_per_kwh,"
        " f.original_value, f.original_unit, f.source_text, d.name AS dataset, d.basis, d.gas_basis, d.gwp_set,"
        " d.vintage, d.dataset_version, d.publisher, d.licence, d.source_url, d.source_id"
        " FROM factors f JOIN factor_datasets d ON d.id = f.dataset_id ORDER BY d.basis, f.zone, f.period_start, f.id")
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row)) for row in cursor]


def run_hardware(conn: sqlite3.Connection) -> dict[int, dict[str, int]]:
    """Return, per run id, the accelerator models seen in its telemetry with the number of devices of each."""
    hardware: dict[int, dict[str, int]] = {}
    rows = conn.execute(
        "SELECT e.run_id, coalesce(d.model, 'unknown model'), count(DISTINCT e.device_id) FROM energy_hourly e"
        " JOIN devices d ON d.id = e.device_id WHERE e.run_id IS NOT NULL GROUP BY e.run_id, d.model")
    for run_id, model, count in rows:
        hardware.setdefault(int(run_id), {})[str(model)] = int(count)
    return hardware


def telemetry_sampling(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Return per telemetry source the device-hours, samples and covered seconds of its readings."""
    cursor = conn.execute(
        "SELECT s.id, s.original_name, s.kind, s.importer, count(*) AS device_hours, sum(e.sample_count) AS samples,"
        " sum(e.coverage * 3600.0) AS covered_seconds, sum(e.gap_seconds) AS gap_seconds"
        " FROM energy_hourly e JOIN sources s ON s.id = e.source_id"
        " WHERE e.device_id IS NOT NULL OR e.run_id IS NOT NULL GROUP BY s.id ORDER BY s.id")
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row)) for row in cursor]

