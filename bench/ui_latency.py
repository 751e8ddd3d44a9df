"""A timer-latency probe for the UI thread: how long the event loop goes without running a timer.

A :class:`LatencyProbe` starts a precise QTimer with a 10 ms interval on the thread that owns
it (the GUI thread) and records the time between consecutive timeouts. While the event loop is
free, each gap is close to the interval. A gap of 250 ms means the UI thread could not handle
any event, a repaint or a click included, for about that long. Background work (a Monte Carlo
run, an import, a comparison) is started while the probe runs, and :meth:`LatencyProbe.summary`
returns the largest gap and its percentiles.

Usage from a bench script::

    probe = LatencyProbe()
    probe.start()
    handle = view.start_monte_carlo()
    spin_until(lambda: view.job is None, timeout_s=120)
    probe.stop()
    print(probe.summary())
"""

from __future__ import annotations

import gc
import threading
import time
from typing import Callable

import numpy as np
from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, Qt, QTimer

INTERVAL_MS = 10
GOAL_MS = 100.0


class LatencyProbe(QObject):
    """Records the gaps between timeouts of a ``interval_ms`` QTimer on the owning thread."""

    def __init__(self, interval_ms: int = INTERVAL_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.interval_ms = interval_ms
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._stamps: list[float] = []
        self._marks: list[tuple[float, str]] = []

        self._gc_started = 0.0
        self._gc_pauses_ms: list[float] = []
        self._gui_thread = threading.get_ident()

    def start(self) -> None:
        self._stamps = [time.perf_counter()]
        self._marks = []
        self._gc_pauses_ms = []
        gc.callbacks.append(self._on_gc)
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self._stamps.append(time.perf_counter())
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)

    def _on_gc(self, phase: str, info: dict) -> None:
        """Record how long each garbage collection on the UI thread takes (it blocks the event loop)."""
        if threading.get_ident() != self._gui_thread:
            return
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            self._gc_pauses_ms.append((time.perf_counter() - self._gc_started) * 1000.0)

    def mark(self, label: str) -> None:
        """Note an event (a job started or ended) so the worst gap can be placed in time."""
        self._marks.append((time.perf_counter(), label))

    def _tick(self) -> None:
        self._stamps.append(time.perf_counter())

    @property
    def gaps_ms(self) -> np.ndarray:
        return np.diff(np.asarray(self._stamps)) * 1000.0

    def worst_gap(self) -> tuple[float, str]:
        """Return the largest gap in ms and the last mark before it ended ("" if none)."""
        gaps = self.gaps_ms
        if len(gaps) == 0:
            return 0.0, ""
        index = int(np.argmax(gaps))
        end = self._stamps[index + 1]
        before = [label for stamp, label in self._marks if stamp <= end]
        return float(gaps[index]), before[-1] if before else ""

    def summary(self, goal_ms: float = GOAL_MS) -> dict:
        """Return ticks, duration, the median, p99 and largest gap, and the gaps above ``goal_ms``."""
        gaps = self.gaps_ms
        if len(gaps) == 0:
            return {"ticks": 0, "duration_s": 0.0, "median_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0,
                    "over_goal": 0, "goal_ms": goal_ms, "worst_after": "", "gc_collections": 0, "gc_max_ms": 0.0}
        worst, label = self.worst_gap()
        return {"ticks": int(len(gaps)), "duration_s": float(self._stamps[-1] - self._stamps[0]),
                "median_ms": float(np.median(gaps)), "p99_ms": float(np.percentile(gaps, 99)),
                "max_ms": worst, "over_goal": int((gaps > goal_ms).sum()), "goal_ms": goal_ms,
                "worst_after": label, "gc_collections": len(self._gc_pauses_ms),
                "gc_max_ms": max(self._gc_pauses_ms, default=0.0)}


def spin_until(done: Callable[[], bool], timeout_s: float, check_ms: int = 20) -> bool:
    """Run a real event loop, as the application does, until ``done()`` is true or ``timeout_s`` passes.

    Returns ``done()``.
    """
    loop = QEventLoop()
    deadline = time.perf_counter() + timeout_s

    def check() -> None:
        if done() or time.perf_counter() >= deadline:
            loop.quit()

    checker = QTimer()
    checker.setInterval(check_ms)
    checker.timeout.connect(check)
    checker.start()
    if not done():
        loop.exec()
    checker.stop()
    QCoreApplication.processEvents()
    return done()
