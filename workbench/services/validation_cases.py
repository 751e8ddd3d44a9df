"""The validation cases: worked examples and published footprints recomputed by the engine.

Each case builds plain engine inputs (runs, sites, instruments, Scope 1 records, factor tables)
and runs them through the same functions the application uses: ``PreparedFootprint.compute``,
``PreparedInventory.compute``, ``scope1``, the embodied model, the energy chain and the
counterfactual and reconciliation functions. Every check returns the computed value next to
the expected one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Callable

import numpy as np
import pandas as pd

from workbench.engine import propagation
from workbench.engine.assumptions import Assumptions
from workbench.engine.chain import pue_from_meters, to_facility_kwh
from workbench.engine.declared import DeclaredEnergy, declared_energy_kwh, training_flops
from workbench.engine.embodied import AssetInput
from workbench.engine.factors import factor_tables
from workbench.engine.footprint import PreparedFootprint, RunInput, declared_run
from workbench.engine.gwp import refrigerant_gwp
from workbench.engine.inventory import PreparedInventory, SiteInput
from workbench.engine.periods import Period, parse_period
from workbench.engine.scope1 import Scope1Activity, scope1
from workbench.engine.scope2 import InstrumentInput
from workbench.engine.temporal import cfe_score, time_shift
from workbench.errors import FacilityOverheadError

HOUR_S = 3600
LB_KG = 0.45359237
T2025 = datetime(2025, 1, 1, tzinfo=timezone.utc).timestamp()
YEAR_2025 = parse_period("2025")


@dataclass(frozen=True)
class Check:
    """One compared quantity: expected, computed, the relative tolerance and the outcome."""

    case: str
    quantity: str
    expected: float
    computed: float
    tolerance_rel: float
    unit: str = ""
    tolerance_abs: float = 0.0

    @property
    def passed(self) -> bool:
        if np.isnan(self.computed):
            return False
        return abs(self.computed - self.expected) <= max(self.tolerance_abs, self.tolerance_rel * abs(self.expected))

    def as_dict(self) -> dict:
        return {"case": self.case, "quantity": self.quantity, "expected": self.expected, "computed": self.computed,
                "tolerance_rel": self.tolerance_rel, "unit": self.unit, "passed": self.passed}


EXACT = 1e-9


def annual_factors(values: dict[str, float], period: Period = YEAR_2025) -> dict:
    """Location or residual-mix tables with one factor (g/kWh) per zone over ``period``."""
    rows = pd.DataFrame([{"id": i, "zone": zone, "period_start": int(period.start_s), "period_end": int(period.end_s),
                          "resolution": "annual", "co2e_g_per_kwh": value}
                         for i, (zone, value) in enumerate(values.items())])
    return factor_tables(rows)


def _assumptions(**values) -> Assumptions:
    return replace(Assumptions(), **values)


def _site_meter(site: str, zone: str, total_kwh: float, period: Period = YEAR_2025, market: str | None = None
                ) -> SiteInput:
    hours = (period.start_s + HOUR_S * np.arange(int(period.hours))).astype(np.int64)
    return SiteInput(site, zone, market, facility_hours=hours, facility_kwh=np.full(len(hours), total_kwh / len(hours)))


# -- worked examples ---------------------------------------------------------------------------------

def we1(expected: dict) -> list[Check]:
    """Scope 2 dual reporting, the market-based hierarchy and Scope 3 category 3."""
    tables = annual_factors({"M1": 350.0})
    footprint = PreparedFootprint([], tables, [])
    site = _site_meter("hall", "M1", 10_000_000.0)
    instruments = [
        InstrumentInput("ppa-1", "ppa", "M1", 4000.0, 0.0, YEAR_2025.start_s, YEAR_2025.end_s, label="PPA with GOs"),
        InstrumentInput("go-1", "eac", "M1", 3000.0, 0.0, YEAR_2025.start_s, YEAR_2025.end_s, label="GO"),
    ]
    a = _assumptions(electricity_wtt_g_per_kwh=45.0, td_loss_rate=0.05)
    residual = annual_factors({"M1": 550.0})
    result = PreparedInventory(footprint, [site], instruments, [], residual).compute(a, YEAR_2025)
    foreign = [instruments[0], replace(instruments[1], market="M2")]
    variant = PreparedInventory(footprint, [site], foreign, [], residual).compute(a, YEAR_2025)
    excluded_qc5 = float(any(5 in item.failed_criteria for item in variant.market.excluded))
    c3 = result.scope3["category_3"]
    return [
        Check("WE1", "location-based Scope 2", expected["location_t"], result.totals["scope2_location_co2e_kg"] / 1000,
              EXACT, "t"),
        Check("WE1", "market-based Scope 2", expected["market_t"], result.totals["scope2_market_co2e_kg"] / 1000,
              EXACT, "t"),
        Check("WE1", "market-based, GOs of another market", expected["market_t_gos_fail_qc"],
              variant.totals["scope2_market_co2e_kg"] / 1000, EXACT, "t"),
        Check("WE1", "GOs listed as excluded (quality criterion 5)", 1.0, excluded_qc5, EXACT),
        Check("WE1", "Scope 3 cat. 3 upstream", expected["cat3_upstream_t"], c3["upstream_electricity_co2e_kg"] / 1000,
              EXACT, "t"),
        Check("WE1", "Scope 3 cat. 3 T&D losses", expected["cat3_td_t"], c3["td_losses_co2e_kg"] / 1000, EXACT, "t"),
    ]


def we2(expected: dict) -> list[Check]:
    """Scope 1 generator fuel and refrigerant under AR5 and AR6."""
    diesel = Scope1Activity("gen-1", "fuel", "diesel", 5000.0, "L", T2025)
    refrigerant = Scope1Activity("chiller-1", "refrigerant", "R-410A", 20.0, "kg", T2025)
    ar5 = scope1([diesel, refrigerant], _assumptions(gwp_set="AR5"), YEAR_2025)
    ar6 = scope1([diesel, refrigerant], _assumptions(gwp_set="AR6"), YEAR_2025)
    co2_kg = ar6.lines[0].gas_kg["CO2"]
    return [
        Check("WE2", "diesel CO2 factor", expected["diesel_kg_per_L"], co2_kg / 5000.0, 1e-6, "kg/L"),
        Check("WE2", "diesel CO2", expected["diesel_t"], co2_kg / 1000, 1e-6, "t"),
        Check("WE2", "R-410A top-up, AR5", expected["r410a_ar5_t"], ar5.fugitive_co2e_kg / 1000, EXACT, "t"),
        Check("WE2", "R-410A GWP, AR6", expected["r410a_ar6_gwp"], refrigerant_gwp("R-410A", "AR6")[0], EXACT),
        Check("WE2", "R-410A top-up, AR6", expected["r410a_ar6_t"], ar6.fugitive_co2e_kg / 1000, EXACT, "t"),
        Check("WE2", "CH4 and N2O add less than 1 % to diesel", 0.0,
              (ar6.combustion_co2e_kg - co2_kg) / co2_kg, 0.0, tolerance_abs=0.01),
    ]


def _we3_model(hours: float = 720.0) -> tuple[PreparedFootprint, list[AssetInput]]:
    assets = [AssetInput(1, "server", "server", 64, 2500.0, T2025 - 86400, 5.0, "cluster", acquired_s=T2025 - 86400),
              AssetInput(2, "GPU", "gpu", 512, 150.0, T2025 - 86400, 5.0, "cluster", acquired_s=T2025 - 86400)]
    run = declared_run(1, "training", DeclaredEnergy("facility", accelerators=512, energy_kwh=500_000.0, tokens=1e12),
                       start_s=T2025, end_s=T2025 + hours * HOUR_S, site="cluster", zone="Z")
    return PreparedFootprint([run], annual_factors({"Z": 350.0}), assets), assets


def we3(expected: dict) -> list[Check]:
    """Embodied emissions: inventory, SCI, BLOOM-style and LLMCarbon chip-only."""
    model, assets = _we3_model()

    def embodied(**values) -> float:
        return float(model.compute(_assumptions(**values)).columns["embodied_co2e_kg"][0])

    server = AssetInput(3, "server", "server", 1, 2500.0, T2025 - 86400, 6.0, "one", usage_rate=0.85)
    gpu = AssetInput(4, "GPU", "gpu", 1, 150.0, T2025 - 86400, 6.0, "one", usage_rate=0.85)
    hour = declared_run(2, "one hour", DeclaredEnergy("facility", accelerators=1, energy_kwh=1.0),
                        start_s=T2025, end_s=T2025 + HOUR_S, site="one", zone="Z")
    rates = [float(PreparedFootprint([hour], {}, [asset]).compute(
        _assumptions(embodied_method="bloom", resource_share=1.0)).columns["embodied_co2e_kg"][0])
        for asset in (server, gpu)]
    inventory = PreparedInventory(model, [SiteInput("cluster", "Z")])
    acquired = inventory.compute(_assumptions(), parse_period("2024")).totals["scope3_category_2_co2e_kg"]
    later = inventory.compute(_assumptions(), YEAR_2025).totals["scope3_category_2_co2e_kg"]
    return [
        Check("WE3", "inventory, year of acquisition", expected["inventory_acq_year_t"], acquired / 1000, EXACT, "t"),
        Check("WE3", "inventory, later year", 0.0, later / 1000, 0.0, "t"),
        Check("WE3", "SCI, 5-year life", expected["sci_M_kg"], embodied(), EXACT, "kg"),
        Check("WE3", "BLOOM rate per server-hour", expected["bloom_server_kg_per_h"], rates[0], 1e-8, "kg/h"),
        Check("WE3", "BLOOM rate per GPU-hour", expected["bloom_gpu_kg_per_h"], rates[1], 1e-8, "kg/h"),
        Check("WE3", "BLOOM, 6 years x 85 %", expected["bloom_M_kg_6y"],
              embodied(embodied_method="bloom", lifetime_years=6.0), EXACT, "kg"),
        Check("WE3", "BLOOM, 5 years x 85 %", expected["bloom_M_kg_5y"],
              embodied(embodied_method="bloom", lifetime_years=5.0), EXACT, "kg"),
        Check("WE3", "LLMCarbon embodied per H100 die", expected["llmcarbon_chip_kg"],
              814.0 / 100.0 * Assumptions().chip_embodied_kg_per_cm2, EXACT, "kg"),
        Check("WE3", "LLMCarbon chip-only", expected["llmcarbon_M_kg"], embodied(embodied_method="llmcarbon"),
              1e-8, "kg"),
    ]


def we4(expected: dict) -> list[Check]:
    """SCI score per run and per 10^9 tokens; guarantees of origin leave it unchanged."""
    model, _ = _we3_model()
    a = _assumptions()
    before = model.compute(a)
    with_gos = PreparedInventory(model, [SiteInput("cluster", "Z", "Z")], [
        InstrumentInput("go-7000", "eac", "Z", 7000.0, 0.0, YEAR_2025.start_s, YEAR_2025.end_s)],
        residual_tables=annual_factors({"Z": 550.0})).compute(a, YEAR_2025)
    after = model.compute(a)
    return [
        Check("WE4", "operational O", expected["O_kg"], float(before.columns["operational_co2e_kg"][0]), EXACT, "kg"),
        Check("WE4", "SCI per run", expected["sci_kg_per_run"], float(before.columns["total_co2e_kg"][0]), EXACT, "kg"),
        Check("WE4", "SCI per 10^9 tokens", expected["sci_kg_per_1e9_tokens"],
              float(before.columns["sci_per_1e9_tokens"][0]), EXACT, "kg"),
        Check("WE4", "SCI after 7,000 MWh of GOs", expected["sci_kg_per_run"],
              float(after.columns["total_co2e_kg"][0]), EXACT, "kg"),
        Check("WE4", "GOs lower market-based Scope 2 only", 0.0, with_gos.totals["scope2_market_co2e_kg"], 0.0, "kg"),
    ]


def we5(expected: dict) -> list[Check]:
    """GPU telemetry to facility energy with a measured PUE1, and the refusal of a second PUE."""
    pue = pue_from_meters(12_000_000.0, 10_000_000.0)
    hours = (T2025 + HOUR_S * np.arange(720)).astype(np.int64)
    energy = {level: np.zeros(720) for level in ("gpu_board", "node", "it", "facility")}
    energy["gpu_board"] = np.full(720, 600_000.0 / 720)
    run = RunInput(1, "job", "final", "hall", "Z", T2025, T2025 + 720 * HOUR_S, 512, hours, energy,
                   energy["gpu_board"].copy(), pue_category="PUE1")
    # The worked example applies the PUE1 value to node energy directly, without distribution losses.
    a = _assumptions(pue=pue, node_uplift=1.35, distribution_loss_ups=0.0)
    result = PreparedFootprint([run], annual_factors({"Z": 350.0}), []).compute(a)
    try:
        to_facility_kwh(972_000.0, "facility", pue=pue)
        refused = 0.0
    except FacilityOverheadError:
        refused = 1.0
    return [
        Check("WE5", "PUE1 from meters", expected["pue1"], pue, EXACT),
        Check("WE5", "node energy", expected["node_MWh"], float(result.columns["node_energy_kwh"][0]) / 1000, EXACT,
              "MWh"),
        Check("WE5", "facility energy", expected["facility_MWh"],
              float(result.columns["facility_energy_kwh"][0]) / 1000, EXACT, "MWh"),
        Check("WE5", "Approach 1 uncertainty", expected["U_pct"], propagation.product_u_pct([1, 10, 5]), 1e-9, "%"),
        Check("WE5", "second PUE on facility energy refused", 1.0, refused, EXACT),
    ]


def we6(expected: dict) -> list[Check]:
    """Approach 1 propagation: product, sum and correlated sums (deterministic part)."""
    product = 1000 * 1.2 * 400 / 1000
    u = propagation.product_u_pct([2, 5, 10])
    total_u = propagation.sum_u_abs([product, 120, 20], [u, 40, 5])
    values = [120.0, 280.0]
    meters = propagation.sum_u_abs(values, [2, 2])
    independent = propagation.correlated_sum_u_abs(values, [10, 10], 0.0)
    correlated = propagation.correlated_sum_u_abs(values, [10, 10], 1.0)
    return [
        Check("WE6", "product", expected["product_t"], product, EXACT, "t"),
        Check("WE6", "product U", expected["product_U_pct"], u, 1e-9, "%"),
        Check("WE6", "product interval low", expected["product_interval_t"][0], product * (1 - u / 100), 1e-9, "t"),
        Check("WE6", "product interval high", expected["product_interval_t"][1], product * (1 + u / 100), 1e-9, "t"),
        Check("WE6", "sum U", expected["sum_Uabs_t"], total_u, 1e-9, "t"),
        Check("WE6", "sum U %", expected["sum_U_pct"], 100 * total_u / 620.0, 1e-9, "%"),
        Check("WE6", "EF independent", expected["corr_indep_ef_only_t"], independent, 1e-9, "t"),
        Check("WE6", "EF correlated", expected["corr_full_ef_only_t"], correlated, 1e-9, "t"),
        Check("WE6", "EF independent, with meters", expected["corr_indep_with_meters_t"],
              float(np.hypot(independent, meters)), 1e-9, "t"),
        Check("WE6", "EF correlated, with meters", expected["corr_full_with_meters_t"],
              float(np.hypot(correlated, meters)), 1e-9, "t"),
    ]


def we7(expected: dict) -> list[Check]:
    """Check the deterministic parts: adaptive batch size and the lognormal product rule."""
    low, high = propagation.lognormal_product_interval(480.0, [2, 5, 10])
    return [
        Check("WE7", "adaptive batch size", expected["adaptive_batch_M"], propagation.adaptive_batch_size(0.95), EXACT),
        Check("WE7", "lognormal rule, low", expected["lognormal_rule_interval_t"][0], low, 1e-9, "t"),
        Check("WE7", "lognormal rule, high", expected["lognormal_rule_interval_t"][1], high, 1e-9, "t"),
    ]


def _toy_grid(day: float, night: float) -> dict:
    rows = [{"id": h, "zone": "toy", "period_start": int(T2025 + h * HOUR_S), "period_end": int(T2025 + (h + 1) * HOUR_S),
             "resolution": "hourly", "co2e_g_per_kwh": day if h < 12 else night} for h in range(24)]
    rows.append({"id": 99, "zone": "toy", "period_start": int(YEAR_2025.start_s), "period_end": int(YEAR_2025.end_s),
                 "resolution": "annual", "co2e_g_per_kwh": (day + night) / 2})
    return factor_tables(pd.DataFrame(rows))


def we8(expected: dict) -> list[Check]:
    """Hourly vs annual factors, a carbon-aware time shift and the hourly CFE score."""
    grid, marginal = _toy_grid(200.0, 500.0), _toy_grid(450.0, 700.0)

    def job(name: str, start_h: int, hours: int, mw: float) -> RunInput:
        return declared_run(1, name, DeclaredEnergy("facility", energy_kwh=mw * 1000 * hours),
                            start_s=T2025 + start_h * HOUR_S, end_s=T2025 + (start_h + hours) * HOUR_S, zone="toy")

    flat, night, day = job("flat", 0, 24, 1.0), job("night", 12, 12, 2.0), job("day", 0, 12, 2.0)
    model = PreparedFootprint([flat, night, day], grid, [])
    result = model.compute(_assumptions())
    c = result.columns
    profile = np.full(12, 2000.0)
    shift_avg = time_shift(profile, T2025 + 12 * HOUR_S, T2025, T2025 + 24 * HOUR_S, grid["toy"])
    shift_marginal = time_shift(profile, T2025 + 12 * HOUR_S, T2025, T2025 + 24 * HOUR_S, marginal["toy"], "marginal")
    cfe, cfe_pct, volumetric = cfe_score([10, 10, 10, 10], [0, 20, 15, 0], [0.3, 0.5, 0.5, 0.3])

    def error(index: int) -> float:
        return float(c["annual_factor_delta_co2e_kg"][index] / c["operational_co2e_kg"][index])

    checks = [
        Check("WE8", "flat job, hourly", expected["flat_kg"], float(c["operational_co2e_kg"][0]), EXACT, "kg"),
        Check("WE8", "flat job, annual", expected["flat_kg"], float(c["annual_factor_co2e_kg"][0]), EXACT, "kg"),
        Check("WE8", "night job, hourly", expected["night_hourly_kg"], float(c["operational_co2e_kg"][1]), EXACT, "kg"),
        Check("WE8", "night job, annual-factor error", expected["night_annual_err"], error(1), EXACT),
        Check("WE8", "day job, hourly", expected["day_hourly_kg"], float(c["operational_co2e_kg"][2]), EXACT, "kg"),
        Check("WE8", "day job, annual-factor error", expected["day_annual_err"], error(2), EXACT),
        Check("WE8", "decomposition adds up (night job)", float(c["annual_factor_delta_co2e_kg"][1]),
              float(c["covariance_term_co2e_kg"][1] + c["mean_offset_term_co2e_kg"][1]), EXACT, "kg"),
        Check("WE8", "shift night to day, attributional", expected["shift_savings_avg_kg"],
              shift_avg.avoided_co2e_kg if shift_avg else np.nan, EXACT, "kg"),
        Check("WE8", "shift night to day, marginal", expected["shift_savings_marginal_kg"],
              shift_marginal.avoided_co2e_kg if shift_marginal else np.nan, EXACT, "kg"),
        Check("WE8", "CFE score", expected["cfe_pct"], cfe_pct, EXACT),
        Check("WE8", "annual volumetric match", expected["annual_volumetric_match"], volumetric, EXACT),
    ]
    checks += [Check("WE8", f"CFE hour {hour}", value, float(cfe[hour]), EXACT, "MWh")
               for hour, value in enumerate(expected["cfe_hourly"])]
    return checks


def we9(expected: dict) -> list[Check]:
    """Sensor offsets and meter accuracy classes."""
    energy, _ = declared_energy_kwh(DeclaredEnergy("gpu_board", accelerators=512, accelerator_hours=512 * 720.0,
                                                   avg_power_w=600.0), Assumptions())
    return [
        Check("WE9", "GPU energy", expected["E_kWh"], energy, EXACT, "kWh"),
        Check("WE9", "offset, independent GPUs", expected["indep_kWh"],
              propagation.sensor_offset_kwh(512, 5.0, 720.0, correlated=False), 1e-9, "kWh"),
        Check("WE9", "offset, fully correlated", expected["corr_kWh"],
              propagation.sensor_offset_kwh(512, 5.0, 720.0, correlated=True), 1e-9, "kWh"),
        Check("WE9", "class 0.5S standard uncertainty", expected["class_0_5S_u_pct"],
              propagation.rectangular_u_pct(0.5), 1e-9, "%"),
        Check("WE9", "class 1 standard uncertainty", expected["class_1_u_pct"], propagation.rectangular_u_pct(1.0),
              1e-9, "%"),
        Check("WE9", "class 1 U95", expected["class_1_U95_pct"], propagation.meter_class_u95_pct(1.0), 1e-9, "%"),
    ]


def we10(expected: dict) -> list[Check]:
    """AI Act compute-based energy estimate, flagged estimated."""
    flops = training_flops(70e9, 2e12)
    run = declared_run(1, "70B", DeclaredEnergy("gpu_board", accelerator_model="H100", flops=flops),
                       start_s=T2025, end_s=T2025 + 90 * 24 * HOUR_S, zone="Z")
    a = _assumptions(compute_peak_flops_per_s=989e12, compute_mfu=0.40, compute_power_w=700.0, node_uplift=1.3,
                     pue=1.2)
    result = PreparedFootprint([run], annual_factors({"Z": 350.0}), []).compute(a)
    row = result.runs[0]
    return [
        Check("WE10", "training compute", expected["flop"], flops, EXACT, "FLOP"),
        Check("WE10", "GPU-hours", expected["gpu_h"], row.accelerator_hours, 1e-8, "h"),
        Check("WE10", "facility energy", expected["E_MWh"], row.facility_energy_kwh / 1000, 1e-8, "MWh"),
        Check("WE10", "emissions at 350 g/kWh", expected["tCO2e_at_350"], row.operational_co2e_kg / 1000, 1e-8, "t"),
        Check("WE10", "flagged estimated from compute", 1.0,
              float(row.estimated and row.energy_method == "compute"), EXACT),
    ]


WORKED_EXAMPLES: dict[str, Callable[[dict], list[Check]]] = {
    "WE1": we1, "WE2": we2, "WE3": we3, "WE4": we4, "WE5": we5, "WE6": we6, "WE7": we7, "WE8": we8, "WE9": we9,
    "WE10": we10,
}
