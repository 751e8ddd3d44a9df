"""Benchmark: UI-thread latency while Monte Carlo and comparison runs go on in the background.

Usage: python bench/bench_ui_analysis.py [PROJECT.cwb] [--write-results]

Opens the reference project (``bench/build_reference.py``) in a real main window and shows its
uncertainty and comparison docks. A :class:`ui_latency.LatencyProbe` (a 10 ms QTimer on the UI
thread) then runs while the views do, phase by phase, what a user would. The first phase is
idle and shows the machine's noise. Then come showing the docks, the first live interval
(which prepares the uncertainty detail in the background), an adaptive Monte Carlo run, a
fixed run of 1,000,000 trials and a comparison of three sets with 100,000 trials. The last
phases run Monte Carlo and comparison together, PUE previews every 50 ms as from a dragged
slider, and all of these at once. The goal is no gap over 100 ms. Each phase records the largest gap,
p99, median and the number of gaps over the goal; results go to ``bench/out/ui_analysis.json``
and, with ``--write-results``, to this benchmark's section of RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from PySide6.QtCore import QSettings, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from bench_recompute import machine  # noqa: E402
from ui_latency import GOAL_MS, LatencyProbe, spin_until  # noqa: E402

MARKER = "## Uncertainty and comparison views: UI-thread latency"
COMPARED_SETS = ("baseline", "pue-low", "bloom")
TIMEOUT_S = 600.0
PREVIEW_MS = 50
SETTLE_S = 3.0
PREVIEW_S = 5.0


SLOT_TIMES: list[float] = []


def _timed_slot(slot):
    """Wrap a view's UI-thread slot so the bench can report the slowest call of each phase."""
    def timed(*args):
        started = time.perf_counter()
        try:
            return slot(*args)
        finally:
            SLOT_TIMES.append((time.perf_counter() - started) * 1000.0)
    return timed


def _phase(probe: LatencyProbe, name: str, start, done) -> dict:
    SLOT_TIMES.clear()
    probe.start()
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    probe.mark(f"{name}: started")
    start()
    finished = spin_until(done, TIMEOUT_S)
    elapsed = time.perf_counter() - started
    probe.stop()
    summary = probe.summary()
    summary.update({"phase": name, "wall_s": elapsed, "finished": finished,
                    "view_slot_max_ms": max(SLOT_TIMES, default=0.0),
                    "load_average": max(load_before, os.getloadavg()[0])})
    print(f"{name}: {elapsed:.2f} s, slowest view slot {summary['view_slot_max_ms']:.1f} ms, max gap {summary['max_ms']:.1f} ms, p99 {summary['p99_ms']:.1f} ms, "
          f"{summary['over_goal']} gaps over {GOAL_MS:.0f} ms, {summary['gc_collections']} collections on the UI "
          f"thread (longest {summary['gc_max_ms']:.1f} ms)", flush=True)
    return summary


def run(project: Path) -> dict:
    from workbench.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    settings = QSettings(str(HERE / "out" / "bench_settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, ask_rationale=lambda *_args: "benchmark")
    window.show()
    started = time.perf_counter()
    window.open_project(project)
    open_s = time.perf_counter() - started
    uncertainty = window.analysis.uncertainty
    comparison = window.analysis.comparison
    probe = LatencyProbe()
    phases = []
    for view, names in ((uncertainty, ("_submit_live", "_apply_live", "_show_run", "_show_progress")),
                        (comparison, ("_show_result", "_show_progress"))):
        for slot_name in names:
            setattr(view, slot_name, _timed_slot(getattr(view, slot_name)))

    # Showing the docks resizes the central energy chart, and repainting every run's curve is a
    # cost of the main window, not of these views. It is measured as its own phase. The docks
    # are placed one above the other so that both views stay visible in the later phases.
    analysis = window.analysis
    uncertainty.setVisible(False)

    def show_docks() -> None:
        analysis.uncertainty_dock.show()
        analysis.comparison_dock.show()
        window.splitDockWidget(analysis.uncertainty_dock, analysis.comparison_dock, Qt.Orientation.Vertical)

    # The first turns of the event loop after opening paint the window and the energy chart of
    # every run. That is a cost of opening, so it happens before any probe runs.
    first_paint = time.perf_counter()
    spin_until(lambda: time.perf_counter() - first_paint >= SETTLE_S, TIMEOUT_S)
    # After opening, the window also recounts the energy rows behind the stored run totals in a
    # one-off job on the pool. The phases start once that job has ended.
    spin_until(lambda: not window.jobs, TIMEOUT_S)
    idle = {"at": time.perf_counter() + SETTLE_S}
    phases.append(_phase(probe, "idle, nothing in the background (the machine's noise floor)", lambda: None,
                         lambda: time.perf_counter() >= idle["at"]))
    settled = {"at": time.perf_counter() + SETTLE_S}
    phases.append(_phase(probe, "showing both docks (layout and repaint of the main window)", show_docks,
                         lambda: time.perf_counter() >= settled["at"]))
    uncertainty.setVisible(True)
    phases.append(_phase(probe, "first live interval (prepares the uncertainty detail)", lambda: None,
                         lambda: uncertainty.live is not None and not uncertainty.live_busy()))

    uncertainty.state.set("adaptive", True)
    phases.append(_phase(probe, "Monte Carlo, adaptive stopping", uncertainty.start_monte_carlo,
                         lambda: uncertainty.job is None))
    adaptive_trials = uncertainty.run.result.trials if uncertainty.run else 0

    uncertainty.state.set("adaptive", False)
    uncertainty.state.set("trials", 1_000_000)
    phases.append(_phase(probe, "Monte Carlo, 1,000,000 trials", uncertainty.start_monte_carlo,
                         lambda: uncertainty.job is None))

    comparison.state.set("sets", COMPARED_SETS)
    comparison.state.set("baseline", COMPARED_SETS[0])
    comparison.state.set("trials", 100_000)
    phases.append(_phase(probe, "comparison of 3 sets, 100,000 trials", comparison.start_comparison,
                         lambda: comparison.job is None))

    uncertainty.state.set("adaptive", True)
    phases.append(_phase(probe, "Monte Carlo + comparison together", lambda: (uncertainty.start_monte_carlo(),
                                                                              comparison.start_comparison()),
                         lambda: uncertainty.job is None and comparison.job is None))

    previews = QTimer()
    previews.setInterval(PREVIEW_MS)
    values = iter([1.2 + 0.005 * step for step in range(100_000)])
    # Previews go to the session directly, as the recomputer sends them. The main window's own
    # recompute and redraw of the runs table and energy chart are left out of these phases.
    previews.timeout.connect(lambda: window.session.preview({"pue": next(values)}))
    stop_at = {"at": 0.0}

    def start_previews() -> None:
        stop_at["at"] = time.perf_counter() + PREVIEW_S
        previews.start()

    def previews_done() -> bool:
        if time.perf_counter() < stop_at["at"]:
            return False
        previews.stop()
        return not uncertainty.live_busy()

    phases.append(_phase(probe, f"PUE previews every {PREVIEW_MS} ms for {PREVIEW_S:.0f} s (the live interval follows)",
                         start_previews, previews_done))

    def start_all() -> None:
        start_previews()
        uncertainty.start_monte_carlo()
        comparison.start_comparison()

    phases.append(_phase(probe, "Monte Carlo + comparison + the same PUE previews", start_all,
                         lambda: previews_done() and uncertainty.job is None and comparison.job is None))
    previews.stop()
    window.recomputer.wait_idle()
    # NOTE: closing the window clears the energy chart curve by curve, which takes minutes with
    # 1,000 runs, so the bench stops the workers and leaves the window open.
    uncertainty.shutdown()
    comparison.shutdown()
    window.recomputer.shutdown()
    app.processEvents()
    return {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(),
            "platform": os.environ.get("QT_QPA_PLATFORM", ""), "project": str(project), "open_s": open_s,
            "adaptive_trials": adaptive_trials, "phases": phases}


def results_section(result: dict) -> str:
    rows = "\n".join(
        f"| {phase['phase']} | {phase['wall_s']:.2f} s | {phase['ticks']:,} | {phase['median_ms']:.1f} ms | "
        f"{phase['p99_ms']:.1f} ms | **{phase['max_ms']:.1f} ms** | {phase['over_goal']} | "
        f"{phase['gc_collections']} ({phase['gc_max_ms']:.0f} ms) | {phase['view_slot_max_ms']:.1f} ms | "
        f"{phase['load_average']:.1f} |"
        for phase in result["phases"])
    worst = max(phase["max_ms"] for phase in result["phases"])
    verdict = "met" if max(phase["max_ms"] for phase in result["phases"][2:]) <= GOAL_MS else "not met"
    idle = result["phases"][0]
    views = result["phases"][2:]
    worst_views = max(phase["max_ms"] for phase in views)
    return f"""{MARKER}

Measured {result['date']} on {result['machine']}, Qt platform `{result['platform']}`, by
`python bench/build_reference.py && python bench/bench_ui_analysis.py --write-results`. Other
helpers' tests and benchmarks ran on the same 2 cores (load average in the last column), so the
figures are upper bounds. The reference project is opened in the main window; after its first
paint has settled, a 10 ms QTimer on the UI thread (`bench/ui_latency.py`) records the gaps
between its timeouts while each phase runs. A gap is the longest time the UI thread handled no
event. The slot column is the slowest call on the UI thread of the views' own code (drawing a
live interval, a Monte Carlo result, a comparison, a progress step).

| Phase | Wall time | Timer ticks | Median gap | p99 gap | Largest gap | Gaps over {GOAL_MS:.0f} ms | Garbage collections on the UI thread (longest) | Slowest UI-thread slot of these views | Load average |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|
{rows}

Goal: no gap over {GOAL_MS:.0f} ms while Monte Carlo and comparison run ({verdict} on this run: the
largest gap in the phases from the first live interval on is {worst_views:.1f} ms, and {worst:.1f} ms
over all phases). With nothing running in the background the largest gap was
{idle['max_ms']:.1f} ms, which shows the machine's scheduling noise at that load. The adaptive run
stopped after {result['adaptive_trials']:,} trials. Opening the project took {result['open_s']:.1f} s; it is
read on the worker pool behind a progress dialog, and the UI thread only adopts the result
(before that change it blocked the UI thread for 90 to 190 s under load). Once a project is
open its long-lived objects are frozen out of the garbage collector (`gc.freeze`), because each
full collection on the UI thread had taken 100 to 180 ms with the reference project open. The
offscreen platform paints into memory, so a real display adds its own painting time.

The views' own work on the UI thread stayed under about 17 ms per call on this run (44 ms on
an earlier run at load 3). Monte Carlo and
comparison run as Python threads at nice +5 and share the CPU and the interpreter lock with the
UI thread. A probe without Qt (a 5 ms sleep loop on the main thread while 1,000,000 trials ran
in a thread, 2026-12-05 02:14 UTC, load 1.8) saw at most 13 ms with Python's default 5 ms switch
interval and at most 7 ms with 2 ms, so the vectorised batches release the lock often enough.
Workers now ask for the 2 ms interval (`workbench/ui/workers.py`, `share_interpreter_with_ui`).
The script starts its phases once the window's recount of the stored run totals after opening
has ended. Gaps over 100 ms still occur when other work takes a core: in a run at 05:08 UTC
while the test suite ran beside it (load 1.7 to 2.1), Monte Carlo with the comparison had 2 gaps
over 100 ms (largest 114.1 ms) and the same with PUE previews 1 (137.7 ms); every other phase
stayed under 51 ms. At 02:20 UTC, before the chart data was built with NumPy (an applied
preview then took 38 to 48 ms of UI work, see the PUE slider section), the phase with PUE
previews had 3 gaps over 100 ms at load 2.3.

Before the changes of 2026-12-05 (work on opening, chart data and the worker pool), at load 9.7:
showing both docks 2,216 ms, Monte Carlo 121 to 144 ms, Monte Carlo with comparison 340 ms, and
the same with PUE previews 287 ms. Opening the project blocked the UI thread for 91.5 s.
"""


def write_results(section: str) -> Path:
    path = HERE / "RESULTS.md"
    text = path.read_text() if path.exists() else "# Benchmark results\n\n"
    if MARKER in text:
        before, _, after = text.partition(MARKER)
        rest = after.split("\n## ", 1)
        text = before + section.rstrip("\n") + "\n" + ("\n## " + rest[1] if len(rest) > 1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", nargs="?", default=str(HERE / "out" / "reference.cwb"))
    parser.add_argument("--write-results", action="store_true", help="replace this benchmark's section of RESULTS.md")
    parser.add_argument("--from-json", metavar="FILE", help="write the section from a saved result instead of running")
    args = parser.parse_args(argv)
    if args.from_json:
        result = json.loads(Path(args.from_json).read_text())
    else:
        result = run(Path(args.project))
        out = HERE / "out" / "ui_analysis.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2))
    section = results_section(result)
    print(section)
    if args.write_results:
        print(f"wrote {write_results(section)}")
    return 0


if __name__ == "__main__":
    status = main()
    sys.stdout.flush()
    # Tearing down the window deletes the energy chart's 1,000 curves one by one, which takes
    # minutes. Every worker has stopped and every result is written, so the teardown is skipped.
    os._exit(status)
