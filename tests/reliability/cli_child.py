"""Run one ``carbon-workbench`` command in a child process prepared for the kill tests.

Usage: ``python cli_child.py ARG ...`` runs ``workbench.cli.main([ARG, ...])`` with two changes:

- The clock is frozen at ``$CWB_FROZEN_CLOCK`` (ISO 8601 text), so a clean run and a run that
  commits before it is killed write identical rows, and the two can be compared byte for byte.
- ``$CWB_KILL_AT_STATEMENT=N`` kills the process with SIGKILL when SQLite starts its N-th
  statement (counted over every connection, through ``sqlite3.Connection.set_trace_callback``).
  The statement never runs, so a kill at a ``COMMIT`` leaves an open transaction behind.
  ``$CWB_STATEMENT_LOG=FILE`` writes the first word of every statement to FILE at exit, one per
  line. A clean run thus gives the tests the number of statements and the position of COMMIT.

Kills at the N-th write system call are made by the LD_PRELOAD shim ``killwrite.c`` instead.
"""

from __future__ import annotations

import atexit
import os
import signal
import sqlite3
import sys

_statements: list[str] = []
_kill_at = int(os.environ.get("CWB_KILL_AT_STATEMENT", "0") or 0)


def _trace(sql: str) -> None:
    _statements.append(sql.split(None, 1)[0].upper() if sql.strip() else "")
    if _kill_at and len(_statements) == _kill_at:
        os.kill(os.getpid(), signal.SIGKILL)


def _install_statement_hook() -> None:
    original_connect = sqlite3.connect

    def connect(*args, **kwargs):
        conn = original_connect(*args, **kwargs)
        conn.set_trace_callback(_trace)
        return conn

    sqlite3.connect = connect
    log_path = os.environ.get("CWB_STATEMENT_LOG")
    if log_path:
        atexit.register(lambda: open(log_path, "w", encoding="utf-8").write("\n".join(_statements) + "\n"))


def _freeze_clock() -> None:
    frozen = os.environ.get("CWB_FROZEN_CLOCK")
    if not frozen:
        return
    import workbench.clock

    # Modules import the function by name when they are first imported, which is after this.
    workbench.clock.utc_now_text = lambda: frozen


def main() -> int:
    _freeze_clock()
    _install_statement_hook()
    from workbench.cli import main as cli_main

    return cli_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
