"""Counterfactual shifts, the CFE score and reconciliation findings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.engine.factors import factor_tables
from workbench.engine.reconcile import metered_vs_telemetry, published_total_gap, sources_disagree, totals_vs_rows
from workbench.engine.temporal import cfe_score, time_shift, zone_move

HOUR = 3600
T0 = 1_735_689_600


def hourly_table(zone, values):
    rows = pd.DataFrame([{"id": h, "zone": zone, "period_start": T0 + h * HOUR, "period_end": T0 + (h + 1) * HOUR,
                          "resolution": "hourly", "co2e_g_per_kwh": value} for h, value in enumerate(values)])
    return factor_tables(rows)[zone]


def test_time_shift_finds_cleanest_start_in_window():
    table = hourly_table("Z", [300, 100, 100, 500, 400, 200])
    outcome = time_shift(np.array([10.0, 10.0]), T0 + 3 * HOUR, T0, T0 + 6 * HOUR, table)
    assert outcome.actual_co2e_kg == pytest.approx(9.0)
    assert outcome.best_co2e_kg == pytest.approx(2.0)
    assert outcome.best_start_s == T0 + HOUR
    assert outcome.candidates == 5
    assert outcome.median_co2e_kg == pytest.approx(6.0)
    assert outcome.avoided_co2e_kg == pytest.approx(7.0)


def test_time_shift_skips_hours_without_factors():
    table = hourly_table("Z", [300, 100, 100])
    outcome = time_shift(np.array([10.0]), T0, T0, T0 + 5 * HOUR, table)
    assert outcome.candidates == 3
    assert time_shift(np.array([10.0]), T0 + 4 * HOUR, T0, T0 + 5 * HOUR, table) is None
    assert time_shift(np.array([10.0] * 6), T0, T0, T0 + 5 * HOUR, table) is None


def test_zone_move_with_pue_ratio():
    here, there = hourly_table("A", [400, 400]), hourly_table("B", [50, 150])
    outcome = zone_move(np.array([10.0, 10.0]), T0, here, there, pue_ratio=1.1)
    assert outcome.actual_co2e_kg == pytest.approx(8.0)
    assert outcome.best_co2e_kg == pytest.approx(2.2)
    assert outcome.avoided_co2e_kg == pytest.approx(5.8)


def test_cfe_surplus_not_carried_over():
    cfe, hourly, volumetric = cfe_score([5, 5], [10, 0], [0.0, 0.0])
    assert cfe.tolist() == [5.0, 0.0]
    assert hourly == 0.5
    assert volumetric == 1.0


def test_metered_vs_telemetry_findings():
    ok = metered_vs_telemetry("dc", "2025", 1000.0, 500.0, 700.0)
    assert ok.severity == "info"
    assert ok.values["implied_overhead"] == pytest.approx(2.0)
    assert ok.values["unallocated_kwh"] == pytest.approx(300.0)
    assert "30.0%" in ok.message
    over = metered_vs_telemetry("dc", "2025", 1000.0, 900.0, 1100.0)
    assert over.severity == "error"
    assert "exceeds the facility meter" in over.message
    assert metered_vs_telemetry("dc", "2025", 0.0, 10.0, 12.0).severity == "info"


def test_totals_rows_gap_and_disagreement():
    assert totals_vs_rows("t", 3.0, {"a": 1.0, "b": 2.0}).severity == "ok"
    bad = totals_vs_rows("t", 3.5, {"a": 1.0, "b": 2.0})
    assert bad.severity == "error"
    assert bad.values["gap"] == pytest.approx(0.5)
    gap = published_total_gap("card", {"a": 30.0, "b": 50.0}, 100.0, "t")
    assert gap.severity == "warning"
    assert gap.values["gap"] == pytest.approx(20.0)
    assert "20 t (20.0%) below the published total" in gap.message
    assert published_total_gap("card", {"a": 99.5}, 100.0, "t").severity == "ok"
    disagree = sources_disagree("run x", "GPU energy", {"nvidia-smi": 100.0, "codecarbon": 120.0}, "kWh")
    assert disagree.severity == "warning"
    assert disagree.values["relative_spread"] == pytest.approx(20 / 110)
    assert sources_disagree("run x", "GPU energy", {"a": 100.0, "b": 101.0}, "kWh").severity == "ok"
