"""GPU-hours attributed to runs through runs tables and Slurm jobs, idle energy, and the new import kinds."""

from __future__ import annotations

import json

import pytest

from workbench.cli import main
from workbench.errors import OperationCancelled
from workbench.progress import Progress
from workbench.services import attribution, compute, imports

UUIDS = [f"GPU-{n}b2c3d4e-0000-1111-2222-33334444555{n}" for n in range(4)]


def gpu_log(tmp_path, name="node01.csv", busy_gpus=(0, 1), hours=2, watts=(300.0, 60.0)):
    """Four GPUs on node01, one sample a minute for ``hours`` hours from 10:00 UTC; busy GPUs at 100 %."""
    rows = ["timestamp, index, uuid, power.draw [W], utilization.gpu [%], hostname"]
    for minute in range(hours * 60 + 1):
        stamp = f"2025-06-01T{10 + minute // 60:02d}:{minute % 60:02d}:00Z"
        for index, uuid in enumerate(UUIDS):
            busy = index in busy_gpus
            rows.append(f"{stamp}, {index}, {uuid}, {watts[0] if busy else watts[1]:.2f} W, "
                        f"{100 if busy else 0} %, node01")
    path = tmp_path / name
    path.write_text("\n".join(rows) + "\n")
    return path


def runs_table(tmp_path, text):
    path = tmp_path / "runs.csv"
    path.write_text(text)
    return path


def test_runs_table_attributes_gpu_hours_and_idle(project, tmp_path):
    imports.import_file(project, gpu_log(tmp_path), imports.ImportOptions(kind="gpu-log", attribution="allocations"))
    imports.import_file(project, runs_table(tmp_path, "run,host,gpus,start,end,kind\n"
                                                      "pretrain,node01,0-2,2025-06-01T10:00:00Z,2025-06-01T12:00:00Z,final\n"
                                                      "probe,node01,3,2025-06-01T11:30:00Z,2025-06-01T12:00:00Z,experiment\n"),
                        imports.ImportOptions(kind="runs"))
    runs = {row["run"]: row for row in attribution.run_gpu_summary(project)["runs"]}

    # pretrain: two busy GPUs at 300 W and one idle at 60 W for two hours.
    assert runs["pretrain"]["gpu_energy_kwh"] == pytest.approx((2 * 300 + 60) * 2 / 1000)
    assert runs["pretrain"]["idle_energy_kwh"] == pytest.approx(60 * 2 / 1000)
    assert runs["pretrain"]["gpus"] == 3
    assert runs["pretrain"]["gpu_hours"] == 6
    assert runs["pretrain"]["estimated_share_kwh"] == 0.0
    # probe held GPU 3 for the second half of one hour: half of that hour's 60 Wh, an estimate.
    assert runs["probe"]["gpu_energy_kwh"] == pytest.approx(0.030)
    assert runs["probe"]["estimated_share_kwh"] == pytest.approx(0.030)
    kinds = dict(project.conn.execute("SELECT name, kind FROM runs"))
    assert kinds == {"pretrain": "final", "probe": "experiment"}


def test_attributed_energy_reaches_the_footprint(project, tmp_path):
    imports.import_file(project, gpu_log(tmp_path), imports.ImportOptions(kind="gpu-log", attribution="allocations"))
    imports.import_file(project, runs_table(tmp_path, "run,host,gpus,start,end\n"
                                                      "pretrain,node01,all,2025-06-01T10:00:00Z,2025-06-01T12:00:00Z\n"),
                        imports.ImportOptions(kind="runs"))
    outcome = compute.compute_footprint(project)
    run = next(item for item in outcome.result.runs if item.run == "pretrain")
    assert run.gpu_energy_kwh == pytest.approx((2 * 300 + 2 * 60) * 2 / 1000)
    assert run.gpu_count == 4


def test_slurm_job_on_shared_node_gets_gpu_share(project, tmp_path):
    imports.import_file(project, gpu_log(tmp_path, busy_gpus=(0, 1, 2, 3)),
                        imports.ImportOptions(kind="gpu-log", attribution="allocations"))
    sacct = tmp_path / "sacct.txt"
    sacct.write_text("JobID|JobName|ConsumedEnergyRaw|AllocTRES|ElapsedRaw|NNodes|NodeList|Start|End|State\n"
                     "501|finetune|3600000|cpu=8,gres/gpu=1,node=1|3600|1|node01|2025-06-01T10:00:00|"
                     "2025-06-01T11:00:00|COMPLETED\n"
                     "501.batch|batch|3600000|cpu=8,node=1|3600|1|node01|2025-06-01T10:00:00|2025-06-01T11:00:00|"
                     "COMPLETED\n")
    report = imports.import_file(project, sacct, imports.ImportOptions(kind="slurm", timezone="UTC"))
    assert report.totals["jobs"] == 1
    runs = {row["run"]: row for row in attribution.run_gpu_summary(project)["runs"]}
    # One GPU of the four on node01 for one hour: a quarter of 4 x 300 Wh.
    assert runs["finetune"]["gpu_energy_kwh"] == pytest.approx(0.300)
    stored = project.conn.execute("SELECT job_id, energy_j, step_rows FROM jobs").fetchall()
    assert stored == [("501", 3600000.0, 1)]


def test_allocation_without_telemetry_is_reported(project, tmp_path):
    imports.import_file(project, runs_table(tmp_path, "run,host,start,end\n"
                                                      "ghost,node09,2025-06-01T10:00:00Z,2025-06-01T11:00:00Z\n"),
                        imports.ImportOptions(kind="runs"))
    missing = attribution.run_gpu_summary(project)["allocations_without_telemetry"]
    assert [(row["run"], row["host"]) for row in missing] == [("ghost", "node09")]


def test_file_attribution_keeps_old_behaviour(project, tmp_path):
    report = imports.import_file(project, gpu_log(tmp_path, hours=1), imports.ImportOptions(kind="gpu-log", run="r"))
    energy_hourly = project.conn.execute("SELECT sum(energy_wh) FROM energy_hourly").fetchone()[0]
    gpu_hours = project.conn.execute("SELECT sum(energy_wh), count(DISTINCT run_id) FROM gpu_hours").fetchone()
    assert energy_hourly == pytest.approx((2 * 300 + 2 * 60))
    assert gpu_hours == (pytest.approx(energy_hourly), 1)
    assert report.totals["gpus"] == 4
    summary = attribution.run_gpu_summary(project)["runs"]
    assert [(row["run"], row["attributed_by"]) for row in summary] == [("r", "file")]
    assert summary[0]["idle_energy_kwh"] == pytest.approx(2 * 60 / 1000)


def test_counter_preferred_over_integrated_power_across_files(project, tmp_path):
    log = tmp_path / "node.csv"
    log.write_text("timestamp, uuid, power.draw [W]\n" + "".join(
        f"2025-06-01T10:{minute:02d}:00Z, {UUIDS[0]}, 100 W\n" for minute in range(0, 60, 10)))
    scrapes = tmp_path / "dcgm.prom"
    scrapes.write_text("".join(
        f"# SCRAPE_TIME 2025-06-01T10:{minute:02d}:00Z\n"
        f'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{{UUID="{UUIDS[0]}",Hostname="node01"}} {minute * 60 * 120 * 1000}\n'
        for minute in range(0, 60, 10)))
    options = imports.ImportOptions(kind="auto", attribution="allocations")
    imports.import_file(project, log, options)
    imports.import_file(project, scrapes, options)
    imports.import_file(project, runs_table(tmp_path, f"run,gpu_uuid,start,end\n"
                                                      f"r,{UUIDS[0]},2025-06-01T10:00:00Z,2025-06-01T11:00:00Z\n"),
                        imports.ImportOptions(kind="runs"))
    row = project.conn.execute("SELECT basis, energy_wh FROM run_gpu_hours").fetchone()
    # The counter gives 120 W for 50 minutes and the power log 100 W.
    assert row == ("energy_counter", pytest.approx(120 * 50 / 60))


def test_scrape_folder_imports_as_one_source(project, tmp_path):
    folder = tmp_path / "scrapes"
    folder.mkdir()
    for minute, counter in ((0, 0), (1, 6_000_000), (2, 12_000_000)):
        (folder / f"dcgm-2025-06-01T10-0{minute}-00Z.prom").write_text(
            f'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{{UUID="{UUIDS[0]}",Hostname="n"}} {counter}\n'
            f'DCGM_FI_DEV_POWER_USAGE{{UUID="{UUIDS[0]}",Hostname="n"}} 100\n')
    report = imports.import_file(project, folder, imports.ImportOptions(kind="dcgm", run="r"))
    assert report.totals["energy_kwh"] == pytest.approx(12_000 / 3.6e6)
    evidence = project.conn.execute("SELECT evidence_zlib IS NOT NULL, size_bytes FROM sources").fetchone()
    assert evidence[0] == 1
    assert evidence[1] > 0


def test_cancelled_slurm_import_changes_nothing(project, tmp_path):
    sacct = tmp_path / "sacct.txt"
    sacct.write_text("JobID|Start|End|NodeList\n1|2025-06-01T10:00:00|2025-06-01T11:00:00|n1\n")
    progress = Progress(lambda fraction, message: progress.cancel() if fraction >= 0.95 else None)
    with pytest.raises(OperationCancelled):
        imports.import_file(project, sacct, imports.ImportOptions(kind="slurm", timezone="UTC"), progress)
    for table in ("sources", "jobs", "run_allocations", "runs"):
        assert project.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0


def test_gpu_hours_parquet_round_trip(project, tmp_path):
    imports.import_file(project, gpu_log(tmp_path, hours=1), imports.ImportOptions(kind="gpu-log",
                                                                                     attribution="allocations"))
    out = tmp_path / "hours.parquet"
    assert attribution.export_gpu_hours(project, out) == 8

    from workbench.services.projects import new_project
    with new_project(tmp_path / "other.cwb") as other:
        report = imports.import_file(other, out, imports.ImportOptions(kind="auto", attribution="allocations"))
        copied = other.conn.execute("SELECT sum(energy_wh), sum(idle_energy_wh), count(*) FROM gpu_hours").fetchone()
    original = project.conn.execute("SELECT sum(energy_wh), sum(idle_energy_wh), count(*) FROM gpu_hours").fetchone()
    assert report.kind == "gpu-hours-parquet"
    assert copied == pytest.approx(original)


def test_cli_gpu_hours_json(tmp_path, capsys):
    path = tmp_path / "cli.cwb"
    assert main(["new", str(path)]) == 0
    assert main(["import", str(path), "--kind", "gpu-log", "--attribution", "allocations", "--max-gap", "auto",
                 str(gpu_log(tmp_path, hours=1))]) == 0
    assert main(["import", str(path), "--kind", "runs", str(runs_table(
        tmp_path, "run,host,start,end\nall-gpus,node01,2025-06-01T10:00:00Z,2025-06-01T11:00:00Z\n"))]) == 0
    capsys.readouterr()
    assert main(["gpu-hours", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [row["run"] for row in data["runs"]] == ["all-gpus"]
    assert data["runs"][0]["gpu_energy_kwh"] == pytest.approx((2 * 300 + 2 * 60) / 1000)
    assert data["allocations_without_telemetry"] == []


def slow_scrapes(tmp_path, hosts=("n1",)):
    lines = []
    for minute in (0, 5, 10):
        lines.append(f"# SCRAPE_TIME 2025-06-01T10:{minute:02d}:00Z")
        lines.extend(f'DCGM_FI_DEV_POWER_USAGE{{UUID="{UUIDS[0]}",Hostname="{host}"}} 120' for host in hosts)
    path = tmp_path / "slow.prom"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_cli_gap_limit_default_per_kind(tmp_path, capsys):
    path = tmp_path / "cli.cwb"
    assert main(["new", str(path)]) == 0
    capsys.readouterr()
    assert main(["import", str(path), "--kind", "dcgm", "--run", "r", "--json", str(slow_scrapes(tmp_path))]) == 0
    report = json.loads(capsys.readouterr().out)[0]
    # Scrapes 300 s apart: the automatic limit (900 s) bridges them; 120 s would leave only gaps.
    assert report["totals"]["energy_kwh"] == pytest.approx(600 * 120 / 3.6e6)
    assert any("intervals longer than 900 s" in note for note in report["notes"])


def test_same_gpu_under_two_hosts_rejected(project, tmp_path):
    from workbench.errors import InputRejectedError

    with pytest.raises(InputRejectedError, match="appears more than once in one hour, under the hosts n1, n2"):
        imports.import_file(project, slow_scrapes(tmp_path, hosts=("n1", "n2")),
                            imports.ImportOptions(kind="dcgm", run="r"))
    assert project.conn.execute("SELECT count(*) FROM sources").fetchone()[0] == 0
