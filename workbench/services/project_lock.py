"""A lock file beside a project, so that a second workbench sees the project is already open.

The lock is ``<project>.lock``, a small JSON file holding the pid, host, user and start time
of the process that holds it. It is advisory: SQLite itself keeps the file consistent, and the
lock only stops two people from editing the same project without knowing it.

A lock whose process is gone is stale and is taken over: on this host a pid that no longer
exists is proof enough. A lock written on another host is never taken over automatically,
because this host cannot see that host's processes.
"""

from __future__ import annotations

import getpass
import json
import logging
import os
import socket
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from workbench.clock import utc_now_text
from workbench.errors import ProjectLockedError

log = logging.getLogger(__name__)

LOCK_SUFFIX = ".lock"


@dataclass(frozen=True)
class LockHolder:
    """The holder of a project lock: process id, host name, user name and UTC start time."""

    pid: int
    host: str
    user: str
    since: str
    token: str = ""

    def __str__(self) -> str:
        return f"process {self.pid} of {self.user} on {self.host}, since {self.since}"

    def is_stale(self) -> bool:
        """Return True when the holder ran on this host and its process no longer exists."""
        return self.host == socket.gethostname() and not pid_exists(self.pid)


def lock_path(project_path: str | Path) -> Path:
    """Return the lock file's path for ``project_path`` (``demo.cwb`` -> ``demo.cwb.lock``)."""
    path = Path(project_path)
    return path.with_name(path.name + LOCK_SUFFIX)


def pid_exists(pid: int) -> bool:
    """Return whether a process with ``pid`` exists on this host."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists but belongs to another user
        return True
    except OSError:
        return False
    return True


def read_holder(project_path: str | Path) -> LockHolder | None:
    """Return the holder named in the project's lock file, or None when there is no lock file.

    An unreadable or damaged lock file is reported as a holder with pid 0 on this host, which
    counts as stale, so a crash in the middle of writing the file never locks a project forever.
    """
    path = lock_path(project_path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        data = json.loads(text)
        return LockHolder(int(data["pid"]), str(data["host"]), str(data.get("user", "")),
                          str(data.get("since", "")), str(data.get("token", "")))
    except (ValueError, KeyError, TypeError):
        log.warning("damaged lock file %s is treated as stale", path)
        return LockHolder(0, socket.gethostname(), "", "")


class Lock:
    """A held project lock; :meth:`release` removes the lock file if it is still ours."""

    def __init__(self, project_path: Path, holder: LockHolder) -> None:
        self.project_path = project_path
        self.path = lock_path(project_path)
        self.holder = holder
        self.released = False

    def release(self) -> None:
        """Remove the lock file; a lock file another process has since written is left alone."""
        if self.released:
            return
        self.released = True
        current = read_holder(self.project_path)
        if current is None or current.token != self.holder.token:
            log.warning("lock %s is no longer ours; left in place", self.path)
            return
        self.path.unlink(missing_ok=True)
        log.info("released lock %s", self.path)

    def __enter__(self) -> "Lock":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()


def acquire(project_path: str | Path) -> Lock:
    """Take the lock of the project at ``project_path``.

    Raises ProjectLockedError (with ``holder``) when a live process holds it, including another
    window of this very process. A stale lock is replaced and the takeover is logged.
    """
    path = Path(project_path)
    holder = LockHolder(os.getpid(), socket.gethostname(), _user(), utc_now_text(), uuid.uuid4().hex)
    for _attempt in range(2):
        if _create(lock_path(path), holder):
            log.info("locked %s for %s", path, holder)
            return Lock(path, holder)
        existing = read_holder(path)
        if existing is None:  # removed between our attempt and the read; try again
            continue
        if not existing.is_stale():
            raise ProjectLockedError(path, existing)
        log.warning("replacing the stale lock of %s held by %s", path, existing)
        lock_path(path).unlink(missing_ok=True)
    raise ProjectLockedError(path, read_holder(path) or holder)


def _create(path: Path, holder: LockHolder) -> bool:
    """Write ``path`` only if it does not exist yet (O_EXCL); return whether it was written."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        json.dump(asdict(holder), stream)
    return True


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in the environment or password database
        return "unknown"
