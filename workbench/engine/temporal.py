"""Carbon-aware counterfactuals and the hourly carbon-free energy score.

A counterfactual keeps a run's hourly facility energy profile and moves it in time (inside the
window the run could have started in) or to another grid zone. The difference to the actual
emissions is an avoided-emissions estimate: reported beside the inventory and the footprint,
never deducted from either. Attributional savings use average factors; consequential savings
use marginal factors where a marginal series exists.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbench.engine.factors import FactorTable, match_hours

HOUR_S = 3600


@dataclass(frozen=True)
class ShiftOutcome:
    """Emissions of one profile at the actual start and across the candidate starts, in kgCO2e."""

    basis: str
    actual_co2e_kg: float
    best_co2e_kg: float
    median_co2e_kg: float
    best_start_s: float
    candidates: int
    avoided_co2e_kg: float


@dataclass(frozen=True)
class Counterfactual:
    """Avoided emissions of moving one run in time or to another zone; never deducted from a total."""

    run: str
    kind: str  # "time_shift" or "zone"
    description: str
    outcomes: tuple[ShiftOutcome, ...]
    note: str = "avoided emissions, reported separately; not deducted from the inventory or the footprint"


def _hourly_factors(table: FactorTable | None, start_s: float, hours: int) -> np.ndarray:
    grid = (np.floor(start_s / HOUR_S) * HOUR_S + HOUR_S * np.arange(hours)).astype(np.int64)
    return match_hours(table, grid).g_per_kwh


def time_shift(profile_kwh: np.ndarray, actual_start_s: float, window_start_s: float, window_end_s: float,
               table: FactorTable | None, basis: str = "average") -> ShiftOutcome | None:
    """Return the emissions of ``profile_kwh`` (kWh per hour) for every start in the window.

    A start is a candidate when the whole profile fits in ``[window_start_s, window_end_s)`` and
    every hour it touches has a factor; None when the actual start has no factors.
    """
    length = len(profile_kwh)
    span = int((window_end_s - window_start_s) // HOUR_S)
    if length == 0 or span < length:
        return None
    factors = _hourly_factors(table, window_start_s, span)
    # Emissions of each start k: sum over j of profile[j] x factor[k + j], in g.
    sums = np.correlate(np.nan_to_num(factors), profile_kwh, mode="valid")
    complete = np.convolve(np.isnan(factors).astype(float), np.ones(length), mode="valid") == 0
    offset = int((actual_start_s - window_start_s) // HOUR_S)
    if offset < 0 or offset >= len(sums) or not complete[offset]:
        return None
    candidates = sums[complete] / 1000.0
    best = int(np.argmin(np.where(complete, sums, np.inf)))
    actual = float(sums[offset]) / 1000.0
    return ShiftOutcome(basis, actual, float(candidates.min()), float(np.median(candidates)),
                        window_start_s + best * HOUR_S, int(complete.sum()), actual - float(candidates.min()))


def zone_move(profile_kwh: np.ndarray, start_s: float, actual: FactorTable | None, other: FactorTable | None,
              basis: str = "average", pue_ratio: float = 1.0) -> ShiftOutcome | None:
    """Return the emissions of the same profile in another zone (``pue_ratio`` = other PUE / actual PUE)."""
    actual_factors = _hourly_factors(actual, start_s, len(profile_kwh))
    other_factors = _hourly_factors(other, start_s, len(profile_kwh))
    if np.isnan(actual_factors).any() or np.isnan(other_factors).any():
        return None
    actual_kg = float(profile_kwh @ actual_factors) / 1000.0
    moved_kg = float(profile_kwh @ other_factors) * pue_ratio / 1000.0
    return ShiftOutcome(basis, actual_kg, moved_kg, moved_kg, start_s, 1, actual_kg - moved_kg)


def cfe_score(load: np.ndarray, contracted: np.ndarray, grid_cfe_share: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Return (carbon-free energy per hour, hourly CFE share, annual volumetric match).

    Per hour ``CFE_h = min(G_h, L_h) + g_h x max(L_h - G_h, 0)``: surplus contracted generation in
    one hour is not carried to another. The volumetric match ``sum G / sum L`` shows how far
    annual matching overstates it.
    """
    load = np.asarray(load, dtype=float)
    contracted = np.asarray(contracted, dtype=float)
    cfe = np.minimum(contracted, load) + np.asarray(grid_cfe_share, dtype=float) * np.maximum(load - contracted, 0)
    total = load.sum()
    if total <= 0:
        return cfe, 0.0, 0.0
    return cfe, float(cfe.sum() / total), float(contracted.sum() / total)
