"""Worker jobs: results, errors and cancel arrive on the GUI thread through the handle."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QWidget

from workbench.errors import OperationCancelled
from workbench.ui.workers import start_job, start_job_with_dialog


def test_job_result_arrives_on_gui_thread(qtbot):
    gui_thread = threading.get_ident()
    threads = []

    def job(progress):
        threads.append(threading.get_ident())
        progress.update(0.5, "half", force=True)
        return 42

    handle = start_job(job, operation="Counting")
    seen = []
    handle.progressed.connect(lambda fraction, message: seen.append((fraction, message, threading.get_ident())))
    with qtbot.waitSignal(handle.finished, timeout=5000):
        pass

    assert handle.result == 42
    assert handle.error is None
    assert threads[0] != gui_thread
    assert seen == [(0.5, "half", gui_thread)]


def test_job_error_becomes_value(qtbot):
    def job(progress):
        raise ValueError("bad input in row 7")

    handle = start_job(job, operation="Failing")
    with qtbot.waitSignal(handle.failed, timeout=5000) as blocker:
        pass

    assert isinstance(blocker.args[0], ValueError)
    assert str(handle.error) == "bad input in row 7"
    assert handle.running is False


def test_dialog_cancel_stops_job(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    started = threading.Event()

    def job(progress):
        started.set()
        for _ in range(5000):  # at most about 5 s, though the test cancels far sooner
            progress.update(0.1, "waiting for cancel")
            threading.Event().wait(0.001)
        return "not cancelled"

    handle = start_job_with_dialog(parent, job, operation="Waiting", label="waiting")
    assert started.wait(5)
    qtbot.waitUntil(handle.dialog.isVisible, timeout=5000)
    cancel_button = handle.dialog.findChild(QPushButton)
    assert cancel_button.text() == "Cancel"
    qtbot.mouseClick(cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not handle.running, timeout=10_000)

    assert isinstance(handle.error, OperationCancelled)
    assert str(handle.error) == "Waiting was cancelled; the project is unchanged."
