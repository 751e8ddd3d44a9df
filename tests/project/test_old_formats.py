"""Project files written by earlier formats must keep opening, upgraded in place."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest

from workbench.errors import ProjectFileError
from workbench.project import audit, migrations
from workbench.services import compute, inventory, projects

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

    assert recorded == [("0001_initial_schema",), ("0002_ingest_libraries",), ("0003_inventory_and_declared_runs",),
                        ("0004_report_header_and_signoffs",)]
    assert {"declared_runs", "run_models", "model_published_totals", "site_inventory", "report_info",
            "signoffs"} <= tables
    assert not {"market_instruments", "scope1_records"} & tables
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


def test_format1_fixture_gains_inventory_columns(tmp_path):
    path = tmp_path / "format1.cwb"
    shutil.copy(FIXTURES / "format1.cwb", path)

    with projects.open_existing(path) as project:
        instrument_columns = {row[1] for row in project.conn.execute("PRAGMA table_info(instruments)")}
        scope1_columns = {row[1] for row in project.conn.execute("PRAGMA table_info(scope1_activities)")}

    assert {"retired", "credit_co2e_kg", "qc_8", "certificate_serials"} <= instrument_columns
    assert {"record_id", "gwp", "composition", "fuel", "gas"} <= scope1_columns


# format2.cwb was written by the format 2 workbench (steps 0001 and 0002_ingest_libraries). It has
# site 'paris' (FR, PUE1), a 50 g/kWh FR factor for 2025 and a facility meter with 1000 kWh in each
# of four hours of 2025-03-01. Its instruments are GO-1 (1 MWh at 0 kg/MWh), GO-NO (1 MWh, criterion
# 5 stated as failed) and TARIFF (a supplier rate, 2 MWh at 30 kg/MWh). Its Scope 1 activities are
# 100 L of diesel and a 2 kg R-410A top-up.
def test_format2_fixture_upgrades_and_inventories(tmp_path):
    path = tmp_path / "format2.cwb"
    shutil.copy(FIXTURES / "format2.cwb", path)

    with projects.open_existing(path) as project:
        recorded = project.conn.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall()
        instrument_count = project.conn.execute("SELECT count(*) FROM instruments").fetchone()[0]
        outcome = inventory.compute_inventory(project, period=compute.reporting_period("2025"))
        chain_ok = audit.verify_chain(project.conn).ok

    data = outcome.as_json()
    totals = outcome.totals
    assert [name for _, name in recorded] == [migration.name for migration in migrations.MIGRATIONS]
    assert instrument_count == 3
    assert chain_ok is True
    assert totals["scope2_energy_kwh"] == pytest.approx(4000.0)
    assert totals["scope2_location_co2e_kg"] == pytest.approx(4000.0 * 0.05)
    # GO-1 covers 1 MWh at 0, the supplier rate 2 MWh at 30 kg/MWh, and the last MWh has no residual
    # mix, so it takes the location-based 50 kg/MWh; GO-NO fails criterion 5.
    assert totals["scope2_market_co2e_kg"] == pytest.approx(2 * 30.0 + 1 * 50.0)
    assert [item["instrument_id"] for item in data["scope2"]["instruments_excluded"]] == ["GO-NO"]
    assert "issued in NO" in data["scope2"]["instruments_excluded"][0]["reasons"][0]
    assert data["scope1"]["gas_kg"]["CO2"] == pytest.approx(100 * 0.84 * 43.0 / 1000 * 74.1)
    assert data["scope1"]["fugitive_co2e_kg"] == pytest.approx(2 * 2255.5)


def test_development_build_schema_rejected(tmp_path):
    path = tmp_path / "dev.cwb"
    projects.new_project(path, "dev build").close()
    raw = sqlite3.connect(path)
    raw.execute("UPDATE schema_migrations SET name = '0002_inventory_and_declared_runs' WHERE version = 2")
    raw.commit()
    raw.close()
    before = hashlib.sha256(path.read_bytes()).hexdigest()

    with pytest.raises(ProjectFileError, match="records schema step 2 as '0002_inventory_and_declared_runs'"):
        projects.open_existing(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
