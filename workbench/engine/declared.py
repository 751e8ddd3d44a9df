"""Energy of declared runs: runs known from a paper, a model card or a cloud bill, not telemetry.

The energy is an estimate, taken in this order from what the declaration states:

1. ``stated_energy``: energy in kWh.
2. ``measured_power``: accelerator-hours x measured average power per accelerator.
3. ``tdp``: accelerator-hours x TDP x the ``tdp_utilization`` assumption.
4. ``compute``: FLOPs / (peak FLOP/s x MFU) gives accelerator-hours (unless they are stated),
   x measured power, TDP x utilization, or the ``compute_power_w`` assumption. The EU AI Act
   (Annex XI) accepts this estimate from computational resources when energy is unknown.
5. ``default_power``: accelerator-hours x the ``compute_power_w`` assumption.

The figure is at the level the declaration measures: board power (``gpu_board``, the node
uplift applies), system power (``node``, no uplift) or an all-in facility figure (``facility``,
neither uplift nor PUE applies).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbench.engine.assumptions import Assumptions

HOUR_S = 3600.0
METHODS = ("stated_energy", "measured_power", "tdp", "compute", "default_power")
DECLARED_LEVELS = {"board": "gpu_board", "system": "node", "facility": "facility"}


@dataclass(frozen=True)
class DeclaredEnergy:
    """A run's declared accelerators, power, energy and work done.

    ``accelerator_hours`` is the stated figure, or accelerators x the run's window when only
    the count is stated; None when neither is known.
    """

    level: str
    accelerators: int | None = None
    accelerator_model: str | None = None
    accelerator_hours: float | None = None
    avg_power_w: float | None = None
    tdp_w: float | None = None
    energy_kwh: float | None = None
    flops: float | None = None
    tokens: float | None = None

    @property
    def method(self) -> str:
        return energy_method(self)


def energy_method(d: DeclaredEnergy) -> str:
    """Name the method that gives the declaration's energy (see the module docstring)."""
    if d.energy_kwh is not None:
        return "stated_energy"
    if d.accelerator_hours is not None and d.avg_power_w is not None:
        return "measured_power"
    if d.accelerator_hours is not None and d.tdp_w is not None:
        return "tdp"
    if d.flops is not None:
        return "compute"
    if d.accelerator_hours is not None:
        return "default_power"
    raise ValueError("a declared run needs energy_kwh, accelerator-hours or FLOPs")


@dataclass(frozen=True)
class DeclaredArrays:
    """Declarations of many runs as parallel arrays (NaN where a value is not stated)."""

    energy_kwh: np.ndarray
    accelerator_hours: np.ndarray
    avg_power_w: np.ndarray
    tdp_w: np.ndarray
    flops: np.ndarray

    @classmethod
    def from_declarations(cls, items: list[DeclaredEnergy]) -> "DeclaredArrays":
        def column(name: str) -> np.ndarray:
            return np.array([np.nan if getattr(d, name) is None else float(getattr(d, name)) for d in items])

        return cls(column("energy_kwh"), column("accelerator_hours"), column("avg_power_w"), column("tdp_w"),
                   column("flops"))


def declared_energy_arrays(d: DeclaredArrays, a: Assumptions) -> tuple[np.ndarray, np.ndarray]:
    """Return (energy kWh, accelerator-hours) of every declaration under assumptions ``a``."""
    with np.errstate(invalid="ignore", divide="ignore"):
        from_compute = d.flops / (a.compute_peak_flops_per_s * a.compute_mfu) / HOUR_S
    hours = np.where(np.isnan(d.accelerator_hours), from_compute, d.accelerator_hours)
    power_w = np.where(~np.isnan(d.avg_power_w), d.avg_power_w,
                       np.where(~np.isnan(d.tdp_w), d.tdp_w * a.tdp_utilization, a.compute_power_w))
    energy = np.where(np.isnan(d.energy_kwh), hours * power_w / 1000.0, d.energy_kwh)
    return energy, hours


def declared_energy_kwh(d: DeclaredEnergy, a: Assumptions) -> tuple[float, float | None]:
    """Return (energy kWh at the declaration's level, accelerator-hours or None) for one declaration."""
    energy_method(d)
    energy, hours = declared_energy_arrays(DeclaredArrays.from_declarations([d]), a)
    return float(energy[0]), (None if np.isnan(hours[0]) else float(hours[0]))


def training_flops(parameters: float, tokens: float) -> float:
    """Return the dense-transformer training compute 6 x N x D in FLOP (a rule of thumb)."""
    return 6.0 * parameters * tokens


def assumption_keys(d: DeclaredEnergy) -> tuple[str, ...]:
    """Return the assumptions a declaration's energy depends on.

    When one of them is still at its shipped default, the energy counts as defaulted rather
    than estimated.
    """
    method = energy_method(d)
    if method in ("stated_energy", "measured_power"):
        return ()
    if method == "tdp":
        return ("tdp_utilization",)
    if method == "default_power":
        return ("compute_power_w",)
    keys: tuple[str, ...] = ()
    if d.accelerator_hours is None:
        keys = ("compute_mfu", "compute_peak_flops_per_s")
    if d.avg_power_w is None:
        keys += ("tdp_utilization",) if d.tdp_w is not None else ("compute_power_w",)
    return keys
