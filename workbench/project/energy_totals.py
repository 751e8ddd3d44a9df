"""Stored per-source totals of run energy, so that opening a project reads one row per run-hour, not per device-hour.

The run energy summary and the hourly run energy that the footprint model needs group every row of
``energy_hourly``, which takes seconds for a million rows. Format 9 keeps the same groups per
source in ``run_energy_totals`` and ``run_energy_hours``, rewritten by :func:`refresh` inside the
transaction that inserts a source's energy rows. ``run_energy_digests`` records what each source's
totals were computed from. :func:`read` returns the totals only while the digests still match
the table. Rows changed in place with equal sums, or totals edited by another program, pass
that check, so :func:`differences` recounts every group from the rows: the desktop application
runs it after opening and every report export runs it before writing.

Writers expect to run inside the caller's transaction; none of them commits.
"""

from __future__ import annotations

import logging
import math
import sqlite3
from dataclasses import dataclass
from typing import Iterable

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

TABLES = ("run_energy_totals", "run_energy_hours", "run_energy_digests")

# Relative tolerance for sums that the digests and the table add up in different row orders.
SUM_TOLERANCE = 1e-9

# The groups of the run energy summary and of the hourly run energy, per source. The reads that
# do not use stored totals (inventory_repo._SUMMARY and _HOUR_LEVELS) group the same rows.
_TOTALS = (
    "SELECT source_id, run_id, level, quality, sum(energy_wh) / 1000.0 AS energy_kwh, count(DISTINCT hour_utc) AS hours,"
    " min(hour_utc) AS first_hour, max(hour_utc) AS last_hour,"
    " coalesce(group_concat(DISTINCT device_id), '') AS devices, sum(gap_seconds) AS gap_seconds,"
    " min(coverage) AS min_coverage"
    " FROM energy_hourly {scan} WHERE run_id IS NOT NULL {sources} GROUP BY source_id, run_id, level, quality")
_HOURS = (
    "SELECT run_id, hour_utc, level, source_id, sum(energy_wh) AS energy_wh,"
    " sum(coalesce(gpu_energy_wh, 0)) AS gpu_energy_wh"
    " FROM energy_hourly {scan} WHERE run_id IS NOT NULL {sources} GROUP BY run_id, hour_utc, level, source_id")
_DIGESTS = (
    "SELECT source_id, count(*) AS row_count, max(rowid) AS max_rowid, total(energy_wh) AS energy_wh,"
    " total(gpu_energy_wh) AS gpu_energy_wh FROM energy_hourly {scan} WHERE 1 {sources} GROUP BY source_id")


@dataclass(frozen=True)
class StoredRunEnergy:
    """The stored part of the run energy summary and of the hourly run energy, as the row queries return them."""

    summary: pd.DataFrame
    hour_levels: pd.DataFrame


def has_tables(conn: sqlite3.Connection) -> bool:
    """Return whether the file has the totals tables (format 9 and later)."""
    names = {row[0] for row in conn.execute(
        f"SELECT name FROM sqlite_schema WHERE type = 'table' AND name IN ({', '.join('?' * len(TABLES))})", TABLES)}
    return names == set(TABLES)


def refresh(conn: sqlite3.Connection, source_ids: Iterable[int] | None = None) -> None:
    """Recompute the stored totals of ``source_ids`` (every source when None) from their energy rows.

    Call it in the transaction that inserts or removes energy rows. Refreshing a few sources
    reads only their rows through the source index.
    """
    if source_ids is None:
        for table in TABLES:
            conn.execute(f"DELETE FROM {table}")
        scan, where, parameters = "NOT INDEXED", "", ()
    else:
        parameters = tuple(sorted({int(source_id) for source_id in source_ids}))
        if not parameters:
            return
        marks = ", ".join("?" * len(parameters))
        for table in TABLES:
            conn.execute(f"DELETE FROM {table} WHERE source_id IN ({marks})", parameters)
        scan, where = "INDEXED BY energy_hourly_source", f"AND source_id IN ({marks})"
    conn.execute(f"INSERT INTO run_energy_totals (source_id, run_id, level, quality, energy_kwh, hours, first_hour,"
                 f" last_hour, devices, gap_seconds, min_coverage) {_TOTALS.format(scan=scan, sources=where)}",
                 parameters)
    conn.execute(f"INSERT INTO run_energy_hours (run_id, hour_utc, level, source_id, energy_wh, gpu_energy_wh)"
                 f" {_HOURS.format(scan=scan, sources=where)}", parameters)
    conn.execute(f"INSERT INTO run_energy_digests (source_id, row_count, max_rowid, energy_wh, gpu_energy_wh)"
                 f" {_DIGESTS.format(scan=scan, sources=where)}", parameters)


def stale_reason(conn: sqlite3.Connection) -> str | None:
    """Return why the stored totals cannot be used (None when the digests match the energy rows).

    The check reads one covering index of ``energy_hourly``: the row count, the largest rowid and
    the sums of both energy columns. Rows changed in place with the same sums pass it; only
    :func:`differences` finds those.
    """
    if not has_tables(conn):
        return "the project file is older than format 9"
    rows, max_rowid, energy, gpu_energy = conn.execute(
        "SELECT count(*), coalesce(max(rowid), 0), total(energy_wh), total(gpu_energy_wh) FROM energy_hourly").fetchone()
    stored = conn.execute("SELECT coalesce(sum(row_count), 0), coalesce(max(max_rowid), 0), total(energy_wh),"
                          " total(gpu_energy_wh) FROM run_energy_digests").fetchone()
    if (rows, max_rowid) != (stored[0], stored[1]):
        return (f"the energy table has {rows} rows up to rowid {max_rowid}, the stored totals count {stored[0]} "
                f"rows up to rowid {stored[1]}")
    for name, table_sum, stored_sum in (("energy_wh", energy, stored[2]), ("gpu_energy_wh", gpu_energy, stored[3])):
        if not math.isclose(table_sum, stored_sum, rel_tol=SUM_TOLERANCE, abs_tol=1e-6):
            return f"the energy table's {name} adds up to {table_sum!r}, the stored totals to {stored_sum!r}"
    return None


def read(conn: sqlite3.Connection) -> StoredRunEnergy | None:
    """Return the stored totals in the shape of the row queries, or None when they are missing or stale."""
    reason = stale_reason(conn)
    if reason is not None:
        log.info("stored run energy totals not used: %s", reason)
        return None
    summary = pd.read_sql_query(
        "SELECT t.run_id, r.name AS run, t.source_id, s.original_name AS source, s.kind, t.level, t.quality,"
        " t.energy_kwh, t.hours, t.first_hour, t.last_hour, t.devices, t.gap_seconds, t.min_coverage"
        " FROM run_energy_totals t JOIN runs r ON r.id = t.run_id JOIN sources s ON s.id = t.source_id"
        " ORDER BY t.run_id, t.source_id, t.level, t.quality", conn)
    hour_levels = pd.read_sql_query(
        "SELECT run_id, hour_utc, level, sum(energy_wh) AS energy_wh, sum(gpu_energy_wh) AS gpu_energy_wh"
        " FROM run_energy_hours GROUP BY run_id, hour_utc, level", conn)
    return StoredRunEnergy(summary, hour_levels)


def recount(conn: sqlite3.Connection) -> StoredRunEnergy:
    """Group the energy rows per source again, as :func:`refresh` does, without writing anything."""
    totals = pd.read_sql_query(_TOTALS.format(scan="NOT INDEXED", sources=""), conn)
    hours = pd.read_sql_query(_HOURS.format(scan="NOT INDEXED", sources=""), conn)
    return StoredRunEnergy(totals, hours)


def differences(conn: sqlite3.Connection, limit: int = 10) -> list[str]:
    """Compare the stored totals with a recount of the energy rows and return up to ``limit`` differences.

    Sums may differ by :data:`SUM_TOLERANCE` (relative) because a recount may add the rows in
    another order. Device lists are compared as sets. An empty list means every stored total
    matches the rows. A file older than format 9 has no stored totals and gives an empty list.
    """
    if not has_tables(conn):
        return []
    stored_totals = pd.read_sql_query("SELECT * FROM run_energy_totals", conn)
    stored_hours = pd.read_sql_query("SELECT * FROM run_energy_hours", conn)
    counted = recount(conn)
    found = _compare(stored_totals, counted.summary, ["source_id", "run_id", "level", "quality"],
                     ["energy_kwh", "gap_seconds", "min_coverage"], ["hours", "first_hour", "last_hour", "devices"],
                     "run energy totals", limit)
    found += _compare(stored_hours, counted.hour_levels, ["run_id", "hour_utc", "level", "source_id"],
                      ["energy_wh", "gpu_energy_wh"], [], "hourly run energy", limit - len(found))
    return found


def _compare(stored: pd.DataFrame, counted: pd.DataFrame, keys: list[str], sums: list[str], exact: list[str],
             table_label: str, limit: int) -> list[str]:
    if limit <= 0:
        return []
    both = stored.merge(counted, on=keys, how="outer", suffixes=("_stored", "_rows"), indicator="side")
    matched = (both["side"] == "both").to_numpy()
    differs: dict[str, np.ndarray] = {}  # per column, the matched rows whose values differ
    for column in sums:
        close = np.isclose(both[f"{column}_stored"].to_numpy(float), both[f"{column}_rows"].to_numpy(float),
                           rtol=SUM_TOLERANCE, atol=1e-9)
        differs[column] = matched & ~close
    for column in exact:
        stored_values, counted_values = both[f"{column}_stored"], both[f"{column}_rows"]
        if column == "devices":
            stored_values, counted_values = stored_values.map(_device_set), counted_values.map(_device_set)
        differs[column] = matched & (stored_values != counted_values).to_numpy()
    wrong = ~matched
    for mask in differs.values():
        wrong = wrong | mask

    found = []
    for position in np.flatnonzero(wrong)[:limit]:
        row = both.iloc[position]
        where = ", ".join(f"{key} {row[key]}" for key in keys)
        if row["side"] == "left_only":
            found.append(f"{table_label}: {where} is stored but has no energy rows")
            continue
        if row["side"] == "right_only":
            found.append(f"{table_label}: {where} has energy rows but no stored total")
            continue
        changed = [f"{column} is {row[f'{column}_stored']!r} stored, {row[f'{column}_rows']!r} in the rows"
                   for column, mask in differs.items() if mask[position]]
        found.append(f"{table_label}: {where}: " + "; ".join(changed))
    return found


def _device_set(text: object) -> frozenset[str]:
    return frozenset(part for part in str(text or "").split(",") if part)
