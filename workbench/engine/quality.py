"""Measured, estimated or defaulted: which share of each result rests on what.

Operational emissions of a run are split multiplicatively along the energy chain, so the parts
add up exactly:

* the energy as recorded, times the factor, takes its data quality. Telemetry rows carry
  measured, estimated or defaulted. Declared runs are estimated, or defaulted when their energy
  uses an assumption still at its shipped default;
* the node uplift part, ``base x (k - 1)``;
* the distribution-loss part, ``base x k x (f_dist - 1)``;
* the PUE part, the rest up to facility energy; measured for hours with a metered PUE.

An assumption part is defaulted when the assumption is still at its shipped default, else
estimated. Embodied emissions rest on product carbon footprints and count as estimated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np

from workbench.engine.assumptions import Assumptions
from workbench.engine.chain import LEVELS
from workbench.engine.declared import assumption_keys

if TYPE_CHECKING:
    from workbench.engine.footprint import PreparedFootprint, RunInput, _Chain
    from workbench.engine.run_sums import RunSums

QUALITIES = ("measured", "estimated", "defaulted")


def telemetry_fractions(runs: Sequence["RunInput"]) -> np.ndarray:
    """Return, per run and level, the energy shares of each quality (runs x levels x qualities)."""
    fractions = np.zeros((len(runs), len(LEVELS), len(QUALITIES)))
    fractions[:, :, 0] = 1.0
    for index, run in enumerate(runs):
        if run.declared is not None:
            fractions[index, :, :] = (0.0, 1.0, 0.0)
            continue
        for level_index, level in enumerate(LEVELS):
            by_quality = (run.quality_kwh or {}).get(level)
            total = sum(by_quality.values()) if by_quality else 0.0
            if total > 0:
                fractions[index, level_index] = [by_quality.get(name, 0.0) / total for name in QUALITIES]
    return fractions


def _label(defaulted: bool | np.ndarray) -> np.ndarray:
    """Quality index: 2 (defaulted) where True, else 1 (estimated)."""
    return np.where(defaulted, 2, 1)


def split(prepared: "PreparedFootprint", sums: "RunSums", chain: "_Chain", a: Assumptions,
          operational_levels: np.ndarray, embodied_kg: np.ndarray, categories: np.ndarray) -> dict[str, np.ndarray]:
    """Return kgCO2e per run resting on measured, estimated and defaulted inputs."""
    count = len(prepared.inputs)
    result = np.zeros((count, len(QUALITIES)))
    fractions = prepared.base_quality.copy()
    for index in prepared.declared_index:
        keys = assumption_keys(prepared.inputs[index].declared)
        fractions[index, :, :] = (0.0, 0.0, 1.0) if any(a.is_defaulted(key) for key in keys) else (0.0, 1.0, 0.0)

    base = sums.get("weighted", "all") * chain.scale[:, None] / 1000.0
    base[:, 3] = operational_levels[:, 3]
    result += (base[:, :, None] * fractions).sum(axis=1)

    f_dist = chain.before_pue[:, 1]
    uplift = base[:, 0] * (a.node_uplift - 1.0)
    distribution = base[:, 0] * a.node_uplift * (f_dist - 1.0) + base[:, 1] * (f_dist - 1.0)
    pue_part = operational_levels[:, :3].sum(axis=1) - (base[:, :3] * chain.before_pue).sum(axis=1)
    _add(result, uplift, _label(a.is_defaulted("node_uplift")))
    loss_defaulted = np.where(categories == 1, a.is_defaulted("distribution_loss_ups"),
                              (categories == 2) & a.is_defaulted("distribution_loss_pdu"))
    _add(result, distribution, _label(loss_defaulted))

    measured_share = _metered_share(sums, chain) if chain.metered else np.zeros(count)
    result[:, 0] += pue_part * measured_share
    _add(result, pue_part * (1.0 - measured_share), _label(a.is_defaulted("pue")))
    result[:, 1] += embodied_kg
    return {name: result[:, code] for code, name in enumerate(QUALITIES)}


def _add(result: np.ndarray, values: np.ndarray, codes: np.ndarray) -> None:
    codes = np.broadcast_to(codes, values.shape)
    for code in (1, 2):
        result[:, code] += np.where(codes == code, values, 0.0)


def _metered_share(sums: "RunSums", chain: "_Chain") -> np.ndarray:
    """Share of each run's pre-facility energy (at the PUE point) that falls in hours with a metered PUE."""
    metered = (chain.before_pue * sums.get("energy", "metered")[:, :3]).sum(axis=1)
    rest = (chain.before_pue * sums.get("energy", "rest")[:, :3]).sum(axis=1) * chain.pue
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(metered + rest > 0, metered / (metered + rest), 0.0)


def shares(totals: dict[str, float]) -> dict[str, float]:
    """Return the shares of the total that rest on estimates and on defaults (0 when the total is 0)."""
    total = totals.get("total_co2e_kg", 0.0)
    if total <= 0:
        return {"measured_share": 0.0, "estimated_share": 0.0, "defaulted_share": 0.0}
    return {f"{name}_share": totals.get(f"{name}_co2e_kg", 0.0) / total for name in QUALITIES}
