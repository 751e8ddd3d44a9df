"""The ``carbon-workbench plan`` command: JSON contract, stored levers, narratives and reuse records."""

from __future__ import annotations

import json

import pytest

from workbench.cli import main
from workbench.services import planner_store, projects


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main([str(arg) for arg in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def plan_path(tmp_path, capsys):
    path = tmp_path / "plan.cwb"
    factors = tmp_path / "factors.csv"
    factors.write_text("zone,period_start,period_end,co2e_g_per_kwh,source\n"
                       "FR,2025-03-01T00:00:00Z,2025-03-01T01:00:00Z,400,test\n"
                       "FR,2025-03-01T01:00:00Z,2025-03-01T02:00:00Z,400,test\n"
                       "FR,2025-03-01T02:00:00Z,2025-03-01T03:00:00Z,100,test\n"
                       "DE,2025-01-01,2025-12-31,300,test\n")
    runs = tmp_path / "runs.csv"
    runs.write_text("run,start,end,site,energy_kwh,power_basis,kind\n"
                    "train,2025-03-01T00:00:00Z,2025-03-01T01:00:00Z,hall,10,facility,final\n")
    assert run_cli(capsys, "new", path, "--name", "Plan CLI")[0] == 0
    assert run_cli(capsys, "site", path, "hall", "--zone", "FR")[0] == 0
    assert run_cli(capsys, "import", path, "--kind", "factors", factors)[0] == 0
    assert run_cli(capsys, "import", path, "--kind", "runs", runs)[0] == 0
    return path


def test_plan_json_contract(plan_path, capsys):
    code, out, _ = run_cli(capsys, "plan", plan_path, "--lever", "time_shift:window_hours=2",
                           "--lever", "relocation:zone=DE", "--trials", "500", "--seed", "7",
                           "--rationale", "scheduler study", "--json")
    data = json.loads(out)

    assert code == 0
    assert data["kind"] == "avoided_emissions"
    assert data["monte_carlo"] == {"generator": "numpy PCG64, quantile transforms of shared uniform numbers",
                                   "seed": 7, "trials": 500, "common_random_numbers": True}
    assert data["reference"]["footprint_total_co2e_kg"] == pytest.approx(4.0)
    ranked = {row["kind"]: row for row in data["ranked"]}
    # 10 kWh at 400 g/kWh moves to 02:00 (100 g/kWh) or to DE (300 g/kWh).
    assert ranked["time_shift"]["avoided_tco2e"] == pytest.approx(0.003)
    assert ranked["relocation"]["avoided_tco2e"] == pytest.approx(0.001)
    assert [row["rank"] for row in data["ranked"]] == [1, 2]
    assert ranked["time_shift"]["low_tco2e"] < ranked["time_shift"]["high_tco2e"]
    assert data["chart"]["labels"] == [row["lever"] for row in data["ranked"]]
    assert "totals" not in data
    with projects.open_existing(plan_path, read_only=True) as project:
        stored = planner_store.list_levers(project, "baseline")
    assert [lever.rationale for lever in stored] == ["scheduler study", "scheduler study"]


def test_plan_uses_stored_levers_by_default(plan_path, capsys):
    assert run_cli(capsys, "plan", plan_path, "--lever", "relocation:zone=DE", "--trials", "200")[0] == 0
    code, out, _ = run_cli(capsys, "plan", plan_path, "--trials", "200")
    assert code == 0
    assert "baseline what-if: relocation (zone DE)" in out
    assert "never deducted" in out


def test_plan_no_save_leaves_project_unchanged(plan_path, capsys):
    code, _, _ = run_cli(capsys, "plan", plan_path, "--lever", "relocation:zone=DE", "--no-save", "--trials", "200")
    with projects.open_existing(plan_path, read_only=True) as project:
        assert planner_store.list_levers(project) == []
    assert code == 0


def test_plan_narrative_and_reuse_options(plan_path, capsys):
    code, out, err = run_cli(capsys, "plan", plan_path, "--narrative", "hardware_end_of_life=Servers resold",
                             "--mark-reuse", "train:relation=fine_tuned,base_model=base,energy_kwh=100,"
                                             "power_basis=facility,source=model card table 2",
                             "--lever", "reuse", "--trials", "200", "--json")
    data = json.loads(out)
    assert code == 0, err
    assert data["narratives"][0]["text"] == "Servers resold"
    # Training from scratch: 100 kWh at 400 g/kWh against the 10 kWh fine-tune.
    assert data["ranked"][0]["avoided_tco2e"] == pytest.approx(0.036)


def test_plan_without_levers_is_a_usage_error(plan_path, capsys):
    code, _, err = run_cli(capsys, "plan", plan_path)
    assert code == 2
    assert "no levers are derived from assumption set 'baseline'" in err


def test_plan_bad_lever_is_a_usage_error(plan_path, capsys):
    code, _, err = run_cli(capsys, "plan", plan_path, "--lever", "time_shift:window_hours=-1")
    assert code == 2
    assert "must be at least 0" in err


def test_export_with_plan_flags(plan_path, tmp_path, capsys):
    assert run_cli(capsys, "plan", plan_path, "--lever", "time_shift:window_hours=2", "--trials", "200",
                   "--rationale", "scheduler study", "--json")[0] == 0
    out = tmp_path / "draft.json"
    code, printed, _ = run_cli(capsys, "export", plan_path, "--format", "json", "--out", out, "--draft",
                               "--with-plan", "--plan-trials", "300", "--seed", "11")
    document = json.loads(out.read_text(encoding="utf-8"))
    plain = tmp_path / "plain.json"
    assert run_cli(capsys, "export", plan_path, "--format", "json", "--out", plain, "--draft")[0] == 0

    assert code == 0
    assert printed.startswith(f"Wrote {out}")
    lever = document["avoided_emissions"]["levers"][0]
    assert (document["avoided_emissions"]["trials"], document["avoided_emissions"]["seed"]) == (300, 11)
    assert document["manifest"]["avoided_emissions"]["trials"] == 300
    assert lever["kind"] == "time_shift"
    # 10 kWh at 400 g/kWh moves to the 100 g/kWh hour.
    assert lever["avoided_co2e_kg"] == pytest.approx(3.0)
    assert document["footprint"]["totals"]["total_co2e_kg"] == pytest.approx(4.0)
    assert "avoided_emissions" not in json.loads(plain.read_text(encoding="utf-8"))


def test_export_with_plan_without_levers_fails(plan_path, tmp_path, capsys):
    code, _, err = run_cli(capsys, "export", plan_path, "--format", "json", "--out", tmp_path / "x.json",
                           "--draft", "--with-plan")

    assert code == 2
    assert "no levers are derived from assumption set 'baseline'" in err
    assert not (tmp_path / "x.json").exists()
