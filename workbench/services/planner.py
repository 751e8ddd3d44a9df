"""The reduction planner: each lever's avoided emissions with an interval from common random numbers.

:func:`plan` takes the current assumption set and a list of levers (stored lever sets derived
from it, or lever texts such as ``time_shift:window_hours=12`` that it stores as such sets). For
each lever it builds the world without the lever and the world with it and computes both with
the engine. Both uncertainty models then run on common random numbers, so the interval of the
difference leaves out the uncertainty the two worlds share. Footprint levers are measured on the
footprint total (SCI-style, location-based); clean procurement on the inventory's market-based
total. A combination is computed as one world, and its interaction is the combined figure minus
the sum of its members'.

The results are avoided emissions: :class:`PlanOutcome` has no totals, and its figures raise
NettingError if added to one. The GUI reads :meth:`PlanOutcome.table` and
:meth:`PlanOutcome.chart_data`; reports take the outcome into their disclosure model through
:mod:`workbench.services.disclosure_plan`.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any, Sequence

import numpy as np

from workbench.engine.assumptions import Assumptions
from workbench.engine.footprint import FootprintResult, PreparedFootprint
from workbench.engine.inventory import PreparedInventory
from workbench.engine.periods import Period
from workbench.engine.planner.apply import apply_lever
from workbench.engine.planner.context import LeverEffect, PlanContext
from workbench.engine.planner.levers import LeverSpec
from workbench.engine.planner.procurement import UNCHANGED, procurement_details, what_if_instrument
from workbench.engine.planner.results import AvoidedEmissions, LeverResult
from workbench.engine.planner.scenario import Scenario
from workbench.engine.uncertainty import comparison
from workbench.engine.uncertainty.builder import Lookup, Resolved
from workbench.engine.uncertainty.defaults import TABLE
from workbench.engine.uncertainty.footprint_model import TelemetryDetail, build_footprint_model
from workbench.engine.uncertainty.inventory_model import build_inventory_model
from workbench.engine.uncertainty.model import UncertaintyModel
from workbench.engine.uncertainty.montecarlo import DEFAULT_SEED
from workbench.engine.views import FOOTPRINT, INVENTORY
from workbench.errors import MissingFactorError, UsageError
from workbench.progress import Progress, no_progress
from workbench.project.store import Project
from workbench.services import assumptions as assumption_service
from workbench.services import distributions as distribution_service
from workbench.services import inventory_inputs, planner_inputs, planner_store
from workbench.services.planner_outcome import PlanOutcome
from workbench.services.uncertainty import UncertaintyContext

log = logging.getLogger(__name__)

DEFAULT_TRIALS = 20_000
FOOTPRINT_OUTPUT = "total_co2e_kg"
INVENTORY_OUTPUT = "total_market_based_co2e_kg"
FOOTPRINT_FIGURES = ("facility_energy_kwh", "operational_co2e_kg", "embodied_co2e_kg", "total_co2e_kg")
INVENTORY_FIGURES = ("scope2_energy_kwh", "scope2_location_co2e_kg", "scope2_market_co2e_kg",
                     "total_location_based_co2e_kg", "total_market_based_co2e_kg")
DEFAULT_RATIONALE = "what-if lever given to the reduction planner"


def plan(project: Project, set_name: str = assumption_service.DEFAULT_SET, *,
         levers: Sequence[str | LeverSpec] | None = None, trials: int = DEFAULT_TRIALS, seed: int = DEFAULT_SEED,
         period: Period | None = None, save: bool = True, rationale: str | None = None,
         progress: Progress | None = None, context: UncertaintyContext | None = None,
         inventory_period: Period | None = None) -> PlanOutcome:
    """Compute the avoided emissions of ``levers`` (default: the lever sets derived from ``set_name``).

    ``period`` limits the footprints (None: whole run windows). Procurement levers are measured on
    the inventory of ``inventory_period``, else of ``period``, else of the year of the latest data.
    Lever texts are stored as lever sets derived from ``set_name`` unless ``save`` is False.
    Raises UsageError when there is no lever or a lever is invalid.
    """
    if trials < 2:
        raise UsageError(f"a plan needs at least 2 Monte Carlo trials, not {trials}")
    progress = progress or no_progress("Reduction plan")
    if save and project.read_only:
        raise UsageError("the project is open read-only, so new levers cannot be stored",
                         hint="Open it for writing, or plan without storing the levers.")
    chosen = lever_list(project, set_name, levers)
    if not chosen:
        raise UsageError(f"no levers are derived from assumption set '{set_name}'",
                         hint="Give levers, for example --lever time_shift:window_hours=12 --lever "
                              "facility_efficiency:pue=1.15.")
    planner = _Planner(project, set_name, context or UncertaintyContext(project), period, trials, seed,
                       inventory_period)
    found = []
    for number, (name, spec, stored) in enumerate(chosen):
        progress.update(number / len(chosen), f"lever {name}")
        found.append(planner.evaluate(name, spec, stored))
    _interactions(planner, found)
    if save:
        # Levers are stored only once every one of them computed, so an invalid lever stores none.
        for result, (_, spec, stored) in zip(found, chosen):
            if not stored:
                result.name = planner_store.save_lever(project, spec, parent=set_name,
                                                       rationale=rationale or DEFAULT_RATIONALE)
    progress.update(1.0, "plan ready", force=True)
    log.info("planned %d levers for %s (set %s, %d trials)", len(found), project.name, set_name, trials)
    return PlanOutcome(project.name, set_name, assumption_service.set_hash(project, set_name), period,
                       planner.inventory_period if planner.uses_inventory else None, trials, seed,
                       planner.reference(), found, planner_store.narratives(project), _offsets(project),
                       planner.notes)


def lever_list(project: Project, set_name: str, levers: Sequence[str | LeverSpec] | None
               ) -> list[tuple[str, LeverSpec, bool]]:
    """Return (set name, lever, already stored) for each requested lever; default: the levers derived from the set.

    A lever given as text or as a spec that is not stored yet gets its default set name.
    """
    stored = {lever.name: lever for lever in planner_store.list_levers(project)}
    if not levers:
        return [(lever.name, lever.spec, True) for lever in planner_store.list_levers(project, set_name)]
    known = {name: lever.spec for name, lever in stored.items()}
    for lever in stored.values():
        if lever.parent == set_name:
            known.setdefault(lever.spec.kind, lever.spec)
    existing = {lever.spec.canonical(): lever.name for lever in stored.values() if lever.parent == set_name}
    chosen = []
    for item in levers:
        if isinstance(item, str) and item in stored:
            chosen.append((item, stored[item].spec, True))
            known.setdefault(stored[item].spec.kind, stored[item].spec)
            continue
        spec = item if isinstance(item, LeverSpec) else planner_inputs.lever_from_text(item, known)
        known.setdefault(spec.kind, spec)
        name = existing.get(spec.canonical())
        chosen.append((name or planner_store.default_name(set_name, spec), spec, name is not None))
    return chosen


def assumption_sets_parent(project: Project, name: str) -> str | None:
    """Return the parent of assumption set ``name``."""
    return next((item["parent"] for item in assumption_service.list_sets(project) if item["name"] == name), None)


def _offsets(project: Project) -> list[dict[str, Any]]:
    return [{"instrument_id": item.instrument_id, "label": item.label, "market": item.market,
             "credit_co2e_kg": item.credit_co2e_kg, "note": "reported separately, never netted"}
            for item in inventory_inputs.load_instruments(project) if item.type == "offset"]


class _Planner:
    """The current set's prepared models, shared by every lever of one plan."""

    def __init__(self, project: Project, set_name: str, context: UncertaintyContext, period: Period | None,
                 trials: int, seed: int, inventory_period: Period | None = None) -> None:
        self.project, self.set_name, self.context, self.period = project, set_name, context, period
        self._inventory_period = inventory_period
        self.trials, self.seed = trials, seed
        self.a = assumption_service.snapshot(project, set_name)
        self.distributions = distribution_service.snapshot(project, set_name)
        self.prepared = context.footprint.prepared
        self.base = Scenario(self.prepared.inputs, self.prepared.metered_pue, self.prepared.assets)
        self.marginal_tables = context.footprint.basis_tables("marginal")
        self.sites = planner_inputs.site_infos(project)
        self.reuse = planner_store.load_reuse(project)
        self.current = self.prepared.compute(self.a, period)
        self.notes: list[str] = []
        self.uses_inventory = False
        self._models: dict[tuple, UncertaintyModel] = {}
        self._inventory: dict[str, Any] = {}

    @property
    def inventory_period(self) -> Period:
        return self._inventory_period or self.period or self.context.inventory.default_period()

    def reference(self) -> dict[str, float]:
        reference = {"footprint_total_co2e_kg": self.current.totals[FOOTPRINT_OUTPUT]}
        if self.uses_inventory:
            totals = self._inventory["result"].totals
            reference["inventory_total_market_based_co2e_kg"] = totals[INVENTORY_OUTPUT]
            reference["inventory_total_location_based_co2e_kg"] = totals["total_location_based_co2e_kg"]
        return reference

    def prepare(self, scenario: Scenario, tables: dict | None = None) -> PreparedFootprint:
        """Return the prepared footprint of ``scenario`` (the current one when nothing changed)."""
        if scenario is self.base and tables is None:
            return self.prepared
        return PreparedFootprint(scenario.runs, tables or self.prepared.factor_tables, scenario.assets,
                                 scenario.metered_pue)

    def snapshots(self, name: str, stored: bool) -> tuple[Assumptions, distribution_service.DistributionSet]:
        if not stored:
            return self.a, self.distributions
        return assumption_service.snapshot(self.project, name), distribution_service.snapshot(self.project, name)

    # -- levers -----------------------------------------------------------------------------------------

    def evaluate(self, name: str, spec: LeverSpec, stored: bool) -> LeverResult:
        """Return one lever's avoided emissions with its interval, variants and details."""
        resolved, depends = planner_inputs.resolve(self.project, spec)
        a, distributions = self.snapshots(name, stored)
        parent = assumption_sets_parent(self.project, name) if stored else self.set_name
        if parent != self.set_name:
            self.notes.append(f"lever {name} derives from set '{parent}', not '{self.set_name}': its world with the "
                              "lever uses that set's values")
        if spec.view == INVENTORY:
            result = self._inventory_lever(name, resolved, a, distributions)
        else:
            result = self._footprint_lever(name, resolved, a, distributions)
        result.depends_on = depends + result.depends_on
        result.label, result.parent, result.parameters = spec.label(), parent, dict(spec.parameters)
        if spec.kind == "combination":
            result.members = [member.label() for member in spec.members()]
        return result

    def context_for(self, a: Assumptions) -> PlanContext:
        return PlanContext(a, self.prepare, self.sites, self.prepared.factor_tables, self.marginal_tables, self.reuse)

    def effect(self, spec: LeverSpec, a: Assumptions) -> LeverEffect:
        return apply_lever(spec, self.base, self.context_for(a))

    def point_avoided(self, spec: LeverSpec, a: Assumptions) -> float:
        """Return a footprint lever's avoided emissions without Monte Carlo (for interactions)."""
        resolved, _ = planner_inputs.resolve(self.project, spec)
        effect = self.effect(resolved, a)
        without = self.prepare(effect.pair.without).compute(self.a, self.period)
        with_lever = self.prepare(effect.pair.with_lever).compute(a, self.period)
        return without.totals[FOOTPRINT_OUTPUT] - with_lever.totals[FOOTPRINT_OUTPUT]

    def _footprint_lever(self, name: str, spec: LeverSpec, a: Assumptions,
                         distributions: distribution_service.DistributionSet) -> LeverResult:
        effect = self.effect(spec, a)
        without, with_lever = effect.pair.without, effect.pair.with_lever
        prepared = (self.prepare(without), self.prepare(with_lever))
        computed = (prepared[0].compute(self.a, self.period), prepared[1].compute(a, self.period))
        _check_factors(name, computed)
        models = (self._footprint_model(prepared[0], self.a, self.distributions),
                  self._footprint_model(prepared[1], a, distributions))
        avoided = self._compare(FOOTPRINT, models, FOOTPRINT_OUTPUT)
        marginal, marginal_note = self._marginal(effect, a, distributions)
        result = LeverResult(
            name, spec.kind, spec.label(), FOOTPRINT, FOOTPRINT_OUTPUT, self.current.totals[FOOTPRINT_OUTPUT],
            avoided, marginal, _point_deltas(computed[0].totals, computed[1].totals, FOOTPRINT_FIGURES),
            list(effect.details), _per_run(computed[0], computed[1]), list(effect.depends_on),
            list(effect.notes) + ([marginal_note] if marginal_note else []),
            [item for item in computed[1].warnings if item not in computed[0].warnings])
        return result

    def _footprint_model(self, prepared: PreparedFootprint, a: Assumptions,
                         distributions: distribution_service.DistributionSet, selection: Sequence[int] | None = None,
                         marginal: bool = False) -> UncertaintyModel:
        """Build (or reuse, for the current world) the uncertainty model of a prepared footprint."""
        current = prepared is self.prepared and a is self.a and distributions is self.distributions
        key = (marginal, tuple(selection or ()))
        if current and key in self._models:
            return self._models[key]
        lookup = marginal_lookup(distributions.lookup) if marginal else distributions.lookup
        model = build_footprint_model(prepared, a, lookup, period=self.period, selection=selection,
                                      detail=_detail_for(self.context.detail, prepared))
        if current:
            self._models[key] = model
        return model

    def _compare(self, view: str, models: tuple[UncertaintyModel, UncertaintyModel], output: str) -> AvoidedEmissions:
        result = comparison.compare({"without the lever": models[0], "with the lever": models[1]},
                                    trials=self.trials, seed=self.seed)
        difference = next(item for item in result.differences if item.output == output)
        return AvoidedEmissions.from_difference(view, difference, self.trials)

    def _marginal(self, effect: LeverEffect, a: Assumptions, distributions: distribution_service.DistributionSet
                  ) -> tuple[AvoidedEmissions | None, str | None]:
        """Return the lever's avoided emissions valued with marginal intensities, over the runs it changes."""
        if not self.marginal_tables:
            return None, None
        without, with_lever = effect.pair.without, effect.pair.with_lever
        changed = [index for index, (old, new) in enumerate(zip(without.runs, with_lever.runs)) if old is not new]
        if not changed:
            return None, None
        prepared = (self.prepare(without, self.marginal_tables), self.prepare(with_lever, self.marginal_tables))
        computed = (prepared[0].compute(self.a, self.period, changed), prepared[1].compute(a, self.period, changed))
        if any(result.totals["unmatched_energy_kwh"] > 0 for result in computed):
            return None, "the marginal intensity series does not cover every hour of the changed runs, so no " \
                         "consequential variant is shown"
        models = (self._footprint_model(prepared[0], self.a, self.distributions, changed, marginal=True),
                  self._footprint_model(prepared[1], a, distributions, changed, marginal=True))
        return self._compare(FOOTPRINT, models, FOOTPRINT_OUTPUT), None

    def _inventory_lever(self, name: str, spec: LeverSpec, a: Assumptions,
                         distributions: distribution_service.DistributionSet) -> LeverResult:
        inventory = self._current_inventory()
        period = self.inventory_period
        instrument = what_if_instrument(spec, period, inventory["result"])
        current = inventory["prepared"]
        changed = PreparedInventory(self.prepared, current.sites, current.instruments + (instrument,),
                                    current.scope1_activities, current.residual_tables)
        result = changed.compute(a, period)
        model = build_inventory_model(changed, a, distributions.lookup, period, detail=self.context.detail,
                                      result=result)
        avoided = self._compare(INVENTORY, (inventory["model"], model), INVENTORY_OUTPUT)
        deltas = _point_deltas(inventory["result"].totals, result.totals, INVENTORY_FIGURES)
        deltas["footprint_total_co2e_kg"] = 0.0
        details = procurement_details(instrument, result)
        details.append({"location_based_change_co2e_kg": deltas["total_location_based_co2e_kg"],
                        "market_based_change_co2e_kg": deltas["total_market_based_co2e_kg"],
                        "footprint_change_co2e_kg": 0.0})
        depends = [f"{instrument.mwh:g} MWh of {instrument.type} in market {instrument.market}, vintage "
                   f"{_day(instrument.vintage_start_s)} to {_day(instrument.vintage_end_s)}, "
                   f"{instrument.ef_kg_per_mwh:g} kgCO2e/MWh, taken to pass every Scope 2 quality criterion",
                   f"residual mix of market {instrument.market} for the consumption it covers"]
        return LeverResult(name, spec.kind, spec.label(), INVENTORY, INVENTORY_OUTPUT,
                           inventory["result"].totals[INVENTORY_OUTPUT], avoided, None, deltas, details, [],
                           depends, list(UNCHANGED))

    def _current_inventory(self) -> dict[str, Any]:
        if not self._inventory:
            self.uses_inventory = True
            prepared = self.context.inventory.prepared
            result = prepared.compute(self.a, self.inventory_period)
            model = build_inventory_model(prepared, self.a, self.distributions.lookup, self.inventory_period,
                                          detail=self.context.detail, result=result)
            self._inventory.update(prepared=prepared, result=result, model=model)
        return self._inventory


def _check_factors(name: str, computed: tuple[FootprintResult, FootprintResult]) -> None:
    """Raise MissingFactorError when one world has energy without an emission factor that the other has not.

    Such energy counts as zero emissions, so the avoided emissions would be wrong by its whole share.
    """
    without, with_lever = (result.totals["unmatched_energy_kwh"] for result in computed)
    if abs(with_lever - without) <= 1e-9 * max(1.0, without):
        return
    world = computed[1] if with_lever > without else computed[0]
    problems = [item for item in world.warnings if "has no emission factor" in item or "no grid zone" in item]
    raise MissingFactorError(
        f"lever {name}: {abs(with_lever - without):,.6g} kWh of facility energy has no location-based emission "
        "factor in one of the two worlds, so its avoided emissions cannot be computed",
        hint="Import factors for the zones and hours the lever moves energy to. " + " ".join(problems[:3]))


def _day(seconds: float) -> str:
    from workbench.clock import epoch_to_text

    return (epoch_to_text(seconds) or "")[:10]


def _point_deltas(without: dict[str, float], with_lever: dict[str, float], keys: Sequence[str]) -> dict[str, float]:
    """Return without minus with for each figure (energy in kWh, emissions in kgCO2e)."""
    return {key: float(without[key] - with_lever[key]) for key in keys}


def _per_run(without: FootprintResult, with_lever: FootprintResult) -> list[dict[str, Any]]:
    rows = []
    for index, run in enumerate(without.inputs):
        before = float(without.columns[FOOTPRINT_OUTPUT][index])
        after = float(with_lever.columns[FOOTPRINT_OUTPUT][index])
        rows.append({"run": run.name, "kind": run.kind, "without_co2e_kg": before, "with_co2e_kg": after,
                     "avoided_co2e_kg": before - after})
    return rows


def _detail_for(detail: TelemetryDetail, prepared: PreparedFootprint) -> TelemetryDetail:
    """Drop the device-hours of runs a lever replaced by a declaration (no telemetry is left to be wrong)."""
    declared = np.array([run.declared is not None for run in prepared.inputs], dtype=bool)
    if not len(detail.device_run) or not declared.any():
        return detail
    keep = ~declared[detail.device_run]
    sources = {index: kind for index, kind in detail.energy_source.items() if not declared[index]}
    return replace(detail, device_run=detail.device_run[keep], device_id=detail.device_id[keep],
                   device_hours=detail.device_hours[keep], energy_source=sources)


def marginal_lookup(lookup: Lookup) -> Lookup:
    """Return a lookup that gives location-based factor classes the marginal intensity's distribution.

    A marginal footprint is built like a location-based one on the marginal series, so its factor
    inputs take the set's ``ef.marginal`` distribution (or that of ``ef.marginal:ZONE``), else the
    marginal default of the defaults table.
    """
    row = TABLE["ef.marginal"]
    default = Resolved(replace(row.distribution, correlation=None), "default", row.basis)

    def wrapped(key: str) -> Resolved | None:
        if not key.startswith("ef.location."):
            return lookup(key)
        member = key.partition(":")[2]
        stored = (lookup(f"ef.marginal:{member}") if member else None) or lookup("ef.marginal")
        if stored is None:
            return default
        return Resolved(replace(stored.distribution, correlation=None), stored.origin, stored.basis)

    return wrapped


def _interactions(planner: _Planner, found: list[LeverResult]) -> None:
    """Give each combination its interaction: the combined figure minus the sum of its members' figures."""
    by_spec = {}
    for item in found:
        if item.kind != "combination":
            by_spec[LeverSpec(item.kind, item.parameters).canonical()] = item.avoided.point_kg
    for item in found:
        if item.kind != "combination":
            continue
        members = LeverSpec("combination", item.parameters).members()
        a = planner.a
        points = [by_spec.get(member.canonical()) for member in members]
        points = [point if point is not None else planner.point_avoided(member, a)
                  for point, member in zip(points, members)]
        total = float(sum(points))
        item.interaction = {"combined_co2e_kg": item.avoided.point_kg, "sum_of_members_co2e_kg": total,
                            "interaction_co2e_kg": item.avoided.point_kg - total,
                            "members_co2e_kg": dict(zip(item.members, map(float, points)))}
