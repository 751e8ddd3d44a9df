"""Repository functions for mapping templates, the hardware library, instruments and Scope 1.

Writers expect to run inside the caller's transaction; none of them commits.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pandas as pd

from workbench.clock import utc_now_text
from workbench.project.repo import _none

HARDWARE_COLUMNS = ("entry_key", "manufacturer", "name", "category", "subcategory", "embodied_co2e_kg",
                    "embodied_low_kg", "embodied_high_kg", "embodied_basis", "value_basis", "gwp_total_kg",
                    "lifetime_years", "use_location", "report_date", "report_year", "source_url", "source_hash",
                    "dataset", "dataset_version", "licence")
INSTRUMENT_COLUMNS = ("instrument_id", "type", "tracking_registry", "certificate_serials", "generator_id",
                      "technology", "market", "country", "mwh", "vintage_start", "vintage_end", "retirement_date",
                      "retired_for", "retirement_evidence_sha256", "ef_kg_per_mwh", "gas_basis",
                      "commissioning_date", "label", "subsidized", "additional",
                      *(f"qc_{n}" for n in range(1, 9)), *(f"qc_{n}_note" for n in range(1, 9)), "notes",
                      "retired", "credit_co2e_kg")
SCOPE1_COLUMNS = ("activity", "period_start", "period_end", "equipment", "fuel", "gas", "quantity", "unit", "method",
                  "ef_kg_per_unit", "ef_source", "description", "record_id", "gwp", "composition")


# -- mapping templates ------------------------------------------------------------------------------

def save_mapping_template(conn: sqlite3.Connection, name: str, kind: str, mapping: dict[str, Any], actor: str) -> int:
    """Insert or replace the template ``name``; return its id."""
    now = utc_now_text()
    text = json.dumps(mapping, sort_keys=True)
    row = conn.execute("SELECT id FROM mapping_templates WHERE name = ?", (name,)).fetchone()
    if row:
        conn.execute("UPDATE mapping_templates SET kind = ?, mapping_json = ?, updated_at = ? WHERE id = ?",
                     (kind, text, now, row[0]))
        return int(row[0])
    return int(conn.execute(
        "INSERT INTO mapping_templates (name, kind, mapping_json, created_at, created_by, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?)", (name, kind, text, now, actor, now)).lastrowid)


def mapping_template(conn: sqlite3.Connection, name: str) -> tuple[str, dict[str, Any]] | None:
    """Return (kind, mapping dictionary) of the template ``name``, or None."""
    row = conn.execute("SELECT kind, mapping_json FROM mapping_templates WHERE name = ?", (name,)).fetchone()
    return (row[0], json.loads(row[1])) if row else None


def list_mapping_templates(conn: sqlite3.Connection) -> pd.DataFrame:
    return pd.read_sql_query("SELECT id, name, kind, created_at, created_by, updated_at FROM mapping_templates"
                             " ORDER BY name", conn)


# -- hardware library -------------------------------------------------------------------------------

def insert_hardware(conn: sqlite3.Connection, source_id: int | None, frame: pd.DataFrame) -> int:
    columns = ("source_id", "source_row") + HARDWARE_COLUMNS
    rows = []
    for record in frame.to_dict("records"):
        rows.append((source_id, _none(record.get("source_row")),
                     *(_none(record.get(column)) for column in HARDWARE_COLUMNS)))
    conn.executemany(f"INSERT INTO hardware_library ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                     rows)
    return len(rows)


def list_hardware(conn: sqlite3.Connection) -> pd.DataFrame:
    return pd.read_sql_query(f"SELECT id, source_id, source_row, {', '.join(HARDWARE_COLUMNS)} FROM hardware_library"
                             " ORDER BY id", conn)


def find_hardware(conn: sqlite3.Connection, key: str) -> dict[str, Any] | None:
    """Return the newest library entry whose key (or 'manufacturer name') matches ``key``, case-insensitively."""
    row = conn.execute(
        f"SELECT id, {', '.join(HARDWARE_COLUMNS)} FROM hardware_library WHERE lower(entry_key) = lower(?)"
        " OR lower(trim(coalesce(manufacturer, '') || ' ' || name)) = lower(?) OR lower(name) = lower(?)"
        " ORDER BY id DESC LIMIT 1", (key, key, key)).fetchone()
    return dict(zip(("id",) + HARDWARE_COLUMNS, row)) if row else None


# -- instruments and Scope 1 ------------------------------------------------------------------------

def insert_instruments(conn: sqlite3.Connection, source_id: int, frame: pd.DataFrame,
                       site_ids: dict[str, int]) -> int:
    columns = ("source_id", "source_row", "site_id") + INSTRUMENT_COLUMNS
    rows = []
    for record in frame.to_dict("records"):
        site = record.get("site")
        rows.append((source_id, record["source_row"], site_ids.get(site) if site else None,
                     *(_none(record.get(column)) for column in INSTRUMENT_COLUMNS)))
    conn.executemany(f"INSERT INTO instruments ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows)
    return len(rows)


def list_instruments(conn: sqlite3.Connection) -> pd.DataFrame:
    return pd.read_sql_query("SELECT i.*, s.name AS site FROM instruments i LEFT JOIN sites s ON s.id = i.site_id"
                             " ORDER BY i.id", conn)


def insert_scope1(conn: sqlite3.Connection, source_id: int, frame: pd.DataFrame, site_ids: dict[str, int]) -> int:
    columns = ("source_id", "source_row", "site_id") + SCOPE1_COLUMNS
    rows = []
    for record in frame.to_dict("records"):
        site = record.get("site")
        rows.append((source_id, record["source_row"], site_ids.get(site) if site else None,
                     *(_none(record.get(column)) for column in SCOPE1_COLUMNS)))
    conn.executemany(f"INSERT INTO scope1_activities ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                     rows)
    return len(rows)


def list_scope1(conn: sqlite3.Connection) -> pd.DataFrame:
    return pd.read_sql_query("SELECT a.*, s.name AS site FROM scope1_activities a LEFT JOIN sites s"
                             " ON s.id = a.site_id ORDER BY a.id", conn)


# -- factor provenance ------------------------------------------------------------------------------

def insert_factor_rows(conn: sqlite3.Connection, dataset_id: int, frame: pd.DataFrame) -> int:
    """Insert factors with their original value, unit and zone name (the format 2 columns)."""
    rows = []
    for f in frame.to_dict("records"):
        rows.append((dataset_id, int(f["source_row"]), f["zone"], int(f["period_start"]), int(f["period_end"]),
                     f["resolution"], float(f["co2e_g_per_kwh"]), f["source_text"], _none(f.get("original_value")),
                     _none(f.get("original_unit")), _none(f.get("zone_name"))))
    conn.executemany(
        "INSERT INTO factors (dataset_id, source_row, zone, period_start, period_end, resolution, co2e_g_per_kwh,"
        " source_text, original_value, original_unit, zone_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return len(rows)


def insert_factor_dataset_record(conn: sqlite3.Connection, source_id: int, name: str, info: dict[str, Any]) -> int:
    keys = ("basis", "gas_basis", "gwp_set", "vintage", "publisher", "licence", "dataset_version", "emission_scope",
            "source_url")
    values = [info.get(key) for key in keys]
    values[0] = values[0] or "location"
    values[1] = values[1] or "CO2e"
    return int(conn.execute(
        f"INSERT INTO factor_datasets (source_id, name, {', '.join(keys)}) VALUES (?, ?, {', '.join('?' * len(keys))})",
        (source_id, name, *values)).lastrowid)


def list_factor_datasets(conn: sqlite3.Connection) -> pd.DataFrame:
    return pd.read_sql_query(
        "SELECT d.id, d.source_id, d.name, d.basis, d.gas_basis, d.gwp_set, d.vintage, d.publisher, d.licence,"
        " d.dataset_version, d.emission_scope, d.source_url, count(f.id) AS factors"
        " FROM factor_datasets d LEFT JOIN factors f ON f.dataset_id = d.id GROUP BY d.id ORDER BY d.id", conn)


# -- summaries of sources ---------------------------------------------------------------------------

def source_totals(conn: sqlite3.Connection) -> dict[int, dict[str, float]]:
    """Return per source id the totals its rows add up to (energy, embodied, values, MWh...)."""
    totals: dict[int, dict[str, float]] = {}

    def add(sql: str, key: str) -> None:
        for source_id, value in conn.execute(sql):
            if source_id is not None:
                totals.setdefault(int(source_id), {})[key] = float(value or 0.0)

    add("SELECT source_id, sum(energy_wh) / 1000.0 FROM energy_hourly GROUP BY source_id", "energy_kwh")
    add("SELECT source_id, sum(quantity * embodied_co2e_kg_per_unit) FROM assets GROUP BY source_id",
        "embodied_co2e_kg")
    add("SELECT d.source_id, count(f.id) FROM factor_datasets d JOIN factors f ON f.dataset_id = d.id"
        " GROUP BY d.source_id", "values")
    add("SELECT source_id, count(*) FROM hardware_library GROUP BY source_id", "values")
    add("SELECT source_id, sum(mwh) FROM instruments GROUP BY source_id", "mwh")
    add("SELECT source_id, count(*) FROM scope1_activities GROUP BY source_id", "activities")
    add("SELECT source_id, count(*) FROM declared_runs GROUP BY source_id", "runs")
    return totals
