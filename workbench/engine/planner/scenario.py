"""The inputs of one what-if world and the changes levers make to them.

A :class:`Scenario` contains the runs (the project's runs, in the same order, so results pair run
by run), the metered PUE of each site, the procurement records and the contractual
instruments. Levers return changed copies; nothing here touches the project.

Run changes keep each run's hourly shape unless noted:

* :func:`shift_run` moves a run (or a share of each hour's energy) by whole hours;
* :func:`scale_levels` multiplies energy below the facility level in chosen hours, which is how
  a different PUE applies (facility = energy x scale x PUE of the set);
* :func:`truncate_run` stops a run once a share of its energy is spent;
* :func:`stretch_run` makes a run shorter or longer, keeping its energy;
* :func:`scale_work` multiplies a run's energy, including its GPU energy.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Mapping, Sequence

import numpy as np

from workbench.engine.chain import LEVELS
from workbench.engine.embodied import AssetInput
from workbench.engine.run_sums import MeteredPue
from workbench.engine.runs import HOUR_S, RunInput, uniform_profile
from workbench.engine.scope2 import InstrumentInput

BEFORE_PUE = ("gpu_board", "node", "it")


@dataclass(frozen=True)
class SiteInfo:
    """A site's grid zone and PUE measurement category, which its runs take."""

    name: str
    zone: str | None
    pue_category: str | None = None


@dataclass(frozen=True)
class Scenario:
    """Runs, metered PUE per site, procurement records and instruments of one world."""

    runs: tuple[RunInput, ...]
    metered_pue: Mapping[str, MeteredPue] = field(default_factory=dict)
    assets: tuple[AssetInput, ...] = ()
    instruments: tuple[InstrumentInput, ...] = ()

    def with_runs(self, changed: Mapping[int, RunInput]) -> "Scenario":
        """Return a copy with the runs at the given indices replaced."""
        runs = tuple(changed.get(index, run) for index, run in enumerate(self.runs))
        return replace(self, runs=runs)

    def with_site(self, name: str, metered: MeteredPue | None, assets: Sequence[AssetInput]) -> "Scenario":
        """Return a copy with a what-if site: its metered PUE (if any) and its procurement records."""
        metered_pue = dict(self.metered_pue)
        if metered is not None:
            metered_pue[name] = metered
        return replace(self, metered_pue=metered_pue, assets=self.assets + tuple(assets))


def dense_profile(run: RunInput) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """Return the run's consecutive hour starts from its first to last hour, energy per level and GPU energy.

    Hours without energy inside the span get zeros.
    """
    if not len(run.hours):
        return run.hours, dict(run.energy_kwh), run.gpu_part_kwh
    first = int(run.hours[0])
    count = int((int(run.hours[-1]) - first) // HOUR_S) + 1
    hours = first + HOUR_S * np.arange(count, dtype=np.int64)
    position = ((run.hours - first) // HOUR_S).astype(np.int64)
    levels = {}
    for level in LEVELS:
        values = np.zeros(count)
        values[position] = run.energy_kwh[level]
        levels[level] = values
    gpu = np.zeros(count)
    gpu[position] = run.gpu_part_kwh
    return hours, levels, gpu


def _merge(parts: Sequence[tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]]
           ) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """Add several (hours, levels, GPU energy) profiles hour by hour."""
    hours = np.unique(np.concatenate([part[0] for part in parts])).astype(np.int64)
    levels = {level: np.zeros(len(hours)) for level in LEVELS}
    gpu = np.zeros(len(hours))
    for part_hours, part_levels, part_gpu in parts:
        position = np.searchsorted(hours, part_hours)
        for level in LEVELS:
            np.add.at(levels[level], position, part_levels[level])
        np.add.at(gpu, position, part_gpu)
    return hours, levels, gpu


def _scaled(levels: Mapping[str, np.ndarray], gpu: np.ndarray, factor: float
            ) -> tuple[dict[str, np.ndarray], np.ndarray]:
    return {level: values * factor for level, values in levels.items()}, gpu * factor


def _shift_window(value: float | None, seconds: float) -> float | None:
    return None if value is None else value + seconds


def shift_run(run: RunInput, offset_hours: int, flexible_share: float = 1.0) -> RunInput:
    """Move ``flexible_share`` of each hour's energy ``offset_hours`` later (earlier when negative).

    The window moves with the run when all of it moves. When only a share moves, the window
    spans both parts, so an amortized embodied charge grows with the longer reservation.
    """
    if offset_hours == 0 or flexible_share <= 0 or not len(run.hours):
        return run
    seconds = int(offset_hours) * HOUR_S
    moved_levels, moved_gpu = _scaled(run.energy_kwh, run.gpu_part_kwh, flexible_share)
    parts = [(run.hours + seconds, moved_levels, moved_gpu)]
    start, end = _shift_window(run.start_s, seconds), _shift_window(run.end_s, seconds)
    if flexible_share < 1.0:
        kept_levels, kept_gpu = _scaled(run.energy_kwh, run.gpu_part_kwh, 1.0 - flexible_share)
        parts.append((run.hours, kept_levels, kept_gpu))
        if run.start_s is not None and run.end_s is not None:
            start, end = min(run.start_s, start), max(run.end_s, end)
    hours, levels, gpu = _merge(parts)
    return replace(run, hours=hours, energy_kwh=levels, gpu_part_kwh=gpu, start_s=start, end_s=end)


def scale_levels(run: RunInput, ratio: np.ndarray | float, hours_mask: np.ndarray | None = None) -> RunInput:
    """Multiply the run's energy below the facility level by ``ratio`` (per hour or one value) in the masked hours.

    GPU energy stays as measured: only the overhead applied on top of it changes.
    """
    ratio = np.broadcast_to(np.asarray(ratio, dtype=float), run.hours.shape)
    if hours_mask is not None:
        ratio = np.where(hours_mask, ratio, 1.0)
    levels = {level: (values * ratio if level in BEFORE_PUE else values) for level, values in run.energy_kwh.items()}
    return replace(run, energy_kwh=levels)


def scale_work(run: RunInput, ratio: float) -> RunInput:
    """Multiply every energy of the run, its GPU energy included, by ``ratio``."""
    levels, gpu = _scaled(run.energy_kwh, run.gpu_part_kwh, ratio)
    return replace(run, energy_kwh=levels, gpu_part_kwh=gpu)


def add_facility_energy(run: RunInput, energy_kwh: float) -> RunInput:
    """Add ``energy_kwh`` at the facility level in the run's first hour (energy outside the PUE)."""
    if energy_kwh <= 0 or not len(run.hours):
        return run
    levels = {level: values.copy() for level, values in run.energy_kwh.items()}
    levels["facility"][0] += energy_kwh
    return replace(run, energy_kwh=levels)


def total_energy(run: RunInput) -> np.ndarray:
    """Return the run's recorded energy per hour summed over levels (the shape used to place a stop)."""
    return sum(run.energy_kwh[level] for level in LEVELS) if len(run.hours) else np.zeros(0)


def truncate_run(run: RunInput, keep_share: float) -> RunInput:
    """Stop the run once ``keep_share`` of its recorded energy is spent; later energy is dropped.

    Energy inside an hour is taken as spread evenly over it, so the stop may fall inside an hour.
    A declared run keeps its declaration and spends ``keep_share`` of it over a shorter window.
    """
    keep_share = min(max(keep_share, 0.0), 1.0)
    if keep_share >= 1.0 or not len(run.hours):
        return run
    if run.declared is not None:
        start, end = _window(run)
        return _redeclare(run, start, start + (end - start) * keep_share, keep_share * _profile_total(run))

    hours, levels, gpu = dense_profile(run)
    energy = sum(levels[level] for level in LEVELS)
    total = float(energy.sum())
    if total <= 0:
        return run
    cumulative = np.concatenate([[0.0], np.cumsum(energy)])
    edges = np.concatenate([hours, [hours[-1] + HOUR_S]]).astype(float)
    stop_s = float(np.interp(keep_share * total, cumulative, edges))
    kept = np.clip((stop_s - hours) / HOUR_S, 0.0, 1.0)
    levels = {level: values * kept for level, values in levels.items()}
    end = stop_s if run.end_s is None else min(stop_s, run.end_s)
    if run.start_s is not None:
        end = max(end, run.start_s)
    return replace(run, hours=hours, energy_kwh=levels, gpu_part_kwh=gpu * kept, end_s=end)


def stretch_run(run: RunInput, time_ratio: float) -> RunInput:
    """Make the run last ``time_ratio`` times as long from its start, keeping its energy.

    Each recorded hour is mapped onto the new time axis and its energy re-binned by overlap, so
    a run twice as fast spends the same energy in half the hours.
    """
    if time_ratio == 1.0 or not len(run.hours):
        return run
    if run.declared is not None:
        start, end = _window(run)
        return _redeclare(run, start, start + (end - start) * time_ratio, _profile_total(run))

    hours, levels, gpu = dense_profile(run)
    origin = float(run.start_s) if run.start_s is not None else float(hours[0])
    edges = np.concatenate([hours, [hours[-1] + HOUR_S]]).astype(float)
    mapped = origin + (edges - origin) * time_ratio
    first = np.floor(mapped[0] / HOUR_S) * HOUR_S
    grid = np.arange(first, mapped[-1], HOUR_S)
    grid_edges = np.concatenate([grid, [grid[-1] + HOUR_S]])

    def rebin(values: np.ndarray) -> np.ndarray:
        cumulative = np.concatenate([[0.0], np.cumsum(values)])
        return np.diff(np.interp(grid_edges, mapped, cumulative))

    new_levels = {level: rebin(values) for level, values in levels.items()}
    end = None if run.end_s is None else origin + (run.end_s - origin) * time_ratio
    return replace(run, hours=grid.astype(np.int64), energy_kwh=new_levels, gpu_part_kwh=rebin(gpu), end_s=end)


def with_accelerators(run: RunInput, count: int) -> RunInput:
    """Return the run on ``count`` accelerators (its energy is unchanged; see :func:`scale_work`)."""
    changed = replace(run, gpu_count=int(count))
    if run.declared is None:
        return changed
    return replace(changed, declared=replace(run.declared, accelerators=int(count)))


def _window(run: RunInput) -> tuple[float, float]:
    start = float(run.start_s) if run.start_s is not None else float(run.hours[0])
    end = float(run.end_s) if run.end_s is not None else float(run.hours[-1] + HOUR_S)
    return start, end


def _profile_total(run: RunInput) -> float:
    """Sum of a declared run's profile: 1 as declared, another value after :func:`scale_work`."""
    return float(run.energy_kwh[run.declared.level].sum())


def _redeclare(run: RunInput, start_s: float, end_s: float, total: float) -> RunInput:
    """Spread a declared run's profile evenly over a new window, summing to ``total``.

    The declaration itself is kept, because its energy derives from its accelerator-hours; the
    profile's sum scales that energy (see :mod:`workbench.engine.footprint`).
    NOTE: the llmcarbon method charges declared accelerator-hours, which therefore stay as declared.
    """
    if end_s <= start_s:
        end_s = start_s + 1.0
        total = 0.0
    hours, weights = uniform_profile(start_s, end_s)
    levels = {level: np.zeros(len(hours)) for level in LEVELS}
    levels[run.declared.level] = weights * total
    gpu = levels["gpu_board"].copy()
    return replace(run, hours=hours, energy_kwh=levels, gpu_part_kwh=gpu, start_s=start_s, end_s=end_s)


def move_run(run: RunInput, *, site: str | None, zone: str | None, pue_category: str | None) -> RunInput:
    """Return the run at another site or grid zone, with that site's PUE category."""
    return replace(run, site=site, zone=zone, pue_category=pue_category)


def copy_assets(assets: Sequence[AssetInput], site: str | None, new_site: str, *, skip_categories: Sequence[str] = ()
                ) -> list[AssetInput]:
    """Return copies of ``site``'s procurement records for ``new_site``, leaving out some categories.

    Records without a site serve every site already, so they are not copied.
    """
    if site is None:
        return []
    skip = set(skip_categories)
    return [replace(asset, site=new_site) for asset in assets
            if asset.site == site and asset.category not in skip]
