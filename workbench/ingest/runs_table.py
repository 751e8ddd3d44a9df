"""Reader for a runs table: which GPUs each run held, and when (CSV or spreadsheet).

Columns, matched by name in any order: ``run`` (required), ``start`` and ``end`` (required, ISO
8601; naive times take the declared zone; the end is exclusive), ``host``, ``gpus`` (GPU indexes
on that host: ``0-3,6``, or empty / ``all`` for every GPU of the host), ``gpu_uuid`` (one or
more UUIDs separated by ``;`` or spaces; it takes the place of host and gpus), ``kind``
(final, experiment, failed, evaluation) and ``site`` (else the import's site). A row without
``host`` or ``gpu_uuid`` cannot name any GPU and is rejected.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pandas as pd

from workbench.errors import InputRejectedError, RowProblem
from workbench.ingest.common import ReadResult, is_missing, normalize_column, resolve_timezone
from workbench.ingest.tables import Table, cell_text, is_blank_row, open_table
from workbench.ingest.timeparse import NaiveTimeError, parse_utc_seconds
from workbench.progress import Progress, no_progress

log = logging.getLogger(__name__)

IMPORTER_VERSION = "1"
REQUIRED = ("run", "start", "end")
RUN_KINDS = ("final", "experiment", "failed", "evaluation")
GPU_COLUMNS = ("host", "gpus", "gpu_uuid")
_ALIASES = {"uuid": "gpu_uuid", "gpu_uuids": "gpu_uuid", "hostname": "host", "node": "host", "gpu": "gpus",
            "gpu_index": "gpus", "start_utc": "start", "end_utc": "end", "run_name": "run"}
_RANGE = re.compile(r"^(\d+)(?:-(\d+))?$")


def column_names(header: list[str]) -> list[str]:
    """Return the header's column names as this reader knows them (aliases resolved)."""
    return [_ALIASES.get(normalize_column(name), normalize_column(name)) for name in header]


def read_runs_table(path: str | Path, *, timezone: str | None = None, progress: Progress | None = None,
                    table: Table | None = None) -> ReadResult:
    """Read run allocations (run x GPU set x time window) from a table.

    ``table`` is the file already opened, with only the rows this reader is to read.
    """
    path = Path(path)
    progress = progress or no_progress("Import")
    table = table or open_table(path)
    names = column_names(table.header)
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise InputRejectedError(path, f"not a runs table: no column {', '.join(missing)}", row=table.header_row,
                                 hint="A runs table needs run, start and end, plus host and gpus or gpu_uuid.")
    result = ReadResult(kind="runs", importer="runs-table", importer_version=IMPORTER_VERSION,
                        options={"timezone": timezone})
    result.notes.extend(table.notes)
    rows = []
    for number, cells in table.rows:
        if is_blank_row(cells):
            continue
        result.rows_read += 1
        values = {name: cell_text(cells[index]) if index < len(cells) else "" for index, name in enumerate(names)}
        rows.extend(_allocations(path, number, values, result))
    frame = pd.DataFrame(rows, columns=["run", "kind", "site", "source_row", "host", "gpu_index", "gpu_uuid",
                                        "start_text", "end_text"])
    result.tables["allocations"] = _times(path, frame, timezone, result)
    good = result.tables["allocations"]
    if len(good):
        result.start_utc, result.end_utc = float(good["start_utc"].min()), float(good["end_utc"].max())
    progress.update(1.0, f"{path.name}: done", force=True)
    return result


def _allocations(path: Path, number: int, values: dict[str, str], result: ReadResult) -> list[dict]:
    run, kind = values.get("run", "").strip(), values.get("kind", "").strip().lower() or None
    base = {"run": run, "kind": kind, "site": values.get("site", "").strip() or None, "source_row": number,
            "start_text": values["start"].strip(), "end_text": values["end"].strip()}
    if not run:
        result.rejected.append(RowProblem(path.name, number, "run", "", "the run name is missing"))
        return []
    if kind is not None and kind not in RUN_KINDS:
        result.rejected.append(RowProblem(path.name, number, "kind", kind, f"kind must be one of {', '.join(RUN_KINDS)}"))
        return []
    uuids = [item if item.upper().startswith("GPU-") else f"GPU-{item}"
             for item in re.split(r"[;\s]+", values.get("gpu_uuid", "")) if item and not is_missing(item)]
    if uuids:
        return [dict(base, host=values.get("host") or None, gpu_index=None, gpu_uuid=uuid) for uuid in uuids]
    host = values.get("host", "").strip()
    if not host:
        result.rejected.append(RowProblem(path.name, number, "host", "", "the row names no GPU: give host "
                                                                         "(with gpus) or gpu_uuid"))
        return []
    gpus = values.get("gpus", "").strip()
    if not gpus or gpus.lower() == "all":
        return [dict(base, host=host, gpu_index=None, gpu_uuid=None)]
    indexes = _indexes(gpus)
    if indexes is None:
        result.rejected.append(RowProblem(path.name, number, "gpus", gpus, "not a list of GPU indexes such as 0-3,6"))
        return []
    return [dict(base, host=host, gpu_index=str(index), gpu_uuid=None) for index in indexes]


def _indexes(text: str) -> list[int] | None:
    indexes = []
    for part in re.split(r"[,;\s]+", text):
        match = _RANGE.match(part)
        if match is None:
            return None
        low, high = int(match.group(1)), int(match.group(2) or match.group(1))
        indexes.extend(range(low, high + 1))
    return indexes


def _times(path: Path, frame: pd.DataFrame, timezone: str | None, result: ReadResult) -> pd.DataFrame:
    if frame.empty:
        return frame.assign(start_utc=pd.Series(dtype="int64"), end_utc=pd.Series(dtype="int64"))
    zone = resolve_timezone(timezone)
    try:
        start, start_reasons = parse_utc_seconds(frame["start_text"], zone)
        end, end_reasons = parse_utc_seconds(frame["end_text"], zone)
    except NaiveTimeError:
        raise InputRejectedError(path, "times have no time zone and none was given", row=int(frame["source_row"].iloc[0]),
                                 hint="Pass --timezone, or write times with an offset (2025-06-01T08:00:00+02:00).") from None
    keep = []
    for position, row in enumerate(frame.itertuples(index=False)):
        reason = start_reasons.get(position) or end_reasons.get(position)
        if reason is None and end[position] <= start[position]:
            reason = "the end is not after the start"
        if reason:
            result.rejected.append(RowProblem(path.name, row.source_row, "start/end",
                                              f"{row.start_text} / {row.end_text}", reason))
        keep.append(reason is None)
    frame = frame.assign(start_utc=start, end_utc=end)[keep]
    return frame.astype({"start_utc": "int64", "end_utc": "int64"})
