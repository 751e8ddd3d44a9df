"""Declared runs: the runs CSV import, its rejected rows and the footprint it gives."""

from __future__ import annotations

import pytest

from workbench.errors import InputRejectedError
from workbench.services import assumptions, compute, entities, imports

FACTORS = ("zone,period_start,period_end,co2e_g_per_kwh,source\n"
           "US,2025-01-01,2025-12-31,400,test factor\n")
HEADER = ("run,start,end,site,accelerators,accelerator_model,accelerator_hours,avg_power_w,tdp_w,power_basis,"
          "energy_kwh,flops,tokens,kind\n")


@pytest.fixture
def declared_project(project, tmp_path):
    factors = tmp_path / "factors.csv"
    factors.write_text(FACTORS)
    imports.import_file(project, factors, imports.ImportOptions(kind="factors"))
    entities.configure_site(project, "cloud", grid_zone="US")
    runs = tmp_path / "runs.csv"
    runs.write_text(HEADER + "\n".join([
        "board,2025-02-01T00:00:00Z,2025-02-01T10:00:00Z,cloud,8,H100,,500,,board,,,2e9,final",
        "system,2025-02-02T00:00:00Z,2025-02-02T10:00:00Z,cloud,,,40,1000,,system,,,,experiment",
        "allin,2025-02-03,2025-02-03,cloud,,,,,,facility,1000,,,evaluation",
        "tdp,2025-02-04T00:00:00Z,2025-02-04T05:00:00Z,cloud,4,A100,,,400,board,,,,failed",
        "flops,2025-02-05T00:00:00Z,2025-02-15T00:00:00Z,cloud,,H100,,,,,,1.42416e21,,final",
        "bad-window,2025-02-06T10:00:00Z,2025-02-06T09:00:00Z,cloud,8,,,500,,board,,,,final",
        "too-many-hours,2025-02-07T00:00:00Z,2025-02-07T01:00:00Z,cloud,2,,3,500,,board,,,,final",
        "no-basis,2025-02-08T00:00:00Z,2025-02-08T01:00:00Z,cloud,2,,,,,board,,,,final",
        "bad-basis,2025-02-08T00:00:00Z,2025-02-08T01:00:00Z,cloud,2,,,300,,rack,,,,final",
        "board,2025-02-09T00:00:00Z,2025-02-09T01:00:00Z,cloud,1,,,300,,board,,,,final",
    ]) + "\n")
    report = imports.import_file(project, runs, imports.ImportOptions(kind="runs"))
    return project, report


def test_rejected_rows_name_column_and_reason(declared_project):
    _, report = declared_project
    problems = {problem.row: (problem.column, problem.reason) for problem in report.rejected}
    assert report.rows_accepted == 5
    assert problems[7] == ("end", "the run ends before it starts")
    assert problems[8][0] == "accelerator_hours"
    assert "more than accelerators x the window (2)" in problems[8][1]
    assert problems[9][0] == "energy_kwh"
    assert "no basis for the energy" in problems[9][1]
    assert problems[10] == ("power_basis", "must be one of: board, system, facility")
    assert problems[11] == ("run", "run already declared in row 2")
    assert any("read as board power" in note for note in report.notes)


def test_declared_runs_flow_through_chain(declared_project):
    project, _ = declared_project
    assumptions.change(project, "baseline", {"pue": 1.2, "node_uplift": 1.5}, rationale="test values")
    outcome = compute.compute_footprint(project)
    runs = {run.run: run for run in outcome.result.runs}

    assert runs["board"].gpu_energy_kwh == pytest.approx(8 * 10 * 0.5)
    assert runs["board"].facility_energy_kwh == pytest.approx(40 * 1.5 * 1.2)
    assert runs["board"].sci_co2e_kg_per_1e9_tokens == pytest.approx(runs["board"].total_co2e_kg / 2)
    assert runs["system"].node_energy_kwh == pytest.approx(40.0)
    assert runs["system"].facility_energy_kwh == pytest.approx(48.0)
    assert runs["system"].kind == "experiment"
    assert runs["allin"].facility_energy_kwh == pytest.approx(1000.0)
    assert runs["allin"].operational_co2e_kg == pytest.approx(400.0)
    # TDP 400 W x 4 accelerators x 5 h at the default utilization of 1.0.
    assert runs["tdp"].gpu_energy_kwh == pytest.approx(8.0)
    assert runs["flops"].energy_method == "compute"
    assert runs["flops"].accelerator_hours == pytest.approx(1.42416e21 / (989e12 * 0.4) / 3600)
    assert all(run.estimated for run in runs.values())
    assert runs["tdp"].defaulted_co2e_kg > 0

    assumptions.change(project, "half", {"tdp_utilization": 0.5}, base="baseline", rationale="measured elsewhere")
    half = {run.run: run for run in compute.compute_footprint(project, "half").result.runs}
    assert half["tdp"].gpu_energy_kwh == pytest.approx(4.0)
    assert half["tdp"].defaulted_co2e_kg == 0.0


def test_missing_energy_columns_rejected(project, tmp_path):
    path = tmp_path / "runs.csv"
    path.write_text("run,start,end,site,accelerators\nx,2025-01-01,2025-01-02,s,8\n")
    with pytest.raises(InputRejectedError, match="one of energy_kwh, avg_power_w, tdp_w, flops"):
        imports.import_file(project, path, imports.ImportOptions(kind="runs"))
    assert project.conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 0


def test_local_times_with_timezone(project, tmp_path):
    path = tmp_path / "runs.csv"
    path.write_text("run,start,end,site,energy_kwh,power_basis\nx,2025-07-01T10:00:00,2025-07-01T12:00:00,s,5,system\n")
    imports.import_file(project, path, imports.ImportOptions(kind="runs", timezone="Europe/Paris"))
    start, end = project.conn.execute("SELECT start_utc, end_utc FROM runs WHERE name = 'x'").fetchone()
    assert (start, end) == ("2025-07-01T08:00:00Z", "2025-07-01T10:00:00Z")
