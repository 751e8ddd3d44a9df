"""The audit trail view: entries, filters in both directions, chain status and details."""

from __future__ import annotations

import sqlite3

import pytest
from known_project import build_known_project

from workbench.services import audit_trail
from workbench.ui.audit_view import ANY, AuditTrailView
from workbench.ui.frame_model import RAW_VALUE_ROLE


@pytest.fixture
def known(tmp_path):
    return build_known_project(tmp_path / "known.cwb")


@pytest.fixture
def log_frame(known):
    conn = sqlite3.connect(known)
    frame, state = audit_trail.audit_frame(conn), audit_trail.chain_state(conn)
    conn.close()
    return frame, state


def shown(view, key):
    model = view.table.model
    column = [c.key for c in model.columns].index(key)
    return [model.data(model.index(row, column), RAW_VALUE_ROLE) for row in range(model.rowCount())]


def test_view_lists_entries_newest_first(qtbot, log_frame):
    view = AuditTrailView()
    qtbot.addWidget(view)

    view.show_log(*log_frame)

    seqs = shown(view, "seq")
    assert seqs == sorted(log_frame[0]["seq"], reverse=True)
    assert view.status_label.text() == f"Hash chain verified: {len(seqs)} entries"


def test_action_filter_in_both_directions(qtbot, log_frame):
    view = AuditTrailView()
    qtbot.addWidget(view)
    view.show_log(*log_frame)

    view.action_combo.setCurrentText("set_assumption")

    assert view.current_filter().action == "set_assumption"
    assert set(shown(view, "action")) == {"set_assumption"}
    assert set(shown(view, "rationale")) == {"Known answer test values"}
    view.reset_filters()
    assert view.action_combo.currentText() == ANY
    assert len(shown(view, "seq")) == len(log_frame[0])


def test_text_and_time_filters(qtbot, log_frame):
    view = AuditTrailView()
    qtbot.addWidget(view)
    view.show_log(*log_frame)

    qtbot.keyClicks(view.text_edit, "node_uplift")
    assert shown(view, "summary") == ["node_uplift: 1.35 -> 1.0 (kWh node / kWh GPU)"]

    view.text_edit.clear()
    view.since_edit.setText("2999-01-01")
    assert shown(view, "seq") == []
    assert view.current_filter().since == "2999-01-01"


def test_actor_choices_come_from_log(qtbot, log_frame):
    view = AuditTrailView()
    qtbot.addWidget(view)

    view.show_log(*log_frame)

    choices = [view.actor_combo.itemText(i) for i in range(view.actor_combo.count())]
    assert choices == [ANY] + sorted(set(log_frame[0]["actor"]))


def test_details_show_current_entry(qtbot, log_frame):
    view = AuditTrailView()
    qtbot.addWidget(view)
    view.show_log(*log_frame)
    view.action_combo.setCurrentText("set_assumption")

    view.table.view.selectRow(0)

    assert "Why: Known answer test values" in view.details.toPlainText()
    assert "Hash: " in view.details.toPlainText()


def test_broken_chain_is_shown(qtbot, known):
    conn = sqlite3.connect(known)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3")
    conn.commit()
    frame, state = audit_trail.audit_frame(conn), audit_trail.chain_state(conn)
    conn.close()
    view = AuditTrailView()
    qtbot.addWidget(view)

    view.show_log(frame, state)

    assert view.status_label.text().startswith("Hash chain broken at entry 3:")
    assert "#b00020" in view.status_label.styleSheet()


def test_window_opens_audit_trail(window, known, qtbot):
    window.open_project(known)

    window.action_map["audit_trail"].trigger()
    qtbot.waitUntil(lambda: not window.jobs, timeout=30_000)

    assert window.tabs.currentWidget() is window.audit_view
    assert window.audit_view.status_label.text().startswith("Hash chain verified")
    assert "set_assumption" in shown(window.audit_view, "action")


def test_audit_trail_follows_commit(window, known, qtbot):
    window.open_project(known)
    window.show_audit_trail()
    qtbot.waitUntil(lambda: not window.jobs, timeout=30_000)
    before = len(shown(window.audit_view, "seq"))

    window.assumption_panel.pue_spin.setValue(1.25)
    window.assumption_panel.pue_spin.editingFinished.emit()
    qtbot.waitUntil(lambda: not window.jobs, timeout=30_000)

    assert len(shown(window.audit_view, "seq")) == before + 1
    assert shown(window.audit_view, "summary")[0] == "pue: 1.5 -> 1.25 (kWh facility / kWh IT)"


def test_audit_trail_reopens_after_project_switch(window, known, gpu_project, qtbot):
    window.open_project(known)
    window.show_audit_trail()
    qtbot.waitUntil(lambda: not window.jobs, timeout=30_000)

    window.open_project(gpu_project)
    window.show_audit_trail()
    qtbot.waitUntil(lambda: not window.jobs, timeout=30_000)

    assert window.tabs.currentWidget() is window.audit_view
    assert "import" in shown(window.audit_view, "action")
    assert "Known answer test values" not in shown(window.audit_view, "rationale")
