"""Reads the uncertainty analysis needs beyond the footprint's inputs: device-hours, telemetry kinds, meters."""

from __future__ import annotations

import sqlite3

import pandas as pd


def device_hours(conn: sqlite3.Connection) -> pd.DataFrame:
    """Return run_id, device_id and device-hours (summed hourly coverage) of GPU-board telemetry."""
    return pd.read_sql_query(
        "SELECT run_id, device_id, sum(coverage) AS device_hours FROM energy_hourly"
        " WHERE run_id IS NOT NULL AND device_id IS NOT NULL AND level = 'gpu_board'"
        " GROUP BY run_id, device_id ORDER BY run_id, device_id", conn)


def board_telemetry_kinds(conn: sqlite3.Connection) -> pd.DataFrame:
    """Return run_id and the import kind of each source of the run's GPU-board energy."""
    return pd.read_sql_query(
        "SELECT DISTINCT e.run_id, s.kind FROM energy_hourly e JOIN sources s ON s.id = e.source_id"
        " WHERE e.run_id IS NOT NULL AND e.level = 'gpu_board' ORDER BY e.run_id", conn)


def meters(conn: sqlite3.Connection) -> pd.DataFrame:
    """Return every meter's name, site, measurement point and accuracy class."""
    return pd.read_sql_query(
        "SELECT m.name, s.name AS site, m.measurement_point, m.accuracy_class FROM meters m"
        " LEFT JOIN sites s ON s.id = m.site_id ORDER BY m.id", conn)
