"""The per-GPU-hour Parquet hand-off format: reading and writing it.

Fleets too large for one machine aggregate their raw telemetry elsewhere (with
``workbench/ingest/sql/gpu_hours.sql`` on Spark, for example) and hand the workbench one row per
GPU per UTC hour. The schema is documented in ``docs/formats/gpu_hours_parquet.md``; in short:

required  ``device_key`` (string), ``hour_utc`` (timestamp with UTC zone, or int64 Unix seconds,
          at the start of an hour), ``energy_wh`` (double, null = unmeasured), ``sample_count``
          (int64), ``coverage`` (double, 0-1), ``gap_seconds`` (double)
optional  ``idle_energy_wh``, ``measured_samples``, ``longest_gap_s``, ``interval_s``, ``quality``
          (measured / estimated / unmeasured), ``basis`` (energy_counter / power_integral /
          reported), ``host``, ``uuid``, ``gpu_index``, ``model``

The file is read in row groups, so its size is bounded by disk, not memory.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from workbench.errors import InputRejectedError, RowProblem
from workbench.ingest.common import ReadResult
from workbench.ingest.gpu_devices import ENERGY_TABLE_COLUMNS
from workbench.progress import Progress, no_progress

log = logging.getLogger(__name__)

IMPORTER_VERSION = "1"
FORMAT_NAME = "carbon-workbench gpu-hours"
FORMAT_VERSION = "1"
REQUIRED = ("device_key", "hour_utc", "energy_wh", "sample_count", "coverage", "gap_seconds")
QUALITIES = ("measured", "estimated", "unmeasured")
BASES = ("energy_counter", "power_integral", "reported")
SCHEMA = pa.schema([
    ("device_key", pa.string()), ("host", pa.string()), ("uuid", pa.string()), ("gpu_index", pa.string()),
    ("model", pa.string()), ("hour_utc", pa.timestamp("s", tz="UTC")), ("energy_wh", pa.float64()),
    ("idle_energy_wh", pa.float64()), ("sample_count", pa.int64()), ("measured_samples", pa.int64()),
    ("coverage", pa.float64()), ("gap_seconds", pa.float64()), ("longest_gap_s", pa.float64()),
    ("interval_s", pa.float64()), ("quality", pa.string()), ("basis", pa.string()),
], metadata={"format": FORMAT_NAME, "format_version": FORMAT_VERSION})


def write_gpu_hours(frame: pd.DataFrame, path: str | Path) -> int:
    """Write GPU-hours (columns as in SCHEMA; ``hour_utc`` in Unix seconds) to Parquet; return the row count."""
    data = {}
    for schema_field in SCHEMA:
        values = frame[schema_field.name] if schema_field.name in frame else pd.Series([None] * len(frame))
        if schema_field.name == "hour_utc":
            values = pd.to_datetime(values.astype("int64"), unit="s", utc=True)
        data[schema_field.name] = pa.array(values.where(values.notna(), None).tolist() if values.dtype == object
                                           else values, type=schema_field.type, from_pandas=True)
    pq.write_table(pa.Table.from_pydict(data, schema=SCHEMA), path, compression="zstd")
    return len(frame)


def read_gpu_hours(path: str | Path, *, progress: Progress | None = None) -> ReadResult:
    """Read a GPU-hours Parquet file into the ``energy`` table the GPU readers return."""
    path = Path(path)
    progress = progress or no_progress("Import")
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputRejectedError(path, f"not a Parquet file ({exc})", hint="Choose a .parquet file.") from None
    names = parquet.schema_arrow.names
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise InputRejectedError(path, f"the Parquet file has no column {', '.join(missing)}",
                                 hint="See docs/formats/gpu_hours_parquet.md for the GPU-hours schema.")
    result = ReadResult(kind="gpu-hours-parquet", importer="gpu-hours-parquet", importer_version=IMPORTER_VERSION,
                        options={"format_metadata": _metadata(parquet)})
    frames, offset, seen = [], 1, set()
    for group in range(parquet.num_row_groups):
        try:
            table = parquet.read_row_group(group)
            frames.append(_rows(path, table, offset, seen, result))
        except (pa.ArrowException, OSError) as exc:
            # A damaged page or a column of another type; pyarrow names what it could not decode.
            raise InputRejectedError(path, f"row group {group + 1} cannot be read: {exc}",
                                     row=offset, hint="Write the file again with the GPU-hours SQL, or ask "
                                                      "its sender for an undamaged copy.") from None
        offset += table.num_rows
        progress.update((group + 1) / parquet.num_row_groups, f"{path.name}: {offset - 1:,} rows")
    energy = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(ENERGY_TABLE_COLUMNS))
    result.tables["energy"] = energy
    if len(energy):
        result.start_utc = float(energy["hour_utc"].min())
        result.end_utc = float(energy["hour_utc"].max() + 3600)
    return result


def _metadata(parquet: pq.ParquetFile) -> dict[str, str]:
    raw = parquet.schema_arrow.metadata or {}
    return {key.decode(): value.decode() for key, value in raw.items() if key in (b"format", b"format_version")}


def _rows(path: Path, table: pa.Table, offset: int, seen: set, result: ReadResult) -> pd.DataFrame:
    hour = table.column("hour_utc")
    if pa.types.is_timestamp(hour.type):
        hour = pc.divide(pc.cast(pc.cast(hour, pa.timestamp("s", tz="UTC")), pa.int64()), 1)
    frame = table.drop_columns(["hour_utc"]).to_pandas()
    frame["hour_utc"] = hour.to_numpy().astype("float64")
    frame["row"] = np.arange(offset, offset + len(frame))
    result.rows_read += len(frame)

    problems = _problems(frame)
    keep = np.ones(len(frame), dtype=bool)
    for position, column, reason in problems:
        keep[position] = False
        result.rejected.append(RowProblem(path.name, int(frame["row"].iloc[position]), column,
                                          str(frame[column].iloc[position]), reason))
    for position in np.flatnonzero(keep):
        key = (frame["device_key"].iloc[position], frame["hour_utc"].iloc[position])
        if key in seen:
            keep[position] = False
            result.rejected.append(RowProblem(path.name, int(frame["row"].iloc[position]), "device_key",
                                              str(key[0]), "a second row for the same GPU and hour"))
        seen.add(key)
    return _normalize(frame[keep])


def _problems(frame: pd.DataFrame) -> list[tuple[int, str, str]]:
    checks = [
        ("device_key", frame["device_key"].isna() | (frame["device_key"].astype(str).str.strip() == ""),
         "the GPU's device key is missing"),
        ("hour_utc", frame["hour_utc"].isna() | (frame["hour_utc"] % 3600 != 0),
         "not the start of a UTC hour (a multiple of 3600 s)"),
        ("energy_wh", frame["energy_wh"] < 0, "energy must not be negative"),
        ("coverage", ~frame["coverage"].between(0.0, 1.0), "coverage must be between 0 and 1"),
    ]
    if "quality" in frame:
        checks.append(("quality", frame["quality"].notna() & ~frame["quality"].isin(QUALITIES),
                       f"quality must be one of {', '.join(QUALITIES)}"))
    if "basis" in frame:
        checks.append(("basis", frame["basis"].notna() & ~frame["basis"].isin(BASES),
                       f"basis must be one of {', '.join(BASES)}"))
    problems = []
    for column, mask, reason in checks:
        problems.extend((int(position), column, reason) for position in np.flatnonzero(mask.to_numpy()))
    return sorted(set(problems))


def _normalize(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({"device_key": frame["device_key"].astype(str)})
    for name in ("host", "uuid", "gpu_index", "model"):
        out[name] = frame[name] if name in frame else None
    out["hour_utc"] = frame["hour_utc"].astype(np.int64)
    out["level"] = "gpu_board"
    out["energy_wh"] = frame["energy_wh"].astype(float)
    out["gpu_energy_wh"] = out["energy_wh"]
    out["idle_energy_wh"] = frame["idle_energy_wh"].astype(float) if "idle_energy_wh" in frame else np.nan
    out["sample_count"] = frame["sample_count"].fillna(0).astype(np.int64)
    out["measured_samples"] = (frame["measured_samples"].fillna(0).astype(np.int64) if "measured_samples" in frame
                               else out["sample_count"])
    out["coverage"] = frame["coverage"].astype(float)
    out["gap_seconds"] = frame["gap_seconds"].fillna(0.0).astype(float)
    out["longest_gap_s"] = frame["longest_gap_s"].fillna(0.0).astype(float) if "longest_gap_s" in frame else 0.0
    default_quality = np.where(out["energy_wh"].isna(), "unmeasured", "measured")
    out["quality"] = frame["quality"].fillna(pd.Series(default_quality, index=frame.index)) if "quality" in frame \
        else default_quality
    out["basis"] = frame["basis"].fillna("reported") if "basis" in frame else "reported"
    out["interval_s"] = frame["interval_s"].astype(float) if "interval_s" in frame else np.nan
    out["first_row"] = frame["row"].to_numpy()
    out["last_row"] = frame["row"].to_numpy()
    return out[list(ENERGY_TABLE_COLUMNS)]
