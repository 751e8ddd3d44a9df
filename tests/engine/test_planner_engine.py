"""The planner engine with numbers alone: lever specs, run changes, start search and the WE8 shift vector."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.engine.assumptions import Assumptions
from workbench.engine.chain import LEVELS
from workbench.engine.factors import factor_tables
from workbench.engine.footprint import PreparedFootprint, RunInput
from workbench.engine.planner.apply import apply_lever
from workbench.engine.planner.context import PlanContext
from workbench.engine.planner.levers import make_lever, parse_lever
from workbench.engine.planner.results import AvoidedEmissions
from workbench.engine.planner.scenario import Scenario, shift_run, stretch_run, truncate_run
from workbench.engine.planner.shifting import search_starts
from workbench.errors import CrossViewError, NettingError, UsageError

HOUR_S = 3600
DAY = 1_740_787_200  # 2025-03-01T00:00:00Z


def run_input(name: str, hours: list[int], facility_kwh: list[float], kind: str = "final") -> RunInput:
    hour_starts = np.array([DAY + HOUR_S * hour for hour in hours], dtype=np.int64)
    energy = {level: np.zeros(len(hours)) for level in LEVELS}
    energy["facility"] = np.array(facility_kwh, dtype=float)
    return RunInput(run_id=1, name=name, kind=kind, site="hall", zone="T", start_s=float(hour_starts[0]),
                    end_s=float(hour_starts[-1] + HOUR_S), gpu_count=0, hours=hour_starts, energy_kwh=energy,
                    gpu_part_kwh=np.zeros(len(hours)))


def hourly_rows(values: list[float], basis: str = "location") -> pd.DataFrame:
    starts = [DAY + HOUR_S * hour for hour in range(len(values))]
    return pd.DataFrame({"id": range(len(values)), "zone": "T", "period_start": starts,
                         "period_end": [start + HOUR_S for start in starts], "resolution": "hourly",
                         "co2e_g_per_kwh": values, "basis": basis})


def context(rows: pd.DataFrame, marginal: pd.DataFrame | None = None) -> PlanContext:
    location = factor_tables(rows, "location")
    return PlanContext(Assumptions(), lambda scenario: PreparedFootprint(scenario.runs, location, scenario.assets,
                                                                         scenario.metered_pue),
                       {}, location, factor_tables(marginal, "marginal") if marginal is not None else {})


def total_kg(scenario: Scenario, rows: pd.DataFrame) -> float:
    prepared = PreparedFootprint(scenario.runs, factor_tables(rows, "location"), scenario.assets,
                                 scenario.metered_pue)
    return prepared.compute(Assumptions()).totals["total_co2e_kg"]


def test_we8_night_to_day_shift():
    # Toy grid: day 200 g/kWh (hours 0-11), night 500 (12-23); marginal 450 and 700.
    location = hourly_rows([200.0] * 12 + [500.0] * 12)
    marginal = hourly_rows([450.0] * 12 + [700.0] * 12, "marginal")
    job = run_input("night-job", list(range(12, 24)), [2000.0] * 12)
    effect = apply_lever(make_lever("time_shift", {"window_start": "2025-03-01T00:00Z",
                                                    "window_end": "2025-03-02T00:00Z"}),
                         Scenario((job,)), context(location, marginal))
    average, consequential, average_total, consequential_total = effect.details

    assert total_kg(effect.pair.without, location) == pytest.approx(12_000.0)
    assert total_kg(effect.pair.with_lever, location) == pytest.approx(4_800.0)
    assert average["chosen_avoided_co2e_kg"] == pytest.approx(7_200.0)
    assert consequential["basis"] == "marginal"
    assert consequential["chosen_avoided_co2e_kg"] == pytest.approx(6_000.0)
    assert average_total["chosen_avoided_co2e_kg"] == pytest.approx(7_200.0)
    assert consequential_total["basis"] == "marginal"


def test_shift_search_skips_starts_without_hourly_factors():
    profile = np.array([1.0, 1.0])
    location = factor_tables(hourly_rows([100.0, 100.0, 50.0, np.nan][:3]), "location")
    search = search_starts(profile, DAY, DAY - 2 * HOUR_S, DAY + 5 * HOUR_S, location["T"])
    # Starts at -2 h and -1 h lack factors, so do starts at +2 h and beyond: only 0 and +1 remain.
    assert search.offsets_h.tolist() == [0, 1]
    assert search.co2e_kg.tolist() == pytest.approx([0.2, 0.15])
    assert search_starts(profile, DAY + 5 * HOUR_S, DAY, DAY + 9 * HOUR_S, location["T"]) is None


def test_shift_keeps_energy_and_moves_share():
    run = run_input("r", [0, 1], [4.0, 6.0])
    moved = shift_run(run, 3, flexible_share=0.25)
    assert moved.hours.tolist() == [DAY, DAY + HOUR_S, DAY + 3 * HOUR_S, DAY + 4 * HOUR_S]
    assert moved.energy_kwh["facility"].tolist() == pytest.approx([3.0, 4.5, 1.0, 1.5])
    assert moved.end_s == DAY + 5 * HOUR_S
    assert moved.start_s == run.start_s


def test_truncate_stops_inside_an_hour():
    run = run_input("r", [0, 1, 2], [10.0, 10.0, 10.0])
    stopped = truncate_run(run, 0.5)
    assert stopped.energy_kwh["facility"].tolist() == pytest.approx([10.0, 5.0, 0.0])
    assert stopped.end_s == pytest.approx(DAY + 1.5 * HOUR_S)


def test_stretch_keeps_energy_in_fewer_hours():
    run = run_input("r", [0, 1, 2, 3], [1.0, 2.0, 3.0, 4.0])
    faster = stretch_run(run, 0.5)
    assert faster.hours.tolist() == [DAY, DAY + HOUR_S]
    assert faster.energy_kwh["facility"].tolist() == pytest.approx([3.0, 7.0])
    assert faster.end_s == pytest.approx(DAY + 2 * HOUR_S)
    assert stretch_run(run, 1.5).energy_kwh["facility"].sum() == pytest.approx(10.0)


def test_lever_text_parsing():
    kind, parameters = parse_lever("time_shift:window_hours=6,runs=a;b")
    spec = make_lever(kind, parameters)
    assert spec.parameters == {"window_hours": 6.0, "runs": ["a", "b"]}
    assert spec.value("flexible_share") == 1.0
    assert spec.label() == "time shift (runs a+b, window_hours 6)"
    assert make_lever("facility_efficiency", {"pue": 1.2, "from": "2025-03-30"}).parameters["from"] == \
        "2025-03-30T00:00:00Z"


@pytest.mark.parametrize("kind, parameters, message", [
    ("teleport", {}, "unknown lever 'teleport'"),
    ("time_shift", {"speed": 1}, "lever time_shift has no parameter 'speed'"),
    ("time_shift", {"flexible_share": 1.5}, "must be at most 1"),
    ("facility_efficiency", {}, "needs the parameter 'pue'"),
    ("facility_efficiency", {"pue": 1.2, "from": "soon"}, "'soon' is not a date or time"),
    ("experiments", {"kinds": "trial"}, "trial is not among"),
    ("combination", {"levers": [{"kind": "reuse"}]}, "at least two levers"),
])
def test_lever_checks(kind, parameters, message):
    with pytest.raises(UsageError, match=message):
        make_lever(kind, parameters)


def test_combination_refuses_inventory_member():
    rows = hourly_rows([100.0, 100.0])
    combined = make_lever("combination", {"levers": [{"kind": "time_shift"},
                                                     {"kind": "procurement", "parameters": {"mwh": 1}}]})
    with pytest.raises(CrossViewError):
        apply_lever(combined, Scenario((run_input("r", [0], [1.0]),)), context(rows))


def test_unknown_run_selection_rejected():
    rows = hourly_rows([100.0, 100.0])
    with pytest.raises(UsageError, match="no run named ghost"):
        apply_lever(make_lever("time_shift", {"runs": ["ghost"]}), Scenario((run_input("r", [0], [1.0]),)),
                    context(rows))


def test_avoided_emissions_refuse_arithmetic():
    avoided = AvoidedEmissions("footprint", "total_co2e_kg", 5.0, 5.1, 0.5, 4.0, 6.0, 1.0, 100)
    for operation in (lambda: 10.0 - avoided, lambda: avoided + 1.0, lambda: 1.0 + avoided,
                      lambda: avoided - avoided):
        with pytest.raises(NettingError, match="never deducted"):
            operation()
