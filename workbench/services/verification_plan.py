"""Checking a report's avoided emissions against the project: the reduction plan is repeated from its seed.

A report exported with the reduction plan records, in its manifest, every lever set with its
kind, parameters and hashes, and the seed and trials of the plan. The same project, lever sets,
distributions, period and seed give the same trials, so every avoided-emissions figure and
interval must match to the manifest's relative tolerance. When a lever set was removed or
changed, the problems name it instead of repeating the plan.
"""

from __future__ import annotations

import logging

from workbench.engine.periods import Period
from workbench.errors import NotFoundError
from workbench.project.audit import canonical_json
from workbench.project.store import Project
from workbench.reports.disclosure import as_plain
from workbench.reports.manifest import figures_close
from workbench.services import assumptions as assumption_service
from workbench.services import distributions as distribution_service
from workbench.services import planner_store
from workbench.services.disclosure_plan import replan
from workbench.services.uncertainty import UncertaintyContext

log = logging.getLogger(__name__)

# A lever's figures differ when any of these differs.
LEVER_KEYS = ("reference_co2e_kg", "avoided_co2e_kg", "mean_co2e_kg", "low_co2e_kg", "high_co2e_kg",
              "probability_saves", "share_of_reference", "marginal_co2e_kg", "marginal_low_co2e_kg",
              "marginal_high_co2e_kg")


def plan_problems(project: Project, manifest: dict, analysis: UncertaintyContext, period: Period) -> list[str]:
    """Repeat the report's reduction plan from its seed and return every lever figure that differs."""
    recorded = manifest.get("avoided_emissions")
    if not recorded:
        return []
    problems = _lever_set_problems(project, recorded["levers"])
    if problems:
        return problems
    names = [lever["set_name"] for lever in recorded["levers"]]
    now = replan(project, recorded["assumption_set"], names, trials=int(recorded["trials"]),
                 seed=int(recorded["seed"]), period=period, analysis=analysis)
    current = {lever.set_name: as_plain(lever) for lever in now.levers}
    for lever in recorded["levers"]:
        match = current[lever["set_name"]]
        problems += [f"avoided emissions of lever '{lever['set_name']}': {key} is {match[key]} when the plan is "
                     f"repeated with seed {recorded['seed']}, but {lever.get(key)} in the report"
                     for key in LEVER_KEYS if key in lever and not figures_close(lever[key], match[key])]
    log.info("repeated the reduction plan of %s with seed %s: %d problems", project.name, recorded["seed"],
             len(problems))
    return problems


def _lever_set_problems(project: Project, levers: list[dict]) -> list[str]:
    """Return the lever sets of the report that no longer exist or whose lever, values or distributions changed."""
    stored = {lever.name: lever for lever in planner_store.list_levers(project)}
    problems = []
    for lever in levers:
        name = lever["set_name"]
        now = stored.get(name)
        if now is None:
            problems.append(f"lever set '{name}' of the avoided emissions is no longer a lever in the project")
            continue
        if now.spec.kind != lever["kind"] or canonical_json(dict(now.spec.parameters)) != canonical_json(
                lever["parameters"]):
            problems.append(f"the lever of set '{name}' changed since export ({lever['kind']} "
                            f"{lever['parameters']} -> {now.spec.kind} {dict(now.spec.parameters)})")
        try:
            values = assumption_service.set_hash(project, name)
        except NotFoundError:
            problems.append(f"lever set '{name}' of the avoided emissions no longer exists in the project")
            continue
        if values != lever["assumption_set_sha256"]:
            problems.append(f"the values of lever set '{name}' changed since export")
        if distribution_service.snapshot(project, name).sha256 != lever["distributions_sha256"]:
            problems.append(f"the distributions of lever set '{name}' changed since export")
    return problems
