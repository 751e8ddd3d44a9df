"""What levers read besides the scenario, and what applying a lever returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

import numpy as np

from workbench.engine.assumptions import Assumptions
from workbench.engine.declared import DeclaredEnergy
from workbench.engine.factors import FactorTable
from workbench.engine.footprint import PreparedFootprint
from workbench.engine.planner.levers import LeverSpec
from workbench.engine.planner.scenario import Scenario, SiteInfo
from workbench.engine.runs import RunInput
from workbench.errors import UsageError

REUSE_RELATIONS = ("fine_tuned", "distilled", "retrained")


@dataclass(frozen=True)
class ReuseRecord:
    """A run's reuse relation and the declared cost of the alternative.

    ``fine_tuned`` and ``distilled`` runs reused an earlier model; their alternative is training
    from scratch, so the avoided emissions are already realised. A ``retrained`` run trained
    from scratch; its alternative is reusing ``base_model``, a potential saving. The alternative
    runs at the run's site from ``start_s`` to ``end_s``.
    """

    run: str
    relation: str
    base_model: str | None
    alternative: DeclaredEnergy
    start_s: float
    end_s: float
    source: str

    @property
    def realised(self) -> bool:
        return self.relation in ("fine_tuned", "distilled")


@dataclass(frozen=True)
class PlanContext:
    """The lever set's assumptions, the project's sites, factor series and reuse records.

    ``prepare`` builds the prepared footprint of a scenario with the project's location-based
    factors, so a lever can read facility energy per hour of the runs it changes.
    """

    assumptions: Assumptions
    prepare: Callable[[Scenario], PreparedFootprint]
    sites: Mapping[str, SiteInfo]
    location_tables: Mapping[str, FactorTable]
    marginal_tables: Mapping[str, FactorTable] = field(default_factory=dict)
    reuse: Mapping[str, ReuseRecord] = field(default_factory=dict)

    def zone(self, run: RunInput) -> str | None:
        """Return the grid zone a run's factors come from (the set's zone override wins)."""
        return self.assumptions.factor_zone or run.zone


@dataclass(frozen=True)
class ScenarioPair:
    """The world without the lever and the world with it."""

    without: Scenario
    with_lever: Scenario


@dataclass(frozen=True)
class LeverEffect:
    """A lever applied: the two worlds, per-item details, what the figure depends on, and notes."""

    pair: ScenarioPair
    details: tuple[dict, ...] = ()
    depends_on: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def select_runs(spec: LeverSpec, runs: Sequence[RunInput], *, default_kinds: Sequence[str] | None = None
                ) -> list[int]:
    """Return the indices of the runs a lever's runs, kinds and site parameters select.

    Raises UsageError when a named run does not exist, so a typo cannot select nothing silently.
    """
    names = spec.parameters.get("runs")
    kinds = spec.parameters.get("kinds") or default_kinds
    site = spec.parameters.get("site") if spec.kind != "facility_efficiency" else None
    known = {run.name for run in runs}
    missing = [name for name in names or () if name not in known]
    if missing:
        raise UsageError(f"lever {spec.kind}: no run named {', '.join(missing)}",
                         hint=f"Runs: {', '.join(sorted(known)) or 'none'}.")
    chosen = []
    for index, run in enumerate(runs):
        if names and run.name not in names:
            continue
        if kinds and run.kind not in kinds:
            continue
        if site and run.site != site:
            continue
        chosen.append(index)
    return chosen


def facility_profile(prepared: PreparedFootprint, index: int, a: Assumptions) -> tuple[np.ndarray, float]:
    """Return a run's facility energy per consecutive hour from its first hour (kWh), and that hour's start."""
    run = prepared.inputs[index]
    series = prepared.facility_series(index, a)
    first = float(run.hours[0])
    profile = np.zeros(int((run.hours[-1] - run.hours[0]) // 3600) + 1)
    profile[((run.hours - run.hours[0]) // 3600).astype(int)] = series
    return profile, first
