"""Regulatory disclosure tables from the disclosure model: ESRS E1-5, ESRS E1-6 and the AI Act energy record.

* ESRS E1-5 (energy consumption and mix of own operations, MWh): fuels from the Scope 1 records,
  purchased electricity of Scope 2 sites split into fossil, nuclear and renewable. Electricity
  covered by contractual instruments takes the instrument's technology; the rest takes the grid
  mix stated in the report header for its market (a residual-mix split would avoid counting
  claimed renewables twice, and is preferable where one is published).
* ESRS E1-6 (gross Scopes 1, 2 and 3 and total GHG emissions, tCO2e): the inventory's totals,
  with the total shown with location-based and with market-based Scope 2.
* EU AI Act Annex XI section 1 point 2(d)/(e) and the GPAI model documentation form: training
  energy (MWh), whether measured or estimated, training compute (FLOP), training time, GPU-hours,
  hardware, boundary and uncertainty, per model; the same record as the SPDX 3.0 AI profile's
  energy consumption.

Row labels paraphrase the ESRS data points; paragraph numbers and exact wording are recalled and
to verify against the adopted text before filing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from workbench.reports.disclosure import Disclosure

MWH_PER_GJ = 1.0 / 3.6
RENEWABLE_TECHNOLOGIES = frozenset({"wind", "solar", "hydro", "biomass", "biogas", "geothermal", "tidal", "wave",
                                    "renewable", "marine"})
NUCLEAR_TECHNOLOGIES = frozenset({"nuclear"})
FINAL_KIND = "final"


@dataclass(frozen=True)
class Row:
    """One row of a regulatory table: label, value, unit and how the value is obtained."""

    key: str
    label: str
    value: float | str | None
    unit: str
    basis: str = ""


def energy_mix(disclosure: Disclosure) -> dict[str, Any]:
    """Split own-operations energy (MWh) into fossil, nuclear and renewable, with the MWh of unknown origin."""
    inventory = disclosure.inventory
    mix = {"fossil": 0.0, "nuclear": 0.0, "renewable": 0.0, "unknown": 0.0}
    fuels = {"diesel": 0.0, "natural_gas": 0.0}
    for record in inventory["scope1"]["records"]:
        if record["kind"] == "fuel" and record.get("fuel_gj"):
            fuels[record["substance"]] = fuels.get(record["substance"], 0.0) + record["fuel_gj"] * MWH_PER_GJ
    mix["fossil"] += sum(fuels.values())

    technology = {item["instrument_id"]: str(item.get("technology") or "").lower() for item in disclosure.instruments}
    grid = {zone: shares for zone, shares in _grid_mixes(disclosure).items()}
    missing = []
    for market in inventory["scope2"]["markets"]:
        attributed = 0.0
        for use in inventory["scope2"]["instruments_used"]:
            if use["market"] != market["market"] or use["covered_mwh"] <= 0:
                continue
            kind = technology.get(use["instrument_id"], "")
            if kind in RENEWABLE_TECHNOLOGIES or kind in NUCLEAR_TECHNOLOGIES:
                mix["renewable" if kind in RENEWABLE_TECHNOLOGIES else "nuclear"] += use["covered_mwh"]
                attributed += use["covered_mwh"]
        rest = market["consumption_mwh"] - attributed
        shares = grid.get(market["market"])
        if shares is None:
            mix["unknown"] += rest
            if rest > 0:
                missing.append(market["market"])
            continue
        for part in ("fossil", "nuclear", "renewable"):
            mix[part] += rest * shares[part]
    purchased = sum(market["consumption_mwh"] for market in inventory["scope2"]["markets"])
    return {"mix_mwh": mix, "fuels_mwh": fuels, "purchased_electricity_mwh": purchased,
            "total_mwh": sum(mix.values()), "markets_without_grid_mix": missing}


def _grid_mixes(disclosure: Disclosure) -> dict[str, dict[str, float]]:
    prefix = "grid_mix."
    return {key[len(prefix):]: value for key, value in disclosure.header.info.items() if key.startswith(prefix)}


def esrs_e1_5(disclosure: Disclosure) -> list[Row]:
    """Return the ESRS E1-5 energy consumption and mix table (MWh and shares)."""
    energy = energy_mix(disclosure)
    mix, fuels = energy["mix_mwh"], energy["fuels_mwh"]
    total = energy["total_mwh"]
    electricity_fossil = mix["fossil"] - sum(fuels.values())

    def share(value: float) -> float | None:
        return value / total if total > 0 else None

    grid_basis = "purchased electricity not covered by instruments x the grid mix stated for its market"
    rows = [
        Row("coal_mwh", "Fuel consumption from coal and coal products", 0.0, "MWh", "no coal in the Scope 1 records"),
        Row("oil_mwh", "Fuel consumption from crude oil and petroleum products", fuels.get("diesel", 0.0), "MWh",
            "diesel of the Scope 1 records, net calorific value"),
        Row("gas_mwh", "Fuel consumption from natural gas", fuels.get("natural_gas", 0.0), "MWh",
            "natural gas of the Scope 1 records"),
        Row("other_fossil_mwh", "Fuel consumption from other fossil sources", 0.0, "MWh", "none recorded"),
        Row("purchased_fossil_mwh", "Purchased or acquired electricity, heat, steam and cooling from fossil sources",
            electricity_fossil, "MWh", grid_basis),
        Row("fossil_mwh", "Total fossil energy consumption", mix["fossil"], "MWh"),
        Row("fossil_share", "Share of fossil sources in total energy consumption", share(mix["fossil"]), "fraction"),
        Row("nuclear_mwh", "Consumption from nuclear sources", mix["nuclear"], "MWh", grid_basis),
        Row("nuclear_share", "Share of nuclear sources in total energy consumption", share(mix["nuclear"]),
            "fraction"),
        Row("renewable_fuel_mwh", "Fuel consumption for renewable sources, including biomass", 0.0, "MWh",
            "no renewable fuels recorded"),
        Row("purchased_renewable_mwh", "Purchased or acquired electricity, heat, steam and cooling from renewable "
                                       "sources", mix["renewable"], "MWh",
            "instruments with a renewable technology, plus the renewable share of the grid mix for the rest"),
        Row("self_generated_renewable_mwh", "Self-generated non-fuel renewable energy", 0.0, "MWh",
            "no on-site generation recorded"),
        Row("renewable_mwh", "Total renewable energy consumption", mix["renewable"], "MWh"),
        Row("renewable_share", "Share of renewable sources in total energy consumption", share(mix["renewable"]),
            "fraction"),
        Row("unknown_mwh", "Energy of unknown origin (no grid mix stated for its market)", mix["unknown"], "MWh",
            ", ".join(energy["markets_without_grid_mix"]) or "none"),
        Row("total_mwh", "Total energy consumption", total, "MWh"),
    ]
    revenue = disclosure.header.info.get("net_revenue")
    if revenue:
        unit = disclosure.header.info.get("net_revenue_unit") or "unit of net revenue"
        rows.append(Row("energy_intensity", "Energy intensity per net revenue", total / float(revenue),
                        f"MWh / {unit}", "required only in high climate impact sectors"))
    return rows


def esrs_e1_6(disclosure: Disclosure) -> list[Row]:
    """Return the ESRS E1-6 gross GHG emissions table in tCO2e (inventory view)."""
    t = disclosure.inventory["totals"]
    s3 = disclosure.inventory["scope3"]
    rows = [
        Row("scope1_t", "Gross Scope 1 GHG emissions", t["scope1_co2e_kg"] / 1000.0, "tCO2e"),
        Row("scope1_ets_share", "Share of Scope 1 from regulated emission trading schemes", None, "fraction",
            "not recorded in the project"),
        Row("scope2_location_t", "Gross location-based Scope 2 GHG emissions", t["scope2_location_co2e_kg"] / 1000.0,
            "tCO2e"),
        Row("scope2_market_t", "Gross market-based Scope 2 GHG emissions", t["scope2_market_co2e_kg"] / 1000.0,
            "tCO2e"),
        Row("scope3_t", "Total gross indirect (Scope 3) GHG emissions", t["scope3_co2e_kg"] / 1000.0, "tCO2e"),
        Row("scope3_cat1_t", "Scope 3 category 1: purchased goods and services (cloud compute, expensed hardware)",
            s3["category_1"]["co2e_kg"] / 1000.0, "tCO2e"),
        Row("scope3_cat2_t", "Scope 3 category 2: capital goods", s3["category_2"]["co2e_kg"] / 1000.0, "tCO2e"),
        Row("scope3_cat3_t", "Scope 3 category 3: fuel- and energy-related activities",
            s3["category_3"]["co2e_kg"] / 1000.0, "tCO2e"),
        Row("total_location_t", "Total GHG emissions (location-based)", t["total_location_based_co2e_kg"] / 1000.0,
            "tCO2e"),
        Row("total_market_t", "Total GHG emissions (market-based)", t["total_market_based_co2e_kg"] / 1000.0,
            "tCO2e"),
        Row("biogenic_t", "Biogenic CO2 emissions, reported outside the scopes", 0.0, "tCO2",
            "no biogenic fuels among the Scope 1 records"),
        Row("credits_t", "Carbon credits (ESRS E1-7), never deducted", t["offsets_co2e_kg"] / 1000.0, "tCO2e"),
    ]
    revenue = disclosure.header.info.get("net_revenue")
    if revenue:
        unit = disclosure.header.info.get("net_revenue_unit") or "unit of net revenue"
        rows.append(Row("intensity_location", "GHG intensity per net revenue (location-based)",
                        t["total_location_based_co2e_kg"] / 1000.0 / float(revenue), f"tCO2e / {unit}"))
        rows.append(Row("intensity_market", "GHG intensity per net revenue (market-based)",
                        t["total_market_based_co2e_kg"] / 1000.0 / float(revenue), f"tCO2e / {unit}"))
    return rows


def ai_act_records(disclosure: Disclosure) -> list[dict[str, Any]]:
    """Return the training-energy record of each model (all runs form one model when none is named)."""
    runs = {run["run"]: run for run in disclosure.footprint["runs"]}
    info = {run["run"]: run for run in disclosure.runs_info}
    models: dict[str, list[str]] = {}
    for name, run in runs.items():
        models.setdefault(run.get("model") or disclosure.header.project_name, []).append(name)
    return [_model_record(disclosure, model, [runs[name] for name in names], [info[name] for name in names])
            for model, names in models.items()]


def _model_record(disclosure: Disclosure, model: str, runs: list[dict], infos: list[dict]) -> dict[str, Any]:
    final = [run for run in runs if run["kind"] == FINAL_KIND]
    final_info = [item for item in infos if item["kind"] == FINAL_KIND]
    flops = [item["flop"] for item in final_info]
    estimated = [run["run"] for run in final if run.get("estimated")]
    energy_kwh = sum(run["facility_energy_kwh"] for run in final)
    uncertain = disclosure.uncertainty.figure("footprint_facility_energy_kwh")
    u95 = uncertain.u95_pct if uncertain is not None else None
    return {
        "model": model,
        "training_energy_mwh": energy_kwh / 1000.0,
        "training_energy_boundary": "final training runs: " + (", ".join(run["run"] for run in final) or "none"),
        "development_energy_mwh": sum(run["facility_energy_kwh"] for run in runs) / 1000.0,
        "development_boundary": "all runs of the model: final, experiments, failed and evaluation runs",
        "energy_method": "estimated" if estimated else "measured",
        "energy_method_detail": "; ".join(sorted({item["energy_method"] for item in final_info})) or None,
        "estimated_runs": estimated,
        "training_compute_flop": sum(flops) if flops and all(value for value in flops) else None,
        "training_time_hours": sum(item["wall_clock_hours"] for item in final_info),
        "gpu_hours": sum(item["accelerator_hours"] for item in final_info if not math.isnan(item["accelerator_hours"])),
        "hardware": sorted({item["hardware"] for item in final_info if item["hardware"]}),
        "grid_zones": sorted({run["zone"] for run in final if run.get("zone")}),
        "location_based_co2e_t": sum(run["operational_co2e_kg"] for run in final) / 1000.0,
        "footprint_co2e_t": sum(run["total_co2e_kg"] for run in final) / 1000.0,
        "boundary_statement": disclosure.header.info.get("run_boundary"),
        "energy_u95_pct": u95,
        "energy_uncertainty_method": disclosure.uncertainty.method,
        "energy_uncertainty_scope": "relative 95 % half-width of the facility energy of all runs, applied to "
                                    "this model",
    }


def spdx_energy(record: dict[str, Any]) -> dict[str, Any]:
    """Return a model's training energy as the SPDX 3.0 AI profile's energy consumption object."""
    return {"trainingEnergyConsumption": [{"energyQuantity": record["training_energy_mwh"] * 1000.0,
                                           "energyUnit": "kilowattHour"}]}
