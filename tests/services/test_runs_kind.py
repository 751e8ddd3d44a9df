"""One ``runs`` kind for both shapes, and footprints from stored, allocated and declared energy together."""

from __future__ import annotations

import pytest

from workbench import cli
from workbench.errors import InputRejectedError
from workbench.ingest.runs_file import read_runs
from workbench.services import attribution, compute, imports

UUIDS = {("node01", 0): "GPU-01000000-0000-0000-0000-000000000000",
         ("node01", 1): "GPU-01000000-0000-0000-0000-000000000001",
         ("node02", 0): "GPU-02000000-0000-0000-0000-000000000000",
         ("node02", 1): "GPU-02000000-0000-0000-0000-000000000001"}


def gpu_log(tmp_path, host: str, watts: float, name: str | None = None):
    """GPUs 0 and 1 of ``host`` at a constant ``watts``, one sample a minute from 10:00 to 12:00 UTC."""
    rows = ["timestamp, index, uuid, power.draw [W], hostname"]
    for minute in range(121):
        stamp = f"2025-06-01T{10 + minute // 60:02d}:{minute % 60:02d}:00Z"
        rows.extend(f"{stamp}, {index}, {UUIDS[(host, index)]}, {watts:.2f} W, {host}" for index in (0, 1))
    path = tmp_path / (name or f"{host}.csv")
    path.write_text("\n".join(rows) + "\n")
    return path


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text)
    return path


MIXED = ("run,site,host,gpus,start,end,accelerators,avg_power_w,power_basis,kind\n"
         # GPUs held and energy declared: both an allocation and a declaration.
         "pretrain,paris,node02,0,2025-06-01T10:00:00Z,2025-06-01T11:30:00Z,2,250,board,final\n"
         # GPUs the node01 log already gave to pretrain: not counted a second time.
         "pretrain,,node01,0-1,2025-06-01T10:00:00Z,2025-06-01T12:00:00Z,,,,\n"
         # The same GPU and hour as row 2: the run gets that GPU-hour once.
         "pretrain,,node02,0,2025-06-01T10:00:00Z,2025-06-01T11:00:00Z,,,,\n"
         "probe,,node02,1,2025-06-01T11:00:00Z,2025-06-01T12:00:00Z,,,,experiment\n"
         # Declared only: 8 accelerators x 10 h x 400 W = 32 kWh, an estimate.
         "paper,paris,,,2025-06-02T00:00:00Z,2025-06-02T10:00:00Z,8,400,board,experiment\n"
         # Neither GPUs nor a basis for energy.
         "empty,,,,2025-06-01T10:00:00Z,2025-06-01T11:00:00Z,,,,\n")


def test_mixed_runs_table_splits_rows_by_shape(tmp_path):
    result = read_runs(write(tmp_path, "runs.csv", MIXED))

    allocations = result.tables["allocations"]
    declared = result.tables["runs"]
    assert result.rows_read == 6
    assert [(p.row, p.column) for p in result.rejected] == [(7, "host")]
    assert "names no GPU" in result.rejected[0].reason
    assert sorted(set(allocations["source_row"])) == [2, 3, 4, 5]
    assert len(allocations) == 1 + 2 + 1 + 1
    assert list(declared["run"]) == ["pretrain", "paper"]
    assert list(declared["source_row"]) == [2, 6]
    assert allocations.loc[allocations["source_row"] == 2, "site"].tolist() == ["paris"]
    assert any("both hold GPUs and declare energy (pretrain)" in note for note in result.notes)
    assert result.importer == "runs-table+declared-runs"


def test_half_rejected_row_dropped(tmp_path):
    text = ("run,site,host,gpus,start,end,energy_kwh\n"
            "bad,paris,node01,x-y,2025-06-01T10:00:00Z,2025-06-01T11:00:00Z,5\n"
            "good,paris,node01,0,2025-06-01T10:00:00Z,2025-06-01T11:00:00Z,5\n")
    result = read_runs(write(tmp_path, "runs.csv", text))
    assert [(p.row, p.column, p.value) for p in result.rejected] == [(2, "gpus", "x-y")]
    assert list(result.tables["runs"]["run"]) == ["good"]
    assert list(result.tables["allocations"]["run"]) == ["good"]


def test_single_shape_tables_keep_readers(tmp_path):
    held = read_runs(write(tmp_path, "held.csv", "run,host,start,end\nr,n1,2025-06-01T10:00:00Z,"
                                                 "2025-06-01T11:00:00Z\n"))
    declared = read_runs(write(tmp_path, "declared.csv", "run,start,end,site,energy_kwh\nd,2025-06-01T10:00:00Z,"
                                                         "2025-06-01T11:00:00Z,paris,3\n"))
    assert (held.importer, list(held.tables)) == ("runs-table", ["allocations"])
    assert (declared.importer, list(declared.tables)) == ("declared-runs", ["runs"])
    assert declared.tables["runs"]["energy_kwh"].tolist() == [3.0]


def test_table_with_neither_shape_rejected(tmp_path):
    with pytest.raises(InputRejectedError, match="one of host, gpus, gpu_uuid"):
        read_runs(write(tmp_path, "runs.csv", "run,start,end,site\nx,2025-06-01T10:00:00Z,2025-06-01T11:00:00Z,s\n"))


def test_footprint_adds_stored_allocated_and_declared_energy_once(project, tmp_path):
    # node01: GPUs 0 and 1 at 300 W for 2 h, given to pretrain by the import: 1.2 kWh.
    imports.import_file(project, gpu_log(tmp_path, "node01", 300.0),
                        imports.ImportOptions(kind="gpu-log", run="pretrain", site="paris"))
    # node02: GPUs 0 and 1 at 200 W for 2 h, left to allocations.
    imports.import_file(project, gpu_log(tmp_path, "node02", 200.0),
                        imports.ImportOptions(kind="gpu-log", attribution="allocations"))
    # A second record of node01's GPUs (another tool, reading 310 W), left to allocations: those
    # GPU-hours already belong to pretrain, so no allocation takes them again.
    imports.import_file(project, gpu_log(tmp_path, "node01", 310.0, name="node01-second.csv"),
                        imports.ImportOptions(kind="gpu-log", attribution="allocations"))
    report = imports.import_file(project, write(tmp_path, "runs.csv", MIXED), imports.ImportOptions(kind="runs"))
    assert (report.rows_accepted, report.rows_rejected) == (5, 1)
    assert report.totals["runs"] == 3.0
    assert report.totals["allocations"] == 5.0

    outcome = compute.compute_footprint(project)
    runs = {run.run: run for run in outcome.result.runs}

    # pretrain: 1.2 kWh from node01 (given by the import; its allocation adds nothing), plus
    # node02 GPU 0 from 10:00 to 11:30: 200 Wh + half of 200 Wh. The duplicate row adds nothing.
    assert runs["pretrain"].gpu_energy_kwh == pytest.approx(1.2 + 0.2 + 0.1, rel=1e-9)
    assert runs["pretrain"].gpu_count == 3
    assert runs["pretrain"].energy_basis == "telemetry"
    assert runs["pretrain"].estimated is False
    # probe: node02 GPU 1 from 11:00 to 12:00.
    assert runs["probe"].gpu_energy_kwh == pytest.approx(0.2, rel=1e-9)
    # paper: declared only.
    assert runs["paper"].gpu_energy_kwh == pytest.approx(8 * 10 * 400 / 1000, rel=1e-9)
    assert runs["paper"].estimated is True
    assert outcome.totals["gpu_energy_kwh"] == pytest.approx(1.5 + 0.2 + 32.0, rel=1e-9)

    # Of the 2.0 kWh the node01 and node02 logs measured, 1.7 kWh belongs to runs: node02 GPU 0
    # from 11:30 and GPU 1 from 10:00 to 11:00 (0.1 + 0.2 kWh) were held by no run.
    stored = project.conn.execute("SELECT sum(energy_wh) FROM gpu_hours").fetchone()[0]
    assert stored == pytest.approx(1200.0 + 800.0 + 1240.0)
    by_run = {row["run"]: row["gpu_energy_kwh"] for row in attribution.run_gpu_summary(project)["runs"]
              if row["attributed_by"] == "allocation"}
    assert by_run == {"pretrain": pytest.approx(0.3), "probe": pytest.approx(0.2)}

    # The half hour of node02 GPU 0 is an estimate; the rest of pretrain's GPU energy is measured.
    inputs = {run.name: run for run in outcome.result.inputs}
    assert inputs["pretrain"].quality_kwh["gpu_board"] == {"measured": pytest.approx(1.4),
                                                            "estimated": pytest.approx(0.1)}
    # The declaration of pretrain is kept and compared with its telemetry.
    findings = [f for f in outcome.findings if f.subject == "run pretrain"]
    assert len(findings) == 1
    assert findings[0].values["telemetry"] == pytest.approx(1.5, rel=1e-9)
    # 2 accelerators x 250 W over the run's window (10:00 to 12:00, widened by its telemetry).
    assert findings[0].values["declared"] == pytest.approx(2 * 2 * 250 / 1000, rel=1e-9)


def test_import_kinds_match_cli():
    assert cli.IMPORT_KINDS == imports.KINDS
    assert len(set(imports.KINDS)) == len(imports.KINDS)
