"""Project files written by earlier formats must keep opening, upgraded in place."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest

from workbench.engine.assumptions import Assumptions
from workbench.errors import ProjectFileError
from workbench.project import audit, energy_totals, migrations
from workbench.services import compute, imports, inventory, projects

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
                        ("0004_gpu_hours_jobs_allocations",), ("0005_assumption_distributions",),
                        ("0006_report_header_and_signoffs",), ("0007_reduction_planner",),
                        ("0008_covering_run_energy_index",), ("0009_stored_run_energy_totals",)]
    assert {"declared_runs", "run_models", "model_published_totals", "site_inventory"} <= tables
    assert {"gpu_hours", "jobs", "run_allocations"} <= tables
    assert {"report_info", "signoffs"} <= tables
    assert {"planner_levers", "run_reuse", "planner_narratives"} <= tables
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


# format3.cwb was written by the format 3 workbench (steps 0001 to 0003). Site 'paris' (FR, PUE2,
# Europe/Paris) has a 50 g/kWh FR factor for 2025. Run 'measured' has a GPU log given to it: two
# GPUs at 300 W and 100 W for two hours of 2025-03-01 (0.8 kWh). Run 'paper' is declared: 8
# accelerators at 400 W board power for ten hours (32 kWh). Assumption set 'fixture' has PUE 1.3
# and node uplift 1.35; the format 3 workbench computed the figures asserted below from it.
def test_format3_fixture_upgrades_with_the_same_footprint(tmp_path):
    path = tmp_path / "format3.cwb"
    shutil.copy(FIXTURES / "format3.cwb", path)

    with projects.open_existing(path) as project:
        recorded = project.conn.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall()
        outcome = compute.compute_footprint(project, "fixture")
        chain_ok = audit.verify_chain(project.conn).ok

    assert recorded == [(m.version, m.name) for m in migrations.MIGRATIONS]
    assert recorded[3] == (4, "0004_gpu_hours_jobs_allocations")
    assert chain_ok is True
    runs = {run.run: run for run in outcome.result.runs}
    assert runs["measured"].gpu_energy_kwh == pytest.approx(0.8, rel=1e-12)
    assert runs["measured"].facility_energy_kwh == pytest.approx(1.4180400000000002, rel=1e-12)
    assert runs["measured"].estimated is False
    assert runs["paper"].gpu_energy_kwh == pytest.approx(32.0, rel=1e-12)
    assert runs["paper"].facility_energy_kwh == pytest.approx(56.72160000000001, rel=1e-12)
    assert runs["paper"].estimated is True
    assert outcome.totals["total_co2e_kg"] == pytest.approx(2.906982, rel=1e-12)
    assert outcome.totals["estimated_co2e_kg"] == pytest.approx(2.8448420000000003, rel=1e-12)


def test_format3_fixture_takes_gpu_allocations_after_upgrade(tmp_path):
    path = tmp_path / "format3.cwb"
    shutil.copy(FIXTURES / "format3.cwb", path)
    log = tmp_path / "node07.csv"
    log.write_text("timestamp, index, uuid, power.draw [W], hostname\n" + "".join(
        f"2025-03-02T{minute // 60:02d}:{minute % 60:02d}:00Z, 0, GPU-77, 200.00 W, node07\n"
        for minute in range(121)))
    table = tmp_path / "held.csv"
    table.write_text("run,host,gpus,start,end\npaper,node07,0,2025-03-02T00:00:00Z,2025-03-02T02:00:00Z\n")

    with projects.open_existing(path) as project:
        imports.import_file(project, log, imports.ImportOptions(kind="gpu-log", attribution="allocations"))
        imports.import_file(project, table, imports.ImportOptions(kind="runs"))
        outcome = compute.compute_footprint(project, "fixture")

    runs = {run.run: run for run in outcome.result.runs}
    # The declared run now has telemetry through the GPU it held: 200 W for two hours, measured.
    assert runs["paper"].gpu_energy_kwh == pytest.approx(0.4, rel=1e-9)
    assert runs["paper"].estimated is False
    assert runs["measured"].gpu_energy_kwh == pytest.approx(0.8, rel=1e-12)


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


def test_gpu_branch_development_file_rejected(tmp_path):
    """A file whose step 2 is the GPU-hours schema of a development build must not get steps 3 and 4."""
    path = tmp_path / "gpu-dev.cwb"
    projects.new_project(path, "gpu dev build").close()
    raw = sqlite3.connect(path)
    raw.execute("DELETE FROM schema_migrations WHERE version > 2")
    raw.execute("UPDATE schema_migrations SET name = '0002_gpu_hours_jobs_allocations' WHERE version = 2")
    raw.execute("PRAGMA user_version = 2")
    raw.commit()
    raw.close()
    before = hashlib.sha256(path.read_bytes()).hexdigest()

    with pytest.raises(ProjectFileError, match="records schema step 2 as '0002_gpu_hours_jobs_allocations'"):
        projects.open_existing(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_format4_demo_fixture_upgrades_with_the_same_footprint(tmp_path):
    # The demo project as format 4 wrote it, before distributions were stored with assumptions.
    path = tmp_path / "format4.cwb"
    shutil.copy(FIXTURES / "format4.cwb", path)

    with projects.open_existing(path) as project:
        assert project.format_version == migrations.CURRENT_VERSION
        assert audit.verify_chain(project.conn).ok
        totals = compute.compute_footprint(project).result.totals

    assert totals["total_co2e_kg"] == pytest.approx(40.37660571917483, rel=1e-12)
    assert totals["facility_energy_kwh"] == pytest.approx(525.831732180685, rel=1e-12)


# format5.cwb is the demo project as format 5 wrote it (steps 0001 to 0005), with two distributions
# set by the format 5 command line: baseline pue triangular 1.2 / 1.28 / 1.4, conservative
# node_uplift uniform 1.3 to 1.7. The figures asserted below are what the format 5 workbench
# computed from it, the Monte Carlo ones with 20,000 trials and the default seed.
def test_format5_demo_fixture_upgrades_with_the_same_figures(tmp_path):
    from workbench.services import distributions, report_info, signoffs, uncertainty

    path = tmp_path / "format5.cwb"
    shutil.copy(FIXTURES / "format5.cwb", path)

    with projects.open_existing(path) as project:
        recorded = project.conn.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall()
        chain_ok = audit.verify_chain(project.conn).ok
        footprint = compute.compute_footprint(project).result.totals
        totals = inventory.compute_inventory(project, period=compute.reporting_period("2025")).totals
        stored = {key: item.distribution.as_dict() for key, item in distributions.snapshot(project).stored.items()}
        conservative = distributions.snapshot(project, "conservative").stored["node_uplift"].distribution.as_dict()
        outcome = uncertainty.analyze(project, trials=20_000)
        header = report_info.read(project).values
        stages = signoffs.signoff_status(project)

    assert recorded == [(m.version, m.name) for m in migrations.MIGRATIONS]
    assert recorded[5] == (6, "0006_report_header_and_signoffs")
    assert recorded[-1] == (9, "0009_stored_run_energy_totals")
    assert chain_ok is True
    assert footprint["total_co2e_kg"] == pytest.approx(40.37660571917483, rel=1e-12)
    assert footprint["facility_energy_kwh"] == pytest.approx(525.831732180685, rel=1e-12)
    assert totals["total_location_based_co2e_kg"] == pytest.approx(10607.115156428, rel=1e-12)
    assert totals["total_market_based_co2e_kg"] == pytest.approx(10426.471562628001, rel=1e-12)
    assert stored == {"pue": {"kind": "triangular", "low": 1.2, "mode": 1.28, "high": 1.4, "relative": False}}
    assert conservative == {"kind": "uniform", "low": 1.3, "high": 1.7, "relative": False}
    assert outcome.distributions_sha256 == "b9d693226165bfbd7f37d79038d1947b2c5730a2efea1f3d0108a54ace5a072f"
    summary = outcome.monte_carlo.summaries["total_co2e_kg"]
    assert summary.mean == pytest.approx(42.04077226639958, rel=1e-12)
    assert (summary.low, summary.high) == pytest.approx((36.23059008010588, 48.652605012477736), rel=1e-12)
    assert header == {}
    assert stages == []


# format6.cwb is the demo project as format 6 wrote it (steps 0001 to 0006): report header and the
# three sign-offs, recorded last, approving state ee1008a8.... The figures below are what the
# format 6 workbench computed from it.
def test_format6_demo_fixture_keeps_its_signoffs(tmp_path):
    from workbench.services import planner_store, signoffs
    from workbench.services.state import project_state_sha256

    path = tmp_path / "format6.cwb"
    shutil.copy(FIXTURES / "format6.cwb", path)

    with projects.open_existing(path) as project:
        recorded = project.conn.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall()
        chain_ok = audit.verify_chain(project.conn).ok
        state = project_state_sha256(project)
        stages = [(line.stage, line.current) for line in signoffs.signoff_status(project)]
        footprint = compute.compute_footprint(project).result.totals
        totals = inventory.compute_inventory(project, period=compute.reporting_period("2025")).totals
        planner_store.set_narrative(project, "method_limits", "Added after the upgrade.")
        after_change = [(line.stage, line.current) for line in signoffs.signoff_status(project)]

    assert recorded[-1] == (9, "0009_stored_run_energy_totals")
    assert chain_ok is True
    # The empty planner tables do not enter the state hash, so the upgrade leaves the approvals current.
    assert state == "ee1008a8dd0e7cc00c07053cacde7dd1cd47d730b0a815111634098f822c2ff0"
    assert stages == [("preparer", True), ("reviewer", True), ("approver", True)]
    assert footprint["total_co2e_kg"] == pytest.approx(40.37660571917483, rel=1e-12)
    assert totals["total_location_based_co2e_kg"] == pytest.approx(10607.115156428, rel=1e-12)
    assert totals["total_market_based_co2e_kg"] == pytest.approx(10426.471562628001, rel=1e-12)
    # A narrative is project data: once stored, the approvals no longer match.
    assert after_change == [("preparer", False), ("reviewer", False), ("approver", False)]


# format7.cwb is the demo project as format 7 wrote it (steps 0001 to 0007). Step 0008 only widens
# the run energy index, so the upgrade must leave every figure as format 7 computed it (below).
def test_format7_demo_fixture_upgrades_its_energy_index(tmp_path):
    path = tmp_path / "format7.cwb"
    shutil.copy(FIXTURES / "format7.cwb", path)

    with projects.open_existing(path) as project:
        recorded = project.conn.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall()
        index_columns = [row[2] for row in project.conn.execute("PRAGMA index_info(energy_hourly_run)")]
        chain_ok = audit.verify_chain(project.conn).ok
        footprint = compute.compute_footprint(project).result.totals
        totals = inventory.compute_inventory(project, period=compute.reporting_period("2025")).totals

    assert [version for version, _name in recorded] == [1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert recorded[7] == (8, "0008_covering_run_energy_index")
    assert index_columns == ["run_id", "hour_utc", "level", "energy_wh", "gpu_energy_wh"]
    assert chain_ok is True
    assert footprint["total_co2e_kg"] == pytest.approx(40.37660571917483, rel=1e-12)
    assert totals["total_location_based_co2e_kg"] == pytest.approx(10607.115156428, rel=1e-12)
    assert totals["total_market_based_co2e_kg"] == pytest.approx(10426.471562628001, rel=1e-12)


# format8.cwb is the demo project as format 8 wrote it (steps 0001 to 0008). Step 0009 adds the
# stored run energy totals, computed from the energy rows the file already has.
def test_format8_demo_fixture_gains_stored_totals(tmp_path):
    path = tmp_path / "format8.cwb"
    shutil.copy(FIXTURES / "format8.cwb", path)

    with projects.open_existing(path) as project:
        recorded = project.conn.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall()
        stored_rows = project.conn.execute("SELECT count(*) FROM run_energy_totals").fetchone()[0]
        stale = energy_totals.stale_reason(project.conn)
        differences = energy_totals.differences(project.conn)
        from_rows = compute.FootprintModel(project, stored_totals=False)
        from_stored = compute.FootprintModel(project)
        chain_ok = audit.verify_chain(project.conn).ok
        footprint = compute.compute_footprint(project).result.totals

    assert recorded[-1] == (9, "0009_stored_run_energy_totals")
    assert stored_rows > 0
    assert stale is None
    assert differences == []
    assert from_rows.uses_stored_totals is False
    assert from_stored.uses_stored_totals is True
    assumptions = Assumptions()
    assert from_stored.compute(assumptions).totals == pytest.approx(from_rows.compute(assumptions).totals, rel=1e-12)
    assert chain_ok is True
    assert footprint["total_co2e_kg"] == pytest.approx(40.37660571917483, rel=1e-12)


def test_planner_branch_development_file_rejected(tmp_path):
    """A file whose step 6 is the planner schema of a development build must not get the disclosure step."""
    path = tmp_path / "planner-dev.cwb"
    projects.new_project(path, "planner dev build").close()
    raw = sqlite3.connect(path)
    raw.execute("DELETE FROM schema_migrations WHERE version > 6")
    raw.execute("UPDATE schema_migrations SET name = '0006_reduction_planner' WHERE version = 6")
    raw.execute("PRAGMA user_version = 6")
    raw.commit()
    raw.close()
    before = hashlib.sha256(path.read_bytes()).hexdigest()

    with pytest.raises(ProjectFileError, match="records schema step 6 as '0006_reduction_planner'"):
        projects.open_existing(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
