"""Uncertainty models of both views: point results, per-trial agreement with the engine, Monte Carlo, sensitivity."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from workbench.engine.assumptions import Assumptions
from workbench.engine.declared import DeclaredEnergy
from workbench.engine.embodied import AssetInput
from workbench.engine.factors import factor_tables
from workbench.engine.footprint import PreparedFootprint, RunInput, declared_run
from workbench.engine.inventory import PreparedInventory, SiteInput
from workbench.engine.run_sums import MeteredPue
from workbench.engine.scope1 import Scope1Activity
from workbench.engine.scope2 import InstrumentInput
from workbench.engine.uncertainty import analytic, sensitivity
from workbench.engine.uncertainty.builder import ModelBuilder, Resolved
from workbench.engine.uncertainty.distributions import Z95, Distribution
from workbench.engine.uncertainty.footprint_model import TelemetryDetail, build_footprint_model
from workbench.engine.uncertainty.inventory_model import build_inventory_model
from workbench.engine.uncertainty.model import UncertainInput
from workbench.engine.uncertainty.montecarlo import MonteCarlo, shortest_interval, summarize
from workbench.engine.periods import parse_period
from workbench.errors import OperationCancelled
from workbench.progress import Progress

HOUR = 3600
T0 = 1_735_689_600  # 2025-01-01T00:00:00Z
YEAR_S = 8760 * HOUR
OUTPUTS = ("gpu_energy_kwh", "facility_energy_kwh", "operational_co2e_kg", "embodied_co2e_kg", "total_co2e_kg")


def lookup_of(store: dict) -> callable:
    return lambda key: Resolved(store[key], "test", "test") if key in store else None


def _factors() -> dict:
    rows = [{"id": 100 + h, "zone": "Z", "period_start": T0 + h * HOUR, "period_end": T0 + (h + 1) * HOUR,
             "resolution": "hourly", "co2e_g_per_kwh": 300.0 + 40.0 * (h % 24 < 12)} for h in range(24 * 40)]
    rows.append({"id": 1, "zone": "A", "period_start": T0, "period_end": T0 + YEAR_S, "resolution": "annual",
                 "co2e_g_per_kwh": 420.0})
    return factor_tables(pd.DataFrame(rows))


def _telemetry_run(run_id: int, name: str, start_h: int, hours: int, kwh: float, site: str, zone: str,
                   node_kwh: float = 0.0) -> RunInput:
    stamps = (T0 + HOUR * (start_h + np.arange(hours))).astype(np.int64)
    board = np.full(hours, kwh)
    levels = {"gpu_board": board, "node": np.full(hours, node_kwh), "it": np.zeros(hours),
              "facility": np.zeros(hours)}
    return RunInput(run_id, name, "final", site, zone, float(stamps[0]), float(stamps[-1] + HOUR), 2, stamps, levels,
                    board.copy(), pue_category="PUE2")


def napkin_footprint() -> PreparedFootprint:
    """Two telemetry runs (one short), a declared compute-based run, a metered PUE and assets near end of life."""
    runs = [
        _telemetry_run(1, "train", 5, 30, 1.2, "s1", "Z", node_kwh=0.3),
        _telemetry_run(2, "probe", 200, 1, 0.8, "s1", "Z"),
        _telemetry_run(4, "edge", 300, 20, 0.4, "s4", "Z", node_kwh=0.1),
        declared_run(3, "paper", DeclaredEnergy("gpu_board", flops=3e21), start_s=T0 + 100 * HOUR,
                     end_s=T0 + 340 * HOUR, site="s2", zone="A"),
    ]
    metered_hours = (T0 + HOUR * np.arange(10, 20)).astype(np.int64)
    metered = {"s1": MeteredPue(metered_hours, np.linspace(1.15, 1.3, 10), "PUE2")}
    assets = [
        # In service since 4.999 years before the first run: with a 5-year life it ends during the runs.
        AssetInput(1, "server", "server", 4, 2500.0, T0 - 4.999 * YEAR_S, 5.0, "s1", embodied_source="PCF A"),
        AssetInput(2, "gpu", "gpu", 8, 150.0, T0 - 2.0 * YEAR_S, 5.0, "s1", embodied_source="PCF B"),
        AssetInput(3, "gpu", "gpu", 16, 150.0, T0 - 1.0 * YEAR_S, 6.0, "s2", usage_rate=0.7, embodied_source="PCF B"),
    ]
    return PreparedFootprint(runs, _factors(), assets, metered)


def totals_vector(result) -> np.ndarray:
    return np.array([result.totals[name] for name in OUTPUTS])


@pytest.mark.parametrize("changes", [{}, {"pue_source": "metered"}, {"embodied_method": "bloom"},
                                     {"embodied_method": "llmcarbon"}, {"lifetime_years": 4.0},
                                     {"factor_zone": "A", "pue_category": "PUE1"}])
def test_footprint_point_equals_engine(changes):
    prepared = napkin_footprint()
    a = replace(Assumptions(), **changes)
    model = build_footprint_model(prepared, a, lookup_of({}))
    assert model.point() == pytest.approx(totals_vector(prepared.compute(a)), rel=1e-12, abs=1e-12)
    assert model.reported == OUTPUTS


def test_footprint_point_for_selection_and_period():
    prepared = napkin_footprint()
    period = parse_period("2025-01-01/2025-01-05")
    model = build_footprint_model(prepared, Assumptions(), lookup_of({}), period=period, selection=[0, 2])
    expected = prepared.compute(Assumptions(), period, [0, 2])
    assert model.point() == pytest.approx(totals_vector(expected), rel=1e-12)


def test_model_trials_equal_per_trial_recompute():
    """Each trial of the precomputed model equals a straightforward recompute of the engine with the drawn values."""
    prepared = napkin_footprint()
    a = replace(Assumptions(), lifetime_years=5.0, embodied_method="bloom")
    model = build_footprint_model(prepared, a, lookup_of({}))
    names = model.input_names()
    rng = np.random.default_rng(3)
    x = np.repeat(model.nominal_vector()[None, :], 40, axis=0)
    keys = ["pue", "node_uplift", "lifetime_years", "compute_mfu", "usage_rate"]
    for key in keys:
        x[:, names.index(key)] = model.inputs[names.index(key)].distribution.sample(rng, 40)
    fast = model.evaluate(x) @ model.report_matrix()
    for trial in range(40):
        values = {key: float(x[trial, names.index(key)]) for key in keys}
        slow = totals_vector(prepared.compute(replace(a, **values)))
        assert fast[trial, :3] == pytest.approx(slow[:3], rel=1e-12)
        # The lifetime enters through a table that is linear between 257 grid points.
        assert fast[trial, 3] == pytest.approx(slow[3], rel=1e-4)


def test_embodied_charge_ends_with_life():
    prepared = napkin_footprint()
    a = replace(Assumptions(), lifetime_years=5.0)
    model = build_footprint_model(prepared, a, lookup_of({}))
    names = model.input_names()
    x = np.repeat(model.nominal_vector()[None, :], 3, axis=0)
    x[:, names.index("lifetime_years")] = [4.99, 5.0, 5.01]
    embodied = (model.evaluate(x) @ model.report_matrix())[:, 3]
    engine = [prepared.compute(replace(a, lifetime_years=value)).totals["embodied_co2e_kg"]
              for value in (4.99, 5.0, 5.01)]
    assert embodied == pytest.approx(engine, rel=1e-4)
    # The server's life ends inside the runs at 5 years; a shorter life removes its charge for them.
    assert engine[0] < engine[1] * 5.0 / 4.99


def test_monte_carlo_reproduces_every_digit_from_its_seed():
    model = build_footprint_model(napkin_footprint(), Assumptions(), lookup_of({}))
    first = MonteCarlo(model, seed=42, trials=20_000, keep=True).run()
    second = MonteCarlo(model, seed=42, trials=20_000, keep=True).run()
    other = MonteCarlo(model, seed=43, trials=20_000).run()
    assert np.array_equal(first.samples, second.samples)
    assert first.summaries == second.summaries
    assert other.summaries["total_co2e_kg"].mean != first.summaries["total_co2e_kg"].mean


def test_adaptive_procedure_runs_batches_of_ten_thousand():
    model = build_footprint_model(napkin_footprint(), Assumptions(), lookup_of({}))
    run = MonteCarlo(model, seed=1, ndig=1).run()
    assert run.converged is True
    assert run.batch_size == 10_000
    assert run.trials % 10_000 == 0
    assert run.trials >= 20_000
    assert run.as_dict()["convergence"] == "converged"


def test_monte_carlo_cancels_at_next_batch():
    model = build_footprint_model(napkin_footprint(), Assumptions(), lookup_of({}))
    progress = Progress(operation="Monte Carlo")
    progress.cancel()
    with pytest.raises(OperationCancelled):
        MonteCarlo(model, seed=1, ndig=2).run(progress)


def test_shortest_interval_of_skewed_output():
    values = np.exp(np.random.default_rng(5).normal(0.0, 0.6, 200_000))
    summary = summarize(values, 1.0)
    low, high = shortest_interval(np.sort(values))
    assert (summary.shortest_low, summary.shortest_high) == (low, high)
    assert high - low < summary.high - summary.low
    assert low < summary.low
    assert np.mean((values >= low) & (values <= high)) == pytest.approx(0.95, abs=1e-4)


def test_gpu_offsets_independent_and_fully_correlated():
    prepared = napkin_footprint()
    detail = TelemetryDetail(np.array([0, 0, 1, 1]), np.array([7, 8, 7, 8]), np.array([30.0, 30.0, 1.0, 1.0]))
    store = {"telemetry.sampling_steady": Distribution.fixed(), "telemetry.sampling_bursty": Distribution.fixed()}
    telemetry_runs = [0, 1]
    independent = build_footprint_model(prepared, Assumptions(), lookup_of(store), detail=detail,
                                        selection=telemetry_runs)
    store["telemetry.gpu_offset_w"] = Distribution("uniform", (-5.0, 5.0), False, "all")
    correlated = build_footprint_model(prepared, Assumptions(), lookup_of(store), detail=detail,
                                       selection=telemetry_runs)
    u = 5.0 / math.sqrt(3) / 1000.0
    # Two devices, 31 device-hours each: independent sqrt(2) x 31 h, correlated 2 x 31 h.
    assert analytic.propagate(independent, large="none").intervals["gpu_energy_kwh"].u == \
        pytest.approx(u * 31.0 * math.sqrt(2), rel=1e-12)
    assert analytic.propagate(correlated, large="none").intervals["gpu_energy_kwh"].u == \
        pytest.approx(u * 62.0, rel=1e-12)
    assert "telemetry.gpu_offset_w" in correlated.input_names()


def test_pooled_variance_sums_members():
    runs = [_telemetry_run(i, f"run-{i}", 24 * (i % 20), 10, 0.5 + 0.01 * i, "s1", "Z") for i in range(40)]
    prepared = PreparedFootprint(runs, _factors(), [])
    store = {"pue": Distribution.fixed(), "node_uplift": Distribution.fixed(),
             "ef.location.hourly": Distribution.fixed()}
    model = build_footprint_model(prepared, Assumptions(), lookup_of(store))
    assert [family.name for family in model.families] == ["telemetry.sampling_steady"]
    family = model.families[0]
    assert family.members == 40
    sd = 0.05 / Z95
    expected = math.sqrt(sum((10 * (0.5 + 0.01 * i)) ** 2 for i in range(40))) * sd
    assert math.sqrt(family.cov[0, 0]) == pytest.approx(expected, rel=1e-12)
    run = MonteCarlo(model, seed=9, trials=200_000).run()
    assert run.summaries["gpu_energy_kwh"].sd == pytest.approx(expected, rel=1e-2)


def test_approach1_switches_to_monte_carlo_above_fifty_percent():
    prepared = napkin_footprint()
    model = build_footprint_model(prepared, Assumptions(), lookup_of({"pue": Distribution.normal_u95(0.60)}))
    result = analytic.propagate(model)
    assert result.method == "monte_carlo"
    assert any(name == "pue" and value == pytest.approx(60.0) for name, value in result.large_inputs)
    assert "replaced by Monte Carlo" in result.notes[-1]
    quiet = analytic.propagate(model, large="none")
    assert quiet.method == "approach1"


def test_contributions_add_up_and_tornado_is_sorted():
    model = build_footprint_model(napkin_footprint(), Assumptions(), lookup_of({}))
    shares = sensitivity.contributions(model, "total_co2e_kg")
    assert sum(item.share for item in shares) == pytest.approx(1.0, rel=1e-12)
    assert shares == sorted(shares, key=lambda item: -item.share)
    bars = sensitivity.tornado(model, "total_co2e_kg")
    assert [bar.swing for bar in bars] == sorted((bar.swing for bar in bars), reverse=True)
    pue = next(bar for bar in bars if bar.name == "pue")
    assert pue.output_high > pue.output_low


def test_sobol_indices_of_an_additive_model():
    b = ModelBuilder("footprint", ("y",))
    one = b.input(UncertainInput("x1", "x1", "x1", Distribution("normal", (1.0, 1.0)), 1.0, "", "", ""), 0)
    two = b.input(UncertainInput("x2", "x2", "x2", Distribution("uniform", (0.0, 1.0)), 0.5, "", "", ""), 0)
    b.add(np.array([[2.0]]), fixed={one: 1.0})
    b.add(np.array([[3.0]]), fixed={two: 1.0})
    # A large constant beside a small spread, as in an inventory total, must not disturb the estimates.
    b.constant({"y": 1e7})
    model = b.build()
    indices, design = sensitivity.sobol(model, "y", trials=20_000, seed=4)
    variance = {"x1": 4.0, "x2": 9.0 / 12.0}
    total = sum(variance.values())
    for item in indices:
        assert item.first_order == pytest.approx(variance[item.name] / total, abs=0.03)
        assert item.total == pytest.approx(variance[item.name] / total, abs=0.03)
    assert design["evaluations"] == 20_000 * 4


def inventory_case() -> tuple[PreparedInventory, dict]:
    hours = (T0 + HOUR * np.arange(24 * 40)).astype(np.int64)
    # The facility meter covers the first 12 hours only: the rest of run 'train' is in runs-only hours.
    facility = SiteInput("s1", "Z", "M", facility_hours=hours[:12], facility_kwh=np.full(12, 50.0))
    it_only = SiteInput("s2", "A", "M", it_hours=hours, it_kwh=np.full(len(hours), 20.0), it_point="pdu_output")
    cloud = SiteInput("s3", "A", "C", boundary="cloud")
    footprint = napkin_footprint()
    instruments = [InstrumentInput("go", "eac", "M", 5.0, 0.0, T0, T0 + YEAR_S),
                   InstrumentInput("tariff", "supplier", "M", 2.0, 200.0, T0, T0 + YEAR_S)]
    residual = factor_tables(pd.DataFrame([{"id": 9, "zone": "M", "period_start": T0, "period_end": T0 + YEAR_S,
                                            "resolution": "annual", "co2e_g_per_kwh": 550.0}]), "location")
    activities = [Scope1Activity("gen", "fuel", "diesel", 800.0, "L", T0 + 86400, "s1"),
                  Scope1Activity("chiller", "refrigerant", "R-410A", 3.0, "kg", T0 + 86400, "s1")]
    prepared = PreparedInventory(footprint, [facility, it_only, cloud], instruments, activities, residual)
    return prepared, {"period": parse_period("2025")}


@pytest.mark.parametrize("changes", [{}, {"td_loss_rate": 0.05, "electricity_wtt_g_per_kwh": 40.0},
                                     {"pue": 1.3, "gwp_set": "AR5"}])
def test_inventory_point_equals_engine(changes):
    prepared, context = inventory_case()
    a = replace(Assumptions(), **changes)
    model = build_inventory_model(prepared, a, lookup_of({}), context["period"])
    expected = prepared.compute(a, context["period"]).totals
    assert model.point() == pytest.approx([expected[name] for name in model.reported], rel=1e-12, abs=1e-9)


def test_inventory_runs_only_hours_chain():
    prepared, context = inventory_case()
    model = build_inventory_model(prepared, Assumptions(), lookup_of({}), context["period"])
    names = model.input_names()
    assert {"pue", "node_uplift", "telemetry.sampling_steady:train", "telemetry.sampling_steady:edge"} <= set(names)
    gradient = model.gradient()
    energy = list(model.outputs).index("scope2_energy_kwh")
    train = prepared.footprint.inputs[0]
    runs_only_kwh = float(train.energy_kwh["gpu_board"][7:].sum())
    a = Assumptions()
    assert gradient[names.index("telemetry.sampling_steady:train"), energy] == pytest.approx(
        runs_only_kwh * a.node_uplift * (1 + a.distribution_loss_pdu) * a.pue, rel=1e-12)


def test_inventory_supplier_and_residual_rates_are_inputs():
    prepared, context = inventory_case()
    model = build_inventory_model(prepared, Assumptions(), lookup_of({}), context["period"])
    names = model.input_names()
    assert "ef.supplier:tariff" in names
    assert "ef.residual_mix:M:factor 9" in names
    assert "diesel_co2_kg_per_gj" in names
    assert "scope1.refrigerant_release:chiller" in names
    gradient = model.gradient()
    market = list(model.outputs).index("scope2_market_co2e_kg")
    assert gradient[names.index("ef.supplier:tariff"), market] == pytest.approx(2.0 * 200.0)
