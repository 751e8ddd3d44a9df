"""The carbon-workbench command: its JSON contract and exit statuses."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest

from workbench.cli import main


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main([str(arg) for arg in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def cli_project(tmp_path, samples, capsys):
    path = tmp_path / "cli.cwb"
    factors = tmp_path / "factors.csv"
    factors.write_text("zone,period_start,period_end,co2e_g_per_kwh,source\nCN,2025-01-01,2025-12-31,550,test\n")
    assert run_cli(capsys, "new", path, "--name", "CLI")[0] == 0
    assert run_cli(capsys, "site", path, "lab", "--zone", "CN", "--timezone", "Asia/Shanghai")[0] == 0
    code, out, _ = run_cli(capsys, "import", path, "--kind", "gpu-log",
                           samples / "nvidia_smi" / "xypp3__gpu_glasses__nvidia_smi.csv", "--site", "lab",
                           "--run", "glasses")
    assert code == 0, out
    assert run_cli(capsys, "import", path, "--kind", "factors", factors)[0] == 0
    return path


def test_compute_json_contract(cli_project, capsys):
    code, out, _ = run_cli(capsys, "compute", cli_project, "--json")
    data = json.loads(out)
    assert code == 0
    assert data["project"] == "CLI"
    assert data["assumption_set"] == "baseline"
    assert data["view"] == "footprint"
    run_keys = {"run", "gpu_energy_kwh", "facility_energy_kwh", "operational_co2e_kg", "embodied_co2e_kg",
                "total_co2e_kg"}
    assert run_keys <= set(data["runs"][0])
    assert run_keys - {"run"} <= set(data["totals"])
    run = data["runs"][0]
    assert run["run"] == "glasses"
    assert run["facility_energy_kwh"] == pytest.approx(run["gpu_energy_kwh"] * 1.35 * 1.55)
    assert run["operational_co2e_kg"] == pytest.approx(run["facility_energy_kwh"] * 0.55)


def test_assumption_change_moves_compute(cli_project, capsys):
    before = json.loads(run_cli(capsys, "compute", cli_project, "--json")[1])["totals"]["facility_energy_kwh"]
    code, out, _ = run_cli(capsys, "assumptions", cli_project, "--set", "efficient", "--from", "baseline",
                           "pue=1.1", "--rationale", "operator statement 2025")
    assert code == 0
    assert "efficient: pue 1.55 -> 1.1" in out
    after = json.loads(run_cli(capsys, "compute", cli_project, "--set", "efficient", "--json")[1])
    assert after["totals"]["facility_energy_kwh"] == pytest.approx(before / 1.55 * 1.1)

    code, out, _ = run_cli(capsys, "assumptions", cli_project, "--set", "efficient", "--json")
    listed = {item["key"]: item for item in json.loads(out)["assumptions"]}
    assert listed["pue"]["value"] == 1.1
    assert listed["pue"]["origin"] == "efficient"
    assert listed["node_uplift"]["origin"] == "default"


def test_exit_status_usage_error(cli_project, capsys):
    code, _, err = run_cli(capsys, "assumptions", cli_project, "pue=abc", "--rationale", "x")
    assert code == 2
    assert "must be a number" in err
    code, _, err = run_cli(capsys, "assumptions", cli_project, "pue=1.2")
    assert code == 2
    assert "rationale" in err
    with pytest.raises(SystemExit) as caught:
        main(["compute"])
    assert caught.value.code == 2


def test_exit_status_input_rejected(cli_project, capsys, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("zone,period_start\nFR,2025\n")
    code, _, err = run_cli(capsys, "import", cli_project, "--kind", "factors", bad)
    assert code == 3
    assert "bad.csv" in err and "missing column" in err


def test_exit_status_project_file_error(tmp_path, capsys):
    foreign = tmp_path / "foreign.cwb"
    connection = sqlite3.connect(foreign)
    connection.execute("CREATE TABLE t (x)")
    connection.commit()
    connection.close()
    code, _, err = run_cli(capsys, "compute", foreign, "--json")
    assert code == 4
    assert "not a Carbon Workbench project" in err


def test_installed_entry_point_runs():
    completed = subprocess.run([sys.executable, "-m", "workbench.cli", "--version"], capture_output=True, text=True,
                               check=False)
    assert completed.returncode == 0
    assert completed.stdout.startswith("carbon-workbench ")


def test_compute_inventory_json(cli_project, capsys):
    code, out, _ = run_cli(capsys, "compute", cli_project, "--view", "inventory", "--period", "2025", "--json")
    data = json.loads(out)
    assert code == 0
    assert data["view"] == "inventory"
    assert data["period"]["label"] == "2025"
    assert {"scope1", "scope2", "scope3", "totals", "disclosures", "reconciliation"} <= set(data)
    assert data["scope2"]["location_based_co2e_kg"] == pytest.approx(data["totals"]["scope2_location_co2e_kg"])
    # No residual mix and no instruments for CN: market-based falls back to the location-based figure.
    assert data["totals"]["scope2_market_co2e_kg"] == pytest.approx(data["totals"]["scope2_location_co2e_kg"])
    assert any("no contractual instruments and no residual mix" in note for note in data["disclosures"])


def test_compute_inventory_text(cli_project, capsys):
    code, out, _ = run_cli(capsys, "compute", cli_project, "--view", "inventory")
    assert code == 0
    assert "Scope 2 location-based" in out
    assert "Scope 2 market-based" in out
    assert "Total with market-based Scope 2" in out


def test_compute_footprint_keys_added_not_renamed(cli_project, capsys):
    code, out, _ = run_cli(capsys, "compute", cli_project, "--view", "footprint", "--period", "2025", "--json")
    data = json.loads(out)
    assert code == 0
    assert {"project", "assumption_set", "view", "runs", "totals"} <= set(data)
    assert {"period", "by_kind", "models", "reconciliation", "disclosures"} <= set(data)
    assert {"measured_share", "estimated_share", "defaulted_share"} <= set(data["totals"])


def test_compute_rejects_bad_period(cli_project, capsys):
    code, _, err = run_cli(capsys, "compute", cli_project, "--period", "spring")
    assert code == 2
    assert "'spring' is not a reporting period" in err


def test_validate_command(capsys):
    code, out, _ = run_cli(capsys, "validate")
    lines = out.splitlines()
    assert code == 0
    assert lines[0].split() == ["case", "quantity", "expected", "computed", "tolerance", "pass"]
    assert lines[-1].endswith("checks pass")
    assert "llama2-model-card" in out
    assert " NO" not in out
    code, out, _ = run_cli(capsys, "validate", "--case", "WE10", "--json")
    data = json.loads(out)
    assert data["passed"] is True
    assert {check["case"] for check in data["checks"]} == {"WE10"}


def test_import_declared_runs_and_edit(cli_project, capsys, tmp_path):
    runs = tmp_path / "runs.csv"
    runs.write_text("run,start,end,site,accelerators,avg_power_w,power_basis,kind,model\n"
                    "paper,2025-05-01,2025-05-01,lab,8,400,board,final,m\n")
    code, out, _ = run_cli(capsys, "import", cli_project, "--kind", "runs", runs)
    assert code == 0, out
    assert run_cli(capsys, "site", cli_project, "lab", "--market", "CN", "--boundary", "colocation")[0] == 0
    assert run_cli(capsys, "run", cli_project, "glasses", "--model", "m")[0] == 0
    code, out, _ = run_cli(capsys, "compute", cli_project, "--model", "m", "--json")
    data = json.loads(out)
    runs_out = {run["run"]: run for run in data["runs"]}
    assert code == 0
    assert set(runs_out) == {"paper", "glasses"}
    assert runs_out["paper"]["estimated"] is True
    assert runs_out["paper"]["gpu_energy_kwh"] == pytest.approx(8 * 24 * 0.4)
    assert data["models"]["m"]["runs"] == 2
    code, _, _ = run_cli(capsys, "model", cli_project, "m", "--published-t", "1.0", "--source", "card")
    assert code == 0
    code, out, _ = run_cli(capsys, "compute", cli_project, "--model", "m", "--json")
    checks = {finding["check"] for finding in json.loads(out)["reconciliation"]}
    assert "published_total_gap" in checks


def test_import_factor_basis_option(cli_project, capsys, tmp_path):
    residual = tmp_path / "residual.csv"
    residual.write_text("zone,period_start,period_end,co2e_g_per_kwh,source\nCN,2025-01-01,2025-12-31,600,test\n")
    stated = tmp_path / "stated.csv"
    stated.write_text("zone,year,co2e_g_per_kwh,source,basis\nCN,2025,550,test,location\n")

    code, _, err = run_cli(capsys, "import", cli_project, "--kind", "factors", stated, "--factor-basis", "marginal")
    assert code == 3
    assert "contains location factors, but the import states the factor basis marginal" in err
    assert run_cli(capsys, "import", cli_project, "--kind", "factors", residual, "--factor-basis",
                   "residual_mix")[0] == 0
    code, out, _ = run_cli(capsys, "compute", cli_project, "--view", "inventory", "--period", "2025", "--json")
    totals = json.loads(out)["totals"]
    # Without instruments the whole Scope 2 electricity takes the CN residual mix.
    assert totals["scope2_energy_kwh"] > 0.001
    assert totals["scope2_market_co2e_kg"] == pytest.approx(totals["scope2_energy_kwh"] * 0.6)
    assert totals["scope2_location_co2e_kg"] == pytest.approx(totals["scope2_energy_kwh"] * 0.55)
