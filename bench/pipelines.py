"""The three pipelines the import benchmark compares, each run in a child process.

* ``workbench``: our import end to end: create a project, hash, parse, clean, integrate to
  GPU-hours and store them (``workbench.services.imports.import_file``).
* ``duckdb``: DuckDB reads the CSV and aggregates it to GPU-hours in one SQL statement, the
  package's ``gpu_hours.sql`` over a view that parses the raw columns.
* ``pandas``: ``pandas.read_csv`` in chunks of 1,000,000 rows, unit suffixes stripped with
  ``str``/``to_numeric``, the same gap-aware trapezoid per GPU and UTC hour with groupby.

Each prints one JSON line: total energy, GPU-hour rows, and seconds. The log's time stamps are
read as UTC by all three.

Usage: python bench/pipelines.py {workbench,duckdb,pandas} LOG.csv WORKDIR
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

MAX_GAP_S = 120.0
HOUR_S = 3600.0


def run_workbench(log: Path, workdir: Path) -> dict:
    from workbench.services import imports
    from workbench.services.projects import new_project

    target = workdir / "bench.cwb"
    target.unlink(missing_ok=True)
    for suffix in ("-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    with new_project(target, "bench") as project:
        report = imports.import_file(project, log, imports.ImportOptions(
            kind="gpu-log", timezone="UTC", run="bench", max_gap_s=MAX_GAP_S))
        rows = project.conn.execute("SELECT count(*), sum(energy_wh) FROM gpu_hours").fetchone()
    return {"energy_kwh": report.totals["energy_kwh"], "gpu_hours": rows[0]}


def run_duckdb(log: Path, workdir: Path) -> dict:
    import duckdb
    from importlib import resources

    query = resources.files("workbench.ingest").joinpath("sql/gpu_hours.sql").read_text("utf-8")
    con = duckdb.connect()
    con.execute(f"""
        CREATE VIEW samples AS
        SELECT trim(uuid) AS device_key,
               epoch_ms(strptime(trim("timestamp"), '%Y/%m/%d %H:%M:%S.%g')) / 1000.0 AS t_s,
               TRY_CAST(split_part(trim("power.draw [W]"), ' ', 1) AS DOUBLE) AS power_w,
               TRY_CAST(split_part(trim("utilization.gpu [%]"), ' ', 1) AS DOUBLE) AS utilization_pct
        FROM read_csv('{log}', delim = ',', header = true, all_varchar = true)""")
    con.execute(f"CREATE VIEW gpu_hours_params AS SELECT CAST({MAX_GAP_S} AS DOUBLE) AS max_gap_s")
    rows, energy_wh = con.execute(f"SELECT count(*), sum(energy_wh) FROM ({query})").fetchone()
    return {"energy_kwh": energy_wh / 1000.0, "gpu_hours": rows}


def run_pandas(log: Path, workdir: Path) -> dict:
    import pandas as pd

    carry = None
    partials = []
    reader = pd.read_csv(log, skipinitialspace=True, chunksize=1_000_000,
                         usecols=["timestamp", "uuid", "power.draw [W]", "utilization.gpu [%]"])
    for chunk in reader:
        samples = pd.DataFrame({
            "device_key": chunk["uuid"],
            "t_s": pd.to_datetime(chunk["timestamp"], format="%Y/%m/%d %H:%M:%S.%f")
            .astype("datetime64[ns]").astype("int64") / 1e9,
            "power_w": pd.to_numeric(chunk["power.draw [W]"].str.removesuffix(" W"), errors="coerce"),
        })
        partials.append(samples.groupby(["device_key", (samples["t_s"] // HOUR_S).astype("int64")])
                        .agg(sample_count=("t_s", "size"), measured_samples=("power_w", "count")))
        if carry is not None:
            samples = pd.concat([carry, samples], ignore_index=True)
        samples = samples.sort_values(["device_key", "t_s"], kind="stable")
        previous = samples.groupby("device_key")[["t_s", "power_w"]].shift()
        intervals = pd.DataFrame({"device_key": samples["device_key"], "t0": previous["t_s"],
                                  "t1": samples["t_s"], "p0": previous["power_w"],
                                  "p1": samples["power_w"]}).dropna(subset=["t0"])
        partials.append(_hour_pieces(intervals))
        carry = samples.groupby("device_key").tail(1)
    merged = pd.concat(partials).groupby(level=[0, 1]).sum()
    return {"energy_kwh": float(merged["energy_j"].sum()) / 3.6e6, "gpu_hours": int(len(merged))}


def _hour_pieces(intervals):
    import pandas as pd

    bridged = ((intervals["t1"] - intervals["t0"]) <= MAX_GAP_S) & intervals["p0"].notna() & intervals["p1"].notna()
    intervals = intervals.assign(bridged=bridged, first=(intervals["t0"] // HOUR_S).astype("int64"),
                                 last=np.maximum(np.ceil(intervals["t1"] / HOUR_S).astype("int64") - 1,
                                                 (intervals["t0"] // HOUR_S).astype("int64")))
    intervals["hour"] = [list(range(a, b + 1)) for a, b in zip(intervals["first"], intervals["last"])] \
        if (intervals["last"] > intervals["first"]).any() else intervals["first"]
    pieces = intervals.explode("hour") if (intervals["last"] > intervals["first"]).any() else intervals
    pieces = pieces.assign(hour=pieces["hour"].astype("int64"))
    start = np.maximum(pieces["t0"], pieces["hour"] * HOUR_S)
    end = np.minimum(pieces["t1"], (pieces["hour"] + 1) * HOUR_S)
    slope = (pieces["p1"] - pieces["p0"]) / (pieces["t1"] - pieces["t0"])
    power_start = pieces["p0"] + slope * (start - pieces["t0"])
    power_end = pieces["p0"] + slope * (end - pieces["t0"])
    length = (end - start).clip(lower=0)
    frame = pd.DataFrame({
        "device_key": pieces["device_key"], "hour": pieces["hour"],
        "energy_j": np.where(pieces["bridged"], (power_start + power_end) / 2 * length, 0.0),
        "covered_s": np.where(pieces["bridged"], length, 0.0),
        "gap_s": np.where(pieces["bridged"], 0.0, length)})
    return frame.groupby(["device_key", "hour"]).sum()


PIPELINES = {"workbench": run_workbench, "duckdb": run_duckdb, "pandas": run_pandas}


def main(argv: list[str]) -> int:
    name, log, workdir = argv[0], Path(argv[1]), Path(argv[2])
    started = time.perf_counter()
    outcome = PIPELINES[name](log, workdir)
    outcome.update(pipeline=name, seconds=time.perf_counter() - started)
    print(json.dumps(outcome))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
