"""The inventory from a real project file: instruments, Scope 1, meters, metered PUE and view guards."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from workbench.engine.views import add_totals
from workbench.errors import CrossViewError, InputRejectedError, UsageError
from workbench.services import assumptions, compute, entities, imports, inventory, inventory_inputs

HOURS = 4


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def meter_csv(kwh_per_hour):
    lines = ["timestamp,energy [kWh]"] + [f"2025-03-01T{hour:02d}:00:00Z,{kwh_per_hour}" for hour in range(HOURS)]
    return "\n".join(lines) + "\n"


@pytest.fixture
def site_project(project, tmp_path):
    entities.configure_site(project, "hall", grid_zone="FR", pue_category="PUE1")
    inventory_inputs.configure_site_inventory(project, "hall", market="FR")
    factors = "zone,period_start,period_end,co2e_g_per_kwh,source\nFR,2025-01-01,2025-12-31,50,test location\n"
    residual = "zone,period_start,period_end,co2e_g_per_kwh,source\nFR,2025-01-01,2025-12-31,200,test residual\n"
    imports.import_file(project, write(tmp_path, "loc.csv", factors), imports.ImportOptions(kind="factors"))
    imports.import_file(project, write(tmp_path, "res.csv", residual),
                        imports.ImportOptions(kind="factors", factor_basis="residual_mix"))
    imports.import_file(project, write(tmp_path, "fac.csv", meter_csv(130.0)), imports.ImportOptions(
        kind="meter", site="hall", meter="main", measurement_point="facility"))
    imports.import_file(project, write(tmp_path, "ups.csv", meter_csv(100.0)), imports.ImportOptions(
        kind="meter", site="hall", meter="ups", measurement_point="ups_output"))
    runs = ("run,start,end,site,energy_kwh,power_basis\n"
            f"job,2025-03-01T00:00:00Z,2025-03-01T0{HOURS}:00:00Z,hall,200,system\n")
    imports.import_file(project, write(tmp_path, "runs.csv", runs), imports.ImportOptions(kind="runs"))
    instruments = ("instrument_id,type,market,mwh,ef_kg_per_mwh,vintage_start,vintage_end,retired,qc_7,qc_7_note\n"
                   "go-1,eac,FR,0.1,0,2025-01-01,2025-12-31,yes,,\n"
                   "ppa-1,ppa,FR,0.1,0,2025-01-01,2025-12-31,yes,no,certificates sold separately\n")
    imports.import_file(project, write(tmp_path, "inst.csv", instruments), imports.ImportOptions(kind="instruments"))
    scope1 = ("record_id,kind,substance,amount,unit,date,site\n"
              "top-up,refrigerant,R-410A,2,kg,2025-05-01,hall\n")
    imports.import_file(project, write(tmp_path, "s1.csv", scope1), imports.ImportOptions(kind="scope1"))
    return project


def test_inventory_from_project(site_project):
    outcome = inventory.compute_inventory(site_project, period=compute.reporting_period("2025-03"))
    totals = outcome.totals
    data = outcome.as_json()

    assert outcome.view == "inventory"
    assert totals["scope2_energy_kwh"] == pytest.approx(4 * 130.0)
    assert totals["scope2_location_co2e_kg"] == pytest.approx(520 * 0.05)
    # The GO covers 100 kWh; the PPA fails criterion 7 and the rest takes the residual mix.
    assert totals["scope2_market_co2e_kg"] == pytest.approx(420 * 0.2)
    assert data["scope2"]["instruments_excluded"][0]["instrument_id"] == "ppa-1"
    assert "certificates sold separately" in data["scope2"]["instruments_excluded"][0]["reasons"][0]
    assert totals["scope1_co2e_kg"] == 0.0
    assert any(finding["check"] == "metered_vs_telemetry" for finding in data["reconciliation"])
    year = inventory.compute_inventory(site_project, period=compute.reporting_period("2025"))
    assert year.totals["scope1_co2e_kg"] == pytest.approx(2 * 2255.5)


def test_gwp_set_change_recorded_and_applied(site_project):
    assumptions.change(site_project, "ar5", {"gwp_set": "AR5"}, base="baseline", rationale="prior-year comparison")
    period = compute.reporting_period("2025")
    ar6 = inventory.compute_inventory(site_project, period=period)
    ar5 = inventory.compute_inventory(site_project, "ar5", period=period)
    logged = site_project.conn.execute("SELECT details_json FROM audit_log WHERE action = 'set_assumption'"
                                       " ORDER BY seq DESC LIMIT 1").fetchone()[0]
    assert ar6.totals["scope1_co2e_kg"] == pytest.approx(2 * 2255.5)
    assert ar5.totals["scope1_co2e_kg"] == pytest.approx(2 * 1924.0)
    assert ar5.as_json()["scope1"]["gwp_set"] == "AR5"
    assert json.loads(logged)["key"] == "gwp_set"
    assert json.loads(logged)["new"] == "AR5"


def test_metered_pue_from_site_meters(site_project):
    assumptions.change(site_project, "metered", {"pue_source": "metered", "pue": 2.0}, base="baseline",
                       rationale="use the site's meters")
    run = compute.compute_footprint(site_project, "metered").result.runs[0]
    # 130 / 100 per hour from the meters; the UPS-output meter makes the category PUE1.
    assert run.pue_category == "PUE1"
    assert run.facility_energy_kwh == pytest.approx(200 * 1.03 * 1.3)
    plain = compute.compute_footprint(site_project).result.runs[0]
    assert plain.facility_energy_kwh == pytest.approx(200 * 1.03 * 1.55)


def test_views_cannot_be_added(site_project):
    footprint = compute.compute_footprint(site_project)
    stock = inventory.compute_inventory(site_project)
    assert add_totals([footprint, footprint])["total_co2e_kg"] == pytest.approx(2 * footprint.totals["total_co2e_kg"])
    with pytest.raises(CrossViewError):
        add_totals([footprint, stock])


def test_site_boundary_and_model_edits(site_project):
    with pytest.raises(UsageError, match="unknown boundary 'rented'"):
        inventory_inputs.configure_site_inventory(site_project, "hall", boundary="rented")
    inventory_inputs.configure_site_inventory(site_project, "hall", boundary="cloud")
    stock = inventory.compute_inventory(site_project, period=compute.reporting_period("2025"))
    assert stock.totals["scope2_location_co2e_kg"] == 0.0
    assert stock.totals["scope3_category_1_co2e_kg"] == pytest.approx(520 * 0.05)
    inventory_inputs.assign_model(site_project, "job", "m1")
    inventory_inputs.set_published_total(site_project, "m1", co2e_kg=50.0, source="model card, table 2")
    outcome = compute.compute_footprint(site_project, model_name="m1")
    gaps = [finding for finding in outcome.findings if finding.check == "published_total_gap"]
    assert gaps[0].severity == "warning"
    assert gaps[0].values["gap"] == pytest.approx(50.0 - outcome.totals["operational_co2e_kg"])


def test_instrument_rows_rejected_with_reason(project, tmp_path):
    text = ("instrument_id,type,market,mwh,ef_kg_per_mwh,vintage_start,vintage_end,qc_3\n"
            "a,eac,FR,,0,2025-01-01,2025-12-31,\n"
            "b,coupon,FR,1,0,2025-01-01,2025-12-31,\n"
            "c,eac,FR,1,0,2025-01-01,2025-12-31,maybe\n")
    with pytest.raises(InputRejectedError) as caught:
        imports.import_file(project, write(tmp_path, "i.csv", text), imports.ImportOptions(kind="instruments"))
    reasons = {problem.row: (problem.column, problem.reason) for problem in caught.value.problems}
    assert reasons == {2: ("mwh", "certificates and PPAs need their MWh"),
                       3: ("type", "must be one of eac_other, go, green_tariff, i_rec, offset, ppa_physical, "
                                   "ppa_sleeved, ppa_virtual, rec, rego, supplier_rate"),
                       4: ("qc_3", "not yes/no (use yes, no, pass, fail, 1 or 0)")}


def test_scope1_record_without_factor_rejected(project, tmp_path):
    text = ("record_id,kind,substance,amount,unit,date\n"
            "ok,fuel,diesel,10,L,2025-01-01\n"
            "coal,fuel,coal,10,GJ,2025-01-01\n")
    with pytest.raises(InputRejectedError) as caught:
        imports.import_file(project, write(tmp_path, "s.csv", text), imports.ImportOptions(kind="scope1", strict=True))
    assert caught.value.row == 3
    assert caught.value.column == "fuel"
    assert "no default factors for fuel 'coal'" in str(caught.value)
    assert project.conn.execute("SELECT count(*) FROM scope1_activities").fetchone()[0] == 0
    partial = imports.import_file(project, write(tmp_path, "s1.csv", text), imports.ImportOptions(kind="scope1"))
    assert partial.rows_accepted == 1
    assert [(problem.row, problem.column, problem.value) for problem in partial.rejected] == [(3, "fuel", "coal")]
    assert project.conn.execute("SELECT record_id FROM scope1_activities").fetchall() == [("ok",)]
    stated = text.replace("coal,fuel,coal,10,GJ,2025-01-01", "coal,fuel,coal,10,GJ,2025-01-01,0.1")
    stated = stated.replace("date\n", "date,co2e_kg_per_unit\n")
    report = imports.import_file(project, write(tmp_path, "s2.csv", stated), imports.ImportOptions(kind="scope1"))
    assert report.rows_accepted == 2


def test_instrument_without_factor(project, tmp_path):
    text = ("instrument_id,type,market,mwh,ef_kg_per_mwh,vintage_start,vintage_end\n"
            "go,eac,FR,1,,2025-01-01,2025-12-31\n"
            "tariff,supplier,FR,,,2025-01-01,2025-12-31\n")
    report = imports.import_file(project, write(tmp_path, "i.csv", text), imports.ImportOptions(kind="instruments"))
    assert report.rows_accepted == 1
    assert report.rejected[0].reason == "a supplier rate needs its emission factor"
    assert any("read as zero-emission generation" in note for note in report.notes)


def test_site_without_market_uses_zone(site_project):
    inventory_inputs.configure_site_inventory(site_project, "hall", market="")
    entities.configure_site(site_project, "annex", grid_zone="FR")
    inventory_inputs.configure_site_inventory(site_project, "annex", market="FR")
    stored = site_project.conn.execute("SELECT market FROM site_inventory ORDER BY site_id").fetchall()
    outcome = inventory.compute_inventory(site_project, period=compute.reporting_period("2025-03"))
    data = outcome.as_json()

    assert stored == [(None,), ("FR",)]
    assert [site["market"] for site in data["scope2"]["sites"]] == ["FR", "FR"]
    # As with the market stated: the GO covers 100 kWh and the residual mix the rest.
    assert outcome.totals["scope2_market_co2e_kg"] == pytest.approx(420 * 0.2)


def test_register_rows_become_engine_instruments(project, tmp_path):
    text = ("instrument_id,type,mwh,vintage_start,vintage_end,market,ef_kg_per_mwh,certificate_serials,"
            "retirement_date,qc_1,qc_5,qc_5_note\n"
            "GO-7,GO,3,2025-01-01,2025-06-30,FR,0,\"AIB-1, AIB-2\",2025-08-01,yes,no,issued in NO\n"
            "VPPA,virtual PPA,4,2025-01-01,2025-12-31,FR,0,,,,,\n"
            "TARIFF,green tariff,,2025-01-01,2025-12-31,FR,12,,,,,\n")
    imports.import_file(project, write(tmp_path, "register.csv", text), imports.ImportOptions(kind="instruments"))
    found = {item.instrument_id: item for item in inventory_inputs.load_instruments(project)}

    assert {name: item.type for name, item in found.items()} == {"GO-7": "eac", "VPPA": "ppa", "TARIFF": "supplier"}
    go = found["GO-7"]
    assert go.vintage_start_s == datetime(2025, 1, 1, tzinfo=timezone.utc).timestamp()
    # The vintage end date is inclusive: the GO covers all of 30 June.
    assert go.vintage_end_s == datetime(2025, 7, 1, tzinfo=timezone.utc).timestamp()
    assert go.certificate_ids == ("AIB-1", "AIB-2")
    assert go.criteria == {1: True, 5: False}
    assert go.criteria_notes == {5: "issued in NO"}
    assert go.retired is True
    assert found["TARIFF"].mwh is None
    assert found["TARIFF"].ef_kg_per_mwh == 12.0
    assert found["VPPA"].mwh == 4.0


def test_scope1_units_reach_engine(project, tmp_path):
    text = ("activity,period_start,quantity,unit,fuel,gas\n"
            "fuel,2025-02-01,10,gal,diesel,\n"
            "fuel,2025-02-01,100,therm,natural gas,\n"
            "refrigerant,2025-05-01,1500,g,,R-410A\n"
            "fuel,2025-02-01,50,m3,natural gas,\n")
    report = imports.import_file(project, write(tmp_path, "s1.csv", text), imports.ImportOptions(kind="scope1"))
    activities = inventory_inputs.load_scope1_activities(project)
    stock = inventory.compute_inventory(project, period=compute.reporting_period("2025"))
    lines = {line.activity_id: line for line in stock.result.scope1.lines}

    assert [(problem.row, problem.column, problem.value) for problem in report.rejected] == [(5, "unit", "m3")]
    assert [(item.substance, item.unit) for item in activities] == [("diesel", "gal"), ("natural_gas", "therm"),
                                                                    ("R-410A", "g")]
    assert [item.activity_id for item in activities] == ["row 2", "row 3", "row 4"]
    assert lines["row 2"].fuel_gj == pytest.approx(10 * 3.785411784 * 0.84 * 43.0 / 1000)
    assert lines["row 3"].fuel_gj == pytest.approx(100 * 0.105505585)
    assert lines["row 4"].co2e_kg == pytest.approx(1.5 * 2255.5)


def test_factor_basis_fills_only_unstated_datasets(project, tmp_path):
    plain = "zone,period_start,period_end,co2e_g_per_kwh,source\nFR,2025-01-01,2025-12-31,95,residual\n"
    stated = ("zone,period_start,period_end,co2e_g_per_kwh,source,basis\n"
              "FR,2025-01-01,2025-12-31,50,grid average,location\n")
    imports.import_file(project, write(tmp_path, "plain.csv", plain),
                        imports.ImportOptions(kind="factors", factor_basis="residual_mix"))
    with pytest.raises(InputRejectedError, match="contains location factors, but the import states the factor "
                                                 "basis residual_mix"):
        imports.import_file(project, write(tmp_path, "stated.csv", stated),
                            imports.ImportOptions(kind="factors", factor_basis="residual_mix"))
    with pytest.raises(UsageError, match="unknown factor basis 'grid'"):
        imports.import_file(project, write(tmp_path, "stated.csv", stated),
                            imports.ImportOptions(kind="factors", factor_basis="grid"))
    imports.import_file(project, write(tmp_path, "stated.csv", stated), imports.ImportOptions(kind="factors"))
    bases = project.conn.execute("SELECT name, basis FROM factor_datasets ORDER BY id").fetchall()
    model = compute.FootprintModel(project)

    assert bases == [("plain", "residual_mix"), ("stated", "location")]
    assert list(model.basis_tables("residual_mix")["FR"].g_per_kwh) == [95.0]
    assert list(model.prepared.factor_tables["FR"].g_per_kwh) == [50.0]
