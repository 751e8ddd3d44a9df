"""Logging configuration, done once by each entry point's ``main()``.

Records go to a rotating file in the platform's user log folder (5 files of 2 MiB) and, for the
CLI, warnings and errors also to standard error. ``CWB_LOG_DIR`` overrides the folder.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from pathlib import Path


def user_log_dir() -> Path:
    """Return the folder for log files: $CWB_LOG_DIR, else the platform's convention."""
    override = os.environ.get("CWB_LOG_DIR")
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
        return base / "CarbonWorkbench" / "Logs"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Logs" / "CarbonWorkbench"
    base = Path(os.environ.get("XDG_STATE_HOME", Path.home() / ".local" / "state"))
    return base / "carbon-workbench" / "log"


_configured_path: list[Path | None] = []


def configure(*, stderr_level: int | None = logging.WARNING) -> Path | None:
    """Attach the rotating file handler (and a stderr handler) to the root logger; return the log path.

    Later calls in the same process change nothing and return the first call's path.
    """
    if _configured_path:
        return _configured_path[0]
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    log_path = None
    try:
        folder = user_log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        log_path = folder / "carbon-workbench.log"
        handler = logging.handlers.RotatingFileHandler(log_path, maxBytes=2 << 20, backupCount=5, encoding="utf-8")
        handler.setFormatter(formatter)
        root.addHandler(handler)
    except OSError:
        log_path = None  # a read-only home must not stop the program; stderr still gets warnings
    if stderr_level is not None:
        console = logging.StreamHandler()
        console.setLevel(stderr_level)
        console.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        root.addHandler(console)
    for noisy in ("pyhanko", "pyhanko_certvalidator", "fontTools", "PIL"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    _configured_path.append(log_path)
    return log_path
