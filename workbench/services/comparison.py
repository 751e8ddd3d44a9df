"""Side-by-side comparison of assumption sets: totals, per-scope and per-run deltas, honest intervals, causes.

Each set's uncertainty model runs on common random numbers (see
:mod:`workbench.engine.uncertainty.comparison`), so the interval of a difference leaves out the
uncertainty the sets share, and the result states the probability that a set is below the
reference (the first set). The difference of point results is split into the assumptions that
cause it with Shapley values (:mod:`workbench.engine.uncertainty.shapley`). Method choices such
as the amortization method are scenario uncertainty: they show up here as differences between
sets, never as wider error bars.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any, Sequence

import numpy as np

from workbench import __version__
from workbench.engine.assumptions import SPECS, Assumptions
from workbench.engine.periods import Period
from workbench.engine.uncertainty import comparison, shapley
from workbench.engine.uncertainty.montecarlo import DEFAULT_SEED
from workbench.errors import UsageError
from workbench.progress import Progress
from workbench.project.store import Project
from workbench.services import assumptions as assumption_service
from workbench.services import distributions as distribution_service
from workbench.services.uncertainty import VIEWS, UncertaintyContext

log = logging.getLogger(__name__)


@dataclass
class ComparisonOutcome:
    """Point results, Monte Carlo comparison and decompositions of several sets of one view."""

    project: str
    view: str
    period: Period | None
    selection: dict[str, str | None]
    sets: list[dict[str, str]]
    outputs: tuple[str, ...]
    points: dict[str, np.ndarray]
    monte_carlo: comparison.ComparisonResult
    decompositions: list[tuple[str, str, shapley.Decomposition]]
    per_run: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        """Return the CLI's JSON object for ``carbon-workbench compare`` (keys are only ever added)."""
        reference = self.sets[0]["name"]
        return {
            "project": self.project, "view": self.view, "period": self.period.as_dict() if self.period else None,
            "selection": self.selection, "reference": reference, "sets": self.sets,
            "point": {name: dict(zip(self.outputs, map(float, values))) for name, values in self.points.items()},
            "point_deltas": {name: dict(zip(self.outputs, map(float, values - self.points[reference])))
                             for name, values in self.points.items() if name != reference},
            "monte_carlo": self.monte_carlo.as_dict(),
            "decomposition": [dict(item.as_dict(), reference=ref, set=other)
                              for ref, other, item in self.decompositions],
            "per_run": self.per_run,
            "notes": ["intervals of differences use common random numbers: inputs the sets share take the same "
                      "draws, mapped through each set's own distribution",
                      "the decomposition splits the difference of point results; distributions do not change point "
                      "results, so a set that differs only in distributions has no decomposition"],
            "software": {"name": "carbon-workbench", "version": __version__},
        }


def compare_sets(project: Project, set_names: Sequence[str], *, view: str = "footprint", period: Period | None = None,
                 run: str | None = None, model_name: str | None = None, trials: int = 100_000,
                 seed: int = DEFAULT_SEED, decompose: bool = True, progress: Progress | None = None,
                 context: UncertaintyContext | None = None) -> ComparisonOutcome:
    """Compare the sets named in ``set_names`` (the first is the reference) in one view."""
    names = list(dict.fromkeys(set_names))
    if len(names) < 2:
        raise UsageError("give at least two different assumption sets to compare", hint="Write --set A --set B.")
    if view not in VIEWS:
        raise UsageError(f"unknown view '{view}'", hint=f"Use one of: {', '.join(VIEWS)}.")
    if view == "inventory" and (run or model_name):
        raise UsageError("--run and --model select runs of the footprint view; the inventory covers a period")
    context = context or UncertaintyContext(project)
    selection = context.footprint.selection(run, model_name) if view == "footprint" else None
    period = context.period(view, period)
    snapshots = {name: assumption_service.snapshot(project, name) for name in names}
    stored = {name: distribution_service.snapshot(project, name) for name in names}
    models = {name: context.model(view, snapshots[name], stored[name], period=period, selection=selection)
              for name in names}
    outputs = models[names[0]].reported
    evaluate = _evaluator(context, view, period, selection, outputs)
    points = {name: evaluate(snapshots[name]) for name in names}
    result = comparison.compare(models, trials=trials, seed=seed, progress=progress)
    decompositions = []
    if decompose:
        for name in names[1:]:
            decompositions.append((names[0], name, _decompose(snapshots[names[0]], snapshots[name], evaluate,
                                                              outputs, seed)))
    per_run = _per_run(context, snapshots, period, selection) if view == "footprint" else []
    sets = [{"name": name, "assumption_set_sha256": assumption_service.set_hash(project, name),
             "distributions_sha256": stored[name].sha256} for name in names]
    log.info("compared sets %s (%s view): %d trials", ", ".join(names), view, trials)
    return ComparisonOutcome(project.name, view, period, {"run": run, "model": model_name}, sets, outputs, points,
                             result, decompositions, per_run)


def _evaluator(context: UncertaintyContext, view: str, period: Period | None, selection, outputs: Sequence[str]):
    def evaluate(a: Assumptions) -> np.ndarray:
        if view == "footprint":
            totals = context.footprint.compute(a, period, selection).totals
        else:
            totals = context.inventory.compute(a, period).totals
        return np.array([totals[name] for name in outputs])

    return evaluate


def _decompose(reference: Assumptions, other: Assumptions, evaluate, outputs: Sequence[str],
               seed: int) -> shapley.Decomposition:
    """Shapley decomposition over the assumptions whose values differ between the two sets."""
    differing = [key for key in SPECS if getattr(reference, key) != getattr(other, key)]

    def switched(keys: frozenset[str]) -> np.ndarray:
        return evaluate(replace(reference, **{key: getattr(other, key) for key in keys}))

    return shapley.decompose(switched, differing, outputs, seed=seed)


def _per_run(context: UncertaintyContext, snapshots: dict[str, Assumptions], period: Period | None,
             selection) -> list[dict[str, Any]]:
    names = list(snapshots)
    results = {name: context.footprint.compute(a, period, selection) for name, a in snapshots.items()}
    reference = results[names[0]]
    rows = []
    for index, run in enumerate(reference.inputs):
        row: dict[str, Any] = {"run": run.name, "kind": run.kind}
        base = float(reference.columns["total_co2e_kg"][index])
        for name in names:
            value = float(results[name].columns["total_co2e_kg"][index])
            row[f"total_co2e_kg[{name}]"] = value
            if name != names[0]:
                row[f"delta_co2e_kg[{name}]"] = value - base
        rows.append(row)
    return rows
