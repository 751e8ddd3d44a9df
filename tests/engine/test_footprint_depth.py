"""Footprint at depth: distribution losses, declared runs, periods, metered PUE, quality and time."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from workbench.engine.assumptions import SPECS, Assumptions
from workbench.engine.declared import DeclaredEnergy, assumption_keys, declared_energy_kwh, energy_method
from workbench.engine.embodied import AssetInput
from workbench.engine.footprint import LEVELS, RunInput, declared_run, prepare, uniform_profile
from workbench.engine.periods import parse_period
from workbench.engine.run_sums import MeteredPue

HOUR = 3600
T0 = 1_735_689_600  # 2025-01-01T00:00:00Z


def telemetry_run(name="napkin", *, hours=3, kwh_per_hour=1.0, site="dc", zone="FR", category=None, gpus=2,
                  kind="final", model=None, start=T0):
    hour_starts = start + HOUR * np.arange(hours)
    energy = {key: np.zeros(hours) for key in LEVELS}
    energy["gpu_board"] = np.full(hours, kwh_per_hour)
    return RunInput(run_id=1, name=name, kind=kind, site=site, zone=zone, start_s=float(start),
                    end_s=float(start + hours * HOUR), gpu_count=gpus, hours=hour_starts, energy_kwh=energy,
                    gpu_part_kwh=energy["gpu_board"].copy(), pue_category=category, model=model)


def factors(rows):
    frame = pd.DataFrame(rows, columns=["zone", "period_start", "period_end", "resolution", "co2e_g_per_kwh"])
    frame["id"] = np.arange(len(frame))
    return frame


HOURLY = factors([("FR", T0 + HOUR * h, T0 + HOUR * (h + 1), "hourly", g) for h, g in enumerate((100.0, 200.0, 300.0))]
                 + [("FR", T0, T0 + 365 * 86400, "annual", 150.0)])
PLAIN = Assumptions(pue=1.2, node_uplift=1.5)


def test_pue1_site_adds_distribution_losses():
    run = prepare([telemetry_run(category="PUE1")], HOURLY, []).compute(PLAIN).runs[0]
    assert run.f_dist == pytest.approx(1.03)
    assert run.pue_category == "PUE1"
    assert run.it_energy_kwh == pytest.approx(4.5 * 1.03)
    assert run.facility_energy_kwh == pytest.approx(4.5 * 1.03 * 1.2)


def test_pue_category_assumption_overrides_site():
    model = prepare([telemetry_run(category="PUE1")], HOURLY, [])
    run = model.compute(replace(PLAIN, pue_category="PUE3")).runs[0]
    assert run.f_dist == 1.0
    assert run.facility_energy_kwh == pytest.approx(5.4)
    run = model.compute(replace(PLAIN, pue_category="PUE2", distribution_loss_pdu=0.02)).runs[0]
    assert run.facility_energy_kwh == pytest.approx(4.5 * 1.02 * 1.2)


def test_declared_run_methods():
    a = Assumptions()
    stated = DeclaredEnergy("node", energy_kwh=123.0)
    power = DeclaredEnergy("gpu_board", accelerators=8, accelerator_hours=80.0, avg_power_w=500.0)
    tdp = DeclaredEnergy("gpu_board", accelerator_hours=80.0, tdp_w=700.0)
    compute = DeclaredEnergy("gpu_board", flops=3600 * 989e12 * 0.4 * 10)
    assert [energy_method(d) for d in (stated, power, tdp, compute)] == [
        "stated_energy", "measured_power", "tdp", "compute"]
    assert declared_energy_kwh(stated, a) == (123.0, None)
    assert declared_energy_kwh(power, a) == (40.0, 80.0)
    assert declared_energy_kwh(tdp, replace(a, tdp_utilization=0.5)) == (28.0, 80.0)
    energy, hours = declared_energy_kwh(compute, a)
    assert hours == pytest.approx(10.0)
    assert energy == pytest.approx(10.0 * 0.7)
    assert assumption_keys(compute) == ("compute_mfu", "compute_peak_flops_per_s", "compute_power_w")
    with pytest.raises(ValueError, match="needs energy_kwh"):
        energy_method(DeclaredEnergy("node"))


def test_declared_run_flows_through_chain_and_factors():
    declared = DeclaredEnergy("gpu_board", accelerators=2, avg_power_w=500.0)
    run = declared_run(7, "paper", declared, start_s=T0 + 1800, end_s=T0 + 1800 + 2 * HOUR, site="dc", zone="FR")
    assert run.declared.accelerator_hours == pytest.approx(4.0)
    assert run.hours.tolist() == [T0, T0 + HOUR, T0 + 2 * HOUR]
    row = prepare([run], HOURLY, []).compute(PLAIN).runs[0]
    assert row.gpu_energy_kwh == pytest.approx(2.0)
    assert row.facility_energy_kwh == pytest.approx(2.0 * 1.5 * 1.2)
    # A quarter of the energy in the first and last hours, half in the second.
    assert row.operational_co2e_kg == pytest.approx(3.6 * (0.25 * 100 + 0.5 * 200 + 0.25 * 300) / 1000)
    assert row.estimated is True
    assert row.energy_basis == "declared"
    assert row.energy_method == "measured_power"


def test_declared_energy_moves_with_assumption():
    run = declared_run(1, "tdp only", DeclaredEnergy("node", accelerator_hours=10.0, tdp_w=1000.0),
                       start_s=T0, end_s=T0 + HOUR, zone="FR")
    model = prepare([run], HOURLY, [])
    full = model.compute(replace(PLAIN, tdp_utilization=1.0)).runs[0]
    half = model.compute(replace(PLAIN, tdp_utilization=0.5)).runs[0]
    assert full.facility_energy_kwh == pytest.approx(12.0)
    assert half.facility_energy_kwh == pytest.approx(6.0)


def test_uniform_profile_shares():
    hours, weights = uniform_profile(T0 + 900, T0 + 2 * HOUR)
    assert hours.tolist() == [T0, T0 + HOUR]
    assert weights.tolist() == pytest.approx([2700 / 6300, 3600 / 6300])


def test_period_limits_hours_and_embodied():
    assets = [AssetInput(1, "server", "server", 1, 8760.0, float(T0 - 86400), 1.0, "dc")]
    model = prepare([telemetry_run(hours=3)], HOURLY, assets)
    period = parse_period("2025-01-01T01:00Z/2025-01-01T03:00Z")
    row = model.compute(replace(PLAIN, resource_share=1.0), period).runs[0]
    assert row.hours == 2
    assert row.gpu_energy_kwh == pytest.approx(2.0)
    assert row.operational_co2e_kg == pytest.approx(1.8 * (200 + 300) / 1000)
    assert row.embodied_co2e_kg == pytest.approx(2.0)


def test_metered_pue_used_where_meters_exist():
    metered = {"dc": MeteredPue(np.array([T0, T0 + HOUR]), np.array([1.1, 1.4]), "PUE3")}
    model = prepare([telemetry_run()], HOURLY, [], metered)
    row = model.compute(replace(PLAIN, pue_source="metered")).runs[0]
    assert row.facility_energy_kwh == pytest.approx(1.5 * (1.1 + 1.4 + 1.2))
    assert row.operational_co2e_kg == pytest.approx(1.5 * (1.1 * 100 + 1.4 * 200 + 1.2 * 300) / 1000)
    assert row.measured_co2e_kg + row.estimated_co2e_kg + row.defaulted_co2e_kg == pytest.approx(
        row.total_co2e_kg)
    plain = model.compute(PLAIN).runs[0]
    assert plain.facility_energy_kwh == pytest.approx(5.4)


def test_quality_split_adds_up_and_follows_defaults():
    assets = [AssetInput(1, "server", "server", 1, 1000.0, float(T0 - 86400), 4.0, "dc")]
    model = prepare([telemetry_run(category="PUE1")], HOURLY, assets)
    all_set = model.compute(PLAIN).runs[0]
    assert all_set.defaulted_co2e_kg == 0.0
    # GPU energy at the factors is measured: 1 kWh per hour at 100, 200 and 300 g/kWh.
    assert all_set.measured_co2e_kg == pytest.approx(0.6)
    assert all_set.estimated_co2e_kg == pytest.approx(all_set.total_co2e_kg - 0.6)
    defaults = frozenset(SPECS)
    defaulted = model.compute(replace(PLAIN, defaulted_keys=defaults)).runs[0]
    # Uplift, distribution losses and PUE rest on defaults; the embodied part stays estimated.
    assert defaulted.defaulted_co2e_kg == pytest.approx(defaulted.operational_co2e_kg - 0.6)
    assert defaulted.estimated_co2e_kg == pytest.approx(defaulted.embodied_co2e_kg)


def test_annual_factor_delta_decomposes():
    row = prepare([telemetry_run()], HOURLY, []).compute(PLAIN).runs[0]
    assert row.operational_co2e_kg == pytest.approx(1.8 * 600 / 1000)
    assert row.annual_factor_co2e_kg == pytest.approx(1.8 * 3 * 150 / 1000)
    assert row.annual_factor_delta_co2e_kg == pytest.approx(1.8 * 3 * 150 / 1000 - 1.08)
    # A flat load has no covariance with the intensity: the whole delta is the mean offset.
    assert row.covariance_term_co2e_kg == pytest.approx(0.0, abs=1e-12)
    assert row.mean_offset_term_co2e_kg == pytest.approx(row.annual_factor_delta_co2e_kg)


def test_annual_delta_covariance_for_peaky_load():
    run = telemetry_run()
    run.energy_kwh["gpu_board"][:] = [0.0, 0.0, 3.0]
    row = prepare([run], HOURLY, []).compute(replace(PLAIN, pue=1.0, node_uplift=1.0)).runs[0]
    assert row.operational_co2e_kg == pytest.approx(0.9)
    assert row.annual_factor_co2e_kg == pytest.approx(0.45)
    # Mean of the hourly factors is 200 g/kWh: flat-load emissions 0.6 kg.
    assert row.covariance_term_co2e_kg == pytest.approx(0.6 - 0.9)
    assert row.mean_offset_term_co2e_kg == pytest.approx(0.45 - 0.6)


def test_models_kinds_and_sci_per_tokens():
    runs = [replace(telemetry_run("final", model="m", kind="final"), run_id=1, tokens=2e9),
            replace(telemetry_run("ablation", model="m", kind="experiment"), run_id=2),
            replace(telemetry_run("other"), run_id=3)]
    result = prepare(runs, HOURLY, []).compute(PLAIN)
    total = result.totals["total_co2e_kg"]
    models = result.by_model()
    assert set(models) == {"m"}
    assert models["m"]["runs"] == 2
    assert models["m"]["sci_co2e_kg_per_1e9_tokens"] == pytest.approx(total * 2 / 3 / 2)
    assert set(models["m"]["by_kind"]) == {"final", "experiment"}
    assert result.by_kind()["final"]["total_co2e_kg"] == pytest.approx(total * 2 / 3)
    assert result.runs[0].sci_co2e_kg_per_1e9_tokens == pytest.approx(total / 3 / 2)
    selected = prepare(runs, HOURLY, []).compute(PLAIN, selection=[1])
    assert [row.run for row in selected.runs] == ["ablation"]
    assert selected.totals["total_co2e_kg"] == pytest.approx(total / 3)


def test_bloom_and_llmcarbon_embodied():
    assets = [AssetInput(1, "server", "server", 1, 2500.0, float(T0 - 86400), 6.0, "dc"),
              AssetInput(2, "gpu", "gpu", 2, 150.0, float(T0 - 86400), 6.0, "dc", usage_rate=0.5)]
    model = prepare([telemetry_run(hours=10)], HOURLY, assets)
    bloom = model.compute(replace(PLAIN, embodied_method="bloom", usage_rate=0.8)).runs[0]
    per_hour = 2500 / (6 * 8760 * 0.8) + 300 / (6 * 8760 * 0.5)
    assert bloom.embodied_co2e_kg == pytest.approx(10 * per_hour)
    chips = model.compute(replace(PLAIN, embodied_method="llmcarbon")).runs[0]
    assert chips.embodied_co2e_kg == pytest.approx(2 * 10 * 8.14 * 1.8 / (5 * 8760))
    assert chips.resource_share is None
