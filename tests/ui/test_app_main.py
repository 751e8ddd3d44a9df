"""The carbon-workbench-gui entry point: headless message, start-up imports, opening a project."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from workbench.ui.app import HEADLESS_MESSAGE, headless_problem

DISPLAY_VARIABLES = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")


def environment(tmp_path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in DISPLAY_VARIABLES}
    env["CWB_LOG_DIR"] = str(tmp_path / "logs")
    env.update(extra)
    return env


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, capture_output=True,
                          text=True, timeout=120)


def test_headless_problem_needs_linux_without_display():
    assert headless_problem({}, "linux") == HEADLESS_MESSAGE
    assert headless_problem({"DISPLAY": ":0"}, "linux") is None
    assert headless_problem({"WAYLAND_DISPLAY": "wayland-0"}, "linux") is None
    assert headless_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert headless_problem({}, "win32") is None
    assert headless_problem({}, "darwin") is None


def test_main_without_display_prints_one_sentence(tmp_path):
    result = run_python("""
        import sys
        from workbench.ui.app import main
        status = main(["project.cwb"])
        print("PySide6" in sys.modules, "pandas" in sys.modules)
        sys.exit(status)
    """, environment(tmp_path))

    assert result.returncode == 2
    assert result.stderr.splitlines() == [HEADLESS_MESSAGE]
    assert "QT_QPA_PLATFORM=offscreen carbon-workbench-gui" in result.stderr
    assert "carbon-workbench' command-line tool" in result.stderr
    assert result.stdout.split() == ["False", "False"]


def test_main_opens_project_offscreen(tmp_path, gpu_project):
    result = run_python(f"""
        import sys
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        from workbench.ui.app import main

        app = QApplication([])

        def report():
            window = next(w for w in app.topLevelWidgets() if w.objectName() == "main_window")
            if window.session.project is None:
                return
            print(window.windowTitle())
            print(window.runs_model.rowCount())
            app.quit()

        timer = QTimer()
        timer.timeout.connect(report)
        timer.start(20)
        sys.exit(main([{str(gpu_project)!r}]))
    """, environment(tmp_path, QT_QPA_PLATFORM="offscreen"))

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["glasses — Carbon Workbench", "1"]
    assert "Traceback" not in result.stderr
    assert (tmp_path / "logs" / "carbon-workbench.log").is_file()
