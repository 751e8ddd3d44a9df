"""File > Import: the dialog's request, the worker job, and the rejected-rows list."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.errors import OperationCancelled
from workbench.progress import Progress
from workbench.services import projects
from workbench.services.imports import KINDS, ImportOptions
from workbench.ui.import_dialog import ImportDialog, ImportRequest, system_timezone_name
from workbench.ui.jobs import import_job

PARTLY_BAD_FACTORS = (
    "zone,period_start,period_end,co2e_g_per_kwh,source\n"
    "FR,2025-09-01,2025-10-01,56,test factor\n"
    "FR,2025-10-01,2025-11-01,abc,test factor\n"
    "FR,2025-12-01,2025-11-01,60,test factor\n"
)
ALL_BAD_FACTORS = (
    "zone,period_start,period_end,co2e_g_per_kwh,source\n"
    "FR,2025-10-01,2025-11-01,n/a,test factor\n"
)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def count_rows(path: Path, table: str) -> int:
    with projects.open_existing(path, read_only=True) as project:
        return int(project.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def rejected_rows(dialog) -> list[list]:
    model = dialog.rejected_model
    return [[model.data(model.index(row, column)) for column in range(model.columnCount())]
            for row in range(model.rowCount())]


def test_import_dialog_builds_request(qtbot, tmp_path):
    dialog = ImportDialog(KINDS)
    qtbot.addWidget(dialog)
    log_file = write(tmp_path, "gpu.csv", "timestamp\n")

    assert dialog.timezone_edit.text() == system_timezone_name()
    dialog.set_kind("gpu-log")
    dialog.add_paths([log_file, log_file])
    dialog.timezone_edit.setText("Europe/Berlin")
    dialog.site_edit.setText("lab")
    dialog.run_edit.setText(" glasses ")

    request = dialog.request()
    assert request.paths == [log_file]
    assert request.options.kind == "gpu-log"
    assert request.options.timezone == "Europe/Berlin"
    assert request.options.site == "lab"
    assert request.options.run == "glasses"


def test_import_dialog_rejects_unknown_zone(qtbot, tmp_path):
    dialog = ImportDialog(KINDS)
    qtbot.addWidget(dialog)

    assert dialog.problem() == "Add at least one file."
    dialog.add_paths([write(tmp_path, "f.csv", "zone\n")])
    dialog.timezone_edit.setText("Mars/Olympus")
    dialog.accept()

    assert "'Mars/Olympus' is not a known IANA time zone" in dialog.error_label.text()
    assert dialog.result() == 0


def test_import_lists_rejected_rows(window, gpu_project, qtbot, tmp_path, message_boxes):
    window.open_project(gpu_project)
    factors = write(tmp_path, "fr_factors.csv", PARTLY_BAD_FACTORS)

    handle = window.start_import(ImportRequest([factors], ImportOptions("factors")))
    qtbot.waitUntil(lambda: window.last_import_result is not None, timeout=10_000)

    assert handle.error is None
    dialog = window.last_import_result
    assert rejected_rows(dialog) == [
        ["fr_factors.csv", "3", "co2e_g_per_kwh", "abc", "not a number"],
        ["fr_factors.csv", "4", "period_end", "2025-11-01", "period ends before it starts"],
    ]
    assert dialog.summary.text().startswith("fr_factors.csv: 1 rows imported, 2 rejected")
    assert window.session.factor_zones == ["CN", "DE", "FR"]
    assert [window.assumption_panel.zone_combo.itemText(i) for i in range(4)] == ["", "CN", "DE", "FR"]
    assert count_rows(gpu_project, "rejected_rows") == 2
    assert message_boxes == []


def test_rejected_file_lists_rows_and_stores_nothing(window, gpu_project, qtbot, tmp_path, message_boxes):
    window.open_project(gpu_project)
    sources_before = count_rows(gpu_project, "sources")
    good = write(tmp_path, "good.csv", PARTLY_BAD_FACTORS)
    bad = write(tmp_path, "bad.csv", ALL_BAD_FACTORS)

    handle = window.start_import(ImportRequest([good, bad], ImportOptions("factors")))
    qtbot.waitUntil(lambda: window.last_import_result is not None, timeout=10_000)

    dialog = window.last_import_result
    assert type(handle.error).__name__ == "InputRejectedError"
    assert dialog.summary.text().startswith("Nothing was imported: bad.csv, row 2")
    assert rejected_rows(dialog) == [["bad.csv", "2", "co2e_g_per_kwh", "n/a", "value is missing"]]
    assert count_rows(gpu_project, "sources") == sources_before
    assert window.session.factor_zones == ["CN", "DE"]
    assert message_boxes == []


def test_import_job_cancel_leaves_project_unchanged(window, gpu_project, tmp_path):
    window.open_project(gpu_project)
    sources_before = count_rows(gpu_project, "sources")
    audit_before = count_rows(gpu_project, "audit_log")
    job = import_job(window.session, ImportRequest([write(tmp_path, "fr.csv", PARTLY_BAD_FACTORS)],
                                                   ImportOptions("factors")))
    progress = Progress(lambda fraction, message: None, operation="Importing files")
    progress.cancel()

    with pytest.raises(OperationCancelled):
        job(progress)

    assert count_rows(gpu_project, "sources") == sources_before
    assert count_rows(gpu_project, "audit_log") == audit_before


def test_import_of_missing_file_shows_error(window, gpu_project, qtbot, tmp_path, message_boxes):
    window.open_project(gpu_project)

    handle = window.start_import(ImportRequest([tmp_path / "gone.csv"], ImportOptions("factors")))
    qtbot.waitUntil(lambda: not handle.running, timeout=10_000)

    assert window.last_import_result is None
    assert len(message_boxes) == 1
    assert message_boxes[0]["text"] == "Importing files failed."
    assert message_boxes[0]["informative"] .startswith("gone.csv: no such file")


def test_import_dialog_passes_duplicate_choice(qtbot, tmp_path):
    dialog = ImportDialog(KINDS)
    qtbot.addWidget(dialog)
    dialog.add_paths([write(tmp_path, "f.csv", "zone\n")])

    assert dialog.request().options.allow_duplicate is False
    dialog.duplicate_check.setChecked(True)
    assert dialog.request().options.allow_duplicate is True
