"""Monte Carlo propagation (IPCC Approach 2, GUM Supplement 1) over an uncertainty model.

The generator is NumPy's PCG64 (``numpy.random.default_rng(seed)``). Inputs are drawn in the
model's order, one call per input and batch, then one standard normal block per pooled family.
The same model, seed and trial plan therefore give the same numbers on any run.

A fixed number of trials runs as one batch up to :data:`FIXED_BATCH` trials (larger numbers in
batches of that size). The adaptive procedure (GUM-S1 7.9) runs batches of
``max(ceil(100 / (1 - p)), 10^4)`` trials and stops when twice the standard deviation of the
batch means of the estimate, its standard uncertainty and both interval ends is below the
numerical tolerance ``delta = 1/2 x 10^l``, where ``u = c x 10^l`` with ``c`` an ``ndig``-digit
integer; the results use every trial drawn.

Coverage intervals (GUM-S1 7.7): probabilistically symmetric (the 2.5th and 97.5th percentiles
for p = 0.95, linear interpolation as ``numpy.percentile``) and the shortest interval, which
differs for skewed outputs.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np

from workbench.engine.uncertainty.model import UncertaintyModel
from workbench.progress import Progress

log = logging.getLogger(__name__)

FIXED_BATCH = 1_000_000
MAX_ADAPTIVE_TRIALS = 2_000_000
DEFAULT_SEED = 20240601


def adaptive_batch_size(coverage: float = 0.95) -> int:
    """Return the GUM-S1 adaptive batch size ``max(ceil(100 / (1 - p)), 10^4)``."""
    return max(math.ceil(100.0 / (1.0 - coverage)), 10_000)


@dataclass(frozen=True)
class Summary:
    """Statistics of one output over the trials: estimate, spread and the two 95 % intervals."""

    point: float
    mean: float
    median: float
    sd: float
    low: float
    high: float
    shortest_low: float
    shortest_high: float

    @property
    def u95_percent(self) -> float:
        """Half-width of the symmetric interval over the mean, in percent (IPCC U%)."""
        return 0.0 if self.mean == 0 else 50.0 * (self.high - self.low) / abs(self.mean)

    def as_dict(self) -> dict:
        return {"point": self.point, "mean": self.mean, "median": self.median, "sd": self.sd,
                "interval_95": [self.low, self.high], "shortest_interval_95": [self.shortest_low, self.shortest_high],
                "u95_percent": self.u95_percent}


def summarize(values: np.ndarray, point: float, coverage: float = 0.95) -> Summary:
    """Return the statistics of one output's trial values."""
    ordered = np.sort(values)
    tail = 100.0 * (1.0 - coverage) / 2.0
    low, high = np.percentile(ordered, [tail, 100.0 - tail])
    short_low, short_high = shortest_interval(ordered, coverage)
    return Summary(point, float(values.mean()), float(np.median(ordered)),
                   float(values.std(ddof=1)) if len(values) > 1 else 0.0, float(low), float(high),
                   short_low, short_high)


def shortest_interval(ordered: np.ndarray, coverage: float = 0.95) -> tuple[float, float]:
    """Return the shortest interval holding ``coverage`` of the sorted values (GUM-S1 7.7)."""
    count = len(ordered)
    q = int(coverage * count + 0.5)
    if count == 0 or q < 1:
        return math.nan, math.nan
    widths = ordered[q - 1:] - ordered[:count - q + 1]
    start = int(np.argmin(widths))
    return float(ordered[start]), float(ordered[start + q - 1])


def draw(model: UncertaintyModel, rng: np.random.Generator, trials: int,
         on_input=None) -> tuple[np.ndarray, list[np.ndarray]]:
    """Draw every explicit input (trials, inputs) and every family's normal block, in the model's order."""
    x = np.empty((trials, len(model.inputs)))
    for index, item in enumerate(model.inputs):
        x[:, index] = item.distribution.sample(rng, trials)
        if on_input is not None:
            on_input(index)
    z = [rng.standard_normal((trials, len(model.outputs))) for _ in model.families]
    return x, z


def outputs(model: UncertaintyModel, x: np.ndarray, z: list[np.ndarray]) -> np.ndarray:
    """Return every reported output per trial (trials, reported) for drawn inputs."""
    components = model.evaluate(x)
    if model.families:
        components = components + model.family_deviation(z)
    return components @ model.report_matrix()


@dataclass
class MonteCarloResult:
    """A finished (or converged) Monte Carlo run: its plan, statistics and, if kept, the samples."""

    seed: int
    trials: int
    batches: int
    batch_size: int
    adaptive: bool
    converged: bool | None
    ndig: int | None
    coverage: float
    outputs: tuple[str, ...]
    summaries: dict[str, Summary]
    inputs: np.ndarray | None = None
    samples: np.ndarray | None = None
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        status = "fixed number of trials" if not self.adaptive else ("converged" if self.converged
                                                                     else "not converged")
        return {"generator": "numpy PCG64", "seed": self.seed, "trials": self.trials, "batches": self.batches,
                "batch_size": self.batch_size, "adaptive": self.adaptive, "ndig": self.ndig,
                "coverage": self.coverage, "convergence": status,
                "outputs": {name: summary.as_dict() for name, summary in self.summaries.items()},
                "notes": list(self.notes)}


@dataclass
class BatchReport:
    """What the iterator yields after each batch: trials so far and, when adaptive, whether it has converged."""

    batch: int
    trials: int
    converged: bool
    estimates: dict[str, float] = field(default_factory=dict)


class MonteCarlo:
    """A seeded Monte Carlo run; iterate for progress per batch, or call :meth:`run`.

    ``trials`` fixes the number of trials; without it the run is adaptive (GUM-S1 7.9) with
    ``ndig`` significant digits. ``keep`` keeps the inputs and outputs of every trial for
    sensitivity analysis.
    """

    def __init__(self, model: UncertaintyModel, *, seed: int = DEFAULT_SEED, trials: int | None = None,
                 ndig: int = 2, coverage: float = 0.95, keep: bool = False,
                 max_trials: int = MAX_ADAPTIVE_TRIALS) -> None:
        if trials is not None and trials < 2:
            raise ValueError(f"a Monte Carlo run needs at least 2 trials, not {trials}")
        self.model = model
        self.seed = int(seed)
        self.trials = trials
        self.ndig = ndig
        self.coverage = coverage
        self.keep = keep
        self.max_trials = max_trials
        self.rng = np.random.default_rng(self.seed)
        self.point = model.point()
        self._x: list[np.ndarray] = []
        self._y: list[np.ndarray] = []
        self._batch_stats: list[np.ndarray] = []
        self._moments: tuple[int, np.ndarray, np.ndarray] | None = None
        self.converged: bool | None = None

    @property
    def adaptive(self) -> bool:
        return self.trials is None

    def batch_plan(self) -> list[int]:
        """Return the trials of each batch of a fixed run (the adaptive plan grows batch by batch)."""
        if self.trials is None:
            return [adaptive_batch_size(self.coverage)]
        full, rest = divmod(self.trials, FIXED_BATCH)
        return [FIXED_BATCH] * full + ([rest] if rest else [])

    def __iter__(self) -> Iterator[BatchReport]:
        size = adaptive_batch_size(self.coverage)
        plan = self.batch_plan()
        done = 0
        batch = 0
        while True:
            trials = plan[batch] if not self.adaptive else size
            x, z = draw(self.model, self.rng, trials)
            y = outputs(self.model, x, z)
            self._y.append(y)
            if self.keep:
                self._x.append(x)
            done += trials
            batch += 1
            if self.adaptive:
                self._batch_stats.append(self._statistics(y))
                self._combine(y)
                self.converged = self._stable()
                finished = self.converged or done + size > self.max_trials
            else:
                finished = batch == len(plan)
            yield BatchReport(batch, done, bool(self.converged), {name: float(y[:, i].mean())
                                                                   for i, name in enumerate(self.model.reported)})
            if finished:
                return

    def run(self, progress: Progress | None = None) -> MonteCarloResult:
        """Run every batch (checking ``progress`` for cancellation) and return the result."""
        expected = self.trials or adaptive_batch_size(self.coverage) * 10
        for report in self:
            if progress is not None:
                fraction = min(report.trials / expected, 0.99) if self.adaptive else report.trials / expected
                progress.update(fraction, f"Monte Carlo: {report.trials:,} trials")
        result = self.result()
        if progress is not None:
            progress.update(1.0, f"Monte Carlo: {result.trials:,} trials", force=True)
        return result

    def result(self) -> MonteCarloResult:
        y = np.vstack(self._y)
        summaries = {name: summarize(y[:, i], float(self.point[i]), self.coverage)
                     for i, name in enumerate(self.model.reported)}
        notes = []
        if self.adaptive and not self.converged:
            notes.append(f"the adaptive procedure stopped at {len(y):,} trials without reaching {self.ndig} "
                         "significant digits; report the interval with fewer digits")
        log.info("Monte Carlo: %d trials, seed %d, %s", len(y), self.seed,
                 "converged" if self.converged else ("fixed" if not self.adaptive else "not converged"))
        return MonteCarloResult(
            self.seed, len(y), len(self._y), self._y[0].shape[0], self.adaptive,
            self.converged if self.adaptive else None, self.ndig if self.adaptive else None, self.coverage,
            self.model.reported, summaries, np.vstack(self._x) if self.keep and self._x else None,
            y if self.keep else None, tuple(notes))

    # -- GUM-S1 7.9 stopping rule ------------------------------------------------------------------

    def _statistics(self, y: np.ndarray) -> np.ndarray:
        """Return per output: mean, standard uncertainty and the symmetric interval ends of one batch."""
        tail = 100.0 * (1.0 - self.coverage) / 2.0
        low, high = np.percentile(y, [tail, 100.0 - tail], axis=0)
        return np.stack([y.mean(axis=0), y.std(axis=0, ddof=1), low, high])

    def _combine(self, y: np.ndarray) -> None:
        """Add a batch to the running count, mean and sum of squared deviations (Chan et al. pairwise update)."""
        count, mean, squares = len(y), y.mean(axis=0), ((y - y.mean(axis=0)) ** 2).sum(axis=0)
        if self._moments is None:
            self._moments = (count, mean, squares)
            return
        total, old_mean, old_squares = self._moments
        delta = mean - old_mean
        combined = total + count
        self._moments = (combined, old_mean + delta * count / combined,
                         old_squares + squares + delta ** 2 * total * count / combined)

    def _stable(self) -> bool:
        h = len(self._batch_stats)
        if h < 2:
            return False
        stats = np.stack(self._batch_stats)  # (batches, 4, outputs)
        spread = np.sqrt(((stats - stats.mean(axis=0)) ** 2).sum(axis=0) / (h * (h - 1)))
        count, _, squares = self._moments
        u = np.sqrt(squares / (count - 1))
        for column, uncertainty in enumerate(u):
            if uncertainty <= 0 or not math.isfinite(uncertainty):
                continue
            exponent = math.floor(math.log10(uncertainty)) - self.ndig + 1
            delta = 0.5 * 10.0 ** exponent
            if np.any(2.0 * spread[:, column] >= delta):
                return False
        return True
