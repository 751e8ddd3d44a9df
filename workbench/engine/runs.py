"""Inputs of the footprint engine: a run's hourly energy by level, telemetry or declared."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping

import numpy as np

from workbench.engine.chain import LEVELS
from workbench.engine.declared import DeclaredEnergy, energy_method

HOUR_S = 3600


@dataclass(frozen=True)
class RunInput:
    """One run's hourly energy by level, plus what the run is and where it ran.

    ``quality_kwh`` maps level to quality (measured, estimated, defaulted) to kWh over the
    whole run; without it all telemetry counts as measured. ``gap_seconds`` counts GPU-seconds
    without readings, whose energy is missing. For a run with ``declared`` set,
    ``energy_kwh`` contains a one-kWh profile at the declared level.
    """

    run_id: int
    name: str
    kind: str
    site: str | None
    zone: str | None
    start_s: float | None
    end_s: float | None
    gpu_count: int
    hours: np.ndarray  # hour starts, Unix seconds, sorted and unique
    energy_kwh: dict[str, np.ndarray]  # level -> kWh per hour, aligned with hours
    gpu_part_kwh: np.ndarray
    functional_unit: str | None = None
    functional_unit_amount: float | None = None
    model: str | None = None
    pue_category: str | None = None
    declared: DeclaredEnergy | None = None
    quality_kwh: Mapping[str, Mapping[str, float]] | None = None
    gap_seconds: float = 0.0
    min_coverage: float | None = None
    tokens: float | None = None
    flops: float | None = None

    @property
    def window_hours(self) -> float:
        if self.start_s is None or self.end_s is None or self.end_s <= self.start_s:
            return 0.0
        return (self.end_s - self.start_s) / HOUR_S

    @property
    def gpu_count_known(self) -> bool:
        if self.declared is not None:
            return self.declared.accelerators is not None
        return self.gpu_count > 0

    @property
    def accelerator_hours(self) -> float:
        """Stated accelerator-hours, else accelerators x the window (NaN when unknown)."""
        if self.declared is not None and self.declared.accelerator_hours is not None:
            return float(self.declared.accelerator_hours)
        if self.gpu_count > 0 and self.window_hours > 0:
            return self.gpu_count * self.window_hours
        return float("nan")

    @property
    def reserved_fraction(self) -> float:
        """Share of the window the run's accelerators were reserved (stated accelerator-hours / count x window)."""
        hours = self.declared.accelerator_hours if self.declared is not None else None
        if hours is None or self.gpu_count <= 0 or self.window_hours <= 0:
            return 1.0
        return min(1.0, hours / (self.gpu_count * self.window_hours))


def declared_run(run_id: int, name: str, declared: DeclaredEnergy, *, start_s: float, end_s: float,
                 kind: str = "final", site: str | None = None, zone: str | None = None,
                 model: str | None = None, pue_category: str | None = None) -> RunInput:
    """Build the RunInput of a declared run: a one-kWh profile spread evenly over its window.

    Without stated accelerator-hours, a stated accelerator count gives count x window.
    """
    declared = with_window_hours(declared, start_s, end_s)
    energy_method(declared)
    hours, weights = uniform_profile(start_s, end_s)
    energy = {level: np.zeros(len(hours)) for level in LEVELS}
    energy[declared.level] = weights
    gpu_part = weights.copy() if declared.level == "gpu_board" else np.zeros(len(hours))
    return RunInput(
        run_id=run_id, name=name, kind=kind, site=site, zone=zone, start_s=start_s, end_s=end_s,
        gpu_count=int(declared.accelerators or 0), hours=hours, energy_kwh=energy, gpu_part_kwh=gpu_part,
        model=model, pue_category=pue_category, declared=declared, tokens=declared.tokens, flops=declared.flops,
        functional_unit="tokens" if declared.tokens else None, functional_unit_amount=declared.tokens)


def with_window_hours(declared: DeclaredEnergy, start_s: float | None, end_s: float | None) -> DeclaredEnergy:
    """Return ``declared`` with accelerator-hours = accelerators x window when it states a count but no hours."""
    if declared.accelerator_hours is None and declared.accelerators and start_s is not None and end_s is not None:
        return replace(declared, accelerator_hours=declared.accelerators * (end_s - start_s) / HOUR_S)
    return declared


def uniform_profile(start_s: float, end_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Return the UTC hour starts touching ``[start_s, end_s)`` and each hour's share of the window."""
    if end_s <= start_s:
        raise ValueError(f"the window ends ({end_s}) before it starts ({start_s})")
    first = np.floor(start_s / HOUR_S) * HOUR_S
    hours = np.arange(first, end_s, HOUR_S).astype(np.int64)
    overlap = np.minimum(hours + HOUR_S, end_s) - np.maximum(hours, start_s)
    return hours, overlap / (end_s - start_s)
