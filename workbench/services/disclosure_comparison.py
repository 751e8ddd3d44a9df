"""Scenario uncertainty for a disclosure: every assumption set computed and compared with the reported one.

:func:`deterministic_comparison` computes both views under every assumption set of the project,
gives each headline figure's difference from the reported set, and decomposes each difference
one assumption at a time (the reported set with only that value changed), leaving the rest as
an interaction term. It leaves the intervals of the differences and the probability that a set
is lower empty: those need Monte Carlo draws shared between sets (common random numbers), which
a :data:`ComparisonProvider` from the uncertainty analysis fills in.
"""

from __future__ import annotations

import logging
from typing import Callable

from workbench.engine.assumptions import Assumptions
from workbench.reports.disclosure import ComparisonSummary, DeltaPart, SetDelta, SetResult
from workbench.services import assumptions as assumption_service
from workbench.services.disclosure_uncertainty import DisclosureContext

log = logging.getLogger(__name__)

DETERMINISTIC_METHOD = "deterministic: every set computed with its point values; no intervals on the differences"
FOOTPRINT_FIGURES = (("total_co2e_kg", "Footprint total (kgCO2e)"), ("facility_energy_kwh", "Facility energy (kWh)"))
INVENTORY_FIGURES = (("total_location_based_co2e_kg", "Inventory total, location-based (kgCO2e)"),
                     ("total_market_based_co2e_kg", "Inventory total, market-based (kgCO2e)"))

ComparisonProvider = Callable[[DisclosureContext], ComparisonSummary]


def deterministic_comparison(context: DisclosureContext) -> ComparisonSummary:
    """Compute every assumption set and compare it with the reported one."""
    project = context.project
    names = [item["name"] for item in assumption_service.list_sets(project)]
    values = {name: _values(project, name) for name in names}
    results = [_set_result(context, name) for name in names]
    reference = next(item for item in results if item.name == context.set_name)
    deltas, parts, differing = [], [], {}
    for other in results:
        if other.name == context.set_name:
            continue
        deltas += _deltas(reference, other)
        changed = {key: [values[context.set_name][0][key], value] for key, value in values[other.name][0].items()
                   if values[context.set_name][0].get(key) != value}
        differing[other.name] = changed
        parts += _decomposition(context, values[context.set_name], other, changed)
    notes = ("intervals of the differences and the probability that one set is lower need the Monte Carlo "
             "analysis with common random numbers; they are not computed here",)
    return ComparisonSummary(reference_set=context.set_name, method=DETERMINISTIC_METHOD, sets=tuple(results),
                             deltas=tuple(deltas), decomposition=tuple(parts), differing_values=differing,
                             notes=notes if len(results) > 1 else ())


def _values(project, name: str) -> tuple[dict, frozenset]:
    resolved = assumption_service.resolve(project, name)
    return ({key: item.value for key, item in resolved.items()},
            frozenset(key for key, item in resolved.items() if item.origin == "default"))


def _figures(context: DisclosureContext, assumptions: Assumptions) -> tuple[dict[str, float], dict[str, float]]:
    footprint = context.footprint_model.compute(assumptions).totals
    inventory = context.inventory_model.compute(assumptions, context.period).totals
    return ({key: footprint[key] for key, _ in FOOTPRINT_FIGURES},
            {key: inventory[key] for key, _ in INVENTORY_FIGURES})


def _set_result(context: DisclosureContext, name: str) -> SetResult:
    footprint, inventory = _figures(context, assumption_service.snapshot(context.project, name))
    return SetResult(name, assumption_service.set_hash(context.project, name), footprint, inventory)


def _deltas(reference: SetResult, other: SetResult) -> list[SetDelta]:
    deltas = [SetDelta(reference.name, other.name, "footprint", key, reference.footprint[key], other.footprint[key])
              for key, _ in FOOTPRINT_FIGURES]
    deltas += [SetDelta(reference.name, other.name, "inventory", key, reference.inventory[key],
                        other.inventory[key]) for key, _ in INVENTORY_FIGURES]
    return deltas


def _decomposition(context: DisclosureContext, reference: tuple[dict, frozenset], other: SetResult,
                   changed: dict[str, list]) -> list[DeltaPart]:
    """Split each headline difference into one-assumption-at-a-time effects plus the interaction."""
    values, defaulted = reference
    base_footprint, base_inventory = _figures(context, Assumptions.from_values(values, defaulted))
    parts = []
    explained: dict[tuple[str, str], float] = {}
    for key, (_, new_value) in changed.items():
        footprint, inventory = _figures(context, Assumptions.from_values(dict(values, **{key: new_value}),
                                                                         defaulted - {key}))
        for view, figures, base in (("footprint", footprint, base_footprint), ("inventory", inventory, base_inventory)):
            for figure, value in figures.items():
                parts.append(DeltaPart(other.name, key, view, figure, value - base[figure]))
                explained[(view, figure)] = explained.get((view, figure), 0.0) + value - base[figure]
    for view, figures, base in (("footprint", other.footprint, base_footprint),
                                ("inventory", other.inventory, base_inventory)):
        for figure, value in figures.items():
            remainder = value - base[figure] - explained.get((view, figure), 0.0)
            parts.append(DeltaPart(other.name, "interaction of the changes", view, figure, remainder))
    return parts
