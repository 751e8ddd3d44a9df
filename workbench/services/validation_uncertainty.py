"""Validation cases of the uncertainty analysis: WE6, WE7 and WE9 through the uncertainty models, and the NAS decomposition.

Each worked example is built as engine inputs (declared runs, sites with meters, assets,
Scope 1 records) with the distributions the example states, then propagated by the same
model builders, Approach 1 and Monte Carlo the application uses. The NAS case recomputes
Strubell et al.'s estimate and Patterson et al.'s measurement of the same architecture search
and splits the difference with Shapley values.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import replace
from typing import Callable, Mapping

import numpy as np

from workbench.engine.assumptions import Assumptions
from workbench.engine.declared import DeclaredEnergy
from workbench.engine.embodied import AssetInput
from workbench.engine.footprint import PreparedFootprint, RunInput, declared_run
from workbench.engine.inventory import PreparedInventory, SiteInput
from workbench.engine.scope1 import Scope1Activity
from workbench.engine.uncertainty import analytic, shapley
from workbench.engine.uncertainty.builder import Resolved
from workbench.engine.uncertainty.defaults import meter_default
from workbench.engine.uncertainty.distributions import Z95, Distribution
from workbench.engine.uncertainty.footprint_model import MeterInfo, TelemetryDetail, build_footprint_model
from workbench.engine.uncertainty.inventory_model import build_inventory_model
from workbench.engine.uncertainty.model import UncertaintyModel
from workbench.engine.uncertainty.montecarlo import MonteCarlo, adaptive_batch_size
from workbench.services.validation_cases import EXACT, HOUR_S, LB_KG, T2025, YEAR_2025, Check, annual_factors

AGREEMENT = 0.02
WE7_SEED = 20240601


def _lookup(store: Mapping[str, Distribution]) -> Callable[[str], Resolved | None]:
    def lookup(key: str) -> Resolved | None:
        return Resolved(store[key], "worked example", "stated by the worked example") if key in store else None

    return lookup


def _u95(model: UncertaintyModel, output: str) -> float:
    return Z95 * analytic.propagate(model, large="none").intervals[output].u


def _agreement(case: str, model: UncertaintyModel, output: str, scale: float, unit: str, trials: int = 200_000
               ) -> list[Check]:
    """Approach 1 and Monte Carlo agree within 2 % on the standard uncertainty and the interval ends."""
    linear = analytic.propagate(model, large="none").intervals[output]
    run = MonteCarlo(model, seed=WE7_SEED, trials=trials).run().summaries[output]
    return [
        Check(case, f"Monte Carlo sd vs Approach 1 ({output})", linear.u / scale, run.sd / scale, AGREEMENT, unit),
        Check(case, f"Monte Carlo 2.5th percentile vs Approach 1 ({output})", linear.low / scale, run.low / scale,
              AGREEMENT, unit),
        Check(case, f"Monte Carlo 97.5th percentile vs Approach 1 ({output})", linear.high / scale,
              run.high / scale, AGREEMENT, unit),
    ]


# -- WE6 and WE7: the product, with and without embodied emissions ----------------------------------------

def product_model(*, with_embodied: bool = False, store: Mapping[str, Distribution] | None = None) -> UncertaintyModel:
    """E_IT 1,000 MWh (+/-2 %) x PUE 1.2 (+/-5 %) x EF 0.400 t/MWh (+/-10 %), normal inputs (WE6, WE7).

    With embodied emissions: 64 servers of 3,700 kg (lognormal, 95 % range /2 to x2) amortized over
    a 720-hour run and a lifetime uniform between 4 and 6 years.
    """
    run = declared_run(1, "product", DeclaredEnergy("it", energy_kwh=1_000_000.0), start_s=T2025,
                       end_s=T2025 + 720 * HOUR_S, site="cluster", zone="Z")
    assets = [AssetInput(1, "server", "server", 64, 3700.0, T2025 - 86400.0, 5.0, "cluster",
                         embodied_source="vendor PCF")] if with_embodied else []
    prepared = PreparedFootprint([run], annual_factors({"Z": 400.0}), assets)
    a = replace(Assumptions(), pue=1.2, resource_share=1.0)
    distributions = {"declared.energy": Distribution.normal_u95(0.02),
                     "pue": Distribution("normal", (1.2, 1.2 * 0.05 / Z95)),
                     "ef.location.annual": Distribution.normal_u95(0.10)}
    distributions.update(store or {})
    return build_footprint_model(prepared, a, _lookup(distributions))


def we6(expected: dict) -> list[Check]:
    """Approach 1 through the uncertainty models: product, sum across scopes, correlated factor."""
    product = product_model()
    interval = analytic.propagate(product, large="none").intervals["operational_co2e_kg"]
    checks = [
        Check("WE6", "model: product U", expected["product_U_pct"], interval.u95_percent, 1e-9, "%"),
        Check("WE6", "model: product interval low", expected["product_interval_t"][0], interval.low / 1000, 1e-9, "t"),
        Check("WE6", "model: product interval high", expected["product_interval_t"][1], interval.high / 1000, 1e-9,
              "t"),
    ]
    checks += _agreement("WE6", product, "operational_co2e_kg", 1000.0, "t")
    total = sum_model()
    checks.append(Check("WE6", "model: sum U (inventory total)", expected["sum_Uabs_t"],
                        _u95(total, "total_location_based_co2e_kg") / 1000, 1e-9, "t"))
    checks += _agreement("WE6", total, "total_location_based_co2e_kg", 1000.0, "t")
    for shared, meters, key in ((False, False, "corr_indep_ef_only_t"), (True, False, "corr_full_ef_only_t"),
                                (False, True, "corr_indep_with_meters_t"), (True, True, "corr_full_with_meters_t")):
        model = clusters_model(shared_factor=shared, meters=meters)
        label = f"model: EF {'shared' if shared else 'independent'}{', with meters' if meters else ''}"
        checks.append(Check("WE6", label, expected[key], _u95(model, "scope2_location_co2e_kg") / 1000, 1e-9, "t"))
    return checks


def _it_site(site: str, zone: str, kwh: float, meter: str, level: str = "it") -> tuple[SiteInput, MeterInfo]:
    hours = (YEAR_2025.start_s + HOUR_S * np.arange(int(YEAR_2025.hours))).astype(np.int64)
    per_hour = np.full(len(hours), kwh / len(hours))
    if level == "it":
        site_input = SiteInput(site, zone, zone, it_hours=hours, it_kwh=per_hour, it_point="ups_output")
    else:
        site_input = SiteInput(site, zone, zone, facility_hours=hours, facility_kwh=per_hour)
    return site_input, MeterInfo(site, level, (meter,), None)


def sum_model() -> UncertaintyModel:
    """480 t (+/-11.358 %) Scope 2 + 120 t capital goods (+/-40 %) + 20 t diesel (+/-5 %) = 620 t (WE6)."""
    site, meter = _it_site("cluster", "Z", 1_000_000.0, "ups-meter")
    asset = AssetInput(1, "servers", "server", 1, 120_000.0, YEAR_2025.start_s + 86400.0, 5.0, "cluster",
                       acquired_s=YEAR_2025.start_s + 86400.0)
    footprint = PreparedFootprint([], annual_factors({"Z": 400.0}), [asset])
    diesel = Scope1Activity("generators", "fuel", "diesel", 20_000.0, "L", YEAR_2025.start_s + 86400.0, "cluster",
                            co2e_kg_per_unit=1.0)
    prepared = PreparedInventory(footprint, [site], [], [diesel])
    store = {"meter:ups-meter": Distribution.normal_u95(0.02), "pue": Distribution("normal", (1.2, 1.2 * 0.05 / Z95)),
             "ef.location.annual": Distribution.normal_u95(0.10), "embodied.pcf": Distribution.normal_u95(0.40),
             "scope1.stated_factor": Distribution.normal_u95(0.05)}
    a = replace(Assumptions(), pue=1.2)
    return build_inventory_model(prepared, a, _lookup(store), YEAR_2025, detail=TelemetryDetail(meters=(meter,)))


def clusters_model(*, shared_factor: bool, meters: bool) -> UncertaintyModel:
    """Two clusters of 300 and 700 MWh, factor 0.400 t/MWh +/-10 %, meters +/-2 % each (WE6 correlation)."""
    zones = ("Z", "Z") if shared_factor else ("Z1", "Z2")
    first, meter_one = _it_site("cluster-1", zones[0], 300_000.0, "meter-1", "facility")
    second, meter_two = _it_site("cluster-2", zones[1], 700_000.0, "meter-2", "facility")
    footprint = PreparedFootprint([], annual_factors({zone: 400.0 for zone in zones}), [])
    prepared = PreparedInventory(footprint, [first, second])
    meter = Distribution.normal_u95(0.02) if meters else Distribution.fixed()
    store = {"ef.location.annual": Distribution.normal_u95(0.10), "meter:meter-1": meter, "meter:meter-2": meter}
    return build_inventory_model(prepared, Assumptions(), _lookup(store), YEAR_2025,
                                 detail=TelemetryDetail(meters=(meter_one, meter_two)))


def we7(expected: dict) -> list[Check]:
    """Monte Carlo with 10^6 trials from default_rng(20240601), draws in the order E, PUE, EF, TE, EL."""
    model = product_model(with_embodied=True)
    run = MonteCarlo(model, seed=WE7_SEED, trials=1_000_000).run()
    product, embodied = run.summaries["operational_co2e_kg"], run.summaries["embodied_co2e_kg"]

    seed_exact = 1e-9
    checks = [
        Check("WE7", "model: mean (seed-exact)", expected["mean_t"], product.mean / 1000, seed_exact, "t"),
        Check("WE7", "model: sd (seed-exact)", expected["sd_t"], product.sd / 1000, seed_exact, "t"),
        Check("WE7", "model: 2.5th percentile (seed-exact)", expected["p2_5_t"], product.low / 1000, seed_exact, "t"),
        Check("WE7", "model: 97.5th percentile (seed-exact)", expected["p97_5_t"], product.high / 1000, seed_exact,
              "t"),
        Check("WE7", "model: embodied median (seed-exact)", expected["emb_median_kg"], embodied.median, seed_exact,
              "kg"),
        Check("WE7", "model: embodied mean (seed-exact)", expected["emb_mean_kg"], embodied.mean, seed_exact, "kg"),
        Check("WE7", "model: embodied 2.5th percentile (seed-exact)", expected["emb_p2_5_kg"], embodied.low,
              seed_exact, "kg"),
        Check("WE7", "model: embodied 97.5th percentile (seed-exact)", expected["emb_p97_5_kg"], embodied.high,
              seed_exact, "kg"),
        Check("WE7", "model: adaptive batch size", expected["adaptive_batch_M"], adaptive_batch_size(0.95), EXACT),
    ]
    checks += _agreement("WE7", product_model(), "operational_co2e_kg", 1000.0, "t")

    linear = analytic.propagate(model, large="none").intervals["embodied_co2e_kg"]
    switched = analytic.propagate(model)
    interval = switched.intervals["embodied_co2e_kg"]
    checks += [
        Check("WE7", "Approach 1 embodied lower bound is negative", 1.0, float(linear.low < 0), EXACT),
        Check("WE7", "switched to Monte Carlo above +/-50 %", 1.0, float(switched.method == "monte_carlo"), EXACT),
        Check("WE7", "switched interval low", expected["emb_p2_5_kg"], interval.low, AGREEMENT, "kg"),
        Check("WE7", "switched interval high", expected["emb_p97_5_kg"], interval.high, AGREEMENT, "kg"),
    ]

    rule = analytic.lognormal_rule(product_model()) if analytic.lognormal_applies(product_model()) else {}
    low, high = (rule["operational_co2e_kg"].low, rule["operational_co2e_kg"].high) if rule else (math.nan, math.nan)
    checks += [
        Check("WE7", "model: lognormal rule low", expected["lognormal_rule_interval_t"][0], low / 1000, 1e-9, "t"),
        Check("WE7", "model: lognormal rule high", expected["lognormal_rule_interval_t"][1], high / 1000, 1e-9, "t"),
    ]
    return checks


# -- WE9: GPU sensor offsets and meter classes --------------------------------------------------------------

def sensor_model(correlation: str) -> UncertaintyModel:
    """512 GPUs at 600 W for 720 h with a +/-5 W persistent offset per GPU, independent or one for all (WE9)."""
    hours = (T2025 + HOUR_S * np.arange(720)).astype(np.int64)
    energy = np.full(720, 512 * 0.6)
    levels = {"gpu_board": energy, "node": np.zeros(720), "it": np.zeros(720), "facility": np.zeros(720)}
    run = RunInput(1, "gpus", "final", "cluster", None, float(hours[0]), float(hours[-1] + HOUR_S), 512, hours,
                   levels, energy.copy())
    detail = TelemetryDetail(np.zeros(512, dtype=np.int64), np.arange(512, dtype=np.int64), np.full(512, 720.0))
    store = {"telemetry.gpu_offset_w": Distribution("uniform", (-5.0, 5.0), False, correlation),
             "telemetry.sampling_steady": Distribution.fixed()}
    return build_footprint_model(PreparedFootprint([run], {}, []), Assumptions(), _lookup(store),
                                 detail=detail)


def we9(expected: dict) -> list[Check]:
    """GPU offsets: +/-81.46 kWh independent, +/-1,843.2 kWh fully correlated (limits, u x sqrt 3)."""
    independent = analytic.propagate(sensor_model("device"), large="none").intervals["gpu_energy_kwh"]
    correlated = analytic.propagate(sensor_model("all"), large="none").intervals["gpu_energy_kwh"]
    class_05 = meter_default("facility", "0.5S")[0]
    class_1 = meter_default("facility", "1")[0]
    return [
        Check("WE9", "model: offsets independent (limit)", expected["indep_kWh"], independent.u * math.sqrt(3), 1e-9,
              "kWh"),
        Check("WE9", "model: offsets fully correlated (limit)", expected["corr_kWh"], correlated.u * math.sqrt(3),
              1e-9, "kWh"),
        Check("WE9", "model: spread ratio correlated / independent", math.sqrt(512), correlated.u / independent.u,
              1e-9),
        Check("WE9", "default: class 0.5S standard uncertainty", expected["class_0_5S_u_pct"], 100 * class_05.sd(),
              1e-9, "%"),
        Check("WE9", "default: class 1 U95", expected["class_1_U95_pct"], 100 * Z95 * class_1.sd(), 1e-9, "%"),
    ]


# -- the NAS decomposition -------------------------------------------------------------------------------------

NAS_FACTORS = ("workload", "hardware", "pue", "intensity")


def nas_emissions_kg(values: Mapping[str, float]) -> float:
    """Recompute one side of the NAS case in the footprint engine: a declared run at system level."""
    declared = DeclaredEnergy("node", accelerator_hours=values["workload"], avg_power_w=values["hardware"])
    run = declared_run(1, "nas", declared, start_s=T2025, end_s=T2025 + 30 * 24 * HOUR_S, zone="Z")
    prepared = PreparedFootprint([run], annual_factors({"Z": values["intensity"] * 1000.0}), [])
    return float(prepared.compute(replace(Assumptions(), pue=values["pue"])).totals["total_co2e_kg"])


def nas_sides(case: dict, published: Mapping[str, dict]) -> tuple[dict[str, float], dict[str, float]]:
    """Return the factor values of the estimate (reference) and the measurement (other)."""
    ref = case["reference"]
    base = published[ref["published_case"]]["inputs"]
    hours = base["hours"] * ref["steps_search"] / ref["steps_base_model"]
    strubell = {"workload": ref["accelerators"] * hours, "hardware": base["total_power_w"] / ref["accelerators"],
                "pue": base["pue"], "intensity": base["ci_lbs_per_kwh"] * LB_KG}
    measured = published[case["other"]["published_case"]]["inputs"]
    patterson = {"workload": measured["chips"] * measured["days"] * 24.0,
                 "hardware": measured["avg_system_power_w_per_chip"], "pue": measured["pue"],
                 "intensity": measured["ci_gross_kg_per_kwh"]}
    return strubell, patterson


def nas_decomposition(case: dict, published: Mapping[str, dict]) -> tuple[shapley.Decomposition, dict, dict]:
    reference, other = nas_sides(case, published)

    def evaluate(switched: frozenset[str]) -> np.ndarray:
        values = {key: other[key] if key in switched else reference[key] for key in NAS_FACTORS}
        return np.array([nas_emissions_kg(values)])

    return shapley.decompose(evaluate, NAS_FACTORS, ("total_co2e_kg",)), reference, other


def nas_case(case: dict, published: Mapping[str, dict]) -> list[Check]:
    """Reproduce both sides, then check the Shapley shares: each factor has one, they add up, order is irrelevant."""
    decomposition, reference, other = nas_decomposition(case, published)
    cid = case["id"]
    ref_published = case["reference"]["published"]
    measured = published[case["other"]["published_case"]]["published"]
    shares = {share.factor: float(share.shapley[0]) for share in decomposition.shares}
    orders = _average_over_orders(reference, other)
    checks = [
        Check(cid, "Strubell estimate, emissions", ref_published["co2e_lbs"],
              float(decomposition.reference[0]) / LB_KG, case["tolerance_rel"], "lb"),
        Check(cid, "Patterson measurement, emissions", measured["gross_t"], float(decomposition.other[0]) / 1000,
              published[case["other"]["published_case"]]["tolerance_rel"], "t"),
        Check(cid, "shares add up to the difference", float(decomposition.difference[0]), sum(shares.values()), 1e-9,
              "kg"),
    ]
    for factor in NAS_FACTORS:
        checks.append(Check(cid, f"{factor} has a share", 1.0, float(abs(shares[factor]) > 0), EXACT))
        checks.append(Check(cid, f"{factor} share equals the average over all 24 orders", orders[factor],
                            shares[factor], 1e-9, "kg"))
    checks += [
        Check(cid, "workload scale lowers the measurement", 1.0, float(shares["workload"] < 0), EXACT),
        Check(cid, "PUE lowers the measurement", 1.0, float(shares["pue"] < 0), EXACT),
        Check(cid, "intensity lowers the measurement", 1.0, float(shares["intensity"] < 0), EXACT),
        Check(cid, "hardware (power per chip) raises the measurement", 1.0, float(shares["hardware"] > 0), EXACT),
    ]
    return checks


def _average_over_orders(reference: Mapping[str, float], other: Mapping[str, float]) -> dict[str, float]:
    totals = {factor: 0.0 for factor in NAS_FACTORS}
    orders = list(itertools.permutations(NAS_FACTORS))
    for order in orders:
        values = dict(reference)
        for factor in order:
            before = nas_emissions_kg(values)
            values[factor] = other[factor]
            totals[factor] += nas_emissions_kg(values) - before
    return {factor: total / len(orders) for factor, total in totals.items()}


UNCERTAINTY_EXAMPLES: dict[str, Callable[[dict], list[Check]]] = {"WE6": we6, "WE7": we7, "WE9": we9}
