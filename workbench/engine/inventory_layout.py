"""The inventory's hour grid: every site's UTC hours in a period with what is known about each hour."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from workbench.engine.chain import LEVELS
from workbench.engine.embodied import CapitalGood, acquired_in_period
from workbench.engine.factors import match_hours
from workbench.engine.periods import Period
from workbench.engine.run_sums import RESOLUTION_CODE

if TYPE_CHECKING:
    from workbench.engine.inventory import PreparedInventory

BOUNDARIES = ("operational_control", "colocation", "cloud")
SOURCE_FACILITY_METER, SOURCE_IT_METER, SOURCE_RUNS = 0, 1, 2
SOURCE_NAMES = ("facility_meter", "it_meter_x_pue", "runs")


@dataclass(frozen=True)
class SiteInput:
    """A site's place in the inventory and its own meter series (facility-level and IT-level kWh per hour)."""

    site: str
    zone: str | None
    market: str | None = None
    boundary: str = "operational_control"
    facility_hours: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    facility_kwh: np.ndarray = field(default_factory=lambda: np.empty(0))
    it_hours: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    it_kwh: np.ndarray = field(default_factory=lambda: np.empty(0))
    it_point: str | None = None

    @property
    def market_name(self) -> str:
        return self.market or self.zone or self.site


@dataclass
class _Layout:
    """Every site's UTC hours in the period laid end to end, with what is known per hour."""

    sites: list[SiteInput]
    offsets: list[int]
    hours: np.ndarray
    site_index: np.ndarray
    facility_kwh: np.ndarray
    it_kwh: np.ndarray
    source: np.ndarray
    location_g: np.ndarray
    annual_g: np.ndarray
    resolution: np.ndarray
    run_position: np.ndarray
    run_index: np.ndarray
    run_energy: dict[str, np.ndarray]
    capital_goods: list[CapitalGood]
    in_scope2: np.ndarray
    market_rows: dict[str, np.ndarray]
    residual_g: dict[str, np.ndarray]

    def site_rows(self, index: int) -> slice:
        end = self.offsets[index + 1] if index + 1 < len(self.offsets) else len(self.hours)
        return slice(self.offsets[index], end)


def _aligned(hours: np.ndarray, series_hours: np.ndarray, values: np.ndarray) -> np.ndarray:
    result = np.full(len(hours), np.nan)
    if len(series_hours) == 0 or len(hours) == 0:
        return result
    order = np.argsort(series_hours, kind="stable")
    series_hours, values = series_hours[order], values[order]
    index = np.clip(np.searchsorted(series_hours, hours), 0, len(series_hours) - 1)
    found = series_hours[index] == hours
    result[found] = values[index[found]]
    return result


def build_layout(prepared: "PreparedInventory", period: Period) -> _Layout:
    runs = prepared.footprint.inputs
    site_position = {site.site: index for index, site in enumerate(prepared.sites)}
    run_hours: dict[int, list[tuple[int, np.ndarray]]] = {}
    for run_index, run in enumerate(runs):
        if run.site in site_position:
            mask = period.contains_hours(run.hours)
            run_hours.setdefault(site_position[run.site], []).append((run_index, np.flatnonzero(mask)))

    parts: dict[str, list[np.ndarray]] = {name: [] for name in
                                          ("hours", "site", "facility", "it", "location", "annual", "resolution")}
    offsets, run_position, run_index, run_energy = [], [], [], {level: [] for level in LEVELS}
    offset = 0
    for index, site in enumerate(prepared.sites):
        mine = run_hours.get(index, [])
        candidates = [site.facility_hours, site.it_hours] + [runs[i].hours[rows] for i, rows in mine]
        hours = np.unique(np.concatenate([np.asarray(c, dtype=np.int64) for c in candidates] or [np.empty(0)]))
        hours = hours[period.contains_hours(hours)].astype(np.int64)
        table = prepared.location_tables.get(site.zone) if site.zone else None
        matched = match_hours(table, hours)
        annual = match_hours(table, hours, ("annual",)).g_per_kwh
        found = ~np.isnan(matched.g_per_kwh)
        fallback = matched.g_per_kwh[found].mean() if found.any() else np.nan
        parts["hours"].append(hours)
        parts["site"].append(np.full(len(hours), index))
        parts["facility"].append(_aligned(hours, site.facility_hours, site.facility_kwh))
        parts["it"].append(_aligned(hours, site.it_hours, site.it_kwh))
        parts["location"].append(matched.g_per_kwh)
        parts["annual"].append(np.where(np.isnan(annual), fallback, annual))
        parts["resolution"].append(np.array([RESOLUTION_CODE.get(name, -1) if name else -1
                                             for name in matched.resolution], dtype=np.int64))
        for run_number, rows in mine:
            run = runs[run_number]
            run_position.append(offset + np.searchsorted(hours, run.hours[rows]))
            run_index.append(np.full(len(rows), run_number))
            for level in LEVELS:
                run_energy[level].append(run.energy_kwh[level][rows])
        offsets.append(offset)
        offset += len(hours)

    def joined(name: str, dtype=float) -> np.ndarray:
        return np.concatenate(parts[name]).astype(dtype) if parts[name] else np.empty(0, dtype=dtype)

    facility, it = joined("facility"), joined("it")
    source = np.where(~np.isnan(facility), SOURCE_FACILITY_METER, np.where(~np.isnan(it), SOURCE_IT_METER,
                                                                              SOURCE_RUNS))

    def flat(items: list[np.ndarray], dtype=float) -> np.ndarray:
        return np.concatenate(items).astype(dtype) if items else np.empty(0, dtype=dtype)

    hours, site_index = joined("hours", np.int64), joined("site", np.int64)
    cloud = np.array([site.boundary == "cloud" for site in prepared.sites], dtype=bool)
    in_scope2 = ~cloud[site_index] if len(site_index) else np.empty(0, dtype=bool)
    market_sites: dict[str, list[int]] = {}
    for index, site in enumerate(prepared.sites):
        if site.boundary != "cloud":
            market_sites.setdefault(site.market_name, []).append(index)
    market_rows = {market: np.flatnonzero(np.isin(site_index, indices)) for market, indices in market_sites.items()}
    residual_g = {market: match_hours(prepared.residual_tables.get(market), hours[rows]).g_per_kwh
                  for market, rows in market_rows.items()}
    return _Layout(
        sites=prepared.sites, offsets=offsets, hours=hours, site_index=site_index,
        facility_kwh=facility, it_kwh=it, source=source, location_g=joined("location"), annual_g=joined("annual"),
        resolution=joined("resolution", np.int64), run_position=flat(run_position, np.int64),
        run_index=flat(run_index, np.int64), run_energy={level: flat(run_energy[level]) for level in LEVELS},
        capital_goods=acquired_in_period(prepared.footprint.assets, period), in_scope2=in_scope2,
        market_rows=market_rows, residual_g=residual_g)
