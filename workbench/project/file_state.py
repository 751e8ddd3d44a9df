"""Checks of an open project file against the file system, and SQLite write errors in plain words.

A project on a removable drive can vanish while it is open. SQLite keeps writing to its open
file descriptor, so without a check the changes would go to a deleted file and be lost when it
closes. :class:`FileIdentity` records the device and inode at opening, and
:func:`check_still_there` compares them with the path before each write transaction.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from workbench.errors import (DiskFullError, ProjectBusyError, ProjectFileError, ProjectMissingError,
                              ProjectReadOnlyError)

log = logging.getLogger(__name__)

COPY_HINT = "Copy the project to a writable folder and open the copy; this file was not changed."


@dataclass(frozen=True)
class FileIdentity:
    """Device and inode of a file, which stay the same for as long as it is the same file."""

    device: int
    inode: int

    @classmethod
    def of(cls, path: Path) -> "FileIdentity | None":
        try:
            status = os.stat(path)
        except OSError:
            return None
        return cls(status.st_dev, status.st_ino)


def check_still_there(path: Path, identity: FileIdentity | None) -> None:
    """Raise ProjectMissingError when ``path`` no longer names the file that was opened."""
    if identity is None:
        return
    current = FileIdentity.of(path)
    if current == identity:
        return
    what = "is no longer at this path" if current is None else "was replaced by another file"
    log.error("project %s %s (opened as device %d inode %d)", path, what, identity.device, identity.inode)
    raise ProjectMissingError(path, f"{what}: the drive was removed, or the file was moved or deleted after it "
                                    "was opened", hint="Reconnect the drive or put the file back, then open the project "
                                                    "again. This change was not written; earlier changes are in the "
                                                    "file.")


def read_only_reason(path: Path) -> str | None:
    """Return why ``path`` cannot be written in place (file or folder read-only), or None when it can.

    SQLite needs to write the file itself and to create its ``-wal`` and ``-shm`` files in the same
    folder. ``os.access`` honours permission bits, read-only mounts and the immutable attribute,
    also for root.
    """
    if not os.access(path, os.W_OK):
        return "the file is read-only"
    if not os.access(path.parent, os.W_OK | os.X_OK):
        return "its folder is read-only"
    return None


def is_write_condition(exc: sqlite3.Error) -> bool:
    """Tell whether an SQLite error comes from the file system or a lock rather than from the SQL."""
    text = str(exc).lower()
    return any(word in text for word in ("readonly", "read-only", "locked", "busy", "full", "disk i/o",
                                         "unable to open"))


def write_error(path: Path, exc: sqlite3.Error) -> ProjectFileError:
    """Translate an SQLite error raised while writing into an error that says what to do."""
    text = str(exc)
    lower = text.lower()
    if "readonly" in lower or "read-only" in lower:
        return ProjectReadOnlyError(path, "cannot be written because the file or its folder is read-only",
                                    hint="Copy the project to a writable folder and open the copy; nothing was "
                                         "changed.")
    if "locked" in lower or "busy" in lower:
        return ProjectBusyError(path, "is being written by another program or workbench window",
                                hint="Close the other window or wait for its command to finish, then try again; "
                                     "nothing was changed.")
    if "full" in lower:
        return DiskFullError(path, "cannot be written because the disk is full",
                             hint="Free disk space and try again; nothing was changed.")
    if "disk i/o" in lower or "unable to open" in lower:
        return ProjectFileError(path, f"could not be written ({text}): the disk may be full, or the drive was removed "
                                      "or failed", hint="Free disk space or reconnect the drive, then open the "
                                                        "project again; the last change was not written.")
    return ProjectFileError(path, f"write failed: {text}")


def open_error(path: Path, exc: sqlite3.Error, reason: str | None) -> ProjectFileError:
    """Translate an SQLite error from opening a project whose cause is the file system or a lock.

    ``reason`` is why the file cannot be written in place, from :func:`read_only_reason`.
    """
    lower = str(exc).lower()
    if reason is not None:
        # A project in write-ahead-log mode needs its -shm file, which a read-only folder cannot hold.
        return ProjectReadOnlyError(path, f"cannot be opened because {reason} and SQLite needs to create "
                                          f"'{path.name}-shm' beside it ({exc})", hint=COPY_HINT)
    if "locked" in lower or "busy" in lower:
        return ProjectBusyError(path, "cannot be opened because another program or workbench window is writing it",
                                hint="Wait for the other command to finish or close the other window, then try "
                                     "again.")
    if "full" in lower:
        return DiskFullError(path, "cannot be opened because the disk is full",
                             hint="Free disk space and open it again; the file was not changed.")
    return ProjectFileError(path, f"cannot be opened because SQLite could not write its log files beside it ({exc})",
                            hint="The disk may be full or the drive removed: free disk space or reconnect the drive, "
                                 "then open the project again. The file was not changed.")
