"""Stored run energy totals: written with the energy rows, checked before use, recounted on request."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from known_project import build_known_project
from workbench.engine.assumptions import Assumptions
from workbench.project import energy_totals, inventory_repo
from workbench.errors import DamagedProjectError
from workbench.services import compute, disclosure, projects
from workbench.services.state import project_state_sha256

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "projects"


@pytest.fixture
def known(tmp_path) -> Path:
    return build_known_project(tmp_path / "known.cwb")


@pytest.fixture
def demo(tmp_path) -> Path:
    """The demo project of format 8, upgraded to the current format (which computes its totals)."""
    path = tmp_path / "demo.cwb"
    shutil.copy(FIXTURES / "format8.cwb", path)
    projects.open_existing(path).close()
    return path


def raw_execute(path: Path, *statements: str) -> None:
    """Change the file as another program would, without the workbench's writers."""
    conn = sqlite3.connect(path)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


def sorted_frame(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return frame.sort_values(keys, ignore_index=True)


def test_stored_totals_equal_row_queries(known):
    with projects.open_existing(known, read_only=True) as project:
        stored = energy_totals.read(project.conn)
        summary = inventory_repo.run_energy_summary(project.conn)
        hour_levels = inventory_repo.run_hour_levels(project.conn)

    assert stored is not None
    keys = ["run_id", "source_id", "level", "quality"]
    pd.testing.assert_frame_equal(sorted_frame(stored.summary, keys), sorted_frame(summary, keys), check_exact=False,
                                  rtol=1e-12)
    hour_keys = ["run_id", "hour_utc", "level"]
    pd.testing.assert_frame_equal(sorted_frame(stored.hour_levels, hour_keys), sorted_frame(hour_levels, hour_keys),
                                  check_exact=False, rtol=1e-12)


def test_stored_totals_give_same_footprint(demo):
    with projects.open_existing(demo, read_only=True) as project:
        from_rows = compute.FootprintModel(project, stored_totals=False)
        from_stored = compute.FootprintModel(project)

    assert from_stored.uses_stored_totals is True
    assumptions = Assumptions()
    stored_runs = {run.run: run.operational_co2e_kg for run in from_stored.compute(assumptions).runs}
    row_runs = {run.run: run.operational_co2e_kg for run in from_rows.compute(assumptions).runs}
    assert stored_runs == pytest.approx(row_runs, rel=1e-12)
    assert from_stored.compute(assumptions).totals == pytest.approx(from_rows.compute(assumptions).totals, rel=1e-12)


def test_row_added_outside_makes_totals_stale(known):
    raw_execute(known, "INSERT INTO energy_hourly (source_id, run_id, hour_utc, level, energy_wh, sample_count,"
                       " coverage, gap_seconds, quality) SELECT source_id, run_id, hour_utc + 3600, level, 5000.0,"
                       " 1, 1.0, 0.0, quality FROM energy_hourly WHERE run_id IS NOT NULL LIMIT 1")

    with projects.open_existing(known, read_only=True) as project:
        reason = energy_totals.stale_reason(project.conn)
        model = compute.FootprintModel(project)
        from_rows = compute.FootprintModel(project, stored_totals=False)

    assert reason is not None
    assert "rows" in reason
    assert model.uses_stored_totals is False
    assumptions = Assumptions()
    assert model.compute(assumptions).totals == from_rows.compute(assumptions).totals


def test_row_changed_in_place_makes_totals_stale(known):
    raw_execute(known, "UPDATE energy_hourly SET energy_wh = energy_wh + 1 WHERE rowid = (SELECT min(rowid) FROM"
                       " energy_hourly WHERE run_id IS NOT NULL)")

    with projects.open_existing(known, read_only=True) as project:
        reason = energy_totals.stale_reason(project.conn)

    assert reason is not None
    assert "energy_wh adds up to" in reason


def test_edited_totals_found_by_recount(known):
    raw_execute(known, "UPDATE run_energy_totals SET energy_kwh = energy_kwh * 2, devices = '99' WHERE run_id ="
                       " (SELECT id FROM runs WHERE name = 'alpha')",
                "UPDATE run_energy_hours SET gpu_energy_wh = gpu_energy_wh + 7 WHERE hour_utc ="
                " (SELECT min(hour_utc) FROM run_energy_hours)")

    with projects.open_existing(known, read_only=True) as project:
        alpha = project.conn.execute("SELECT id FROM runs WHERE name = 'alpha'").fetchone()[0]
        reason = energy_totals.stale_reason(project.conn)
        found = energy_totals.differences(project.conn)

    assert reason is None  # the digests still match the rows, so only a recount finds the edit
    alpha_lines = [line for line in found if line.startswith("run energy totals") and f"run_id {alpha}," in line]
    assert alpha_lines
    assert "energy_kwh is " in alpha_lines[0]
    assert "devices is '99' stored, '1,2' in the rows" in alpha_lines[0]
    assert any(line.startswith("hourly run energy") and "gpu_energy_wh" in line for line in found)


def test_deleted_totals_found_by_recount(known):
    raw_execute(known, "DELETE FROM run_energy_totals WHERE run_id = (SELECT id FROM runs WHERE name = 'beta')")

    with projects.open_existing(known, read_only=True) as project:
        found = energy_totals.differences(project.conn)

    assert found
    assert all(line.endswith("has energy rows but no stored total") for line in found)


def test_recount_of_current_totals_finds_nothing(demo):
    with projects.open_existing(demo, read_only=True) as project:
        found = energy_totals.differences(project.conn)

    assert found == []


def test_export_refused_when_totals_differ(known):
    raw_execute(known, "UPDATE run_energy_totals SET energy_kwh = energy_kwh * 2")

    with projects.open_existing(known, read_only=True) as project:
        with pytest.raises(DamagedProjectError, match="stored run energy totals do not match its energy rows"):
            disclosure.build_disclosure(project, draft=True)


def test_refresh_of_one_source_keeps_others(known):
    with projects.open_existing(known) as project:
        before = project.conn.execute("SELECT * FROM run_energy_totals ORDER BY source_id, run_id").fetchall()
        sources = [row[0] for row in project.conn.execute("SELECT DISTINCT source_id FROM run_energy_totals")]
        with project.transaction():
            energy_totals.refresh(project.conn, sources[:1])
        after = project.conn.execute("SELECT * FROM run_energy_totals ORDER BY source_id, run_id").fetchall()
        found = energy_totals.differences(project.conn)

    assert len(sources) >= 2
    assert after == before
    assert found == []


def test_state_hash_leaves_out_stored_totals(known):
    with projects.open_existing(known) as project:
        before = project_state_sha256(project)
        with project.transaction():
            project.conn.execute("DELETE FROM run_energy_hours")
        after = project_state_sha256(project)

    assert after == before


def test_older_format_has_no_stored_totals():
    conn = sqlite3.connect(f"file:{FIXTURES / 'format8.cwb'}?mode=ro", uri=True)
    try:
        reason = energy_totals.stale_reason(conn)
        stored = energy_totals.read(conn)
    finally:
        conn.close()

    assert reason == "the project file is older than format 9"
    assert stored is None
