"""The data behind each chart, shaped as DataFrames; the chart widgets, CSV exports and tests read these.

Inputs are the recompute response's frames, the engine's totals and the project's quality
counts. The ``hourly`` frame has the columns run, hour_utc, facility_energy_kwh, co2e_g_per_kwh
and operational_co2e_kg. The ``runs`` frame has one row per run with its site and emissions.
Values stay in the engine's base units (kWh, kgCO2e, gCO2e/kWh) until :func:`in_unit` converts
a frame for display.
"""

from __future__ import annotations

import logging
import weakref
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

import numpy as np
import pandas as pd

from workbench.errors import UsageError

log = logging.getLogger(__name__)

ENERGY_UNITS = {"kWh": 1.0, "MWh": 1e-3, "GWh": 1e-6}
EMISSION_UNITS = {"kgCO2e": 1.0, "tCO2e": 1e-3}
OTHER_SERIES = "other"
HOUR_S = 3600
MAX_GRID_HOURS = 200_000  # about 23 years of hours
NO_RUN = "(meters without a run)"
QUALITY_COLUMNS = ("measured_h", "gap_filled_h", "estimated_h", "defaulted_h")

# (inventory total key, scope, category, basis) in display order. Scope 2 appears twice, once
# per basis; the two are alternatives and never added together.
SCOPE_ROWS = (
    ("scope1_combustion_co2e_kg", "Scope 1", "stationary combustion", "direct"),
    ("scope1_fugitive_co2e_kg", "Scope 1", "fugitive (refrigerants)", "direct"),
    ("scope2_location_co2e_kg", "Scope 2", "purchased electricity", "location-based"),
    ("scope2_market_co2e_kg", "Scope 2", "purchased electricity", "market-based"),
    ("scope3_category_1_co2e_kg", "Scope 3", "1 purchased goods and services", "indirect"),
    ("scope3_category_2_co2e_kg", "Scope 3", "2 capital goods", "indirect"),
    ("scope3_category_3_co2e_kg", "Scope 3", "3 fuel- and energy-related activities", "indirect"),
)


def in_unit(frame: pd.DataFrame, columns: Iterable[str], unit: str, units: Mapping[str, float]) -> pd.DataFrame:
    """Return a copy of ``frame`` with ``columns`` converted from the base unit to ``unit``."""
    if unit not in units:
        raise UsageError(f"unknown unit '{unit}'", hint=f"Use one of: {', '.join(units)}.")
    scaled = frame.copy()
    for column in columns:
        scaled[column] = scaled[column] * units[unit]
    return scaled


class RowIndex:
    """Row codes of the hourly frames of one prepared model, computed once and reused.

    Every hourly frame of a model has the same runs and hours in the same rows; only the values
    change with the assumptions. Factorizing 200,000 run names and hours took about 40 ms of
    each frame of a slider drag, so the charts keep the codes here (see :func:`row_index`).
    """

    def __init__(self) -> None:
        self._cache: dict[Any, Any] = {}

    def get(self, key: Any, compute: Callable[[], Any]) -> Any:
        if key not in self._cache:  # two threads computing the same entry compute the same value
            self._cache[key] = compute()
        return self._cache[key]

    def latest(self, key: Any, token: bytes, compute: Callable[[], Any]) -> Any:
        """Return the value under ``key`` if it was computed for ``token``, else ``compute()`` it.

        Only the value of the last token is kept, so an entry that changes during a drag (the
        order of the series, for example) does not pile up one array per position.
        """
        cached = self._cache.get(key)
        if cached is not None and cached[0] == token:
            return cached[1]
        value = compute()
        self._cache[key] = (token, value)  # another thread replacing it only costs a recompute
        return value


_ROW_INDEXES: "weakref.WeakKeyDictionary[Any, RowIndex]" = weakref.WeakKeyDictionary()


def row_index(model: Any) -> RowIndex:
    """Return the :class:`RowIndex` of the hourly frames computed from ``model`` (a FootprintModel)."""
    index = _ROW_INDEXES.get(model)
    if index is None:
        index = _ROW_INDEXES.setdefault(model, RowIndex())
    return index


@dataclass(frozen=True)
class EnergyCells:
    """Facility energy in kWh per series and hour: the table of :func:`energy_stacked` as arrays.

    ``kwh[i, j]`` is the energy of series ``labels[i]`` in the hour starting at ``hours[j]``
    (Unix seconds). Series are in stacking order, largest total first.
    """

    hours: np.ndarray
    labels: list[str]
    kwh: np.ndarray

    def frame(self, hidden: Iterable[str] = ()) -> pd.DataFrame:
        """Return the cells as :func:`energy_stacked` does: indexed by hour_utc, one column per shown series."""
        if not len(self.hours):
            return pd.DataFrame(index=pd.Index(np.zeros(0, np.int64), name="hour_utc"))
        table = pd.DataFrame(self.kwh.T, index=pd.Index(self.hours, name="hour_utc"), columns=self.labels)
        return table.drop(columns=[name for name in hidden if name in table.columns])


def energy_stacked(hourly: pd.DataFrame, runs: pd.DataFrame, *, stack_by: str = "run", max_series: int = 12,
                   hidden: Iterable[str] = (), index: RowIndex | None = None) -> pd.DataFrame:
    """Return facility energy per UTC hour in kWh, one column per run or site, in stacking order.

    The index is hour_utc (Unix seconds, every hour from the first to the last); hours without
    energy are 0.
    Columns are ordered by total energy, largest first; beyond ``max_series`` the smallest series
    are summed into one column named :data:`OTHER_SERIES`. ``hidden`` series are left out.
    ``index`` is the :class:`RowIndex` of the model ``hourly`` came from, if known.
    """
    return energy_cells(hourly, runs, stack_by=stack_by, max_series=max_series, index=index).frame(hidden)


def energy_cells(hourly: pd.DataFrame | None, runs: pd.DataFrame | None, *, stack_by: str = "run",
                 max_series: int = 12, index: RowIndex | None = None) -> EnergyCells:
    """Return the cells of :func:`energy_stacked` (every series, none hidden) without building a DataFrame.

    The charts call this on every frame of a slider drag, so the row codes and each row's cell
    come from ``index`` (the :class:`RowIndex` of the model ``hourly`` came from) when given.
    """
    if stack_by not in ("run", "site"):
        raise UsageError(f"cannot stack energy by '{stack_by}'", hint="Stack by run or by site.")
    if hourly is None or hourly.empty:
        return EnergyCells(np.zeros(0, np.int64), [], np.zeros((0, 0)))
    index = index or RowIndex()
    codes, names = index.get(("series", stack_by), lambda: _series_codes(hourly, runs, stack_by))
    energy = hourly["facility_energy_kwh"].to_numpy(float)
    # Sum each block of consecutive rows of one series first: np.bincount over the 200,000 rows
    # of the bench reference project took about 1 ms, because consecutive rows add to the same
    # total. A run's rows form one block, so run totals are the same sums as row by row. Site
    # totals may differ in the last bits, which can only reorder sites whose totals are that close.
    starts, block_codes = index.get(("blocks", stack_by), lambda: _blocks(codes))
    totals = np.bincount(block_codes, weights=np.add.reduceat(energy, starts), minlength=len(names))
    order = np.argsort(-totals, kind="stable")  # equal totals keep the order of first appearance
    labels = [str(names[i]) for i in order]
    if len(order) > max_series:  # the smallest series share one column
        labels = labels[:max_series - 1] + [OTHER_SERIES]
    position = np.empty(len(names), dtype=np.int64)
    position[order] = np.minimum(np.arange(len(order)), len(labels) - 1)
    hours, hour_pos = index.get("hours", lambda: _hour_positions(hourly["hour_utc"].to_numpy(np.int64)))
    # Each row's cell changes only when the order of the series does, which is rare during a drag.
    cell = index.latest(("cell of each row", stack_by), position.tobytes(),
                        lambda: position[codes] * len(hours) + hour_pos)
    kwh = np.bincount(cell, weights=energy, minlength=len(labels) * len(hours))
    return EnergyCells(hours, labels, kwh.reshape(len(labels), len(hours)))


def shared_energy_cells(shaped: dict, hourly: pd.DataFrame | None, runs: pd.DataFrame | None, *, stack_by: str,
                        max_series: int, index: RowIndex | None = None) -> EnergyCells:
    """Return the :func:`energy_cells` kept in ``shaped``, computing them on first use.

    ``shaped`` is a recompute response's cache of view data (``RecomputeResponse.shaped``), so
    the central chart and the charts dock's energy chart compute the cells once per response
    when both stack the same way.
    """
    key = ("energy cells", stack_by, max_series)
    if key not in shaped:  # two threads computing the same entry compute the same value
        shaped[key] = energy_cells(hourly, runs, stack_by=stack_by, max_series=max_series, index=index)
    return shaped[key]


def run_count(hourly: pd.DataFrame, index: RowIndex | None = None) -> int:
    """Return the number of distinct runs in ``hourly``, from ``index`` when given."""
    if index is None:
        return int(hourly["run"].nunique())
    _codes, names = index.get(("series", "run"), lambda: _series_codes(hourly, None, "run"))
    return len(names)


def bin_means(hours: np.ndarray, values: np.ndarray, bin_hours: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the start of each bin of ``bin_hours`` hours and the means of ``values`` in it.

    ``hours`` are sorted hour starts (Unix seconds) and ``values`` has them on its last axis
    (one row per series, or one series). NaN values stay out of a mean, and a bin of NaN
    only is NaN.
    """
    if bin_hours == 1 or not len(hours):
        return hours, values
    groups = (hours - hours[0]) // (bin_hours * HOUR_S)
    # The hours are sorted, so each bin is one run of columns: reduceat sums them without a
    # groupby (the groupby took about 5 ms of each frame of a slider drag).
    firsts = np.concatenate(([0], np.flatnonzero(np.diff(groups)) + 1))
    present = ~np.isnan(values)
    sums = np.add.reduceat(np.where(present, values, 0.0), firsts, axis=-1)
    counts = np.add.reduceat(present, firsts, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return hours[0] + groups[firsts] * bin_hours * HOUR_S, means


def _blocks(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the first row of each block of consecutive equal ``codes`` and the code of each block."""
    starts = np.flatnonzero(np.concatenate(([True], codes[1:] != codes[:-1])))
    return starts, codes[starts]


def _hour_positions(hour_utc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return every hour from the first to the last of ``hour_utc`` and each row's position among them.

    Hours without energy get a row of zeros, so a chart does not draw a slope across a gap.
    Hour starts off the full hour (or a span over :data:`MAX_GRID_HOURS`) keep only the hours seen.
    """
    first, last = int(hour_utc.min()), int(hour_utc.max())
    if (last - first) // HOUR_S < MAX_GRID_HOURS and not np.any((hour_utc - first) % HOUR_S):
        return np.arange(first, last + 1, HOUR_S, dtype=np.int64), (hour_utc - first) // HOUR_S
    codes, distinct = pd.factorize(hour_utc, sort=True)
    return np.asarray(distinct, dtype=np.int64), codes


def _series_codes(hourly: pd.DataFrame, runs: pd.DataFrame, stack_by: str) -> tuple[np.ndarray, np.ndarray]:
    """Return each row's series number and the series names (runs, or the runs' sites)."""
    run_codes, run_names = pd.factorize(hourly["run"])
    if stack_by == "run":
        return run_codes.astype(np.int64), np.asarray(run_names, dtype=object)
    sites = dict(zip(runs["run"], runs["site"].fillna("(no site)")))
    site_of_run = np.array([sites.get(name, "(no site)") or "(no site)" for name in run_names], dtype=object)
    site_codes, site_names = pd.factorize(site_of_run)
    return site_codes[run_codes].astype(np.int64), np.asarray(site_names, dtype=object)


def hourly_intensity(hourly: pd.DataFrame, index: RowIndex | None = None) -> pd.DataFrame:
    """Return the energy-weighted emission factor per UTC hour: hour_utc, co2e_g_per_kwh.

    It is operational emissions over facility energy of all runs in that hour, so hours without
    a matched factor (NaN) or without energy are left out.
    """
    if hourly is None or not hourly["co2e_g_per_kwh"].notna().any():
        return pd.DataFrame({"hour_utc": pd.Series(dtype="int64"), "co2e_g_per_kwh": pd.Series(dtype=float)})
    hours, g_per_kwh = intensity_grid(hourly, index)
    used = ~np.isnan(g_per_kwh)
    return pd.DataFrame({"hour_utc": hours[used], "co2e_g_per_kwh": g_per_kwh[used]})


def intensity_grid(hourly: pd.DataFrame, index: RowIndex | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Return the hours of :func:`energy_stacked`'s index and each hour's energy-weighted emission factor.

    The factor is as in :func:`hourly_intensity`, and NaN in hours without a matched factor or
    without energy. Rows without a matched factor add zero to both sums, so each hour's sums
    are the same as over the matched rows alone.
    """
    hours, position = (index or RowIndex()).get("hours", lambda: _hour_positions(hourly["hour_utc"].to_numpy(np.int64)))
    matched = hourly["co2e_g_per_kwh"].notna().to_numpy()
    co2e_kg = np.bincount(position, weights=np.where(matched, hourly["operational_co2e_kg"].to_numpy(float), 0.0),
                          minlength=len(hours))
    energy_kwh = np.bincount(position, weights=np.where(matched, hourly["facility_energy_kwh"].to_numpy(float), 0.0),
                             minlength=len(hours))
    used = energy_kwh > 0
    g_per_kwh = np.full(len(hours), np.nan)
    g_per_kwh[used] = 1000.0 * co2e_kg[used] / energy_kwh[used]
    return hours, g_per_kwh


def per_run_emissions(runs: pd.DataFrame, *, limit: int | None = None) -> pd.DataFrame:
    """Return run, operational_co2e_kg, embodied_co2e_kg and total_co2e_kg, largest total first.

    ``limit`` keeps the largest runs only (a bar chart of 1,000 runs is unreadable).
    """
    columns = ["run", "operational_co2e_kg", "embodied_co2e_kg", "total_co2e_kg"]
    if runs is None or runs.empty:
        return pd.DataFrame(columns=columns)
    frame = runs[columns].sort_values(["total_co2e_kg", "run"], ascending=[False, True], kind="stable")
    return (frame.head(limit) if limit else frame).reset_index(drop=True)


def embodied_vs_operational(totals: Mapping[str, float] | None) -> pd.DataFrame:
    """Return component and co2e_kg rows for operational and embodied emissions, with their shares."""
    if not totals:
        return pd.DataFrame(columns=["component", "co2e_kg", "share"])
    values = [float(totals["operational_co2e_kg"]), float(totals["embodied_co2e_kg"])]
    total = sum(values)
    shares = [value / total if total else 0.0 for value in values]
    return pd.DataFrame({"component": ["operational", "embodied"], "co2e_kg": values, "share": shares})


def emissions_by_scope(totals: Mapping[str, float] | None) -> pd.DataFrame:
    """Return scope, category, basis and co2e_kg from an inventory result's totals.

    Scope 2 has a location-based and a market-based row; a chart shows them side by side.
    """
    if not totals:
        return pd.DataFrame(columns=["scope", "category", "basis", "co2e_kg"])
    rows = [{"scope": scope, "category": category, "basis": basis, "co2e_kg": float(totals.get(key, 0.0))}
            for key, scope, category, basis in SCOPE_ROWS]
    return pd.DataFrame(rows)


def coverage(counts: pd.DataFrame, *, by: str = "run") -> pd.DataFrame:
    """Return, per run or site, hours by quality and the share of each (rows of ``energy_quality_counts``).

    Columns: group, measured_h, gap_filled_h, estimated_h, defaulted_h, total_h, measured_share,
    gap_filled_share, estimated_share, defaulted_share. Meter rows without a run count towards
    their site, and by run under :data:`NO_RUN`.
    """
    if by not in ("run", "site"):
        raise UsageError(f"cannot group coverage by '{by}'", hint="Group by run or by site.")
    columns = ["group", *QUALITY_COLUMNS, "total_h"] + [name.replace("_h", "_share") for name in QUALITY_COLUMNS]
    if counts is None or counts.empty:
        return pd.DataFrame(columns=columns)
    groups = counts[by].fillna(NO_RUN if by == "run" else "(no site)").astype(str)
    table = counts[list(QUALITY_COLUMNS)].astype(float).groupby(groups.to_numpy()).sum()
    table["total_h"] = table[list(QUALITY_COLUMNS)].sum(axis=1)
    for name in QUALITY_COLUMNS:
        table[name.replace("_h", "_share")] = np.where(table["total_h"] > 0, table[name] / table["total_h"], 0.0)
    return table.rename_axis("group").reset_index()[columns]


def rejected_rows(sources: pd.DataFrame) -> pd.DataFrame:
    """Return source, kind, rows_accepted and rows_rejected of each imported file with rejected rows first."""
    columns = ["source", "kind", "rows_read", "rows_accepted", "rows_rejected"]
    if sources is None or sources.empty:
        return pd.DataFrame(columns=columns)
    frame = sources[columns].sort_values(["rows_rejected", "source"], ascending=[False, True], kind="stable")
    return frame.reset_index(drop=True)


def load_quality(project) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read the project's energy quality counts and the row counts of each imported file.

    See :mod:`workbench.project.quality_repo` for the columns.
    """
    from workbench.project import quality_repo

    return quality_repo.energy_quality_counts(project.conn), quality_repo.rejected_by_source(project.conn)
