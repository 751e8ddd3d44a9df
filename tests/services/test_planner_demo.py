"""The demo's reduction plan: every lever gives an interval, a final signed export carries it and verifies,
and no total anywhere includes avoided emissions."""

from __future__ import annotations

import json
import math

import pytest
import shutil
import subprocess

from openpyxl import load_workbook

from workbench.cli import main
from workbench.engine.planner.levers import KINDS
from workbench.engine.uncertainty.montecarlo import DEFAULT_SEED
from workbench.reports import disclosure as d
from workbench.reports import pdf, xlsx
from workbench.reports.keys import create_self_signed_p12
from workbench.services import compute, demo, exports, inventory, planner, planner_store, verification

TRIALS = 3000
PASSWORD = b"plan exports"
EXPORTS = {"xlsx": "plan.xlsx", "pdf": "plan.pdf", "json": "plan.json", "esrs-json": "plan-esrs.json"}
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def recalculate(path, folder):
    """Return the workbook as LibreOffice recalculates it, values only."""
    out = folder / "recalculated"
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{folder / 'lo-profile'}", "--headless", "--convert-to",
                    "xlsx", "--outdir", str(out), str(path)], check=True, capture_output=True, timeout=180)
    return load_workbook(out / path.name, data_only=True)


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("plan") / "demo.cwb"
    demo.build_demo_project(path).close()
    return path


@pytest.fixture(scope="module")
def demo_plan(demo_path):
    from workbench.services import projects

    with projects.open_existing(demo_path) as project:
        return planner.plan(project, trials=TRIALS)


def all_keys(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from all_keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from all_keys(item)


def test_every_lever_kind_has_an_interval(demo_plan):
    kinds = {item.kind for item in demo_plan.levers}
    assert kinds == set(KINDS)
    for item in demo_plan.levers:
        a = item.avoided
        assert math.isfinite(a.point_kg), item.name
        assert a.low_kg < a.high_kg, item.name
        assert a.low_kg <= a.mean_kg <= a.high_kg, item.name
        assert a.trials == TRIALS


def test_demo_figures(demo_plan):
    by_kind = {item.kind: item for item in demo_plan.levers}
    footprint = demo_plan.reference["footprint_total_co2e_kg"]

    # 2 MWh of guarantees of origin replace 2 MWh of the 95 g/kWh French residual mix.
    assert by_kind["procurement"].avoided.point_kg == pytest.approx(190.0)
    # The evaluation run's facility energy (21.6 kWh x 1.35 x 1.28) moves from 360 to 48 g/kWh.
    assert by_kind["relocation"].avoided.point_kg == pytest.approx(21.6 * 1.35 * 1.28 * (0.360 - 0.048))
    assert by_kind["combination"].interaction["interaction_co2e_kg"] != pytest.approx(0.0, abs=1e-6)
    assert by_kind["time_shift"].details[0]["candidates"] > 1
    assert all(item.share == pytest.approx(item.avoided.point_kg / footprint)
               for item in demo_plan.levers if item.view == "footprint")
    assert [row["rank"] for row in demo_plan.table()] == list(range(1, len(KINDS) + 1))
    avoided = [row["avoided_tco2e"] for row in demo_plan.table()]
    assert avoided == sorted(avoided, reverse=True)


def test_chart_data_matches_table(demo_plan):
    chart = demo_plan.chart_data()
    table = demo_plan.table()
    assert chart["labels"] == [row["lever"] for row in table]
    assert chart["avoided"] == [row["avoided_tco2e"] for row in table]
    assert chart["low"] == [row["low_tco2e"] for row in table]
    assert chart["unit"] == "tCO2e"


@pytest.fixture(scope="module")
def plan_exports(demo_path, tmp_path_factory):
    """Final, signed exports of the demo with the reduction plan, in every format with totals."""
    from workbench.services import projects

    folder = tmp_path_factory.mktemp("plan-exports")
    key = create_self_signed_p12(folder / "auditor.p12", PASSWORD, common_name="Plan Auditor")
    results = {}
    with projects.open_existing(demo_path) as project:
        for fmt, name in EXPORTS.items():
            results[fmt] = exports.export_report(project, fmt, folder / name, with_plan=True, plan_trials=TRIALS,
                                                 sign_key=key, password=PASSWORD)
    return folder, results


def engine_totals(demo_path):
    from workbench.services import projects

    with projects.open_existing(demo_path, read_only=True) as project:
        footprint = compute.compute_footprint(project)
        stock = inventory.compute_inventory(project, period=compute.reporting_period("2025"))
    return footprint, stock


def test_final_export_with_plan_passes_checklist(plan_exports, demo_plan):
    _, results = plan_exports

    for fmt, result in results.items():
        entry = result.manifest["avoided_emissions"]
        assert result.open_items == [], fmt
        assert result.manifest["draft"] is False, fmt
        assert result.signer == "Plan Auditor", fmt
        assert (entry["seed"], entry["trials"]) == (DEFAULT_SEED, TRIALS), fmt
        assert {lever["kind"] for lever in entry["levers"]} == set(KINDS), fmt
    # The export plans with the same seed and trials as planner.plan, so it gives the same figures.
    by_name = {item.name: item for item in demo_plan.levers}
    for lever in results["json"].manifest["avoided_emissions"]["levers"]:
        assert lever["avoided_co2e_kg"] == pytest.approx(by_name[lever["set_name"]].avoided.point_kg, rel=1e-12)
        assert lever["low_co2e_kg"] == pytest.approx(by_name[lever["set_name"]].avoided.low_kg, rel=1e-12)


def test_comparison_leaves_out_lever_sets(plan_exports):
    _, results = plan_exports
    comparison = results["json"].manifest["comparison"]

    assert [item["name"] for item in comparison["sets"]] == ["baseline", "conservative"]
    document = json.loads(results["json"].path.read_bytes())
    assert list(document["assumption_sets"]) == ["baseline", "conservative"]
    assert any(note.startswith(f"{len(KINDS)} lever set(s) of the reduction planner are not compared")
               for note in document["comparison"]["notes"])


def test_no_total_includes_avoided_emissions(demo_path, demo_plan, plan_exports, capsys):
    folder, results = plan_exports
    footprint, stock = engine_totals(demo_path)
    total = footprint.totals["total_co2e_kg"]
    inventory_totals = stock.totals

    # Footprint and inventory totals are the sums of their own parts, with no lever in them.
    assert total == pytest.approx(sum(run.total_co2e_kg for run in footprint.result.runs), rel=1e-12)
    assert demo_plan.reference["footprint_total_co2e_kg"] == pytest.approx(total, rel=1e-12)
    assert inventory_totals["total_market_based_co2e_kg"] == pytest.approx(
        inventory_totals["scope1_co2e_kg"] + inventory_totals["scope2_market_co2e_kg"]
        + inventory_totals["scope3_co2e_kg"], rel=1e-12)
    # The JSON of compute and of plan: compute's totals are the engine's; plan has no totals at all.
    assert main(["compute", str(demo_path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["totals"]["total_co2e_kg"] == pytest.approx(total, rel=1e-12)
    plan_json = demo_plan.as_json()
    assert "totals" not in set(all_keys(plan_json))
    assert plan_json["kind"] == "avoided_emissions"
    assert "totals" not in set(all_keys(results["json"].manifest["avoided_emissions"]))

    # Every manifest, and the JSON documents' totals and ESRS tables, carry the engine's totals.
    for fmt, result in results.items():
        assert result.manifest["figures"]["totals"]["total_co2e_kg"] == pytest.approx(total, rel=1e-12), fmt
        for key, value in result.manifest["inventory"]["totals"].items():
            assert value == pytest.approx(inventory_totals[key], rel=1e-12, abs=1e-12), (fmt, key)
    document = json.loads(results["json"].path.read_bytes())
    assert document["footprint"]["totals"]["total_co2e_kg"] == pytest.approx(total, rel=1e-12)
    assert document["inventory"]["totals"]["total_market_based_co2e_kg"] == pytest.approx(
        inventory_totals["total_market_based_co2e_kg"], rel=1e-12)
    for esrs in (document["esrs"]["e1_6"], json.loads(results["esrs-json"].path.read_bytes())["e1_6"]):
        rows = {row["key"]: row["value"] for row in esrs}
        assert rows["total_market_t"] == pytest.approx(inventory_totals["total_market_based_co2e_kg"] / 1000)
        assert rows["total_location_t"] == pytest.approx(inventory_totals["total_location_based_co2e_kg"] / 1000)
        assert rows["scope2_market_t"] == pytest.approx(inventory_totals["scope2_market_co2e_kg"] / 1000)

    # The workbook: no formula and no named total reads the Avoided emissions sheet, and the engine check
    # (formula beside engine value) covers every total.
    workbook = load_workbook(results["xlsx"].path)
    formulas = [cell.value for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row
                if cell.data_type == "f"]
    assert len(formulas) > 100
    assert [formula for formula in formulas if "Avoided" in formula] == []
    names = {name: item.attr_text for name, item in workbook.defined_names.items()}
    assert names["footprint_total_co2e_kg"].startswith("'Summary'!")
    assert names["inventory_total_market_based_co2e_kg"].startswith("'Summary'!")
    assert [name for name, target in names.items() if "Avoided" in target] == []
    engine_check = {(row[0], row[1], row[2]): row[4] for row in workbook[d.ENGINE_CHECK].iter_rows(
        min_row=3, max_col=5, values_only=True) if row[0]}
    assert engine_check[("footprint", "all runs", "total_co2e_kg")] == pytest.approx(total, rel=1e-12)
    for key in ("total_location_based_co2e_kg", "total_market_based_co2e_kg", "scope2_market_co2e_kg"):
        assert engine_check[("inventory", "totals", key)] == pytest.approx(inventory_totals[key], rel=1e-12), key
    if SOFFICE:
        recalculated = recalculate(results["xlsx"].path, folder)
        for view, subject, key, formula_value, engine_value in recalculated[d.ENGINE_CHECK].iter_rows(
                min_row=3, max_col=5, values_only=True):
            if view:
                assert formula_value == pytest.approx(engine_value, rel=1e-9, abs=1e-12), (view, subject, key)
        summary = {row[0]: row[1] for row in recalculated[d.SUMMARY].iter_rows(min_row=3, max_col=2,
                                                                                values_only=True)}
        assert summary["Total emissions"] == pytest.approx(total, rel=1e-9)
        assert summary["Total, with market-based Scope 2"] == pytest.approx(
            inventory_totals["total_market_based_co2e_kg"], rel=1e-9)
        assert summary["Total, with location-based Scope 2"] == pytest.approx(
            inventory_totals["total_location_based_co2e_kg"], rel=1e-9)

    # The PDF: the executive summary shows the engine's totals.
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(results["pdf"].path), "-"], check=True,
                              capture_output=True, text=True).stdout
        all_runs = next(line for line in text.splitlines() if line.strip().startswith("All runs"))
        assert pdf.format_number(total) in all_runs.split()
        market = next(line for line in text.splitlines() if line.strip().startswith("Total with market-based"))
        assert pdf.format_number(inventory_totals["total_market_based_co2e_kg"]) in market
        assert "Avoided emissions of 8 reduction lever(s) are reported" in text


def test_verify_repeats_the_plan(demo_path, plan_exports):
    _, results = plan_exports

    for fmt in ("pdf", "xlsx", "json"):
        report = verification.verify_file(results[fmt].path, project_path=demo_path)
        assert report.problems == [], fmt
        assert report.ok is True, fmt
        assert report.numbers_ok is True, fmt


def test_verify_names_changed_reuse_record(demo_path, plan_exports, tmp_path):
    from workbench.services import projects

    _, results = plan_exports
    copy = tmp_path / "changed.cwb"
    shutil.copy(demo_path, copy)
    with projects.open_existing(copy) as project:
        planner_store.mark_reuse(project, "llm-7b-ablation", relation="retrained", base_model="llm-7b",
                                 alternative={"accelerators": 8, "accelerator_hours": 32, "avg_power_w": 600,
                                              "power_basis": "board"}, source="a longer continued training")

    report = verification.verify_file(results["json"].path, project_path=copy)

    assert report.ok is False
    assert report.numbers_ok is False
    reuse = [problem for problem in report.problems if problem.startswith("avoided emissions of lever 'baseline "
                                                                         "what-if: reuse': avoided_co2e_kg is ")]
    assert len(reuse) == 1
    assert f"when the plan is repeated with seed {DEFAULT_SEED}" in reuse[0]
    # Only the reuse lever depends on the record.
    assert not [problem for problem in report.problems if "lever 'baseline what-if: time shift" in problem]


def test_verify_names_changed_lever_distribution(demo_path, plan_exports, tmp_path):
    from workbench.services import distributions, projects

    _, results = plan_exports
    copy = tmp_path / "changed.cwb"
    shutil.copy(demo_path, copy)
    with projects.open_existing(copy) as project:
        lever = next(item.name for item in planner_store.list_levers(project) if item.spec.kind == "time_shift")
        distributions.change(project, lever, distributions.parse_assignments(["pue=uniform:1.2,1.4"]),
                             rationale="wider PUE range")

    report = verification.verify_file(results["json"].path, project_path=copy)

    assert report.ok is False
    assert f"the distributions of lever set '{lever}' changed since export" in report.problems


def test_verify_names_removed_lever(demo_path, plan_exports, tmp_path):
    import sqlite3

    _, results = plan_exports
    copy = tmp_path / "changed.cwb"
    shutil.copy(demo_path, copy)
    raw = sqlite3.connect(copy)
    name = raw.execute("SELECT s.name FROM planner_levers l JOIN assumption_sets s ON s.id = l.set_id"
                       " WHERE l.kind = 'experiments'").fetchone()[0]
    raw.execute("DELETE FROM planner_levers WHERE kind = 'experiments'")
    raw.commit()
    raw.close()

    report = verification.verify_file(results["json"].path, project_path=copy)

    assert report.ok is False
    assert f"lever set '{name}' of the avoided emissions is no longer a lever in the project" in report.problems


def test_demo_levers_stored_with_parent(demo_path):
    from workbench.services import projects

    with projects.open_existing(demo_path, read_only=True) as project:
        levers = planner_store.list_levers(project)
        logged = project.conn.execute("SELECT count(*) FROM audit_log WHERE action = 'save_lever'").fetchone()[0]
    assert {lever.spec.kind for lever in levers} == set(KINDS)
    assert {lever.parent for lever in levers} == {"baseline"}
    assert logged == len(KINDS)
