"""Computing footprints from a project: load once, then recompute per assumption set.

:class:`FootprintModel` reads the project's runs (with telemetry or declared), hourly energy,
factors, assets and site meters into the engine's prepared form. A run's hourly energy is what
imports stored for it plus the GPU-hours its allocations attribute to it (see
:func:`workbench.project.inventory_repo.run_hour_levels`); its declaration is used only when
neither exists. The GUI keeps one model per open project and calls
:meth:`FootprintModel.compute` on every assumption change; the CLI builds one per command.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench import __version__
from workbench.clock import text_to_epoch
from workbench.engine import reconcile
from workbench.engine.assumptions import Assumptions
from workbench.engine.embodied import AssetInput
from workbench.engine.factors import FactorTable, factor_tables
from workbench.engine.footprint import LEVELS, FootprintResult, PreparedFootprint, RunInput, declared_run, prepare
from workbench.engine.periods import Period, parse_period
from workbench.errors import NotFoundError
from workbench.project import energy_totals, inventory_repo, repo
from workbench.project.energy_totals import StoredRunEnergy
from workbench.project.store import Project
from workbench.services import assumptions as assumption_service
from workbench.services import inventory_inputs

log = logging.getLogger(__name__)


def reporting_period(text: str | None) -> Period | None:
    """Parse a reporting period given as text (see :func:`workbench.engine.periods.parse_period`); None stays None."""
    return parse_period(text) if text else None


def _quality_by_run(summary: pd.DataFrame) -> dict[int, dict[str, dict[str, float]]]:
    result: dict[int, dict[str, dict[str, float]]] = {}
    grouped = summary.groupby(["run_id", "level", "quality"])["energy_kwh"].sum()
    for (run_id, level, quality), kwh in grouped.items():
        result.setdefault(int(run_id), {}).setdefault(level, {})[quality] = float(kwh)
    return result


def energy_by_source(summary: pd.DataFrame) -> pd.DataFrame:
    """Collapse the energy summary to one row per run, source and level, for reconciliation."""
    if summary.empty:
        return summary.assign(devices="")
    grouped = summary.groupby(["run_id", "run", "source_id", "source", "kind", "level"], as_index=False)
    frame = grouped.agg(energy_kwh=("energy_kwh", "sum"), hours=("hours", "max"), first_hour=("first_hour", "min"),
                        last_hour=("last_hour", "max"), devices=("devices", lambda items: ",".join(items)))
    return frame


def _device_counts(summary: pd.DataFrame) -> dict[int, int]:
    counts = {}
    for run_id, devices in summary.groupby("run_id")["devices"]:
        counts[int(run_id)] = len({item for text in devices for item in str(text).split(",") if item})
    return counts


def load_run_inputs(project: Project, summary: pd.DataFrame | None = None,
                    stored: StoredRunEnergy | None = None) -> list[RunInput]:
    """Return every run of the project as an engine input; runs with telemetry use it, others their declaration.

    ``stored`` (from :func:`workbench.project.energy_totals.read`) replaces grouping the energy rows.
    """
    runs = repo.list_runs(project.conn)
    if summary is None:
        summary = inventory_repo.run_energy_summary(project.conn, None if stored is None else stored.summary)
    hour_levels = inventory_repo.run_hour_levels(project.conn, None if stored is None else stored.hour_levels)
    hourly = _hourly_levels_by_run(hour_levels)
    devices = _device_counts(summary)
    declared = inventory_inputs.load_declared(project)
    models = inventory_repo.run_models(project.conn)
    sites = repo.list_sites(project.conn)
    categories = dict(zip(sites["name"], sites["pue_category"]))
    quality = _quality_by_run(summary)
    gaps = summary.groupby("run_id").agg(gap_seconds=("gap_seconds", "sum"), min_coverage=("min_coverage", "min"))
    inputs = []
    for run in runs.itertuples(index=False):
        start, end = text_to_epoch(run.start_utc), text_to_epoch(run.end_utc)
        common = {"kind": run.kind, "site": run.site, "zone": run.grid_zone, "model": models.get(run.id),
                  "pue_category": categories.get(run.site) or None}
        if run.id not in hourly and run.id in declared and start is not None and end is not None:
            inputs.append(declared_run(int(run.id), run.name, declared[run.id], start_s=start, end_s=end, **common))
            continue
        hours, levels, gpu_part = hourly.get(run.id, _EMPTY)
        tokens = run.functional_unit_amount if run.functional_unit == "tokens" else None
        inputs.append(RunInput(
            run_id=int(run.id), name=run.name, start_s=start, end_s=end, gpu_count=int(devices.get(run.id, 0)),
            hours=hours, energy_kwh=levels, gpu_part_kwh=gpu_part, functional_unit=run.functional_unit,
            functional_unit_amount=run.functional_unit_amount, quality_kwh=quality.get(int(run.id)),
            gap_seconds=float(gaps["gap_seconds"].get(run.id, 0.0)),
            min_coverage=float(gaps["min_coverage"][run.id]) if run.id in gaps.index else None,
            tokens=None if tokens is None or pd.isna(tokens) else float(tokens), **common))
    return inputs


_EMPTY = (np.empty(0, dtype=np.int64), {level: np.empty(0) for level in LEVELS}, np.empty(0))


def _hourly_levels_by_run(frame: pd.DataFrame) -> dict[int, tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]]:
    """Split run-hour-level rows into per-run arrays: hour starts, kWh per level, GPU-only kWh."""
    if frame.empty:
        return {}
    frame = frame.sort_values(["run_id", "hour_utc"], kind="stable")
    run = frame["run_id"].to_numpy(np.int64)
    hour = frame["hour_utc"].to_numpy(np.int64)
    code = frame["level"].map({level: index for index, level in enumerate(LEVELS)}).to_numpy(np.int64)
    new_pair = np.r_[True, (run[1:] != run[:-1]) | (hour[1:] != hour[:-1])]
    pair = np.cumsum(new_pair) - 1
    pairs = int(pair[-1]) + 1
    kwh = frame["energy_wh"].to_numpy(float) / 1000.0
    levels = [np.bincount(pair[code == index], weights=kwh[code == index], minlength=pairs)
              for index in range(len(LEVELS))]
    gpu = np.bincount(pair, weights=frame["gpu_energy_wh"].to_numpy(float) / 1000.0, minlength=pairs)
    pair_run, pair_hour = run[new_pair], hour[new_pair]
    bounds = np.r_[np.flatnonzero(np.r_[True, pair_run[1:] != pair_run[:-1]]), pairs]
    result = {}
    for first, last in zip(bounds[:-1], bounds[1:]):
        result[int(pair_run[first])] = (pair_hour[first:last], {level: levels[index][first:last]
                                                                  for index, level in enumerate(LEVELS)},
                                        gpu[first:last])
    return result


def load_assets(project: Project) -> list[AssetInput]:
    assets = repo.list_assets(project.conn)
    result = []
    for asset in assets.itertuples(index=False):
        start = asset.in_service or asset.acquired
        result.append(AssetInput(
            asset_id=int(asset.id), item=asset.item, category=asset.category, quantity=float(asset.quantity),
            embodied_kg_per_unit=float(asset.embodied_co2e_kg_per_unit),
            service_start_s=pd.Timestamp(start, tz="UTC").timestamp(), lifetime_years=float(asset.lifetime_years),
            site=asset.site, usage_rate=None if pd.isna(asset.usage_rate) else float(asset.usage_rate),
            acquired_s=pd.Timestamp(asset.acquired, tz="UTC").timestamp(), embodied_source=asset.embodied_source))
    return result


def factors_of_basis(factors: pd.DataFrame, basis: str) -> pd.DataFrame:
    """Keep the factors of one basis (a factor dataset's ``basis``), one per zone, resolution and period.

    When two imported datasets of that basis give the same zone, resolution and period start, the
    one imported later is used.
    """
    chosen = factors[factors["basis"] == basis]
    chosen = chosen.sort_values(["source_id", "id"], kind="stable")
    return chosen.drop_duplicates(["zone", "resolution", "period_start"], keep="last").reset_index(drop=True)


def location_factors(factors: pd.DataFrame) -> pd.DataFrame:
    """Keep the location-based factors a footprint uses (see :func:`factors_of_basis`).

    Residual-mix, supplier and marginal datasets belong to the market-based Scope 2 and to
    avoided-emissions estimates, never to a footprint.
    """
    return factors_of_basis(factors, "location")


class FootprintModel:
    """A project's inputs prepared once for repeated footprint computations."""

    def __init__(self, project: Project, *, stored_totals: bool = True) -> None:
        """Read ``project``'s inputs, the run energy from the stored totals when ``stored_totals`` and they are current.

        Stored totals are current when their digests match the energy table. Otherwise, or with
        ``stored_totals=False``, the energy rows are grouped here, which takes seconds for
        millions of rows. ``uses_stored_totals`` records which was read.
        """
        self.project_name = project.name
        self.factors = repo.list_factors(project.conn)
        self.sites = inventory_inputs.load_site_inputs(project)
        stored = energy_totals.read(project.conn) if stored_totals else None
        self.uses_stored_totals = stored is not None
        summary = inventory_repo.run_energy_summary(project.conn, None if stored is None else stored.summary)
        self.prepared: PreparedFootprint = prepare(load_run_inputs(project, summary, stored),
                                                   location_factors(self.factors),
                                                   load_assets(project), inventory_inputs.load_metered_pue(self.sites))
        self.run_index = {run.name: index for index, run in enumerate(self.prepared.inputs)}
        self.energy_by_source = energy_by_source(summary)
        self.declarations = inventory_inputs.load_declared(project)
        self.published_totals = inventory_repo.published_totals(project.conn)
        log.info("prepared footprint model: %d runs, %d factor zones, %d assets", len(self.prepared.runs),
                 len(self.prepared.factor_tables), len(self.prepared.assets))

    def selection(self, run: str | None = None, model: str | None = None) -> list[int] | None:
        """Return the indices of one run or of the runs of one model; None selects every run."""
        if run is not None:
            if run not in self.run_index:
                raise NotFoundError(f"no run named '{run}'", hint=f"Runs: {', '.join(self.run_index) or 'none'}.")
            return [self.run_index[run]]
        if model is not None:
            chosen = [i for i, item in enumerate(self.prepared.inputs) if item.model == model]
            if not chosen:
                known = sorted({item.model for item in self.prepared.inputs if item.model})
                raise NotFoundError(f"no runs belong to model '{model}'", hint=f"Models: {', '.join(known) or 'none'}.")
            return chosen
        return None

    def basis_tables(self, basis: str) -> dict[str, FactorTable]:
        """Return the project's factors of ``basis`` (residual_mix, marginal ...) as one table per zone."""
        return factor_tables(factors_of_basis(self.factors, basis), basis)

    def compute(self, assumptions: Assumptions, period: Period | None = None,
                selection: list[int] | None = None) -> FootprintResult:
        return self.prepared.compute(assumptions, period, selection)

    def hourly(self, assumptions: Assumptions) -> pd.DataFrame:
        """Facility energy and operational emissions per run and UTC hour, from series prepared on first use."""
        from workbench.services.chart_series import HourlySeries

        series = getattr(self, "_hourly_series", None)
        if series is None:  # two threads building it at once build the same thing
            series = self._hourly_series = HourlySeries(self.prepared)
        return series.frame(assumptions)


@dataclass(frozen=True)
class ComputeOutcome:
    """A footprint result with the project and assumption set it was computed from."""

    project: str
    assumption_set: str
    assumption_set_sha256: str
    result: FootprintResult
    selection: dict[str, str | None] = field(default_factory=dict)
    findings: tuple[reconcile.Finding, ...] = ()
    counterfactuals: tuple[dict, ...] = ()

    @property
    def view(self) -> str:
        return self.result.view

    @property
    def totals(self) -> dict[str, float]:
        return self.result.totals

    def as_json(self) -> dict[str, Any]:
        """Return the CLI's JSON object: project, assumption_set, view, runs and totals, plus added keys."""
        result = self.result
        return {
            "project": self.project,
            "assumption_set": self.assumption_set,
            "assumption_set_sha256": self.assumption_set_sha256,
            "view": result.view,
            "period": result.period.as_dict() if result.period else None,
            "selection": self.selection,
            "assumptions": result.assumptions.as_dict(),
            "runs": [run.as_dict() for run in result.runs],
            "totals": result.totals,
            "factor_resolution_kwh": result.factor_resolution_kwh,
            "by_kind": result.by_kind(),
            "models": result.by_model(),
            "reconciliation": [finding.as_dict() for finding in self.findings],
            "avoided_emissions": list(self.counterfactuals),
            "disclosures": footprint_disclosures(result),
            "warnings": list(result.warnings),
            "software": {"name": "carbon-workbench", "version": __version__},
        }


def footprint_disclosures(result: FootprintResult) -> list[str]:
    """Return the statements a footprint is reported with: boundary, method and what rests on estimates."""
    a = result.assumptions
    notes = ["location-based average intensity (SCI excludes contractual instruments and offsets)",
             f"embodied emissions: {a.embodied_method} method"
             + (" (accelerator dies only, a lower bound)" if a.embodied_method == "llmcarbon" else "")]
    declared = [run.name for run in result.inputs if run.declared is not None]
    if declared:
        notes.append(f"{len(declared)} run(s) use declared energy, an estimate: {', '.join(declared[:10])}")
    computed = [run.name for run in result.inputs if run.declared is not None and run.declared.method == "compute"]
    if computed:
        notes.append(f"estimated from compute (FLOPs, peak FLOP/s and MFU): {', '.join(computed[:10])}")
    unknown = sorted({run.site or "(no site)" for run, category in zip(result.inputs, result.columns["pue_category"])
                      if not category})
    if unknown:
        notes.append(f"PUE measurement category unknown at {', '.join(unknown)}: node energy is taken to be "
                     "measured where the PUE measures IT energy (no distribution losses added); set the site's "
                     "PUE category")
    gaps = [(run.name, run.gap_seconds / 3600.0, run.min_coverage) for run in result.inputs if run.gap_seconds > 0]
    if gaps:
        listing = ", ".join(f"{name} {hours:,.2f} GPU-h" + (f" (lowest hourly coverage {coverage:.0%})"
                                                             if coverage is not None else "")
                            for name, hours, coverage in gaps[:10])
        notes.append(f"telemetry gaps without readings, whose energy is missing from the totals: {listing}")
    total = result.totals.get("total_co2e_kg", 0.0)
    if total > 0:
        notes.append(f"{result.totals['estimated_share']:.1%} of the total rests on estimates and "
                     f"{result.totals['defaulted_share']:.1%} on shipped defaults")
    return notes


def compute_footprint(project: Project, set_name: str = assumption_service.DEFAULT_SET,
                      model: FootprintModel | None = None, *, period: Period | None = None,
                      run: str | None = None, model_name: str | None = None) -> ComputeOutcome:
    """Compute the footprint of every run in ``project`` (or one run, or one model's runs) under ``set_name``."""
    from workbench.services import reconciliation

    assumptions = assumption_service.snapshot(project, set_name)
    model = model or FootprintModel(project)
    result = model.compute(assumptions, period, model.selection(run, model_name))
    findings = reconciliation.footprint_findings(model, result)
    return ComputeOutcome(project.name, set_name, assumption_service.set_hash(project, set_name), result,
                          {"run": run, "model": model_name}, tuple(findings))
