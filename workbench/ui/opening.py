"""Opening a project without blocking the UI thread: read on the pool, adopt on the UI thread.

:func:`read_in_background` runs :func:`workbench.services.opening.read_project` behind a
window-modal progress dialog with Cancel and waits in a local event loop, so the window keeps
painting and the caller still gets the result in the same call (as ``QDialog.exec`` does).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable, Sequence

from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QWidget

from workbench.services.opening import open_job
from workbench.ui.workers import JobHandle, start_job_with_dialog

log = logging.getLogger(__name__)


def read_in_background(parent: QWidget, path: str | Path, shapers: Sequence[Callable] = (), *,
                       read_only: bool = False) -> JobHandle:
    """Read ``path`` on the pool and return the finished handle: ``result`` is the OpenedProject,
    or ``error`` the exception (OperationCancelled when the user pressed Cancel).

    ``shapers`` (from :meth:`Recomputer.frozen_shapers`) shape the views' data from the first
    result on the pool too.
    """
    read = open_job(path, read_only=read_only)

    def job(progress):
        opened = read(progress)
        for shaper in shapers:
            shaper(opened.response)
        return opened

    handle = start_job_with_dialog(parent, job, operation="Opening the project", label=f"Opening {Path(path).name}")
    if handle.running:
        loop = QEventLoop()
        handle.finished.connect(loop.quit)
        loop.exec()
    return handle
