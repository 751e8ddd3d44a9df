"""Fixtures for the GUI tests: a real project from real samples, isolated settings, captured dialogs.

QT_QPA_PLATFORM is set here, before any test module imports Qt, so the tests run without a
display. A value set by the caller (xcb under Xvfb, for example) is kept.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402

from workbench.services import imports, projects  # noqa: E402

PUE_RATIONALE = "PUE measured by the operator for September 2025"
GPU_LOG = Path("nvidia_smi") / "xypp3__gpu_glasses__nvidia_smi.csv"

# Location-based factors for September 2025 in gCO2e/kWh; the values are test inputs.
FACTORS_CSV = (
    "zone,period_start,period_end,co2e_g_per_kwh,source\n"
    "CN,2025-09-01,2025-10-01,581,test factor for zone CN\n"
    "DE,2025-09-01,2025-10-01,380,test factor for zone DE\n"
)


def write_factors(folder: Path) -> Path:
    path = folder / "factors_2025_09.csv"
    path.write_text(FACTORS_CSV, encoding="utf-8")
    return path


def build_gpu_project(path: Path, samples: Path) -> Path:
    """Create a project at ``path`` with the 8-GPU nvidia-smi sample as run "glasses" at site "lab" (zone CN)."""
    project = projects.new_project(path)
    try:
        imports.import_file(project, samples / GPU_LOG,
                            imports.ImportOptions("gpu-log", timezone="UTC", site="lab", run="glasses"))
        imports.import_file(project, write_factors(path.parent), imports.ImportOptions("factors"))
        with project.transaction():
            project.conn.execute("UPDATE sites SET grid_zone='CN' WHERE name='lab'")
    finally:
        project.close()
    return path


@pytest.fixture
def project_builder(samples: Path):
    """Return a function that builds the sample GPU project at a given path."""
    return lambda path: build_gpu_project(path, samples)


@pytest.fixture
def gpu_project(tmp_path: Path, samples: Path) -> Path:
    return build_gpu_project(tmp_path / "glasses.cwb", samples)


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    """Settings in an INI file of the test's own, so the user's recent-projects list is untouched."""
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


class Rationales:
    """A rationale provider for the window that records each question and returns ``answer``."""

    def __init__(self, answer: str | None = PUE_RATIONALE) -> None:
        self.answer = answer
        self.asked: list[tuple] = []

    def __call__(self, label, old, new):
        self.asked.append((label, old, new))
        return self.answer


@pytest.fixture
def rationales() -> Rationales:
    return Rationales()


@pytest.fixture(autouse=True)
def message_boxes(monkeypatch) -> list[dict[str, str]]:
    """Record every QMessageBox shown instead of blocking on it; tests assert on the list."""
    boxes: list[dict[str, str]] = []

    def record(box: QMessageBox) -> int:
        boxes.append({"text": box.text(), "informative": box.informativeText(), "details": box.detailedText()})
        return int(QMessageBox.StandardButton.Ok.value)

    monkeypatch.setattr(QMessageBox, "exec", record)
    return boxes


@pytest.fixture(autouse=True)
def restore_gc():
    """Give garbage collection back to CPython after each test, once no worker runs Python."""
    yield
    from PySide6.QtCore import QThreadPool

    from workbench.ui.gc_guard import unpin_gc

    QThreadPool.globalInstance().waitForDone(30_000)
    unpin_gc()


@pytest.fixture
def window(qtbot, settings: QSettings, rationales: Rationales):
    from workbench.ui.main_window import MainWindow

    main_window = MainWindow(settings=settings, ask_rationale=rationales)
    qtbot.addWidget(main_window)
    main_window.show()
    qtbot.waitExposed(main_window)
    return main_window
