"""Explorer tables and the audit trail on the known project."""

from __future__ import annotations

import sqlite3

import pytest
from known_project import build_known_project

from workbench.errors import NotFoundError
from workbench.services import audit_trail, explorer, projects
from workbench.services.audit_trail import AuditFilter


@pytest.fixture
def known(tmp_path):
    project = projects.open_existing(build_known_project(tmp_path / "known.cwb"))
    yield project
    project.close()


def test_every_category_loads(known):
    for item in explorer.CATEGORIES:
        frame = explorer.load_table(known, item.key)
        assert list(frame.columns) == [column.key for column in item.columns], item.key


def test_tables_hold_known_rows(known):
    runs = explorer.load_table(known, "runs")
    energy = explorer.load_table(known, "energy")
    datasets = explorer.load_table(known, "factor_datasets").set_index("name")

    assert list(runs["name"]) == ["alpha", "beta"]
    assert list(runs["grid_zone"]) == ["ZZ", "ZZ"]
    assert len(energy) == 8
    assert energy["energy_kwh"].sum() == pytest.approx(1.7)
    assert datasets.loc["Grid hourly", "vintage"] == "v2"
    assert datasets.loc["Grid annual", "factors"] == 1


def test_counts_match_tables(known):
    counted = explorer.counts(known)

    assert counted["runs"] == 2
    assert counted["energy"] == 8
    assert counted["sources"] == 4
    assert counted["reports"] == 0


def test_unknown_category_names_known_ones(known):
    with pytest.raises(NotFoundError) as caught:
        explorer.load_table(known, "planets")

    assert "runs" in caught.value.hint


def test_audit_frame_has_rationale(known):
    frame = audit_trail.audit_frame(known.conn)
    changes = frame[frame["action"] == "set_assumption"]

    assert list(frame["seq"]) == list(range(1, len(frame) + 1))
    assert set(changes["rationale"]) == {"Known answer test values"}
    assert "pue: 1.55 -> 1.5 (kWh facility / kWh IT)" in set(changes["summary"])


def test_audit_filters(known):
    frame = audit_trail.audit_frame(known.conn)

    assert set(AuditFilter(action="set_assumption").apply(frame)["action"]) == {"set_assumption"}
    assert len(AuditFilter(text="NODE_UPLIFT").apply(frame)) == 1
    assert len(AuditFilter(actor="nobody").apply(frame)) == 0
    assert len(AuditFilter(since="2999-01-01").apply(frame)) == 0
    assert len(AuditFilter(until="2000-01-01").apply(frame)) == 0
    today = frame["at"].iloc[-1][:10]
    assert len(AuditFilter(since=today, until=today).apply(frame)) == len(frame)
    assert audit_trail.choices(frame, "action") == sorted(set(frame["action"]))


def test_chain_state_names_broken_entry(tmp_path):
    path = build_known_project(tmp_path / "known.cwb")
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2")
    conn.commit()

    state = audit_trail.chain_state(conn)
    conn.close()

    assert state.ok is False
    assert state.first_bad_seq == 2
    assert state.describe().startswith("Hash chain broken at entry 2:")


def test_chain_state_verified(known):
    state = audit_trail.chain_state(known.conn)

    assert state.ok is True
    assert state.describe() == f"Hash chain verified: {state.entries} entries"


def test_load_table_in_chunks_reports_progress(known):
    from workbench.progress import Progress

    reports = []
    frame = explorer.load_table(known, "energy", Progress(lambda fraction, message: reports.append(fraction),
                                                          min_interval_s=0), chunk_rows=3)

    assert len(frame) == 8
    assert list(frame.index) == list(range(8))
    assert reports == pytest.approx([3 / 8, 6 / 8, 1.0])


def test_load_table_cancelled(known):
    from workbench.errors import OperationCancelled
    from workbench.progress import Progress

    progress = Progress()
    progress.cancel()

    with pytest.raises(OperationCancelled):
        explorer.load_table(known, "energy", progress, chunk_rows=3)


def test_load_empty_table_keeps_columns(known):
    frame = explorer.load_table(known, "reports")

    assert len(frame) == 0
    assert list(frame.columns) == [column.key for column in explorer.category("reports").columns]
