"""Reader for ``--kind runs``: a table of runs that hold GPUs, declare their energy, or both.

A row that names GPUs (``host`` with ``gpus``, or ``gpu_uuid``) is a GPU allocation: the run
gets the telemetry of those GPUs in its window (see :mod:`workbench.ingest.runs_table`). A row
that gives a basis for its energy (``energy_kwh``, ``avg_power_w`` or ``tdp_w`` with
``accelerators`` or ``accelerator_hours``, or ``flops``) declares the run (see
:mod:`workbench.ingest.declared_runs`); its energy is an estimate. A row with both is both: the
telemetry of its GPUs takes precedence and the declaration is kept for reconciliation.

The result has an ``allocations`` table, a ``runs`` table (declarations), or both. A row that
one reader rejects is dropped from both tables.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import pandas as pd

from workbench.errors import InputRejectedError, RowProblem
from workbench.ingest import declared_runs, runs_table
from workbench.ingest.common import ReadResult, normalize_column
from workbench.ingest.tables import Cell, Table, cell_text, is_blank_row, open_table
from workbench.progress import Progress, no_progress

log = logging.getLogger(__name__)

IMPORTER_VERSION = "1"
# A non-empty cell in one of these columns makes a row a declaration.
DECLARATION_COLUMNS = declared_runs.ENERGY_COLUMNS + ("accelerators", "accelerator_hours")


def read_runs(path: str | Path, *, timezone: str | None = None, progress: Progress | None = None) -> ReadResult:
    """Read a runs table of GPU allocations, declared runs, or a mix of both."""
    path = Path(path)
    progress = progress or no_progress("Import")
    table = open_table(path)
    gpu_positions = [index for index, name in enumerate(runs_table.column_names(table.header))
                     if name in runs_table.GPU_COLUMNS]
    names = [normalize_column(name) for name in table.header]
    declares = any(name in declared_runs.ENERGY_COLUMNS for name in names)
    if not gpu_positions and not declares:
        raise InputRejectedError(
            path, "missing column: one of energy_kwh, avg_power_w, tdp_w, flops (declared runs) or one of host, "
                  "gpus, gpu_uuid (runs that held GPUs)", row=table.header_row,
            hint="Declared runs need run, start, end, site and a basis for the energy; runs that held GPUs need "
                 "run, start, end and host (with gpus) or gpu_uuid.")
    if not declares:
        return runs_table.read_runs_table(path, timezone=timezone, progress=progress, table=table)
    if not gpu_positions:
        return declared_runs.read_declared_runs(path, timezone=timezone, progress=progress, table=table)
    declaration_positions = [index for index, name in enumerate(names) if name in DECLARATION_COLUMNS]
    return _read_mixed(path, table, timezone, progress, gpu_positions, declaration_positions)


def _read_mixed(path: Path, table: Table, timezone: str | None, progress: Progress, gpu_positions: list[int],
                declaration_positions: list[int]) -> ReadResult:
    rows = [(number, cells) for number, cells in table.rows if not is_blank_row(cells)]
    holding = [(n, c) for n, c in rows if _filled(c, gpu_positions)]
    declaring = [(n, c) for n, c in rows if _filled(c, declaration_positions)]
    result = ReadResult(kind="runs", importer="runs-table+declared-runs", importer_version=IMPORTER_VERSION,
                        options={"timezone": timezone}, rows_read=len(rows))
    for number, cells in rows:
        if not _filled(cells, gpu_positions) and not _filled(cells, declaration_positions):
            result.rejected.append(RowProblem(path.name, number, "host", "", "the row names no GPU (host, gpus or "
                                              "gpu_uuid) and gives no basis for declared energy"))
    parts = [runs_table.read_runs_table(path, timezone=timezone, table=replace(table, rows=iter(holding))),
             declared_runs.read_declared_runs(path, timezone=timezone, table=replace(table, rows=iter(declaring)))]
    for part in parts:
        result.rejected.extend(part.rejected)
        result.notes.extend(note for note in part.notes if note not in result.notes)
    dropped = {problem.row for problem in result.rejected}
    result.tables["allocations"] = _without(parts[0].tables["allocations"], dropped)
    result.tables["runs"] = _without(parts[1].tables["runs"], dropped)
    result.rejected.sort(key=lambda problem: problem.row or 0)
    both = sorted(set(result.tables["allocations"]["run"]) & set(result.tables["runs"]["run"]))
    if both:
        result.notes.append(f"{len(both)} run(s) both hold GPUs and declare energy ({', '.join(both[:10])}): the "
                            "telemetry of their GPUs takes precedence, and the declaration is kept for reconciliation")
    starts = [part.start_utc for part in parts if part.start_utc is not None]
    ends = [part.end_utc for part in parts if part.end_utc is not None]
    result.start_utc, result.end_utc = (min(starts) if starts else None), (max(ends) if ends else None)
    progress.update(1.0, f"{path.name}: done", force=True)
    return result


def _filled(cells: list[Cell], positions: list[int]) -> bool:
    return any(index < len(cells) and cell_text(cells[index]).strip() for index in positions)


def _without(frame: pd.DataFrame, rows: set[int]) -> pd.DataFrame:
    return frame[~frame["source_row"].isin(rows)].reset_index(drop=True)
