"""The demo project: deterministic inputs, the footprint and the inventory they give."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.services import compute, counterfactuals, demo, inventory

COMMITTED_INPUTS = Path(__file__).resolve().parents[1] / "sample_projects" / "inputs"


def test_committed_inputs_equal_the_generator(tmp_path):
    generated = demo.write_inputs(tmp_path)
    names = sorted(path.name for paths in generated.values() for path in paths)
    assert names == sorted(path.name for path in COMMITTED_INPUTS.iterdir())
    for name in names:
        assert (tmp_path / name).read_bytes() == (COMMITTED_INPUTS / name).read_bytes(), name


@pytest.fixture(scope="module")
def demo_results(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.cwb"
    with demo.build_demo_project(path) as project:
        model = compute.FootprintModel(project)
        footprint = compute.compute_footprint(project, model=model)
        stock = inventory.compute_inventory(project)
        sources = project.conn.execute("SELECT original_name, rows_rejected FROM sources ORDER BY id").fetchall()
        moved = counterfactuals.counterfactuals(model, footprint.result, shift_hours=12, zones=("DE",))
        registers = {
            "instruments": project.conn.execute(
                "SELECT instrument_id, type, mwh, retired FROM instruments ORDER BY id").fetchall(),
            "scope1": project.conn.execute(
                "SELECT record_id, activity, fuel, gas, quantity, unit FROM scope1_activities ORDER BY id").fetchall(),
            "bases": project.conn.execute("SELECT name, basis FROM factor_datasets ORDER BY id").fetchall()}
    return footprint, stock, sources, moved, registers


def test_demo_project_footprint(demo_results):
    outcome, _, sources, _, _ = demo_results
    runs = {run.run: run for run in outcome.result.runs}

    assert set(runs) == {"llm-7b-pretrain", "llm-7b-ablation", "llm-7b-eval"}
    assert runs["llm-7b-pretrain"].gpu_count == 16
    assert runs["llm-7b-ablation"].kind == "experiment"
    assert runs["llm-7b-eval"].kind == "evaluation"
    assert all(rejected == 0 for _, rejected in sources)
    assert outcome.result.warnings == ("run llm-7b-eval: no procurement records for site cloud-eu, so its embodied "
                                       "emissions are 0; import the site's asset register",)
    # 16 GPUs at about 600 W for 24 h is about 230 kWh of board energy.
    assert 200 < runs["llm-7b-pretrain"].gpu_energy_kwh < 260
    assert runs["llm-7b-pretrain"].factor_resolution_kwh.keys() == {"hourly"}
    # PUE2 site: node energy is raised by 1 % PDU-to-server losses before the PUE applies.
    assert runs["llm-7b-pretrain"].f_dist == pytest.approx(1.01)
    assert runs["llm-7b-pretrain"].facility_energy_kwh == pytest.approx(
        runs["llm-7b-pretrain"].gpu_energy_kwh * 1.35 * 1.01 * 1.28)
    assert runs["llm-7b-pretrain"].resource_share == pytest.approx(16 / 24)
    assert runs["llm-7b-pretrain"].sci_co2e_kg_per_1e9_tokens == pytest.approx(
        runs["llm-7b-pretrain"].total_co2e_kg / 13.0)
    # 8 accelerators at 450 W for 6 h, declared: board energy, then uplift and PUE.
    assert runs["llm-7b-eval"].estimated is True
    assert runs["llm-7b-eval"].gpu_energy_kwh == pytest.approx(21.6)
    assert runs["llm-7b-eval"].operational_co2e_kg == pytest.approx(21.6 * 1.35 * 1.28 * 0.360)
    assert set(outcome.result.by_model()) == {"llm-7b"}


def test_demo_inventory_shows_every_scope(demo_results):
    _, outcome, _, _, _ = demo_results
    data = outcome.as_json()
    totals = data["totals"]

    assert data["view"] == "inventory"
    assert data["period"]["label"] == "2025"
    assert "runs" not in data
    # 400 L of diesel (CO2, CH4, N2O in AR6) and 3.5 kg of R-410A at 2,255.5.
    assert data["scope1"]["fugitive_co2e_kg"] == pytest.approx(3.5 * 2255.5)
    assert data["scope1"]["gas_kg"]["CO2"] == pytest.approx(400 * 0.84 * 43.0 / 1000 * 74.1)
    assert totals["scope2_location_co2e_kg"] > 0
    market = data["scope2"]["markets"][0]
    assert market["market"] == "FR"
    assert market["covered_mwh"]["ppa"] == pytest.approx(5.0)
    assert market["covered_mwh"]["eac"] == pytest.approx(3.0)
    assert market["residual_mix_mwh"] == pytest.approx(totals["scope2_energy_kwh"] / 1000 - 8.0)
    assert totals["scope2_market_co2e_kg"] == pytest.approx(market["residual_mix_mwh"] * 95.0)
    assert [item["instrument_id"] for item in data["scope2"]["instruments_excluded"]] == ["go-spain-2025"]
    assert list(data["scope2"]["instruments_excluded"][0]["failed_criteria"]) == [5]
    assert data["offsets_reported_separately"][0]["credit_co2e_kg"] == 2000.0
    assert totals["total_market_based_co2e_kg"] == pytest.approx(
        totals["scope1_co2e_kg"] + totals["scope2_market_co2e_kg"] + totals["scope3_co2e_kg"])
    assert data["scope3"]["category_1"]["cloud_compute_kwh"] == pytest.approx(21.6 * 1.35 * 1.28)
    assert totals["scope3_category_2_co2e_kg"] == pytest.approx(800.0)
    assert data["scope3"]["category_3"]["upstream_fuels_co2e_kg"] == pytest.approx(400 * 0.6)
    assert data["scope3"]["category_3"]["calculated"] == {"3a": True, "3b": True, "3c": True}
    assert [finding["severity"] for finding in data["reconciliation"]].count("error") == 0


def test_demo_counterfactuals_beside_footprint(demo_results):
    outcome, _, _, moved, _ = demo_results
    pretrain = next(run for run in outcome.result.runs if run.run == "llm-7b-pretrain")
    shifts = [item for item in moved if item["run"] == "llm-7b-pretrain" and item["kind"] == "time_shift"]
    zones = [item for item in moved if item["run"] == "llm-7b-pretrain" and item["kind"] == "zone"]

    assert [item["basis"] for item in shifts] == ["average"]
    assert shifts[0]["actual_co2e_kg"] == pytest.approx(pretrain.operational_co2e_kg)
    assert shifts[0]["best_co2e_kg"] <= shifts[0]["median_co2e_kg"]
    assert shifts[0]["best_co2e_kg"] <= shifts[0]["actual_co2e_kg"]
    assert shifts[0]["avoided_co2e_kg"] == pytest.approx(shifts[0]["actual_co2e_kg"] - shifts[0]["best_co2e_kg"])
    assert shifts[0]["candidates"] == 25
    # DE has one annual factor of 360 g/kWh in the demo factors.
    assert zones[0]["best_co2e_kg"] == pytest.approx(pretrain.facility_energy_kwh * 0.360)
    assert zones[0]["avoided_co2e_kg"] == pytest.approx(pretrain.operational_co2e_kg - pretrain.facility_energy_kwh
                                                        * 0.360)
    # Avoided emissions stay beside the footprint: its totals do not move.
    assert outcome.result.totals["total_co2e_kg"] == pytest.approx(sum(run.total_co2e_kg
                                                                       for run in outcome.result.runs))


def test_demo_registers_read_by_the_register_readers(demo_results):
    registers = demo_results[4]
    assert registers["instruments"] == [("ppa-wind-2025", "ppa_physical", 5.0, 1),
                                        ("go-hydro-2025", "eac_other", 3.0, 1),
                                        ("go-spain-2025", "eac_other", 2.0, 1),
                                        ("credits-forestry-2025", "offset", None, 1)]
    assert registers["scope1"] == [("generator-test-2025-03", "fuel", "diesel", None, 400.0, "l"),
                                   ("chiller-top-up-2025-06", "refrigerant", None, "R-410A", 3.5, "kg")]
    assert registers["bases"] == [("grid-factors-2025", "location"), ("residual-mix-2025", "residual_mix")]
