"""GPU telemetry, Slurm accounting and GPU allocations for the import service: readers and writers.

:mod:`workbench.services.imports` owns the import transaction; this module supplies the readers
and writers of the GPU kinds. GPU energy always lands in ``gpu_hours`` (per device and hour).
With ``attribution="file"`` (the default, as before) the whole file also belongs to one run and
its energy is written to ``energy_hourly`` for that run; with ``attribution="allocations"`` the
runs come from Slurm jobs and runs tables through the ``run_device_hours`` view instead. The
``runs`` kind itself (GPU allocations and declared runs) is read by
:mod:`workbench.ingest.runs_file` and stored by :mod:`workbench.services.import_kinds`.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from workbench.errors import InputRejectedError, UsageError
from workbench.ingest import carbontracker, detect, dmon, gpu_hours_parquet, nvidia_smi_dump, prometheus, slurm
from workbench.ingest.common import ReadResult
from workbench.progress import Progress
from workbench.project import gpu_repo, repo

log = logging.getLogger(__name__)

GPU_KINDS = ("nvidia-smi-xml", "nvidia-smi-q", "dmon", "dcgm", "gpu-hours-parquet")
KINDS = GPU_KINDS + ("carbontracker", "slurm")
FOLDER_KINDS = ("dcgm",)
ATTRIBUTIONS = ("file", "allocations")


def resolve_kind(path: Path, kind: str) -> str:
    """Return ``kind``, or for ``auto`` the kind the file's content shows; raise if it shows none."""
    if kind != "auto":
        return kind
    found, reason = detect.detect_kind(path)
    if found is None:
        raise InputRejectedError(path, reason, hint="Choose a file the workbench reads, or name its --kind.")
    log.info("detected %s as %s", path.name, found)
    return found


def folder_payload(path: Path, kind: str) -> bytes | None:
    """Return the bytes that stand for a folder import (one bundle of scrapes), None for a file."""
    if not path.is_dir():
        return None
    if kind not in FOLDER_KINDS:
        raise InputRejectedError(path, f"is a folder; only --kind {' or '.join(FOLDER_KINDS)} reads folders",
                                 hint="Choose a file.")
    return prometheus.folder_bundle(path)


def payload_sha256(payload: bytes) -> tuple[str, int]:
    return hashlib.sha256(payload).hexdigest(), len(payload)


def read(path: Path, options, timezone: str | None, progress: Progress) -> ReadResult:
    """Run the reader of ``options.kind`` (one of KINDS) on ``path``."""
    readers: dict[str, Callable[[], ReadResult]] = {
        "nvidia-smi-xml": lambda: nvidia_smi_dump.read_xml(
            path, timezone=timezone, host=options.host, observed_at=options.observed_at,
            max_gap_s=options.max_gap_s, progress=progress),
        "nvidia-smi-q": lambda: nvidia_smi_dump.read_text(
            path, timezone=timezone, host=options.host, max_gap_s=options.max_gap_s, progress=progress),
        "dmon": lambda: dmon.read_dmon(
            path, timezone=timezone, host=options.host, start=options.start, interval_s=options.interval_s,
            max_gap_s=options.max_gap_s, progress=progress),
        "dcgm": lambda: prometheus.read_scrapes(
            path, timezone=timezone, host=options.host, scrape_time=options.scrape_time,
            max_gap_s=options.max_gap_s, max_power_w=options.max_gpu_power_w, progress=progress),
        "gpu-hours-parquet": lambda: gpu_hours_parquet.read_gpu_hours(path, progress=progress),
        "carbontracker": lambda: carbontracker.read_carbontracker(path, timezone=timezone, run=options.run,
                                                                  progress=progress),
        "slurm": lambda: slurm.read_sacct(
            path, timezone=timezone, run=options.run, gpus_per_node=options.gpus_per_node,
            cpus_per_node=options.cpus_per_node, max_node_power_w=options.max_node_power_w, progress=progress),
    }
    if options.attribution not in ATTRIBUTIONS:
        raise UsageError(f"unknown attribution '{options.attribution}'", hint="Use 'file' or 'allocations'.")
    return readers[options.kind]()


def store_gpu_energy(project, source_id: int, path: Path, result: ReadResult, options, site_id) -> dict[str, float]:
    """Store a GPU reader's device-hours, and with file attribution the run's hourly energy too."""
    conn = project.conn
    energy = result.tables["energy"]
    _check_one_row_per_gpu_hour(path, energy)
    device_ids = repo.ensure_devices(conn, energy)
    gpu_repo.fill_device_details(conn, energy, device_ids)
    if options.attribution == "allocations" and energy["host"].isna().any():
        result.notes.append("some GPUs have no host name, so Slurm jobs and runs tables can match them only by "
                            "UUID; pass --host to name the machine that wrote the log")
    run_id = None
    if options.attribution == "file":
        run_name = options.run or path.stem
        if not options.run:
            result.notes.append(f"no run was named, so the energy belongs to run '{run_name}' (the file name)")
        run_id = repo.ensure_run(conn, run_name, site_id=site_id)
        measured = energy[energy["energy_wh"].notna()]
        frame = measured.assign(source_id=source_id, run_id=run_id, device_id=measured["device_key"].map(device_ids),
                                meter_id=None)
        repo.insert_energy(conn, frame)
        repo.widen_run_window(conn, run_id, result.start_utc, result.end_utc)
    gpu_repo.insert_gpu_hours(conn, source_id, energy, device_ids, run_id)
    unmeasured = int((energy["quality"] == "unmeasured").sum())
    return {"energy_kwh": float(energy["energy_wh"].sum()) / 1000.0, "gpus": float(len(device_ids)),
            "unmeasured_gpu_hours": float(unmeasured)}


def _check_one_row_per_gpu_hour(path: Path, energy: pd.DataFrame) -> None:
    repeated = energy[energy.duplicated(["device_key", "hour_utc"], keep=False)]
    if len(repeated):
        first = repeated.iloc[0]
        hosts = sorted({str(host) for host in repeated.loc[repeated["device_key"] == first["device_key"], "host"]})
        raise InputRejectedError(path, f"GPU {first['device_key']} appears more than once in one hour, under the "
                                 f"hosts {', '.join(hosts)}", row=int(first["first_row"]) if pd.notna(
                                     first["first_row"]) else None,
                                 hint="Split the file per host, or pass --host to name the one machine.")


def store_jobs(project, source_id: int, path: Path, result: ReadResult, options, site_id) -> dict[str, float]:
    """Store Slurm jobs, a run per job name, the jobs' node allocations and optionally their energy."""
    conn = project.conn
    jobs = result.tables["jobs"]
    run_ids = {name: repo.ensure_run(conn, name, site_id=site_id) for name in jobs["run"].unique()}
    job_ids = gpu_repo.insert_jobs(conn, source_id, jobs.assign(run_id=jobs["run"].map(run_ids)))
    allocations = result.tables["allocations"]
    if len(allocations):
        gpu_repo.insert_allocations(conn, source_id, allocations.assign(
            run_id=allocations["run"].map(run_ids), job_id=allocations["job_index"].map(dict(enumerate(job_ids)))))
    for job in jobs.itertuples():
        if pd.notna(job.start_utc) and pd.notna(job.end_utc):
            repo.widen_run_window(conn, run_ids[job.run], job.start_utc, job.end_utc)
    energy = result.tables["energy"]
    if options.use_job_energy and len(energy):
        repo.insert_energy(conn, _run_energy_frame(source_id, energy, run_ids))
        result.notes.append("job energy (ConsumedEnergyRaw) is stored as node energy of the runs; do not also "
                            "attribute GPU telemetry to the same runs, or their GPU energy counts twice")
    return {"jobs": float(len(jobs)), "runs": float(len(run_ids)), "allocations": float(len(allocations)),
            "job_energy_kwh": float(jobs["energy_j"].sum()) / 3.6e6}


def store_allocations(project, source_id: int, path: Path, result: ReadResult, options, site_id) -> dict[str, float]:
    """Store the GPU allocations of a runs table: the runs (with their kind and site) and the allocations.

    A row's ``site`` wins over the import's ``site_id``.
    """
    conn = project.conn
    allocations = result.tables["allocations"]
    sites = allocations["site"].dropna() if "site" in allocations else pd.Series(dtype=object)
    site_ids = {name: repo.ensure_site(conn, name) for name in sites.unique() if name}
    run_ids = {}
    for row in allocations.drop_duplicates("run").to_dict("records"):
        name, kind = row["run"], row["kind"]
        run_site = site_ids.get(row.get("site")) or site_id
        run_ids[name] = repo.ensure_run(conn, name, site_id=run_site, kind=kind)
        if kind:
            conn.execute("UPDATE runs SET kind = ? WHERE id = ?", (kind, run_ids[name]))
    gpu_repo.insert_allocations(conn, source_id, allocations.assign(run_id=allocations["run"].map(run_ids)))
    for name, group in allocations.groupby("run"):
        repo.widen_run_window(conn, run_ids[name], float(group["start_utc"].min()), float(group["end_utc"].max()))
    return {"runs": float(len(run_ids)), "allocations": float(len(allocations))}


def _run_energy_frame(source_id: int, energy: pd.DataFrame, run_ids: dict[str, int]) -> pd.DataFrame:
    frame = energy.assign(source_id=source_id, run_id=energy["run"].map(run_ids), device_id=None, meter_id=None)
    for name in repo.ENERGY_COLUMNS:
        if name not in frame:
            frame[name] = None
    return frame


WRITERS: dict[str, Callable[..., dict[str, Any]]] = {
    **{kind: store_gpu_energy for kind in GPU_KINDS}, "slurm": store_jobs}
