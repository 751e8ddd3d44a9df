"""Running service calls on a QThreadPool with progress and cancel.

A job is a plain function ``job(progress) -> result`` that takes a
:class:`workbench.progress.Progress`. It runs on a pool thread, so it must open its own project
connection with ``project.connect()`` and must not touch widgets. :class:`JobHandle` lives on
the GUI thread and re-emits the job's progress, result or error there, so any slot, lambdas
included, runs on the GUI thread.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QProgressBar, QProgressDialog, QWidget

from workbench.progress import Progress

log = logging.getLogger(__name__)

Job = Callable[[Progress], Any]
PROGRESS_STEPS = 1000
UI_SWITCH_INTERVAL_S = 0.002


class _Relay(QObject):
    """Carries a job's events from the pool thread to the handle on the GUI thread."""

    progressed = Signal(float, str)
    succeeded = Signal(object)
    failed = Signal(object)


class _Runnable(QRunnable):
    def __init__(self, job: Job, progress: Progress, relay: _Relay) -> None:
        super().__init__()
        self._job = job
        self._progress = progress
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._job(self._progress)
        except BaseException as error:  # every failure goes back to the GUI thread as a value
            self._report(self._relay.failed, error)
        else:
            self._report(self._relay.succeeded, result)

    def _report(self, signal, value: Any) -> None:
        try:
            signal.emit(value)
        except RuntimeError as error:  # the window that started the job closed while it ran
            log.info("a job finished after the window that started it closed: %s", error)


class JobHandle(QObject):
    """A job started on a pool; connect to its signals, call :meth:`cancel` to stop it."""

    progressed = Signal(float, str)  # fraction in [0, 1], message
    succeeded = Signal(object)  # the job's return value
    failed = Signal(object)  # the exception the job raised
    finished = Signal()  # after succeeded or failed

    def __init__(self, operation: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.operation = operation
        self.running = True
        self.result: Any = None
        self.error: BaseException | None = None
        self._relay = _Relay()
        self._relay.progressed.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        self._relay.succeeded.connect(self._on_success, Qt.ConnectionType.QueuedConnection)
        self._relay.failed.connect(self._on_failure, Qt.ConnectionType.QueuedConnection)
        self.progress = Progress(self._relay.progressed.emit, operation=operation)

    def cancel(self) -> None:
        """Ask the job to stop at its next progress update."""
        self.progress.cancel()

    @Slot(float, str)
    def _on_progress(self, fraction: float, message: str) -> None:
        self.progressed.emit(fraction, message)

    @Slot(object)
    def _on_success(self, result: object) -> None:
        self.running = False
        self.result = result
        self.succeeded.emit(result)
        self.finished.emit()

    @Slot(object)
    def _on_failure(self, error: object) -> None:
        self.running = False
        self.error = error  # type: ignore[assignment]
        self.failed.emit(error)
        self.finished.emit()


def share_interpreter_with_ui() -> None:
    """Make a worker thread running Python hand the interpreter lock to the UI thread every 2 ms.

    Python's default is 5 ms; each hand-over the UI thread waits for is that long again when
    the worker takes the lock back first. A NOTE for readers: C calls that hold the lock (some
    pandas and numpy operations) are not shortened by this.
    """
    if sys.getswitchinterval() > UI_SWITCH_INTERVAL_S:
        sys.setswitchinterval(UI_SWITCH_INTERVAL_S)


def start_job(job: Job, *, operation: str, pool: QThreadPool | None = None,
              parent: QObject | None = None) -> JobHandle:
    """Run ``job`` on ``pool`` (the global pool by default) and return its handle."""
    share_interpreter_with_ui()
    handle = JobHandle(operation, parent)
    runnable = _Runnable(job, handle.progress, handle._relay)
    handle._runnable = runnable  # kept until the handle goes, so Python does not free it mid-run
    (pool or QThreadPool.globalInstance()).start(runnable)
    log.debug("started job: %s", operation)
    return handle


def start_job_with_dialog(parent: QWidget, job: Job, *, operation: str, label: str) -> JobHandle:
    """Run ``job`` behind a window-modal progress dialog whose Cancel button cancels it.

    Progress goes to the dialog's own bar. QProgressDialog.setValue() on a modal dialog runs
    QCoreApplication.processEvents(), which can deliver the job's end and delete the dialog
    inside that very call, so it is never used here.
    """
    dialog = QProgressDialog(label, "Cancel", 0, PROGRESS_STEPS, parent)
    bar = QProgressBar(dialog)
    bar.setRange(0, PROGRESS_STEPS)
    bar.setValue(0)
    dialog.setBar(bar)
    dialog.setWindowTitle(operation)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(300)  # the dialog's own timer shows it once the job takes longer
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)

    handle = start_job(job, operation=operation, parent=parent)
    handle.dialog = dialog
    dialog.canceled.connect(handle.cancel)
    handle.progressed.connect(lambda fraction, message: _show_progress(dialog, bar, fraction, message))
    handle.finished.connect(dialog.hide)  # hide() sends no close event, so no late cancel
    handle.finished.connect(dialog.deleteLater)
    return handle


def _show_progress(dialog: QProgressDialog, bar: QProgressBar, fraction: float, message: str) -> None:
    bar.setValue(round(fraction * PROGRESS_STEPS))
    if message:
        dialog.setLabelText(message)
