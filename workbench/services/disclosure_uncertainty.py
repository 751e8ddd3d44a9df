"""The uncertainty section of a disclosure: seeded Monte Carlo of both views, contributors and inputs.

A disclosure takes its uncertainty from an :data:`UncertaintyProvider`, a function of the
:class:`DisclosureContext` that returns an :class:`~workbench.reports.disclosure.UncertaintySummary`.
The export service passes :func:`monte_carlo_uncertainty`. It runs
:func:`workbench.services.uncertainty.analyze` on the footprint (every run, whole windows) and on
the inventory of the report's period, under the reported assumption set and its distributions,
with the adaptive stopping rule of GUM Supplement 1 and the context's seed. The same project,
set, period and seed give the same digits, which is how ``verify --project`` checks the
intervals. :func:`no_uncertainty` returns an explicit "not computed" summary instead, which
the checklist of a final export rejects.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

from workbench.engine.periods import Period
from workbench.engine.uncertainty.montecarlo import DEFAULT_SEED
from workbench.progress import Progress, sub_progress
from workbench.project.store import Project
from workbench.reports.disclosure import (Contributor, InputUncertainty, Simulation, UncertainFigure,
                                          UncertaintySummary)
from workbench.services import distributions as distribution_service
from workbench.services import uncertainty as uncertainty_service
from workbench.services.uncertainty import UncertaintyContext, UncertaintyOutcome

log = logging.getLogger(__name__)

__all__ = ["DEFAULT_SEED", "DisclosureContext", "UncertaintyProvider", "monte_carlo_uncertainty", "no_uncertainty"]

METHOD = ("Monte Carlo propagation (GUM Supplement 1, IPCC Approach 2) with NumPy's PCG64 generator and "
          "adaptive stopping in batches of 10,000 trials until the mean, standard uncertainty and both interval "
          "ends are stable to 2 significant digits")
# The reported figures of each view: (output of the uncertainty model, figure key, label, unit).
FIGURES = {
    "footprint": (
        ("gpu_energy_kwh", "footprint_gpu_energy_kwh", "Footprint: GPU energy", "kWh"),
        ("facility_energy_kwh", "footprint_facility_energy_kwh", "Footprint: facility energy", "kWh"),
        ("operational_co2e_kg", "footprint_operational_co2e_kg", "Footprint: operational emissions", "kgCO2e"),
        ("embodied_co2e_kg", "footprint_embodied_co2e_kg", "Footprint: embodied emissions", "kgCO2e"),
        ("total_co2e_kg", "footprint_total_co2e_kg", "Footprint: total emissions", "kgCO2e"),
    ),
    "inventory": (
        ("scope1_co2e_kg", "scope1_co2e_kg", "Scope 1", "kgCO2e"),
        ("scope2_energy_kwh", "scope2_energy_kwh", "Scope 2: purchased electricity", "kWh"),
        ("scope2_location_co2e_kg", "scope2_location_co2e_kg", "Scope 2 location-based", "kgCO2e"),
        ("scope2_market_co2e_kg", "scope2_market_co2e_kg", "Scope 2 market-based", "kgCO2e"),
        ("scope3_category_1_co2e_kg", "scope3_category_1_co2e_kg", "Scope 3 category 1 (cloud services)", "kgCO2e"),
        ("scope3_category_2_co2e_kg", "scope3_category_2_co2e_kg", "Scope 3 category 2 (capital goods)", "kgCO2e"),
        ("scope3_category_3_co2e_kg", "scope3_category_3_co2e_kg", "Scope 3 category 3 (fuel- and energy-related)",
         "kgCO2e"),
        ("scope3_co2e_kg", "scope3_co2e_kg", "Scope 3", "kgCO2e"),
        ("total_location_based_co2e_kg", "total_location_based_co2e_kg", "Inventory total (location-based Scope 2)",
         "kgCO2e"),
        ("total_market_based_co2e_kg", "total_market_based_co2e_kg", "Inventory total (market-based Scope 2)",
         "kgCO2e"),
    ),
}
# The figures whose main contributors the report lists.
CONTRIBUTOR_OUTPUTS = {"footprint": ("total_co2e_kg",),
                       "inventory": ("total_location_based_co2e_kg", "total_market_based_co2e_kg")}
TOP_CONTRIBUTORS = 6


@dataclass(frozen=True)
class DisclosureContext:
    """Inputs of an uncertainty or comparison provider.

    ``analysis`` contains the prepared footprint and inventory models with the uncertainty detail,
    shared by every Monte Carlo run of one export; ``period`` is the inventory's reporting period.
    """

    project: Project
    set_name: str
    period: Period
    analysis: UncertaintyContext
    seed: int = DEFAULT_SEED
    progress: Progress | None = None


UncertaintyProvider = Callable[[DisclosureContext], UncertaintySummary]


def no_uncertainty(context: DisclosureContext) -> UncertaintySummary:
    """Return the explicit 'not computed' summary; a final export's checklist rejects it."""
    return UncertaintySummary.not_computed("uncertainty was not computed for this export")


def monte_carlo_uncertainty(context: DisclosureContext) -> UncertaintySummary:
    """Run the seeded Monte Carlo analysis of both views and summarize it for the report."""
    outcomes = []
    for number, view in enumerate(FIGURES):
        part = sub_progress(context.progress, number / len(FIGURES), (number + 1) / len(FIGURES))
        outcomes.append(uncertainty_service.analyze(
            context.project, context.set_name, view=view, period=context.period if view == "inventory" else None,
            seed=context.seed, progress=part, context=context.analysis))
    stored = distribution_service.snapshot(context.project, context.set_name).stored
    summary = summarize(outcomes, context.seed, {key: item.distribution.as_dict() for key, item in stored.items()})
    log.info("uncertainty of the disclosure of %s (set %s, seed %d): %s", context.project.name, context.set_name,
             context.seed, summary.describe_runs())
    return summary


def summarize(outcomes: list[UncertaintyOutcome], seed: int, distributions: dict[str, dict]) -> UncertaintySummary:
    """Turn the analyses of the views into the report's figures, runs, contributors and inputs.

    ``distributions`` are the set's own (stored or inherited) distributions, by key.
    """
    figures, simulations, contributors, inputs, notes = [], [], [], [], []
    for outcome in outcomes:
        figures += _figures(outcome)
        simulations.append(_simulation(outcome))
        contributors += _contributors(outcome)
        inputs += _inputs(outcome)
        notes += [f"{outcome.view}: {note}" for note in
                  list(outcome.model.notes) + list(outcome.monte_carlo.notes)]
    notes.append("main contributors are first-order shares of the variance (GUM law of propagation at the "
                 "reported values); methodological choices appear as differences between assumption sets, "
                 "not as wider intervals")
    return UncertaintySummary(computed=True, method=METHOD, coverage=outcomes[0].monte_carlo.coverage, seed=seed,
                              simulations=tuple(simulations), figures=tuple(figures),
                              contributors=tuple(contributors), inputs=tuple(inputs), distributions=distributions,
                              notes=tuple(notes))


def _figures(outcome: UncertaintyOutcome) -> list[UncertainFigure]:
    summaries = outcome.monte_carlo.summaries
    analytic = outcome.analytic.intervals
    figures = []
    for output, key, label, unit in FIGURES[outcome.view]:
        item = summaries[output]
        approach1 = analytic.get(output)
        figures.append(UncertainFigure(
            key, label, outcome.view, unit, item.point, item.mean, item.low, item.high, median=item.median, sd=item.sd,
            shortest_low=item.shortest_low, shortest_high=item.shortest_high,
            approach1_u95_pct=approach1.u95_percent if approach1 is not None else None))
    return figures


def _simulation(outcome: UncertaintyOutcome) -> Simulation:
    run = outcome.monte_carlo
    return Simulation(view=outcome.view, period=outcome.period.as_dict()["label"] if outcome.period else None,
                      seed=run.seed, trials=run.trials, batches=run.batches, batch_size=run.batch_size,
                      adaptive=run.adaptive, converged=run.converged, ndig=run.ndig,
                      explicit_inputs=len(outcome.model.inputs), pooled_families=len(outcome.model.families),
                      distributions_sha256=outcome.distributions_sha256, inputs_sha256=outcome.inputs_sha256())


def _contributors(outcome: UncertaintyOutcome) -> list[Contributor]:
    from workbench.engine.uncertainty import sensitivity

    labels = {output: label for output, _, label, _ in FIGURES[outcome.view]}
    found = []
    for output in CONTRIBUTOR_OUTPUTS[outcome.view]:
        shares = (outcome.contributions if output == outcome.main_output
                  else sensitivity.contributions(outcome.model, output))
        found += [Contributor(item.label, labels[output], outcome.view, item.share)
                  for item in shares[:TOP_CONTRIBUTORS] if item.share > 0]
    return found


def _inputs(outcome: UncertaintyOutcome) -> list[InputUncertainty]:
    model = outcome.model
    items = [InputUncertainty(outcome.view, item.name, item.label, item.key, item.distribution.describe(),
                              item.distribution.u95_percent(item.nominal) if item.nominal else None, item.basis,
                              item.origin) for item in model.inputs]
    items += [InputUncertainty(outcome.view, family.name, family.label, family.key, family.distribution.describe(),
                               None, family.basis, family.origin, family.members) for family in model.families]
    return items

