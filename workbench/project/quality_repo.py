"""Reads behind the coverage and data-quality chart: hourly energy rows by quality, rejected rows per source."""

from __future__ import annotations

import sqlite3

import pandas as pd

# Hourly rows whose samples cover less than this share of the hour count as gap-filled.
FULL_COVERAGE = 0.999


def energy_quality_counts(conn: sqlite3.Connection) -> pd.DataFrame:
    """Return run, site and counts of device-hours (or meter-hours) by quality.

    Columns: run (None for meter rows without a run), site (the run's site, else the meter's),
    measured_h (measured, fully covered), gap_filled_h (measured with gaps in the hour),
    estimated_h, defaulted_h.
    """
    return pd.read_sql_query(
        "SELECT r.name AS run, COALESCE(rs.name, ms.name) AS site,"
        " sum(e.quality = 'measured' AND e.coverage >= ?) AS measured_h,"
        " sum(e.quality = 'measured' AND e.coverage < ?) AS gap_filled_h,"
        " sum(e.quality = 'estimated') AS estimated_h,"
        " sum(e.quality = 'defaulted') AS defaulted_h"
        " FROM energy_hourly e"
        " LEFT JOIN runs r ON r.id = e.run_id LEFT JOIN sites rs ON rs.id = r.site_id"
        " LEFT JOIN meters m ON m.id = e.meter_id LEFT JOIN sites ms ON ms.id = m.site_id"
        " GROUP BY r.name, COALESCE(rs.name, ms.name) ORDER BY r.name, site",
        conn, params=(FULL_COVERAGE, FULL_COVERAGE))


def rejected_by_source(conn: sqlite3.Connection) -> pd.DataFrame:
    """Return each imported file's name, kind and read, accepted and rejected row counts, in import order."""
    return pd.read_sql_query(
        "SELECT id AS source_id, original_name AS source, kind, rows_read, rows_accepted, rows_rejected"
        " FROM sources ORDER BY id", conn)
