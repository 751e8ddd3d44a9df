"""Project files written by earlier formats must keep opening, upgraded in place."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from workbench.project import audit, migrations
from workbench.services import compute, projects

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "projects"


def test_format1_fixture_opens_and_computes(tmp_path):
    path = tmp_path / "format1.cwb"
    shutil.copy(FIXTURES / "format1.cwb", path)

    with projects.open_existing(path) as project:
        assert project.format_version == migrations.CURRENT_VERSION
        assert project.name == "format 1 fixture"
        assert audit.verify_chain(project.conn).ok
        outcome = compute.compute_footprint(project)

    run = outcome.result.runs[0]
    assert run.run == "glasses"
    assert run.gpu_energy_kwh == pytest.approx(0.0011012152777777778, rel=1e-12)
    # PUE 1.3 and node uplift 1.35 were the fixture's assumptions; CN at 550 g/kWh.
    assert run.facility_energy_kwh == pytest.approx(0.0011012152777777778 * 1.35 * 1.3, rel=1e-12)
    assert run.operational_co2e_kg == pytest.approx(run.facility_energy_kwh * 0.55, rel=1e-12)


def test_format1_fixture_gains_library_tables(tmp_path):
    path = tmp_path / "format1.cwb"
    shutil.copy(FIXTURES / "format1.cwb", path)

    with projects.open_existing(path) as project:
        tables = {row[0] for row in project.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        asset_columns = {row[1] for row in project.conn.execute("PRAGMA table_info(assets)")}
        kept_factors = project.conn.execute("SELECT count(*) FROM factors").fetchone()[0]

    assert {"mapping_templates", "hardware_library", "instruments", "scope1_activities"} <= tables
    assert {"library_entry_id", "embodied_basis", "embodied_low_kg", "embodied_high_kg"} <= asset_columns
    assert kept_factors == 1
