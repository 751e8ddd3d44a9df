"""Benchmark: the explorer's table model on a million energy rows.

Usage: QT_QPA_PLATFORM=offscreen python bench/bench_table_model.py [--rows N] [--repeat R] [--project]

Builds a frame shaped like the explorer's energy table (13 columns: source id, run, device,
meter, hour, level, kWh, samples, coverage, gaps, quality, first and last row). In a real
FrameTable under an offscreen QApplication it times setting the frame, the first and a repeated
sort of a number column and of a text column, the first and a repeated text filter, a filter
of digits, and painting the visible part of the table at the top and in the middle (``grab()``
of the view at 1280 x 800). With ``--project`` it also writes the rows into a project file and
times ``explorer.load_table``, the read the GUI does in a worker. Medians of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from workbench.ui.explorer_view import ExplorerTable  # noqa: E402

HOUR0 = 1_735_689_600


def energy_frame(rows: int, seed: int = 1) -> pd.DataFrame:
    """Return ``rows`` energy rows: 1,000 runs on 2,048 GPUs, random kWh, a few missing values."""
    rng = np.random.default_rng(seed)
    device = rng.integers(0, 2048, rows)
    kwh = rng.gamma(4.0, 0.1, rows)
    kwh[rng.random(rows) < 0.001] = np.nan
    return pd.DataFrame({
        "source_id": rng.integers(1, 40, rows), "run": pd.Series([f"run-{i:04d}" for i in rng.integers(0, 1000, rows)]),
        "device": pd.Series([f"host{d // 8:03d}:gpu{d % 8}" for d in device]), "meter": pd.Series([None] * rows),
        "hour_utc": HOUR0 + 3600 * rng.integers(0, 8760, rows), "level": "gpu_board", "energy_kwh": kwh,
        "sample_count": rng.integers(1, 3601, rows), "coverage": rng.random(rows), "gap_seconds": rng.random(rows) * 60,
        "quality": np.where(rng.random(rows) < 0.02, "estimated", "measured"),
        "first_row": np.arange(rows) * 3600 + 2, "last_row": np.arange(rows) * 3600 + 3601})


def timed(step, model=None, blocked: dict | None = None, name: str = "") -> float:
    """Return the seconds until ``step`` is shown; record in ``blocked[name]`` how long the call itself took.

    Sorts and filters of large frames run in a worker, so the call returns at once and the
    result is shown when the worker is done.
    """
    started = time.perf_counter()
    step()
    if blocked is not None:
        blocked[name] = time.perf_counter() - started
    QApplication.processEvents()
    while model is not None and model.is_busy():
        QApplication.processEvents()
        time.sleep(0.001)
    return time.perf_counter() - started


def column_index(table: ExplorerTable, key: str) -> int:
    return [column.key for column in table.model.columns].index(key)


def measure_once(frame: pd.DataFrame) -> dict[str, float]:
    table = ExplorerTable("energy")
    table.resize(1280, 800)
    table.show()
    view = table.view
    times = {"set frame": timed(lambda: table.set_frame(frame))}
    times["paint top"] = timed(view.grab)
    energy, run = column_index(table, "energy_kwh"), column_index(table, "run")
    model, blocked = table.model, {}
    steps = {
        "sort number, first": lambda: view.sortByColumn(energy, Qt.SortOrder.DescendingOrder),
        "sort number, again": lambda: view.sortByColumn(energy, Qt.SortOrder.AscendingOrder),
        "sort text, first": lambda: view.sortByColumn(run, Qt.SortOrder.AscendingOrder),
        "sort text, again": lambda: view.sortByColumn(run, Qt.SortOrder.DescendingOrder),
        "filter text, first": lambda: model.set_filter("run-0042"),
        "filter text, again": lambda: model.set_filter("estimated"),
        "filter digits": lambda: model.set_filter("1735693200"),
    }
    for name, step in steps.items():
        times[name] = timed(step, model, blocked, name)
    for name in steps:
        times[f"{name}: GUI thread blocked"] = blocked[name]
    timed(lambda: model.set_filter(""), model)
    view.scrollTo(table.model.index(table.model.rowCount() // 2, 0))
    times["paint middle"] = timed(view.grab)
    table.close()
    table.deleteLater()
    return times


def load_from_project(frame: pd.DataFrame) -> tuple[float, int]:
    from workbench.project import repo
    from workbench.services import explorer, projects

    folder = Path(tempfile.mkdtemp(prefix="cwb-bench-table-"))
    project = projects.new_project(folder / "table.cwb")
    with project.transaction():
        source = repo.insert_source(project.conn, repo.SourceRecord(
            "gpu-log", "bench.csv", "/bench.csv", "0" * 64, 0, "bench", "1", {}, len(frame), len(frame), 0, None, None,
            [], "bench", None))
        run_id = repo.ensure_run(project.conn, "bench-run")
        rows = pd.DataFrame({"source_id": source, "run_id": run_id, "device_id": None, "meter_id": None,
                             "hour_utc": frame["hour_utc"], "level": "gpu_board",
                             "energy_wh": frame["energy_kwh"].fillna(0.0) * 1000, "gpu_energy_wh": None,
                             "sample_count": frame["sample_count"], "coverage": frame["coverage"],
                             "gap_seconds": frame["gap_seconds"], "quality": frame["quality"],
                             "first_row": frame["first_row"], "last_row": frame["last_row"]})
        repo.insert_energy(project.conn, rows)
    started = time.perf_counter()
    loaded = explorer.load_table(project, "energy")
    elapsed = time.perf_counter() - started
    project.close()
    return elapsed, len(loaded)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in the table (default 1,000,000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs whose median is reported (default 3)")
    parser.add_argument("--project", action="store_true", help="also time reading the rows from a project file")
    arguments = parser.parse_args()
    app = QApplication.instance() or QApplication([])

    started = time.perf_counter()
    frame = energy_frame(arguments.rows)
    print(f"built {len(frame):,} rows in {time.perf_counter() - started:.1f} s; "
          f"{frame.memory_usage(deep=True).sum() / 2**20:,.0f} MiB as a DataFrame")
    runs = [measure_once(frame) for _ in range(arguments.repeat)]
    print(f"Python {platform.python_version()}, pandas {pd.__version__}, numpy {np.__version__}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    print("| step | median s | runs (s) |\n|---|---|---|")
    for step in runs[0]:
        values = [run[step] for run in runs]
        print(f"| {step} | {statistics.median(values):.3f} | {', '.join(f'{v:.3f}' for v in values)} |")
    if arguments.project:
        elapsed, count = load_from_project(frame)
        print(f"| explorer.load_table('energy') from the project file | {elapsed:.3f} | {count:,} rows |")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
