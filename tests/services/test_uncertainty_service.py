"""Distributions stored in assumption sets, the uncertainty and compare services and their commands, on real files."""

from __future__ import annotations

import json

import pytest

from workbench.cli import main
from workbench.engine.uncertainty.distributions import Z95, Distribution
from workbench.errors import AssumptionError, OperationCancelled
from workbench.progress import Progress
from workbench.project import assumption_sets, audit
from workbench.services import assumptions, comparison, distributions, imports, projects, uncertainty


@pytest.fixture
def telemetry_project(tmp_path, samples):
    """A project with a real nvidia-smi log on a site with an annual factor and one asset line."""
    path = tmp_path / "u.cwb"
    factors = tmp_path / "factors.csv"
    factors.write_text("zone,period_start,period_end,co2e_g_per_kwh,source\nCN,2025-01-01,2025-12-31,550,test\n")
    assets = tmp_path / "assets.csv"
    assets.write_text("item,category,quantity,acquired,embodied_co2e_kg_per_unit,lifetime_years,site,embodied_source\n"
                      "GPU server,server,2,2024-01-15,3700,5,lab,vendor PCF\n")
    with projects.new_project(path, "uncertainty") as project:
        from workbench.services import entities

        entities.configure_site(project, "lab", grid_zone="CN", timezone="Asia/Shanghai")
        log = samples / "nvidia_smi" / "xypp3__gpu_glasses__nvidia_smi.csv"
        imports.import_file(project, log, imports.ImportOptions(kind="gpu-log", site="lab", run="glasses"))
        imports.import_file(project, factors, imports.ImportOptions(kind="factors"))
        imports.import_file(project, assets, imports.ImportOptions(kind="procurement"))
    return path


def run_cli(capsys, *args) -> tuple[int, str]:
    code = main([str(arg) for arg in args])
    return code, capsys.readouterr().out


def test_distribution_is_stored_inherited_and_audited(telemetry_project):
    with projects.open_existing(telemetry_project) as project:
        changes = distributions.change(project, "baseline", {"pue": Distribution("triangular", (1.4, 1.55, 1.8))},
                                       rationale="operator range")
        assumptions.create_set(project, "child", "baseline")
        child = distributions.snapshot(project, "child")
        values = assumptions.resolve(project, "baseline")
        entries = [entry for entry in audit.read_entries(project.conn) if entry["action"] == "set_distribution"]
        chain_ok = audit.verify_chain(project.conn).ok

    assert changes[0]["new"] == {"kind": "triangular", "low": 1.4, "mode": 1.55, "high": 1.8, "relative": False}
    assert child.lookup("pue").distribution == Distribution("triangular", (1.4, 1.55, 1.8))
    assert child.lookup("pue").origin == "baseline"
    # A distribution alone leaves the value inherited: still the shipped default.
    assert values["pue"].origin == "default"
    assert values["pue"].value == 1.55
    assert len(entries) == 1
    assert entries[0]["details"]["key"] == "pue"
    assert chain_ok


def test_value_and_distribution_share_a_row(telemetry_project):
    with projects.open_existing(telemetry_project) as project:
        distributions.change(project, "baseline", {"pue": Distribution.normal_u95(0.03)}, rationale="measured")
        assumptions.change(project, "baseline", {"pue": 1.3}, rationale="measured 2025")
        stored = assumption_sets.stored_distributions(project.conn, "baseline")
        value = assumptions.resolve(project, "baseline")["pue"]
        distributions.change(project, "baseline", {"pue": None}, rationale="back to the default")
        cleared = assumption_sets.stored_distributions(project.conn, "baseline")
        kept = assumptions.resolve(project, "baseline")["pue"]

    assert stored["pue"].distribution["kind"] == "normal"
    assert stored["pue"].rationale == "measured"
    assert (value.value, value.origin, value.rationale) == (1.3, "baseline", "measured 2025")
    assert "pue" not in cleared
    assert (kept.value, kept.origin) == (1.3, "baseline")


def test_distribution_changes_are_checked(telemetry_project):
    with projects.open_existing(telemetry_project) as project:
        with pytest.raises(AssumptionError, match="rationale"):
            distributions.change(project, "baseline", {"pue": Distribution.normal_u95(0.1)}, rationale=" ")
        with pytest.raises(AssumptionError, match="no uncertain input"):
            distributions.change(project, "baseline", {"pue_x": Distribution.normal_u95(0.1)}, rationale="x")
        with project.transaction():
            assumption_sets.lock_set(project.conn, "baseline")
        with pytest.raises(AssumptionError, match="locked"):
            distributions.change(project, "baseline", {"pue": Distribution.normal_u95(0.1)}, rationale="x")
        assert assumption_sets.stored_distributions(project.conn, "baseline") == {}


def test_export_and_import_with_stats_arrays_codes(telemetry_project, tmp_path):
    with projects.open_existing(telemetry_project) as project:
        distributions.change(project, "baseline", {"pue": Distribution("triangular", (1.4, 1.55, 1.8)),
                                                   "meter:main": Distribution.rectangular(0.005)},
                             rationale="site survey")
        exported = distributions.export(project, "baseline")
        path = tmp_path / "exchange.json"
        path.write_text(json.dumps(exported))
        read = distributions.read_file(path)
        distributions.change(project, "copy", read, rationale="imported from the exchange file", base="baseline")
        copied = distributions.snapshot(project, "copy")

    rows = {row["key"]: row for row in exported["distributions"]}
    assert rows["pue"]["uncertainty_type"] == 5
    assert (rows["pue"]["loc"], rows["pue"]["minimum"], rows["pue"]["maximum"]) == (1.55, 1.4, 1.8)
    assert rows["embodied.pcf"]["uncertainty_type"] == 2
    assert rows["meter:main"]["uncertainty_type"] == 4
    assert rows["node_uplift"]["uncertainty_type"] == 5
    assert copied.lookup("pue").distribution.params == pytest.approx((1.4, 1.55, 1.8))
    assert copied.lookup("embodied.pcf").distribution.kind == "lognormal"
    assert copied.lookup("meter:main").distribution.params == pytest.approx((0.995, 1.005))


def test_analysis_is_reproducible_from_its_seed(telemetry_project):
    with projects.open_existing(telemetry_project, read_only=True) as project:
        first = uncertainty.analyze(project, trials=5_000, seed=7).as_json()
        second = uncertainty.analyze(project, trials=5_000, seed=7).as_json()
        other = uncertainty.analyze(project, trials=5_000, seed=8).as_json()

    assert first["monte_carlo"] == second["monte_carlo"]
    assert first["inputs_sha256"] == second["inputs_sha256"]
    assert other["inputs_sha256"] != first["inputs_sha256"]
    total = first["monte_carlo"]["outputs"]["total_co2e_kg"]
    assert total["point"] == pytest.approx(first["point"]["total_co2e_kg"])
    assert total["interval_95"][0] < total["point"] < total["interval_95"][1]
    names = {item["name"] for item in first["inputs"]}
    assert {"pue", "node_uplift", "ef.location.annual:CN:factor 1"} <= names
    assert any(name.startswith("embodied.pcf:GPU server") for name in names)
    shares = first["sensitivity"]["contribution_to_variance"]
    assert sum(item["share_of_variance"] for item in shares) == pytest.approx(1.0)


def test_live_interval_matches_approach1_and_switches(telemetry_project):
    with projects.open_existing(telemetry_project) as project:
        context = uncertainty.UncertaintyContext(project)
        a = assumptions.snapshot(project)
        distributions.change(project, "baseline", {"embodied.pcf": Distribution.normal_u95(0.2)}, rationale="PCF")
        live = uncertainty.live_interval(context, a, distributions.snapshot(project), view="footprint")
        distributions.change(project, "baseline", {"pue": Distribution.normal_u95(0.8)}, rationale="unknown site")
        wide = uncertainty.live_interval(context, a, distributions.snapshot(project), view="footprint")

    operational = live.intervals["operational_co2e_kg"]
    assert live.method == "approach1"
    assert operational.high - operational.point == pytest.approx(operational.point - operational.low)
    assert wide.method == "monte_carlo"
    assert "replaced by Monte Carlo" in wide.notes[-1]


def test_monte_carlo_iterator_reports_batches_and_cancels(telemetry_project):
    with projects.open_existing(telemetry_project, read_only=True) as project:
        context = uncertainty.UncertaintyContext(project)
        run = uncertainty.monte_carlo(context, assumptions.snapshot(project), distributions.snapshot(project),
                                      ndig=1)
        reports = list(run)
        result = run.result()
        progress = Progress(operation="Monte Carlo")
        progress.cancel()
        again = uncertainty.monte_carlo(context, assumptions.snapshot(project), distributions.snapshot(project))
        with pytest.raises(OperationCancelled):
            again.run(progress)

    assert [report.trials for report in reports] == [10_000 * (i + 1) for i in range(len(reports))]
    assert reports[-1].converged is True
    assert result.trials == reports[-1].trials


def test_compare_sets_deltas_intervals_and_causes(telemetry_project):
    with projects.open_existing(telemetry_project) as project:
        assumptions.change(project, "efficient", {"pue": 1.1, "node_uplift": 1.2}, rationale="new hall",
                           base="baseline")
        outcome = comparison.compare_sets(project, ["baseline", "efficient"], trials=20_000, seed=3)
        data = outcome.as_json()

    delta = data["point_deltas"]["efficient"]["total_co2e_kg"]
    assert delta < 0
    total = next(item for item in data["monte_carlo"]["differences"] if item["output"] == "total_co2e_kg")
    common = total["common_random_numbers"]["interval_95"]
    independent = total["independent_draws"]["interval_95"]
    assert common[1] - common[0] < independent[1] - independent[0]
    assert total["probability_set_below_reference"] > 0.99
    shares = {share["factor"]: share["shapley"]["total_co2e_kg"] for share in data["decomposition"][0]["shares"]}
    assert set(shares) == {"pue", "node_uplift"}
    assert sum(shares.values()) == pytest.approx(delta, rel=1e-12)
    assert data["per_run"][0]["run"] == "glasses"
    assert data["per_run"][0]["delta_co2e_kg[efficient]"] == pytest.approx(delta, rel=1e-12)


def test_cli_sets_distributions_and_runs_uncertainty(telemetry_project, capsys, tmp_path):
    exported = tmp_path / "out.json"
    code, out = run_cli(capsys, "assumptions", telemetry_project, "pue=1.28", "--distribution",
                        "pue=triangular:1.2,1.28,1.4", "--distribution", "ef.location.annual=normal:8%",
                        "--rationale", "operator data", "--export-distributions", exported)
    assert code == 0
    assert "baseline: pue 1.55 -> 1.28" in out
    rows = {row["key"]: row for row in json.loads(exported.read_text())["distributions"]}
    assert rows["ef.location.annual"]["scale"] == pytest.approx(0.08 / Z95)

    code, out = run_cli(capsys, "uncertainty", telemetry_project, "--trials", "3000", "--seed", "5", "--json")
    data = json.loads(out)
    assert code == 0
    assert data["monte_carlo"]["trials"] == 3000
    assert data["monte_carlo"]["seed"] == 5
    pue = next(item for item in data["inputs"] if item["name"] == "pue")
    assert pue["distribution"] == {"kind": "triangular", "low": 1.2, "mode": 1.28, "high": 1.4, "relative": False}
    assert {"point", "analytic", "monte_carlo", "sensitivity", "inputs", "pooled_families"} <= set(data)

    code, out = run_cli(capsys, "uncertainty", telemetry_project, "--view", "inventory", "--trials", "2000",
                        "--json")
    assert json.loads(out)["main_output"] == "total_location_based_co2e_kg"


def test_cli_compare_and_errors(telemetry_project, capsys):
    run_cli(capsys, "assumptions", telemetry_project, "--set", "b", "--from", "baseline", "pue=1.2",
            "--rationale", "x")
    code, out = run_cli(capsys, "compare", telemetry_project, "--set", "baseline", "--set", "b", "--trials", "2000",
                        "--json")
    data = json.loads(out)
    assert code == 0
    assert data["reference"] == "baseline"
    assert [item["name"] for item in data["sets"]] == ["baseline", "b"]
    assert data["decomposition"][0]["shares"][0]["factor"] == "pue"
    code, out = run_cli(capsys, "compare", telemetry_project, "--set", "baseline")
    assert code == 2
    code, out = run_cli(capsys, "assumptions", telemetry_project, "--distribution", "pue=gamma:1", "--rationale", "x")
    assert code == 2


@pytest.mark.parametrize("view", ["footprint", "inventory"])
def test_empty_project_has_zero_spread(project, view):
    data = uncertainty.analyze(project, view=view, trials=1_000).as_json()
    main = data["main_output"]
    assert data["point"][main] == 0.0
    assert data["monte_carlo"]["outputs"][main]["sd"] == 0.0
    assert data["inputs"] == []
