"""Live previews: bursts of control moves merge into one recompute off the GUI thread."""

from __future__ import annotations

import logging
from typing import Any, Callable

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal

from workbench.services.session import RecomputeResponse, Session, compute_response
from workbench.ui.workers import JobHandle, start_job

log = logging.getLogger(__name__)

MERGE_DELAY_MS = 30  # moves closer together than this become one request

Shaper = Callable[[RecomputeResponse], None]


def _compute_and_shape(request, shapers: list[Shaper]) -> RecomputeResponse:
    """Compute ``request`` and let each view shape its data from the response, on the worker thread."""
    response = compute_response(request)
    for shaper in shapers:
        shaper(response)
    return response


class Recomputer(QObject):
    """Collects preview changes, requests a recompute from the session and applies the response.

    It throttles rather than debounces. The first move of a drag starts the merge timer, and
    later moves only add to the pending changes. While a recompute runs, nothing new is
    submitted. When it ends, the changes that piled up meanwhile go at once as one request, so a
    steady drag gets one update per recompute-and-draw cycle instead of none until the mouse rests.
    One pool thread computes, so responses arrive in request order; the session still drops
    any response that a newer request made stale.
    """

    applied = Signal(object)  # the RecomputeResponse that became the session's result
    failed = Signal(object)  # the exception of a recompute that failed

    def __init__(self, session: Session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._pending: dict[str, Any] = {}
        self._jobs: set[JobHandle] = set()
        self._shapers: list[Callable[[], Shaper | None]] = []
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(MERGE_DELAY_MS)
        self._timer.timeout.connect(self._submit)

    def add_shaper(self, freeze: Callable[[], Shaper | None]) -> None:
        """Shape view data in the worker: ``freeze()`` runs on the UI thread for each request and
        returns a function that fills the response's ``shaped`` cache off that thread (or None to skip)."""
        self._shapers.append(freeze)

    def compute_job(self, request) -> Callable[[Any], RecomputeResponse]:
        """Return a pool job that computes ``request`` and shapes the views' data, as previews are."""
        shapers = self.frozen_shapers()
        return lambda _progress: _compute_and_shape(request, shapers)

    def frozen_shapers(self) -> list[Shaper]:
        """Return the shapers for the views as they are now (call on the UI thread, run them on any)."""
        return [shaper for shaper in (freeze() for freeze in self._shapers) if shaper is not None]

    def preview(self, **changes: Any) -> None:
        """Preview the committed assumptions with ``changes``; later calls add to the same preview."""
        self._pending.update(changes)
        if not self._jobs and not self._timer.isActive():
            self._timer.start()

    def cancel(self) -> None:
        """Forget changes not yet submitted; responses in flight are dropped as stale by the session."""
        self._timer.stop()
        self._pending.clear()

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Forget pending changes and wait for a recompute in flight to end (before the window goes)."""
        self.cancel()
        self._pool.waitForDone(timeout_ms)

    def busy(self) -> bool:
        return self._timer.isActive() or bool(self._jobs)

    def wait_idle(self, timeout_ms: int = 10_000) -> bool:
        """Block until queued work is applied (for scripts); return False on timeout."""
        from PySide6.QtCore import QCoreApplication, QDeadlineTimer

        deadline = QDeadlineTimer(timeout_ms)
        while self.busy() and not deadline.hasExpired():
            QCoreApplication.processEvents()
            self._pool.waitForDone(10)
        QCoreApplication.processEvents()
        return not self.busy()

    def _submit(self) -> None:
        if not self._pending:
            return
        if self._session.model is None:
            self._pending.clear()
            return
        request = self._session.preview(dict(self._pending))
        self._pending.clear()
        handle = start_job(self.compute_job(request), operation="Recomputing the footprint", pool=self._pool,
                           parent=self)
        self._jobs.add(handle)
        handle.succeeded.connect(self._apply)
        handle.failed.connect(self.failed.emit)
        handle.finished.connect(lambda: self._forget(handle))

    def _apply(self, response: RecomputeResponse) -> None:
        if self._session.apply(response):
            self.applied.emit(response)

    def _forget(self, handle: JobHandle) -> None:
        self._jobs.discard(handle)
        handle.deleteLater()
        if self._pending and not self._jobs and not self._timer.isActive():
            # Moves made while it computed: merged already, so no extra delay. The views have
            # taken the response's data but paint it only when control returns to the event
            # loop, so the worker computes the next frame while this one paints.
            self._submit()


class Throttle(QObject):
    """Rate limiter that passes values to ``show`` at most once per ``interval_ms`` and always ends with the latest.

    A value offered while the interval since the last one shown runs waits and replaces any
    value that waited before it, and it is shown when the interval ends. So ``show`` gets the
    first value of a burst at once, then about one value per interval, and the last value at
    most ``interval_ms`` after it was offered.
    """

    def __init__(self, show: Callable[[Any], None], interval_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._show = show
        self._waiting: list[Any] = []  # the value that waits, if any
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._show_waiting)

    def offer(self, value: Any) -> None:
        """Show ``value`` now unless one was shown less than the interval ago; then show it when that ends."""
        if self._timer.isActive():
            self._waiting[:] = [value]
            return
        self._show(value)
        self._timer.start()

    def show_now(self, value: Any) -> None:
        """Show ``value`` at once and drop any value that waits."""
        self._timer.stop()
        self._waiting.clear()
        self._show(value)

    def waiting(self) -> bool:
        """Return whether a value waits for the end of the interval."""
        return bool(self._waiting)

    def _show_waiting(self) -> None:
        if self._waiting:
            self._show(self._waiting.pop())
            self._timer.start()

