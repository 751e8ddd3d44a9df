"""Chart data of one Monte Carlo run, without Qt: histogram, convergence trace and tornado rows.

The uncertainty view draws these arrays as they are, the CSV export writes them, and the tests
check them against the Monte Carlo result they came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from workbench.engine.uncertainty.sensitivity import TornadoBar

TRACE_POINTS = 60
TRACE_FIRST_TRIALS = 100


@dataclass(frozen=True)
class Histogram:
    """Counts of trial values per bin; ``edges`` has one more entry than ``counts``."""

    edges: np.ndarray
    counts: np.ndarray

    def rows(self) -> list[tuple[float, float, int]]:
        """Return (bin low, bin high, count) per bin, for CSV."""
        return [(float(low), float(high), int(count))
                for low, high, count in zip(self.edges[:-1], self.edges[1:], self.counts)]


@dataclass(frozen=True)
class ConvergenceTrace:
    """Running mean and symmetric interval ends of the first ``trials[i]`` trial values."""

    trials: np.ndarray
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray

    def rows(self) -> list[tuple[int, float, float, float]]:
        return [(int(n), float(m), float(lo), float(hi))
                for n, m, lo, hi in zip(self.trials, self.mean, self.low, self.high)]


def histogram(values: np.ndarray, bins: int = 60) -> Histogram:
    """Return the histogram of ``values`` in ``bins`` equal bins over their range."""
    counts, edges = np.histogram(np.asarray(values, dtype=float), bins=bins)
    return Histogram(edges, counts)


def convergence_trace(values: np.ndarray, coverage: float = 0.95, points: int = TRACE_POINTS) -> ConvergenceTrace:
    """Return the mean and interval of the first n values for ``points`` values of n, spaced evenly in log n.

    The interval ends use the same percentile rule as the Monte Carlo summary, so the last point
    equals the run's mean and symmetric interval.
    """
    values = np.asarray(values, dtype=float)
    count = len(values)
    if count == 0:
        empty = np.array([])
        return ConvergenceTrace(empty.astype(np.int64), empty, empty, empty)
    first = min(TRACE_FIRST_TRIALS, count)
    checkpoints = np.unique(np.geomspace(first, count, num=points).round().astype(np.int64))
    checkpoints[-1] = count
    tail = 100.0 * (1.0 - coverage) / 2.0
    running_mean = np.cumsum(values)[checkpoints - 1] / checkpoints
    ends = np.array([np.percentile(values[:n], [tail, 100.0 - tail]) for n in checkpoints])
    return ConvergenceTrace(checkpoints, running_mean, ends[:, 0], ends[:, 1])


def tornado_rows(bars: Sequence[TornadoBar], base: float, limit: int | None = None) -> list[dict]:
    """Return one row per tornado bar, widest swing first: the total at the input's low and high end.

    ``low_effect`` and ``high_effect`` are the changes from ``base``, the total with every input at
    its value.
    """
    rows = []
    for bar in list(bars)[:limit]:
        rows.append({"input": bar.name, "label": bar.label, "input_low": bar.input_low,
                     "input_high": bar.input_high, "output_low": bar.output_low, "output_high": bar.output_high,
                     "low_effect": bar.output_low - base, "high_effect": bar.output_high - base,
                     "swing": bar.swing})
    return rows
