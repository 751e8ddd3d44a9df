"""The demo project: a two-run LLM training at one site, with inputs the workbench writes itself.

Every input is synthetic and deterministic (a fixed random seed), so the same files and the same
project come out on every machine. The files look like the real thing on purpose:

* nvidia-smi ``--query-gpu`` logs sampled every 60 s, local wall-clock time stamps without a
  zone (Europe/Paris) across the 30 March 2025 daylight-saving change, unit suffixes in values,
  occasional ``[N/A]`` readings and a 12-minute logger outage on one host;
* a facility meter with 15-minute interval energy;
* procurement records for the servers, GPUs, network and storage;
* an hourly grid-intensity series for the training days plus annual factors;
* the inventory inputs of :mod:`workbench.services.demo_inventory` (instruments, Scope 1
  records, a residual mix, a storage purchase and an evaluation run declared on a cloud site);
* a reduction plan of :mod:`workbench.services.demo_planner` (one lever of each kind);
* the report header and the three sign-offs of :mod:`workbench.services.demo_disclosure`, recorded
  last so that they approve the finished project.

Numbers are illustrative, not measurements of any real site, and every factor row says so.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from workbench.progress import Progress, no_progress
from workbench.project.store import Project
from workbench.services import demo_disclosure, demo_inventory, demo_planner

log = logging.getLogger(__name__)

SEED = 20250330
SITE = "dc-paris"
ZONE = "FR"
LOCAL_ZONE = "Europe/Paris"
SAMPLE_INTERVAL_S = 60
SYNTHETIC = "synthetic demo data written by Carbon Workbench; not a published value"


@dataclass(frozen=True)
class DemoRun:
    name: str
    kind: str
    hosts: tuple[str, ...]
    start: datetime
    hours: int


RUNS = (
    DemoRun("llm-7b-pretrain", "final", ("node01", "node02"), datetime(2025, 3, 29, 19, tzinfo=timezone.utc), 24),
    DemoRun("llm-7b-ablation", "experiment", ("node03",), datetime(2025, 3, 31, 8, tzinfo=timezone.utc), 8),
)
METER_START = datetime(2025, 3, 29, tzinfo=timezone.utc)
METER_HOURS = 72


def _uuid(rng: np.random.Generator) -> str:
    digits = "".join(f"{value:x}" for value in rng.integers(0, 16, 32))
    return f"GPU-{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


def _gpu_power_w(rng: np.random.Generator, seconds: np.ndarray) -> np.ndarray:
    """Board power of one H100 in training: warm-up, steady steps, and checkpoint stalls."""
    power = 640.0 + 35.0 * np.sin(seconds / 47.0) + rng.normal(0.0, 12.0, len(seconds))
    power[seconds < 600] = 110.0 + rng.normal(0.0, 5.0, int((seconds < 600).sum()))
    stall = (seconds % 7200) < 120
    power[stall & (seconds >= 600)] = 160.0 + rng.normal(0.0, 8.0, int((stall & (seconds >= 600)).sum()))
    return np.clip(power, 60.0, 700.0)


def _write_gpu_log(path: Path, rng: np.random.Generator, run: DemoRun, host_index: int, outage: bool) -> None:
    zone = ZoneInfo(LOCAL_ZONE)
    count = run.hours * 3600 // SAMPLE_INTERVAL_S + 1
    offsets = np.arange(count) * SAMPLE_INTERVAL_S
    if outage:
        lost = (offsets >= 15 * 3600) & (offsets < 15 * 3600 + 12 * 60)
        offsets = offsets[~lost]
    uuids = [_uuid(rng) for _ in range(8)]
    powers = [_gpu_power_w(rng, offsets.astype(float)) for _ in range(8)]
    lines = ["timestamp, name, index, uuid, power.draw [W], utilization.gpu [%], memory.used [MiB]"]
    for position, offset in enumerate(offsets):
        jitter_ms = int(rng.integers(0, 400))
        moment = run.start + timedelta(seconds=int(offset), milliseconds=jitter_ms)
        stamp = moment.astimezone(zone).strftime("%Y/%m/%d %H:%M:%S.") + f"{jitter_ms:03d}"
        for gpu in range(8):
            power = powers[gpu][position]
            reading = "[N/A]" if rng.random() < 0.0005 else f"{power:.2f} W"
            utilization = 0 if power < 200 else int(min(100, 90 + rng.integers(0, 11)))
            memory = 71_000 + int(rng.integers(0, 900))
            lines.append(f"{stamp}, NVIDIA H100 80GB HBM3, {gpu}, {uuids[gpu]}, {reading}, {utilization} %, "
                         f"{memory} MiB")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _write_meter(path: Path, rng: np.random.Generator) -> None:
    zone = ZoneInfo(LOCAL_ZONE)
    lines = ["timestamp,energy [kWh]"]
    for quarter in range(METER_HOURS * 4):
        moment = METER_START + timedelta(minutes=15 * quarter)
        hour = moment.hour + moment.minute / 60.0
        it_kw = 118.0 + 6.0 * np.sin(hour / 24.0 * 2 * np.pi) + rng.normal(0.0, 1.5)
        for run in RUNS:
            if run.start <= moment < run.start + timedelta(hours=run.hours):
                it_kw += len(run.hosts) * 8 * 0.62 * 1.35
        pue = 1.24 + 0.05 * np.sin((hour - 9.0) / 24.0 * 2 * np.pi)
        lines.append(f"{moment.astimezone(zone).isoformat()},{it_kw * pue * 0.25:.3f}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _write_procurement(path: Path) -> None:
    rows = [
        "item,category,quantity,acquired,in_service,embodied_co2e_kg_per_unit,lifetime_years,embodied_source,site",
        "HGX H100 8-GPU server without GPUs (CPUs memory storage chassis),server,3,2024-09-15,2024-10-01,2500,5,"
        f"\"{SYNTHETIC}; order of magnitude of published server footprints\",{SITE}",
        f"H100 SXM5 80GB GPU,gpu,24,2024-09-15,2024-10-01,150,5,\"{SYNTHETIC}\",{SITE}",
        f"InfiniBand NDR switch,network,2,2024-09-15,2024-10-01,400,6,\"{SYNTHETIC}\",{SITE}",
        f"NVMe storage server,storage,1,2024-06-01,2024-06-15,1200,5,\"{SYNTHETIC}\",{SITE}",
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def _write_factors(path: Path, rng: np.random.Generator) -> None:
    rows = ["zone,period_start,period_end,co2e_g_per_kwh,source",
            f"{ZONE},2025-01-01,2025-12-31,48,\"{SYNTHETIC} (annual average)\"",
            f"DE,2025-01-01,2025-12-31,360,\"{SYNTHETIC} (annual average)\"",
            f"PL,2025-01-01,2025-12-31,690,\"{SYNTHETIC} (annual average)\""]
    for hour in range(METER_HOURS):
        start = METER_START + timedelta(hours=hour)
        local_hour = start.astimezone(ZoneInfo(LOCAL_ZONE)).hour
        intensity = 42.0 + 18.0 * np.cos((local_hour - 19.0) / 24.0 * 2 * np.pi) + rng.normal(0.0, 2.0)
        end = start + timedelta(hours=1)
        rows.append(f"{ZONE},{start.strftime('%Y-%m-%dT%H:%M:%SZ')},{end.strftime('%Y-%m-%dT%H:%M:%SZ')},"
                    f"{intensity:.1f},\"{SYNTHETIC} (hourly)\"")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def write_inputs(folder: str | Path) -> dict[str, list[Path]]:
    """Write every demo input file into ``folder`` and return them by import kind."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    files: dict[str, list[Path]] = {"gpu-log": [], "meter": [], "procurement": [], "factors": []}
    for run in RUNS:
        for index, host in enumerate(run.hosts):
            path = folder / f"{run.name}__{host}__nvidia-smi.csv"
            _write_gpu_log(path, rng, run, index, outage=(host == "node02"))
            files["gpu-log"].append(path)
    files["meter"].append(folder / "dc-paris-main-meter.csv")
    _write_meter(files["meter"][0], rng)
    files["procurement"].append(folder / "procurement-2024.csv")
    _write_procurement(files["procurement"][0])
    files["factors"].append(folder / "grid-factors-2025.csv")
    _write_factors(files["factors"][0], rng)
    inventory = demo_inventory.write_inventory_inputs(folder)
    files["procurement"].extend(inventory.pop("procurement"))
    files.update(inventory)
    return files


def build_demo_project(path: str | Path, inputs: str | Path | None = None,
                       progress: Progress | None = None) -> Project:
    """Build the demo project at ``path`` from the inputs in ``inputs`` (written there if missing)."""
    from workbench.services import assumptions, entities, imports, projects

    progress = progress or no_progress("Building the demo project")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(inputs) if inputs else Path(scratch)
        files = _existing_inputs(folder) or write_inputs(folder)
        project = projects.new_project(path, "Demo: LLM pre-training at dc-paris")
        entities.configure_site(project, SITE, grid_zone=ZONE, timezone=LOCAL_ZONE, pue_category="PUE2")
        demo_inventory.configure(project, SITE)
        steps = [(kind, file) for kind in ("factors", "residual-mix", "procurement", "meter", "gpu-log", "runs",
                                           "instruments", "scope1")
                 for file in sorted(files[kind])]
        for number, (kind, file) in enumerate(steps):
            run = file.name.split("__")[0] if kind == "gpu-log" else None
            host = file.name.split("__")[1] if kind == "gpu-log" else None
            imports.import_file(project, file, imports.ImportOptions(
                kind="factors" if kind == "residual-mix" else kind, site=SITE if kind != "runs" else None, run=run,
                host=host, timezone=LOCAL_ZONE, meter="dc-paris-main" if kind == "meter" else None,
                factor_basis="residual_mix" if kind == "residual-mix" else None))
            progress.update((number + 1) / (len(steps) + 2), f"imported {file.name}")
        for run in RUNS:
            entities.update_run(project, run.name, kind=run.kind)
        demo_inventory.finish(project, [run.name for run in RUNS])
        assumptions.change(project, "baseline", {"pue": 1.28, "node_uplift": 1.35},
                           rationale="Demo: operator-declared PUE2 for 2025 and the default node uplift")
        assumptions.change(project, "baseline", {"electricity_wtt_g_per_kwh": 8.0, "td_loss_rate": 0.06,
                                                 "diesel_wtt_kg_per_l": 0.6},
                           rationale="Demo: illustrative upstream and grid-loss factors, not published values")
        assumptions.change(project, "conservative", {"pue": 1.5, "node_uplift": 1.5}, base="baseline",
                           rationale="Demo: upper end of plausible PUE and node overhead")
        demo_planner.configure_planner(project)
        # The sign-offs approve the project state, so every change to the project comes before them.
        demo_disclosure.complete(project, demo_inventory.CLOUD_SITE)
    progress.update(1.0, "demo project ready", force=True)
    log.info("built demo project %s", path)
    return project


def _existing_inputs(folder: Path) -> dict[str, list[Path]] | None:
    logs = sorted(folder.glob("*__nvidia-smi.csv"))
    needed = [folder / "dc-paris-main-meter.csv", folder / "procurement-2024.csv", folder / "grid-factors-2025.csv"]
    inventory = demo_inventory.existing_inventory_inputs(folder)
    if not logs or not all(path.exists() for path in needed) or inventory is None:
        return None
    files = {"gpu-log": logs, "meter": [needed[0]], "procurement": [needed[1]] + inventory.pop("procurement"),
             "factors": [needed[2]]}
    files.update(inventory)
    return files
