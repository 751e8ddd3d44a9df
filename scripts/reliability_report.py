"""Run the reliability tests and write ``docs/reliability.md``: each fault class with its cases, and the load figures.

Usage:
    python scripts/reliability_report.py [--kill-points N] [--junitxml FILE] [--no-run] [--out FILE]

Every test module under ``tests/reliability/`` declares ``FAULT_CLASS = "..."``. The script runs
``pytest tests/reliability --junitxml=FILE``, reads the result of every test case, groups the
cases by their module's fault class and counts the cases tried (run, not skipped) and survived
(passed). ``--kill-points N`` sets how many points each kill test tries per command and kind
(``CWB_KILL_POINTS``; the tests default to 3, and so does the script). The load figures come from ``bench/reliability.json``,
written by ``bench/bench_reliability.py``. The exit status is 1 when a case failed.
"""

from __future__ import annotations

import argparse
import ast
import collections
import json
import os
import platform
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
TESTS = REPOSITORY / "tests" / "reliability"
BENCH_RESULTS = REPOSITORY / "bench" / "reliability.json"
OUTPUT = REPOSITORY / "docs" / "reliability.md"
UNKNOWN_CLASS = "(module without FAULT_CLASS)"
# The default of tests/reliability/faultkit.py, so the report of a plain run names the number it used.
DEFAULT_KILL_POINTS = 3


@dataclass
class FaultClass:
    """Counts of one fault class over its test cases."""

    name: str
    modules: set[str] = field(default_factory=set)
    tried: int = 0
    survived: int = 0
    skipped: int = 0
    failed: list[str] = field(default_factory=list)


def fault_class_of(module: Path) -> str:
    """Read the module's ``FAULT_CLASS`` constant without importing it."""
    tree = ast.parse(module.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(target, "id", None) == "FAULT_CLASS" for target in node.targets):
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                return node.value.value
    return UNKNOWN_CLASS


def module_path(classname: str) -> Path | None:
    """Find the test module of a JUnit ``classname`` such as ``tests.reliability.test_x.TestY``."""
    parts = classname.split(".")
    for end in range(len(parts), 0, -1):
        candidate = REPOSITORY.joinpath(*parts[:end]).with_suffix(".py")
        if candidate.is_file():
            return candidate
    return None


def run_tests(junit: Path, kill_points: int, outcomes: Path) -> int:
    env = dict(os.environ, CWB_KILL_OUTCOMES=str(outcomes), CWB_KILL_POINTS=str(kill_points))
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(TESTS.relative_to(REPOSITORY)),
               f"--junitxml={junit}"]
    print("running:", " ".join(command), flush=True)
    return subprocess.run(command, cwd=REPOSITORY, env=env).returncode


def count_cases(junit: Path) -> dict[str, FaultClass]:
    classes: dict[str, FaultClass] = {}
    for case in ElementTree.parse(junit).getroot().iter("testcase"):
        module = module_path(case.get("classname", ""))
        name = fault_class_of(module) if module else UNKNOWN_CLASS
        entry = classes.setdefault(name, FaultClass(name))
        if module:
            entry.modules.add(str(module.relative_to(REPOSITORY)))
        if case.find("skipped") is not None:
            entry.skipped += 1
            continue
        entry.tried += 1
        if case.find("failure") is None and case.find("error") is None:
            entry.survived += 1
        else:
            entry.failed.append(case.get("name", "?"))
    return classes


def count_outcomes(outcomes: Path) -> dict[str, collections.Counter]:
    """Count, per command, how many kills left the content of before and of after the command."""
    counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    if outcomes.exists():
        for line in outcomes.read_text(encoding="utf-8").splitlines():
            where, _, outcome = line.rpartition("\t")
            counts[where.split(",", 1)[0]][outcome] += 1
    return counts


def _mb(value: float) -> str:
    return f"{value / 1e6:,.0f} MB"


def _met(flag: bool) -> str:
    return "met" if flag else "**missed**"


def load_section(figures: dict) -> list[str]:
    lines = ["## Load", ""]
    if not figures:
        return lines + ["No load figures yet: run `python bench/bench_reliability.py all` (see below).", ""]
    lines += ["| Measurement | Figure | Goal | |", "|---|---|---|---|"]
    opening = figures.get("open")
    if opening:
        lines.append(f"| Open the reference project ({opening['project_bytes'] / 1e6:,.0f} MB) in the desktop "
                     f"session: open and check the file, prepare the model, first footprint (median of "
                     f"{len(opening['runs'])}) | {opening['median_session_open_s']:.1f} s | under 2 s | "
                     f"{_met(opening['time_goal_met'])} |")
        lines.append(f"| The same, peak memory of the process | {_mb(opening['max_peak_rss_bytes'])} | under 2 GB | "
                     f"{_met(opening['memory_goal_met'])} |")
        lines.append(f"| The same, opening and checking the file alone | {opening['median_open_file_s'] * 1000:.0f} ms "
                     "| | |")
    imported = figures.get("import_log")
    if imported:
        lines.append(f"| Import a {imported['log_bytes'] / 1e9:.2f} GB nvidia-smi query-gpu log "
                     f"({imported['rows_read']:,} rows), peak memory | {_mb(imported['peak_rss_bytes'])} | "
                     f"under 600 MB | {_met(imported['memory_goal_met'])} |")
        lines.append(f"| The same, wall time | {imported['wall_s']:.0f} s | | |")
    for key, where in (("compare", "in the worker thread itself"),
                       ("compare_process", "in a child process that the worker thread waits for")):
        compared = figures.get(key)
        if not compared:
            continue
        lines.append(f"| Compare {compared['sets']} assumption sets, Monte Carlo with {compared['trials']:,} trials, "
                     f"footprint and inventory, {where} | {compared['compare_s']:.0f} s | finishes | met |")
        lines.append(f"| The same, longest gap between 10 ms ticks of a QTimer on the GUI thread (p99 "
                     f"{compared['p99_gap_ms']:.0f} ms, gaps over 100 ms: {compared['gaps_over_100_ms']}) | "
                     f"{compared['max_gap_ms']:.0f} ms | under 100 ms | {_met(compared['responsive_goal_met'])} |")
        if "idle_max_gap_ms" in compared:
            lines.append(f"| The same probe with no comparison running, for the machine's own delays (p99 "
                         f"{compared['idle_p99_gap_ms']:.0f} ms) | {compared['idle_max_gap_ms']:.0f} ms | | |")
    lines.append("")
    for key, label in (("open", "Opening"), ("import_log", "Import"), ("compare", "Comparison in a thread"),
                       ("compare_process", "Comparison in a child process")):
        if key in figures:
            item = figures[key]
            lines.append(f"- {label}: measured {item['measured_at']} on {item['machine']}; 1-minute load average "
                         f"{item['load_average']} at the end.")
    notes = figures.get("notes", [])
    if notes:
        lines += [""] + [f"- {note}" for note in notes]
    return lines + [""]


def render(classes: dict[str, FaultClass], outcomes: dict[str, collections.Counter], figures: dict,
           kill_points: int, test_status: int) -> str:
    tried = sum(item.tried for item in classes.values())
    survived = sum(item.survived for item in classes.values())
    lines = [
        "# Reliability under faults, hostile input and load",
        "",
        "Generated by `python scripts/reliability_report.py` on "
        f"{datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')} ({platform.system()}, Python "
        f"{platform.python_version()}, SQLite {__import__('sqlite3').sqlite_version}, kill points per command: "
        f"{kill_points}). Do not edit it by hand.",
        "",
        f"**{survived} of {tried} cases survived** in {len(classes)} classes of fault and hostile input. A case "
        "survives when its test passes: the project passes `PRAGMA integrity_check`, its audit chain verifies, "
        "its content is as the test requires, and the error, if any, names the file and what to do.",
        "",
        "## Classes",
        "",
        "| Class | Cases tried | Survived | Skipped | Test modules |",
        "|---|---:|---:|---:|---|",
    ]
    for item in sorted(classes.values(), key=lambda entry: entry.name):
        modules = ", ".join(f"`{module}`" for module in sorted(item.modules))
        lines.append(f"| {item.name} | {item.tried} | {item.survived} | {item.skipped} | {modules} |")
    failed = [(item.name, case) for item in classes.values() for case in item.failed]
    if failed or test_status not in (0, 1):
        lines += ["", "Failed cases:", ""] + [f"- {name}: `{case}`" for name, case in failed]
        if test_status not in (0, 1):
            lines.append(f"- pytest exited with status {test_status} (collection or usage error).")
    if outcomes:
        kill_failures = sum(len(item.failed) for item in classes.values() if item.name.startswith("process killed"))
        verdict = ("No kill left anything in between." if not kill_failures else
                   f"{kill_failures} kill cases failed and are not counted here.")
        lines += ["", "### Where the killed commands left the project", "",
                  "A passing kill case leaves the content of before the command (rolled back) or of after a clean "
                  f"run (committed). {verdict}", "",
                  "| Command | Kills | Content before | Content after |", "|---|---:|---:|---:|"]
        for command, counter in sorted(outcomes.items()):
            lines.append(f"| {command} | {sum(counter.values())} | {counter['before']} | {counter['after']} |")
    lines += ["", *load_section(figures), *METHODS]
    return "\n".join(lines) + "\n"


METHODS = [
    "## How the faults are made",
    "",
    "- Process killed: the command runs in a child process (`tests/reliability/cli_child.py`, the real "
    "`carbon-workbench` entry point with the clock frozen so clean runs repeat byte for byte). It sends itself "
    "SIGKILL when SQLite starts its N-th statement (a trace callback), or before its N-th write, fsync or "
    "rename on the project or report file (`tests/reliability/killwrite.c`, loaded with LD_PRELOAD). Write "
    "kills land between the page writes of a commit and of a checkpoint. A clean run first counts the "
    "statements and writes; the points are spread over the whole command, plus the final COMMIT and the "
    "statement before it. Commands: import of a GPU log, migration of the format 1 and format 4 fixtures, "
    "an assumption edit with a rationale, a sign-off, and a JSON export over an earlier report.",
    "- Full disk: `PRAGMA max_page_count` caps the project in process; in a child process the same shim "
    "fails every write, fsync and rename from the N-th on with ENOSPC (or EDQUOT), on the project or on "
    "the exported report.",
    "- Read-only: mode bits for a normal user; for root, which ignores them, the immutable attribute "
    "(`chattr +i`), on the project file, its folder or the export folder.",
    "- Removable drive: the project's folder is renamed away (and back) or the file deleted, moved or "
    "replaced while a project or a desktop session has it open, and between two commands.",
    "- Two instances: a second connection or process writes while another holds the write lock; six "
    "processes write at once; two processes upgrade an old project at once.",
    "",
    "The hostile-input classes and the longer fuzzing run are described in [fuzzing.md](fuzzing.md).",
    "",
    "## Re-running",
    "",
    "```sh",
    "python scripts/reliability_report.py                   # the CI set: 3 kill points per command and kind",
    "python scripts/reliability_report.py --kill-points 40  # 40 kill points per command and kind",
    "python bench/build_reference.py                        # bench/out/reference.cwb, about 1 minute",
    "python bench/bench_reliability.py all                  # load figures into bench/reliability.json",
    "```",
    "",
    "With the default 3 kill points, `pytest tests/reliability` ran 105 cases in 86 s of wall time (86 s of CPU "
    "time) on 2 CPUs with a load average near 2. With 8 it took 8 minutes with a load average near 10. The "
    "kill and full-disk tests that use the shim need a C compiler (`cc`), and without one they are skipped. "
    "Read-only tests run as root need `chattr`.",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kill-points", type=int, default=DEFAULT_KILL_POINTS,
                        help="kill points per command and kind (default: %(default)s, as in a plain test run)")
    parser.add_argument("--junitxml", type=Path, help="where pytest writes its JUnit XML (default: a temporary file)")
    parser.add_argument("--no-run", action="store_true", help="read an existing --junitxml file instead of running")
    parser.add_argument("--results", type=Path, default=BENCH_RESULTS, help="load figures (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=OUTPUT, help="report to write (default: %(default)s)")
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="cwb-reliability-"))
    junit = args.junitxml or folder / "reliability.xml"
    # Beside the JUnit file, so that --no-run finds the outcomes of the run that wrote it.
    outcomes = junit.parent / "kill_outcomes.tsv"
    if args.no_run:
        if args.junitxml is None:
            parser.error("--no-run needs --junitxml")
        status = 0
    else:
        outcomes.unlink(missing_ok=True)
        status = run_tests(junit, args.kill_points, outcomes)
    classes = count_cases(junit)
    figures = json.loads(args.results.read_text(encoding="utf-8")) if args.results.exists() else {}
    kill_points = args.kill_points
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(classes, count_outcomes(outcomes), figures, kill_points, status), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0 if status == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
