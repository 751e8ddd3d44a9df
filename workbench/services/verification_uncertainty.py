"""Checking a report's uncertainty and comparison of assumption sets against the project.

The Monte Carlo runs are repeated with the seed the manifest records: the same project, set,
distributions, period and seed give the same trials, so every interval, P(B < A) and Shapley
value must match to the manifest's relative tolerance. When a figure differs, the problems also
name the likely cause: a distribution or a compared set that changed, or a different number of
trials (the adaptive stopping rule reached another point).
"""

from __future__ import annotations

import logging
from typing import Any

from workbench.engine.periods import Period
from workbench.engine.uncertainty.distributions import Distribution
from workbench.errors import NotFoundError
from workbench.project.store import Project
from workbench.reports.disclosure import as_plain
from workbench.reports.manifest import figures_close
from workbench.services import assumptions as assumption_service
from workbench.services import distributions as distribution_service
from workbench.services.disclosure_comparison import compare_named_sets
from workbench.services.disclosure_uncertainty import DisclosureContext, monte_carlo_uncertainty
from workbench.services.uncertainty import UncertaintyContext

log = logging.getLogger(__name__)

# A figure differs when any of these statistics differs.
FIGURE_KEYS = ("value", "mean", "median", "sd", "low", "high", "shortest_low", "shortest_high")
DELTA_KEYS = ("a", "b", "low", "high", "probability_b_below_a", "independent_low", "independent_high")
PART_KEYS = ("contribution", "switched_alone")


def uncertainty_problems(project: Project, manifest: dict, analysis: UncertaintyContext, period: Period) -> list[str]:
    """Repeat the report's Monte Carlo analysis from its seed and return every figure that differs."""
    recorded = manifest.get("uncertainty") or {}
    if manifest.get("manifest_version", 1) < 3 or not recorded.get("computed"):
        return []
    set_name = manifest["assumption_set"]
    problems = _distribution_problems(project, set_name, recorded.get("distributions") or {})
    now = monte_carlo_uncertainty(DisclosureContext(project, set_name, period, analysis, int(recorded["seed"])))
    runs = {item.view: item for item in now.simulations}
    for run in recorded.get("simulations") or []:
        current = runs.get(run["view"])
        if current is not None and current.trials != run["trials"]:
            problems.append(f"the {run['view']} Monte Carlo run stops after {current.trials:,} trials when repeated, "
                            f"but after {run['trials']:,} in the report")
    figures = {figure.key: as_plain(figure) for figure in now.figures}
    for figure in recorded.get("figures") or []:
        current = figures.get(figure["key"])
        if current is None:
            problems.append(f"the uncertainty of {figure['label']} is in the report but no longer computed")
            continue
        if any(key in figure and not figures_close(figure[key], current[key]) for key in FIGURE_KEYS):
            problems.append(f"uncertainty of {figure['label']}: the 95 % interval is {_interval(current)} when "
                            f"repeated with seed {recorded['seed']}, but {_interval(figure)} in the report")
    log.info("repeated the uncertainty analysis of %s with seed %s: %d problems", project.name, recorded["seed"],
             len(problems))
    return problems


def _interval(figure: dict) -> str:
    return f"[{figure.get('low')}, {figure.get('high')}] around the mean {figure.get('mean')}"


def _distribution_problems(project: Project, set_name: str, recorded: dict[str, Any]) -> list[str]:
    try:
        stored = distribution_service.snapshot(project, set_name).stored
    except NotFoundError:
        return []
    now = {key: item.distribution.as_dict() for key, item in stored.items()}
    return [f"the distribution of {key} in assumption set '{set_name}' changed since export "
            f"({_describe(recorded.get(key))} -> {_describe(now.get(key))})"
            for key in sorted(set(recorded) | set(now)) if recorded.get(key) != now.get(key)]


def _describe(distribution: dict | None) -> str:
    if distribution is None:
        return "the default"
    try:
        return Distribution.from_dict(distribution).describe()
    except (KeyError, TypeError, ValueError):
        return str(distribution)


def comparison_problems(project: Project, manifest: dict, analysis: UncertaintyContext, period: Period) -> list[str]:
    """Repeat the report's comparison of assumption sets from its seed and return every figure that differs."""
    recorded = manifest.get("comparison") or {}
    if manifest.get("manifest_version", 1) < 3 or not recorded.get("deltas"):
        return []
    reference = recorded["reference_set"]
    others = [item["name"] for item in recorded["sets"] if item["name"] != reference]
    problems = _set_problems(project, recorded["sets"], reference)
    if problems:
        return problems
    now = compare_named_sets(DisclosureContext(project, reference, period, analysis, int(recorded["seed"])), others)
    problems += _record_problems("difference", recorded["deltas"], [as_plain(item) for item in now.deltas],
                                 ("set_b", "view", "figure"), DELTA_KEYS)
    problems += _record_problems("Shapley share", recorded.get("decomposition") or [],
                                 [as_plain(item) for item in now.decomposition],
                                 ("set_b", "assumption", "view", "figure"), PART_KEYS)
    log.info("repeated the comparison of %s with seed %s: %d problems", project.name, recorded["seed"], len(problems))
    return problems


def _set_problems(project: Project, sets: list[dict], reference: str) -> list[str]:
    """Return the compared sets that no longer exist or whose values or distributions changed."""
    problems = []
    for item in sets:
        name = item["name"]
        try:
            values_now = assumption_service.set_hash(project, name)
        except NotFoundError:
            problems.append(f"assumption set '{name}' of the comparison no longer exists in the project")
            continue
        if name == reference:
            continue  # the checks of the reported set name its changed values and distributions
        if values_now != item["assumption_set_sha256"]:
            problems.append(f"the values of assumption set '{name}' of the comparison changed since export")
        if item.get("distributions_sha256") != distribution_service.snapshot(project, name).sha256:
            problems.append(f"the distributions of assumption set '{name}' of the comparison changed since export")
    return problems


def _record_problems(what: str, recorded: list[dict], now: list[dict], identity: tuple[str, ...],
                     keys: tuple[str, ...]) -> list[str]:
    current = {tuple(item[key] for key in identity): item for item in now}
    problems = []
    for item in recorded:
        name = ", ".join(str(item.get(key)) for key in identity)
        match = current.get(tuple(item.get(key) for key in identity))
        if match is None:
            problems.append(f"the comparison's {what} ({name}) is in the report but not in the repeated comparison")
            continue
        problems += [f"the comparison's {what} ({name}): {key} is {match[key]} when repeated, but {item.get(key)} in "
                     "the report" for key in keys if key in item and not figures_close(item[key], match[key])]
    return problems
