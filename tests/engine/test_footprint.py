"""Footprint engine known answers: figures small enough to check on a napkin."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from workbench.engine.assumptions import Assumptions
from workbench.engine.embodied import AssetInput
from workbench.engine.footprint import LEVELS, RunInput, prepare

HOUR = 3600
T0 = 1_735_689_600  # 2025-01-01T00:00:00Z


def run_input(name="napkin", *, hours=3, level="gpu_board", kwh_per_hour=1.0, gpus=2, site="dc", zone="FR"):
    hour_starts = T0 + HOUR * np.arange(hours)
    energy = {key: np.zeros(hours) for key in LEVELS}
    energy[level] = np.full(hours, kwh_per_hour)
    gpu_part = energy["gpu_board"].copy()
    return RunInput(run_id=1, name=name, kind="final", site=site, zone=zone, start_s=float(T0),
                    end_s=float(T0 + hours * HOUR), gpu_count=gpus, hours=hour_starts, energy_kwh=energy,
                    gpu_part_kwh=gpu_part)


def factor_rows(rows):
    frame = pd.DataFrame(rows, columns=["zone", "period_start", "period_end", "resolution", "co2e_g_per_kwh"])
    frame["id"] = np.arange(len(frame))
    return frame


HOURLY_FR = factor_rows([("FR", T0 + HOUR * h, T0 + HOUR * (h + 1), "hourly", g)
                         for h, g in enumerate((100.0, 200.0, 300.0))])
ASSETS = [
    AssetInput(1, "server", "server", 1, 2000.0, float(T0 - 86400), 4.0, "dc"),
    AssetInput(2, "gpu", "gpu", 4, 100.0, float(T0 - 86400), 4.0, "dc"),
]


def test_two_gpus_three_hours_napkin():
    model = prepare([run_input()], HOURLY_FR, ASSETS)
    result = model.compute(Assumptions(pue=1.2, node_uplift=1.5))
    run = result.runs[0]

    assert run.gpu_energy_kwh == pytest.approx(3.0)
    assert run.node_energy_kwh == pytest.approx(4.5)
    assert run.facility_energy_kwh == pytest.approx(5.4)
    # 1.8 kWh of facility energy each hour at 100, 200 and 300 g/kWh.
    assert run.operational_co2e_kg == pytest.approx(1.8 * (100 + 200 + 300) / 1000)
    # 2 of the site's 4 GPUs for 3 h of a 4-year (35,040 h) life.
    assert run.resource_share == pytest.approx(0.5)
    assert run.embodied_co2e_kg == pytest.approx((2000 + 4 * 100) * 3 / 35_040 * 0.5)
    assert run.total_co2e_kg == pytest.approx(run.operational_co2e_kg + run.embodied_co2e_kg)
    assert run.factor_resolution_kwh == pytest.approx({"hourly": 5.4})
    assert result.view == "footprint"
    assert result.totals["total_co2e_kg"] == pytest.approx(run.total_co2e_kg)


def test_recompute_matches_fresh_model_after_pue_change():
    model = prepare([run_input()], HOURLY_FR, ASSETS)
    base = Assumptions(pue=1.2, node_uplift=1.5)
    model.compute(base)
    changed = model.compute(replace(base, pue=1.5))
    fresh = prepare([run_input()], HOURLY_FR, ASSETS).compute(replace(base, pue=1.5))
    assert changed.totals == pytest.approx(fresh.totals)
    assert changed.runs[0].operational_co2e_kg == pytest.approx(1.8 / 1.2 * 1.5 * 0.6)


def test_facility_level_energy_gets_no_pue_or_uplift():
    model = prepare([run_input(level="facility", kwh_per_hour=10.0)], HOURLY_FR, [])
    low = model.compute(Assumptions(pue=1.1)).runs[0]
    high = model.compute(Assumptions(pue=2.0, node_uplift=2.0)).runs[0]
    assert low.facility_energy_kwh == pytest.approx(30.0)
    assert high.facility_energy_kwh == pytest.approx(30.0)
    assert high.operational_co2e_kg == pytest.approx(10.0 * (100 + 200 + 300) / 1000)


def test_node_level_energy_gets_pue_but_no_uplift():
    run = prepare([run_input(level="node", kwh_per_hour=2.0)], HOURLY_FR, []).compute(
        Assumptions(pue=1.5, node_uplift=3.0)).runs[0]
    assert run.node_energy_kwh == pytest.approx(6.0)
    assert run.facility_energy_kwh == pytest.approx(9.0)


def test_hourly_factor_preferred_over_annual():
    rows = factor_rows([("FR", T0 - 10 * 86400, T0 + 355 * 86400, "annual", 250.0),
                        ("FR", T0 + HOUR, T0 + 2 * HOUR, "hourly", 50.0)])
    run = prepare([run_input()], rows, []).compute(Assumptions(pue=1.0, node_uplift=1.0)).runs[0]
    assert run.operational_co2e_kg == pytest.approx((250 + 50 + 250) / 1000)
    assert run.factor_resolution_kwh == pytest.approx({"annual": 2.0, "hourly": 1.0})


def test_missing_factor_is_reported_not_hidden():
    rows = factor_rows([("FR", T0, T0 + HOUR, "hourly", 100.0)])
    run = prepare([run_input()], rows, []).compute(Assumptions(pue=1.0, node_uplift=1.0)).runs[0]
    assert run.unmatched_energy_kwh == pytest.approx(2.0)
    assert run.operational_co2e_kg == pytest.approx(0.1)
    assert "has no emission factor for zone FR" in run.warnings[0]


def test_factor_zone_assumption_overrides_site_zone():
    rows = pd.concat([HOURLY_FR, factor_rows([("DE", T0 - HOUR, T0 + 10 * HOUR, "other", 400.0)])])
    model = prepare([run_input()], rows, [])
    run = model.compute(Assumptions(pue=1.0, node_uplift=1.0, factor_zone="DE")).runs[0]
    assert run.zone == "DE"
    assert run.operational_co2e_kg == pytest.approx(3 * 400 / 1000)


def test_lifetime_and_share_overrides():
    model = prepare([run_input()], HOURLY_FR, ASSETS)
    run = model.compute(Assumptions(lifetime_years=2.0, resource_share=1.0)).runs[0]
    assert run.embodied_co2e_kg == pytest.approx(2400 * 3 / (2 * 8760))


def test_asset_out_of_service_is_not_charged():
    late = [AssetInput(1, "server", "server", 1, 2000.0, float(T0 + 10 * 86400), 4.0, "dc")]
    old = [AssetInput(1, "server", "server", 1, 2000.0, float(T0 - 5 * 365 * 86400), 4.0, "dc")]
    for assets in (late, old):
        run = prepare([run_input()], HOURLY_FR, assets).compute(Assumptions(resource_share=1.0)).runs[0]
        assert run.embodied_co2e_kg == 0.0


def test_sci_embodied_matches_worked_example_three():
    # 64 servers of 2,500 kg plus 8 GPUs of 150 kg each, all reserved for 720 h, 5-year life.
    assets = [AssetInput(1, "server", "server", 64, 2500.0, float(T0 - 86400), 5.0, "dc"),
              AssetInput(2, "gpu", "gpu", 512, 150.0, float(T0 - 86400), 5.0, "dc")]
    run = replace(run_input(hours=720, gpus=512), end_s=float(T0 + 720 * HOUR))
    result = prepare([run], HOURLY_FR, assets).compute(Assumptions()).runs[0]
    assert result.resource_share == 1.0
    assert result.embodied_co2e_kg == pytest.approx(3892.6027397260273, rel=1e-12)


def test_hourly_series_adds_up_to_run_totals():
    model = prepare([run_input()], HOURLY_FR, [])
    assumptions = Assumptions(pue=1.3, node_uplift=1.4)
    hourly = model.hourly(assumptions)
    run = model.compute(assumptions).runs[0]
    assert hourly["facility_energy_kwh"].sum() == pytest.approx(run.facility_energy_kwh)
    assert hourly["operational_co2e_kg"].sum() == pytest.approx(run.operational_co2e_kg)
