"""Reader for declared runs: training runs known from a paper, a model card or a cloud bill.

Columns (matched by name): ``run, start, end, site`` and, as the declaration allows,
``accelerators, accelerator_model, accelerator_hours, avg_power_w, tdp_w, power_basis,
energy_kwh, flops, tokens, kind`` and ``model``. Each row needs a basis for its energy, which
is ``energy_kwh``, or ``avg_power_w`` or ``tdp_w`` with ``accelerator_hours`` or ``accelerators``
(accelerator-hours are then accelerators x the window), or ``flops``. ``power_basis`` is
``board`` (the accelerator board, so the node uplift applies), ``system`` (the figure includes
the host) or ``facility`` (an all-in figure that already includes facility overhead).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from workbench.errors import InputRejectedError, RowProblem
from workbench.ingest.common import ReadResult, normalize_column, resolve_timezone
from workbench.ingest.rowfields import RowError, RowFields
from workbench.ingest.tables import Table, is_blank_row, open_table
from workbench.progress import Progress, no_progress

IMPORTER_VERSION = "1"
REQUIRED = ("run", "start", "end", "site")
ENERGY_COLUMNS = ("energy_kwh", "avg_power_w", "tdp_w", "flops")
POWER_BASES = ("board", "system", "facility")
RUN_KINDS = ("final", "experiment", "failed", "evaluation")
COLUMNS = ("source_row", "run", "start_s", "end_s", "site", "kind", "model", "accelerators", "accelerator_model",
           "accelerator_hours", "avg_power_w", "tdp_w", "power_basis", "energy_kwh", "flops", "tokens")
MAX_POWER_W = 20_000.0
HOUR_S = 3600.0


def read_declared_runs(path: str | Path, *, timezone: str | None = None, progress: Progress | None = None,
                       table: Table | None = None) -> ReadResult:
    """Read declared runs into one row per run with its window, accelerators, power and energy.

    ``table`` is the file already opened, with only the rows this reader is to read.
    """
    path = Path(path)
    progress = progress or no_progress("Import")
    table = table or open_table(path)
    names = [normalize_column(name) for name in table.header]
    missing = [name for name in REQUIRED if name not in names]
    if missing or not any(name in names for name in ENERGY_COLUMNS):
        wanted = missing + ([] if any(n in names for n in ENERGY_COLUMNS) else
                            ["one of energy_kwh, avg_power_w, tdp_w, flops"])
        raise InputRejectedError(path, f"missing column {', '.join(wanted)}", row=table.header_row,
                                 hint="The header needs run, start, end, site and a basis for the energy.")
    position = {name: index for index, name in enumerate(names)}
    zone = resolve_timezone(timezone)
    result = ReadResult(kind="runs", importer="declared-runs", importer_version=IMPORTER_VERSION,
                        options={"timezone": timezone})
    result.notes.extend(table.notes)
    rows, seen, board_by_default = [], {}, 0
    for number, cells in table.rows:
        if is_blank_row(cells):
            continue
        result.rows_read += 1
        fields = RowFields(cells, position, decimal_comma=table.delimiter == ";", timezone=zone)
        try:
            row = _parse_run(fields, number)
            if row["run"] in seen:
                raise RowError("run", row["run"], f"run already declared in row {seen[row['run']]}")
        except RowError as exc:
            result.rejected.append(RowProblem(path.name, number, exc.column, exc.value, exc.reason))
            continue
        seen[row["run"]] = number
        board_by_default += int(fields.text("power_basis") == "")
        rows.append(row)
    if board_by_default:
        result.notes.append(f"{board_by_default} row(s) give no power_basis and were read as board power, so the "
                            "node uplift applies")
    result.notes.append("declared energy is an estimate and is flagged as such in every result")
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    result.tables["runs"] = frame
    if len(frame):
        result.start_utc, result.end_utc = float(frame["start_s"].min()), float(frame["end_s"].max())
    progress.update(1.0, f"{path.name}: done", force=True)
    return result


def _parse_run(fields: RowFields, number: int) -> dict:
    start = fields.moment("start", is_end=False)
    end = fields.moment("end", is_end=True)
    if end <= start:
        raise RowError("end", fields.text("end"), "the run ends before it starts")
    accelerators = fields.number("accelerators", minimum=0)
    if accelerators is not None and not float(accelerators).is_integer():
        raise RowError("accelerators", fields.text("accelerators"), "must be a whole number")
    accelerator_hours = fields.number("accelerator_hours", minimum=0)
    window_hours = (end - start) / HOUR_S
    if accelerators is not None and accelerator_hours is not None and \
            accelerator_hours > accelerators * window_hours * (1 + 1e-6):
        raise RowError("accelerator_hours", fields.text("accelerator_hours"),
                       f"more than accelerators x the window ({accelerators * window_hours:,.6g})")
    row = {
        "source_row": number, "run": fields.text("run", required=True), "start_s": start, "end_s": end,
        "site": fields.text("site", required=True), "kind": fields.choice("kind", RUN_KINDS, default="final"),
        "model": fields.text("model") or None,
        "accelerators": None if accelerators is None else int(accelerators),
        "accelerator_model": fields.text("accelerator_model") or None, "accelerator_hours": accelerator_hours,
        "avg_power_w": fields.number("avg_power_w", positive=True, maximum=MAX_POWER_W),
        "tdp_w": fields.number("tdp_w", positive=True, maximum=MAX_POWER_W),
        "power_basis": fields.choice("power_basis", POWER_BASES, default="board"),
        "energy_kwh": fields.number("energy_kwh", minimum=0),
        "flops": fields.number("flops", positive=True), "tokens": fields.number("tokens", positive=True),
    }
    has_hours = accelerator_hours is not None or bool(accelerators)
    has_power = row["avg_power_w"] is not None or row["tdp_w"] is not None
    if row["energy_kwh"] is None and row["flops"] is None and not (has_hours and has_power):
        raise RowError("energy_kwh", "", "no basis for the energy: give energy_kwh, avg_power_w or tdp_w with "
                                         "accelerator_hours or accelerators, or flops")
    return row
