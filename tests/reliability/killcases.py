"""Commands for the kill tests: the project each starts from and the command line it runs.

Each scenario builds its starting project once, closed and checkpointed, runs its command once
cleanly to learn the content after it and how many statements and writes it makes, and then
kills a fresh copy at chosen statements and writes. The checks after each kill are in
:func:`check_killed_project`.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

import pytest

from reliability import faultkit
from workbench.services import projects
from workbench.services.imports import ImportOptions, import_file

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "projects"
PROJECT_NAME = "project.cwb"
SITE = "kill-site"


def write_gpu_log(path: Path, gpus: int, hours: int, power_w: float, start: datetime) -> Path:
    """Write an nvidia-smi query CSV with ``gpus`` GPUs at constant power, one sample a minute."""
    lines = ["timestamp, index, name, power.draw [W]"]
    for minute in range(hours * 60 + 1):
        stamp = (start + timedelta(minutes=minute)).strftime("%Y/%m/%d %H:%M:%S.000")
        for index in range(gpus):
            lines.append(f"{stamp}, {index}, NVIDIA H100 80GB HBM3, {power_w + index:.2f} W")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def build_small_project(folder: Path) -> Path:
    """Create a closed project with one GPU log, an annual factor and a site in a grid zone."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / PROJECT_NAME
    project = projects.new_project(path, name="kill test project")
    try:
        log = write_gpu_log(folder / "first_run.csv", gpus=2, hours=3, power_w=300.0,
                            start=datetime(2025, 3, 1, 10, tzinfo=timezone.utc))
        import_file(project, log, ImportOptions(kind="gpu-log", timezone="UTC", site=SITE, run="first-run"))
        factors = folder / "factors.csv"
        factors.write_text("zone,period_start,period_end,co2e_g_per_kwh,source\n"
                           "SG,2025-01-01,2026-01-01,408.0,EMA grid emission factor 2025\n", encoding="utf-8")
        import_file(project, factors, ImportOptions(kind="factors"))
        with project.transaction():
            project.conn.execute("UPDATE sites SET grid_zone = 'SG' WHERE name = ?", (SITE,))
            project.log("update_site", f"site:{SITE}", {"grid_zone": "SG"})
    finally:
        project.close()
    return path


def build_format1_project(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return faultkit.fresh_copy(FIXTURES / "format1.cwb", folder, PROJECT_NAME)


def build_format4_project(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return faultkit.fresh_copy(FIXTURES / "format4.cwb", folder, PROJECT_NAME)


@dataclass
class Scenario:
    """One CLI command to interrupt: how to build its starting project and its arguments."""

    name: str
    build: Callable[[Path], Path]
    arguments: Callable[[Path], list[str]]
    # Extra input files the command reads, written into the run folder before each run.
    prepare: Callable[[Path], None] = lambda folder: None
    output: str | None = None


def _prepare_second_log(folder: Path) -> None:
    write_gpu_log(folder / "second_run.csv", gpus=4, hours=5, power_w=250.0,
                  start=datetime(2025, 3, 2, 8, tzinfo=timezone.utc))


SCENARIOS = {
    "import": Scenario(
        "import", build_small_project,
        lambda folder: ["import", PROJECT_NAME, "--kind", "gpu-log", "second_run.csv", "--timezone", "UTC",
                        "--site", SITE, "--run", "second-run"],
        prepare=_prepare_second_log),
    "migration-format1": Scenario("migration-format1", build_format1_project,
                                  lambda folder: ["assumptions", PROJECT_NAME]),
    "migration-format4": Scenario("migration-format4", build_format4_project,
                                  lambda folder: ["assumptions", PROJECT_NAME]),
    "assumptions": Scenario(
        "assumptions", build_small_project,
        lambda folder: ["assumptions", PROJECT_NAME, "--set", "baseline", "pue=1.42", "node_uplift=1.3",
                        "--rationale", "facility survey of 2025"]),
    "signoff": Scenario(
        "signoff", build_small_project,
        lambda folder: ["signoff", PROJECT_NAME, "--stage", "preparer", "--name", "Ada Preparer",
                        "--role", "sustainability lead"]),
    "export": Scenario(
        "export", build_small_project,
        lambda folder: ["export", PROJECT_NAME, "--format", "json", "--out", "report.json", "--draft"],
        output="report.json"),
}


@dataclass
class Baseline:
    """A scenario's starting project with its content, and what one clean run produced."""

    scenario: Scenario
    root: Path
    start: Path
    before: dict
    after: dict
    statements: list[str]
    writes: int
    output_bytes: bytes | None = None
    output_writes: int = 0
    runs: dict = field(default_factory=dict)


_baselines: dict[tuple[str, Path, Path | None], Baseline] = {}


def make_baseline(scenario: Scenario, root: Path, shim: Path | None) -> Baseline:
    """Return the scenario's baseline, built once per session and shared by every test module."""
    key = (scenario.name, root, shim)
    if key not in _baselines:
        _baselines[key] = _build_baseline(scenario, root, shim)
    return _baselines[key]


def _build_baseline(scenario: Scenario, root: Path, shim: Path | None) -> Baseline:
    """Build the starting project and run the command once cleanly, counting statements and writes."""
    start = scenario.build(next_folder(root))
    # Dumped from a copy, like every killed project, so paths naming the start folder stay as they are.
    before = faultkit.project_content(faultkit.fresh_copy(start, next_folder(root)))
    clean = faultkit.fresh_copy(start, next_folder(root))
    scenario.prepare(clean.parent)
    run = faultkit.run_child(scenario.arguments(clean.parent), clean.parent, shim=shim, kill_path=PROJECT_NAME,
                             count=True)
    assert run.returncode == 0, f"the clean run of {scenario.name} failed: {run.stderr}"
    baseline = Baseline(scenario, root, start, before, faultkit.project_content(clean), run.statements, run.writes)
    if scenario.output:
        baseline.output_bytes = (clean.parent / scenario.output).read_bytes()
        counted = faultkit.fresh_copy(start, next_folder(root))
        scenario.prepare(counted.parent)
        output_run = faultkit.run_child(scenario.arguments(counted.parent), counted.parent, shim=shim,
                                        kill_path=scenario.output, count=True)
        assert output_run.returncode == 0, output_run.stderr
        baseline.output_writes = output_run.writes
    assert baseline.after != baseline.before, f"the clean run of {scenario.name} changed nothing"
    return baseline


def statement_points(baseline: Baseline) -> list[int]:
    """Return the statement numbers to kill at: spread over the command, then its last COMMIT and the one before."""
    total = len(baseline.statements)
    commits = [index + 1 for index, word in enumerate(baseline.statements) if word == "COMMIT"]
    special = [commits[-1] - 1, commits[-1]] if commits else []
    others = [number for number in range(1, total + 1) if number not in special]
    return [others[position - 1] for position in faultkit.spread(len(others), faultkit.kill_points())] + special


def kill_point(points: list[int], index: int, what: str) -> int:
    if index >= len(points):
        pytest.skip(f"the command makes only {len(points)} distinct {what} kill points")
    return points[index]


def check_killed_project(baseline: Baseline, project: Path, run: faultkit.ChildRun, where: str) -> str:
    """Check a killed command's project: intact, audit chain valid, content before or after; return which."""
    assert run.killed, f"{where}: the child was not killed (exit status {run.returncode}): {run.stderr[-2000:]}"

    integrity, chain = faultkit.integrity_and_chain(project)
    assert integrity == "ok", f"{where}: integrity_check: {integrity}"
    assert chain.ok, f"{where}: audit chain: {chain.problem}"

    content = faultkit.project_content(project)
    if content == baseline.before:
        outcome = "before"
    elif content == baseline.after:
        outcome = "after"
    else:
        changed_before = faultkit.changed_tables(content, baseline.before)
        changed_after = faultkit.changed_tables(content, baseline.after)
        raise AssertionError(f"{where}: the content is neither the content before the command nor after it; "
                             f"differs from before in {changed_before} and from after in {changed_after}")

    # The project still opens through the workbench (migrating it again if the migration was interrupted).
    projects.open_existing(project).close()
    record_outcome(where, outcome)
    return outcome


def record_outcome(where: str, outcome: str) -> None:
    """Append the outcome to $CWB_KILL_OUTCOMES (one tab-separated line), for the reliability report."""
    log_path = os.environ.get("CWB_KILL_OUTCOMES")
    if log_path:
        with open(log_path, "a", encoding="utf-8") as handle:
            handle.write(f"{where}\t{outcome}\n")


_folder_numbers = itertools.count(1)


def next_folder(root: Path) -> Path:
    """Return a new folder under ``root`` whose path has the same length as every other one.

    The length matters: imported files are recorded with their path, so a longer path can make
    the project one page longer and shift the write a kill point names.
    """
    folder = root / f"run{next(_folder_numbers):06d}"
    folder.mkdir()
    return folder


def run_folder(baseline: Baseline) -> Path:
    folder = next_folder(baseline.root)
    project = faultkit.fresh_copy(baseline.start, folder)
    baseline.scenario.prepare(folder)
    return project


@pytest.fixture(scope="session")
def kill_root(tmp_path_factory) -> Path:
    """One folder for every kill run of the session, so all run folders have paths of one length."""
    return tmp_path_factory.mktemp("kills")


@pytest.fixture(scope="session")
def shim(tmp_path_factory) -> Path | None:
    """The compiled write-kill shim, or None when no C compiler is installed."""
    return faultkit.build_shim(tmp_path_factory.mktemp("shim"))


def kill_at_statement(baseline: Baseline, index: int,
                      setup: Callable[[Path], None] = lambda folder: None) -> tuple[str, Path]:
    """Kill the command at its ``index``-th chosen statement and check the project.

    ``setup`` prepares the run folder before the command starts. Returns "before" or "after" and
    the folder the command ran in.
    """
    number = kill_point(statement_points(baseline), index, "statement")
    project = run_folder(baseline)
    setup(project.parent)
    run = faultkit.run_child(baseline.scenario.arguments(project.parent), project.parent, kill_statement=number)
    word = baseline.statements[number - 1]
    where = f"{baseline.scenario.name}, statement {number} ({word}) of {len(baseline.statements)}"
    return check_killed_project(baseline, project, run, where), project.parent


def kill_at_write(baseline: Baseline, index: int, shim: Path | None, target: str = PROJECT_NAME,
                  setup: Callable[[Path], None] = lambda folder: None) -> tuple[str, Path]:
    """Kill the command at its ``index``-th chosen write event on ``target`` and check the project.

    ``setup`` prepares the run folder before the command starts. Returns "before" or "after" and
    the folder the command ran in.
    """
    if shim is None:
        pytest.skip("no C compiler to build the write-kill shim")
    total = baseline.writes if target == PROJECT_NAME else baseline.output_writes
    points = faultkit.spread(total, faultkit.kill_points() + 1) if target == PROJECT_NAME else list(range(1, total + 1))
    number = kill_point(points, index, "write")
    project = run_folder(baseline)
    setup(project.parent)
    run = faultkit.run_child(baseline.scenario.arguments(project.parent), project.parent, shim=shim, kill_path=target,
                             kill_write=number)
    where = f"{baseline.scenario.name}, write event {number} of {total} on {target}"
    return check_killed_project(baseline, project, run, where), project.parent


def statement_ids() -> list[str]:
    return [f"statement-{index + 1}" for index in range(faultkit.kill_points() + 2)]


def write_ids() -> list[str]:
    return [f"write-{index + 1}" for index in range(faultkit.kill_points() + 1)]
