"""Imports of the new kinds through services and the CLI: mappings, libraries, sources, meters."""

from __future__ import annotations

import csv
import json
from importlib import resources

import pytest

from workbench.cli import main
from workbench.errors import InputRejectedError, NotFoundError
from workbench.project import repo
from workbench.services import import_kinds, imports, library, mappings, meters, sources


def run_cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(arg) for arg in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def shipped(*parts: str):
    return resources.files("workbench") / "resources" / "/".join(parts)


# Columns that must be filled on every row of each shipped library file.
SHIPPED_REQUIRED = {
    "factors/location_annual.csv": ("source", "vintage", "licence", "source_url", "co2e_g_per_kwh"),
    "factors/egrid_subregion_annual.csv": ("source", "vintage", "licence", "source_url", "publisher",
                                           "co2e_lb_per_mwh", "gas_basis"),
    "hardware/embodied_defaults.csv": ("source_url", "report_year", "licence", "value_basis", "embodied_basis"),
    "factors/cloud_regions.csv": ("source", "basis", "grid_zone"),
}


@pytest.mark.parametrize("name", sorted(SHIPPED_REQUIRED))
def test_every_shipped_value_has_source_vintage_licence(name):
    with shipped(name).open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows
    for row in rows:
        for column in SHIPPED_REQUIRED[name]:
            assert row[column], (column, row)
        for column in ("co2e_g_per_kwh", "co2e_lb_per_mwh"):
            if column in row:
                assert float(row[column]) >= 0, (column, row)


def test_shipped_factor_files_all_checked():
    factor_files = {path.name for path in import_kinds.default_library_files()["factors"]}
    assert {f"factors/{name}" for name in factor_files} <= set(SHIPPED_REQUIRED)


def test_default_library_loads_with_required_countries(project):
    reports = library.load_default_library(project)
    assert [report.kind for report in reports] == ["factors", "factors", "hardware-library"]
    assert [report.rows_rejected for report in reports] == [0, 0, 0]
    zones = {row[0] for row in project.conn.execute("SELECT zone FROM factors")}
    required = "US CA MX BR GB IE FR DE NL BE SE NO FI DK ES IT PL CH IN SG JP KR TW CN AU".split()
    assert set(required) <= zones
    datasets = project.conn.execute("SELECT publisher, licence, basis, gas_basis, emission_scope FROM factor_datasets"
                                    " ORDER BY id").fetchall()
    assert datasets[0] == ("Ember", "CC-BY-4.0", "location", "CO2e", "lifecycle")
    assert datasets[1][0] == "US EPA"
    assert datasets[1][2:] == ("location", "CO2e", "direct")
    missing = project.conn.execute("SELECT count(*) FROM factors WHERE source_text = '' OR original_value IS NULL"
                                   ).fetchone()[0]
    assert missing == 0
    assert library.load_default_library(project) == []


def test_cloud_regions_name_zones_of_the_library():
    with shipped("factors", "location_annual.csv").open(encoding="utf-8") as handle:
        zones = {row["zone"] for row in csv.DictReader(handle)}
    with shipped("factors", "cloud_regions.csv").open(encoding="utf-8") as handle:
        regions = list(csv.DictReader(handle))
    assert {row["grid_zone"] for row in regions} <= zones
    with shipped("factors", "egrid_subregions.csv").open(encoding="utf-8") as handle:
        subregions = {row["subregion"] for row in csv.DictReader(handle)}
    assert {row["egrid_subregion"] for row in regions if row["egrid_subregion"]} <= subregions
    assert len(subregions) == 27


def test_asset_register_filled_from_project_library(project, tmp_path):
    library.load_default_library(project, which=("hardware-library",))
    path = tmp_path / "assets.csv"
    path.write_text("item,category,quantity,acquired,lifetime_years,library_ref\n"
                    "BLOOM-style server,server,2,2024-01-10,6,bloom-hpe-apollo-6500-gen10-plus\n"
                    "GPU,gpu,16,2024-01-10,6,bloom-nvidia-a100\nUnknown,server,1,2024-01-10,5,no-such-product\n")
    report = imports.import_file(project, path, imports.ImportOptions(kind="procurement"))
    assert report.totals["embodied_co2e_kg"] == pytest.approx(2 * 2500 + 16 * 150)
    assert [(p.row, p.column) for p in report.rejected] == [(4, "library_ref")]
    rows = project.conn.execute("SELECT embodied_low_kg, embodied_high_kg, library_entry_id IS NOT NULL,"
                                " embodied_source FROM assets ORDER BY id").fetchall()
    assert rows[0][:3] == (1250, 5000, 1)
    assert rows[0][3].startswith("Estimating the Carbon Footprint of BLOOM")


def test_asset_register_filled_from_shipped_defaults(project, tmp_path):
    path = tmp_path / "assets.csv"
    path.write_text("item,category,quantity,acquired,lifetime_years,library_ref\nR740,server,3,2024-01-10,4,"
                    "Dell PowerEdge R740\n")
    report = imports.import_file(project, path, imports.ImportOptions(kind="procurement"))
    assert report.totals["embodied_co2e_kg"] == pytest.approx(3 * 1313.28)


def test_meter_template_saved_and_reused(project, tmp_path, capsys):
    first = tmp_path / "bms-jan.csv"
    first.write_text("Zeit;Wert\n01.01.2025 00:00;4\n01.01.2025 01:00;5\n")
    proposal = mappings.propose_mapping(first)
    mapping = proposal.mapping.override("Wert", role="energy", unit="kWh").with_settings(
        timezone="Europe/Berlin", date_order="dmy", measurement_point="pdu_output", accuracy_class="1")
    mappings.save_template(project, "bms", mapping)
    second = tmp_path / "bms-feb.csv"
    second.write_text("Zeit;Wert\n01.02.2025 00:00;1,5\n01.02.2025 01:00;2,5\n")
    report = imports.import_file(project, second, imports.ImportOptions(kind="meter", mapping="bms"))
    assert report.totals["energy_kwh"] == pytest.approx(4.0)
    meter = project.conn.execute("SELECT measurement_point, accuracy_class FROM meters").fetchone()
    assert meter == ("pdu_output", "1")
    levels = {row[0] for row in project.conn.execute("SELECT DISTINCT level FROM energy_hourly")}
    assert levels == {"it"}
    with pytest.raises(NotFoundError, match="no mapping template named 'nope'"):
        imports.import_file(project, first, imports.ImportOptions(kind="meter", mapping="nope"))


def test_cli_mapping_file_and_template(tmp_path, capsys):
    project = tmp_path / "p.cwb"
    assert run_cli(capsys, "new", project)[0] == 0
    data = tmp_path / "export.csv"
    data.write_text("Stamp,Counter\n2025-01-01T00:00:00Z,100\n2025-01-01T00:15:00Z,101\n2025-01-01T00:30:00Z,103\n"
                    "2025-01-01T00:45:00Z,106\n2025-01-01T01:00:00Z,110\n")
    code, out, _ = run_cli(capsys, "mapping", project, data, "--json")
    proposal = json.loads(out)
    assert code == 0
    assert proposal["mapping"]["columns"][0]["role"] == "timestamp"
    mapping = proposal["mapping"]
    mapping["columns"][1].update(role="register", unit="kWh")
    mapping_file = tmp_path / "mapping.json"
    mapping_file.write_text(json.dumps(mapping))
    code, out, err = run_cli(capsys, "import", project, "--kind", "meter", data, "--mapping", mapping_file, "--json")
    assert code == 0, err
    assert json.loads(out)[0]["totals"]["energy_kwh"] == pytest.approx(10.0)
    assert run_cli(capsys, "mapping", project, "--from", mapping_file, "--save", "counter")[0] == 0
    code, out, _ = run_cli(capsys, "import", project, "--kind", "meter", data, "--mapping", "counter",
                           "--allow-duplicate", "--json")
    assert json.loads(out)[0]["totals"]["energy_kwh"] == pytest.approx(10.0)


def test_cli_sources_json_lists_totals(tmp_path, samples, capsys):
    project = tmp_path / "p.cwb"
    run_cli(capsys, "new", project)
    green = samples / "meter" / "green_button" / "vladistan__abridged_electric_containerized.xml"
    assert run_cli(capsys, "import", project, "--kind", "green-button", green, "--meter", "utility")[0] == 0
    instruments = tmp_path / "instruments.csv"
    instruments.write_text("instrument_id,type,mwh,vintage_start,vintage_end,market,ef_kg_per_mwh\n"
                           "GO-1,GO,100,2025-01-01,2025-12-31,FR,0\n")
    assert run_cli(capsys, "import", project, "--kind", "instruments", instruments)[0] == 0
    scope1 = tmp_path / "scope1.csv"
    scope1.write_text("activity,period_start,quantity,unit,fuel\nfuel,2025-02-01,5000,L,diesel\n")
    assert run_cli(capsys, "import", project, "--kind", "scope1", scope1)[0] == 0
    assert run_cli(capsys, "library", project, "--only", "factors")[0] == 0
    code, out, _ = run_cli(capsys, "sources", project, "--json")
    found = json.loads(out)
    assert code == 0
    assert [source["kind"] for source in found] == ["green-button", "instruments", "scope1", "factors", "factors"]
    for source in found:
        assert {"kind", "sha256", "rows_accepted", "rows_rejected", "start", "end"} <= set(source)
    assert found[0]["energy_kwh"] == pytest.approx(4.086)
    assert found[0]["start"].endswith("Z")
    assert found[1]["mwh"] == 100
    assert found[2]["activities"] == 1
    assert found[3]["values"] == 209
    assert found[4]["values"] == 27


def test_measured_pue_from_facility_and_it_meters(project, tmp_path):
    facility = tmp_path / "facility.csv"
    facility.write_text("timestamp,energy_kwh\n2025-01-01T00:00:00Z,120\n2025-01-01T01:00:00Z,130\n")
    it = tmp_path / "ups.csv"
    it.write_text("timestamp,energy_kwh\n2025-01-01T00:00:00Z,100\n2025-01-01T01:00:00Z,100\n")
    imports.import_file(project, facility, imports.ImportOptions(kind="meter", meter="facility",
                                                                 accuracy_class="0.5S"))
    imports.import_file(project, it, imports.ImportOptions(kind="meter", meter="ups", measurement_point="ups_output",
                                                           accuracy_class="0.5S"))
    inputs = {meter.name: meter for meter in meters.load_meter_inputs(project)}
    assert (inputs["ups"].level, inputs["ups"].pue_category) == ("it", "PUE1")
    measured = meters.site_measured_pue(project, "facility", "ups")
    assert measured.value == pytest.approx(1.25)
    assert measured.category == "PUE1"
    # Two class 0.5S meters: u = 0.2887 % each, combined in quadrature.
    assert measured.u_rel == pytest.approx(0.005 / 3 ** 0.5 * 2 ** 0.5)


def test_strict_green_button_import_leaves_project_unchanged(project, samples):
    path = samples / "meter" / "green_button" / "verdigris__ESPIReadingType.xml"
    with pytest.raises(InputRejectedError):
        imports.import_file(project, path, imports.ImportOptions(kind="green-button"))
    assert sources.list_sources(project) == []


def test_footprint_uses_latest_location_factors_only(project, tmp_path):
    from workbench.services import compute

    location = tmp_path / "a.csv"
    location.write_text("zone,year,co2e_g_per_kwh,source\nFR,2025,50,first\n")
    newer = tmp_path / "b.csv"
    newer.write_text("zone,year,co2e_g_per_kwh,source\nFR,2025,60,second\n")
    marginal = tmp_path / "c.csv"
    marginal.write_text("zone,year,co2e_g_per_kwh,source,basis\nFR,2025,900,moer,marginal\n")
    for path in (location, newer, marginal):
        imports.import_file(project, path, imports.ImportOptions(kind="factors"))
    chosen = compute.location_factors(repo.list_factors(project.conn))
    assert list(chosen["co2e_g_per_kwh"]) == [60]
    assert list(chosen["source_text"]) == ["second"]
