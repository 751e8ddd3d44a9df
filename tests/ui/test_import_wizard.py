"""The import wizard: files, detection, mapping with preview and templates, dry run, cancel, commit, drops."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from workbench.services import mappings, projects
from workbench.services.session import Session
from workbench.ui.import_wizard import PAGE_CHECK, PAGE_FORMAT, PAGE_MAPPING, PAGE_OPTIONS, PAGE_SUMMARY, ImportWizard

METER_WITH_BAD_ROW = (
    "timestamp,energy_kwh\n"
    "2025-09-01 00:00,1.5\n"
    "2025-09-01 01:00,oops\n"
    "2025-09-01 02:00,2.0\n"
)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def source_count(path: Path) -> int:
    with projects.open_existing(path, read_only=True) as project:
        return int(project.conn.execute("SELECT count(*) FROM sources").fetchone()[0])


def model_rows(model) -> list[list]:
    return [[model.data(model.index(row, column)) for column in range(model.columnCount())]
            for row in range(model.rowCount())]


@pytest.fixture
def meter_csv(tmp_path: Path) -> Path:
    path = tmp_path / "meter.csv"
    path.write_text(METER_WITH_BAD_ROW, encoding="utf-8")
    return path


@pytest.fixture
def session(gpu_project):
    opened = Session()
    opened.open(gpu_project)
    yield opened
    opened.close()


@pytest.fixture
def wizard(qtbot, session, meter_csv):
    shown = ImportWizard(session, [meter_csv])
    qtbot.addWidget(shown)
    shown.show()
    return shown


def go_to(qtbot, wizard: ImportWizard, page_id: int) -> None:
    while wizard.currentId() != page_id:
        assert wizard.currentPage().isComplete(), f"page {wizard.currentId()} is not complete"
        wizard.next()
    qtbot.wait(1)


def wait_for_check(qtbot, wizard: ImportWizard) -> None:
    qtbot.waitUntil(lambda: wizard.check_page.handle is not None and not wizard.check_page.handle.running,
                    timeout=30_000)


def test_format_page_shows_detection_and_reason(qtbot, wizard):
    go_to(qtbot, wizard, PAGE_FORMAT)
    table = wizard.format_page.detected_table

    assert table.item(0, 0).text() == "meter.csv"
    assert table.item(0, 1).text() == "meter"
    assert "'energy_kwh'" in table.item(0, 2).text()
    assert wizard.format_page.effective_kind() == "meter"


def test_format_page_needs_kind_for_unknown_file(qtbot, session, tmp_path):
    unknown = tmp_path / "notes.csv"
    unknown.write_text("colour,shape\nred,round\n", encoding="utf-8")
    wizard = ImportWizard(session, [unknown])
    qtbot.addWidget(wizard)
    wizard.show()
    go_to(qtbot, wizard, PAGE_FORMAT)

    assert not wizard.format_page.isComplete()
    assert "notes.csv" in wizard.format_page.problem_label.text()
    wizard.format_page.set_kind("meter")
    assert wizard.format_page.isComplete()
    assert wizard.options().kind == "meter"


def test_mapping_page_binds_roles_and_units(qtbot, wizard):
    go_to(qtbot, wizard, PAGE_MAPPING)
    page = wizard.mapping_page

    assert page.role_combo("timestamp").currentText() == "timestamp"
    assert page.role_combo("energy_kwh").currentText() == "energy"
    page.columns_table.item(1, 2).setText("Wh")
    mapping = wizard.options().mapping
    assert mapping.first("energy").unit == "Wh"
    assert page.raw_table.horizontalHeaderItem(1).text() == "energy_kwh\n→ energy"

    page.role_combo("energy_kwh").setCurrentText("power")
    assert wizard.options().mapping.first("power").column == "energy_kwh"
    assert page.raw_table.horizontalHeaderItem(1).text() == "energy_kwh\n→ power"


def test_mapping_page_live_preview(qtbot, wizard):
    go_to(qtbot, wizard, PAGE_MAPPING)
    page = wizard.mapping_page
    qtbot.waitUntil(lambda: page.preview_label.text().startswith("Parsed rows"), timeout=20_000)

    columns = [page.parsed_table.horizontalHeaderItem(i).text() for i in range(page.parsed_table.columnCount())]
    energy = [float(page.parsed_table.item(row, columns.index("energy_wh")).text())
              for row in range(page.parsed_table.rowCount())]
    assert sum(energy) == pytest.approx(3500.0)
    assert "1 rejected" in page.preview_label.text()
    assert "row 3, column 'energy_kwh', value 'oops'" in page.preview_label.text()

    page.columns_table.item(1, 2).setText("Wh")
    qtbot.waitUntil(lambda: page.parsed_table.rowCount() > 0 and sum(
        float(page.parsed_table.item(row, columns.index("energy_wh")).text())
        for row in range(page.parsed_table.rowCount())) == pytest.approx(3.5), timeout=20_000)


def test_mapping_template_saved_and_reused(qtbot, wizard, session):
    go_to(qtbot, wizard, PAGE_MAPPING)
    page = wizard.mapping_page
    page.columns_table.item(1, 2).setText("MWh")
    page.template_name.setText("lab meter")
    page.save_button.click()

    saved = mappings.load_template(session.project_file, "lab meter")
    assert saved.first("energy").unit == "MWh"
    assert page.template_combo.currentText() == "lab meter"

    page.apply_template("(proposed from the file)")
    assert page.columns_table.item(1, 2).text() == "kwh"
    page.apply_template("lab meter")
    assert page.columns_table.item(1, 2).text() == "MWh"


def test_options_page_rejects_unknown_zone(qtbot, wizard):
    go_to(qtbot, wizard, PAGE_OPTIONS)
    page = wizard.options_page

    page.timezone_edit.setText("Mars/Olympus")
    assert not page.isComplete()
    assert "Mars/Olympus" in page.problem_label.text()
    page.timezone_edit.setText("Europe/Paris")
    page.site_edit.setText("lab")
    page.strict_check.setChecked(True)
    options = wizard.options()
    assert (options.timezone, options.site, options.strict) == ("Europe/Paris", "lab", True)
    assert options.unit is None
    page.unit_combo.setCurrentIndex(page.unit_combo.findData("MWh"))
    assert wizard.options().unit == "MWh"
    assert not page.basis_combo.isEnabled()


def test_check_lists_rejected_row_before_commit(qtbot, wizard, gpu_project):
    before = digest(gpu_project)
    go_to(qtbot, wizard, PAGE_OPTIONS)
    wizard.options_page.timezone_edit.setText("UTC")
    wizard.next()
    wait_for_check(qtbot, wizard)
    page = wizard.check_page

    assert model_rows(page.rejected_model) == [["meter.csv", "3", "energy_kwh", "oops", "not a number"]]
    assert page.summary_label.text() == "meter.csv (meter): 2 rows to import, 1 rejected"
    assert page.isComplete()
    assert digest(gpu_project) == before

    wizard.reject()
    assert digest(gpu_project) == before
    assert source_count(gpu_project) == 2


def test_check_cancel_leaves_project_unchanged(qtbot, session, gpu_project, tmp_path):
    big = tmp_path / "big-meter.csv"
    stamps = pd.date_range("2020-01-01", periods=400_000, freq="min").strftime("%Y-%m-%d %H:%M")
    lines = ["timestamp,energy_kwh"] + [f"{stamp},{index % 7}.5" for index, stamp in enumerate(stamps)]
    big.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = digest(gpu_project)
    wizard = ImportWizard(session, [big])
    qtbot.addWidget(wizard)
    wizard.show()
    go_to(qtbot, wizard, PAGE_OPTIONS)
    wizard.options_page.timezone_edit.setText("UTC")
    wizard.next()

    wizard.check_page.cancel_button.click()
    wait_for_check(qtbot, wizard)

    assert wizard.check_page.status_label.text() == "Check cancelled; the project is unchanged."
    assert not wizard.check_page.isComplete()
    assert digest(gpu_project) == before


def test_commit_imports_and_summarizes(qtbot, wizard, gpu_project):
    go_to(qtbot, wizard, PAGE_OPTIONS)
    wizard.options_page.timezone_edit.setText("UTC")
    wizard.options_page.site_edit.setText("lab")
    wizard.next()
    wait_for_check(qtbot, wizard)

    with qtbot.waitSignal(wizard.imported, timeout=30_000) as imported:
        wizard.next()
    assert wizard.currentId() == PAGE_SUMMARY

    reports = imported.args[0]
    assert [(report.file, report.rows_accepted, report.rows_rejected) for report in reports] == [("meter.csv", 2, 1)]
    assert "meter.csv (meter, source 3): 2 rows imported, 1 rejected" in wizard.summary_page.summary_view.toPlainText()
    assert source_count(gpu_project) == 3


def test_drop_on_window_opens_wizard(qtbot, window, gpu_project, meter_csv):
    window.open_project(gpu_project)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(meter_csv))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)

    window.dropEvent(event)
    qtbot.waitUntil(lambda: window.import_wizard is not None, timeout=5_000)

    assert window.import_wizard.paths() == [meter_csv]
    window.import_wizard.reject()


def test_drop_on_file_list_adds_files(qtbot, wizard, tmp_path):
    other = tmp_path / "other.csv"
    other.write_text(METER_WITH_BAD_ROW, encoding="utf-8")
    wizard.files_page.file_list.files_dropped.emit([str(other)])

    assert [path.name for path in wizard.paths()] == ["meter.csv", "other.csv"]


def test_window_recomputes_after_wizard_import(qtbot, window, gpu_project, samples):
    gpu_log = samples / "nvidia_smi" / "xypp3__gpu_glasses__nvidia_smi.csv"
    window.open_project(gpu_project)
    assert window.runs_model.rowCount() == 1
    window.choose_import([gpu_log])
    wizard = window.import_wizard
    wizard.format_page.set_kind("gpu-log")
    go_to(qtbot, wizard, PAGE_OPTIONS)
    wizard.options_page.timezone_edit.setText("UTC")
    wizard.options_page.site_edit.setText("lab")
    wizard.options_page.run_edit.setText("glasses-again")
    wizard.options_page.duplicate_check.setChecked(True)
    wizard.next()
    wait_for_check(qtbot, wizard)
    old_model = window.session.model

    wizard.next()
    qtbot.waitUntil(lambda: window.runs_model.rowCount() == 2, timeout=60_000)

    assert window.session.model is not old_model
    assert sorted(window.runs_model.frame()["run"]) == ["glasses", "glasses-again"]
    qtbot.waitUntil(lambda: not window.jobs, timeout=30_000)
