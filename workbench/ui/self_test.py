"""``carbon-workbench-gui --self-test``: a headless check that an installed or packaged build works.

Builds the demo project in a temporary folder, opens it in the main window on the offscreen
platform, recomputes the footprint, exports a draft JSON report and verifies it. Prints one line
per step and returns 0 when every step passed. Packaging runs it on the built application.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path


def run_self_test() -> int:
    """Run the steps; return 0 when all passed and 1 when one failed (its error is printed)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="cwb-self-test-") as folder:
            _steps(Path(folder))
    except Exception as error:  # the self-test reports every failure as a value
        print(f"self-test FAILED: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print(f"self-test passed in {time.monotonic() - started:.1f} s")
    return 0


def _steps(folder: Path) -> None:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from workbench import __version__
    from workbench.services import demo, exports, signing_keys, verification
    from workbench.ui.main_window import MainWindow

    print(f"Carbon Workbench {__version__}, Python {sys.version.split()[0]}, Qt platform "
          f"{os.environ['QT_QPA_PLATFORM']}")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    inputs = folder / "inputs"
    demo.write_inputs(inputs)
    with demo.build_demo_project(folder / "demo.cwb", inputs) as project:
        print(f"built the demo project '{project.name}'")
    settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, ask_rationale=lambda label, old, new: None)
    window.show()
    if not window.open_project(folder / "demo.cwb"):
        raise RuntimeError("the window could not open the demo project")
    app.processEvents()
    totals = window.session.result.result.totals
    print(f"opened it in the main window: {window.runs_model.rowCount()} runs, "
          f"{totals['total_co2e_kg']:,.1f} kgCO2e")
    out, key, password = folder / "report.json", folder / "self-test.p12", b"self-test"
    signing_keys.new_self_signed(key, password, common_name="Self Test")
    exports.export_report(window.session.project_file, "json", out, draft=True, sign_key=key, password=password)
    report = verification.verify_file(out, project_path=folder / "demo.cwb")
    if not (report.integrity_ok and report.manifest_ok and report.numbers_ok):
        raise RuntimeError(f"the exported report does not verify: {report.problems}")
    print(f"exported, signed and verified a draft JSON report ({out.stat().st_size:,} bytes)")
    window.close()
