"""Hourly chart series of every run, prepared once so a slider move only redoes the products.

:meth:`workbench.engine.footprint.PreparedFootprint.hourly` matches each run's hours against the
factors and builds one frame per run on every call: about 2 s for the 1,000 runs of the bench
reference project. :class:`HourlySeries` concatenates the runs' energy by level, matches the
factors once per factor-zone override and reads the metered PUE once, then computes the same
frame with a few vectorized operations (the tests compare the two).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from workbench.engine.assumptions import Assumptions
from workbench.engine.footprint import PreparedFootprint

log = logging.getLogger(__name__)

LEVELS = ("gpu_board", "node", "it", "facility")
COLUMNS = ["run", "hour_utc", "facility_energy_kwh", "co2e_g_per_kwh", "operational_co2e_kg"]


class HourlySeries:
    """The per-run, per-hour rows of ``prepared`` as flat arrays; :meth:`frame` applies one assumption set."""

    def __init__(self, prepared: PreparedFootprint) -> None:
        self.prepared = prepared
        runs = prepared.inputs
        lengths = np.array([len(run.hours) for run in runs], dtype=np.int64)
        self.run_of_row = np.repeat(np.arange(len(runs), dtype=np.int64), lengths)
        hours = [run.hours for run in runs]
        self.hours = np.concatenate(hours).astype(np.int64) if hours else np.zeros(0, np.int64)
        self.energy = {level: _concat([run.energy_kwh[level] for run in runs]) for level in LEVELS}
        self.metered_pue = _concat([prepared.metered_pue[run.site].at(run.hours) if run.site in prepared.metered_pue
                                    else np.full(len(run.hours), np.nan) for run in runs])
        names = [run.name for run in runs]
        if len(set(names)) == len(names):  # run names are unique in a project, so this is the usual case
            self.run_names = pd.Categorical.from_codes(self.run_of_row, categories=pd.Index(names, dtype=object))
        else:
            self.run_names = np.array(names, dtype=object)[self.run_of_row]
        self._factors: dict[str, np.ndarray] = {}
        self._last_it: tuple[tuple[float, bytes], np.ndarray] | None = None

    def factors(self, zone_override: str) -> np.ndarray:
        """Return each row's matched emission factor (gCO2e/kWh, NaN unmatched) for a zone override ('' for none)."""
        cached = self._factors.get(zone_override)
        if cached is None:
            parts = []
            for run in self.prepared.inputs:
                parts.append(self.prepared.matched_factors(run, zone_override or run.zone).g_per_kwh)
            cached = _concat(parts)
            self._factors[zone_override] = cached
        return cached

    def frame(self, a: Assumptions) -> pd.DataFrame:
        """Return run, hour_utc, facility_energy_kwh, co2e_g_per_kwh and operational_co2e_kg rows under ``a``."""
        scale, _, f_dist, _ = self.prepared.run_scales(a)
        pue: float | np.ndarray = a.pue
        if a.pue_source == "metered":
            pue = np.where(np.isnan(self.metered_pue), a.pue, self.metered_pue)
        facility = self._it_energy(a.node_uplift, f_dist) * pue + self.energy["facility"]
        row_scale = self._per_row(scale)
        if not (isinstance(row_scale, float) and row_scale == 1.0):  # x * 1.0 is x
            facility *= row_scale
        g_per_kwh = self.factors(a.factor_zone or "")
        co2e_kg = facility * g_per_kwh
        np.nan_to_num(co2e_kg, copy=False)
        co2e_kg /= 1000.0
        return pd.DataFrame({"run": self.run_names, "hour_utc": self.hours, "facility_energy_kwh": facility,
                             "co2e_g_per_kwh": g_per_kwh, "operational_co2e_kg": co2e_kg}, columns=COLUMNS)

    def _it_energy(self, node_uplift: float, f_dist: np.ndarray) -> np.ndarray:
        """Return each row's IT energy in kWh, before PUE; the last result is kept (read-only).

        It does not depend on the PUE, so a drag of the PUE slider computes it once.
        """
        key = (node_uplift, f_dist.tobytes())
        cached = self._last_it
        if cached is not None and cached[0] == key:
            return cached[1]
        e = self.energy
        it = (e["gpu_board"] * node_uplift + e["node"]) * self._per_row(f_dist) + e["it"]
        it.flags.writeable = False
        self._last_it = (key, it)  # one tuple assignment, so another thread reads the old or the new pair
        return it

    def _per_row(self, per_run: np.ndarray) -> float | np.ndarray:
        """Return ``per_run`` spread over the rows, or its one value when every run has the same.

        Multiplying by that value gives the same numbers as by the spread array, and saves
        building an array of 200,000 rows on every frame of a slider drag.
        """
        if len(per_run) and np.all(per_run == per_run[0]):
            return float(per_run[0])
        return per_run[self.run_of_row]


def _concat(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts).astype(float) if parts else np.zeros(0)
