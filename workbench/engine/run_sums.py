"""Per-run sums that do not depend on assumptions, computed once per zone choice and period.

For every run and energy level the sums below are taken over the run's hours inside the period,
in three variants: ``all`` hours, hours with a ``metered`` hourly PUE (each hour's energy already
multiplied by that PUE) and the ``rest``. A recompute multiplies them by the assumption values;
see :mod:`workbench.engine.footprint`.

* ``energy``: kWh.
* ``weighted``: kWh x g/kWh with the finest location-based factor of each hour.
* ``unmatched``: kWh in hours no factor covers.
* ``matched_energy``: kWh in hours a factor covers.
* ``annual_weighted``: kWh x g/kWh with the zone's annual factor (or, without one, the time
  mean of the run's matched factors), over the matched hours.
* ``resolution``: kWh per factor resolution, over the matched hours.

Per run, ``matched_hours`` and ``factor_sum`` (sum of the matched hourly factors) serve the
load/intensity covariance decomposition of the annual-factor error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import numpy as np

from workbench.engine.chain import LEVELS
from workbench.engine.factors import RESOLUTION_ORDER, FactorTable, match_hours

if TYPE_CHECKING:
    from workbench.engine.runs import RunInput
    from workbench.engine.periods import Period

QUANTITIES = ("energy", "weighted", "unmatched", "matched_energy", "annual_weighted")
VARIANTS = ("all", "metered", "rest")
RESOLUTION_CODE = {name: code for code, name in enumerate(RESOLUTION_ORDER)}


@dataclass(frozen=True)
class MeteredPue:
    """Hourly PUE of one site from its own meters: facility energy over IT energy, per UTC hour.

    ``category`` is the PUE category the IT meter's measurement point gives (PUE1, PUE2, PUE3).
    """

    hours: np.ndarray
    pue: np.ndarray
    category: str | None

    def at(self, hours: np.ndarray) -> np.ndarray:
        """Return the PUE of each hour start in ``hours``; NaN where the meters give none."""
        result = np.full(len(hours), np.nan)
        if len(self.hours) == 0 or len(hours) == 0:
            return result
        index = np.clip(np.searchsorted(self.hours, hours), 0, len(self.hours) - 1)
        found = self.hours[index] == hours
        result[found] = self.pue[index[found]]
        return result


class RunSums:
    """The sums of every run for one zone choice and period, as arrays indexed [run, level(, resolution)]."""

    def __init__(self, count: int) -> None:
        levels, resolutions = len(LEVELS), len(RESOLUTION_ORDER)
        self.values = {(quantity, variant): np.zeros((count, levels))
                       for quantity in QUANTITIES for variant in VARIANTS}
        self.resolution = {variant: np.zeros((count, levels, resolutions)) for variant in VARIANTS}
        self.matched_hours = np.zeros(count)
        self.factor_sum = np.zeros(count)
        self.gpu_part_kwh = np.zeros(count)
        self.hours_in_period = np.zeros(count)

    def get(self, quantity: str, variant: str) -> np.ndarray:
        return self.values[(quantity, variant)]


def compute_sums(runs: Sequence["RunInput"], tables: dict[str, FactorTable], zone_override: str | None,
                 metered: dict[str, MeteredPue], period: "Period | None") -> RunSums:
    """Return the sums of ``runs`` with factors of each run's zone (or ``zone_override``)."""
    sums = RunSums(len(runs))
    for index, run in enumerate(runs):
        zone = zone_override or run.zone
        _add_run(sums, index, run, tables.get(zone) if zone else None, metered.get(run.site or ""), period)
    return sums


def _add_run(sums: RunSums, index: int, run: "RunInput", table: FactorTable | None, metered: MeteredPue | None,
             period: "Period | None") -> None:
    hours = run.hours
    mask = slice(None) if period is None else period.contains_hours(hours)
    hours = hours[mask]
    matched = match_hours(table, hours)
    found = ~np.isnan(matched.g_per_kwh)
    factors = np.where(found, matched.g_per_kwh, 0.0)
    annual = _annual_factors(table, hours, factors, found)
    codes = np.array([RESOLUTION_CODE[name] for name in matched.resolution[found]], dtype=np.int64)
    pue = metered.at(hours) if metered is not None else np.full(len(hours), np.nan)
    has_pue = ~np.isnan(pue)
    weights = {"all": None, "metered": np.where(has_pue, pue, 0.0), "rest": (~has_pue).astype(float)}

    sums.matched_hours[index] = float(found.sum())
    sums.factor_sum[index] = float(factors[found].sum())
    sums.gpu_part_kwh[index] = float(run.gpu_part_kwh[mask].sum())
    sums.hours_in_period[index] = float(len(hours))
    for level_index, level in enumerate(LEVELS):
        energy = run.energy_kwh[level][mask]
        if not energy.any():
            continue
        for variant, weight in weights.items():
            if variant != "all" and not has_pue.any():
                if variant == "rest":
                    _copy_variant(sums, index, level_index, "all", "rest")
                continue
            weighted = energy if weight is None else energy * weight
            _store(sums, variant, index, level_index, weighted, factors, annual, found, codes)


def _store(sums: RunSums, variant: str, index: int, level: int, energy: np.ndarray, factors: np.ndarray,
           annual: np.ndarray, found: np.ndarray, codes: np.ndarray) -> None:
    values = sums.values
    matched_energy = energy[found]
    values[("energy", variant)][index, level] = energy.sum()
    values[("weighted", variant)][index, level] = energy @ factors
    values[("unmatched", variant)][index, level] = energy[~found].sum()
    values[("matched_energy", variant)][index, level] = matched_energy.sum()
    values[("annual_weighted", variant)][index, level] = matched_energy @ annual[found]
    if len(codes):
        sums.resolution[variant][index, level] = np.bincount(codes, weights=matched_energy,
                                                             minlength=len(RESOLUTION_ORDER))


def _copy_variant(sums: RunSums, index: int, level: int, source: str, target: str) -> None:
    for quantity in QUANTITIES:
        sums.values[(quantity, target)][index, level] = sums.values[(quantity, source)][index, level]
    sums.resolution[target][index, level] = sums.resolution[source][index, level]


def _annual_factors(table: FactorTable | None, hours: np.ndarray, factors: np.ndarray,
                    found: np.ndarray) -> np.ndarray:
    """Return each hour's annual factor, or the time mean of the matched factors where none exists."""
    annual = match_hours(table, hours, ("annual",)).g_per_kwh
    fallback = factors[found].mean() if found.any() else 0.0
    return np.where(np.isnan(annual), fallback, annual)
