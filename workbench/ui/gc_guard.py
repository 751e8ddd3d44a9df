"""Python's cyclic garbage collector, run on the GUI thread only.

CPython runs a collection in whichever thread crosses the allocation threshold. When that is a
worker thread (an import or export on the QThreadPool), unreachable cycles that hold Qt objects
from closed dialogs or windows are destroyed on the wrong thread. With PySide6 6.11 on CPython
3.11 that deadlocked a test run: the worker sat in QObject::~QObject waiting for the GIL while
the GUI thread, holding the GIL, waited for the same Qt mutex. pyqtgraph's GarbageCollector
turns automatic collection off and collects from a GUI-thread timer instead.
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)

COLLECT_INTERVAL_S = 1.0

_collector = None


def pin_gc_to_gui_thread() -> None:
    """Switch automatic collection off and collect from a GUI-thread timer; later calls do nothing.

    Call it on the GUI thread once a QApplication exists.
    """
    global _collector
    if _collector is not None:
        return
    from pyqtgraph.util.garbage_collector import GarbageCollector

    _collector = GarbageCollector(interval=COLLECT_INTERVAL_S)
    log.debug("garbage collection pinned to the GUI thread")


def unpin_gc() -> None:
    """Collect once on this thread and give collection back to CPython (for tests and shutdown).

    Only call it when no worker thread runs Python code.
    """
    global _collector
    if _collector is None:
        return
    _collector.timer.stop()
    _collector = None
    gc.collect()
    gc.enable()


def freeze_long_lived() -> None:
    """Collect once, then move every surviving object out of reach of later collections (``gc.freeze``).

    Call it on the GUI thread after a project's models are prepared. A full collection walks
    every tracked object, so with a large project open each one took 100 to 180 ms on the GUI
    thread in ``bench/bench_ui_analysis.py`` (2 busy cores). Frozen objects are still freed when
    their reference count drops to zero; only cycles among them wait for :func:`thaw`.
    """
    gc.collect()
    gc.freeze()
    log.debug("froze %d long-lived objects out of garbage collection", gc.get_freeze_count())


def thaw() -> None:
    """Give frozen objects back to the collector (when the project they belong to closes)."""
    gc.unfreeze()
