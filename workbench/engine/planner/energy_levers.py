"""Levers on where and when energy is used: time shifting, relocation and facility efficiency.

A different PUE is applied by scaling the run's energy below the facility level by the new PUE
over the PUE the set applies in that hour (its value, or the site's metered hourly PUE). The
engine then multiplies by the set's PUE again, so facility energy uses the new PUE, and in Monte
Carlo the new PUE carries the set's PUE uncertainty, fully correlated with it.
"""

from __future__ import annotations

import numpy as np

from workbench.clock import epoch_to_text
from workbench.engine.planner.context import (LeverEffect, PlanContext, ScenarioPair, facility_profile,
                                              select_runs)
from workbench.engine.planner.levers import LeverSpec, moment_seconds
from workbench.engine.planner.scenario import (Scenario, add_facility_energy, copy_assets, move_run, scale_levels,
                                               shift_run)
from workbench.engine.planner.shifting import ShiftSearch, search_starts
from workbench.engine.runs import HOUR_S, RunInput
from workbench.errors import UsageError

PUE_UNCERTAINTY = ("the new PUE is taken to carry the set's PUE uncertainty, fully correlated with it")
FACILITY_LEVEL = ("energy recorded at the facility level (all-in figures such as colocation invoices) keeps its "
                  "overhead, because its PUE is not known")


def effective_pue(run: RunInput, scenario: Scenario, ctx: PlanContext) -> np.ndarray:
    """Return the PUE the set applies to each of the run's hours: metered where used and available, else its value."""
    a = ctx.assumptions
    pue = np.full(len(run.hours), a.pue)
    metered = scenario.metered_pue.get(run.site or "")
    if a.pue_source == "metered" and metered is not None:
        values = metered.at(run.hours)
        pue = np.where(np.isnan(values), a.pue, values)
    return pue


# -- time shifting ------------------------------------------------------------------------------------

def time_shift(spec: LeverSpec, pair: ScenarioPair, ctx: PlanContext) -> LeverEffect:
    """Move each selected run (or its flexible share) to the chosen start inside its window."""
    scenario = pair.with_lever
    prepared = ctx.prepare(scenario)
    flexible = float(spec.value("flexible_share"))
    changed: dict[int, RunInput] = {}
    details: list[dict] = []
    zones: set[str] = set()
    for index in select_runs(spec, scenario.runs):
        run = scenario.runs[index]
        if not len(run.hours):
            continue
        offset, rows = _shift_one(spec, prepared, index, run, ctx, flexible)
        details.extend(rows)
        if offset is not None:
            changed[index] = shift_run(run, offset, flexible)
            zones.add(ctx.zone(run) or "")
    details.extend(_shift_totals(details))
    return LeverEffect(ScenarioPair(pair.without, scenario.with_runs(changed)), tuple(details),
                       _shift_dependencies(spec, zones, flexible), _shift_notes(spec, ctx))


def _shift_totals(rows: list[dict]) -> list[dict]:
    """Sum best, median and chosen avoided emissions over the moved runs, per intensity basis."""
    totals = []
    for basis in ("average", "marginal"):
        moved = [row for row in rows if row.get("basis") == basis]
        if moved:
            totals.append({"run": "(all moved runs)", "basis": basis, "runs": len(moved),
                           **{key: float(sum(row[key] for row in moved))
                              for key in ("best_avoided_co2e_kg", "median_avoided_co2e_kg", "chosen_avoided_co2e_kg")}})
    return totals


def _shift_one(spec: LeverSpec, prepared, index: int, run: RunInput, ctx: PlanContext, flexible: float
               ) -> tuple[int | None, list[dict]]:
    """Return the chosen offset of one run (None if it cannot move) and its detail rows per basis."""
    profile, first = facility_profile(prepared, index, ctx.assumptions)
    window_start, window_end = _window(spec, run, first, len(profile))
    zone = ctx.zone(run)
    searches: dict[str, ShiftSearch | None] = {
        basis: search_starts(profile, first, window_start, window_end, tables.get(zone) if zone else None, basis)
        for basis, tables in (("average", ctx.location_tables), ("marginal", ctx.marginal_tables))}
    common = {"run": run.name, "zone": zone, "window_start_utc": epoch_to_text(window_start),
              "window_end_utc": epoch_to_text(window_end), "flexible_share": flexible}
    if window_start > first or window_end < first + len(profile) * HOUR_S:
        return None, [dict(common, status="not moved: the window does not contain the run's hours")]
    deciding = searches.get(spec.value("basis")) or searches["average"]
    if deciding is None:
        return None, [dict(common, status="not moved: the run's hours lack hourly factors in its window")]
    requested = spec.value("offset_hours")
    offset = deciding.best_offset_h if requested is None else int(requested)
    if deciding.at(offset) is None:
        return None, [dict(common, status=f"not moved: a shift of {offset} h leaves the window or its hourly "
                                          "factors")]
    rows = [dict(common, status="moved", decided_by=deciding.basis, **_partial(search.summary(offset), flexible))
            for search in searches.values() if search is not None]
    return offset, rows


def _window(spec: LeverSpec, run: RunInput, first: float, length: int) -> tuple[float, float]:
    start = run.start_s if run.start_s is not None else first
    end = run.end_s if run.end_s is not None else first + length * HOUR_S
    slack = float(spec.value("window_hours")) * HOUR_S
    window_start = moment_seconds(spec.value("window_start"))
    window_end = moment_seconds(spec.value("window_end"))
    return (start - slack if window_start is None else window_start,
            end + slack if window_end is None else window_end)


def _partial(summary: dict, flexible: float) -> dict:
    """Scale a full-profile search summary to a move of only ``flexible`` of each hour's energy."""
    actual = summary["actual_co2e_kg"]
    result = dict(summary)
    for key in ("best_co2e_kg", "median_co2e_kg", "chosen_co2e_kg"):
        if result[key] is not None:
            result[key] = actual + flexible * (result[key] - actual)
    for key in ("best_avoided_co2e_kg", "median_avoided_co2e_kg", "chosen_avoided_co2e_kg"):
        if result[key] is not None:
            result[key] = flexible * result[key]
    return result


def _shift_dependencies(spec: LeverSpec, zones: set[str], flexible: float) -> tuple[str, ...]:
    window = (f"window {spec.value('window_start')} to {spec.value('window_end')}"
              if spec.value("window_start") or spec.value("window_end")
              else f"window of {spec.value('window_hours'):g} h before the start and after the end")
    chosen = ("each run's best start" if spec.value("offset_hours") is None
              else f"a shift of {spec.value('offset_hours'):g} h")
    return (f"hourly location-based factors of {', '.join(sorted(zones)) or 'no zone'}", window,
            f"{flexible:.0%} of each hour's energy can move", f"chosen start: {chosen}")


def _shift_notes(spec: LeverSpec, ctx: PlanContext) -> tuple[str, ...]:
    notes = ["best, median and chosen starts are all reported: the best start uses realised intensities a scheduler "
             "only forecasts, and the median start is what an uninformed choice would save"]
    if not ctx.marginal_tables:
        notes.append("no marginal (consequential) intensity series is in the project, so only the attributional "
                     "saving is shown")
    return tuple(notes)


# -- relocation -----------------------------------------------------------------------------------------

def relocation(spec: LeverSpec, pair: ScenarioPair, ctx: PlanContext) -> LeverEffect:
    """Run the selected runs' energy profile in another zone or at another site (its factors and PUE)."""
    scenario = pair.with_lever
    target, zone = _target(spec, ctx)
    new_pue = spec.value("pue")
    changed: dict[int, RunInput] = {}
    details = []
    for index in select_runs(spec, scenario.runs):
        run = scenario.runs[index]
        scenario, moved = _relocated(spec, scenario, run, target, zone)
        if new_pue is not None:
            moved = scale_levels(moved, new_pue / effective_pue(moved, scenario, ctx))
        changed[index] = add_facility_energy(moved, float(spec.value("transfer_kwh")))
        details.append({"run": run.name, "from_site": run.site, "from_zone": ctx.zone(run), "to_site": moved.site,
                        "to_zone": zone, "pue": new_pue})
    notes = ["the runs keep their hardware, so embodied emissions change only with the time they use it; the "
             "accelerator lever covers other hardware",
             "territorial effects (added demand on the local grid, water for cooling) are not in the figure; "
             "describe them in the relocation narrative"]
    if ctx.assumptions.factor_zone:
        notes.append(f"the set's factor_zone override ({ctx.assumptions.factor_zone}) applies to every run, so the "
                     "relocation changes only the PUE")
    if new_pue is not None:
        notes += [PUE_UNCERTAINTY, FACILITY_LEVEL]
    depends = (f"location-based factors of zone {zone}",
               f"PUE at the new location: {new_pue:g}" if new_pue is not None else "PUE as in the set",
               f"data transfer energy {float(spec.value('transfer_kwh')):g} kWh per run")
    return LeverEffect(ScenarioPair(pair.without, scenario.with_runs(changed)), tuple(details), depends, tuple(notes))


def _target(spec: LeverSpec, ctx: PlanContext) -> tuple[str | None, str]:
    to_site, zone = spec.value("to_site"), spec.value("zone")
    if not to_site and not zone:
        raise UsageError("lever relocation needs a zone or a to_site", hint="Write relocation:zone=SE or "
                                                                          "relocation:to_site=NAME.")
    if to_site and to_site not in ctx.sites:
        raise UsageError(f"lever relocation: no site named '{to_site}'",
                         hint=f"Sites: {', '.join(sorted(ctx.sites)) or 'none'}.")
    zone = zone or ctx.sites[to_site].zone
    if not zone:
        raise UsageError(f"lever relocation: site '{to_site}' has no grid zone", hint="Set the site's zone first.")
    return to_site, zone


def _relocated(spec: LeverSpec, scenario: Scenario, run: RunInput, target: str | None, zone: str
               ) -> tuple[Scenario, RunInput]:
    """Return the scenario (with a what-if site for ``target`` if needed) and the run moved there."""
    if target is None:
        return scenario, move_run(run, site=run.site, zone=zone, pue_category=run.pue_category)
    name = f"{target} (relocated from {run.site or 'no site'})"
    known = {asset.site for asset in scenario.assets} | set(scenario.metered_pue)
    if name not in known:
        metered = None if spec.value("pue") is not None else scenario.metered_pue.get(target)
        scenario = scenario.with_site(name, metered, copy_assets(scenario.assets, run.site, name))
    category = _site_category(scenario, target, run)
    return scenario, move_run(run, site=name, zone=zone, pue_category=category)


def _site_category(scenario: Scenario, target: str, run: RunInput) -> str | None:
    metered = scenario.metered_pue.get(target)
    return metered.category if metered is not None and metered.category else run.pue_category


# -- facility efficiency --------------------------------------------------------------------------------

def facility_efficiency(spec: LeverSpec, pair: ScenarioPair, ctx: PlanContext) -> LeverEffect:
    """Give one site a lower PUE from a date on, for every run at that site."""
    scenario = pair.with_lever
    site = _efficiency_site(spec, scenario)
    new_pue = float(spec.value("pue"))
    start = moment_seconds(spec.value("from"))
    changed: dict[int, RunInput] = {}
    hours = 0
    current = []
    for index, run in enumerate(scenario.runs):
        if run.site != site or not len(run.hours):
            continue
        mask = np.ones(len(run.hours), dtype=bool) if start is None else run.hours >= start
        pue = effective_pue(run, scenario, ctx)
        changed[index] = scale_levels(run, new_pue / pue, mask)
        hours += int(mask.sum())
        current.extend(pue[mask].tolist())
    mean_pue = float(np.mean(current)) if current else None
    details = ({"site": site, "from_utc": spec.value("from"), "runs": len(changed), "run_hours": hours,
                "current_pue_mean": mean_pue, "new_pue": new_pue},)
    depends = (f"PUE {new_pue:g} at {site}" + (f" from {spec.value('from')}" if start is not None else ""),
               "current PUE " + ("metered per hour" if ctx.assumptions.pue_source == "metered" else
                                 f"{ctx.assumptions.pue:g} from the set"))
    return LeverEffect(ScenarioPair(pair.without, scenario.with_runs(changed)), details, depends,
                       (PUE_UNCERTAINTY, FACILITY_LEVEL))


def _efficiency_site(spec: LeverSpec, scenario: Scenario) -> str:
    sites = sorted({run.site for run in scenario.runs if run.site})
    site = spec.value("site")
    if site is None:
        if len(sites) != 1:
            raise UsageError("lever facility_efficiency needs a site", hint=f"Sites with runs: {', '.join(sites)}.")
        return sites[0]
    if site not in sites:
        raise UsageError(f"lever facility_efficiency: no run is at site '{site}'",
                         hint=f"Sites with runs: {', '.join(sites) or 'none'}.")
    return site
