"""Tools for the kill tests: run a CLI command in a child process, kill it, check the project.

A kill point is either the N-th SQLite statement (a trace callback in ``cli_child.py``) or the
N-th write system call to a chosen file (the LD_PRELOAD shim ``killwrite.c``). Statement kills
land between any two statements of a command, including just before its COMMIT. Write kills land
between the page writes of the write-ahead log, of a checkpoint or of an exported file, which is
the middle of the commit itself.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from workbench.project import audit

HERE = Path(__file__).resolve().parent
CHILD = HERE / "cli_child.py"
SHIM_SOURCE = HERE / "killwrite.c"
FROZEN_CLOCK = "2026-06-01T12:00:00.000000Z"
CHILD_TIMEOUT_S = 120
# CI tries this many kill points per command and kind; scripts/reliability_report.py --kill-points raises it.
DEFAULT_KILL_POINTS = 3


def kill_points() -> int:
    """Return how many kill points each command tries, from $CWB_KILL_POINTS (default 3)."""
    return int(os.environ.get("CWB_KILL_POINTS", DEFAULT_KILL_POINTS))


def spread(total: int, count: int) -> list[int]:
    """Return ``count`` distinct 1-based positions spread evenly over ``1..total``, ends included."""
    if total <= count:
        return list(range(1, total + 1))
    step = (total - 1) / (count - 1) if count > 1 else 0
    return sorted({1 + round(index * step) for index in range(count)})


def build_shim(folder: Path) -> Path | None:
    """Compile the write-kill shim into ``folder``; return None when no C compiler is installed."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        return None
    library = folder / "killwrite.so"
    subprocess.run([compiler, "-shared", "-fPIC", "-O2", "-o", str(library), str(SHIM_SOURCE), "-ldl"],
                   check=True, capture_output=True)
    return library


@dataclass
class ChildRun:
    """Outcome of one child process: its exit status, output and the counts of a clean run."""

    returncode: int
    stdout: str
    stderr: str
    statements: list[str] = field(default_factory=list)
    writes: int = 0

    @property
    def killed(self) -> bool:
        return self.returncode == -signal.SIGKILL


def run_child(argv: list[str], workdir: Path, *, kill_statement: int = 0, shim: Path | None = None,
              kill_path: str = "", kill_write: int = 0, count: bool = False, fail_write: int = 0,
              fail_errno: int = errno.ENOSPC) -> ChildRun:
    """Run ``carbon-workbench ARGV`` in a child process with the clock frozen and an optional kill point.

    With ``shim``, write events on files whose path contains ``kill_path`` are counted; the
    ``kill_write``-th kills the process, and from the ``fail_write``-th on every event fails with
    ``fail_errno`` (ENOSPC by default: a full disk).
    """
    env = dict(os.environ, CWB_FROZEN_CLOCK=FROZEN_CLOCK, CWB_ACTOR="kill-test", PYTHONHASHSEED="0")
    env.setdefault("CWB_LOG_DIR", str(workdir / "logs"))
    statement_log = workdir / "statements.log"
    write_count = workdir / "writes.count"
    if kill_statement:
        env["CWB_KILL_AT_STATEMENT"] = str(kill_statement)
    if count:
        env["CWB_STATEMENT_LOG"] = str(statement_log)
    if shim is not None:
        env["LD_PRELOAD"] = str(shim)
        env["CWB_KILL_PATH"] = kill_path
        env["CWB_KILL_AT_WRITE"] = str(kill_write)
        env["CWB_FAIL_FROM_WRITE"] = str(fail_write)
        env["CWB_FAIL_ERRNO"] = str(fail_errno)
        if count:
            env["CWB_KILL_COUNT_FILE"] = str(write_count)
    completed = subprocess.run([sys.executable, str(CHILD), *argv], cwd=workdir, env=env, capture_output=True,
                               text=True, timeout=CHILD_TIMEOUT_S)
    run = ChildRun(completed.returncode, completed.stdout, completed.stderr)
    if count:
        run.statements = statement_log.read_text(encoding="utf-8").split()
        if shim is not None:
            run.writes = int(write_count.read_text(encoding="utf-8"))
    return run


def _relative(value: object, folders: tuple[str, ...]) -> object:
    if isinstance(value, str):
        for folder in folders:
            value = value.replace(folder, "<folder>")
    return value


def project_content(path: Path) -> dict[str, object]:
    """Return a canonical dump of a project: format markers, schema and every table's rows, sorted.

    Text naming the project's folder (an imported file's path) is written as ``<folder>``, so
    runs in different folders compare equal. Opening for writing lets SQLite roll a hot
    write-ahead log forward or back, as the workbench does when a user opens the file after a
    crash.
    """
    folders = tuple(sorted({str(path.parent.resolve()), str(path.parent)}, key=len, reverse=True))
    conn = sqlite3.connect(path)
    try:
        content: dict[str, object] = {
            "application_id": conn.execute("PRAGMA application_id").fetchone()[0],
            "user_version": conn.execute("PRAGMA user_version").fetchone()[0],
            "schema": sorted(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_schema "
                                          "WHERE name NOT LIKE 'sqlite_autoindex%'").fetchall(), key=repr)}
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")]
        for table in tables:
            rows = [tuple(_relative(value, folders) for value in row)
                    for row in conn.execute(f'SELECT * FROM "{table}"')]
            content[f"table:{table}"] = sorted(rows, key=repr)
    finally:
        conn.close()
    return content


def content_digest(content: dict[str, object]) -> str:
    """Return a short SHA-256 of a dump, for messages."""
    return hashlib.sha256(repr(sorted(content.items())).encode("utf-8")).hexdigest()[:12]


def integrity_and_chain(path: Path) -> tuple[str, audit.ChainStatus]:
    """Return ``PRAGMA integrity_check``'s first line and the audit chain's status."""
    conn = sqlite3.connect(path)
    try:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        chain = audit.verify_chain(conn)
    finally:
        conn.close()
    return integrity, chain


def changed_tables(left: dict[str, object], right: dict[str, object]) -> list[str]:
    """Name the parts of two dumps that differ, for assertion messages."""
    return sorted(key for key in set(left) | set(right) if left.get(key) != right.get(key))


def fresh_copy(source: Path, folder: Path, name: str = "project.cwb") -> Path:
    """Copy a closed project (no -wal file) into ``folder`` and return the copy's path."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, target)
    return target


@contextlib.contextmanager
def read_only(*paths: Path):
    """Make files or folders unwritable for the block, also for root, and restore them after.

    A normal user gets mode bits without write permission. Root ignores those, so for root the
    immutable attribute is set with ``chattr +i`` (ext2/3/4, XFS, Btrfs); the caller's test is
    skipped when that is not possible.
    """
    as_root = os.geteuid() == 0
    modes = {path: path.stat().st_mode for path in paths}
    done: list[Path] = []
    try:
        for path in paths:
            if as_root:
                result = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True) \
                    if shutil.which("chattr") else None
                if result is None or result.returncode != 0:
                    import pytest
                    pytest.skip(f"running as root and cannot make {path} immutable with chattr")
            else:
                path.chmod(modes[path] & ~0o222)
            done.append(path)
        yield
    finally:
        for path in reversed(done):
            if as_root:
                subprocess.run(["chattr", "-i", str(path)], check=True)
            else:
                path.chmod(modes[path])


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
