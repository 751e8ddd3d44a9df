"""Job bodies of the uncertainty view, without Qt: the live interval and an on-demand Monte Carlo run.

Each function takes a frozen request and touches no shared mutable state, so it runs on any
thread (request -> response, like :mod:`workbench.services.session`). The view numbers its live
requests and drops a response that a newer request made stale.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

import numpy as np

from workbench.engine.assumptions import Assumptions
from workbench.engine.uncertainty import analytic, sensitivity
from workbench.engine.uncertainty.montecarlo import MonteCarloResult, Summary
from workbench.progress import Progress
from workbench.project.store import Project
from workbench.services import uncertainty
from workbench.services.compute import FootprintModel
from workbench.services.distributions import DistributionSet
from workbench.services.uncertainty_charts import (ConvergenceTrace, Histogram, convergence_trace, histogram,
                                                   tornado_rows)

log = logging.getLogger(__name__)

VIEW = "footprint"


def prepare_context(project: Project, footprint: FootprintModel) -> uncertainty.UncertaintyContext:
    """Read the uncertainty detail of ``project`` on a connection of the calling thread.

    The context reuses the session's prepared ``footprint`` model.
    """
    # NOTE: the connection closes on return, so the context serves the footprint view only; the
    # inventory view would need a context that keeps a connection open for its lazy model.
    with project.connect() as worker_project:
        return uncertainty.UncertaintyContext(worker_project, footprint)


class ContextCache:
    """The uncertainty context of the open project, prepared once and shared by the views' worker threads.

    :meth:`get` prepares it again when the session's footprint model is a new one (another
    project, or the same one after an import).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._context: uncertainty.UncertaintyContext | None = None

    def get(self, project: Project, footprint: FootprintModel) -> uncertainty.UncertaintyContext:
        """Return the context for ``footprint``, preparing it on the calling thread if needed."""
        with self._lock:
            if self._context is None or self._context.footprint is not footprint:
                self._context = prepare_context(project, footprint)
                log.info("prepared the uncertainty detail of %s", project.path)
            return self._context

    def clear(self) -> None:
        with self._lock:
            self._context = None


@dataclass(frozen=True)
class LiveRequest:
    """Frozen input of one live interval; ``serial`` orders the requests of one view."""

    serial: int
    context: uncertainty.UncertaintyContext
    assumptions: Assumptions
    distributions: DistributionSet


@dataclass(frozen=True)
class LiveResponse:
    """The analytic interval of the total under the request's assumptions, and the tornado rows."""

    request: LiveRequest
    output: str
    interval: analytic.Interval
    method: str
    tornado: list[dict]
    notes: list[str] = field(default_factory=list)


def live_response(request: LiveRequest) -> LiveResponse:
    """Compute the live (Approach 1) interval of the footprint total and the tornado of its inputs."""
    output = uncertainty.MAIN_OUTPUT[VIEW]
    result = uncertainty.live_interval(request.context, request.assumptions, request.distributions, view=VIEW)
    model = request.context.model(VIEW, request.assumptions, request.distributions)
    base = float(model.point()[list(model.reported).index(output)])
    rows = tornado_rows(sensitivity.tornado(model, output), base)
    return LiveResponse(request, output, result.intervals[output], result.method, rows, list(result.notes))


@dataclass(frozen=True)
class MonteCarloRequest:
    """Frozen input of one Monte Carlo run: ``trials`` None means adaptive stopping (GUM-S1 7.9)."""

    context: uncertainty.UncertaintyContext
    assumptions: Assumptions
    distributions: DistributionSet
    set_name: str
    trials: int | None
    seed: int
    bins: int = 60


@dataclass(frozen=True)
class MonteCarloRun:
    """A finished run, reduced to what the view shows: the total's summary and chart data."""

    request: MonteCarloRequest
    output: str
    result: MonteCarloResult
    summary: Summary
    histogram: Histogram
    trace: ConvergenceTrace
    tornado: list[dict]

    @property
    def convergence(self) -> str:
        """Return "converged", "not converged" or "fixed number of trials"."""
        return self.result.as_dict()["convergence"]


def run_monte_carlo(request: MonteCarloRequest, progress: Progress | None = None) -> MonteCarloRun:
    """Run Monte Carlo for the footprint total; cancel through ``progress`` (raises OperationCancelled)."""
    output = uncertainty.MAIN_OUTPUT[VIEW]
    runner = uncertainty.monte_carlo(request.context, request.assumptions, request.distributions, view=VIEW,
                                     trials=request.trials, seed=request.seed, keep=True)
    result = runner.run(progress)
    column = list(result.outputs).index(output)
    values = np.ascontiguousarray(result.samples[:, column])
    # The chart data keeps the one column it needs; the trial matrices go with the runner.
    result.samples = None
    result.inputs = None
    base = float(runner.point[column])
    rows = tornado_rows(sensitivity.tornado(runner.model, output), base)
    log.info("Monte Carlo of set %s for the uncertainty view: %d trials, seed %d", request.set_name,
             result.trials, result.seed)
    return MonteCarloRun(request, output, result, result.summaries[output], histogram(values, request.bins),
                         convergence_trace(values, result.coverage), rows)
