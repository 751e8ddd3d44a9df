"""Creating, opening and writing the ``.cwb`` project file.

A project is one SQLite file in WAL mode, marked by ``PRAGMA application_id`` and versioned by
``PRAGMA user_version``. Before SQLite opens a file for writing, its 100-byte header is read
directly, so a foreign or newer file is rejected without a single byte changing. Connections
run with ``trusted_schema=OFF`` and without extension loading, because project files arrive
from other people.
"""

from __future__ import annotations

import getpass
import logging
import os
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from workbench import __version__
from workbench.errors import (DamagedProjectError, ForeignFileError, NewerFormatError,
                              ProjectFileError)
from workbench.project import audit, migrations, schema_guard
from workbench.clock import utc_now_text

log = logging.getLogger(__name__)

APPLICATION_ID = 0x43574231  # "CWB1"
SQLITE_MAGIC = b"SQLite format 3\x00"
DAMAGED_HINT = "Restore it from a backup or ask the sender for a new copy; this file was not changed."
PROJECT_SUFFIX = ".cwb"


def default_actor() -> str:
    """Return who is making changes: $CWB_ACTOR, else the operating-system user name."""
    actor = os.environ.get("CWB_ACTOR")
    if actor:
        return actor
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def read_header(path: Path) -> tuple[int, int]:
    """Read ``(application_id, user_version)`` from the SQLite header without opening the file.

    Raises ForeignFileError when the file is not an SQLite database at all.
    """
    try:
        with open(path, "rb") as handle:
            header = handle.read(100)
    except FileNotFoundError:
        raise ProjectFileError(path, "no such project file",
                               hint="Check the path, or create one with 'carbon-workbench new'.") from None
    except OSError as exc:
        raise ProjectFileError(path, f"cannot be read ({exc.strerror})") from exc
    if len(header) < 100 or not header.startswith(SQLITE_MAGIC):
        raise ForeignFileError(path, "is not a Carbon Workbench project (not an SQLite database)",
                               hint="Open a .cwb file made by Carbon Workbench.")
    user_version = int.from_bytes(header[60:64], "big")
    application_id = int.from_bytes(header[68:72], "big")
    wal = Path(f"{path}-wal")
    if wal.exists() and wal.stat().st_size > 0:
        # Pages not yet checkpointed live in the -wal file, so a project that another window keeps open
        # may have a newer header there. A read-only SQLite connection reads it without writing the file.
        application_id, user_version = _header_through_sqlite(path, application_id, user_version)
    return application_id, user_version


def _header_through_sqlite(path: Path, application_id: int, user_version: int) -> tuple[int, int]:
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            application_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
            user_version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        log.warning("could not read %s through SQLite (%s); using the file header", path, exc)
    return application_id, user_version


def _configure(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA trusted_schema = OFF")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 10000")
    conn.execute("PRAGMA synchronous = FULL")


def _connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    uri = f"{path.resolve().as_uri()}?mode={'ro' if read_only else 'rw'}"
    try:
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        _configure(conn)
    except sqlite3.DatabaseError as exc:
        raise DamagedProjectError(path, f"cannot be opened: {exc}", hint=DAMAGED_HINT) from exc
    return conn


class Project:
    """An open project file with one connection owned by the creating thread.

    Worker threads call :meth:`connect` for a connection of their own. Writes go through
    :meth:`transaction`, which nests as savepoints, so one user command is one transaction.
    """

    def __init__(self, path: Path, conn: sqlite3.Connection, *, read_only: bool = False) -> None:
        self.path = path
        self.conn = conn
        self.read_only = read_only
        self.actor = default_actor()
        self._depth = 0
        self._owner = threading.get_ident()

    # -- lifecycle ---------------------------------------------------------------------------

    def connect(self) -> "Project":
        """Open another connection to the same file, for use by one worker thread."""
        return Project(self.path, _connect(self.path, read_only=self.read_only), read_only=self.read_only)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Project":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- transactions ------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run the block in one transaction (or a savepoint when nested); roll back on error."""
        if self.read_only:
            raise ProjectFileError(self.path, "is open read-only", hint="Reopen it for writing.")
        depth = self._depth
        try:
            self.conn.execute("BEGIN IMMEDIATE" if depth == 0 else f"SAVEPOINT sp{depth}")
        except sqlite3.OperationalError as exc:
            raise _write_error(self.path, exc) from exc
        self._depth += 1
        try:
            yield self.conn
        except BaseException:
            self._depth -= 1
            if depth == 0:
                self.conn.execute("ROLLBACK")
            else:
                self.conn.execute(f"ROLLBACK TO sp{depth}")
                self.conn.execute(f"RELEASE sp{depth}")
            raise
        self._depth -= 1
        try:
            self.conn.execute("COMMIT" if depth == 0 else f"RELEASE sp{depth}")
        except sqlite3.OperationalError as exc:
            if depth == 0:
                self.conn.execute("ROLLBACK")
            raise _write_error(self.path, exc) from exc

    def log(self, action: str, entity: str, details: dict) -> str:
        """Append an audit entry; must be called inside :meth:`transaction`."""
        if self._depth == 0:
            raise RuntimeError("audit entries are written inside a transaction")
        return audit.append(self.conn, self.actor, action, entity, details)

    # -- metadata ----------------------------------------------------------------------------

    def meta(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM project_meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO project_meta (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))

    @property
    def name(self) -> str:
        return self.meta("name") or self.path.stem

    @property
    def format_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])


def _write_error(path: Path, exc: sqlite3.OperationalError) -> ProjectFileError:
    text = str(exc)
    if "readonly" in text or "read-only" in text:
        return ProjectFileError(path, "cannot be written because the file or its folder is read-only",
                                hint="Copy the project to a writable folder and open the copy.")
    if "locked" in text or "busy" in text:
        return ProjectFileError(path, "is being written by another program or workbench window",
                                hint="Close the other window and try again.")
    if "disk is full" in text or "full" in text:
        return ProjectFileError(path, "cannot be written because the disk is full",
                                hint="Free disk space and try again; nothing was changed.")
    return ProjectFileError(path, f"write failed: {text}")


def create_project(path: str | Path, name: str | None = None) -> Project:
    """Create a new, empty project file at ``path`` and return it open for writing."""
    path = Path(path)
    if path.exists():
        raise ProjectFileError(path, "already exists", hint="Choose another name or open the existing project.")
    if path.suffix != PROJECT_SUFFIX:
        log.info("project %s does not end in %s", path, PROJECT_SUFFIX)
    try:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    except sqlite3.OperationalError as exc:
        raise ProjectFileError(path, f"cannot be created: {exc}") from exc
    _configure(conn)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA journal_mode = WAL")
    project = Project(path, conn)
    with project.transaction():
        migrations.apply_pending(conn, 0)
        project.set_meta("name", name or path.stem)
        project.set_meta("created_at", utc_now_text())
        project.set_meta("created_by", project.actor)
        project.set_meta("created_with", __version__)
        project.log("create_project", "project", {"name": name or path.stem, "format_version":
                                                  migrations.CURRENT_VERSION})
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    log.info("created project %s", path)
    return project


def _reject_unknown_steps(path: Path, conn: sqlite3.Connection) -> None:
    unknown = migrations.unknown_steps(conn)
    if not unknown:
        return
    conn.close()
    version, name, expected = unknown[0]
    raise ProjectFileError(path, f"records schema step {version} as '{name}', but this workbench's step {version} "
                                 f"is '{expected or 'none'}'",
                           hint="The file was written by a development build with another schema; build it again "
                                "from its input files. This file was not changed.")


def _check_contents(path: Path, conn: sqlite3.Connection, user_version: int) -> None:
    """Refuse planted schema objects and oversized text before anything reads or writes the file."""
    try:
        _reject_unknown_steps(path, conn)
        schema_guard.check_schema(path, conn, user_version)
        schema_guard.check_text_sizes(path, conn)
    except ProjectFileError:
        conn.close()
        raise
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise DamagedProjectError(path, f"is damaged: {exc}",
                                  hint=DAMAGED_HINT) from exc


def open_project(path: str | Path, *, read_only: bool = False) -> Project:
    """Open an existing project, migrating an older format forward inside one transaction.

    Raises ForeignFileError for files that are not projects, NewerFormatError for files written
    by a newer workbench, and DamagedProjectError when SQLite cannot read the file. In each case
    the file is left untouched.
    """
    path = Path(path)
    application_id, user_version = read_header(path)
    if application_id != APPLICATION_ID:
        raise ForeignFileError(
            path, f"is an SQLite database but not a Carbon Workbench project "
                  f"(application_id {application_id:#010x})",
            hint="Open a .cwb file made by Carbon Workbench; this file was not changed.")
    if user_version > migrations.CURRENT_VERSION:
        raise NewerFormatError(
            path, f"uses project format {user_version}, but this workbench ({__version__}) reads "
                  f"formats up to {migrations.CURRENT_VERSION}",
            hint="Open it with a newer Carbon Workbench; this file was not changed.")
    if user_version == 0:
        raise DamagedProjectError(path, "has no schema (format version 0)",
                                  hint="The file was never completed; create a new project.")

    conn = _connect(path, read_only=read_only)
    try:
        conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise DamagedProjectError(path, f"is damaged: {exc}",
                                  hint=DAMAGED_HINT) from exc

    # Nothing writes to the file, not even the journal mode in its header, before its schema is checked.
    _check_contents(path, conn, user_version)
    if not read_only:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError as exc:
            conn.close()
            raise _write_error(path, exc) from exc
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise DamagedProjectError(path, f"is damaged: {exc}",
                                      hint=DAMAGED_HINT) from exc
    project = Project(path, conn, read_only=read_only)
    if user_version < migrations.CURRENT_VERSION:
        if read_only:
            conn.close()
            raise ProjectFileError(path, f"uses the older format {user_version} and must be upgraded",
                                   hint="Open it once for writing to upgrade it.")
        with project.transaction():
            names = migrations.apply_pending(conn, user_version)
            project.log("migrate", "project", {"from": user_version, "to": migrations.CURRENT_VERSION,
                                               "migrations": names})
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        log.info("migrated %s from format %d to %d", path, user_version, migrations.CURRENT_VERSION)
    return project
