"""Inventory engine: Scope 1, market-based Scope 2, Scope 3 and the hour-by-hour energy sources."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from workbench.engine.assumptions import Assumptions
from workbench.engine.declared import DeclaredEnergy
from workbench.engine.embodied import AssetInput
from workbench.engine.factors import factor_tables
from workbench.engine.footprint import LEVELS, PreparedFootprint, RunInput, declared_run
from workbench.engine.gwp import normalize_refrigerant, refrigerant_gwp
from workbench.engine.inventory import PreparedInventory, SiteInput
from workbench.engine.periods import parse_period
from workbench.engine.scope1 import Scope1Activity, scope1
from workbench.engine.scope2 import InstrumentInput, MarketConsumption, allocate_market, market_based
from workbench.errors import UsageError

HOUR = 3600
T0 = 1_735_689_600  # 2025-01-01T00:00:00Z
DAY = parse_period("2025-01-01")
A = Assumptions()


def tables(zone_values: dict[str, float], start=T0, end=T0 + 365 * 86400):
    rows = pd.DataFrame([{"id": i, "zone": zone, "period_start": start, "period_end": end, "resolution": "annual",
                          "co2e_g_per_kwh": value} for i, (zone, value) in enumerate(zone_values.items())])
    return factor_tables(rows)


# -- Scope 1 -------------------------------------------------------------------------------------------

def test_scope1_gwp_set_changes_refrigerant_only_by_gwp():
    top_up = [Scope1Activity(1, "refrigerant", "r410a", 2.0, "kg", T0)]
    ar5 = scope1(top_up, replace(A, gwp_set="AR5"))
    ar6 = scope1(top_up, replace(A, gwp_set="AR6"))
    assert ar5.co2e_kg == pytest.approx(2 * 1924)
    assert ar6.co2e_kg == pytest.approx(2 * 2255.5)
    assert ar5.gwp_set == "AR5"
    assert ar6.gas_kg == {"r410a": 2.0}


def test_refrigerant_composition_and_stated_gwp():
    assert normalize_refrigerant("R32") == "R-32"
    assert refrigerant_gwp("R-32", "AR6") == (771.0, "AR6 GWP of HFC-32")
    custom = Scope1Activity(1, "refrigerant", "house blend", 1.0, "t", T0,
                            composition={"HFC-32": 0.25, "HFC-134a": 0.75})
    stated = Scope1Activity(2, "refrigerant", "R-999", 3.0, "kg", T0, gwp=100.0)
    result = scope1([custom, stated], A)
    assert result.lines[0].co2e_kg == pytest.approx(1000 * (0.25 * 771 + 0.75 * 1530))
    assert result.lines[1].co2e_kg == pytest.approx(300.0)
    with pytest.raises(UsageError, match="add up to 0.9"):
        scope1([replace(custom, composition={"HFC-32": 0.9})], A)


def test_fuel_units_and_gases():
    a = replace(A, gwp_set="AR6")
    litres = scope1([Scope1Activity(1, "fuel", "diesel", 1000.0, "L", T0)], a).lines[0]
    energy = scope1([Scope1Activity(2, "fuel", "diesel", litres.fuel_gj, "GJ", T0)], a).lines[0]
    gas = scope1([Scope1Activity(3, "fuel", "natural_gas", 1000.0, "kWh", T0)], a).lines[0]
    assert litres.fuel_gj == pytest.approx(1000 * 0.84 * 43.0 / 1000)
    assert energy.co2e_kg == pytest.approx(litres.co2e_kg)
    assert litres.gas_kg["CH4"] == pytest.approx(litres.fuel_gj * 3.0 / 1000)
    assert litres.co2e_kg == pytest.approx(litres.fuel_gj * (74.1 + 0.003 * 29.8 + 0.0006 * 273))
    assert gas.gas_kg["CO2"] == pytest.approx(3.6 * 56.1)
    with pytest.raises(UsageError, match="cannot convert natural_gas in 'm3'"):
        scope1([Scope1Activity(4, "fuel", "natural_gas", 10.0, "m3", T0)], a)
    with pytest.raises(UsageError, match="no default factors for fuel 'coal'"):
        scope1([Scope1Activity(5, "fuel", "coal", 10.0, "GJ", T0)], a)


def test_scope1_period_and_stated_factor():
    records = [Scope1Activity(1, "fuel", "hvo", 100.0, "L", T0, co2e_kg_per_unit=0.5),
               Scope1Activity(2, "fuel", "diesel", 100.0, "L", T0 - 86400)]
    result = scope1(records, A, parse_period("2025"))
    assert len(result.lines) == 1
    assert result.co2e_kg == pytest.approx(50.0)
    assert result.gas_co2e_kg == {"CO2e (stated factor)": 50.0}


# -- market-based Scope 2 ------------------------------------------------------------------------------

def consumption(market="M", hours=4, kwh=1000.0, location_g=400.0):
    hour_starts = (T0 + HOUR * np.arange(hours)).astype(np.int64)
    energy = np.full(hours, kwh)
    return MarketConsumption(market, hour_starts, energy, energy * location_g / 1000.0)


def instrument(identifier, kind="eac", mwh=1.0, ef=0.0, start=T0, end=T0 + 86400, **fields):
    return InstrumentInput(identifier, kind, fields.pop("market", "M"), mwh, ef, start, end, **fields)


def test_hourly_certificate_covers_its_hour_only():
    residual = tables({"M": 600.0})["M"]
    hourly = instrument("h1", mwh=5.0, start=T0 + HOUR, end=T0 + 2 * HOUR)
    result, uses = allocate_market(consumption(), [hourly], residual, DAY)
    assert uses[0].covered_mwh == pytest.approx(1.0)
    assert uses[0].unused_mwh == pytest.approx(4.0)
    assert result.residual_mix_mwh == pytest.approx(3.0)
    assert result.co2e_kg == pytest.approx(3000 * 0.6)


def test_hierarchy_order_and_supplier_rest():
    residual = tables({"M": 600.0})["M"]
    items = [instrument("supplier", "supplier", None, 100.0), instrument("ppa", "ppa", 1.0, 10.0),
             instrument("go", "eac", 1.5, 0.0)]
    result, uses = allocate_market(consumption(), items, residual, DAY)
    assert [use.instrument_id for use in uses] == ["go", "ppa", "supplier"]
    assert result.covered_mwh == pytest.approx({"eac": 1.5, "ppa": 1.0, "supplier": 1.5})
    assert result.residual_mix_mwh == 0.0
    assert result.co2e_kg == pytest.approx(1.0 * 10 + 1.5 * 100)
    assert result.shares()["eac"] == pytest.approx(0.375)


def test_failed_criteria_exclude_instruments():
    items = [instrument("unretired", retired=False), instrument("old", start=T0 - 400 * 86400, end=T0 - 35 * 86400),
             instrument("abroad", market="N"), instrument("stated", criteria={7: False}, criteria_notes={7: "GOs sold"}),
             instrument("first", certificate_ids=("C-1",)), instrument("again", certificate_ids=("C-1", "C-2")),
             instrument("credit", "offset", None, credit_co2e_kg=5000.0)]
    result = market_based([consumption()], items, tables({"M": 600.0}), DAY)
    excluded = {item.instrument_id: item.failed_criteria for item in result.excluded}
    assert excluded == {"unretired": (3,), "old": (4,), "abroad": (5,), "stated": (7,), "again": (2,)}
    assert [use.instrument_id for use in result.used] == ["first"]
    assert [item.instrument_id for item in result.offsets] == ["credit"]
    assert result.co2e_kg == pytest.approx(3000 * 0.6)
    assert any("GOs sold" in note for note in result.disclosures)
    assert any("not deducted" in note for note in result.disclosures)


def test_residual_mix_unavailable_uses_location_and_says_so():
    result = market_based([consumption(location_g=400.0)], [instrument("go", mwh=1.0)], {}, DAY)
    market = result.markets[0]
    assert market.location_fallback_mwh == pytest.approx(3.0)
    assert market.location_fallback_co2e_kg == pytest.approx(3000 * 0.4)
    assert "residual mix unavailable" in result.disclosures[0]
    plain = market_based([consumption(market="X")], [], {}, DAY)
    assert "no contractual instruments and no residual mix" in plain.disclosures[0]


# -- inventory -----------------------------------------------------------------------------------------

def run_at(site, hours, kwh_per_hour, start=T0, level="gpu_board"):
    hour_starts = (start + HOUR * np.arange(hours)).astype(np.int64)
    energy = {key: np.zeros(hours) for key in LEVELS}
    energy[level] = np.full(hours, kwh_per_hour)
    return RunInput(1, f"run@{site}", "final", site, "Z", float(start), float(start + hours * HOUR), 8, hour_starts,
                    energy, energy["gpu_board"].copy())


def test_meter_hours_win_and_runs_fill_the_rest():
    run = run_at("dc", 4, 10.0)
    footprint = PreparedFootprint([run], tables({"Z": 100.0}), [])
    meter_hours = np.array([T0, T0 + HOUR], dtype=np.int64)
    site = SiteInput("dc", "Z", facility_hours=meter_hours, facility_kwh=np.array([50.0, 60.0]))
    a = replace(A, pue=1.5, node_uplift=1.2)
    result = PreparedInventory(footprint, [site]).compute(a, DAY)
    row = result.sites[0]
    runs_kwh = 2 * 10 * 1.2 * 1.5
    assert row.energy_by_source_kwh == pytest.approx({"facility_meter": 110.0, "it_meter_x_pue": 0.0,
                                                      "runs": runs_kwh})
    assert row.co2e_kg == pytest.approx((110.0 + runs_kwh) * 0.1)
    assert row.runs_facility_kwh_in_metered_hours == pytest.approx(runs_kwh)
    assert row.runs_node_kwh_in_metered_hours == pytest.approx(24.0)
    assert any("meters cover 2 of 24 hours" in note for note in result.disclosures)
    assert any("20 hours of the period have neither" in note for note in result.disclosures)


def test_it_meter_times_pue():
    site = SiteInput("dc", "Z", it_hours=np.array([T0], dtype=np.int64), it_kwh=np.array([100.0]))
    footprint = PreparedFootprint([], tables({"Z": 100.0}), [])
    result = PreparedInventory(footprint, [site]).compute(replace(A, pue=1.3), DAY)
    assert result.sites[0].energy_kwh == pytest.approx(130.0)
    assert result.totals["defaulted_co2e_kg"] == 0.0
    defaulted = PreparedInventory(footprint, [site]).compute(replace(A, pue=1.3, defaulted_keys=frozenset({"pue"})),
                                                             DAY)
    assert defaulted.totals["defaulted_co2e_kg"] == pytest.approx(30 * 0.1)


def test_cloud_site_goes_to_category_one():
    runs = [run_at("cloud-a", 2, 10.0, level="facility"), replace(run_at("dc", 2, 10.0, level="facility"), run_id=2)]
    footprint = PreparedFootprint(runs, tables({"Z": 100.0}), [])
    sites = [SiteInput("cloud-a", "Z", boundary="cloud"), SiteInput("dc", "Z")]
    result = PreparedInventory(footprint, sites).compute(A, DAY)
    assert result.totals["scope2_location_co2e_kg"] == pytest.approx(2.0)
    assert result.scope3["category_1"]["cloud_compute_co2e_kg"] == pytest.approx(2.0)
    assert result.totals["scope2_market_co2e_kg"] == pytest.approx(2.0)
    assert any("cloud site" in note for note in result.disclosures)


def test_category_three_needs_its_factors():
    footprint = PreparedFootprint([run_at("dc", 1, 100.0, level="facility")], tables({"Z": 200.0}), [])
    inventory = PreparedInventory(footprint, [SiteInput("dc", "Z")],
                                  scope1_activities=[Scope1Activity(1, "fuel", "diesel", 10.0, "L", T0)])
    missing = inventory.compute(A, DAY)
    assert missing.scope3["category_3"]["calculated"] == {"3a": False, "3b": False, "3c": False}
    assert sum("is not calculated" in note for note in missing.disclosures) == 2
    assert any("incomplete: set the well-to-tank factor of diesel" in note for note in missing.disclosures)
    a = replace(A, electricity_wtt_g_per_kwh=50.0, td_loss_rate=0.1, diesel_wtt_kg_per_l=0.6)
    full = inventory.compute(a, DAY).scope3["category_3"]
    assert full["upstream_electricity_co2e_kg"] == pytest.approx(5.0)
    assert full["td_losses_co2e_kg"] == pytest.approx(0.1 * (20.0 + 5.0))
    assert full["upstream_fuels_co2e_kg"] == pytest.approx(6.0)


def test_capital_goods_by_acquisition_and_accounting():
    assets = [AssetInput(1, "GPUs", "gpu", 8, 150.0, T0, 5.0, "dc", acquired_s=T0 + 86400 * 40),
              AssetInput(2, "switch", "network", 1, 300.0, T0, 5.0, "dc", acquired_s=T0 + 86400 * 41, expensed=True),
              AssetInput(3, "old server", "server", 1, 2500.0, T0 - 400 * 86400, 5.0, "dc")]
    footprint = PreparedFootprint([], {}, assets)
    result = PreparedInventory(footprint, []).compute(A, parse_period("2025"))
    assert result.totals["scope3_category_2_co2e_kg"] == pytest.approx(1200.0)
    assert result.scope3["category_1"]["expensed_hardware_co2e_kg"] == pytest.approx(300.0)
    assert [good.asset_id for good in result.capital_goods] == [1, 2]


def test_inventory_totals_and_shares_add_up():
    footprint = PreparedFootprint([run_at("dc", 3, 10.0)], tables({"Z": 300.0}), [])
    inventory = PreparedInventory(footprint, [SiteInput("dc", "Z", "Z")],
                                  [InstrumentInput("go", "eac", "Z", 0.01, 0.0, T0, T0 + 86400)],
                                  [Scope1Activity(1, "refrigerant", "R-32", 1.0, "kg", T0)],
                                  tables({"Z": 500.0}))
    totals = inventory.compute(A, DAY).totals
    assert totals["total_location_based_co2e_kg"] == pytest.approx(
        totals["scope1_co2e_kg"] + totals["scope2_location_co2e_kg"] + totals["scope3_co2e_kg"])
    assert totals["total_market_based_co2e_kg"] == pytest.approx(
        totals["scope1_co2e_kg"] + totals["scope2_market_co2e_kg"] + totals["scope3_co2e_kg"])
    assert totals["measured_share"] + totals["estimated_share"] + totals["defaulted_share"] == pytest.approx(1.0)
    energy = 3 * 10 * 1.35 * 1.55
    assert totals["scope2_market_co2e_kg"] == pytest.approx((energy - 10.0) * 0.5)


def test_declared_runs_count_in_inventory():
    run = declared_run(1, "paper", DeclaredEnergy("node", energy_kwh=48.0), start_s=T0, end_s=T0 + 2 * HOUR,
                       site="dc", zone="Z")
    footprint = PreparedFootprint([run], tables({"Z": 100.0}), [])
    result = PreparedInventory(footprint, [SiteInput("dc", "Z")]).compute(replace(A, pue=1.25), DAY)
    assert result.sites[0].energy_kwh == pytest.approx(60.0)
