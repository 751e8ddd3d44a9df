"""Render every view of the application to PNG on the demo project, to check the looks by eye.

Usage: python scripts/render_views.py [--out screenshots/views] [--only NAME ...] [--list]

Builds a fresh demo project in a temporary folder, opens it in the main window and renders each
view listed in :data:`VIEWS` to ``OUT/NAME.png`` (``screenshots/`` is ignored by git). It runs
under Xvfb (QT_QPA_PLATFORM=xcb) or, with no display set, on Qt's offscreen platform.

A view is a :class:`ViewSpec`: a name and a function that receives the :class:`Context` and
returns the widget to grab. Views placed in the window (explorer tables, drill-down, audit
trail, a dock) are grabbed with the whole window; the others in their own window.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

DEFAULT_OUT = Path("screenshots") / "views"
SIZE_PX = (1280, 820)
JOB_TIMEOUT_MS = 180_000


@dataclass
class Context:
    """Objects the view factories share: the application, the window on the demo project, a scratch folder."""

    app: Any
    window: Any
    scratch: Path
    inputs: Path
    keep: list = field(default_factory=list)

    @property
    def session(self):
        return self.window.session

    def settle(self, condition: Callable[[], bool] = lambda: True, timeout_ms: int = JOB_TIMEOUT_MS) -> None:
        """Process events until ``condition`` holds, then let layouts and paints finish."""
        from PySide6.QtTest import QTest

        waited = 0
        while not condition():
            QTest.qWait(20)
            waited += 20
            if waited > timeout_ms:
                raise TimeoutError("the view did not finish its background work in time")
        QTest.qWait(150)


@dataclass(frozen=True)
class ViewSpec:
    """A view to render: ``build(context)`` returns the widget to grab, or None to grab nothing."""

    name: str
    build: Callable[[Context], Any]


# -- view factories ---------------------------------------------------------------------------------

def main_window(context: Context):
    context.window.recomputer.wait_idle()
    context.settle()
    return context.window


def in_window(name: str) -> Callable[[Context], Any]:
    """Return a factory that shows the window's view ``name`` (a tab or dock) and grabs the whole window."""
    def build(context: Context):
        context.window.show_view(name)
        context.settle(lambda: not context.window.jobs)
        return context.window

    return build


def standalone(widget: Any, context: Context, size: tuple[int, int] = SIZE_PX) -> Any:
    """Show ``widget`` in its own window at ``size`` and keep it alive until the end."""
    widget.resize(*size)
    widget.show()
    context.keep.append(widget)
    context.settle()
    return widget


def explorer_table(key: str) -> Callable[[Context], Any]:
    """Open the explorer's table ``key`` in its tab and grab the window with it."""
    def build(context: Context):
        window = context.window
        window.open_table(key)
        context.settle(lambda: not window.jobs)
        return window

    return build


def drill_down(context: Context):
    from workbench.services.drilldown import DrillTarget

    window = context.window
    window.drill_down(DrillTarget(figure="total_co2e_kg"))
    context.settle(lambda: not window.jobs)
    return window


def audit_trail(context: Context):
    window = context.window
    window.show_audit_trail()
    context.settle(lambda: not window.jobs)
    return window


def preferences(context: Context):
    from workbench.ui.preferences import PreferencesDialog

    return standalone(PreferencesDialog(context.window.preferences, context.window), context, (620, 360))


def assumption_editor(context: Context):
    from workbench.ui.assumption_editor import AssumptionEditorView

    window = context.window
    return standalone(AssumptionEditorView(context.session, window.recomputer, push=window.undo_history.push_raising,
                                           ask_rationale=window.ask_rationale), context)


def charts(context: Context):
    from workbench.ui.charts.view import ChartsView

    view = ChartsView(context.session)
    view.show_result(context.session.result)
    return standalone(view, context)


def uncertainty(context: Context):
    view = context.window.analysis.uncertainty
    view.setParent(None)  # out of its dock, so the PNG shows it at full size
    standalone(view, context)
    view.state.set("adaptive", False)
    view.state.set("trials", 20_000)
    handle = view.start_monte_carlo()
    context.settle(lambda: handle is None or not handle.running)
    context.settle(lambda: not view.live_busy())
    return view


def comparison(context: Context):
    from workbench.services import assumptions

    session = context.session
    names = [item["name"] for item in session.sets or []]
    if len(names) < 2:  # the demo project may hold one set; add a second to compare
        assumptions.create_set(session.project_file, "efficient-cooling", base=names[0])
        assumptions.change(session.project_file, "efficient-cooling", {"pue": 1.12},
                           rationale="Rendering the comparison view: a lower PUE to compare")
        session.reload()
        names = [item["name"] for item in session.sets or []]
    view = context.window.analysis.comparison
    view.setParent(None)
    standalone(view, context)
    view.state.set("sets", tuple(names[:3]))
    view.state.set("baseline", names[0])
    view.state.set("trials", 5_000)
    handle = view.start_comparison()
    context.settle(lambda: handle is None or not handle.running)
    return view


def _wizard(context: Context):
    from workbench.ui.import_wizard import ImportWizard

    bad = context.scratch / "meter-with-typos.csv"
    bad.write_text("timestamp,energy [kWh]\n2025-03-29T01:00:00+01:00,36.2\n2025-03-29T01:15:00+01:00,n/a?\n"
                   "2025-03-29T01:30:00+01:00,35.8\n2025-03-29T01:45:00,-3\n", encoding="utf-8")
    good = context.scratch / "dc-paris-it-meter.csv"
    lines = (context.inputs / "dc-paris-main-meter.csv").read_text("utf-8").splitlines()
    good.write_text("\n".join(lines[:200]) + "\n", encoding="utf-8")
    wizard = ImportWizard(context.session, [bad, good])
    wizard.resize(980, 680)
    wizard.show()
    context.keep.append(wizard)
    return wizard


def wizard_page(page_id: int) -> Callable[[Context], Any]:
    def build(context: Context):
        wizard = next((item for item in context.keep if type(item).__name__ == "ImportWizard"), None)
        if wizard is None:
            wizard = _wizard(context)
        while wizard.currentId() < page_id:
            if wizard.currentId() == 3:
                wizard.options_page.timezone_edit.setText("Europe/Paris")
                wizard.options_page.site_edit.setText("dc-paris")
            wizard.next()
            context.settle(lambda: all(page.handle is None or not page.handle.running
                                       for page in (wizard.mapping_page, wizard.check_page, wizard.summary_page)))
        if page_id == 2:
            context.settle(lambda: wizard.mapping_page.preview_label.text().startswith(("Parsed", "The file")))
        return wizard

    return build


def reports_view(context: Context):
    window = context.window
    window.show_reports()
    view = window.reports_view
    context.settle(lambda: view.refresh_handle is None or not view.refresh_handle.running)
    view.name_edits["preparer"].setText("Pat Preparer")
    if view.sign_buttons["preparer"].isEnabled():  # the demo may already carry the sign-offs
        view.sign_buttons["preparer"].click()
        context.settle(lambda: view.handle is not None and not view.handle.running)
        context.settle(lambda: view.refresh_handle is None or not view.refresh_handle.running)
    from workbench.ui.export_dialog import ExportRequest

    handle = view.export(ExportRequest("json", context.scratch / "demo-baseline.json", draft=True, sign_key=None,
                                       password=None))
    context.settle(lambda: not handle.running)
    return window


def export_dialog(context: Context):
    from workbench.services.report_stages import suggested_output
    from workbench.ui.export_dialog import ExportDialog

    info = context.session.project
    dialog = ExportDialog("pdf", suggested_output(info.path, context.session.set_name, "pdf"), context.window,
                          key_folder=context.window.preferences.signing_key_folder)
    dialog.plan_check.setChecked(True)
    dialog.show()
    context.keep.append(dialog)
    context.settle()
    return dialog


def planner_view(context: Context):
    from workbench.services import planner, projects
    from workbench.ui.planner_view import PlannerView

    with projects.open_existing(context.session.project.path, read_only=True) as project:
        outcome = planner.plan(project, trials=1000, save=False)
    view = PlannerView()
    view.show_plan(outcome.table(), outcome.chart_data())
    view.resize(*SIZE_PX)
    view.show()
    context.keep.append(view)
    context.settle()
    return view


VIEWS: list[ViewSpec] = [
    ViewSpec("main-window", main_window),
    ViewSpec("explorer-sources", explorer_table("sources")),
    ViewSpec("explorer-runs", explorer_table("runs")),
    ViewSpec("explorer-energy", explorer_table("energy")),
    ViewSpec("explorer-assumption-sets", explorer_table("assumption_sets")),
    ViewSpec("drill-down", drill_down),
    ViewSpec("audit-trail", audit_trail),
    ViewSpec("preferences", preferences),
    ViewSpec("assumption-editor", assumption_editor),
    ViewSpec("assumption-editor-dock", in_window("assumption_editor")),
    ViewSpec("charts", charts),
    ViewSpec("uncertainty", uncertainty),
    ViewSpec("comparison", comparison),
    ViewSpec("import-1-files", wizard_page(0)),
    ViewSpec("import-2-format", wizard_page(1)),
    ViewSpec("import-3-mapping", wizard_page(2)),
    ViewSpec("import-4-options", wizard_page(3)),
    ViewSpec("import-5-check", wizard_page(4)),
    ViewSpec("import-6-summary", wizard_page(5)),
    ViewSpec("reports", reports_view),
    ViewSpec("export-dialog", export_dialog),
    ViewSpec("planner", planner_view),
]


# -- running ----------------------------------------------------------------------------------------

def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the PNG files")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="render only these views")
    parser.add_argument("--list", action="store_true", help="list the view names and exit")
    return parser.parse_args(argv)


def open_window(scratch: Path) -> Context:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from workbench.services import demo
    from workbench.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    inputs = scratch / "inputs"
    demo.write_inputs(inputs)
    demo.build_demo_project(scratch / "demo.cwb", inputs).close()
    settings = QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, ask_rationale=lambda label, old, new: None)
    window.resize(*SIZE_PX)
    window.show()
    if not window.open_project(scratch / "demo.cwb"):
        raise RuntimeError("the window could not open the demo project")
    context = Context(app, window, scratch, inputs)
    context.settle()
    return context


def render_all(views: list[ViewSpec], out: Path) -> dict[str, str]:
    """Render ``views`` into ``out``; return each view's PNG path."""
    out.mkdir(parents=True, exist_ok=True)
    outcome: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="cwb-views-") as folder:
        context = open_window(Path(folder))
        for spec in views:
            widget = spec.build(context)
            path = out / f"{spec.name}.png"
            if widget is not None and not widget.grab().save(str(path)):
                raise RuntimeError(f"{path}: the PNG could not be written")
            outcome[spec.name] = str(path)
        for widget in context.keep:
            widget.close()
        context.window.close()
        context.app.processEvents()
    return outcome


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    if arguments.list:
        print("\n".join(spec.name for spec in VIEWS))
        return 0
    if sys.platform.startswith("linux") and not any(
            os.environ.get(name) for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        print("no display is set, so the offscreen platform renders the views", file=sys.stderr)
    unknown = set(arguments.only or ()) - {spec.name for spec in VIEWS}
    if unknown:
        print(f"render_views.py: unknown views {', '.join(sorted(unknown))}; see --list", file=sys.stderr)
        return 2
    views = [spec for spec in VIEWS if not arguments.only or spec.name in arguments.only]
    for name, result in render_all(views, arguments.out).items():
        print(f"{name}: {result}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
