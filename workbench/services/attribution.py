"""GPU energy per run from telemetry, its idle part, and the GPU-hours export.

Runs get GPU-hours two ways: an import that gave a whole file to one run, or allocations (Slurm
jobs, runs tables) matched to the stored GPU-hours by GPU and time. Idle energy is the energy
drawn while a GPU the run held showed 0 % utilization; it is part of the run's GPU energy and
reported on its own line, which shows what reserving idle GPUs cost.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from workbench.ingest.gpu_hours_parquet import write_gpu_hours
from workbench.project import gpu_repo
from workbench.project.store import Project

log = logging.getLogger(__name__)


def run_gpu_summary(project: Project) -> dict[str, Any]:
    """Return per-run GPU energy (``runs``) and allocations no telemetry covers (``allocations_without_telemetry``).

    In ``runs``, ``idle_energy_kwh`` is None when the telemetry logged no utilization, and
    ``estimated_share_kwh`` is the part taken from hours the run held only in part.
    """
    summary = gpu_repo.run_gpu_summary(project.conn)
    runs = []
    for row in summary.to_dict("records"):
        runs.append({key: (None if isinstance(value, float) and np.isnan(value) else
                           int(value) if isinstance(value, (np.integer,)) else value) for key, value in row.items()})
    missing = gpu_repo.allocations_without_telemetry(project.conn).to_dict("records")
    return {"runs": runs, "allocations_without_telemetry": missing}


def export_gpu_hours(project: Project, path: str | Path) -> int:
    """Write every stored GPU-hour to a Parquet file in the hand-off format; return the row count."""
    frame = gpu_repo.list_gpu_hours(project.conn)
    count = write_gpu_hours(frame, path)
    log.info("exported %d GPU-hours of %s to %s", count, project.path, path)
    return count
