"""Time the three GPU-hour pipelines on one nvidia-smi log: wall time and peak memory, medians of N runs.

Each run of each pipeline is a separate child process (``bench/pipelines.py``); its peak
resident memory is the child's ``ru_maxrss`` from ``os.wait4``, so imports count too. The runs
are interleaved (workbench, duckdb, pandas, workbench, ...) so background load hits all three
alike. Prints one Markdown table and writes the raw figures as JSON next to the log.

Usage: python bench/benchmark.py LOG.csv [--runs 3] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

PIPELINES = ("workbench", "duckdb", "pandas")
HERE = Path(__file__).resolve().parent


def run_once(name: str, log: Path, workdir: Path) -> dict:
    """Run one pipeline in a child process; return its JSON line plus wall seconds and peak RSS."""
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, str(HERE / "pipelines.py"), name, str(log), str(workdir)],
                             stdout=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    output = child.stdout.read()
    child.stdout.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{name} failed with status {status}: {output}")
    outcome = json.loads(output.strip().splitlines()[-1])
    outcome.update(wall_s=wall, cpu_s=usage.ru_utime + usage.ru_stime, peak_rss_mib=usage.ru_maxrss / 1024.0,
                   load_average=os.getloadavg()[0])
    return outcome


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} logical CPUs, {memory:.0f} GiB RAM, {platform.system()} {platform.release()}, " \
           f"Python {platform.python_version()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path("bench/out"))
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)

    results: dict[str, list[dict]] = {name: [] for name in PIPELINES}
    for run in range(args.runs):
        for name in PIPELINES:
            outcome = run_once(name, args.log, args.workdir)
            results[name].append(outcome)
            print(f"run {run + 1} {name}: {outcome['wall_s']:.2f} s wall, {outcome['cpu_s']:.2f} s CPU, "
                  f"{outcome['peak_rss_mib']:.0f} MiB, load {outcome['load_average']:.2f}, "
                  f"{outcome['energy_kwh']:.6f} kWh, {outcome['gpu_hours']} GPU-hours", file=sys.stderr)

    medians = {name: {"wall_s": statistics.median(r["wall_s"] for r in runs),
                      "cpu_s": statistics.median(r["cpu_s"] for r in runs),
                      "peak_rss_mib": statistics.median(r["peak_rss_mib"] for r in runs),
                      "energy_kwh": runs[0]["energy_kwh"], "gpu_hours": runs[0]["gpu_hours"]}
               for name, runs in results.items()}
    report = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": machine(),
              "log": str(args.log), "log_bytes": args.log.stat().st_size, "runs": args.runs,
              "results": results, "medians": medians}
    (args.workdir / "benchmark.json").write_text(json.dumps(report, indent=2))

    ours = medians["workbench"]["wall_s"]
    print("| pipeline | median wall s | median CPU s | median peak RSS MiB | energy kWh | GPU-hours "
          "| wall time / workbench's |")
    print("|---|---|---|---|---|---|---|")
    for name in PIPELINES:
        m = medians[name]
        print(f"| {name} | {m['wall_s']:.2f} | {m['cpu_s']:.2f} | {m['peak_rss_mib']:.0f} | {m['energy_kwh']:.6f} "
              f"| {m['gpu_hours']} | {m['wall_s'] / ours:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
