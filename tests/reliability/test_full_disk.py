"""A full disk during a command: a clear error, the change rolled back, the project intact and still opening.

Two ways to fill the disk. In process, ``PRAGMA max_page_count`` caps the project at its current
size, so SQLite fails the first page it needs to add with SQLITE_FULL, as on a full disk. In a
child process, the LD_PRELOAD shim ``killwrite.c`` makes every write, fsync and rename on the
project (or on the exported report) fail from a chosen write on. They fail with ENOSPC, which
is what the kernel returns when a file system is full.
"""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from reliability import faultkit, killcases
from reliability.killcases import kill_root, shim  # noqa: F401  (fixtures)
from workbench.errors import DiskFullError
from workbench.services import projects
from workbench.services.imports import ImportOptions, import_file

FAULT_CLASS = "full disk"


@pytest.fixture(scope="module")
def start_project(kill_root) -> Path:  # noqa: F811
    return killcases.build_small_project(killcases.next_folder(kill_root))


def _import_log(project, folder):
    log = killcases.write_gpu_log(folder / "more.csv", gpus=4, hours=5, power_w=250.0,
                                  start=killcases.datetime(2025, 3, 2, 8, tzinfo=killcases.timezone.utc))
    import_file(project, log, ImportOptions(kind="gpu-log", timezone="UTC", site=killcases.SITE, run="more"))


def _import_procurement(project, folder):
    lines = ["item,category,quantity,acquired,embodied_co2e_kg_per_unit,lifetime_years,embodied_source"]
    lines += [f"server {index},server,1,2024-06-01,2500,5,vendor PCF 2024" for index in range(400)]
    (folder / "procurement.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    import_file(project, folder / "procurement.csv", ImportOptions(kind="procurement", site=killcases.SITE))


# Commands that add pages to the project; an edit that fits in free pages never meets the limit.
COMMANDS = {"gpu-log-import": _import_log, "procurement-import": _import_procurement}


@pytest.mark.parametrize("command", COMMANDS, ids=[f"page-limit-{name}" for name in COMMANDS])
def test_page_limit_rolls_back(start_project, kill_root, command):  # noqa: F811
    folder = killcases.next_folder(kill_root)
    path = faultkit.fresh_copy(start_project, folder)
    before = faultkit.project_content(path)

    with projects.open_existing(path) as project:
        pages = project.conn.execute("PRAGMA page_count").fetchone()[0]
        project.conn.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(DiskFullError) as raised:
            COMMANDS[command](project, folder)

    assert "disk is full" in str(raised.value)
    assert str(path) in str(raised.value)
    assert "Free disk space" in raised.value.hint
    integrity, chain = faultkit.integrity_and_chain(path)
    assert integrity == "ok"
    assert chain.ok
    assert faultkit.project_content(path) == before
    projects.open_existing(path).close()


SCENARIOS = ("import", "assumptions", "signoff", "export")
FAIL_POINTS = 4


@pytest.fixture(scope="module", params=SCENARIOS)
def baseline(request, kill_root, shim):  # noqa: F811
    return killcases.make_baseline(killcases.SCENARIOS[request.param], kill_root, shim)


@pytest.fixture(scope="module")
def export_baseline(kill_root, shim):  # noqa: F811
    return killcases.make_baseline(killcases.SCENARIOS["export"], kill_root, shim)


def _run_on_full_disk(baseline, shim, fail_from, target=killcases.PROJECT_NAME):  # noqa: F811
    if shim is None:
        pytest.skip("no C compiler to build the fault-injecting shim")
    project = killcases.run_folder(baseline)
    run = faultkit.run_child(baseline.scenario.arguments(project.parent), project.parent, shim=shim,
                             kill_path=target, fail_write=fail_from)
    integrity, chain = faultkit.integrity_and_chain(project)
    assert integrity == "ok"
    assert chain.ok
    return project, run


@pytest.mark.parametrize("index", range(FAIL_POINTS), ids=[f"enospc-{n + 1}" for n in range(FAIL_POINTS)])
def test_command_on_full_disk(baseline, shim, index):  # noqa: F811
    fail_from = killcases.kill_point(faultkit.spread(baseline.writes, FAIL_POINTS), index, "write")

    project, run = _run_on_full_disk(baseline, shim, fail_from)

    content = faultkit.project_content(project)
    assert "Traceback" not in run.stderr
    if run.returncode == 0:
        # Only the checkpoint after the commit failed; the change is safe in the write-ahead log.
        assert content == baseline.after
    else:
        assert run.returncode == 4, run.stderr
        assert killcases.PROJECT_NAME in run.stderr
        assert ("disk is full" in run.stderr) or ("disk may be full" in run.stderr)
        assert content == baseline.before
    projects.open_existing(project).close()


def test_export_to_full_disk(export_baseline, shim):  # noqa: F811
    project, run = _run_on_full_disk(export_baseline, shim, 1, target="report.json")

    assert run.returncode != 0
    assert "report.json: cannot be written (No space left on device)" in run.stderr
    assert "Traceback" not in run.stderr
    assert not (project.parent / "report.json").exists()
    assert not (project.parent / ".report.json.part").exists()
    assert faultkit.project_content(project) == export_baseline.before


def test_export_over_earlier_report_on_full_disk(export_baseline, shim):  # noqa: F811
    if shim is None:
        pytest.skip("no C compiler to build the fault-injecting shim")
    project = killcases.run_folder(export_baseline)
    (project.parent / "report.json").write_bytes(b'{"earlier": true}\n')

    run = faultkit.run_child(export_baseline.scenario.arguments(project.parent), project.parent, shim=shim,
                             kill_path="report.json", fail_write=1, fail_errno=errno.EDQUOT)

    assert run.returncode != 0
    assert "Disk quota exceeded" in run.stderr
    assert (project.parent / "report.json").read_bytes() == b'{"earlier": true}\n'
    assert faultkit.project_content(project) == export_baseline.before
