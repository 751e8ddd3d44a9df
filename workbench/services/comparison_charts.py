"""Tables and waterfall data of a comparison of assumption sets, without Qt.

:func:`run_comparison` is the job body the comparison view runs off the UI thread; the other
functions reshape its :class:`~workbench.services.comparison.ComparisonOutcome` into the rows
and steps the view draws and the CSV export writes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from workbench.progress import Progress
from workbench.project.store import Project
from workbench.services import comparison
from workbench.services.uncertainty import UncertaintyContext

log = logging.getLogger(__name__)

OUTPUT_LABELS = {"gpu_energy_kwh": "GPU energy (kWh)", "facility_energy_kwh": "Facility energy (kWh)",
                 "operational_co2e_kg": "Operational (kgCO2e)", "embodied_co2e_kg": "Embodied (kgCO2e)",
                 "total_co2e_kg": "Total (kgCO2e)"}


@dataclass(frozen=True)
class ComparisonRequest:
    """Frozen input of one comparison; ``set_names[0]`` is the baseline every delta is taken against."""

    project: Project
    context: UncertaintyContext
    set_names: tuple[str, ...]
    trials: int
    seed: int


def run_comparison(request: ComparisonRequest, progress: Progress | None = None) -> comparison.ComparisonOutcome:
    """Compare the sets on common random numbers on a connection of the calling thread."""
    with request.project.connect() as worker_project:
        return comparison.compare_sets(worker_project, list(request.set_names), trials=request.trials,
                                       seed=request.seed, progress=progress, context=request.context)


def output_label(output: str) -> str:
    return OUTPUT_LABELS.get(output, output)


def totals_rows(outcome: comparison.ComparisonOutcome, output: str) -> list[dict[str, Any]]:
    """Return one row per set: the point value of every output, and the Monte Carlo mean and interval of ``output``."""
    rows = []
    for name in outcome.points:
        row: dict[str, Any] = {"set": name}
        row.update({key: float(value) for key, value in zip(outcome.outputs, outcome.points[name])})
        summary = outcome.monte_carlo.summaries[name][output]
        row.update({"mean": summary.mean, "low": summary.low, "high": summary.high})
        rows.append(row)
    return rows


def delta_rows(outcome: comparison.ComparisonOutcome, output: str) -> list[dict[str, Any]]:
    """Return per set other than the baseline: the delta of ``output`` with its intervals and P(set < baseline)."""
    rows = []
    for item in outcome.monte_carlo.differences:
        if item.output != output:
            continue
        rows.append({"set": item.other, "baseline": item.reference, "delta": item.point,
                     "low": item.common.low, "high": item.common.high,
                     "independent_low": item.independent.low, "independent_high": item.independent.high,
                     "probability_below": item.probability_below})
    return rows


@dataclass(frozen=True)
class Waterfall:
    """Bars from the baseline's total through each assumption's share to the other set's total.

    The first and last bars start at zero; each middle bar runs from ``starts[i]`` to ``ends[i]``,
    and ``values[i] = ends[i] - starts[i]`` is the assumption's Shapley share.
    """

    labels: tuple[str, ...]
    starts: np.ndarray
    ends: np.ndarray

    @property
    def values(self) -> np.ndarray:
        return self.ends - self.starts

    def step_sum(self) -> float:
        """Return the sum of the assumption steps, which equals the delta of the two totals."""
        return float(self.values[1:-1].sum())

    def rows(self) -> list[tuple[str, float, float, float]]:
        return [(label, float(start), float(end), float(end - start))
                for label, start, end in zip(self.labels, self.starts, self.ends)]


def waterfall(outcome: comparison.ComparisonOutcome, other: str, output: str) -> Waterfall:
    """Return the waterfall of ``other`` against the baseline for ``output``, from the Shapley decomposition."""
    column = list(outcome.outputs).index(output)
    for reference, name, decomposition in outcome.decompositions:
        if name == other:
            break
    else:
        raise KeyError(f"the comparison has no decomposition for set '{other}'")
    labels = [f"{reference} (baseline)"]
    level = float(decomposition.reference[column])
    starts, ends = [0.0], [level]
    for share in decomposition.shares:
        step = float(share.shapley[column])
        labels.append(share.factor)
        starts.append(level)
        level += step
        ends.append(level)
    labels.append(other)
    starts.append(0.0)
    ends.append(float(decomposition.other[column]))
    return Waterfall(tuple(labels), np.array(starts), np.array(ends))
