"""Render the main window on the demo project (or a given project) to a PNG file.

Usage: python scripts/screenshot.py [--project PROJECT.cwb] [--out PATH] [--size 1280x820]

Without --project the script builds a fresh demo project in a temporary folder, so the picture
does not depend on a stale sample_projects/demo.cwb. --out is a .png file or a folder (default
``screenshots/``, which git ignores). In a folder the file is named after the Qt platform, for
example ``main-window-xcb.png``. It works on a real display, under Xvfb (QT_QPA_PLATFORM=xcb)
and, when no display is set, on Qt's offscreen platform.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

DEFAULT_OUT = Path("screenshots")


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, help="project file to show (default: a freshly built demo)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="PNG file or folder to write into")
    parser.add_argument("--size", default="1280x820", help="window size in pixels, WIDTHxHEIGHT")
    return parser.parse_args(argv)


def output_path(out: Path, platform: str) -> Path:
    path = out if out.suffix.lower() == ".png" else out / f"main-window-{platform}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def check_project(path: Path) -> str | None:
    """Return why ``path`` cannot be shown, or None; the window would block on an error dialog instead."""
    from workbench.errors import WorkbenchError
    from workbench.services import projects

    try:
        projects.open_existing(path, read_only=True).close()
    except WorkbenchError as error:
        return str(error)
    return None


def render(project: Path, out: Path, width: int, height: int, scratch: Path) -> Path:
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from workbench.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0]])
    settings = QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, ask_rationale=lambda label, old, new: None)
    window.resize(width, height)
    window.show()
    QTest.qWaitForWindowExposed(window, 5000)
    if not window.open_project(project):
        raise RuntimeError(f"the window could not open {project}")
    window.recomputer.wait_idle()
    QTest.qWait(200)  # lets the chart and table finish their deferred layout and paint

    path = output_path(out, QGuiApplication.platformName())
    if not window.grab().save(str(path)):
        raise RuntimeError(f"{path}: the PNG could not be written")
    window.close()
    app.processEvents()
    return path


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    width, _x, height = arguments.size.partition("x")
    if sys.platform.startswith("linux") and not any(
            os.environ.get(name) for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        print("no display is set, so the offscreen platform renders the window", file=sys.stderr)

    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        project = arguments.project
        if project is None:
            from workbench.services.demo import build_demo_project

            project = scratch / "demo.cwb"
            build_demo_project(project).close()
        problem = check_project(project)
        if problem:
            print(f"screenshot.py: {problem}", file=sys.stderr)
            return 1
        path = render(project, arguments.out, int(width), int(height), scratch)
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
