"""Job bodies for the worker pool: each opens its own project connection and calls one service.

These functions hold no Qt objects, so they run on any thread; the window starts them through
:mod:`workbench.ui.workers`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable

from workbench.progress import Progress
from workbench.services.session import Session
from workbench.ui.export_dialog import ExportRequest
from workbench.ui.import_dialog import ImportRequest

log = logging.getLogger(__name__)


class PartProgress(Progress):
    """The share [start, start + span) of a larger job's progress; cancelling either cancels both."""

    def __init__(self, whole: Progress, start: float, span: float) -> None:
        super().__init__(self._forward, operation=whole.operation, min_interval_s=0.0)
        self._whole = whole
        self._start = start
        self._span = span

    def _forward(self, fraction: float, message: str) -> None:
        self._whole.update(self._start + fraction * self._span, message)

    def cancel(self) -> None:
        self._whole.cancel()

    @property
    def cancelled(self) -> bool:
        return self._whole.cancelled

    def check(self) -> None:
        self._whole.check()


def import_job(session: Session, request: ImportRequest) -> Callable[[Progress], list[Any]]:
    """Return a job that imports ``request.paths`` in one transaction and returns their ImportReports.

    Any rejected file, error or cancel rolls the whole command back, so either every file is
    stored or none is.
    """
    project = session.project_file
    if project is None:
        raise RuntimeError("no project is open")

    def run(progress: Progress) -> list[Any]:
        from workbench.services.imports import import_file

        reports = []
        count = len(request.paths)
        with project.connect() as worker_project, worker_project.transaction():
            for number, path in enumerate(request.paths):
                part = PartProgress(progress, number / count, 1 / count)
                reports.append(import_file(worker_project, Path(path), request.options, part))
        log.info("imported %d files as %s", count, request.options.kind)
        return reports

    return run


def export_job(session: Session, request: ExportRequest) -> Callable[[Progress], Any]:
    """Return a job that writes the report of the session's assumption set as ``request`` describes."""
    project = session.project_file
    if project is None:
        raise RuntimeError("no project is open")
    set_name = session.set_name

    def run(progress: Progress) -> Any:
        from workbench.services import exports

        with project.connect() as worker_project:
            return exports.export_report(
                worker_project, request.fmt, request.out, set_name=set_name, sign_key=request.sign_key,
                password=request.password, draft=request.draft, progress=progress, seed=request.seed,
                with_plan=request.with_plan, plan_trials=request.plan_trials)

    return run
