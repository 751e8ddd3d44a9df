"""The ``carbon-workbench-gui`` entry point.

Only the standard library is imported at module level, so a machine without a display gets
its one-sentence message before Qt, pyqtgraph or pandas load.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from types import TracebackType

log = logging.getLogger(__name__)

APPLICATION_NAME = "Carbon Workbench"
ORGANIZATION_NAME = "Carbon Workbench"
EXIT_USAGE = 2

HEADLESS_MESSAGE = (
    "carbon-workbench-gui: no display was found (DISPLAY and WAYLAND_DISPLAY are unset), so to run "
    "without one start it as 'QT_QPA_PLATFORM=offscreen carbon-workbench-gui PROJECT.cwb' or use the "
    "'carbon-workbench' command-line tool."
)


def headless_problem(environ: dict[str, str] | None = None, platform: str | None = None) -> str | None:
    """Return the message for a Linux session without a display, or None when Qt can start.

    Qt needs DISPLAY (X11) or WAYLAND_DISPLAY on Linux unless QT_QPA_PLATFORM names another
    platform plugin such as ``offscreen``. Other operating systems always have a display.
    """
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if not platform.startswith("linux"):
        return None
    if environ.get("QT_QPA_PLATFORM") or environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"):
        return None
    return HEADLESS_MESSAGE


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="carbon-workbench-gui",
                                     description="Open the Carbon Workbench window, optionally on a project.")
    parser.add_argument("project", nargs="?", type=Path, help="project file (.cwb) to open")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.add_argument("--self-test", action="store_true",
                        help="build the demo project, open, export and verify it without a display, then exit")
    return parser.parse_args(argv)


def _version() -> str:
    from workbench import __version__

    return __version__


def main(argv: list[str] | None = None) -> int:
    """Start the GUI; return the exit status (2 when no display is available)."""
    arguments = parse_arguments(argv)
    if arguments.self_test:
        from workbench.ui.self_test import run_self_test

        return run_self_test()
    problem = headless_problem()
    if problem:
        print(problem, file=sys.stderr)
        return EXIT_USAGE

    from workbench import logsetup

    log_path = logsetup.configure(stderr_level=logging.WARNING)
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from workbench.ui.main_window import MainWindow

    # Qt 6 always scales for high-DPI screens; pass fractional factors (150 %) through unrounded,
    # which Qt 6 does by default, stated here so a platform default cannot change it.
    if QApplication.instance() is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APPLICATION_NAME)
    app.setOrganizationName(ORGANIZATION_NAME)
    app.setWindowIcon(application_icon())
    window = MainWindow()
    sys.excepthook = _excepthook_for(window, log_path)
    window.show()
    if arguments.project is not None:
        # The empty window paints first; the project (and pandas with it) loads right after.
        app.processEvents()
        project = arguments.project
        QTimer.singleShot(0, lambda: window.open_project(project))
    return app.exec()


def application_icon():
    """Return the application icon drawn from the shipped SVG."""
    from importlib import resources

    from PySide6.QtGui import QIcon

    return QIcon(str(resources.files("workbench") / "resources" / "icons" / "carbon-workbench.svg"))


def _excepthook_for(window, log_path: Path | None):
    """Return an excepthook that logs an uncaught exception and shows it without its traceback."""
    from workbench.ui.errors import error_box

    def report(kind: type[BaseException], error: BaseException, traceback: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, traceback)
            return
        log.critical("uncaught exception (log file: %s)", log_path, exc_info=(kind, error, traceback))
        error_box(window, "The last command", error).exec()

    return report


if __name__ == "__main__":
    sys.exit(main())
