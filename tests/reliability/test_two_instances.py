"""Two workbench instances on one project: the second waits or gets a clear error, and the file stays intact.

SQLite's locks are what exists at this level: every write command starts with BEGIN IMMEDIATE
and waits up to the connection's busy timeout (10 s) for another writer, then fails with
ProjectBusyError naming the file. Readers see the last committed state while a writer works (the
project is in write-ahead-log mode). A desktop-level lock that tells a second window who holds
the project is a separate layer and not tested here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from reliability import faultkit, killcases
from reliability.killcases import kill_root  # noqa: F401  (fixture)
from workbench.errors import ProjectBusyError
from workbench.project import audit
from workbench.services import assumptions, projects

FAULT_CLASS = "two instances on one project"
CONCURRENT_WRITERS = 6
HOLDER = """
import sys, time
from workbench.services import assumptions, projects
with projects.open_existing(sys.argv[1]) as project:
    with project.transaction():
        assumptions.change(project, "baseline", {"node_uplift": "1.25"}, rationale="holder")
        print("holding", flush=True)
        time.sleep(float(sys.argv[2]))
"""


@pytest.fixture(scope="module")
def start_project(kill_root) -> Path:  # noqa: F811
    return killcases.build_small_project(killcases.next_folder(kill_root))


def _copy(start_project: Path, kill_root: Path) -> Path:  # noqa: F811
    return faultkit.fresh_copy(start_project, killcases.next_folder(kill_root))


def _audit_entries(path: Path) -> list[dict]:
    with projects.open_existing(path, read_only=True) as project:
        return audit.read_entries(project.conn)


def _hold_write_lock(path: Path, seconds: float) -> subprocess.Popen:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), str(seconds)], stdout=subprocess.PIPE,
                              text=True)
    assert holder.stdout.readline().strip() == "holding"
    return holder


def test_second_writer_gets_busy_error(start_project, kill_root):  # noqa: F811
    path = _copy(start_project, kill_root)
    first = projects.open_existing(path)
    second = projects.open_existing(path)
    second.conn.execute("PRAGMA busy_timeout = 100")

    with first.transaction():
        assumptions.change(first, "baseline", {"pue": "1.21"}, rationale="first window")
        with pytest.raises(ProjectBusyError) as raised:
            assumptions.change(second, "baseline", {"pue": "1.99"}, rationale="second window")
    first.close()
    second.close()

    assert str(path) in str(raised.value)
    assert "is being written by another program or workbench window" in str(raised.value)
    assert "nothing was changed" in raised.value.hint
    assert faultkit.integrity_and_chain(path)[1].ok
    with projects.open_existing(path) as project:
        assert assumptions.resolve(project, "baseline")["pue"].value == pytest.approx(1.21)


def test_second_cli_waits_for_holder(start_project, kill_root):  # noqa: F811
    path = _copy(start_project, kill_root)
    holder = _hold_write_lock(path, 1.0)

    run = faultkit.run_child(["assumptions", str(path), "pue=1.22", "--rationale", "second instance"], path.parent)
    holder.wait(timeout=30)

    assert holder.returncode == 0
    assert run.returncode == 0, run.stderr
    entries = _audit_entries(path)
    assert [entry["details"].get("rationale") for entry in entries[-2:]] == ["holder", "second instance"]
    assert faultkit.integrity_and_chain(path)[0] == "ok"
    assert faultkit.integrity_and_chain(path)[1].ok


def test_reader_sees_committed_state_during_write(start_project, kill_root):  # noqa: F811
    path = _copy(start_project, kill_root)
    holder = _hold_write_lock(path, 1.5)

    run = faultkit.run_child(["assumptions", str(path), "--json"], path.parent)
    holder.wait(timeout=30)

    assert run.returncode == 0, run.stderr
    assert '"node_uplift"' in run.stdout
    assert "1.25" not in run.stdout.split('"node_uplift"')[1].split("}")[0]


def test_concurrent_writers_never_corrupt(start_project, kill_root):  # noqa: F811
    path = _copy(start_project, kill_root)
    entries_before = len(_audit_entries(path))
    env_command = [sys.executable, str(faultkit.CHILD)]

    children = [subprocess.Popen([*env_command, "assumptions", str(path), f"pue=1.{40 + index}",
                                  "--rationale", f"writer {index}"], cwd=path.parent, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for index in range(CONCURRENT_WRITERS)]
    outcomes = [(child.wait(timeout=120), child.stderr.read()) for child in children]

    assert [code for code, _ in outcomes] == [0] * CONCURRENT_WRITERS, outcomes
    integrity, chain = faultkit.integrity_and_chain(path)
    assert integrity == "ok"
    assert chain.ok
    entries = _audit_entries(path)
    assert len(entries) == entries_before + CONCURRENT_WRITERS
    rationales = sorted(entry["details"].get("rationale") for entry in entries[entries_before:])
    assert rationales == sorted(f"writer {index}" for index in range(CONCURRENT_WRITERS))


def test_two_instances_upgrade_old_format(kill_root):  # noqa: F811
    folder = killcases.next_folder(kill_root)
    path = faultkit.fresh_copy(killcases.FIXTURES / "format1.cwb", folder)

    children = [subprocess.Popen([sys.executable, str(faultkit.CHILD), "assumptions", str(path)], cwd=folder,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outcomes = [(child.wait(timeout=120), child.stderr.read()) for child in children]

    assert [code for code, _ in outcomes] == [0, 0], outcomes
    assert faultkit.integrity_and_chain(path)[0] == "ok"
    assert faultkit.integrity_and_chain(path)[1].ok
    with projects.open_existing(path) as project:
        migrations = [entry for entry in audit.read_entries(project.conn) if entry["action"] == "migrate"]
    assert len(migrations) == 1
