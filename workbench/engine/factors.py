"""Matching emission factors to UTC hours.

For each hour the finest factor covering it is used: hourly over daily over monthly over
annual. A factor covers an hour when the hour's start lies in [period_start, period_end).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# Coarsest first: finer resolutions are painted over coarser ones.
RESOLUTION_ORDER = ("annual", "other", "monthly", "daily", "hourly")
# Factor bases: location-based grid averages, residual mixes (market-based Scope 2), supplier
# rates, and marginal intensities (for avoided-emissions estimates, never for Scope 2 totals).
BASES = ("location", "residual_mix", "supplier", "marginal")


@dataclass(frozen=True)
class FactorTable:
    """All factors of one grid zone as parallel arrays (Unix seconds, gCO2e/kWh)."""

    zone: str
    period_start: np.ndarray
    period_end: np.ndarray
    resolution: np.ndarray
    g_per_kwh: np.ndarray
    factor_id: np.ndarray


@dataclass(frozen=True)
class MatchedFactors:
    """Factors aligned to a list of hours; NaN (and id -1) where no factor covers the hour."""

    g_per_kwh: np.ndarray
    resolution: np.ndarray
    factor_id: np.ndarray


def match_hours(table: FactorTable | None, hours: np.ndarray,
                resolutions: tuple[str, ...] = RESOLUTION_ORDER) -> MatchedFactors:
    """Return, for each hour start in ``hours``, the finest factor of ``table`` covering it.

    ``resolutions`` limits the match to some resolutions, coarsest first.
    """
    values = np.full(len(hours), np.nan)
    resolution = np.full(len(hours), "", dtype=object)
    ids = np.full(len(hours), -1, dtype=np.int64)
    if table is None or len(hours) == 0:
        return MatchedFactors(values, resolution, ids)

    for name in resolutions:
        sorted_rows = _sorted_by_resolution(table).get(name)
        if sorted_rows is None:
            continue
        starts, ends, g_per_kwh, factor_ids = sorted_rows
        index = np.searchsorted(starts, hours, side="right") - 1
        inside = index >= 0
        inside[inside] &= hours[inside] < ends[index[inside]]
        values[inside] = g_per_kwh[index[inside]]
        resolution[inside] = name
        ids[inside] = factor_ids[index[inside]]
    return MatchedFactors(values, resolution, ids)


def _sorted_by_resolution(table: FactorTable) -> dict[str, tuple[np.ndarray, ...]]:
    """Return each resolution's (starts, ends, g_per_kwh, factor_id), ordered by start; built once per table.

    A footprint matches every run against the same tables, so sorting them on each call cost
    about a second on a project of 1,000 runs.
    """
    cached = table.__dict__.get("_sorted_by_resolution")
    if cached is not None:
        return cached
    cached = {}
    for name in np.unique(table.resolution):
        chosen = table.resolution == name
        order = np.argsort(table.period_start[chosen], kind="stable")
        cached[str(name)] = (table.period_start[chosen][order], table.period_end[chosen][order],
                             table.g_per_kwh[chosen][order], table.factor_id[chosen][order])
    object.__setattr__(table, "_sorted_by_resolution", cached)  # the table is frozen and its arrays never change
    return cached


def factor_tables(factor_rows: pd.DataFrame, basis: str = "location") -> dict[str, FactorTable]:
    """Build one FactorTable per zone from rows of one ``basis``.

    ``factor_rows`` has columns id, zone, period_start, period_end, resolution, co2e_g_per_kwh
    and optionally basis; rows without a basis column count as location-based.
    """
    if basis not in BASES:
        raise ValueError(f"unknown factor basis {basis!r}; expected one of {BASES}")
    if "basis" in factor_rows:
        factor_rows = factor_rows[factor_rows["basis"] == basis]
    elif basis != "location":
        return {}
    tables = {}
    for zone, rows in factor_rows.groupby("zone"):
        tables[str(zone)] = FactorTable(
            zone=str(zone), period_start=rows["period_start"].to_numpy(np.int64),
            period_end=rows["period_end"].to_numpy(np.int64), resolution=rows["resolution"].to_numpy(object),
            g_per_kwh=rows["co2e_g_per_kwh"].to_numpy(float), factor_id=rows["id"].to_numpy(np.int64))
    return tables
