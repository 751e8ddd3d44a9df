"""Uncertainty of a project's footprint or inventory: live interval, Monte Carlo and sensitivity.

:class:`UncertaintyContext` contains a project's prepared models and the detail the uncertainty
model needs (device-hours, telemetry kinds, meter classes). The GUI keeps one per open project.
Then:

* :func:`live_interval` returns Approach 1 intervals in tens of milliseconds, switching to Monte
  Carlo by itself when an uncertainty exceeds +/-50 %;
* :func:`monte_carlo` returns a seeded :class:`~workbench.engine.uncertainty.montecarlo.MonteCarlo`
  to iterate batch by batch (progress, cancel) or to ``run(progress)``;
* :func:`analyze` does all of it for a set and returns the CLI's JSON object.

A result records the seed, the trial plan and a hash of everything it was computed from, so a
re-run from the same project, set and seed reproduces every digit.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from workbench import __version__
from workbench.engine.assumptions import Assumptions
from workbench.engine.periods import Period
from workbench.engine.uncertainty import analytic, sensitivity
from workbench.engine.uncertainty.defaults import table_rows
from workbench.engine.uncertainty.footprint_model import MeterInfo, TelemetryDetail, build_footprint_model
from workbench.engine.uncertainty.inventory_model import build_inventory_model
from workbench.engine.uncertainty.model import UncertaintyModel
from workbench.engine.uncertainty.montecarlo import DEFAULT_SEED, MonteCarlo, MonteCarloResult
from workbench.errors import UsageError
from workbench.progress import Progress
from workbench.project import uncertainty_repo
from workbench.project.audit import canonical_json
from workbench.project.store import Project
from workbench.services import assumptions as assumption_service
from workbench.services import distributions as distribution_service
from workbench.services.compute import FootprintModel

log = logging.getLogger(__name__)

VIEWS = ("footprint", "inventory")
MAIN_OUTPUT = {"footprint": "total_co2e_kg", "inventory": "total_location_based_co2e_kg"}
METER_LEVEL = {"facility": "facility", "ups_output": "it", "pdu_output": "it", "server_input": "it"}


class UncertaintyContext:
    """A project's footprint (and, on first use, inventory) model with the uncertainty detail, prepared once."""

    def __init__(self, project: Project, footprint: FootprintModel | None = None, inventory=None) -> None:
        self.project_name = project.name
        self.footprint = footprint or FootprintModel(project)
        self._inventory = inventory
        self._project = project
        self.detail = load_detail(project, self.footprint)

    @property
    def inventory(self):
        """The inventory model, prepared when first needed (the project must still be open then)."""
        if self._inventory is None:
            from workbench.services.inventory import InventoryModel

            self._inventory = InventoryModel(self._project, self.footprint)
        return self._inventory

    def period(self, view: str, period: Period | None) -> Period | None:
        """Return the period a view is computed for: the given one; for the inventory, else its default."""
        if view == "inventory" and period is None:
            return self.inventory.default_period()
        return period

    def model(self, view: str, a: Assumptions, distributions: distribution_service.DistributionSet, *,
              period: Period | None = None, selection: Sequence[int] | None = None,
              tabulate: bool = True) -> UncertaintyModel:
        """Build the uncertainty model of ``view`` under ``a`` and the set's distributions."""
        if view == "footprint":
            return build_footprint_model(self.footprint.prepared, a, distributions.lookup, period=period,
                                         selection=selection, detail=self.detail, tabulate=tabulate)
        if view == "inventory":
            if selection is not None:
                raise UsageError("the inventory covers every run of the period; --run and --model select runs of "
                                 "the footprint view only")
            return build_inventory_model(self.inventory.prepared, a, distributions.lookup,
                                         self.period(view, period), detail=self.detail)
        raise UsageError(f"unknown view '{view}'", hint=f"Use one of: {', '.join(VIEWS)}.")


def load_detail(project: Project, footprint: FootprintModel) -> TelemetryDetail:
    """Read device-hours, GPU telemetry kinds and meter classes into the engine's detail."""
    index = {run.run_id: position for position, run in enumerate(footprint.prepared.inputs)}
    hours = uncertainty_repo.device_hours(project.conn)
    hours = hours[hours["run_id"].isin(list(index))]
    kinds = uncertainty_repo.board_telemetry_kinds(project.conn)
    source = {index[int(row.run_id)]: "nvml" for row in kinds.itertuples() if row.kind == "codecarbon"
              and int(row.run_id) in index}
    meters: dict[tuple[str, str], list] = {}
    for row in uncertainty_repo.meters(project.conn).itertuples():
        level = METER_LEVEL.get(row.measurement_point, "facility")
        meters.setdefault((row.site or "", level), []).append(row)
    # NOTE: several meters at one site and point become one input with the least accurate class,
    # which treats their errors as fully correlated (conservative for a sum of their readings).
    infos = tuple(MeterInfo(site, level, tuple(item.name for item in rows), _widest_class(rows))
                  for (site, level), rows in meters.items())
    return TelemetryDetail(hours["run_id"].map(index).to_numpy(np.int64), hours["device_id"].to_numpy(np.int64),
                           hours["device_hours"].to_numpy(float), source, infos)


def _widest_class(rows: list) -> str | None:
    """Return the least accurate stated class of several meters at one point (None if one has none)."""
    from workbench.engine.metering import class_limit_percent

    classes = [row.accuracy_class for row in rows]
    if any(not item for item in classes):
        return None
    return max(classes, key=lambda item: class_limit_percent(item) or 0.0)


# -- the live view and Monte Carlo ----------------------------------------------------------------------

def live_interval(context: UncertaintyContext, a: Assumptions, distributions: distribution_service.DistributionSet,
                  *, view: str = "footprint", period: Period | None = None, selection: Sequence[int] | None = None,
                  large: str = "monte_carlo", seed: int = DEFAULT_SEED) -> analytic.AnalyticResult:
    """Return the analytic (Approach 1) intervals for the live view, switching method above +/-50 %."""
    quick = context.model(view, a, distributions, period=period, selection=selection, tabulate=False)
    result = analytic.propagate(quick, large="none")
    large_uncertainty = result.large_inputs or any(item.u95_percent > analytic.LARGE_U95_PERCENT
                                                   for item in result.intervals.values())
    if large == "none" or not large_uncertainty:
        return result
    model = context.model(view, a, distributions, period=period, selection=selection) if view == "footprint" else quick
    return analytic.propagate(model, large=large, seed=seed)


def monte_carlo(context: UncertaintyContext, a: Assumptions, distributions: distribution_service.DistributionSet, *,
                view: str = "footprint", period: Period | None = None, selection: Sequence[int] | None = None,
                trials: int | None = None, seed: int = DEFAULT_SEED, ndig: int = 2, keep: bool = False) -> MonteCarlo:
    """Return a seeded Monte Carlo run; iterate it for per-batch progress or call ``run(progress)``."""
    model = context.model(view, a, distributions, period=period, selection=selection)
    return MonteCarlo(model, seed=seed, trials=trials, ndig=ndig, keep=keep)


# -- the full analysis (CLI and reports) -----------------------------------------------------------------

@dataclass
class UncertaintyOutcome:
    """Everything one uncertainty analysis returns, with what it was computed from."""

    project: str
    assumption_set: str
    assumption_set_sha256: str
    distributions_sha256: str
    view: str
    period: Period | None
    selection: dict[str, str | None]
    model: UncertaintyModel
    analytic: analytic.AnalyticResult
    monte_carlo: MonteCarloResult
    contributions: list[sensitivity.Contribution]
    tornado: list[sensitivity.TornadoBar]
    sobol: tuple[list[sensitivity.SobolIndex], dict] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def main_output(self) -> str:
        return MAIN_OUTPUT[self.view]

    def inputs_sha256(self) -> str:
        """SHA-256 of what the numbers follow from: set, distributions, view, period, selection, seed, plan."""
        mc = self.monte_carlo
        record = {"set": self.assumption_set_sha256, "distributions": self.distributions_sha256, "view": self.view,
                  "period": self.period.as_dict() if self.period else None, "selection": self.selection,
                  "seed": mc.seed, "trials": mc.trials if not mc.adaptive else None, "adaptive": mc.adaptive,
                  "ndig": mc.ndig, "software": __version__}
        return hashlib.sha256(canonical_json(record).encode()).hexdigest()

    def as_json(self) -> dict[str, Any]:
        """Return the CLI's JSON object for ``carbon-workbench uncertainty`` (keys are only ever added)."""
        model = self.model
        data = {
            "project": self.project, "assumption_set": self.assumption_set,
            "assumption_set_sha256": self.assumption_set_sha256, "distributions_sha256": self.distributions_sha256,
            "inputs_sha256": self.inputs_sha256(), "view": self.view,
            "period": self.period.as_dict() if self.period else None, "selection": self.selection,
            "main_output": self.main_output,
            "point": dict(zip(model.reported, map(float, model.point()))),
            "analytic": self.analytic.as_dict(),
            "monte_carlo": self.monte_carlo.as_dict(),
            "sensitivity": {
                "output": self.main_output,
                "contribution_to_variance": [item.as_dict() for item in self.contributions],
                "tornado": [bar.as_dict() for bar in self.tornado],
                "sobol": None if self.sobol is None else {"indices": [item.as_dict() for item in self.sobol[0]],
                                                          "design": self.sobol[1]},
            },
            "inputs": [item.as_dict() for item in model.inputs],
            "pooled_families": [family.as_dict(model.outputs) for family in model.families],
            "inputs_without_distribution": list(model.fixed_inputs),
            "notes": self.notes + list(model.notes) + self.analytic.notes + list(self.monte_carlo.notes),
            "software": {"name": "carbon-workbench", "version": __version__},
        }
        return data


def analyze(project: Project, set_name: str = assumption_service.DEFAULT_SET, *, view: str = "footprint",
            period: Period | None = None, run: str | None = None, model_name: str | None = None,
            trials: int | None = None, seed: int = DEFAULT_SEED, ndig: int = 2, sobol: bool = False,
            progress: Progress | None = None, context: UncertaintyContext | None = None) -> UncertaintyOutcome:
    """Analyze the uncertainty of ``view`` under ``set_name``: analytic, Monte Carlo and sensitivity."""
    if view not in VIEWS:
        raise UsageError(f"unknown view '{view}'", hint=f"Use one of: {', '.join(VIEWS)}.")
    a = assumption_service.snapshot(project, set_name)
    stored = distribution_service.snapshot(project, set_name)
    context = context or UncertaintyContext(project)
    selection = context.footprint.selection(run, model_name) if view == "footprint" else None
    if view == "inventory" and (run or model_name):
        raise UsageError("--run and --model select runs of the footprint view; the inventory covers a period")
    period = context.period(view, period)
    model = context.model(view, a, stored, period=period, selection=selection)
    result = analytic.propagate(model, large="none")
    run_result = MonteCarlo(model, seed=seed, trials=trials, ndig=ndig).run(progress)
    main = MAIN_OUTPUT[view]
    indices = sensitivity.sobol(model, main, seed=seed) if sobol else None
    outcome = UncertaintyOutcome(
        project.name, set_name, assumption_service.set_hash(project, set_name), stored.sha256, view, period,
        {"run": run, "model": model_name}, model, result, run_result, sensitivity.contributions(model, main),
        sensitivity.tornado(model, main), indices)
    log.info("uncertainty of %s (%s, set %s): %d inputs, %d pooled families, %d trials", project.name, view, set_name,
             len(model.inputs), len(model.families), run_result.trials)
    return outcome


def defaults_table() -> list[dict]:
    """Return the uncertainty defaults table with each default's basis."""
    return table_rows()
