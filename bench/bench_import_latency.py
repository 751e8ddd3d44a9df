"""Benchmark: how long the UI thread is blocked while the import wizard checks and imports a large log.

Usage: python bench/bench_import_latency.py [PROJECT.cwb] --log FILE [--interval-ms 10] [--write-results]

Opens a copy of the project (default: the reference project of ``bench/build_reference.py``) in
the main window on Qt's offscreen platform. Then it drives the import wizard through the file's
dry run (read and check, nothing stored), its commit and the window's recompute after it. A
QTimer on the UI thread fires every ``--interval-ms``; each gap between two ticks beyond the
interval is time the UI thread could not react. The goal is no gap over 100 ms.

The log comes from ``bench/generate_nvidia_smi_log.py``. The project copy is deleted afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bench_recompute import machine  # noqa: E402

MARKER = "## Import, reports, packaging (7D): UI-thread latency during an import"
GOAL_MS = 100.0


class LatencyProbe:
    """Records the time of each tick of a UI-thread timer; gaps show when the thread was busy."""

    def __init__(self, interval_ms: int) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.interval_ms = interval_ms
        self.ticks: list[float] = []
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))

    def start(self) -> None:
        self.ticks.append(time.perf_counter())
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def gaps_ms(self, start: float, end: float) -> list[float]:
        """Return the delay beyond the interval of each tick between ``start`` and ``end``."""
        before = [tick for tick in self.ticks if tick < start][-1:]
        after = [tick for tick in self.ticks if tick > end][:1]
        inside = before + [tick for tick in self.ticks if start <= tick <= end] + after
        return [max(0.0, (later - earlier) * 1000 - self.interval_ms) for earlier, later in zip(inside, inside[1:])]


def time_calls(targets: list[tuple[type, str]], durations: dict[str, list[float]]) -> None:
    """Wrap each ``(class, method)`` so that its run times (s) on any thread are recorded in ``durations``."""
    for owner, name in targets:
        original = getattr(owner, name)

        def timed(*args, _original=original, _key=f"{owner.__name__}.{name}", **kwargs):
            started = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                durations.setdefault(_key, []).append(time.perf_counter() - started)

        setattr(owner, name, timed)


class CollectionTimes:
    """Durations (ms) of the cyclic garbage collector's runs, by generation, from gc.callbacks."""

    def __init__(self) -> None:
        import gc

        self.by_generation: dict[int, list[float]] = {}
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.by_generation.setdefault(info["generation"], []).append((time.perf_counter() - self._started) * 1000)

    def summary(self) -> dict:
        return {str(generation): {"runs": len(times), "max_ms": round(max(times), 1), "total_ms": round(sum(times), 1)}
                for generation, times in sorted(self.by_generation.items())}


def wait(app, condition, timeout_s: float = 1800.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        app.processEvents()
        time.sleep(0.001)
        if time.monotonic() > deadline:
            raise TimeoutError("the step did not finish in time")


def run(project: Path, log: Path, interval_ms: int, freeze_gc: bool = False) -> dict:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from workbench.services.session import Session
    from workbench.ui.import_wizard import PAGE_CHECK, PAGE_OPTIONS
    from workbench.ui.main_window import MainWindow
    from workbench.ui.reports_view import ReportsView

    durations: dict[str, list[float]] = {}
    time_calls([(Session, "adopt_model"), (Session, "apply"), (Session, "refresh_audit"),
                (MainWindow, "_show_result"), (ReportsView, "show_stages")], durations)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory(prefix="cwb-latency-") as folder:
        copy = Path(folder) / "reference-copy.cwb"
        shutil.copy2(project, copy)
        settings = QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings=settings, ask_rationale=lambda label, old, new: None)
        window.show()
        opened_at = time.perf_counter()
        if not window.open_project(copy):
            raise RuntimeError(f"{copy} cannot be opened")
        window.recomputer.wait_idle(600_000)
        open_s = time.perf_counter() - opened_at
        if freeze_gc:
            import gc

            gc.collect()
            gc.freeze()  # the objects of the opened project are never traversed by later collections
        collections = CollectionTimes()

        probe = LatencyProbe(interval_ms)
        probe.start()
        phases: dict[str, tuple[float, float]] = {}
        began = time.perf_counter()
        window.choose_import([log])
        wizard = window.import_wizard
        while wizard.currentId() < PAGE_OPTIONS:
            wizard.next()
            app.processEvents()
        phases["wizard pages (detection, mapping)"] = (began, time.perf_counter())
        wizard.options_page.timezone_edit.setText("UTC")
        wizard.options_page.site_edit.setText("bench-site")
        wizard.options_page.run_edit.setText("bench-import")

        began = time.perf_counter()
        wizard.next()
        assert wizard.currentId() == PAGE_CHECK
        wait(app, lambda: wizard.check_page.handle is not None and not wizard.check_page.handle.running)
        phases["dry run (read and check)"] = (began, time.perf_counter())
        if not wizard.check_page.isComplete():
            raise RuntimeError(f"the dry run failed: {wizard.check_page.status_label.text()}")
        summary = wizard.check_page.summary_label.text()

        reports: list = []
        wizard.imported.connect(reports.extend)
        began = time.perf_counter()
        wizard.next()
        wait(app, lambda: bool(reports))
        phases["commit (store in one transaction)"] = (began, time.perf_counter())

        began = time.perf_counter()
        wait(app, lambda: not window.jobs)
        phases["reload and recompute after the import"] = (began, time.perf_counter())
        for _tick in range(20):  # a few ticks after the last phase, so its last gap is measured
            app.processEvents()
            time.sleep(interval_ms / 1000)
        probe.stop()
        wizard.close()
        window.close()
        app.processEvents()

    return {"phases": {name: _stats(probe.gaps_ms(start, end), end - start) for name, (start, end) in phases.items()},
            "open_s": open_s, "dry_run_summary": summary, "rows_accepted": reports[0].rows_accepted,
            "log_bytes": log.stat().st_size, "interval_ms": interval_ms,
            "freeze_gc": freeze_gc, "collections": collections.summary(),
            "ui_calls_s": {name: [round(value, 3) for value in values] for name, values in durations.items()}}


def _stats(gaps: list[float], seconds: float) -> dict:
    ordered = sorted(gaps)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] if ordered else 0.0
    return {"seconds": seconds, "ticks": len(gaps), "max_gap_ms": max(gaps, default=0.0), "p99_gap_ms": p99,
            "median_gap_ms": statistics.median(gaps) if gaps else 0.0,
            "gaps_over_goal": sum(1 for gap in gaps if gap > GOAL_MS)}


def results_section(result: dict, project: Path, log: Path) -> str:
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [MARKER, "",
             f"`bench/bench_import_latency.py`, {when}, on {machine()}. The project is a copy of "
             f"`{project.name}` (opened in {result['open_s']:.1f} s); the file is a {result['log_bytes'] / 1e6:,.0f} MB "
             f"nvidia-smi log from `bench/generate_nvidia_smi_log.py` ({result['rows_accepted']:,} rows accepted). "
             f"A QTimer on the UI thread fires every {result['interval_ms']} ms; a gap is the delay beyond that "
             "interval between two ticks. Goal: no gap over 100 ms.", "",
             "| phase | wall time (s) | ticks | median gap (ms) | p99 gap (ms) | max gap (ms) | gaps > 100 ms |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name, stats in result["phases"].items():
        lines.append(f"| {name} | {stats['seconds']:.1f} | {stats['ticks']:,} | {stats['median_gap_ms']:.1f} | "
                     f"{stats['p99_gap_ms']:.1f} | {stats['max_gap_ms']:.1f} | {stats['gaps_over_goal']} |")
    lines += ["", f"Dry run: {result['dry_run_summary']}", "",
              f"gc.freeze() after opening: {result['freeze_gc']}. Garbage collections during the phases, by "
              "generation: " + "; ".join(f"gen {generation}: {stats['runs']} runs, max {stats['max_ms']} ms, "
                                         f"total {stats['total_ms']} ms"
                                         for generation, stats in result["collections"].items()), "",
              "Time of the calls that run on the UI thread after the import (s): "
              + "; ".join(f"`{name}` {', '.join(f'{value:.2f}' for value in values)}"
                          for name, values in result["ui_calls_s"].items()), ""]
    return "\n".join(lines)


def write_results(section: str) -> None:
    path = HERE / "RESULTS.md"
    text = path.read_text("utf-8")
    if MARKER in text:
        start = text.index(MARKER)
        following = text.find("\n## ", start + len(MARKER))
        text = text[:start] + section + (text[following + 1:] if following >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, "utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", nargs="?", type=Path, default=HERE / "out" / "reference.cwb")
    parser.add_argument("--log", type=Path, required=True, help="nvidia-smi --query-gpu CSV log to import")
    parser.add_argument("--interval-ms", type=int, default=10, help="probe timer interval in ms (default 10)")
    parser.add_argument("--write-results", action="store_true", help="replace this section of RESULTS.md")
    parser.add_argument("--freeze-gc", action="store_true",
                        help="call gc.freeze() after the project opened, so collections skip its objects")
    args = parser.parse_args(argv)

    result = run(args.project, args.log, args.interval_ms, args.freeze_gc)
    (HERE / "out").mkdir(exist_ok=True)
    (HERE / "out" / "import_latency.json").write_text(json.dumps(result, indent=2), "utf-8")
    section = results_section(result, args.project, args.log)
    print(section)
    if args.write_results:
        write_results(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
