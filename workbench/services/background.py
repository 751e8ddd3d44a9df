"""Long calculations in a child process, so that the window's GUI thread is never starved.

A Monte Carlo comparison run in a worker thread keeps Python's global interpreter lock for
stretches of up to several hundred milliseconds, for example while pandas builds frames from SQL
rows. The GUI thread cannot run until it gets the lock back. A worker
thread that calls :func:`compare_sets_in_process` only waits for a child process, which releases
the lock, so the window keeps painting while the comparison runs.
"""

from __future__ import annotations

import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Sequence

from workbench.services.comparison import ComparisonOutcome, compare_sets
from workbench.services.projects import open_existing

log = logging.getLogger(__name__)


def compare_sets_in_process(path: str | Path, set_names: Sequence[str], **options: Any) -> ComparisonOutcome:
    """Run :func:`workbench.services.comparison.compare_sets` on the project at ``path`` in a child process.

    ``options`` are the keyword arguments of ``compare_sets`` except ``progress`` and
    ``context``, which cannot cross the process boundary. The child opens the project read-only.
    The child starts with "spawn", so it inherits no Qt state or threads from the caller.
    NOTE: the call reports no progress and cannot be cancelled while it runs.
    """
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        log.info("comparing sets %s of %s in a child process", ", ".join(set_names), path)
        return pool.submit(_compare_file, str(path), list(set_names), options).result()


def _compare_file(path: str, set_names: list[str], options: dict[str, Any]) -> ComparisonOutcome:
    with open_existing(path, read_only=True) as project:
        return compare_sets(project, set_names, **options)
