"""Benchmark: how long the UI thread is blocked while the main window opens and closes the reference project.

Usage: QT_QPA_PLATFORM=offscreen python bench/bench_open_close.py [PROJECT.cwb]

The window opens the project with File > Open's code path (``MainWindow.open_project``: read on
the pool behind a progress dialog, adopted on the UI thread) while the timer-latency probe of
``bench/ui_latency.py`` runs, lets the first paint settle, then closes the window under the probe.
It prints the wall time and the probe's gaps of each phase as JSON. Goal: no gap over 100 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from PySide6.QtCore import QCoreApplication, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from ui_latency import LatencyProbe, spin_until  # noqa: E402

from workbench.ui.main_window import MainWindow  # noqa: E402


def probed(action) -> dict:
    """Run ``action()`` from the event loop (as a menu click would) under the probe; return its summary.

    The action may spin an event loop of its own, as opening a project does while the pool reads it.
    """
    done: list[object] = []
    probe = LatencyProbe()
    probe.start()
    started = time.perf_counter()
    QTimer.singleShot(0, lambda: done.append(action()))
    spin_until(lambda: bool(done), timeout_s=900)
    spin_until(lambda: False, timeout_s=0.2)  # a few ticks after the end, so its last gap is measured
    wall_s = time.perf_counter() - started - 0.2
    probe.stop()
    return {"wall_s": round(wall_s, 2), "returned": done[0] if done else None, **probe.summary()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", nargs="?", default=str(HERE / "out" / "reference.cwb"))
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication([])
    settings = Path(os.environ.get("TMPDIR", "/tmp")) / "bench_open_close_settings.ini"
    window = MainWindow(settings=QSettings(str(settings), QSettings.Format.IniFormat))
    window.resize(1600, 1000)
    window.show()
    QCoreApplication.processEvents()
    results = {"open": probed(lambda: window.open_project(args.project))}
    spin_until(lambda: False, timeout_s=3.0)  # the first paint and the quality counts on the pool
    results["close"] = probed(window.close)
    results["load_average"] = os.getloadavg()[0]
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
