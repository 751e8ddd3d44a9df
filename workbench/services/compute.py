"""Computing footprints from a project: load once, then recompute per assumption set.

:class:`FootprintModel` reads the project's runs, hourly energy, factors and assets into the
engine's prepared form. The GUI keeps one model per open project and calls :meth:`compute` on
every assumption change; the CLI builds one per command.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from workbench import __version__
from workbench.clock import text_to_epoch
from workbench.engine.assumptions import Assumptions
from workbench.engine.embodied import AssetInput
from workbench.engine.footprint import LEVELS, FootprintResult, PreparedFootprint, RunInput, prepare
from workbench.project import repo
from workbench.project.store import Project
from workbench.services import assumptions as assumption_service

log = logging.getLogger(__name__)


def load_run_inputs(project: Project) -> list[RunInput]:
    runs = repo.list_runs(project.conn)
    energy = repo.run_energy(project.conn)
    devices = repo.run_device_counts(project.conn)
    inputs = []
    by_run = dict(tuple(energy.groupby("run_id"))) if len(energy) else {}
    for run in runs.itertuples(index=False):
        rows = by_run.get(run.id)
        if rows is None:
            hours = np.empty(0, dtype=np.int64)
            levels = {level: np.empty(0) for level in LEVELS}
            gpu_part = np.empty(0)
        else:
            wide = rows.pivot_table(index="hour_utc", columns="level", values="energy_wh", aggfunc="sum",
                                    fill_value=0.0)
            hours = wide.index.to_numpy(np.int64)
            levels = {level: (wide[level].to_numpy(float) / 1000.0 if level in wide else np.zeros(len(hours)))
                      for level in LEVELS}
            gpu_part = rows.groupby("hour_utc")["gpu_energy_wh"].sum().reindex(wide.index, fill_value=0.0)
            gpu_part = gpu_part.to_numpy(float) / 1000.0
        inputs.append(RunInput(
            run_id=int(run.id), name=run.name, kind=run.kind, site=run.site, zone=run.grid_zone,
            start_s=text_to_epoch(run.start_utc), end_s=text_to_epoch(run.end_utc),
            gpu_count=int(devices.get(run.id, 0)), hours=hours, energy_kwh=levels, gpu_part_kwh=gpu_part,
            functional_unit=run.functional_unit, functional_unit_amount=run.functional_unit_amount))
    return inputs


def load_assets(project: Project) -> list[AssetInput]:
    assets = repo.list_assets(project.conn)
    result = []
    for asset in assets.itertuples(index=False):
        start = asset.in_service or asset.acquired
        result.append(AssetInput(
            asset_id=int(asset.id), item=asset.item, category=asset.category, quantity=float(asset.quantity),
            embodied_kg_per_unit=float(asset.embodied_co2e_kg_per_unit),
            service_start_s=pd.Timestamp(start, tz="UTC").timestamp(), lifetime_years=float(asset.lifetime_years),
            site=asset.site))
    return result


def location_factors(factors: pd.DataFrame) -> pd.DataFrame:
    """Keep the location-based factors a footprint uses, one per zone, resolution and period.

    Residual-mix, supplier and marginal datasets belong to other calculations. When two imported
    datasets give the same zone, resolution and period start, the one imported later is used.
    """
    chosen = factors[factors["basis"] == "location"]
    chosen = chosen.sort_values(["source_id", "id"], kind="stable")
    return chosen.drop_duplicates(["zone", "resolution", "period_start"], keep="last").reset_index(drop=True)


class FootprintModel:
    """A project's inputs prepared once for repeated footprint computations."""

    def __init__(self, project: Project) -> None:
        self.project_name = project.name
        factors = location_factors(repo.list_factors(project.conn))
        self.prepared: PreparedFootprint = prepare(load_run_inputs(project), factors, load_assets(project))
        log.info("prepared footprint model: %d runs, %d factor zones, %d assets", len(self.prepared.runs),
                 len(self.prepared.factor_tables), len(self.prepared.assets))

    def compute(self, assumptions: Assumptions) -> FootprintResult:
        return self.prepared.compute(assumptions)

    def hourly(self, assumptions: Assumptions) -> pd.DataFrame:
        return self.prepared.hourly(assumptions)


@dataclass(frozen=True)
class ComputeOutcome:
    """A footprint result with the project and assumption set it was computed from."""

    project: str
    assumption_set: str
    assumption_set_sha256: str
    result: FootprintResult

    def as_json(self) -> dict[str, Any]:
        """Return the CLI's JSON object: project, assumption_set, view, runs and totals, plus added keys."""
        return {
            "project": self.project,
            "assumption_set": self.assumption_set,
            "assumption_set_sha256": self.assumption_set_sha256,
            "view": self.result.view,
            "assumptions": self.result.assumptions.as_dict(),
            "runs": [run.as_dict() for run in self.result.runs],
            "totals": self.result.totals,
            "warnings": list(self.result.warnings),
            "software": {"name": "carbon-workbench", "version": __version__},
        }


def compute_footprint(project: Project, set_name: str = assumption_service.DEFAULT_SET,
                      model: FootprintModel | None = None) -> ComputeOutcome:
    """Compute the footprint of every run in ``project`` under assumption set ``set_name``."""
    assumptions = assumption_service.snapshot(project, set_name)
    model = model or FootprintModel(project)
    return ComputeOutcome(project.name, set_name, assumption_service.set_hash(project, set_name),
                          model.compute(assumptions))
