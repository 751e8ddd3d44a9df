"""Progress reporting and cancellation for long operations, without Qt.

A long job receives a :class:`Progress` and calls :meth:`Progress.update` now and then. The
caller (a CLI progress line, a Qt worker, a test) reads the fraction through a callback and
cancels by calling :meth:`Progress.cancel` from any thread; the job then raises
:class:`~workbench.errors.OperationCancelled` at its next update, and the transaction it runs
in rolls back.
"""

from __future__ import annotations

import threading
import time
from typing import Callable

from workbench.errors import OperationCancelled

ProgressCallback = Callable[[float, str], None]


class Progress:
    """A cancel flag plus a throttled progress callback, shared between a job and its caller."""

    def __init__(self, callback: ProgressCallback | None = None, *, operation: str = "The operation",
                 min_interval_s: float = 0.05) -> None:
        self._callback = callback
        self._cancelled = threading.Event()
        self._last_report = 0.0
        self._min_interval_s = min_interval_s
        self.operation = operation

    def cancel(self) -> None:
        """Ask the job to stop at its next update; safe to call from any thread."""
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def check(self) -> None:
        """Raise OperationCancelled if cancellation was requested."""
        if self._cancelled.is_set():
            raise OperationCancelled(self.operation)

    def update(self, fraction: float, message: str = "", *, force: bool = False) -> None:
        """Report progress in [0, 1] and raise OperationCancelled if the job should stop."""
        self.check()
        if self._callback is None:
            return
        now = time.monotonic()
        if force or now - self._last_report >= self._min_interval_s or fraction >= 1.0:
            self._last_report = now
            self._callback(min(max(fraction, 0.0), 1.0), message)


def no_progress(operation: str = "The operation") -> Progress:
    """Return a Progress that reports nowhere and is never cancelled."""
    return Progress(None, operation=operation)


def sub_progress(progress: Progress | None, start: float, end: float) -> Progress | None:
    """Return a Progress whose fractions move ``progress`` between ``start`` and ``end`` (None stays None).

    Its updates raise OperationCancelled once ``progress`` is cancelled.
    """
    if progress is None:
        return None
    return Progress(lambda fraction, message: progress.update(start + fraction * (end - start), message),
                    operation=progress.operation)
