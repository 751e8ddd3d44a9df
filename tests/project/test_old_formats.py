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
        recorded = project.conn.execute("SELECT name FROM schema_migrations ORDER BY version").fetchall()
        tables = {row[0] for row in project.conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
        outcome = compute.compute_footprint(project)

    assert recorded == [("0001_initial_schema",), ("0002_inventory_and_declared_runs",)]
    assert {"declared_runs", "run_models", "site_inventory", "market_instruments", "scope1_records"} <= tables
    run = outcome.result.runs[0]
    assert run.run == "glasses"
    assert run.gpu_energy_kwh == pytest.approx(0.0011012152777777778, rel=1e-12)
    # PUE 1.3 and node uplift 1.35 were the fixture's assumptions; CN at 550 g/kWh.
    assert run.facility_energy_kwh == pytest.approx(0.0011012152777777778 * 1.35 * 1.3, rel=1e-12)
    assert run.operational_co2e_kg == pytest.approx(run.facility_energy_kwh * 0.55, rel=1e-12)
