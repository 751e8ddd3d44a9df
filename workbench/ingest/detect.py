"""Recognizing what a telemetry or accounting file is from its first bytes.

Returns the import kind the file needs, or no kind and the precise reason it contains nothing
the workbench can use (a per-process list, an exporter's counter configuration, a capture bundle of
many command outputs).
"""

from __future__ import annotations

import re
from pathlib import Path

HEAD_BYTES = 64 << 10
_SECTION = re.compile(r"^# (?:idle|load) :: (?P<title>.+)$", re.MULTILINE)


def detect_kind(path: Path) -> tuple[str | None, str]:
    """Return (kind, description) or (None, the reason the file cannot be imported)."""
    if path.is_dir():
        return "dcgm", "a folder of Prometheus scrapes"
    with open(path, "rb") as handle:
        head_bytes = handle.read(HEAD_BYTES)
    if head_bytes.startswith(b"PAR1"):
        return "gpu-hours-parquet", "a Parquet file (GPU-hours hand-off format)"
    head = head_bytes.decode("utf-8", errors="replace").lstrip("\ufeff")
    lines = [line.strip() for line in head.splitlines() if line.strip()]
    first = lines[0] if lines else ""
    for test in (_bundle, _xml, _query_text, _monitor, _prometheus, _counter_config, _sacct, _csv):
        found = test(path, first, lines, head)
        if found is not None:
            return found
    return None, "the file is not a format the workbench reads (no known header in its first lines)"


def _bundle(path, first, lines, head):
    if "nvidia_gpu_exporter GPU capture" not in head[:400]:
        return None
    titles = sorted(set(_SECTION.findall(head + path.read_text("utf-8", errors="replace")[HEAD_BYTES:])))
    return None, ("the file is a capture bundle of many nvidia-smi command outputs (sections: "
                  f"{'; '.join(titles)}), not one log; cut out one section, such as the query-gpu CSV, "
                  "and import that")


def _xml(path, first, lines, head):
    if first.startswith("<?xml") or first.startswith("<nvidia_smi_log") or "<nvidia_smi_log" in head[:300]:
        return "nvidia-smi-xml", "nvidia-smi -q -x output"
    return None


def _query_text(path, first, lines, head):
    if any(line == "==============NVSMI LOG==============" for line in lines[:5]):
        return "nvidia-smi-q", "nvidia-smi -q output"
    return None


def _monitor(path, first, lines, head):
    names = first.lstrip("#").lower().split()
    if first.startswith("#") and "gpu" in names and "pwr" in names:
        return "dmon", "nvidia-smi dmon output"
    if first.startswith("#") and "gpu" in names and "pid" in names:
        return None, ("the file is nvidia-smi pmon output: per-process utilization without any power reading, "
                      "so it holds no energy; import dmon or query-gpu logs of the same GPUs")
    return None


def _prometheus(path, first, lines, head):
    if any(line.startswith(("# HELP ", "# TYPE ", "# SCRAPE_TIME")) for line in lines[:10]) or \
            any(re.match(r"^[A-Za-z_:][A-Za-z0-9_:]*\{[^}]*\}\s+\S+", line) for line in lines[:3]):
        return "dcgm", "a Prometheus scrape"
    return None


def _counter_config(path, first, lines, head):
    rows = [line for line in lines if not line.startswith("#")]
    if rows and all(re.match(r"^[A-Za-z_][A-Za-z0-9_]*\s*,\s*(gauge|counter|label|histogram)\s*,", row, re.I)
                    for row in rows[:20]):
        power = [row.split(",")[0].strip() for row in rows if "POWER_USAGE" in row.upper() or "ENERGY" in row.upper()]
        return None, ("the file is a dcgm-exporter counters configuration (field, type, help), which lists metrics "
                      f"to export but holds no measurements (power and energy fields listed: {', '.join(power) or 'none'}); "
                      "import scrapes of the exporter's /metrics instead")
    return None


def _sacct(path, first, lines, head):
    if "|" in first and "jobid" in [cell.strip().lower() for cell in first.split("|")]:
        return "slurm", "Slurm sacct --parsable2 output"
    return None


def _csv(path, first, lines, head):
    names = [re.sub(r"\s*\[.*?\]\s*$", "", cell.strip().lower()) for cell in first.split(",")]
    if "timestamp" in names and any(name.startswith("power.draw") for name in names):
        return "gpu-log", "an nvidia-smi --query-gpu CSV log"
    if "timestamp" in names and "process_name" in names and "pid" in names:
        empty = len(lines) <= 1
        return None, ("the file is nvidia-smi --query-compute-apps output: the processes on each GPU and their "
                      "memory, without power, so it holds no energy"
                      + ("; it lists no process at all" if empty else ""))
    if "energy_consumed" in names and "duration" in names:
        return "codecarbon", "a CodeCarbon emissions file"
    if {"run", "start", "end"} <= set(names):
        return "runs", "a runs table"
    if path.name.endswith("_carbontracker.log") or path.name.endswith("_carbontracker_output.log") or \
            "carbontracker version" in head[:2000]:
        return "carbontracker", "a carbontracker log"
    return None
