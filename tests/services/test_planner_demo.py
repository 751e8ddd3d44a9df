"""The demo's reduction plan: every lever gives an interval, and no total anywhere includes avoided emissions."""

from __future__ import annotations

import json
import math
import re

import pytest
import shutil
import subprocess

from openpyxl import load_workbook

from workbench.cli import main
from workbench.engine.planner.levers import KINDS
from workbench.reports import pdf, planner_appendix, xlsx
from workbench.services import compute, demo, exports, inventory, planner, planner_store

TRIALS = 3000
SUM_FORMULA = re.compile(r"^=SUM\(Runs!([A-Z]+)(\d+):([A-Z]+)(\d+)\)$")


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


def test_no_total_includes_avoided_emissions(demo_path, demo_plan, tmp_path, capsys):
    from workbench.services import projects

    with projects.open_existing(demo_path) as project:
        footprint = compute.compute_footprint(project)
        stock = inventory.compute_inventory(project)
        export = exports.export_report(project, "xlsx", tmp_path / "plan.xlsx", with_plan=True, plan_trials=TRIALS)
        pdf_export = exports.export_report(project, "pdf", tmp_path / "plan.pdf", with_plan=True,
                                           plan_trials=TRIALS)
        instruments = project.conn.execute("SELECT count(*) FROM instruments").fetchone()[0]
    total = footprint.totals["total_co2e_kg"]
    runs_total = sum(run.total_co2e_kg for run in footprint.result.runs)

    # Footprint and inventory totals are the sums of their own parts, with no lever in them.
    assert total == pytest.approx(runs_total)
    assert demo_plan.reference["footprint_total_co2e_kg"] == pytest.approx(total)
    assert stock.totals["total_market_based_co2e_kg"] == pytest.approx(
        stock.totals["scope1_co2e_kg"] + stock.totals["scope2_market_co2e_kg"] + stock.totals["scope3_co2e_kg"])
    assert instruments == 4
    # The JSON of compute and of plan: compute's totals are the engine's; plan has no totals at all.
    assert main(["compute", str(demo_path), "--json"]) == 0
    computed = json.loads(capsys.readouterr().out)
    assert computed["totals"]["total_co2e_kg"] == pytest.approx(total)
    plan_json = demo_plan.as_json()
    assert "totals" not in set(all_keys(plan_json))
    assert plan_json["kind"] == "avoided_emissions"
    # The report: Summary totals are SUMs over the Runs sheet, the manifest has the engine's totals,
    # and the appendix sheet contains values only.
    workbook = load_workbook(export.path)
    formulas = [cell.value for row in workbook["Summary"].iter_rows() for cell in row
                if isinstance(cell.value, str) and cell.value.startswith("=")]
    assert formulas and all(SUM_FORMULA.match(formula) for formula in formulas)
    assert sum(run["total_co2e_kg"] for run in xlsx.read_run_figures(workbook)) == pytest.approx(total)
    assert export.manifest["figures"]["totals"]["total_co2e_kg"] == pytest.approx(total)
    appendix = workbook[planner_appendix.SHEET]
    assert not [cell.value for row in appendix.iter_rows() for cell in row
                if isinstance(cell.value, str) and cell.value.startswith("=")]
    assert pdf_export.manifest["figures"]["totals"]["total_co2e_kg"] == pytest.approx(total)
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(pdf_export.path), "-"], check=True, capture_output=True,
                              text=True).stdout
        all_runs = next(line for line in text.splitlines() if line.strip().startswith("All runs"))
        assert all_runs.split()[-1] == pdf.format_number(total)
        assert "Appendix: avoided emissions by reduction lever" in text


def test_demo_levers_stored_with_parent(demo_path):
    from workbench.services import projects

    with projects.open_existing(demo_path, read_only=True) as project:
        levers = planner_store.list_levers(project)
        logged = project.conn.execute("SELECT count(*) FROM audit_log WHERE action = 'save_lever'").fetchone()[0]
    assert {lever.spec.kind for lever in levers} == set(KINDS)
    assert {lever.parent for lever in levers} == {"baseline"}
    assert logged == len(KINDS)
