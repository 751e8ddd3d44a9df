"""The shipped US EPA eGRID subregion rates: coverage, the lb/MWh conversion and a run in a subregion."""

from __future__ import annotations

import csv
from importlib import resources

import pytest

from workbench.services import compute, entities, imports, library

LB_KG = 0.45359237
# eGRID2023 CO2e total output emission rate of WECC California, lb/MWh, as shipped.
CAMX_LB_PER_MWH = 429.983


def shipped_rows(name: str) -> list[dict]:
    path = resources.files("workbench") / "resources" / "factors" / name
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_rates_cover_every_subregion():
    rates = {row["zone"]: row for row in shipped_rows("egrid_subregion_annual.csv")}
    names = {row["subregion"]: row["name"] for row in shipped_rows("egrid_subregions.csv")}

    assert set(rates) == set(names)
    assert len(rates) == 27
    for code, row in rates.items():
        assert row["zone_name"] == names[code]
        assert row["year"] == "2023"
        assert float(row["co2e_lb_per_mwh"]) >= float(row["co2_lb_per_mwh"]), code


def test_camx_rate_converted_to_g_per_kwh(project):
    library.load_default_library(project, which=("factors",))

    row = project.conn.execute("SELECT co2e_g_per_kwh, original_value, original_unit, source_text FROM factors"
                               " WHERE zone = 'CAMX'").fetchall()
    assert len(row) == 1
    g_per_kwh, original_value, original_unit, source_text = row[0]
    assert original_value == pytest.approx(CAMX_LB_PER_MWH)
    assert original_unit == "lb/mwh"
    # 1 lb/MWh = 453.59237 g per 1000 kWh, so g/kWh = lb/MWh x 0.45359237.
    assert g_per_kwh == pytest.approx(CAMX_LB_PER_MWH * LB_KG)
    assert g_per_kwh == pytest.approx(195.037, abs=1e-3)
    assert "eGRID2023" in source_text


def test_run_in_camx_uses_shipped_rate(project, tmp_path):
    library.load_default_library(project, which=("factors",))
    entities.configure_site(project, "west", grid_zone="CAMX", timezone="UTC")
    runs = tmp_path / "runs.csv"
    runs.write_text("run,start,end,site,energy_kwh,power_basis\n"
                    "train,2023-06-01T00:00:00Z,2023-06-02T00:00:00Z,west,1000,facility\n")
    imports.import_file(project, runs, imports.ImportOptions(kind="runs"))

    outcome = compute.compute_footprint(project)

    run = {run.run: run for run in outcome.result.runs}["train"]
    assert run.facility_energy_kwh == pytest.approx(1000.0)
    assert run.operational_co2e_kg == pytest.approx(1000.0 * CAMX_LB_PER_MWH * LB_KG / 1000.0)


def test_cloud_subregions_have_shipped_rates():
    rates = {row["zone"] for row in shipped_rows("egrid_subregion_annual.csv")}
    regions = {(row["provider"], row["region"]): row for row in shipped_rows("cloud_regions.csv")}

    assert {row["egrid_subregion"] for row in regions.values() if row["egrid_subregion"]} <= rates
    # Las Vegas is served by Nevada Power, which eGRID places in WECC Southwest, not WECC Northwest.
    assert regions[("gcp", "us-west4")]["egrid_subregion"] == "AZNM"
    assert regions[("azure", "eastus")]["egrid_subregion"] == "RFCW"
