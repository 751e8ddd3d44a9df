"""Every ingest reader with a seed input, for the property tests and the atheris harness.

A target names the reader, the file name the input is written under (readers and detection
look at suffixes and names) and seed inputs: the head of a real sample file, or a small file
written here when no licensed sample exists. Fuzzers mutate the seeds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from shared_paths import REPOSITORY, samples_dir
from workbench.ingest import (carbontracker, codecarbon, declared_runs, dmon, factor_datasets, factors,
                              gpu_hours_parquet, green_button, hardware, instruments, meter, nvidia_smi,
                              nvidia_smi_dump, procurement, prometheus, runs_file, runs_table, scope1, slurm)

SEED_LINES = 40
INPUTS = REPOSITORY / "sample_projects" / "inputs"

CARBONTRACKER_STD = """2020-08-24 19:26:04 - carbontracker version 1.1.3
2020-08-24 19:26:04 - The following components were found: GPU with device(s) GeForce GTX 1050 Ti.
2020-08-24 19:26:09 - Epoch 1:
2020-08-24 19:26:09 - Duration: 0:00:05.00
2020-08-24 19:26:09 - Average power usage (W) for gpu: [136.86084615]
2020-08-24 19:26:14 - Epoch 2:
2020-08-24 19:26:14 - Duration: 0:00:05.00
2020-08-24 19:26:14 - Average power usage (W) for gpu: [120.5]
"""
SACCT = (
    "JobID|Cluster|JobName|ConsumedEnergyRaw|ConsumedEnergy|AllocTRES|ElapsedRaw|NNodes|Start|End|State|\n"
    "38113|santis|train|20543125|20.54M|cpu=1152,energy=20543125,node=4|3600|4|2024-03-15-20:24:16|"
    "2024-03-15-21:24:16|COMPLETED|\n"
    "38113.batch|santis|batch|5094129|5.09M|cpu=288,node=1|3600|1|2024-03-15-20:24:16|2024-03-15-21:24:16|"
    "COMPLETED|\n"
)
RUNS_TABLE = ("run,start,end,host,gpus,kind\n"
              "llm-7b,2025-01-01T00:00:00Z,2025-01-01T02:00:00Z,node01,0-3,final\n"
              "llm-7b-eval,2025-01-01T03:00:00Z,2025-01-01T04:00:00Z,node02,all,evaluation\n")


@dataclass(frozen=True)
class ReaderTarget:
    """One reader: its id, the file name inputs are written under, how to call it, and its seeds."""

    name: str
    file_name: str
    read: Callable[[Path], object]
    seeds: Callable[[], list[bytes]]


def head_lines(path: Path, lines: int = SEED_LINES) -> bytes:
    """Return the first ``lines`` lines of ``path``, so each fuzzed input stays small."""
    with open(path, "rb") as handle:
        return b"".join(handle.readline() for _ in range(lines))


def whole(path: Path) -> bytes:
    return path.read_bytes()


def _samples(relative: str, reader=head_lines) -> Callable[[], list[bytes]]:
    return lambda: [reader(samples_dir() / relative)]


def _inputs(name: str, reader=head_lines) -> Callable[[], list[bytes]]:
    return lambda: [reader(INPUTS / name)]


def _text(text: str) -> Callable[[], list[bytes]]:
    return lambda: [text.encode("utf-8")]


def parquet_seed() -> list[bytes]:
    import tempfile

    import pandas as pd

    frame = pd.DataFrame({"device_key": ["node01/GPU-1", "node01/GPU-1"], "host": ["node01", "node01"],
                          "uuid": ["GPU-1", "GPU-1"], "hour_utc": [1735689600, 1735693200],
                          "energy_wh": [350.0, 360.5], "sample_count": [3600, 3600], "coverage": [1.0, 0.98],
                          "gap_seconds": [0.0, 72.0], "quality": ["measured", "measured"],
                          "basis": ["power_integral", "power_integral"]})
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "seed.parquet"
        gpu_hours_parquet.write_gpu_hours(frame, path)
        return [path.read_bytes()]


def read_carbontracker_pair(path: Path):
    """Read a carbontracker standard log; the output log beside it is written empty by the caller."""
    return carbontracker.read_carbontracker(path, timezone="UTC")


TARGETS: tuple[ReaderTarget, ...] = (
    ReaderTarget("nvidia-smi-query-csv", "gpu.csv", lambda p: nvidia_smi.read_query_csv(p, timezone="UTC"),
                 _samples("nvidia_smi/xypp3__gpu_glasses__nvidia_smi.csv")),
    ReaderTarget("nvidia-smi-query-csv-wide", "gpu-wide.csv",
                 lambda p: nvidia_smi.read_query_csv(p, timezone="UTC"),
                 _samples("nvidia_smi/extracted/linux-x86_64__nvidia-h100-80gb-hbm3__590.48.01__load__query_gpu.csv")),
    ReaderTarget("nvidia-smi-xml", "gpu.xml", lambda p: nvidia_smi_dump.read_xml(p, timezone="UTC"),
                 _samples("nvidia_smi/xml_telegraf/a10g.xml", whole)),
    ReaderTarget("nvidia-smi-q-text", "gpu-q.txt", lambda p: nvidia_smi_dump.read_text(p, timezone="UTC"),
                 _samples("nvidia_smi/extracted/linux-x86_64__nvidia-l40s__595.80__load__q.txt", whole)),
    ReaderTarget("dmon", "dmon.txt", lambda p: dmon.read_dmon(p, timezone="UTC", start="2025-01-01T00:00:00", interval_s=1.0),
                 _samples("nvidia_smi/extracted/linux-x86_64__nvidia-l40s__595.80__load__dmon.txt", whole)),
    ReaderTarget("dcgm-prometheus", "scrape.metrics", lambda p: prometheus.read_scrapes(p, timezone="UTC", scrape_time="2025-06-01T12:00:00Z"),
                 _samples("dcgm/datadog-integrations-core__dcgm__metrics.txt", whole)),
    ReaderTarget("gpu-hours-parquet", "gpu-hours.parquet", gpu_hours_parquet.read_gpu_hours, parquet_seed),
    ReaderTarget("carbontracker", "1234_2020-08-24T192604Z_carbontracker.log", read_carbontracker_pair,
                 _text(CARBONTRACKER_STD)),
    ReaderTarget("slurm-sacct", "sacct.txt", lambda p: slurm.read_sacct(p, timezone="UTC"), _text(SACCT)),
    ReaderTarget("codecarbon", "emissions.csv", lambda p: codecarbon.read_emissions_csv(p, timezone="UTC"),
                 _samples("codecarbon/codecarbon_repo/examples__emissions.csv")),
    ReaderTarget("meter-csv", "meter.csv", lambda p: meter.read_meter(p, timezone="Europe/Paris", meter="main"),
                 _inputs("dc-paris-main-meter.csv")),
    ReaderTarget("green-button", "usage.xml", lambda p: green_button.read_green_button(p, meter="main"),
                 _samples("meter/green_button/vladistan__abridged_electric_containerized.xml", whole)),
    ReaderTarget("procurement", "procurement.csv", procurement.read_procurement, _inputs("procurement-2024.csv")),
    ReaderTarget("factor-dataset", "grid-factors.csv", factor_datasets.read_factor_file,
                 _inputs("grid-factors-2025.csv")),
    ReaderTarget("factor-dataset-json", "factors.json", factor_datasets.read_factor_file,
                 _samples("emission_factors/co2js/average-intensities.json", whole)),
    ReaderTarget("factors-csv", "factors.csv", factors.read_factors, _inputs("grid-factors-2025.csv")),
    ReaderTarget("hardware-library", "hardware.csv", hardware.read_hardware_library,
                 lambda: [head_lines(REPOSITORY / "workbench/resources/hardware/embodied_defaults.csv")]),
    ReaderTarget("instruments", "instruments.csv", instruments.read_instruments, _inputs("instruments-2025.csv")),
    ReaderTarget("scope1", "scope1.csv", scope1.read_scope1, _inputs("scope1-2025.csv")),
    ReaderTarget("runs-file", "runs.csv", lambda p: runs_file.read_runs(p, timezone="UTC"),
                 _inputs("declared-runs.csv")),
    ReaderTarget("runs-table", "runs-table.csv", lambda p: runs_table.read_runs_table(p, timezone="UTC"),
                 _text(RUNS_TABLE)),
    ReaderTarget("declared-runs", "declared.csv", lambda p: declared_runs.read_declared_runs(p, timezone="UTC"),
                 _inputs("declared-runs.csv")),
)


def write_input(folder: Path, target: ReaderTarget, data: bytes) -> Path:
    """Write ``data`` under the target's file name in ``folder`` (with companion files) and return its path."""
    path = folder / target.file_name
    path.write_bytes(data)
    if target.name == "carbontracker":
        (folder / target.file_name.replace("_carbontracker.log", "_carbontracker_output.log")).write_bytes(b"")
    return path
