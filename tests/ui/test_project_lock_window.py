"""A project open in another workbench: the window prompts, then opens read-only or not at all."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest
from PySide6.QtCore import QSettings

from workbench.services import project_lock
from workbench.ui.main_window import MainWindow


class LockAnswers:
    def __init__(self, answer):
        self.answer = answer
        self.asked = []

    def __call__(self, error):
        self.asked.append(error)
        return self.answer


@pytest.fixture
def make_window(qtbot, tmp_path, rationales):
    def make(answer=None):
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        answers = LockAnswers(answer)
        window = MainWindow(settings=settings, ask_rationale=rationales, ask_locked=answers)
        qtbot.addWidget(window)
        return window, answers
    return make


def test_open_takes_lock_and_close_releases(make_window, gpu_project):
    window, answers = make_window()

    assert window.open_project(gpu_project) is True
    holder = project_lock.read_holder(gpu_project)
    assert holder is not None
    assert holder.token == window.lock.holder.token
    window.close_project()

    assert project_lock.read_holder(gpu_project) is None
    assert answers.asked == []


def test_locked_project_opens_read_only(make_window, gpu_project):
    other = project_lock.acquire(gpu_project)
    window, answers = make_window("read_only")

    assert window.open_project(gpu_project) is True

    assert answers.asked[0].holder.token == other.holder.token
    assert window.session.project.read_only is True
    assert window.lock is None
    assert "(read-only)" in window.windowTitle()
    assert window.assumption_panel.pue_spin.isEnabled() is False
    assert window.action_map["import"].isEnabled() is False
    # An export is recorded in the audit log, which a read-only project cannot take.
    assert window.action_map["export_xlsx"].isEnabled() is False
    assert window.action_map["reports"].isEnabled() is True
    assert window.reports_view.export_button.isEnabled() is False
    assert not any(button.isEnabled() for button in window.reports_view.sign_buttons.values())
    assert window.assumption_editor.store_button.isEnabled() is False
    assert window.assumption_editor.value_spin.isEnabled() is False
    assert project_lock.read_holder(gpu_project).token == other.holder.token
    other.release()


def test_locked_project_cancel_keeps_window_empty(make_window, gpu_project):
    other = project_lock.acquire(gpu_project)
    window, answers = make_window(None)

    assert window.open_project(gpu_project) is False

    assert len(answers.asked) == 1
    assert window.session.project is None
    assert "was not opened" in window.statusBar().currentMessage()
    other.release()


def test_second_window_is_told(make_window, gpu_project):
    first, _ = make_window()
    first.open_project(gpu_project)
    second, answers = make_window(None)

    assert second.open_project(gpu_project) is False

    assert answers.asked[0].holder.token == first.lock.holder.token


def test_reopening_own_project_keeps_lock(make_window, gpu_project):
    window, answers = make_window()
    window.open_project(gpu_project)
    token = window.lock.holder.token

    assert window.open_project(gpu_project) is True

    assert answers.asked == []
    assert window.lock.holder.token == token


def test_switching_project_releases_old_lock(make_window, gpu_project, tmp_path, project_builder):
    (tmp_path / "other").mkdir()
    other_project = project_builder(tmp_path / "other" / "second.cwb")
    window, _ = make_window()
    window.open_project(gpu_project)

    window.open_project(other_project)

    assert project_lock.read_holder(gpu_project) is None
    assert project_lock.read_holder(other_project).token == window.lock.holder.token


def test_stale_lock_is_taken_without_asking(make_window, gpu_project):
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                              check=True)
    project_lock.lock_path(gpu_project).write_text(json.dumps({
        "pid": int(finished.stdout), "host": socket.gethostname(), "user": "ghost", "since": "2026-01-01T00:00:00Z",
        "token": "crashed"}), encoding="utf-8")
    window, answers = make_window()

    assert window.open_project(gpu_project) is True

    assert answers.asked == []
    assert window.session.project.read_only is False


def test_close_event_releases_lock(make_window, gpu_project):
    window, _ = make_window()
    window.open_project(gpu_project)

    window.close()

    assert project_lock.read_holder(gpu_project) is None
