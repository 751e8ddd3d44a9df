"""Side-by-side Monte Carlo of several assumption sets with common random numbers.

Inputs are paired by name across the sets' models. The same PUE, grid factor group, meter or
PCF group takes the same uniform number in every set, mapped through each set's own
distribution (its quantile function). An input whose distribution a set changed therefore still
moves together with its counterpart. Pooled families of the same name share their standard normal
blocks. The trials of set B minus those of set A then give the distribution of the difference
with the shared uncertainty cancelled, which is narrower than combining two independent
intervals; the same difference from independent draws is returned next to it for comparison.

Draws here use quantile functions, so one set's intervals agree with a single-set run from the
same seed in distribution, not digit for digit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from workbench.engine.uncertainty.model import UncertaintyModel
from workbench.engine.uncertainty.montecarlo import DEFAULT_SEED, Summary, summarize
from workbench.engine.views import common_view
from workbench.progress import Progress

COMPARE_BATCH = 50_000


@dataclass(frozen=True)
class Difference:
    """Set ``other`` minus set ``reference`` for one output, with common and with independent draws."""

    reference: str
    other: str
    output: str
    point: float
    common: Summary
    independent: Summary
    probability_below: float

    def as_dict(self) -> dict:
        return {"reference": self.reference, "set": self.other, "output": self.output, "point_delta": self.point,
                "common_random_numbers": self.common.as_dict(), "independent_draws": self.independent.as_dict(),
                "probability_set_below_reference": self.probability_below}


@dataclass
class ComparisonResult:
    """Per set: summaries of every output; per non-reference set: differences from the reference set."""

    sets: tuple[str, ...]
    outputs: tuple[str, ...]
    seed: int
    trials: int
    summaries: dict[str, dict[str, Summary]]
    differences: list[Difference] = field(default_factory=list)
    shared_inputs: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {"generator": "numpy PCG64, quantile transforms of shared uniform numbers", "seed": self.seed,
                "trials": self.trials, "sets": list(self.sets), "shared_inputs": list(self.shared_inputs),
                "outputs": {name: {output: summary.as_dict() for output, summary in by_output.items()}
                            for name, by_output in self.summaries.items()},
                "differences": [item.as_dict() for item in self.differences]}


def compare(models: Mapping[str, UncertaintyModel], *, trials: int = 100_000, seed: int = DEFAULT_SEED,
            progress: Progress | None = None) -> ComparisonResult:
    """Run every set's model on common random numbers; the first set is the reference."""
    names = list(models)
    if len(names) < 2:
        raise ValueError("a comparison needs at least two assumption sets")
    common_view([model.view for model in models.values()])
    inputs = _union([[item.name for item in model.inputs] for model in models.values()])
    families = _union([[family.name for family in model.families] for model in models.values()])
    first = models[names[0]]
    outputs = first.reported
    rng = np.random.default_rng(seed)
    independent_rng = np.random.default_rng([seed, 1])
    samples = {name: [] for name in names}
    independent = {name: [] for name in names[1:]}
    done = 0
    while done < trials:
        size = min(COMPARE_BATCH, trials - done)
        u = rng.random((size, len(inputs)))
        z = {family: rng.standard_normal((size, len(first.outputs))) for family in families}
        u_other = independent_rng.random((size, len(inputs)))
        z_other = {family: independent_rng.standard_normal((size, len(first.outputs))) for family in families}
        for name in names:
            samples[name].append(_run(models[name], inputs, u, z))
            if name != names[0]:
                independent[name].append(_run(models[name], inputs, u_other, z_other))
        done += size
        if progress is not None:
            progress.update(done / trials, f"comparison: {done:,} of {trials:,} trials")
    stacked = {name: np.vstack(parts) for name, parts in samples.items()}
    points = {name: model.point() for name, model in models.items()}
    summaries = {name: {output: summarize(stacked[name][:, i], float(points[name][i]))
                        for i, output in enumerate(outputs)} for name in names}
    differences = []
    for name in names[1:]:
        other_independent = np.vstack(independent[name])
        for i, output in enumerate(outputs):
            delta = stacked[name][:, i] - stacked[names[0]][:, i]
            delta_independent = other_independent[:, i] - stacked[names[0]][:, i]
            point = float(points[name][i] - points[names[0]][i])
            differences.append(Difference(names[0], name, output, point, summarize(delta, point),
                                          summarize(delta_independent, point),
                                          float(np.mean(stacked[name][:, i] < stacked[names[0]][:, i]))))
    shared = tuple(name for name in inputs if all(name in {item.name for item in model.inputs}
                                                  for model in models.values()))
    return ComparisonResult(tuple(names), outputs, seed, trials, summaries, differences, shared)


def _union(lists: list[list[str]]) -> list[str]:
    seen: dict[str, None] = {}
    for names in lists:
        for name in names:
            seen.setdefault(name, None)
    return list(seen)


def _run(model: UncertaintyModel, inputs: list[str], u: np.ndarray, z: Mapping[str, np.ndarray]) -> np.ndarray:
    column = {name: index for index, name in enumerate(inputs)}
    x = np.empty((len(u), len(model.inputs)))
    for index, item in enumerate(model.inputs):
        x[:, index] = item.distribution.ppf(np.clip(u[:, column[item.name]], 1e-12, 1.0 - 1e-12))
    components = model.evaluate(x)
    if model.families:
        components = components + model.family_deviation([z[family.name] for family in model.families])
    return components @ model.report_matrix()

