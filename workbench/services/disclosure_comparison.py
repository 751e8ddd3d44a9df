"""Scenario uncertainty for a disclosure: every assumption set compared with the reported one.

:func:`monte_carlo_comparison` runs :func:`workbench.services.comparison.compare_sets` on both views
with the reported set as the reference and every other set of the project after it, except the
lever sets of the reduction planner: they describe changes to operations, not other assumptions
about the reported figures, and a report shows them as avoided emissions instead. The sets
share their random numbers (common random numbers), so the 95 % interval of each difference
leaves out the uncertainty the sets share, and the share of trials in which a set is lower gives
P(B < A). Each difference of point results is split into the Shapley values of the assumptions
that differ. A project with one set gets that set's point results and no differences.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Callable

import numpy as np

from workbench.progress import sub_progress
from workbench.reports.disclosure import ComparisonSummary, DeltaPart, SetDelta, SetResult
from workbench.services import assumptions as assumption_service
from workbench.services import comparison as comparison_service
from workbench.services import distributions as distribution_service
from workbench.services.comparison import ComparisonOutcome
from workbench.services.disclosure_plan import lever_set_names
from workbench.services.disclosure_uncertainty import DisclosureContext

log = logging.getLogger(__name__)

COMPARISON_TRIALS = 100_000
FIGURES = {"footprint": ("total_co2e_kg", "facility_energy_kwh"),
           "inventory": ("total_location_based_co2e_kg", "total_market_based_co2e_kg")}
SINGLE_SET_METHOD = "one assumption set: nothing to compare"

ComparisonProvider = Callable[[DisclosureContext], ComparisonSummary]


def method_text(trials: int, seed: int) -> str:
    """Describe the comparison's method, with its trials and seed."""
    return (f"Monte Carlo with common random numbers ({trials:,} trials per set, seed {seed}): inputs the sets "
            "share take the same random numbers, mapped through each set's own distribution; each difference of "
            "point results is split into the Shapley values of the assumptions that differ")


def monte_carlo_comparison(context: DisclosureContext) -> ComparisonSummary:
    """Compare every assumption set of the project except the planner's lever sets with the reported one."""
    left_out = lever_set_names(context.project) - {context.set_name}
    others = [item["name"] for item in assumption_service.list_sets(context.project)
              if item["name"] != context.set_name and item["name"] not in left_out]
    summary = compare_named_sets(context, others)
    if left_out:
        note = (f"{len(left_out)} lever set(s) of the reduction planner are not compared: they describe changes to "
                "operations, not other assumptions about the reported figures; a report with the reduction plan "
                "shows their avoided emissions apart from every total")
        summary = replace(summary, notes=summary.notes + (note,))
    return summary


def compare_named_sets(context: DisclosureContext, others: list[str]) -> ComparisonSummary:
    """Compare the sets ``others``, in this order, with the reported set in both views.

    The order and the sets fix which random numbers each input takes, so verification repeats a
    report's comparison with the sets the report lists.
    """
    project = context.project
    names = [context.set_name] + [name for name in others if name != context.set_name]
    values = {name: _values(project, name) for name in names}
    differing = {name: {key: [values[context.set_name].get(key), value] for key, value in values[name].items()
                        if values[context.set_name].get(key) != value} for name in names[1:]}
    if len(names) < 2:
        return _single_set(context)
    outcomes = {}
    for number, view in enumerate(FIGURES):
        part = sub_progress(context.progress, number / len(FIGURES), (number + 1) / len(FIGURES))
        outcomes[view] = comparison_service.compare_sets(
            project, names, view=view, period=context.period if view == "inventory" else None,
            trials=COMPARISON_TRIALS, seed=context.seed, progress=part, context=context.analysis)
    sets = tuple(_set_result(outcomes, item) for item in outcomes["footprint"].sets)
    deltas = tuple(delta for view, outcome in outcomes.items() for delta in _deltas(view, outcome))
    parts = tuple(part for view, outcome in outcomes.items() for part in _decomposition(view, outcome))
    log.info("compared assumption sets %s with %s (seed %d)", ", ".join(names[1:]), context.set_name, context.seed)
    return ComparisonSummary(reference_set=context.set_name, method=method_text(COMPARISON_TRIALS, context.seed),
                             sets=sets, deltas=deltas, decomposition=parts, differing_values=differing,
                             notes=tuple(_notes(outcomes)), seed=context.seed, trials=COMPARISON_TRIALS)


def _values(project, name: str) -> dict:
    return {key: item.value for key, item in assumption_service.resolve(project, name).items()}


def _single_set(context: DisclosureContext) -> ComparisonSummary:
    a = assumption_service.snapshot(context.project, context.set_name)
    footprint = context.analysis.footprint.compute(a).totals
    inventory = context.analysis.inventory.compute(a, context.period).totals
    result = SetResult(context.set_name, assumption_service.set_hash(context.project, context.set_name),
                       {key: float(footprint[key]) for key in FIGURES["footprint"]},
                       {key: float(inventory[key]) for key in FIGURES["inventory"]},
                       distribution_service.snapshot(context.project, context.set_name).sha256)
    return ComparisonSummary(reference_set=context.set_name, method=SINGLE_SET_METHOD, sets=(result,))


def _set_result(outcomes: dict[str, ComparisonOutcome], item: dict[str, str]) -> SetResult:
    name = item["name"]
    figures = {}
    for view, outcome in outcomes.items():
        index = {output: position for position, output in enumerate(outcome.outputs)}
        figures[view] = {key: float(outcome.points[name][index[key]]) for key in FIGURES[view]}
    return SetResult(name, item["assumption_set_sha256"], figures["footprint"], figures["inventory"],
                     item["distributions_sha256"])


def _deltas(view: str, outcome: ComparisonOutcome) -> list[SetDelta]:
    index = {output: position for position, output in enumerate(outcome.outputs)}
    deltas = []
    for difference in outcome.monte_carlo.differences:
        if difference.output not in FIGURES[view]:
            continue
        position = index[difference.output]
        a = float(outcome.points[difference.reference][position])
        b = float(outcome.points[difference.other][position])
        deltas.append(SetDelta(difference.reference, difference.other, view, difference.output, a, b,
                               difference.common.low, difference.common.high, difference.probability_below,
                               difference.independent.low, difference.independent.high))
    return deltas


def _decomposition(view: str, outcome: ComparisonOutcome) -> list[DeltaPart]:
    parts = []
    for _reference, other, decomposition in outcome.decompositions:
        index = {output: position for position, output in enumerate(decomposition.outputs)}
        for share in decomposition.shares:
            for figure in FIGURES[view]:
                position = index[figure]
                parts.append(DeltaPart(other, share.factor, view, figure, float(share.shapley[position]),
                                       float(np.asarray(share.alone)[position])))
    return parts


def _notes(outcomes: dict[str, ComparisonOutcome]) -> list[str]:
    notes = ["intervals of the differences use common random numbers; the interval from independent draws is "
             "shown beside them (workbook and JSON) to show how much shared uncertainty cancels",
             "P(B < A) is the share of trials in which set B gives the lower figure",
             "a set that differs only in distributions has the same point results and no decomposition"]
    for view, outcome in outcomes.items():
        for _reference, other, decomposition in outcome.decompositions:
            method = decomposition.as_dict()["method"]
            notes.append(f"{view}, {other}: {method} ({decomposition.evaluations} evaluations)")
    return notes
