"""File > Export from the window: the worker writes the report and the audit log records it."""

from __future__ import annotations

import pytest

from workbench.project.audit import read_entries
from workbench.services import projects
from workbench.ui.export_dialog import ExportDialog, ExportRequest

exports = pytest.importorskip("workbench.services.exports",
                              reason="the export service is not part of this build")


def last_audit_entry(path):
    with projects.open_existing(path, read_only=True) as project:
        return read_entries(project.conn)[-1]


def complete_disclosure(path):
    """Give the sample project what a final report needs: header, Scope 3 factors, PUE category, sign-offs."""
    from workbench.services import assumptions, entities, report_info, signoffs

    with projects.open_existing(path) as project:
        report_info.set_fields(project, {
            "reporting_entity": "Glasses Lab", "consolidation_approach": "operational-control",
            "reporting_period": "2025", "timezone": "UTC", "operational_boundary": "the GPU node of run glasses",
            "exclusions": "none", "run_boundary": "run glasses", "scope3_exclusions": "categories 4 to 15: none apply",
            "base_year": "2025", "recalculation_policy": "recalculate above 5 %", "restatements": "none",
            "preparer": "Pat Preparer", "approver": "Alex Approver", "grid_mix.CN": "0.6/0.05/0.35",
            "run_flop.glasses": "1e18", "not_applicable.6": "no generators or refrigerant equipment"})
        assumptions.change(project, "baseline", {"electricity_wtt_g_per_kwh": 20.0, "td_loss_rate": 0.05},
                           rationale="test: upstream and grid-loss factors")
        entities.configure_site(project, "lab", pue_category="PUE2")
        signoffs.record_signoff(project, "preparer", "Pat Preparer")
        signoffs.record_signoff(project, "approver", "Alex Approver")
    return path


def test_draft_workbook_export(window, gpu_project, qtbot, tmp_path, message_boxes):
    from openpyxl import load_workbook

    window.open_project(gpu_project)
    out = tmp_path / "report.xlsx"

    handle = window.start_export(ExportRequest("xlsx", out, draft=True, sign_key=None, password=None))
    qtbot.waitUntil(lambda: not handle.running, timeout=30_000)

    assert handle.error is None
    assert message_boxes == []
    workbook = load_workbook(out, read_only=True)
    assert "Summary" in workbook.sheetnames
    workbook.close()
    entry = last_audit_entry(gpu_project)
    assert entry["action"] == "export"
    assert entry["details"]["file"] == "report.xlsx"
    assert entry["details"]["draft"] is True
    assert window.audit_label.text() == f"Audit log: {entry['seq']} entries, hash chain intact"


def test_signed_pdf_export_verifies(window, gpu_project, qtbot, tmp_path, message_boxes):
    from workbench.reports.keys import create_self_signed_p12
    from workbench.services.verification import verify_file

    password = b"correct horse"
    key = create_self_signed_p12(tmp_path / "auditor.p12", password, common_name="Test Auditor")
    window.open_project(complete_disclosure(gpu_project))
    out = tmp_path / "report.pdf"

    handle = window.start_export(ExportRequest("pdf", out, draft=False, sign_key=key, password=password))
    qtbot.waitUntil(lambda: not handle.running, timeout=60_000)

    assert handle.error is None
    assert message_boxes == []
    report = verify_file(out, project_path=gpu_project)
    assert report.signer == "Test Auditor"
    assert report.integrity_ok is True
    assert report.numbers_ok is True
    assert report.problems == []


def test_final_export_lists_missing_disclosures(window, gpu_project, qtbot, tmp_path, message_boxes):
    from workbench.reports.keys import create_self_signed_p12

    key = create_self_signed_p12(tmp_path / "auditor.p12", b"pw", common_name="Test Auditor")
    window.open_project(gpu_project)
    out = tmp_path / "report.xlsx"

    handle = window.start_export(ExportRequest("xlsx", out, draft=False, sign_key=key, password=b"pw"))
    qtbot.waitUntil(lambda: not handle.running, timeout=60_000)

    assert [box["text"] for box in message_boxes] == ["Exporting the XLSX report failed."]
    assert message_boxes[0]["informative"].startswith("A final report needs every required disclosure, and ")
    details = message_boxes[0]["details"].splitlines()
    assert details[0] == "Missing required disclosures:"
    assert details[1].startswith("1. Reporting entity and consolidation approach: not stated: reporting_entity")
    assert any(line.startswith("24. Preparer and approver") for line in details)
    assert "Traceback" not in message_boxes[0]["details"]
    assert not out.exists()


def test_wrong_key_password_shows_error(window, gpu_project, qtbot, tmp_path, message_boxes):
    from workbench.reports.keys import create_self_signed_p12

    key = create_self_signed_p12(tmp_path / "auditor.p12", b"right", common_name="Test Auditor")
    window.open_project(gpu_project)

    handle = window.start_export(ExportRequest("pdf", tmp_path / "r.pdf", draft=False, sign_key=key,
                                               password=b"wrong"))
    qtbot.waitUntil(lambda: not handle.running, timeout=30_000)

    assert [box["text"] for box in message_boxes] == ["Exporting the PDF report failed."]
    assert "Traceback" not in message_boxes[0]["details"]
    assert not (tmp_path / "r.pdf").exists()


def test_export_dialog_request(qtbot, tmp_path):
    key = tmp_path / "k.p12"
    key.write_bytes(b"not checked here")
    dialog = ExportDialog("pdf", tmp_path / "suggested.pdf")
    qtbot.addWidget(dialog)

    dialog.out_edit.setText(str(tmp_path / "report"))
    dialog.draft_check.setChecked(True)
    dialog.key_edit.setText(str(key))
    dialog.password_edit.setText("pässword")
    request = dialog.request()

    assert request.out == tmp_path / "report.pdf"
    assert request.draft is True
    assert request.sign_key == key
    assert request.password == "pässword".encode("utf-8")
    dialog.key_edit.setText(str(tmp_path / "missing.p12"))
    assert dialog.problem() == f"The key file {tmp_path / 'missing.p12'} does not exist."


def test_export_dialog_final_needs_key(qtbot, tmp_path):
    dialog = ExportDialog("xlsx", tmp_path / "suggested.xlsx")
    qtbot.addWidget(dialog)

    assert dialog.draft_check.isChecked() is False
    assert dialog.key_edit.placeholderText() == "required: a final report is signed"
    assert dialog.problem() == "A final report must be signed: choose a signing key, or tick Draft."
    dialog.draft_check.setChecked(True)
    assert dialog.problem() == ""
    assert dialog.key_edit.placeholderText() == "optional for a draft; leave empty for an unsigned draft"
    assert dialog.request().sign_key is None
