"""Embodied emissions of hardware: amortized over runs (footprint) or in full when acquired (inventory).

Footprint methods, chosen by the ``embodied_method`` assumption:

* ``sci`` (ISO/IEC 21031:2024): ``M = TE x (TiR / EL) x (RR / ToR)``, the share of the asset's
  installed life the run took, times the share of the hardware it reserved.
* ``bloom`` (Luccioni, Viguier and Ligozat 2023): ``M = TE x TiR / (EL x 8760 h x usage rate)``
  x resource share, so each used hour carries the idle time too.
* ``llmcarbon`` (Faiz et al. 2024): accelerator dies only, ``accelerator-hours x die area x
  embodied per cm2 / chip lifetime``; a lower bound that leaves out boards, chassis, cooling,
  networking and the building.

TiR is the overlap of the run's window (and the reporting period, if one is set) with the
asset's service window, scaled by the share of the window the run's accelerators were reserved.
RR/ToR is the run's accelerators over the accelerators in the site's procurement records unless
the assumption set fixes it.

Inventory (GHG Protocol Scope 3 Standard, category 2): the whole cradle-to-gate figure in the
reporting period the asset was acquired in, category 1 when it was expensed, never depreciated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np

from workbench.engine.assumptions import Assumptions

if TYPE_CHECKING:
    from workbench.engine.runs import RunInput
    from workbench.engine.periods import Period

HOURS_PER_YEAR = 8760.0
HOUR_S = 3600.0
GPU_CATEGORIES = frozenset({"gpu", "accelerator"})
METHODS = ("sci", "bloom", "llmcarbon")
LOWER_BOUND_METHODS = frozenset({"llmcarbon"})


@dataclass(frozen=True)
class AssetInput:
    """One procurement line: quantity x embodied kgCO2e per unit, in service from a date."""

    asset_id: int
    item: str
    category: str
    quantity: float
    embodied_kg_per_unit: float
    service_start_s: float
    lifetime_years: float
    site: str | None
    usage_rate: float | None = None
    acquired_s: float | None = None
    expensed: bool = False
    embodied_source: str | None = None

    @property
    def embodied_kg(self) -> float:
        return self.quantity * self.embodied_kg_per_unit


@dataclass(frozen=True)
class EmbodiedResult:
    """Embodied kgCO2e per run, the resource share used (NaN where none applied) and warnings."""

    co2e_kg: np.ndarray
    resource_share: np.ndarray
    warnings: tuple[str, ...]


class _SiteGroup:
    """The runs of one site and the assets they draw on, as arrays."""

    def __init__(self, run_index: np.ndarray, assets: Sequence[AssetInput]) -> None:
        self.run_index = run_index
        self.total_kg = np.array([asset.embodied_kg for asset in assets], dtype=float)
        self.start_s = np.array([asset.service_start_s for asset in assets], dtype=float)
        self.lifetime_years = np.array([asset.lifetime_years for asset in assets], dtype=float)
        self.usage_rate = np.array([np.nan if asset.usage_rate is None else asset.usage_rate for asset in assets],
                                   dtype=float)
        self.gpus = float(sum(asset.quantity for asset in assets if asset.category in GPU_CATEGORIES))

    def charged_kg(self, start_s: np.ndarray, end_s: np.ndarray, a: Assumptions) -> np.ndarray:
        """Return, per run, the embodied kgCO2e of the whole site charged by the method (before shares)."""
        lifetime_years = np.full_like(self.lifetime_years, a.lifetime_years) if a.lifetime_years \
            else self.lifetime_years
        lifetime_s = lifetime_years * HOURS_PER_YEAR * HOUR_S
        if a.embodied_method == "bloom":
            usage = np.where(np.isnan(self.usage_rate), a.usage_rate, self.usage_rate)
            per_second = self.total_kg / (lifetime_s * usage)
        else:
            per_second = self.total_kg / lifetime_s
        overlap = (np.minimum(end_s[:, None], (self.start_s + lifetime_s)[None, :])
                   - np.maximum(start_s[:, None], self.start_s[None, :]))
        return np.clip(overlap, 0.0, None) @ per_second


class EmbodiedModel:
    """Runs and assets prepared once; :meth:`compute` charges embodied emissions per run."""

    def __init__(self, runs: Sequence["RunInput"], assets: Iterable[AssetInput]) -> None:
        self.runs = list(runs)
        self.assets = tuple(assets)
        shared = [asset for asset in self.assets if asset.site is None]
        by_site: dict[str | None, list[int]] = {}
        for index, run in enumerate(self.runs):
            by_site.setdefault(run.site, []).append(index)
        self.groups = []
        for site, indices in by_site.items():
            site_assets = shared + [asset for asset in self.assets if asset.site is not None and asset.site == site]
            if site_assets:
                self.groups.append(_SiteGroup(np.array(indices), site_assets))
        self.start_s = np.array([np.nan if run.start_s is None else run.start_s for run in self.runs], dtype=float)
        self.end_s = np.array([np.nan if run.end_s is None else run.end_s for run in self.runs], dtype=float)
        self.reserved_fraction = np.array([run.reserved_fraction for run in self.runs], dtype=float)
        self.accelerator_hours = np.array([run.accelerator_hours for run in self.runs], dtype=float)
        self._cache: dict[tuple, EmbodiedResult] = {}

    def compute(self, a: Assumptions, period: "Period | None" = None,
                accelerator_hours: np.ndarray | None = None) -> EmbodiedResult:
        """Return embodied emissions per run under ``a``, limited to ``period`` if given.

        ``accelerator_hours`` (per run) replaces the runs' own figures for the llmcarbon method,
        whose charge is proportional to them. The other methods are cached per assumption values.
        """
        if a.embodied_method == "llmcarbon":
            hours = self.accelerator_hours if accelerator_hours is None else accelerator_hours
            return self._chip_only(a, period, hours)
        key = (a.embodied_method, a.lifetime_years, a.resource_share, a.usage_rate,
               None if period is None else (period.start_s, period.end_s))
        cached = self._cache.get(key)
        if cached is None:
            cached = self._compute(a, period)
            self._cache[key] = cached
        return cached

    def _chip_only(self, a: Assumptions, period: "Period | None", accelerator_hours: np.ndarray) -> EmbodiedResult:
        _, _, in_period = self._window(period)
        chip_kg = a.chip_area_mm2 / 100.0 * a.chip_embodied_kg_per_cm2
        charged = accelerator_hours * in_period * chip_kg / (a.chip_lifetime_years * HOURS_PER_YEAR)
        return EmbodiedResult(np.nan_to_num(charged), np.full(len(self.runs), np.nan), ())

    def _window(self, period: "Period | None") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        start, end = self.start_s.copy(), self.end_s.copy()
        valid = ~np.isnan(start) & ~np.isnan(end) & (end > start)
        if period is not None:
            start = np.maximum(start, period.start_s)
            end = np.minimum(end, period.end_s)
        with np.errstate(invalid="ignore", divide="ignore"):
            fraction = np.where(valid, np.clip((end - start) / (self.end_s - self.start_s), 0.0, 1.0), 0.0)
        return np.where(valid, start, 0.0), np.where(valid, end, 0.0), fraction

    def _compute(self, a: Assumptions, period: "Period | None") -> EmbodiedResult:
        count = len(self.runs)
        start, end, _ = self._window(period)
        charged = np.zeros(count)
        shares = np.full(count, np.nan)
        warnings: list[str] = []
        for group in self.groups:
            index = group.run_index
            site_kg = group.charged_kg(start[index], end[index], a) * self.reserved_fraction[index]
            share = self._shares(index, group.gpus, a, warnings)
            charged[index] = site_kg * share
            shares[index] = share
        return EmbodiedResult(charged, shares, tuple(warnings))

    def _shares(self, index: np.ndarray, site_gpus: float, a: Assumptions, warnings: list[str]) -> np.ndarray:
        if a.resource_share is not None:
            return np.full(len(index), a.resource_share)
        shares = np.ones(len(index))
        for position, run_index in enumerate(index):
            run = self.runs[run_index]
            if run.gpu_count_known and site_gpus > 0:
                shares[position] = min(1.0, run.gpu_count / site_gpus)
            elif run.gpu_count_known and run.gpu_count == 0:
                shares[position] = 0.0
            else:
                warnings.append(f"run {run.name}: resource share set to 1 because the GPUs it used or the site's "
                                "GPU count is unknown; set the resource_share assumption")
        return shares

    def sites_without_assets(self) -> set[str | None]:
        """Return the sites of runs that no procurement record covers."""
        covered = {int(i) for group in self.groups for i in group.run_index}
        return {run.site for index, run in enumerate(self.runs) if index not in covered}


@dataclass(frozen=True)
class CapitalGood:
    """One asset line reported in an inventory: category 2 (capitalised) or 1 (expensed)."""

    asset_id: int
    item: str
    category: int
    quantity: float
    co2e_kg: float
    acquired_s: float
    site: str | None
    embodied_source: str | None


def acquired_in_period(assets: Iterable[AssetInput], period: "Period") -> list[CapitalGood]:
    """Return the assets acquired in ``period`` with their full embodied emissions, undepreciated.

    Assets without an acquisition date use their in-service date.
    """
    goods = []
    for asset in assets:
        acquired = asset.acquired_s if asset.acquired_s is not None else asset.service_start_s
        if period.start_s <= acquired < period.end_s:
            goods.append(CapitalGood(asset.asset_id, asset.item, 1 if asset.expensed else 2, asset.quantity,
                                     asset.embodied_kg, acquired, asset.site, asset.embodied_source))
    return goods
