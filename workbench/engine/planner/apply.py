"""Applying footprint levers to a scenario, alone or combined.

A combination applies its members one after the other to the same pair of worlds, so each
member acts on what the previous ones left. A time shift after a relocation uses the new zone's
hours, and a PUE cut applies to the moved energy. Its avoided emissions therefore include the
interactions, which the planner reports as the combination minus the sum of its members.
"""

from __future__ import annotations

from typing import Callable

from workbench.engine.planner.context import LeverEffect, PlanContext, ScenarioPair
from workbench.engine.planner.energy_levers import facility_efficiency, relocation, time_shift
from workbench.engine.planner.levers import LeverSpec
from workbench.engine.planner.scenario import Scenario
from workbench.engine.planner.work_levers import accelerator, experiments, reuse
from workbench.engine.views import FOOTPRINT
from workbench.errors import CrossViewError, UsageError

FOOTPRINT_LEVERS: dict[str, Callable[[LeverSpec, ScenarioPair, PlanContext], LeverEffect]] = {
    "time_shift": time_shift, "relocation": relocation, "facility_efficiency": facility_efficiency,
    "accelerator": accelerator, "reuse": reuse, "experiments": experiments,
}


def apply_lever(spec: LeverSpec, scenario: Scenario, ctx: PlanContext) -> LeverEffect:
    """Return the worlds without and with the footprint lever ``spec``, starting from ``scenario``."""
    return _apply(spec, ScenarioPair(scenario, scenario), ctx)


def _apply(spec: LeverSpec, pair: ScenarioPair, ctx: PlanContext) -> LeverEffect:
    if spec.kind == "combination":
        return _combine(spec, pair, ctx)
    if spec.kind not in FOOTPRINT_LEVERS:
        raise UsageError(f"lever {spec.kind} does not change a footprint", hint="It is computed in the inventory.")
    return FOOTPRINT_LEVERS[spec.kind](spec, pair, ctx)


def _combine(spec: LeverSpec, pair: ScenarioPair, ctx: PlanContext) -> LeverEffect:
    details, depends, notes = [], [], []
    for member in spec.members():
        if member.view != FOOTPRINT:
            raise CrossViewError((FOOTPRINT, member.view), operation="combine")
        effect = _apply(member, pair, ctx)
        pair = effect.pair
        details += [dict(detail, member=member.label()) for detail in effect.details]
        depends += [item for item in effect.depends_on if item not in depends]
        notes += [item for item in effect.notes if item not in notes]
    notes.append("members are applied one after the other, so the combined figure includes their interactions")
    return LeverEffect(pair, tuple(details), tuple(depends), tuple(notes))
