"""Load figures: opening the reference project, importing a 5 GB telemetry log, comparing 10 sets.

Usage:
    python bench/bench_reliability.py open [PROJECT.cwb] [--repeat N]
    python bench/bench_reliability.py import-log [--gigabytes G | --log FILE] [--keep]
    python bench/bench_reliability.py compare [PROJECT.cwb] [--trials N]
    python bench/bench_reliability.py all

The project defaults to ``bench/out/reference.cwb`` (``python bench/build_reference.py``). Each
measurement runs in a child process of its own, and its peak memory is that child's
``ru_maxrss`` from ``wait4`` (the interpreter and every imported module included). Results are
merged into ``bench/reliability.json``, which ``scripts/reliability_report.py`` reads.

- ``open``: the time the desktop application's ``Session.open`` takes (open and check the file,
  load and prepare the footprint model, compute the footprint with the baseline set), after the
  modules are imported, and the process's peak memory. Goals: under 2 s and under 2 GB.
- ``import-log``: writes a ``nvidia-smi --query-gpu`` log of about G GB (default 5) with
  ``bench/generate_nvidia_smi_log.py`` into the temporary folder, imports it with
  ``carbon-workbench import --kind gpu-log`` into a new project, and deletes the log. Goal:
  peak memory under 600 MB.
- ``compare``: compares the project's 10 assumption sets with Monte Carlo (both views) in a
  worker thread while an offscreen Qt application runs a 10 ms QTimer on its GUI thread. The
  largest gap between two timer ticks is the longest the window would have been frozen. The
  same probe first runs for 20 s with no worker, to show the delays the machine itself causes.
  The comparison runs in the worker thread itself ("thread") and, as the GUI should run it, in
  a child process the worker thread waits for (``compare_sets_in_process``, "process"). Goal:
  the comparison finishes and no gap exceeds 100 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parent
RESULTS = HERE / "reliability.json"
REFERENCE = HERE / "out" / "reference.cwb"
OPEN_GOAL_S = 2.0
OPEN_GOAL_BYTES = 2 * 1000**3
IMPORT_GOAL_BYTES = 600 * 1000**2
GAP_GOAL_MS = 100.0
IDLE_PROBE_S = 20.0
SECONDS_PER_GB = 1_400_000 / 1.069387143  # the generator writes 1.069 GB for 1,400,000 s of 8 GPUs

OPEN_CHILD = """
import json, resource, sys, time
started = time.perf_counter()
from workbench.services.session import Session
from workbench.services import projects
imported = time.perf_counter()
with projects.open_existing(sys.argv[1]) as project:
    checked = time.perf_counter()
session = Session()
opening = time.perf_counter()
session.open(sys.argv[1])
opened = time.perf_counter()
runs = len(session.result.runs) if session.result is not None and hasattr(session.result, "runs") else None
session.close()
print(json.dumps({"imports_s": imported - started, "open_file_s": checked - imported,
                  "session_open_s": opened - opening, "runs": runs}))
"""

COMPARE_CHILD = """
import json, statistics, sys, threading, time
from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication
from workbench.services import assumptions, background, comparison, projects

path, trials, mode = sys.argv[1], int(sys.argv[2]), sys.argv[4]
app = QApplication([])
ticks = []
outcome = {}

def compare():
    started = time.perf_counter()
    with projects.open_existing(path, read_only=True) as project:
        names = [item["name"] for item in assumptions.list_sets(project)]
        outcome["sets"] = len(names)
        for view in ("footprint", "inventory"):
            view_started = time.perf_counter()
            if mode == "process":
                result = background.compare_sets_in_process(path, names, view=view, trials=trials)
            else:
                result = comparison.compare_sets(project, names, view=view, trials=trials)
            outcome[f"{view}_s"] = time.perf_counter() - view_started
            outcome[f"{view}_differences"] = len(result.decompositions)
    outcome["compare_s"] = time.perf_counter() - started

# The same probe with no worker first: gaps the operating system causes on a busy machine.
idle_ticks = []
started_idle = time.perf_counter()

def idle_tick():
    idle_ticks.append(time.perf_counter())
    if idle_ticks[-1] - started_idle > float(sys.argv[3]):
        app.quit()

def tick():
    ticks.append(time.perf_counter())
    if not worker.is_alive():
        app.quit()

def gap_figures(stamps, prefix):
    gaps = sorted((later - earlier) * 1000.0 for earlier, later in zip(stamps, stamps[1:]))
    return {f"{prefix}ticks": len(stamps), f"{prefix}max_gap_ms": gaps[-1],
            f"{prefix}p99_gap_ms": gaps[int(0.99 * (len(gaps) - 1))], f"{prefix}median_gap_ms": statistics.median(gaps),
            f"{prefix}gaps_over_100_ms": sum(gap > 100.0 for gap in gaps)}

idle_timer = QTimer()
idle_timer.setInterval(10)
idle_timer.timeout.connect(idle_tick)
idle_timer.start()
app.exec()
idle_timer.stop()

timer = QTimer()
timer.setInterval(10)
timer.timeout.connect(tick)
worker = threading.Thread(target=compare, daemon=True)
timer.start()
QTimer.singleShot(0, worker.start)
app.exec()
outcome.update(gap_figures(ticks, ""))
outcome.update(gap_figures(idle_ticks, "idle_"))
print(json.dumps(outcome))
"""


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return (f"{cpu}, {os.cpu_count()} logical CPUs, {memory_gib:.0f} GiB RAM, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}")


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def run_measured(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, int, str]:
    """Run a child; return its wall time in seconds, its peak RSS in bytes and its standard output."""
    env = dict(os.environ, **(env or {}))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPOSITORY), env.get("PYTHONPATH", "")]))
    started = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    # wait4 gives this child's own peak memory, unlike RUSAGE_CHILDREN, which keeps the largest so far.
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    stdout, stderr = child.stdout.read(), child.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv[:4])} failed with status {status}:\n{stderr[-3000:]}")
    return elapsed, usage.ru_maxrss * 1024, stdout


def measure_open(project: Path, repeat: int) -> dict:
    runs = []
    for _ in range(repeat):
        _, peak_bytes, stdout = run_measured([sys.executable, "-c", OPEN_CHILD, str(project)])
        runs.append(dict(json.loads(stdout.strip().splitlines()[-1]), peak_rss_bytes=peak_bytes))
        print(f"  open: {runs[-1]['session_open_s']:.2f} s, {peak_bytes / 1e6:.0f} MB", flush=True)
    median_s = statistics.median(run["session_open_s"] for run in runs)
    peak = max(run["peak_rss_bytes"] for run in runs)
    return {"project": str(project), "project_bytes": project.stat().st_size, "runs": runs,
            "median_session_open_s": median_s, "median_open_file_s": statistics.median(r["open_file_s"] for r in runs),
            "max_peak_rss_bytes": peak, "goal_s": OPEN_GOAL_S, "goal_bytes": OPEN_GOAL_BYTES,
            "time_goal_met": median_s < OPEN_GOAL_S, "memory_goal_met": peak < OPEN_GOAL_BYTES,
            "load_average": load_average()}


def measure_import(gigabytes: float, keep: bool, log: Path | None = None) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="cwb-import-bench-"))
    if log is None:
        log = folder / "gpu_log.csv"
        seconds = int(gigabytes * SECONDS_PER_GB)
        print(f"  writing {log} ({seconds:,} s of 8 GPUs) ...", flush=True)
        subprocess.run([sys.executable, str(HERE / "generate_nvidia_smi_log.py"), str(log), "--seconds",
                        str(seconds)], check=True, stdout=subprocess.DEVNULL)
    size = log.stat().st_size
    project = folder / "import.cwb"
    command = [sys.executable, "-m", "workbench.cli"]
    run_measured([*command, "new", str(project)])
    try:
        elapsed, peak_bytes, stdout = run_measured(
            [*command, "import", str(project), "--kind", "gpu-log", str(log), "--timezone", "UTC", "--site",
             "bench-site", "--run", "bench-run", "--json"])
    finally:
        if not keep:
            log.unlink()
    report = json.loads(stdout)[0]
    print(f"  import: {elapsed:.1f} s, {peak_bytes / 1e6:.0f} MB", flush=True)
    result = {"log_bytes": size, "rows_read": report["rows_read"], "rows_accepted": report["rows_accepted"],
              "rows_rejected": report["rows_rejected"], "totals": report["totals"], "wall_s": elapsed,
              "peak_rss_bytes": peak_bytes, "goal_bytes": IMPORT_GOAL_BYTES,
              "memory_goal_met": peak_bytes < IMPORT_GOAL_BYTES, "load_average": load_average(),
              "log_deleted": not keep}
    project.unlink()
    return result


def measure_compare(project: Path, trials: int, mode: str) -> dict:
    """Measure the comparison run in a worker thread (``mode`` "thread") or in a child process ("process")."""
    env = {"QT_QPA_PLATFORM": "offscreen"}
    elapsed, peak_bytes, stdout = run_measured([sys.executable, "-c", COMPARE_CHILD, str(project), str(trials),
                                                str(IDLE_PROBE_S), mode], env)
    result = json.loads(stdout.strip().splitlines()[-1])
    print(f"  compare ({mode}): {result['compare_s']:.1f} s, longest gap {result['max_gap_ms']:.0f} ms", flush=True)
    result.update(mode=mode, trials=trials, wall_s=elapsed, peak_rss_bytes=peak_bytes, goal_gap_ms=GAP_GOAL_MS,
                  responsive_goal_met=result["max_gap_ms"] < GAP_GOAL_MS, load_average=load_average())
    return result


def save(section: str, figures: dict) -> None:
    results = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    figures = dict(figures, measured_at=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                   machine=machine())
    results[section] = figures
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote the {section} figures to {RESULTS}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("open", "import-log", "compare", "all"))
    parser.add_argument("project", nargs="?", default=str(REFERENCE), help="reference project (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the open measurement (default: 3)")
    parser.add_argument("--gigabytes", type=float, default=5.0, help="size of the generated log in GB (default: 5)")
    parser.add_argument("--keep", action="store_true", help="keep the log after the import")
    parser.add_argument("--log", type=Path, help="import this nvidia-smi log instead of writing one (it is deleted "
                                                 "afterwards unless --keep is given)")
    parser.add_argument("--trials", type=int, default=100_000, help="Monte Carlo trials per comparison "
                                                                    "(default: 100,000)")
    parser.add_argument("--modes", nargs="+", choices=("thread", "process"), default=["thread", "process"],
                        help="run the comparison in the worker thread itself, or in a child process the worker "
                             "thread waits for (default: both)")
    args = parser.parse_args(argv)
    project = Path(args.project)
    if args.what in ("open", "compare", "all") and not project.exists():
        parser.error(f"{project} does not exist; build it with 'python bench/build_reference.py {project}'")
    if args.what in ("open", "all"):
        save("open", measure_open(project, args.repeat))
    if args.what in ("import-log", "all"):
        save("import_log", measure_import(args.gigabytes, args.keep, args.log))
    if args.what in ("compare", "all"):
        for mode in args.modes:
            save("compare" if mode == "thread" else f"compare_{mode}", measure_compare(project, args.trials, mode))
    return 0


if __name__ == "__main__":
    sys.exit(main())
