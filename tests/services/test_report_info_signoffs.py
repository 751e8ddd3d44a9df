"""Report header fields and sign-off stages, stored in a real project file."""

from __future__ import annotations

import sqlite3

import pytest

from workbench.errors import UsageError
from workbench.project import audit
from workbench.reports.keys import create_self_signed_p12
from workbench.services import assumptions, report_info, signoffs
from workbench.services.state import project_state_sha256

PASSWORD = b"sign-off password"


def test_fields_round_trip(project):
    changes = report_info.set_fields(project, {
        "reporting_entity": "Example Labs SAS", "consolidation_approach": "operational-control",
        "reporting_period": "2025", "timezone": "Europe/Paris", "grid_mix.FR": "0.08/0.68/0.24",
        "run_flop.pretrain": "5.46e20", "not_applicable.6": "no generators or chillers under operational control"})
    info = report_info.read(project)

    assert {change["key"] for change in changes} == {"reporting_entity", "consolidation_approach",
                                                     "reporting_period", "timezone", "grid_mix.FR",
                                                     "run_flop.pretrain", "not_applicable.6"}
    assert info.get("consolidation_approach") == "operational_control"
    assert info.grid_mix() == {"FR": {"fossil": 0.08, "nuclear": 0.68, "renewable": 0.24}}
    assert info.run_flop() == {"pretrain": 5.46e20}
    assert info.not_applicable(6) == "no generators or chillers under operational control"
    assert info.not_applicable(12) is None


def test_unchanged_field_writes_nothing(project):
    report_info.set_fields(project, {"reporting_entity": "Example Labs SAS"})
    entries = audit.verify_chain(project.conn).entries

    assert report_info.set_fields(project, {"reporting_entity": "Example Labs SAS"}) == []
    assert audit.verify_chain(project.conn).entries == entries


def test_empty_value_removes_field(project):
    report_info.set_fields(project, {"exclusions": "none"})
    report_info.set_fields(project, {"exclusions": ""})

    assert "exclusions" not in report_info.read(project).values


@pytest.mark.parametrize(("key", "value", "message"), [
    ("consolidation_approach", "equity", "must be one of"),
    ("reporting_period", "last year", "is not a reporting period"),
    ("timezone", "Mars/Olympus", "unknown time zone"),
    ("grid_mix.FR", "0.5/0.5/0.5", "add up to 1.5"),
    ("grid_mix.FR", "0.5/0.5", "FOSSIL/NUCLEAR/RENEWABLE"),
    ("run_flop.pretrain", "-3", "positive number"),
    ("not_applicable.25", "why", "names no checklist item"),
    ("not_applicable.24", "no approver", "names no checklist item"),
    ("entity", "Example", "unknown report header field"),
])
def test_invalid_field_rejected(project, key, value, message):
    with pytest.raises(UsageError, match=message):
        report_info.set_fields(project, {key: value})
    assert report_info.read(project).values == {}


def test_header_is_part_of_state(project):
    before = project_state_sha256(project)
    report_info.set_fields(project, {"reporting_entity": "Example Labs SAS"})

    assert project_state_sha256(project) != before


def test_signoff_is_not_part_of_state(project):
    before = project_state_sha256(project)
    signoffs.record_signoff(project, "preparer", "Ann Preparer")

    assert project_state_sha256(project) == before


def test_approver_needs_preparer_of_current_state(project):
    with pytest.raises(UsageError, match="needs a preparer sign-off"):
        signoffs.record_signoff(project, "approver", "Bo Approver")

    signoffs.record_signoff(project, "preparer", "Ann Preparer")
    assumptions.change(project, "baseline", {"pue": 1.3}, rationale="measured PUE")
    with pytest.raises(UsageError, match="needs a preparer sign-off"):
        signoffs.record_signoff(project, "approver", "Bo Approver")


def test_change_marks_signoff_changed(project):
    signoffs.record_signoff(project, "preparer", "Ann Preparer")
    signoffs.record_signoff(project, "approver", "Bo Approver", role="Head of sustainability")
    current = signoffs.signoff_status(project)
    report_info.set_fields(project, {"exclusions": "none"})
    later = signoffs.signoff_status(project)

    assert [item.status for item in current] == [signoffs.CURRENT, signoffs.CURRENT]
    assert [item.status for item in later] == [signoffs.CHANGED, signoffs.CHANGED]
    assert later[1].role == "Head of sustainability"
    assert signoffs.latest_by_stage(later)["approver"].name == "Bo Approver"


def test_signed_signoff_verifies(project, tmp_path):
    key = create_self_signed_p12(tmp_path / "ann.p12", PASSWORD, common_name="Ann Preparer")
    status = signoffs.record_signoff(project, "preparer", "Ann Preparer", sign_key=key, password=PASSWORD)

    assert status.signed is True
    assert status.signer == "Ann Preparer"
    assert status.signature_ok is True
    assert status.signature_problem is None


def test_signoffs_are_append_only(project):
    signoffs.record_signoff(project, "preparer", "Ann Preparer")

    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        with project.transaction():
            project.conn.execute("UPDATE signoffs SET name = 'Someone Else'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        with project.transaction():
            project.conn.execute("DELETE FROM signoffs")


def test_signoff_is_audited(project):
    entries = audit.verify_chain(project.conn).entries
    signoffs.record_signoff(project, "preparer", "Ann Preparer")
    last = audit.read_entries(project.conn)[-1]

    assert audit.verify_chain(project.conn).entries == entries + 1
    assert last["action"] == "signoff"
    assert last["details"]["stage"] == "preparer"
    assert last["details"]["state_sha256"] == project_state_sha256(project)
