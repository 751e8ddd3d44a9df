"""Loading the shipped default libraries (grid factors, hardware embodied emissions) into a project."""

from __future__ import annotations

import logging
from pathlib import Path

from workbench.project.store import Project
from workbench.services import import_kinds
from workbench.services.imports import ImportOptions, ImportReport, import_file

log = logging.getLogger(__name__)


def load_default_library(project: Project, *, which: tuple[str, ...] = ("factors", "hardware-library"),
                         allow_duplicate: bool = False) -> list[ImportReport]:
    """Import the shipped library files of the given kinds; each file is one source of the project.

    A file already imported is skipped unless ``allow_duplicate`` is set.
    """
    from workbench.errors import DuplicateSourceError

    reports = []
    for kind, paths in import_kinds.default_library_files().items():
        if kind not in which:
            continue
        for path in paths:
            try:
                reports.append(import_file(project, Path(path), ImportOptions(kind=kind, allow_duplicate=allow_duplicate)))
            except DuplicateSourceError:
                log.info("default library file %s is already in the project", path.name)
    return reports
