"""Carbon-aware counterfactuals of a project's runs: moved in time or to another grid zone.

The results are avoided-emissions estimates, reported beside the footprint and the inventory and
never deducted from either.
"""

from __future__ import annotations

import logging
from dataclasses import asdict

import numpy as np

from workbench.engine.assumptions import Assumptions
from workbench.engine.footprint import FootprintResult
from workbench.engine.temporal import time_shift, zone_move
from workbench.services.compute import FootprintModel

log = logging.getLogger(__name__)
HOUR_S = 3600


def _profile(model: FootprintModel, index: int, a: Assumptions) -> tuple[np.ndarray, float]:
    """Return a run's facility energy per consecutive hour from its first hour, and that hour's start."""
    run = model.prepared.inputs[index]
    series = model.prepared.facility_series(index, a)
    start = float(run.hours[0])
    profile = np.zeros(int((run.hours[-1] - run.hours[0]) // HOUR_S) + 1)
    profile[((run.hours - run.hours[0]) // HOUR_S).astype(int)] = series
    return profile, start


def counterfactuals(model: FootprintModel, result: FootprintResult, *, shift_hours: float = 0.0,
                    zones: tuple[str, ...] = ()) -> list[dict]:
    """Return, per run of ``result``, the avoided emissions of starting up to ``shift_hours`` earlier or
    later, and of running in each of ``zones``, on average and (where a series exists) marginal factors."""
    a = result.assumptions
    average = model.prepared.factor_tables
    marginal = model.basis_tables("marginal")
    outcomes = []
    for run in result.inputs:
        index = model.run_index[run.name]
        if not len(run.hours):
            continue
        profile, start = _profile(model, index, a)
        zone = a.factor_zone or run.zone
        if shift_hours > 0:
            window_start, window_end = start - shift_hours * HOUR_S, start + (len(profile) + shift_hours) * HOUR_S
            for basis, tables in (("average", average), ("marginal", marginal)):
                outcome = time_shift(profile, start, window_start, window_end, tables.get(zone), basis)
                if outcome is not None:
                    outcomes.append({"run": run.name, "kind": "time_shift", "zone": zone,
                                     "window_hours": shift_hours, **asdict(outcome)})
        for other in zones:
            for basis, tables in (("average", average), ("marginal", marginal)):
                outcome = zone_move(profile, start, tables.get(zone), tables.get(other), basis)
                if outcome is not None:
                    outcomes.append({"run": run.name, "kind": "zone", "zone": zone, "other_zone": other,
                                     **asdict(outcome)})
    for outcome in outcomes:
        outcome["note"] = "avoided emissions, reported separately; not deducted from any total"
    log.info("computed %d counterfactuals", len(outcomes))
    return outcomes
