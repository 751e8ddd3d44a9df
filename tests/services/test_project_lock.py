"""The project lock file: taken, refused while held, replaced when stale, released."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

from workbench.errors import ProjectLockedError
from workbench.services import project_lock


def write_lock(project, **fields):
    holder = {"pid": os.getpid(), "host": socket.gethostname(), "user": "someone",
              "since": "2026-01-01T00:00:00Z", "token": "theirs"}
    holder.update(fields)
    project_lock.lock_path(project).write_text(json.dumps(holder), encoding="utf-8")


def finished_pid() -> int:
    process = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                             text=True, check=True)
    return int(process.stdout)


def test_acquire_writes_holder(tmp_path):
    project = tmp_path / "a.cwb"

    lock = project_lock.acquire(project)

    holder = project_lock.read_holder(project)
    assert project_lock.lock_path(project) == tmp_path / "a.cwb.lock"
    assert holder.pid == os.getpid()
    assert holder.host == socket.gethostname()
    assert holder.token == lock.holder.token
    lock.release()
    assert not project_lock.lock_path(project).exists()


def test_second_acquire_is_refused_with_holder(tmp_path):
    project = tmp_path / "a.cwb"
    first = project_lock.acquire(project)

    with pytest.raises(ProjectLockedError) as caught:
        project_lock.acquire(project)

    assert caught.value.holder.pid == os.getpid()
    assert caught.value.holder.token == first.holder.token
    assert f"process {os.getpid()}" in str(caught.value)
    assert "read-only" in caught.value.hint
    first.release()


def test_lock_of_finished_process_is_replaced(tmp_path):
    project = tmp_path / "a.cwb"
    write_lock(project, pid=finished_pid())

    lock = project_lock.acquire(project)

    assert project_lock.read_holder(project).token == lock.holder.token
    lock.release()


def test_lock_of_other_host_is_kept(tmp_path):
    project = tmp_path / "a.cwb"
    write_lock(project, pid=finished_pid(), host="elsewhere.example")

    with pytest.raises(ProjectLockedError) as caught:
        project_lock.acquire(project)

    assert caught.value.holder.host == "elsewhere.example"
    assert project_lock.read_holder(project).token == "theirs"


def test_damaged_lock_file_is_stale(tmp_path):
    project = tmp_path / "a.cwb"
    project_lock.lock_path(project).write_text("{not json", encoding="utf-8")

    lock = project_lock.acquire(project)

    assert lock.holder.pid == os.getpid()
    lock.release()


def test_release_leaves_foreign_lock(tmp_path):
    project = tmp_path / "a.cwb"
    lock = project_lock.acquire(project)
    write_lock(project, token="theirs")

    lock.release()

    assert project_lock.read_holder(project).token == "theirs"


def test_lock_held_by_other_process(tmp_path):
    project = tmp_path / "a.cwb"
    code = ("import sys, time; from workbench.services import project_lock; "
            f"lock = project_lock.acquire({str(project)!r}); print('held', flush=True); sys.stdin.read()")
    child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "held"
        with pytest.raises(ProjectLockedError) as caught:
            project_lock.acquire(project)
        assert caught.value.holder.pid == child.pid
    finally:
        child.stdin.close()
        child.wait(timeout=30)
