"""The avoided-emissions section of a disclosure: the reduction planner's levers, shown apart from every total.

:func:`plan_provider` returns the provider an export with the reduction plan passes to
:func:`workbench.services.disclosure.build_disclosure`. It runs
:func:`workbench.services.planner.plan` on the lever sets derived from the reported assumption
set, with the export's seed, footprints over whole run windows and procurement levers on the
inventory of the reporting period, and stores nothing. :func:`avoided_section` turns the plan
into the disclosure model's :class:`~workbench.reports.disclosure.AvoidedEmissionsSection`.

Lever sets describe changes to operations, not other assumptions about the reported figures,
so the comparison of assumption sets and the Assumptions table leave them out
(:func:`lever_set_names`).
"""

from __future__ import annotations

import logging
from typing import Callable, Sequence

from workbench.engine.periods import Period
from workbench.engine.planner.results import NOT_NETTED, LeverResult
from workbench.project.store import Project
from workbench.reports.disclosure import AvoidedEmissionsSection, AvoidedLever, Narrative
from workbench.services import assumptions as assumption_service
from workbench.services import distributions as distribution_service
from workbench.services import planner, planner_store
from workbench.services.disclosure_uncertainty import DisclosureContext
from workbench.services.planner_outcome import PlanOutcome
from workbench.services.uncertainty import UncertaintyContext

log = logging.getLogger(__name__)

AvoidedProvider = Callable[[DisclosureContext], AvoidedEmissionsSection]


def method_text(trials: int, seed: int) -> str:
    """Describe how the avoided emissions were computed, with the trials and seed."""
    return (f"For each lever, the engine computes the world without the lever and the world with it, and the "
            f"avoided emissions are the difference. The 95 % interval comes from Monte Carlo with common random numbers "
            f"({trials:,} trials per lever, seed {seed}): inputs both worlds share take the same random numbers, "
            "so the uncertainty they share cancels")


def plan_provider(trials: int | None = None) -> AvoidedProvider:
    """Return a provider that plans every lever set derived from the reported set, with ``trials`` per lever."""
    chosen = trials or planner.DEFAULT_TRIALS

    def provide(context: DisclosureContext) -> AvoidedEmissionsSection:
        outcome = planner.plan(context.project, context.set_name, trials=chosen, seed=context.seed, save=False,
                               progress=context.progress, context=context.analysis, inventory_period=context.period)
        return avoided_section(context.project, outcome)

    return provide


def replan(project: Project, set_name: str, levers: Sequence[str], *, trials: int, seed: int, period: Period,
           analysis: UncertaintyContext) -> AvoidedEmissionsSection:
    """Plan the stored lever sets ``levers`` again, as an export with the reduction plan did."""
    outcome = planner.plan(project, set_name, levers=list(levers), trials=trials, seed=seed, save=False,
                           context=analysis, inventory_period=period)
    return avoided_section(project, outcome)


def avoided_section(project: Project, outcome: PlanOutcome) -> AvoidedEmissionsSection:
    """Return the disclosure section of a plan: ranked levers with their set hashes, narratives and notes."""
    levers = tuple(_lever(project, rank, item) for rank, item in enumerate(outcome.ranked(), 1))
    narratives = tuple(Narrative(item["topic"], item["heading"], item["text"]) for item in outcome.narratives)
    log.info("avoided emissions of %d levers for the disclosure of %s (seed %d, %d trials)", len(levers),
             outcome.project, outcome.seed, outcome.trials)
    return AvoidedEmissionsSection(
        assumption_set=outcome.assumption_set, method=method_text(outcome.trials, outcome.seed), seed=outcome.seed,
        trials=outcome.trials, period=outcome.period.as_dict() if outcome.period else None,
        inventory_period=outcome.inventory_period.as_dict() if outcome.inventory_period else None,
        reference={key: float(value) for key, value in outcome.reference.items()}, levers=levers,
        narratives=narratives, notes=(NOT_NETTED, *outcome.notes))


def _lever(project: Project, rank: int, item: LeverResult) -> AvoidedLever:
    avoided, marginal = item.avoided, item.marginal
    return AvoidedLever(
        rank=rank, set_name=item.name, kind=item.kind, label=item.label, view=item.view, parent_set=item.parent,
        parameters=dict(item.parameters), reference_output=item.reference_output,
        reference_co2e_kg=float(item.reference_co2e_kg), avoided_co2e_kg=float(avoided.point_kg),
        mean_co2e_kg=float(avoided.mean_kg), low_co2e_kg=float(avoided.low_kg), high_co2e_kg=float(avoided.high_kg),
        probability_saves=float(avoided.probability_saves), share_of_reference=item.share,
        marginal_co2e_kg=None if marginal is None else float(marginal.point_kg),
        marginal_low_co2e_kg=None if marginal is None else float(marginal.low_kg),
        marginal_high_co2e_kg=None if marginal is None else float(marginal.high_kg),
        depends_on=tuple(item.depends_on), notes=tuple(item.notes + item.warnings),
        assumption_set_sha256=assumption_service.set_hash(project, item.name),
        distributions_sha256=distribution_service.snapshot(project, item.name).sha256)


def lever_set_names(project: Project) -> set[str]:
    """Return the names of the assumption sets that are levers of the reduction planner."""
    return {lever.name for lever in planner_store.list_levers(project)}
