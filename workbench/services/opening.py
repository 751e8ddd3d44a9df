"""Reading a project and computing its first result on any thread, for a front end that must not wait.

:func:`read_project` does the slow part of :meth:`workbench.services.session.Session.open` (checking
and migrating the file, preparing the footprint model, computing the default set's footprint and
hourly series) on its own connection, so a worker thread can run it. The session then adopts the
result with :meth:`~workbench.services.session.Session.adopt_opened` on its owning thread, which
only reads the short lists (sets, zones, audit status).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.engine.assumptions import Assumptions
from workbench.progress import Progress
from workbench.project.store import Project
from workbench.services import assumptions as assumption_service
from workbench.services import projects

if TYPE_CHECKING:
    from workbench.services.compute import FootprintModel
    from workbench.services.session import RecomputeResponse

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class OpenedProject:
    """A project read off the owning thread: its file with the connection closed, its model and first result.

    ``response`` is computed for ``committed``, the stored values of ``set_name``; its request
    has serial 0 and the session renumbers it when it adopts the project.
    """

    project: Project
    model: "FootprintModel"
    set_name: str
    committed: Assumptions
    response: "RecomputeResponse"


def read_project(path: str | Path, progress: Progress | None = None,
                 set_name: str = assumption_service.DEFAULT_SET, *, read_only: bool = False) -> OpenedProject:
    """Open ``path``, prepare its model and compute the footprint of ``set_name``; any thread.

    ``read_only`` opens the file without write access (an older format then cannot be upgraded).

    Raises what :func:`workbench.services.projects.open_existing` raises, ProjectFileError or
    DamagedProjectError for a file that cannot be read, and OperationCancelled when ``progress``
    is cancelled. The file is never changed, except for a migration of an older format.
    """
    from workbench.services.session import RecomputeRequest, _prepare_model, compute_response

    _report(progress, 0.0, "Checking the project file")
    project = projects.open_existing(path, read_only=read_only)
    try:
        with projects.reporting_damage(project.path):
            _report(progress, 0.05, "Reading the energy data")
            model = _prepare_model(project)
            committed = assumption_service.snapshot(project, set_name)
            _report(progress, 0.6, "Computing the footprint")
            response = compute_response(RecomputeRequest(0, model, committed, preview=False))
    finally:
        project.close()
    _report(progress, 1.0, "Showing the result")
    log.info("read project %s off the owning thread", project.path)
    return OpenedProject(project, model, set_name, committed, response)


def _report(progress: Progress | None, fraction: float, message: str) -> None:
    if progress is not None:
        progress.update(fraction, message, force=True)


def open_job(path: str | Path, *, read_only: bool = False) -> Any:
    """Return a worker job ``job(progress) -> OpenedProject`` for ``path``."""
    return lambda progress: read_project(path, progress, read_only=read_only)
