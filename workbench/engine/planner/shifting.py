"""Candidate starts of a run inside its window, valued with an hourly intensity series.

A candidate start moves the run's whole hourly profile by a whole number of hours. It counts only
when every hour it touches has an hourly (or daily) factor, because a shift valued partly with an
annual average would compare two different resolutions. The best, the median and the chosen
candidate are reported together, so a saving is never shown for the best start alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbench.engine.factors import FactorTable, match_hours
from workbench.engine.runs import HOUR_S

TIME_MATCHED = ("daily", "hourly")


@dataclass(frozen=True)
class ShiftSearch:
    """Operational kgCO2e of one profile for every candidate start, relative to the actual start (offset 0)."""

    basis: str
    offsets_h: np.ndarray
    co2e_kg: np.ndarray
    actual_co2e_kg: float

    @property
    def candidates(self) -> int:
        return len(self.offsets_h)

    @property
    def best_offset_h(self) -> int:
        return int(self.offsets_h[int(np.argmin(self.co2e_kg))])

    @property
    def best_co2e_kg(self) -> float:
        return float(self.co2e_kg.min())

    @property
    def median_co2e_kg(self) -> float:
        return float(np.median(self.co2e_kg))

    def at(self, offset_h: int) -> float | None:
        """Return the emissions at a shift of ``offset_h`` hours, None if that start is no candidate."""
        found = np.flatnonzero(self.offsets_h == offset_h)
        return float(self.co2e_kg[found[0]]) if len(found) else None

    def summary(self, chosen_offset_h: int | None) -> dict:
        chosen = None if chosen_offset_h is None else self.at(chosen_offset_h)
        return {"basis": self.basis, "candidates": self.candidates, "actual_co2e_kg": self.actual_co2e_kg,
                "best_co2e_kg": self.best_co2e_kg, "best_offset_hours": self.best_offset_h,
                "median_co2e_kg": self.median_co2e_kg, "chosen_offset_hours": chosen_offset_h,
                "chosen_co2e_kg": chosen,
                "best_avoided_co2e_kg": self.actual_co2e_kg - self.best_co2e_kg,
                "median_avoided_co2e_kg": self.actual_co2e_kg - self.median_co2e_kg,
                "chosen_avoided_co2e_kg": None if chosen is None else self.actual_co2e_kg - chosen}


def search_starts(profile_kwh: np.ndarray, first_hour_s: float, window_start_s: float, window_end_s: float,
                  table: FactorTable | None, basis: str = "average") -> ShiftSearch | None:
    """Return the emissions of ``profile_kwh`` (facility kWh per consecutive hour from ``first_hour_s``)
    at every whole-hour start inside ``[window_start_s, window_end_s)``.

    None when the actual start has no time-matched factor for every hour, so no saving can be
    valued against it.
    """
    length = len(profile_kwh)
    first = np.ceil((window_start_s - first_hour_s) / HOUR_S)
    last = np.floor((window_end_s - first_hour_s) / HOUR_S) - length
    if length == 0 or last < first or first > 0 or last < 0:
        return None
    offsets = np.arange(int(first), int(last) + 1)
    grid = (first_hour_s + HOUR_S * np.arange(int(first), int(last) + length)).astype(np.int64)
    factors = match_hours(table, grid, TIME_MATCHED).g_per_kwh
    # Emissions of each start k: sum over j of profile[j] x factor[k + j], in g.
    sums = np.correlate(np.nan_to_num(factors), profile_kwh, mode="valid")
    # A start is complete when no hour with energy lacks a time-matched factor.
    complete = np.correlate(np.isnan(factors).astype(float), (profile_kwh != 0).astype(float), mode="valid") == 0
    actual = np.flatnonzero(offsets == 0)[0]
    if not complete[actual]:
        return None
    return ShiftSearch(basis, offsets[complete], sums[complete] / 1000.0, float(sums[actual]) / 1000.0)
