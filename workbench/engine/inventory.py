"""Inventory of a reporting period: Scope 1, Scope 2 (location- and market-based) and Scope 3.

Electricity per site and UTC hour comes from the best source present in that hour:

1. a facility meter (measured at the utility or facility boundary);
2. an IT meter times PUE (the meter's point sets the PUE category);
3. the facility energy of the runs at the site, through the footprint's energy chain. This
   misses idle machines and non-AI loads, so it is counted as estimated and disclosed.

Sites under operational control or colocation report that electricity in Scope 2. Cloud sites
report it in Scope 3 category 1, because the provider's Scope 2 is not the customer's. Scope 3
category 2 (or 1 if expensed) contains hardware acquired in the period at its full embodied
emissions. Category 3 contains upstream emissions of purchased electricity (3b) and fuels (3a)
and transmission and distribution losses (3c, ``E x loss rate x (location + upstream factor)``).
Offsets are listed and never netted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from workbench.engine.assumptions import Assumptions
from workbench.engine.embodied import CapitalGood
from workbench.engine.factors import RESOLUTION_ORDER, FactorTable
from workbench.engine.footprint import PreparedFootprint
from workbench.engine.inventory_layout import (SOURCE_FACILITY_METER, SOURCE_IT_METER, SOURCE_NAMES,
                                               SOURCE_RUNS, SiteInput, _Layout, build_layout)
from workbench.engine.periods import Period
from workbench.engine.scope1 import Scope1Activity, Scope1Result, fuel_upstream_kg, scope1
from workbench.engine.scope2 import InstrumentInput, MarketBasedResult, MarketConsumption, market_based
from workbench.engine.views import INVENTORY

log = logging.getLogger(__name__)

VIEW = INVENTORY
__all__ = ["VIEW", "InventoryResult", "PreparedInventory", "SiteInput", "SiteScope2"]


@dataclass(frozen=True)
class SiteScope2:
    """Location-based Scope 2 (or Scope 3 category 1 for a cloud site) of one site."""

    site: str
    zone: str | None
    market: str
    boundary: str
    energy_kwh: float
    co2e_kg: float
    energy_by_source_kwh: dict[str, float]
    unmatched_energy_kwh: float
    factor_resolution_kwh: dict[str, float]
    annual_factor_co2e_kg: float
    covariance_term_co2e_kg: float
    mean_offset_term_co2e_kg: float
    period_hours: float
    facility_meter_hours: int
    it_meter_hours: int
    runs_only_hours: int
    metered_facility_kwh: float
    runs_facility_kwh_in_metered_hours: float
    runs_node_kwh_in_metered_hours: float


@dataclass(frozen=True)
class InventoryResult:
    """A reporting period's inventory; its ``view`` keeps it from being added to a footprint."""

    view: str
    assumptions: Assumptions
    period: Period
    scope1: Scope1Result
    sites: tuple[SiteScope2, ...]
    market: MarketBasedResult
    scope3: dict[str, dict]
    capital_goods: tuple[CapitalGood, ...]
    totals: dict[str, float]
    disclosures: tuple[str, ...]
    warnings: tuple[str, ...]


class PreparedInventory:
    """Site meters, runs, instruments and Scope 1 records prepared once per period."""

    def __init__(self, footprint: PreparedFootprint, sites: Sequence[SiteInput],
                 instruments: Sequence[InstrumentInput] = (), scope1_activities: Sequence[Scope1Activity] = (),
                 residual_tables: Mapping[str, FactorTable] | None = None) -> None:
        self.footprint = footprint
        known = {site.site for site in sites}
        extra = {}
        for run in footprint.inputs:
            if run.site and run.site not in known and run.site not in extra:
                extra[run.site] = SiteInput(run.site, run.zone)
        self.sites = list(sites) + list(extra.values())
        self.instruments = tuple(instruments)
        self.scope1_activities = tuple(scope1_activities)
        self.residual_tables = dict(residual_tables or {})
        self.location_tables = footprint.factor_tables
        self.runs_without_site = tuple(run.name for run in footprint.inputs if not run.site)
        self._layouts: dict[tuple[float, float], _Layout] = {}

    def layout(self, period: Period) -> _Layout:
        key = (period.start_s, period.end_s)
        if key not in self._layouts:
            self._layouts[key] = build_layout(self, period)
        return self._layouts[key]

    def compute(self, a: Assumptions, period: Period) -> InventoryResult:
        """Compute the inventory of ``period`` under assumptions ``a``."""
        layout = self.layout(period)
        energy, runs_facility, runs_node = _site_hour_energy(self.footprint, layout, a)
        location_kg = energy * np.nan_to_num(layout.location_g) / 1000.0
        sites = tuple(_site_scope2(layout, index, energy, location_kg, runs_facility, runs_node, period)
                      for index in range(len(layout.sites)))
        in_scope2 = layout.in_scope2
        market = market_based(_market_consumption(layout, energy, location_kg), self.instruments,
                              self.residual_tables, period)
        direct = scope1(list(self.scope1_activities), a, period)
        scope3, scope3_notes = _scope3(layout, sites, direct, energy, location_kg, in_scope2, a)
        totals = _totals(direct, sites, market, scope3, layout, energy, location_kg, in_scope2, a)
        disclosures = _disclosures(self, layout, sites, market, a) + scope3_notes
        warnings = tuple(f"run {name} has no site, so its energy is not in the inventory"
                         for name in self.runs_without_site)
        return InventoryResult(VIEW, a, period, direct, sites, market, scope3, tuple(layout.capital_goods), totals,
                               tuple(disclosures), warnings)


def _site_hour_energy(footprint: PreparedFootprint, layout: _Layout, a: Assumptions
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return per site-hour: electricity used (kWh), runs' facility energy and runs' node energy."""
    scale, _, f_dist, _ = footprint.run_scales(a)
    e = layout.run_energy
    run = layout.run_index
    node = (e["gpu_board"] * a.node_uplift + e["node"]) * scale[run]
    facility = ((node * f_dist[run] + e["it"] * scale[run]) * a.pue + e["facility"] * scale[run])
    size = len(layout.hours)
    runs_facility = np.bincount(layout.run_position, weights=facility, minlength=size)
    runs_node = np.bincount(layout.run_position, weights=node, minlength=size)
    pue_it = _it_meter_pue(layout, a)
    energy = np.where(layout.source == SOURCE_FACILITY_METER, np.nan_to_num(layout.facility_kwh),
                      np.where(layout.source == SOURCE_IT_METER, np.nan_to_num(layout.it_kwh) * pue_it,
                               runs_facility))
    return energy, runs_facility, runs_node


def _it_meter_pue(layout: _Layout, a: Assumptions) -> float:
    # NOTE: IT meters are taken to measure at the point the PUE value refers to. A mismatch
    # between the meter's point and the PUE's category is not corrected here.
    return a.pue


def _site_scope2(layout: _Layout, index: int, energy: np.ndarray, location_kg: np.ndarray,
                 runs_facility: np.ndarray, runs_node: np.ndarray, period: Period) -> SiteScope2:
    site = layout.sites[index]
    rows = layout.site_rows(index)
    e, kg, source = energy[rows], location_kg[rows], layout.source[rows]
    location = layout.location_g[rows]
    found = ~np.isnan(location)
    codes = layout.resolution[rows][found]
    by_resolution = np.bincount(codes, weights=e[found], minlength=len(RESOLUTION_ORDER)) if len(codes) \
        else np.zeros(len(RESOLUTION_ORDER))
    annual_kg = float(e[found] @ layout.annual_g[rows][found]) / 1000.0
    hourly_kg = float(kg.sum())
    matched_hours = int(found.sum())
    flat_kg = (float(e[found].sum()) / matched_hours * float(location[found].sum()) / 1000.0
               if matched_hours else 0.0)
    metered = source == SOURCE_FACILITY_METER
    return SiteScope2(
        site=site.site, zone=site.zone, market=site.market_name, boundary=site.boundary,
        energy_kwh=float(e.sum()), co2e_kg=hourly_kg,
        energy_by_source_kwh={name: float(e[source == code].sum()) for code, name in enumerate(SOURCE_NAMES)},
        unmatched_energy_kwh=float(e[~found].sum()),
        factor_resolution_kwh={name: float(by_resolution[code]) for code, name in enumerate(RESOLUTION_ORDER)
                               if by_resolution[code] > 0},
        annual_factor_co2e_kg=annual_kg, covariance_term_co2e_kg=flat_kg - hourly_kg,
        mean_offset_term_co2e_kg=annual_kg - flat_kg, period_hours=period.hours,
        facility_meter_hours=int(metered.sum()), it_meter_hours=int((source == SOURCE_IT_METER).sum()),
        runs_only_hours=int((source == SOURCE_RUNS).sum()),
        metered_facility_kwh=float(e[metered].sum()),
        runs_facility_kwh_in_metered_hours=float(runs_facility[rows][metered].sum()),
        runs_node_kwh_in_metered_hours=float(runs_node[rows][metered].sum()))


def _market_consumption(layout: _Layout, energy: np.ndarray, location_kg: np.ndarray) -> list[MarketConsumption]:
    return [MarketConsumption(market, layout.hours[rows], energy[rows], location_kg[rows], layout.residual_g[market])
            for market, rows in layout.market_rows.items()]


def _scope3(layout: _Layout, sites: Sequence[SiteScope2], direct: Scope1Result, energy: np.ndarray,
            location_kg: np.ndarray, in_scope2: np.ndarray, a: Assumptions) -> tuple[dict[str, dict], list[str]]:
    notes = []
    purchased_kwh = float(energy[in_scope2].sum())
    location_scope2_kg = float(location_kg[in_scope2].sum())
    upstream_kg = None if a.electricity_wtt_g_per_kwh is None else purchased_kwh * a.electricity_wtt_g_per_kwh / 1000.0
    if upstream_kg is None:
        notes.append("Scope 3 category 3b (upstream of purchased electricity) is not calculated: set the "
                     "electricity_wtt_g_per_kwh assumption")
    td_kg = None
    if a.td_loss_rate is None:
        notes.append("Scope 3 category 3c (transmission and distribution losses) is not calculated: set the "
                     "td_loss_rate assumption")
    else:
        td_kg = a.td_loss_rate * (location_scope2_kg + (upstream_kg or 0.0))
        if upstream_kg is None:
            notes.append("transmission and distribution losses exclude the upstream emissions of the lost "
                         "electricity, because no upstream factor is set")
    fuel_lines = [line for line in direct.lines if line.kind == "fuel"]
    fuel_upstream = [fuel_upstream_kg(line, a) for line in fuel_lines]
    if any(value is None for value in fuel_upstream):
        notes.append("Scope 3 category 3a (upstream of fuels) is incomplete: set the well-to-tank factor of "
                     + ", ".join(sorted({line.substance for line, value in zip(fuel_lines, fuel_upstream)
                                         if value is None})))
    cloud = [site for site in sites if site.boundary == "cloud"]
    goods = layout.capital_goods
    category3 = {
        "upstream_fuels_co2e_kg": sum(value for value in fuel_upstream if value is not None),
        "upstream_electricity_co2e_kg": upstream_kg or 0.0,
        "td_losses_co2e_kg": td_kg or 0.0,
        "purchased_electricity_kwh": purchased_kwh,
        "calculated": {"3a": all(v is not None for v in fuel_upstream), "3b": upstream_kg is not None,
                       "3c": td_kg is not None},
    }
    category3["co2e_kg"] = (category3["upstream_fuels_co2e_kg"] + category3["upstream_electricity_co2e_kg"]
                            + category3["td_losses_co2e_kg"])
    scope3 = {
        "category_1": {"co2e_kg": sum(g.co2e_kg for g in goods if g.category == 1)
                       + sum(site.co2e_kg for site in cloud),
                       "expensed_hardware_co2e_kg": sum(g.co2e_kg for g in goods if g.category == 1),
                       "cloud_compute_co2e_kg": sum(site.co2e_kg for site in cloud),
                       "cloud_compute_kwh": sum(site.energy_kwh for site in cloud)},
        "category_2": {"co2e_kg": sum(g.co2e_kg for g in goods if g.category == 2), "assets": sum(
            1 for g in goods if g.category == 2)},
        "category_3": category3,
    }
    return scope3, notes


def _totals(direct: Scope1Result, sites: Sequence[SiteScope2], market: MarketBasedResult, scope3: dict,
            layout: _Layout, energy: np.ndarray, location_kg: np.ndarray, in_scope2: np.ndarray,
            a: Assumptions) -> dict[str, float]:
    scope2_sites = [site for site in sites if site.boundary != "cloud"]
    location = sum(site.co2e_kg for site in scope2_sites)
    scope3_total = sum(category["co2e_kg"] for category in scope3.values())
    totals = {
        "scope1_co2e_kg": direct.co2e_kg,
        "scope1_combustion_co2e_kg": direct.combustion_co2e_kg,
        "scope1_fugitive_co2e_kg": direct.fugitive_co2e_kg,
        "scope2_location_co2e_kg": location,
        "scope2_market_co2e_kg": market.co2e_kg,
        "scope2_energy_kwh": sum(site.energy_kwh for site in scope2_sites),
        "scope3_co2e_kg": scope3_total,
        "scope3_category_1_co2e_kg": scope3["category_1"]["co2e_kg"],
        "scope3_category_2_co2e_kg": scope3["category_2"]["co2e_kg"],
        "scope3_category_3_co2e_kg": scope3["category_3"]["co2e_kg"],
        "total_location_based_co2e_kg": direct.co2e_kg + location + scope3_total,
        "total_market_based_co2e_kg": direct.co2e_kg + market.co2e_kg + scope3_total,
        "scope2_unmatched_energy_kwh": sum(site.unmatched_energy_kwh for site in scope2_sites),
        "scope2_annual_factor_co2e_kg": sum(site.annual_factor_co2e_kg for site in scope2_sites),
        "offsets_co2e_kg": sum(item.credit_co2e_kg or 0.0 for item in market.offsets),
    }
    totals["scope2_annual_factor_delta_co2e_kg"] = totals["scope2_annual_factor_co2e_kg"] - location
    totals.update(_quality(layout, energy, location_kg, in_scope2, direct, scope3, a))
    return totals


def _quality(layout: _Layout, energy: np.ndarray, location_kg: np.ndarray, in_scope2: np.ndarray,
             direct: Scope1Result, scope3: dict, a: Assumptions) -> dict[str, float]:
    """Split the location-based total into measured, estimated and defaulted parts."""
    source = layout.source
    metered_kg = float(location_kg[in_scope2 & (source == SOURCE_FACILITY_METER)].sum())
    it_kg = float(location_kg[in_scope2 & (source == SOURCE_IT_METER)].sum())
    runs_kg = float(location_kg[in_scope2 & (source == SOURCE_RUNS)].sum())
    pue_part = it_kg * (1.0 - 1.0 / a.pue)
    measured = direct.co2e_kg + metered_kg + it_kg - pue_part
    defaulted = pue_part if a.is_defaulted("pue") else 0.0
    estimated = runs_kg + (pue_part - defaulted) + sum(category["co2e_kg"] for category in scope3.values())
    total = measured + estimated + defaulted
    shares = {f"{name}_share": (value / total if total > 0 else 0.0)
              for name, value in (("measured", measured), ("estimated", estimated), ("defaulted", defaulted))}
    return {"measured_co2e_kg": measured, "estimated_co2e_kg": estimated, "defaulted_co2e_kg": defaulted, **shares}


def _disclosures(prepared: PreparedInventory, layout: _Layout, sites: Sequence[SiteScope2],
                 market: MarketBasedResult, a: Assumptions) -> list[str]:
    notes = [f"GWP set {a.gwp_set} (100-year)", "Scope 1 and Scope 2 totals are gross: offsets are never deducted"]
    for site in sites:
        if site.energy_kwh <= 0 and site.facility_meter_hours == 0:
            continue
        if site.facility_meter_hours == 0 and site.it_meter_hours == 0:
            notes.append(f"site {site.site}: no site meter, so its electricity is the runs' facility energy only "
                         f"({site.energy_kwh:,.6g} kWh); idle machines and non-AI loads are missing")
        elif site.runs_only_hours:
            notes.append(f"site {site.site}: meters cover {site.facility_meter_hours + site.it_meter_hours:,} of "
                         f"{site.period_hours:,.0f} hours of the period; {site.runs_only_hours:,} further hours use "
                         "the runs' facility energy")
        if site.facility_meter_hours + site.it_meter_hours > 0:
            uncovered = site.period_hours - site.facility_meter_hours - site.it_meter_hours - site.runs_only_hours
            if uncovered > 0:
                notes.append(f"site {site.site}: {uncovered:,.0f} hours of the period have neither meter readings "
                             "nor runs (coverage gap, not extrapolated)")
        if site.boundary == "cloud":
            notes.append(f"site {site.site} is a cloud site: its electricity is reported in Scope 3 category 1, "
                         "not Scope 2")
        if site.boundary == "colocation":
            # NOTE: reporting a colocation tenant's energy with its allocated overhead in Scope 2 is the
            # usual practice, not a rule checked against the GHG Protocol text.
            notes.append(f"site {site.site} is a colocation: its energy including the allocated facility overhead "
                         "is reported in Scope 2; confirm this treatment with the verifier")
        if site.zone is None:
            notes.append(f"site {site.site} has no grid zone, so its electricity has no location-based factor")
    notes.extend(market.disclosures)
    if layout.capital_goods:
        notes.append("capital goods are reported in full in the period they were acquired, not depreciated")
    return notes
