"""Two desktop workbenches on one project: the second gets the holder's details and cannot take it.

The holder is a real second process that takes the project's lock file and waits. The checks
run in this process, as the second workbench would: the lock is refused with the holder's pid
and host, opening read-only leaves the file unchanged, and a holder that was killed leaves a
stale lock that the next workbench replaces.
"""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.errors import ProjectFileError, ProjectLockedError
from workbench.services import project_lock, projects
from workbench.services.session import Session

FAULT_CLASS = "two instances on one project"
HOLDER = """
import sys, time
from workbench.services import project_lock
lock = project_lock.acquire(sys.argv[1])
print(lock.holder.token, flush=True)
time.sleep(60)
"""


@pytest.fixture
def project_path(tmp_path: Path) -> Path:
    path = tmp_path / "shared.cwb"
    projects.new_project(path, "shared project").close()
    return path


@pytest.fixture
def holder(project_path: Path):
    child = subprocess.Popen([sys.executable, "-c", HOLDER, str(project_path)], stdout=subprocess.PIPE, text=True)
    token = child.stdout.readline().strip()
    yield child, token
    if child.poll() is None:
        child.kill()
    child.wait(timeout=10)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_second_lock_names_holder(project_path, holder):
    child, token = holder

    with pytest.raises(ProjectLockedError) as caught:
        project_lock.acquire(project_path)

    assert caught.value.holder.pid == child.pid
    assert caught.value.holder.host == socket.gethostname()
    assert caught.value.holder.token == token
    assert str(project_path) in str(caught.value)
    assert "read-only" in caught.value.hint


@pytest.mark.parametrize("attempts", [1, 5])
def test_refused_lock_leaves_holder_in_place(project_path, holder, attempts):
    _child, token = holder

    for _ in range(attempts):
        with pytest.raises(ProjectLockedError):
            project_lock.acquire(project_path)

    assert project_lock.read_holder(project_path).token == token


def test_read_only_second_session_changes_nothing(project_path, holder):
    before = _sha256(project_path)
    session = Session()

    session.open(project_path, read_only=True)
    with pytest.raises(ProjectFileError):
        session.commit({"pue": 1.5}, "a change from the second workbench")
    session.close()

    assert _sha256(project_path) == before


@pytest.mark.parametrize("kill_signal", [signal.SIGKILL, signal.SIGTERM])
def test_killed_holder_lock_is_replaced(project_path, holder, kill_signal):
    child, token = holder

    os.kill(child.pid, kill_signal)
    child.wait(timeout=10)
    lock = project_lock.acquire(project_path)

    assert lock.holder.pid == os.getpid()
    assert project_lock.read_holder(project_path).token == lock.holder.token != token
    lock.release()
    assert project_lock.read_holder(project_path) is None
