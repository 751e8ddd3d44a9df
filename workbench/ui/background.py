"""A lower scheduling priority for the analysis views' worker threads, so the UI thread wins a busy CPU."""

from __future__ import annotations

import logging
import os
import sys
import threading

log = logging.getLogger(__name__)

BACKGROUND_NICENESS = 5

_lowered = threading.local()


def lower_thread_priority(niceness: int = BACKGROUND_NICENESS) -> None:
    """Raise the calling thread's nice value by ``niceness`` (Linux only; elsewhere nothing happens).

    On Linux each thread has its own nice value, so a pool thread that calls this once keeps the
    lower priority for every later job, and the UI thread keeps its own. Raising a nice value
    needs no privilege.
    """
    if not sys.platform.startswith("linux"):
        # NOTE: macOS and Windows set thread priorities through other calls; their workers keep
        # the normal priority.
        return
    if getattr(_lowered, "done", False):
        return
    thread_id = threading.get_native_id()
    try:
        current = os.getpriority(os.PRIO_PROCESS, thread_id)
        os.setpriority(os.PRIO_PROCESS, thread_id, min(current + niceness, 19))
        _lowered.done = True
    except OSError as error:
        log.warning("could not lower the priority of worker thread %d: %s", thread_id, error)
