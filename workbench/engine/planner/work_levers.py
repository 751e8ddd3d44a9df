"""Levers on the work itself: efficient accelerators, reuse instead of retraining, experiment discipline."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from workbench.engine.embodied import GPU_CATEGORIES, AssetInput
from workbench.engine.planner.context import LeverEffect, PlanContext, ReuseRecord, ScenarioPair, select_runs
from workbench.engine.planner.levers import LeverSpec
from workbench.engine.planner.scenario import (Scenario, copy_assets, move_run, scale_work, stretch_run,
                                               truncate_run, with_accelerators)
from workbench.engine.runs import RunInput, declared_run
from workbench.errors import UsageError

DEFAULT_LIFETIME_YEARS = 5.0
END_OF_LIFE = ("end of life of the replaced hardware (reuse, recycling, e-waste) is not in the figure; describe it "
               "in the hardware end-of-life narrative")


# -- efficient accelerators ------------------------------------------------------------------------------

def energy_ratio(spec: LeverSpec) -> float:
    """Return energy on the new hardware over energy on the current one for the same work."""
    ratio = spec.value("energy_ratio")
    if ratio is not None:
        return float(ratio)
    current, new = spec.value("current_j_per_unit"), spec.value("new_j_per_unit")
    if current and new is not None:
        return float(new) / float(current)
    raise UsageError("lever accelerator needs energy_ratio, or current_j_per_unit and new_j_per_unit",
                     hint="Give measured or published energy per FLOP or per token of both accelerators, or name "
                          "both with current= and new=.")


def accelerator(spec: LeverSpec, pair: ScenarioPair, ctx: PlanContext) -> LeverEffect:
    """Do the selected runs' work on other hardware: energy x ratio, duration x ratio, new embodied emissions."""
    ratio = energy_ratio(spec)
    time_ratio = float(spec.value("time_ratio") or 1.0)
    embodied = spec.value("embodied_kg_per_accelerator")
    if embodied is None:
        raise UsageError("lever accelerator needs the embodied emissions of the new accelerator",
                         hint="Give library_entry= (hardware library), asset= (a procurement record) or "
                              "embodied_kg_per_accelerator= with embodied_source=.")
    label = spec.value("new") or "other hardware"

    scenario = pair.with_lever
    by_site: dict[str | None, list[int]] = defaultdict(list)
    for index in select_runs(spec, scenario.runs):
        by_site[scenario.runs[index].site].append(index)
    changed: dict[int, RunInput] = {}
    details = []
    for site, indices in by_site.items():
        scenario, name, fleet = _hardware_site(spec, scenario, site, indices, label, float(embodied))
        for index in indices:
            run = scenario.runs[index]
            moved = stretch_run(scale_work(run, ratio), time_ratio)
            if spec.value("accelerators") is not None:
                moved = with_accelerators(moved, int(spec.value("accelerators")))
            changed[index] = move_run(moved, site=name, zone=run.zone, pue_category=run.pue_category)
        charged = any(asset.site == name for asset in scenario.assets)
        details.append({"site": site, "what_if_site": name, "runs": [scenario.runs[i].name for i in indices],
                        "energy_ratio": ratio, "time_ratio": time_ratio, "fleet": fleet,
                        "embodied_kg_per_accelerator": float(embodied) if charged else None,
                        "lifetime_years": _lifetime(spec),
                        "embodied": "new hardware charged" if charged else
                        "not charged: the site has no procurement records, so no embodied emissions are charged "
                        "for its current hardware either"})

    depends = (f"energy ratio {ratio:.4g} for the same work" + _ratio_source(spec),
               f"duration ratio {time_ratio:.4g}",
               f"embodied {float(embodied):,.6g} kgCO2e per new accelerator ({spec.value('embodied_source') or 'source not given'}), "
               f"{_lifetime(spec):g}-year life")
    notes = ("host, network and cooling energy are taken to scale with the accelerators' energy",
             "the new accelerators' embodied emissions are amortized over the runs like the current hardware's",
             END_OF_LIFE)
    return LeverEffect(ScenarioPair(pair.without, scenario.with_runs(changed)), tuple(details), depends, notes)


def _ratio_source(spec: LeverSpec) -> str:
    if spec.value("energy_ratio") is not None:
        return ""
    unit = spec.value("unit")
    return (f" ({spec.value('new_j_per_unit'):.4g} J per {unit} on the new hardware over "
            f"{spec.value('current_j_per_unit'):.4g} J per {unit} on the current hardware)")


def _lifetime(spec: LeverSpec) -> float:
    return float(spec.value("lifetime_years") or DEFAULT_LIFETIME_YEARS)


def _hardware_site(spec: LeverSpec, scenario: Scenario, site: str | None, indices: list[int], label: str,
                   embodied_kg: float) -> tuple[Scenario, str, float]:
    """Add a what-if site: ``site``'s records minus the replaced categories, plus the new accelerators."""
    name = f"{site or 'no site'} on {label}"
    replaced = tuple(spec.value("replaces"))
    current_gpus = sum(asset.quantity for asset in scenario.assets
                       if asset.site == site and asset.category in GPU_CATEGORIES)
    counts = [spec.value("accelerators") or scenario.runs[i].gpu_count for i in indices]
    fleet = float(spec.value("fleet") or current_gpus or max(counts) or 1)
    starts = [scenario.runs[i].start_s for i in indices if scenario.runs[i].start_s is not None]
    starts += [float(scenario.runs[i].hours[0]) for i in indices if len(scenario.runs[i].hours)]
    new = AssetInput(asset_id=-1 - len(scenario.assets), item=f"{label} (what-if)", category="gpu", quantity=fleet,
                     embodied_kg_per_unit=embodied_kg, service_start_s=min(starts) if starts else 0.0,
                     lifetime_years=_lifetime(spec), site=name,
                     embodied_source=spec.value("embodied_source") or "what-if accelerator")
    recorded = [asset for asset in scenario.assets if asset.site is None or asset.site == site]
    # A site without procurement records charges no embodied emissions now (the footprint warns
    # about it), so charging the new hardware there would compare unlike with unlike.
    assets = copy_assets(scenario.assets, site, name, skip_categories=replaced) + ([new] if recorded else [])
    return scenario.with_site(name, scenario.metered_pue.get(site or ""), assets), name, fleet


# -- reuse instead of retraining --------------------------------------------------------------------------

def reuse(spec: LeverSpec, pair: ScenarioPair, ctx: PlanContext) -> LeverEffect:
    """Compare runs that reused an earlier model with training from scratch, and the reverse for retrained runs."""
    names = spec.value("runs")
    records = [record for name, record in sorted(ctx.reuse.items()) if not names or name in names]
    if not records:
        raise UsageError("lever reuse: no run has a reuse record",
                         hint="Record one with carbon-workbench plan PROJECT --mark-reuse or the planner service.")
    index_of = {run.name: index for index, run in enumerate(pair.with_lever.runs)}
    without, with_lever = pair.without, pair.with_lever
    details = []
    for record in records:
        if record.run not in index_of:
            raise UsageError(f"reuse record for run '{record.run}', which is not in the project")
        index = index_of[record.run]
        alternative = _alternative_run((without if record.realised else with_lever).runs[index], record)
        if record.realised:
            without = without.with_runs({index: alternative})
        else:
            with_lever = with_lever.with_runs({index: alternative})
        details.append({"run": record.run, "relation": record.relation, "base_model": record.base_model,
                        "realised": record.realised, "alternative": "training from scratch" if record.realised
                        else f"reusing {record.base_model or 'an earlier model'}",
                        "alternative_method": record.alternative.method, "source": record.source})
    depends = tuple(f"declared cost of the alternative to {record.run}: {record.source}" for record in records)
    notes = ("the earlier model's own training is not charged again: it was reported when it was trained",
             "realised savings (fine-tuned or distilled runs) are already below what training from scratch would "
             "have emitted; they are avoided emissions, not a deduction")
    return LeverEffect(ScenarioPair(without, with_lever), tuple(details), depends, notes)


def _alternative_run(run: RunInput, record: ReuseRecord) -> RunInput:
    return declared_run(run.run_id, run.name, record.alternative, start_s=record.start_s, end_s=record.end_s,
                        kind=run.kind, site=run.site, zone=run.zone, model=run.model, pue_category=run.pue_category)


# -- experiment discipline -------------------------------------------------------------------------------

def experiments(spec: LeverSpec, pair: ScenarioPair, ctx: PlanContext) -> LeverEffect:
    """Cap experiments' energy per model at a share of its final runs', and stop failed runs early."""
    cap, stop = spec.value("cap_share"), spec.value("stop_failed_after")
    if cap is None and stop is None:
        raise UsageError("lever experiments needs cap_share, stop_failed_after or both",
                         hint="Write for example experiments:cap_share=0.2,stop_failed_after=0.3.")
    scenario = pair.with_lever
    result = ctx.prepare(scenario).compute(ctx.assumptions)
    facility = result.columns["facility_energy_kwh"]
    keep = np.ones(len(scenario.runs))
    if stop is not None:
        for index, run in enumerate(scenario.runs):
            if run.kind == "failed":
                keep[index] = float(stop)
    notes = ["a cap stops each capped run at the same share of its energy, because no record says which "
             "experiments a budget would have dropped"]
    if cap is not None:
        notes += _cap(scenario, facility, keep, float(cap), tuple(spec.value("kinds")))
    changed = {index: truncate_run(run, keep[index]) for index, run in enumerate(scenario.runs) if keep[index] < 1.0}
    details = _kind_shares(result) + [{"run": run.name, "kind": run.kind, "model": run.model,
                                       "energy_share_kept": float(keep[index])}
                                      for index, run in enumerate(scenario.runs) if keep[index] < 1.0]
    depends = []
    if cap is not None:
        depends.append(f"cap on {'+'.join(spec.value('kinds'))} runs at {float(cap):.0%} of the final runs' "
                       "facility energy per model")
    if stop is not None:
        depends.append(f"failed runs stopped after {float(stop):.0%} of their energy (failures detectable by then)")
    return LeverEffect(ScenarioPair(pair.without, scenario.with_runs(changed)), tuple(details), tuple(depends),
                       tuple(notes))


def _cap(scenario: Scenario, facility: np.ndarray, keep: np.ndarray, cap: float, kinds: tuple[str, ...]
         ) -> list[str]:
    """Lower ``keep`` of the capped runs of each model so their facility energy meets the cap; return notes."""
    notes = []
    models: dict[str, list[int]] = defaultdict(list)
    for index, run in enumerate(scenario.runs):
        models[run.model or ""].append(index)
    for model, indices in models.items():
        final = sum(facility[i] * keep[i] for i in indices if scenario.runs[i].kind == "final")
        capped = [i for i in indices if scenario.runs[i].kind in kinds]
        spent = sum(facility[i] * keep[i] for i in capped)
        if not capped or spent <= 0:
            continue
        if final <= 0:
            notes.append(f"model {model or '(runs without a model)'} has no final run, so its experiments are not "
                         "capped")
            continue
        if spent > cap * final:
            for i in capped:
                keep[i] *= cap * final / spent
    return notes


def _kind_shares(result) -> list[dict]:
    """Share of the current footprint from each run kind, experiments and failed runs first."""
    total = result.totals["total_co2e_kg"]
    rows = []
    for kind, totals in result.by_kind().items():
        rows.append({"kind": kind, "total_co2e_kg": totals["total_co2e_kg"],
                     "share_of_footprint": totals["total_co2e_kg"] / total if total > 0 else None})
    order = {"experiment": 0, "failed": 1}
    return sorted(rows, key=lambda row: (order.get(row["kind"], 2), row["kind"]))
