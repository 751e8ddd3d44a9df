"""The seam where uncertainty enters a disclosure, and the analytic estimate used until Monte Carlo does.

A disclosure takes its uncertainty from an :data:`UncertaintyProvider`: a function of the
:class:`DisclosureContext` (project, assumption set, prepared models and results) that returns an
:class:`~workbench.reports.disclosure.UncertaintySummary`. The export service passes
:func:`analytic_uncertainty` by default. :func:`no_uncertainty` gives an explicit "not computed"
summary instead, which the checklist of a final export rejects (item 20).

:func:`analytic_uncertainty` is a first-order propagation (IPCC Approach 1 / GUM law of
propagation) with the default input uncertainties of :data:`DEFAULT_U95_PCT`. Each uncertain input
is one source shared by every figure it enters, so a grid factor used for many hours, or one PUE
for many runs, counts as fully correlated across them and independent of the other sources.
The Monte Carlo engine (GUM Supplement 1, seeded, with sensitivity ranking) replaces it by
providing an UncertaintySummary with ``trials``, ``seed`` and ``converged`` set.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd

from workbench.engine.periods import Period
from workbench.engine.propagation import Z95
from workbench.project import disclosure_repo
from workbench.project.store import Project
from workbench.reports.disclosure import Contributor, UncertainFigure, UncertaintySummary
from workbench.services.compute import ComputeOutcome, FootprintModel
from workbench.services.inventory import InventoryModel, InventoryOutcome

log = logging.getLogger(__name__)

ANALYTIC_METHOD = "IPCC Approach 1 (analytic, first-order, default input uncertainties)"
# Default 95 % half-widths in percent, with their basis; the report lists every one used.
DEFAULT_U95_PCT: dict[str, tuple[float, str]] = {
    "telemetry": (5.0, "GPU board energy from telemetry in steady training: sampling term (engineering judgement)"),
    "declared": (30.0, "energy declared for a run (paper, cloud bill, compute-based estimate) (engineering "
                       "judgement)"),
    "node_uplift": (12.0, "node uplift, triangular 1.2 / 1.35 / 1.6: standard deviation 0.0825, about 12 % of "
                          "1.35 at 95 %"),
    "pue_metered": (3.0, "PUE from the site's own meters (engineering judgement)"),
    "pue_declared": (10.0, "PUE declared by the operator or set in the assumption set (engineering judgement)"),
    "pue_default": (25.0, "PUE left at the industry default (engineering judgement)"),
    "grid_annual": (10.0, "annual or monthly location-based grid factor: spread of published datasets "
                          "(engineering judgement)"),
    "grid_hourly": (15.0, "hourly location-based grid factor (engineering judgement)"),
    "residual_mix": (15.0, "residual-mix factor (engineering judgement)"),
    "supplier": (5.0, "supplier-specific emission rate (engineering judgement)"),
    "meter": (1.0, "revenue meter without a stated class: class 1, read as a rectangular +/-1 % limit "
                   "(standard uncertainty 1/sqrt(3) %)"),
    "fuel": (2.0, "IPCC default CO2 factor of diesel and natural gas (recalled range, to verify)"),
    "refrigerant": (20.0, "refrigerant top-up mass as the proxy for the release (engineering judgement)"),
    "embodied": (76.0, "product carbon footprint, lognormal with 95 % range /2 to x2: standard deviation 0.388 of "
                       "the median, symmetrised (Approach 1 cannot show the skew)"),
    "lifetime": (22.6, "hardware lifetime, uniform 4 to 6 years: standard deviation 11.5 % of 5 years"),
    "upstream": (20.0, "well-to-tank factor of electricity or fuel (engineering judgement)"),
    "td_loss": (20.0, "transmission and distribution loss rate (engineering judgement)"),
}
# Above this U95 in percent, Approach 1 understates skewed outputs (IPCC 2006 Vol. 1 ch. 3 guidance).
APPROACH1_LIMIT_PCT = 50.0
TOP_CONTRIBUTORS = 6


@dataclass(frozen=True)
class DisclosureContext:
    """Inputs of an uncertainty or comparison provider: the project, the set and the prepared results."""

    project: Project
    set_name: str
    footprint_model: FootprintModel
    inventory_model: InventoryModel
    footprint: ComputeOutcome
    inventory: InventoryOutcome
    period: Period
    energy_rows: pd.DataFrame


UncertaintyProvider = Callable[[DisclosureContext], UncertaintySummary]


def no_uncertainty(context: DisclosureContext) -> UncertaintySummary:
    """Return the explicit 'not computed' summary; a final export's checklist rejects it."""
    return UncertaintySummary.not_computed("uncertainty was not computed for this export")


def _u(name: str) -> float:
    """Return the default relative standard uncertainty of input class ``name`` (U95 / 1.96)."""
    return DEFAULT_U95_PCT[name][0] / 100.0 / Z95


def _meter_u(classes: list[str | None]) -> float:
    """Return the relative standard uncertainty of a site's meters: the largest class, rectangular."""
    values = []
    for text in classes or [None]:
        try:
            values.append(float(str(text).rstrip("Ss")))
        except ValueError:
            values.append(DEFAULT_U95_PCT["meter"][0])
    return max(values) / 100.0 / math.sqrt(3.0)


Vector = dict[str, float]


def _add(*vectors: Vector, scale: float = 1.0) -> Vector:
    total: Vector = defaultdict(float)
    for vector in vectors:
        for source, sigma in vector.items():
            total[source] += sigma * scale
    return dict(total)


def analytic_uncertainty(context: DisclosureContext) -> UncertaintySummary:
    """Propagate the default input uncertainties to the reported figures to first order."""
    footprint = _footprint_vectors(context)
    inventory = _inventory_vectors(context)
    figures, contributors = [], []
    for (key, label, view, unit, value), vector in list(footprint.items()) + list(inventory.items()):
        sigma = math.sqrt(sum(s * s for s in vector.values()))
        figures.append(UncertainFigure(key, label, view, unit, value, value, value - Z95 * sigma,
                                       value + Z95 * sigma))
        if key in ("footprint_total_co2e_kg", "total_location_based_co2e_kg", "total_market_based_co2e_kg"):
            contributors += _contributors(vector, label, view)
    notes = [f"default for {basis}: ±{u95:g} % (95 %)" for u95, basis in DEFAULT_U95_PCT.values()]
    wide = [figure.label for figure in figures if (figure.u95_pct or 0.0) > APPROACH1_LIMIT_PCT]
    if wide:
        notes.insert(0, f"U above {APPROACH1_LIMIT_PCT:g} % for {', '.join(wide)}: Approach 1 gives a symmetric "
                        "interval and understates the skew; the Monte Carlo result is the one to rely on")
    notes.insert(0, "first-order estimate with default input uncertainties; the seeded Monte Carlo analysis "
                    "(GUM Supplement 1) replaces it when run")
    return UncertaintySummary(computed=True, method=ANALYTIC_METHOD, figures=tuple(figures),
                              contributors=tuple(contributors), notes=tuple(notes))


def _contributors(vector: Vector, label: str, view: str) -> list[Contributor]:
    variance = sum(s * s for s in vector.values())
    if variance <= 0:
        return []
    ranked = sorted(vector.items(), key=lambda item: -item[1] ** 2)[:TOP_CONTRIBUTORS]
    return [Contributor(source, label, view, sigma * sigma / variance) for source, sigma in ranked]


# -- footprint -------------------------------------------------------------------------------------

def _footprint_vectors(context: DisclosureContext) -> dict[tuple, Vector]:
    """Return, per footprint figure, the absolute standard uncertainty each source contributes."""
    result = context.footprint.result
    a = result.assumptions
    rows = context.energy_rows
    operational: Vector = defaultdict(float)
    energy: Vector = defaultdict(float)
    embodied: Vector = defaultdict(float)
    pue_key = _pue_class(a)
    for index, run in enumerate(result.inputs):
        own = rows[rows["run_index"] == index]
        parts = _chain_parts(own, a, a.factor_zone or run.zone)
        source = f"energy of run {run.name}"
        u_energy = _u("declared") if run.declared is not None else _u("telemetry")
        operational[source] += parts["kg"] * u_energy
        energy[source] += parts["kwh"] * u_energy
        for zone_source, kg in parts["grid"].items():
            operational[zone_source] += kg
        operational["node uplift"] += parts["uplift_kg"] * _u("node_uplift")
        energy["node uplift"] += parts["uplift_kwh"] * _u("node_uplift")
        operational[PUE_LABELS[pue_key]] += parts["pue_kg"] * _u(pue_key)
        energy[PUE_LABELS[pue_key]] += parts["pue_kwh"] * _u(pue_key)
        operational["PUE (metered)"] += parts["metered_pue_kg"] * _u("pue_metered")
        energy["PUE (metered)"] += parts["metered_pue_kwh"] * _u("pue_metered")
        charged = float(result.columns["embodied_co2e_kg"][index])
        embodied[f"embodied emissions of hardware at {run.site or '(no site)'}"] += charged * _u("embodied")
        if a.embodied_method != "llmcarbon":
            embodied["hardware lifetime"] += charged * _u("lifetime")
    totals = result.totals
    return {
        ("footprint_operational_co2e_kg", "Footprint: operational emissions", "footprint", "kgCO2e",
         totals["operational_co2e_kg"]): dict(operational),
        ("footprint_embodied_co2e_kg", "Footprint: embodied emissions", "footprint", "kgCO2e",
         totals["embodied_co2e_kg"]): dict(embodied),
        ("footprint_total_co2e_kg", "Footprint: total emissions", "footprint", "kgCO2e",
         totals["total_co2e_kg"]): _add(operational, embodied),
        ("footprint_facility_energy_kwh", "Footprint: facility energy", "footprint", "kWh",
         totals["facility_energy_kwh"]): dict(energy),
    }


PUE_LABELS = {"pue_default": "PUE (industry default)", "pue_declared": "PUE (declared or set)"}


def _pue_class(a: Any) -> str:
    return "pue_default" if a.is_defaulted("pue") else "pue_declared"


def _chain_parts(own: pd.DataFrame, a: Any, zone: str | None) -> dict[str, Any]:
    """Split one run's facility energy and emissions into the parts each chain input scales."""
    if own.empty:
        return {"kg": 0.0, "kwh": 0.0, "grid": {}, "uplift_kg": 0.0, "uplift_kwh": 0.0, "pue_kg": 0.0,
                "pue_kwh": 0.0, "metered_pue_kg": 0.0, "metered_pue_kwh": 0.0}
    scale, f_dist = own["scale"].to_numpy(float), own["f_dist"].to_numpy(float)
    metered = own["metered_pue"].to_numpy(float)
    pue = np.where(np.isnan(metered), a.pue, metered)
    uplift = own["gpu_board_kwh"].to_numpy(float) * a.node_uplift * scale * f_dist * pue
    it = ((own["gpu_board_kwh"].to_numpy(float) * a.node_uplift + own["node_kwh"].to_numpy(float)) * f_dist
          + own["it_kwh"].to_numpy(float)) * scale * pue
    facility = it + own["facility_kwh"].to_numpy(float) * scale
    factor = np.nan_to_num(own["factor_g_per_kwh"].to_numpy(float)) / 1000.0
    hourly = own["factor_resolution"].to_numpy(object) == "hourly"
    u_grid = np.where(hourly, _u("grid_hourly"), _u("grid_annual"))
    grid = {f"grid factor of zone {zone}": float((facility * factor * u_grid).sum())}
    from_meter = ~np.isnan(metered)
    return {
        "kg": float((facility * factor).sum()), "kwh": float(facility.sum()), "grid": dict(grid),
        "uplift_kg": float((uplift * factor).sum()), "uplift_kwh": float(uplift.sum()),
        "pue_kg": float((it * factor)[~from_meter].sum()), "pue_kwh": float(it[~from_meter].sum()),
        "metered_pue_kg": float((it * factor)[from_meter].sum()), "metered_pue_kwh": float(it[from_meter].sum()),
    }


# -- inventory -------------------------------------------------------------------------------------

def _inventory_vectors(context: DisclosureContext) -> dict[tuple, Vector]:
    """Return, per inventory figure, the absolute standard uncertainty each source contributes."""
    r = context.inventory.result
    a = r.assumptions
    t = r.totals
    classes = disclosure_repo.meter_classes(context.project.conn)
    sites = {site.site: site for site in r.sites}
    scope1: Vector = {"Scope 1 fuel factors": r.scope1.combustion_co2e_kg * _u("fuel"),
                      "refrigerant releases": r.scope1.fugitive_co2e_kg * _u("refrigerant")}
    location: Vector = defaultdict(float)
    energy_by_market: dict[str, Vector] = defaultdict(lambda: defaultdict(float))
    cloud: Vector = defaultdict(float)
    for site in r.sites:
        target = cloud if site.boundary == "cloud" else location
        vector = _site_vector(site, classes.get(site.site, []), a)
        for source, sigma in vector.items():
            target[source] += sigma
        if site.boundary != "cloud":
            for source, sigma_kwh in _site_energy_vector(site, classes.get(site.site, []), a).items():
                energy_by_market[site.market][source] += sigma_kwh
    market = _market_vector(r, energy_by_market, sites)
    scope3 = _scope3_vector(r, cloud, location, energy_by_market, a)
    return {
        ("scope1_co2e_kg", "Scope 1", "inventory", "kgCO2e", t["scope1_co2e_kg"]): scope1,
        ("scope2_location_co2e_kg", "Scope 2 location-based", "inventory", "kgCO2e",
         t["scope2_location_co2e_kg"]): dict(location),
        ("scope2_market_co2e_kg", "Scope 2 market-based", "inventory", "kgCO2e", t["scope2_market_co2e_kg"]): market,
        ("scope3_co2e_kg", "Scope 3", "inventory", "kgCO2e", t["scope3_co2e_kg"]): scope3,
        ("total_location_based_co2e_kg", "Inventory total (location-based Scope 2)", "inventory", "kgCO2e",
         t["total_location_based_co2e_kg"]): _add(scope1, location, scope3),
        ("total_market_based_co2e_kg", "Inventory total (market-based Scope 2)", "inventory", "kgCO2e",
         t["total_market_based_co2e_kg"]): _add(scope1, market, scope3),
    }


def _site_energy_vector(site: Any, classes: list, a: Any) -> Vector:
    """Return the standard uncertainty of a site's electricity (kWh) per source."""
    by_source = site.energy_by_source_kwh
    meter = f"meters of site {site.site}"
    runs_u = math.sqrt(_u("telemetry") ** 2 + _u("node_uplift") ** 2 + _u(_pue_class(a)) ** 2)
    return {meter: (by_source.get("facility_meter", 0.0) + by_source.get("it_meter_x_pue", 0.0)) * _meter_u(classes),
            PUE_LABELS[_pue_class(a)]: by_source.get("it_meter_x_pue", 0.0) * _u(_pue_class(a)),
            f"runs' energy at site {site.site}": by_source.get("runs", 0.0) * runs_u}


def _site_vector(site: Any, classes: list, a: Any) -> Vector:
    """Return the standard uncertainty of a site's location-based emissions per source."""
    if site.energy_kwh <= 0:
        return {}
    factor = site.co2e_kg / site.energy_kwh
    vector = {source: sigma * factor for source, sigma in _site_energy_vector(site, classes, a).items()}
    hourly = site.factor_resolution_kwh.get("hourly", 0.0) / site.energy_kwh
    u_grid = hourly * _u("grid_hourly") + (1.0 - hourly) * _u("grid_annual")
    vector[f"grid factor of zone {site.zone}"] = site.co2e_kg * u_grid
    return vector


def _market_vector(r: Any, energy_by_market: dict[str, Vector], sites: dict[str, Any]) -> Vector:
    vector: Vector = defaultdict(float)
    for market in r.market.markets:
        vector[f"residual mix of market {market.market}"] += market.residual_mix_co2e_kg * _u("residual_mix")
        vector[f"grid factor fallback in market {market.market}"] += market.location_fallback_co2e_kg * _u(
            "grid_annual")
        # A change in consumption moves only the uncovered part: the marginal factor is the residual mix.
        uncovered_mwh = market.residual_mix_mwh + market.location_fallback_mwh
        marginal_kg_per_kwh = ((market.residual_mix_co2e_kg + market.location_fallback_co2e_kg)
                               / (uncovered_mwh * 1000.0) if uncovered_mwh > 0 else 0.0)
        for source, sigma_kwh in energy_by_market.get(market.market, {}).items():
            vector[source] += sigma_kwh * marginal_kg_per_kwh
    supplier = sum(use.co2e_kg for use in r.market.used if use.type == "supplier")
    vector["supplier-specific rates"] += supplier * _u("supplier")
    return dict(vector)


def _scope3_vector(r: Any, cloud: Vector, location: Vector, energy_by_market: dict[str, Vector], a: Any) -> Vector:
    category3 = r.scope3["category_3"]
    vector: Vector = defaultdict(float)
    for source, sigma in cloud.items():
        vector[source] += sigma
    for good in r.capital_goods:
        vector[f"embodied emissions of asset {good.asset_id} ({good.item})"] += good.co2e_kg * _u("embodied")
    vector["upstream factors of fuels"] += category3["upstream_fuels_co2e_kg"] * _u("upstream")
    upstream = _upstream_vector(category3, energy_by_market)
    td_rate = a.td_loss_rate or 0.0
    td: Vector = {"transmission and distribution loss rate": category3["td_losses_co2e_kg"] * _u("td_loss")}
    if category3["td_losses_co2e_kg"] > 0:
        # T&D losses are the loss rate times location-based Scope 2 plus upstream emissions.
        td = _add(td, _add(location, upstream, scale=td_rate))
    return _add(vector, upstream, td)


def _upstream_vector(category3: dict, energy_by_market: dict[str, Vector]) -> Vector:
    """Return the standard uncertainty of the upstream emissions of purchased electricity (3b) per source."""
    upstream = category3["upstream_electricity_co2e_kg"]
    vector: Vector = defaultdict(float)
    vector["upstream factor of electricity"] += upstream * _u("upstream")
    purchased_kwh = category3["purchased_electricity_kwh"]
    if purchased_kwh > 0 and upstream > 0:
        for market_vector in energy_by_market.values():
            for source, sigma_kwh in market_vector.items():
                vector[source] += sigma_kwh * upstream / purchased_kwh
    return dict(vector)
