"""Reader for Prometheus text scrapes of GPU exporters: DCGM exporter and nvidia_gpu_exporter.

Metrics used, per GPU (one physical GPU per UUID):

* power gauge: ``DCGM_FI_DEV_POWER_USAGE`` (W), the 1.x name ``dcgm_power_usage`` (W), or
  nvidia_gpu_exporter's ``nvidia_smi_power_draw_average_watts`` / ``_watts`` / ``_instant_watts``;
* energy counter: ``DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION`` or ``dcgm_total_energy_consumption``
  (mJ since boot). With two or more counter readings a GPU's energy comes from the counter, with
  reset- and wrap-aware deltas; the power gauge only fills intervals the counter cannot;
* utilization: ``DCGM_FI_DEV_GPU_UTIL`` (%) or ``nvidia_smi_utilization_gpu_ratio`` (0-1).

Labels are parsed as a set, in any order. Device-level series repeated once per MIG instance
(``GPU_I_ID``) are counted once per UUID. Series without labels, comments, ``# NOTE`` lines and
HELP lines with empty text are skipped. The host is the ``Hostname`` label, else ``instance``.

A scrape carries no time of its own, so times come from, in order: the optional millisecond
time stamp after a sample's value; a ``# SCRAPE_TIME <time>`` line that opens each scrape in a
file holding several (ISO 8601, or Unix seconds); the time in a scrape file's name when a folder
of scrapes is imported (``gpu-2025-06-01T12:00:00Z.prom`` or ``1748779200.prom``); and finally
the scrape time the user gives for a file with a single scrape. Folders are read as one bundle:
each file becomes a scrape opened by its ``# SCRAPE_TIME`` line, in file-name order.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np

from workbench.errors import InputRejectedError
from workbench.ingest.common import ReadResult
from workbench.ingest.gpu_devices import DeviceInfo
from workbench.ingest.snapshots import Reading, ReadingsOptions, integrate_readings
from workbench.progress import Progress, no_progress

log = logging.getLogger(__name__)

IMPORTER_VERSION = "1"
SCRAPE_TIME = re.compile(r"^#\s*SCRAPE_TIME\s+(?P<time>\S.*?)\s*$", re.IGNORECASE)
_SAMPLE = re.compile(r"^(?P<name>[A-Za-z_:][A-Za-z0-9_:]*)(?:\{(?P<labels>.*)\})?\s+(?P<value>\S+)"
                     r"(?:\s+(?P<timestamp>-?\d+))?\s*$")
_LABEL = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?')
_NAME_TIME = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}[:\-]?\d{2}[:\-]?\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?|\d{10}(?:\.\d+)?)")
_CONFIG_LINE = re.compile(r"^\s*[A-Za-z_][A-Za-z0-9_]*\s*,\s*(gauge|counter|histogram|summary|label)\s*,", re.I)

POWER_METRICS = {"DCGM_FI_DEV_POWER_USAGE": 1.0, "dcgm_power_usage": 1.0,
                 "nvidia_smi_power_draw_average_watts": 1.0, "nvidia_smi_power_draw_watts": 1.0,
                 "nvidia_smi_power_draw_instant_watts": 1.0}
_POWER_RANK = {name: rank for rank, name in enumerate(POWER_METRICS)}
ENERGY_METRICS = {"DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "dcgm_total_energy_consumption"}
UTILIZATION_METRICS = {"DCGM_FI_DEV_GPU_UTIL": 1.0, "nvidia_smi_utilization_gpu_ratio": 100.0}
# The DCGM energy counter is an unsigned 64-bit number of millijoules: it never wraps in practice.
DCGM_COUNTER_MAX_MJ = 2.0 ** 64


def folder_bundle(folder: Path) -> bytes:
    """Join a folder of scrape files into one multi-scrape text, each opened by ``# SCRAPE_TIME``.

    Raises InputRejectedError when a file has no scrape time in its first line or its name.
    """
    parts = []
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    if not files:
        raise InputRejectedError(folder, "the folder contains no scrape files", hint="Choose a folder of .prom files.")
    for file in files:
        data = file.read_bytes()
        first = data.split(b"\n", 1)[0].decode("utf-8", errors="replace")
        if not SCRAPE_TIME.match(first):
            found = _NAME_TIME.search(file.stem)
            if not found:
                raise InputRejectedError(file, "the scrape has no time: no '# SCRAPE_TIME' first line and no "
                                         "time in the file name", hint="Name scrape files with their time, "
                                         "such as dcgm-2025-06-01T12:00:00Z.prom, or start them with "
                                         "'# SCRAPE_TIME 2025-06-01T12:00:00Z'.")
            parts.append(f"# SCRAPE_TIME {_name_time(found.group(1))}\n".encode())
        parts.append(data if data.endswith(b"\n") else data + b"\n")
    return b"".join(parts)


def _name_time(text: str) -> str:
    if "T" in text:
        date, _, clock = text.partition("T")
        clock = re.sub(r"^(\d{2})-?(\d{2})-?(\d{2})", r"\1:\2:\3", clock)
        return f"{date}T{clock}"
    return text


def read_scrapes(path: str | Path, *, timezone: str | None = None, host: str | None = None,
                 scrape_time: str | None = None, max_gap_s: float | None = None,
                 max_power_w: float | None = None, progress: Progress | None = None) -> ReadResult:
    """Read one scrape file, a file of several scrapes, or a folder of scrapes into hourly GPU energy."""
    path = Path(path)
    progress = progress or no_progress("Import")
    data = folder_bundle(path) if path.is_dir() else path.read_bytes()
    text = data.decode("utf-8", errors="replace")
    result = ReadResult(kind="dcgm", importer="prometheus-gpu-scrapes", importer_version=IMPORTER_VERSION,
                        options={"timezone": timezone, "host": host, "scrape_time": scrape_time,
                                 "max_gap_s": max_gap_s})
    readings = _readings(path, text.splitlines(), host, scrape_time, result)
    progress.update(0.6, f"{path.name}: {len(readings)} GPU readings")
    integrate_readings(path, readings, ReadingsOptions(
        timezone=timezone, max_gap_s=max_gap_s, scope=host or path.stem, counter_max_mj=DCGM_COUNTER_MAX_MJ,
        max_power_w=max_power_w), result)
    progress.update(1.0, f"{path.name}: done", force=True)
    log.info("read %s: %d readings, %d energy rows", path.name, len(readings), len(result.tables["energy"]))
    return result


class _Scan:
    def __init__(self) -> None:
        self.scrape_time: str | None = None
        self.scrapes = 0
        self.readings: dict[tuple, Reading] = {}
        self.devices: dict[tuple, DeviceInfo] = {}
        self.duplicates = 0
        self.unlabelled = 0
        self.power_metric: dict[tuple, str] = {}


def _readings(path: Path, lines: list[str], host: str | None, scrape_time: str | None,
              result: ReadResult) -> list[Reading]:
    scan = _Scan()
    samples = 0
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        marker = SCRAPE_TIME.match(stripped)
        if marker:
            scan.scrape_time = marker.group("time")
            scan.scrapes += 1
            continue
        if not stripped or stripped.startswith("#"):
            continue
        match = _SAMPLE.match(stripped)
        if match is None:
            if _CONFIG_LINE.match(stripped):
                raise InputRejectedError(path, "this is a dcgm-exporter counters configuration (field, type, "
                                         "help), not a scrape of metric values", row=number, value=stripped[:60],
                                         hint="Import what the exporter serves at /metrics, saved with its "
                                              "scrape time.")
            continue
        samples += 1
        _take_sample(path, number, match, scan, host, scrape_time)
    result.rows_read = samples
    _notes(scan, result, samples)
    if samples == 0:
        raise InputRejectedError(path, "no Prometheus metric samples in the file",
                                 hint="Import the text a DCGM or nvidia-smi exporter serves at /metrics.")
    if not any(np.isfinite(r.power_w) or np.isfinite(r.energy_mj) for r in scan.readings.values()):
        raise InputRejectedError(path, "the scrape has no GPU power or energy metric (DCGM_FI_DEV_POWER_USAGE, "
                                 "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION or nvidia_smi_power_draw_watts)",
                                 hint="Enable the power fields in the exporter's counters file.")
    return list(scan.readings.values())


def _take_sample(path: Path, number: int, match: re.Match, scan: _Scan, host: str | None,
                 scrape_time: str | None) -> None:
    name = match.group("name")
    wanted = name in POWER_METRICS or name in ENERGY_METRICS or name in UTILIZATION_METRICS
    labels = dict(_LABEL.findall(match.group("labels") or ""))
    uuid = labels.get("UUID") or labels.get("uuid") or labels.get("gpu_uuid")
    if not uuid:
        scan.unlabelled += 1
        return
    when = _sample_time(path, number, match.group("timestamp"), scan.scrape_time, scrape_time)
    machine = host or labels.get("Hostname") or labels.get("hostname") or labels.get("instance")
    key = (machine, uuid, when)
    reading = scan.readings.get(key)
    if reading is None:
        device = scan.devices.get((machine, uuid))
        if device is None:
            device = scan.devices[(machine, uuid)] = DeviceInfo(
                identity=uuid, field="uuid", uuid=uuid, gpu_index=labels.get("gpu") or labels.get("index"),
                model=labels.get("modelName") or labels.get("name"), host=machine)
        reading = scan.readings[key] = Reading(row=number, time_text=when, device=device)
    if not wanted:
        # Any GPU series registers the GPU, so a GPU without power metrics shows as unmeasured.
        return
    value = _number(match.group("value"))
    if name in ENERGY_METRICS:
        _set_once(scan, reading, "energy_mj", value)
    elif name in UTILIZATION_METRICS:
        _set_once(scan, reading, "utilization_pct", value * UTILIZATION_METRICS[name])
    else:
        current = scan.power_metric.get(key)
        if current == name:
            scan.duplicates += 1
        elif current is None or _POWER_RANK[name] < _POWER_RANK[current]:
            scan.power_metric[key] = name
            reading.power_w, reading.power_field = value * POWER_METRICS[name], name


def _set_once(scan: _Scan, reading: Reading, attribute: str, value: float) -> None:
    """Keep the first value: a MIG GPU repeats device-level series once per GPU instance."""
    if np.isnan(getattr(reading, attribute)):
        setattr(reading, attribute, value)
    else:
        scan.duplicates += 1


def _sample_time(path: Path, number: int, stamp: str | None, scrape: str | None, stated: str | None) -> str:
    if stamp:
        return f"{int(stamp) / 1000.0:.3f}"
    if scrape:
        return scrape
    if stated:
        return stated
    raise InputRejectedError(path, "the scrape has no time: Prometheus text carries none", row=number,
                             hint="Give the scrape time (--scrape-time 2025-06-01T12:00:00Z), start each scrape "
                                  "with '# SCRAPE_TIME <time>', or import a folder of scrapes named by time.")


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return np.nan


def _notes(scan: _Scan, result: ReadResult, samples: int) -> None:
    if scan.scrapes:
        result.notes.append(f"{scan.scrapes} scrapes, each opened by a SCRAPE_TIME line")
    if scan.duplicates:
        result.notes.append(f"{scan.duplicates} repeated device-level samples (one per MIG instance or per "
                            "exporter series) were counted once per GPU UUID")
    if scan.unlabelled:
        result.notes.append(f"{scan.unlabelled} samples without a UUID label (no GPU to assign them to) were skipped")
