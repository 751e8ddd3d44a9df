"""The reports view and export dialog: sign-off stages in order, every format, plan, cancel, verify."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.services import report_stages, signing_keys
from workbench.services.exports import FORMATS
from workbench.services.session import Session
from workbench.ui.export_dialog import ExportDialog, ExportRequest
from workbench.ui.reports_view import ReportsView

PASSWORD = b"test key password"


@pytest.fixture
def session(gpu_project):
    opened = Session()
    opened.open(gpu_project)
    yield opened
    opened.close()


@pytest.fixture
def view(qtbot, session):
    shown = ReportsView(session)
    qtbot.addWidget(shown)
    shown.show()
    wait_idle(qtbot, shown)
    return shown


@pytest.fixture(scope="module")
def key_file(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("keys") / "auditor.p12"
    signing_keys.new_self_signed(out, PASSWORD, common_name="Jo Auditor")
    return out


def wait_idle(qtbot, view: ReportsView) -> None:
    qtbot.waitUntil(lambda: (view.refresh_handle is None or not view.refresh_handle.running)
                    and (view.handle is None or not view.handle.running), timeout=120_000)


def sign(qtbot, view: ReportsView, stage: str, name: str) -> None:
    view.name_edits[stage].setText(name)
    view.sign_buttons[stage].click()
    qtbot.waitUntil(lambda: view.status_labels[stage].text().startswith(name), timeout=30_000)
    wait_idle(qtbot, view)


def test_stages_open_in_order(qtbot, view):
    assert [view.sign_buttons[stage].isEnabled() for stage in ("preparer", "reviewer", "approver")] == [
        True, False, False]
    assert view.status_labels["reviewer"].text() == (
        "not signed; needs a preparer sign-off of the current project state first")

    sign(qtbot, view, "preparer", "Pat Preparer")
    assert [view.sign_buttons[stage].isEnabled() for stage in ("preparer", "reviewer", "approver")] == [
        True, True, False]

    sign(qtbot, view, "reviewer", "Rey Reviewer")
    assert view.sign_buttons["approver"].isEnabled()
    assert view.history.rowCount() == 2
    assert [view.history.item(row, 1).text() for row in range(2)] == ["Pat Preparer", "Rey Reviewer"]
    assert view.history.item(0, 5).text() == "matches the current state"


def test_preparer_label_shows_digest(qtbot, view, session):
    from workbench.services.state import project_state_sha256

    sign(qtbot, view, "preparer", "Pat Preparer")

    state = project_state_sha256(session.project_file)
    label = view.status_labels["preparer"].text()
    assert f"state {state[:12]}" in label
    assert label.endswith("matches the current state")
    assert view.history.item(0, 3).toolTip() == state


def test_signed_signoff_shows_signer(qtbot, view, key_file):
    view.key_edit.setText(str(key_file))
    view.password_edit.setText(PASSWORD.decode())

    sign(qtbot, view, "preparer", "Jo Auditor")

    assert view.history.item(0, 6).text() == "Jo Auditor: verifies"
    assert "signed with the key of Jo Auditor" in view.status_labels["preparer"].text()


def test_stage_rows_service(session):
    rows = report_stages.stage_rows(session.project_file)

    assert [(row.stage, row.enabled, row.latest) for row in rows] == [
        ("preparer", True, None), ("reviewer", False, None), ("approver", False, None)]


def test_export_dialog_offers_every_format(qtbot, tmp_path):
    dialog = ExportDialog("xlsx", tmp_path / "audit-baseline.xlsx")
    qtbot.addWidget(dialog)

    assert [dialog.format_combo.itemData(i) for i in range(dialog.format_combo.count())] == list(FORMATS)
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData("esrs-json"))
    assert dialog.fmt == "esrs-json"
    assert dialog.out_edit.text() == str(tmp_path / "audit-baseline.json")

    dialog.set_format("pdf")
    assert dialog.format_combo.currentData() == "pdf"
    assert dialog.out_edit.text() == str(tmp_path / "audit-baseline.pdf")


def test_export_dialog_request_carries_plan(qtbot, tmp_path, key_file):
    dialog = ExportDialog("json", tmp_path / "r.json")
    qtbot.addWidget(dialog)
    assert not dialog.trials_spin.isEnabled()

    dialog.plan_check.setChecked(True)
    dialog.trials_spin.setValue(5_000)
    dialog.seed_spin.setValue(7)
    dialog.key_edit.setText(str(key_file))
    dialog.password_edit.setText("pw")
    request = dialog.request()

    assert dialog.trials_spin.isEnabled()
    assert (request.fmt, request.with_plan, request.plan_trials, request.seed) == ("json", True, 5_000, 7)
    assert (request.sign_key, request.password, request.draft) == (key_file, b"pw", False)


def test_export_json_writes_files_that_verify(qtbot, view, key_file, tmp_path, gpu_project):
    out = tmp_path / "report.json"
    handle = view.export(ExportRequest("json", out, draft=True, sign_key=key_file, password=PASSWORD))
    qtbot.waitUntil(lambda: not handle.running, timeout=120_000)

    assert handle.error is None
    text = view.result_view.toPlainText()
    assert f"  {out}\n  {out}.p7s" in text
    assert f"carbon-workbench verify {out} --project {gpu_project}" in text
    assert json.loads(out.read_text("utf-8"))["manifest"]["format"] == "json"

    verify = view.verify_last()
    qtbot.waitUntil(lambda: not verify.running, timeout=120_000)
    assert verify.error is None
    assert view.last_verify.signed is True
    assert view.last_verify.integrity_ok is True
    assert view.last_verify.numbers_ok is True
    assert "Verification of" in view.result_view.toPlainText()


def test_export_cancel_writes_nothing(qtbot, view, tmp_path):
    out = tmp_path / "cancelled.xlsx"
    handle = view.export(ExportRequest("xlsx", out, draft=True, sign_key=None, password=None))
    assert view.cancel_button.isEnabled()
    view.cancel_button.click()
    qtbot.waitUntil(lambda: not handle.running, timeout=120_000)

    assert view.progress_label.text() == "Exporting the xlsx report: cancelled; nothing was recorded."
    assert not out.exists()
    assert not view.cancel_button.isEnabled()


def test_export_with_plan_on_demo(qtbot, tmp_path):
    from workbench.services import demo

    inputs = tmp_path / "inputs"
    demo.write_inputs(inputs)
    with demo.build_demo_project(tmp_path / "demo.cwb", inputs):
        pass
    demo_session = Session()
    demo_session.open(tmp_path / "demo.cwb")
    view = ReportsView(demo_session)
    qtbot.addWidget(view)
    out = tmp_path / "plan.json"

    handle = view.export(ExportRequest("json", out, draft=True, sign_key=None, password=None, with_plan=True,
                                       plan_trials=1_000))
    qtbot.waitUntil(lambda: not handle.running, timeout=180_000)
    wait_idle(qtbot, view)
    demo_session.close()

    assert handle.error is None
    report = json.loads(out.read_text("utf-8"))
    assert len(report["avoided_emissions"]["levers"]) > 0


def test_change_after_signoff_closes_next_stage(qtbot, view, session):
    sign(qtbot, view, "preparer", "Pat Preparer")
    assert view.sign_buttons["reviewer"].isEnabled()

    session.commit({"pue": 1.4}, "test: the operator's new PUE")
    qtbot.waitUntil(lambda: view.status_labels["preparer"].text().endswith("changed since approval"),
                    timeout=30_000)
    wait_idle(qtbot, view)

    assert not view.sign_buttons["reviewer"].isEnabled()
    assert view.status_labels["preparer"].styleSheet() == "color: #b00020;"
    assert view.history.item(0, 5).text() == "changed since approval"
