"""Reader for carbontracker logs: the standard log and its ``_carbontracker_output.log`` twin.

The standard log (``<pid>_<start>_carbontracker.log``) has one block per epoch, each line
prefixed by its local time::

    2020-08-24 19:26:09 - Epoch 1:
    2020-08-24 19:26:09 - Duration: 0:00:05.00
    2020-08-24 19:26:09 - Average power usage (W) for gpu: [136.86084615]
    2020-08-24 19:26:09 - Average power usage (W) for cpu: None

The epoch ends at the time of its ``Epoch N:`` line and lasts ``Duration`` (which can exceed
24 h, ``111:11:54``). A component's energy for the epoch is the sum of its devices' average
power times the duration. ``None`` means carbontracker could not read that component's power:
it is missing, never 0 W, even though the output log then prints ``Energy: 0.000000 kWh`` as if
it were a measurement. The output log's actual consumption includes carbontracker's PUE
(stated in the standard log), so it is only compared against, never stored.

Stored: GPU energy per run per UTC hour at the GPU board level (the workbench's node uplift
then adds CPU, memory and the rest of the node); CPU energy is reported in the notes only, so
it is not counted twice.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.errors import InputRejectedError, RowProblem
from workbench.ingest.codecarbon import MAX_INTERVAL_S, hour_shares
from workbench.ingest.common import ReadResult, resolve_timezone
from workbench.ingest.timeparse import NaiveTimeError, parse_utc_seconds
from workbench.progress import Progress, no_progress

log = logging.getLogger(__name__)

IMPORTER_VERSION = "1"
_LINE = re.compile(r"^(?P<time>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(?:,\d+)? - (?P<text>.*)$")
_EPOCH = re.compile(r"^Epoch (?P<number>\d+):\s*$")
_DURATION = re.compile(r"^Duration: (?P<h>\d+):(?P<m>\d{2}):(?P<s>\d{1,2}(?:\.\d+)?)\s*$")
_POWER = re.compile(r"^Average power usage \(W\) for (?P<component>\w+): (?P<value>None|\[.*\])\s*$")
_PUE = re.compile(r"PUE coefficient of (?P<pue>\d+(?:\.\d+)?)")
_ACTUAL = re.compile(r"Actual consumption(?: for (?P<epochs>\d+) epoch\(s\))?:\s*\n\s*Time:\s*(?P<time>\S+)\s*\n"
                     r"\s*Energy:\s*(?P<energy>[-\d.eE+]+)\s*kWh", re.IGNORECASE)


def read_carbontracker(path: str | Path, *, timezone: str | None = None, run: str | None = None,
                       progress: Progress | None = None) -> ReadResult:
    """Read a carbontracker standard log (or the output log beside it) into GPU energy per UTC hour."""
    path = Path(path)
    progress = progress or no_progress("Import")
    standard, output = _pair(path)
    result = ReadResult(kind="carbontracker", importer="carbontracker-log", importer_version=IMPORTER_VERSION,
                        options={"timezone": timezone, "run": run, "output_log": output.name if output else None})
    epochs = _epochs(standard, result)
    if not epochs:
        raise InputRejectedError(standard, "the log has no completed epoch ('Epoch N:' with its Duration)",
                                 hint="carbontracker writes an epoch block when an epoch ends; import the log of "
                                      "a run that finished at least one epoch.")
    _check_measured(standard, output, epochs, result)
    _store(standard, epochs, timezone, run or standard.name.split("_carbontracker")[0], result)
    progress.update(1.0, f"{path.name}: done", force=True)
    return result


def _pair(path: Path) -> tuple[Path, Path | None]:
    name = path.name
    if name.endswith("_carbontracker_output.log"):
        standard = path.with_name(name.replace("_carbontracker_output.log", "_carbontracker.log"))
        if not standard.is_file():
            raise InputRejectedError(path, "this is carbontracker's output log, which has no epoch times; the "
                                     f"standard log {standard.name} is not beside it",
                                     hint="Import the standard log (…_carbontracker.log), with the output log "
                                          "in the same folder.")
        return standard, path
    output = path.with_name(name.replace("_carbontracker.log", "_carbontracker_output.log"))
    return path, (output if output.is_file() and output != path else None)


def _epochs(path: Path, result: ReadResult) -> list[dict]:
    epochs: list[dict] = []
    current: dict | None = None
    for number, line in enumerate(path.read_text("utf-8", errors="replace").splitlines(), start=1):
        match = _LINE.match(line.strip())
        if match is None:
            continue
        text = match.group("text").strip()
        if (pue := _PUE.search(text)) is not None:
            result.options["carbontracker_pue"] = float(pue.group("pue"))
        if (epoch := _EPOCH.match(text)) is not None:
            current = {"row": number, "time": match.group("time"), "epoch": int(epoch.group("number")),
                       "duration_s": None, "power_w": {}}
            epochs.append(current)
            result.rows_read += 1
        elif current is not None and (duration := _DURATION.match(text)) is not None:
            current["duration_s"] = _duration_s(path, number, duration, result)
            current["duration_rejected"] = current["duration_s"] is None
        elif current is not None and (power := _POWER.match(text)) is not None:
            component = power.group("component").lower()
            try:
                current["power_w"][component] = _powers(power.group("value"))
            except ValueError as exc:
                result.rejected.append(RowProblem(path.name, number, component, power.group("value")[:200],
                                                  str(exc)))
    complete = [epoch for epoch in epochs if epoch["duration_s"] is not None]
    for epoch in epochs:
        if epoch["duration_s"] is None and not epoch.get("duration_rejected"):
            result.rejected.append(RowProblem(path.name, epoch["row"], "Duration", "",
                                              "the epoch has no Duration line; it is not used"))
    return complete


def _duration_s(path: Path, row: int, match: re.Match, result: ReadResult) -> float | None:
    """Return an epoch's duration in seconds, or None (a rejected row) for one longer than MAX_INTERVAL_S."""
    seconds = int(match.group("h")) * 3600 + int(match.group("m")) * 60 + float(match.group("s"))
    if seconds > MAX_INTERVAL_S:
        result.rejected.append(RowProblem(path.name, row, "Duration", match.group(0)[:200],
                                          "an epoch longer than a year is not a training epoch; it is not used"))
        return None
    return seconds


def _powers(value: str) -> list[float] | None:
    """Parse ``[136.86 12.5]`` (one entry per device) or ``None`` (power could not be read).

    Raises ValueError when an entry is not a number, or is negative or not finite.
    """
    if value == "None":
        return None
    numbers = []
    for item in value.strip("[]").replace(",", " ").split():
        try:
            number = float(item)
        except ValueError:
            raise ValueError(f"'{item[:40]}' is not a power in W") from None
        if not np.isfinite(number) or number < 0:
            raise ValueError(f"power {item[:40]} W must be a finite, non-negative number")
        numbers.append(number)
    return numbers or None


def _check_measured(path: Path, output: Path | None, epochs: list[dict], result: ReadResult) -> None:
    gpu_epochs = [epoch for epoch in epochs if epoch["power_w"].get("gpu") is not None]
    stated = _actual_kwh(output) if output else None
    if stated is not None:
        result.options["output_log_energy_kwh"] = stated
    if gpu_epochs:
        return
    components = sorted({name for epoch in epochs for name, value in epoch["power_w"].items() if value is not None})
    trap = (f"; the output log's 'Energy: {stated:.6f} kWh' is not a measurement" if stated == 0.0 else "")
    raise InputRejectedError(path, "carbontracker could not read GPU power: every epoch has 'Average power usage "
                             f"(W) for gpu: None'{trap}", row=epochs[0]["row"], column="gpu", value="None",
                             hint="GPU energy for this run is unmeasured; import GPU telemetry (nvidia-smi, DCGM) "
                                  "for its GPUs instead." + (f" Measured components: {', '.join(components)}."
                                                             if components else ""))


def _actual_kwh(output: Path) -> float | None:
    match = _ACTUAL.search(output.read_text("utf-8", errors="replace"))
    if match is None:
        return None
    try:
        return float(match.group("energy"))
    except ValueError:  # the pattern also matches runs of signs and dots such as '-.-'
        return None


def _store(path: Path, epochs: list[dict], timezone: str | None, run: str, result: ReadResult) -> None:
    try:
        ends, reasons = parse_utc_seconds(pd.Series([epoch["time"] for epoch in epochs]), resolve_timezone(timezone))
    except NaiveTimeError:
        raise InputRejectedError(path, "time stamps have no time zone and none was given", row=epochs[0]["row"],
                                 value=epochs[0]["time"], hint="carbontracker logs local time; pass --timezone "
                                 "with the zone of the machine that ran the training.") from None
    totals: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0, 0, np.inf, -np.inf])
    cpu_j, missing_gpu = 0.0, 0
    for index, epoch in enumerate(epochs):
        if index in reasons:
            result.rejected.append(RowProblem(path.name, epoch["row"], "time", epoch["time"], reasons[index]))
            continue
        duration, gpu = epoch["duration_s"], epoch["power_w"].get("gpu")
        cpu = epoch["power_w"].get("cpu")
        cpu_j += sum(cpu) * duration if cpu else 0.0
        if gpu is None:
            missing_gpu += 1
            result.rejected.append(RowProblem(path.name, epoch["row"], "gpu", "None",
                                              "GPU power was not read in this epoch; its energy is unmeasured"))
            continue
        energy_wh = sum(gpu) * duration / 3600.0
        for hour, share, seconds in hour_shares(ends[index] - duration, ends[index]):
            cell = totals[hour]
            cell[0] += energy_wh * share
            cell[1] += seconds
            cell[2] += 1
            cell[3], cell[4] = min(cell[3], epoch["row"]), max(cell[4], epoch["row"])
    result.tables["energy"] = pd.DataFrame(
        [{"run": run, "hour_utc": hour, "level": "gpu_board", "energy_wh": v[0], "gpu_energy_wh": v[0],
          "sample_count": v[2], "coverage": min(v[1] / 3600.0, 1.0), "gap_seconds": 0.0, "quality": "measured",
          "first_row": v[3], "last_row": v[4]} for hour, v in sorted(totals.items())])
    starts = [ends[i] - epochs[i]["duration_s"] for i in range(len(epochs)) if i not in reasons]
    if starts:
        result.start_utc, result.end_utc = float(min(starts)), float(np.nanmax(ends))
        result.tables["run_windows"] = pd.DataFrame([(run, result.start_utc, result.end_utc)],
                                                    columns=["run", "start_s", "end_s"])
    gpu_kwh = sum(v[0] for v in totals.values()) / 1000.0
    result.notes.append(f"GPU energy {gpu_kwh:.6f} kWh is stored at the GPU board level; CPU energy "
                        f"{cpu_j / 3.6e6:.6f} kWh is not stored, because the node uplift covers it")
    if missing_gpu:
        result.notes.append(f"{missing_gpu} epochs have no GPU power ('None'); their GPU energy is unmeasured")
    pue = result.options.get("carbontracker_pue")
    if "output_log_energy_kwh" in result.options and pue:
        result.notes.append(f"the output log states {result.options['output_log_energy_kwh']:.6f} kWh including "
                            f"carbontracker's PUE {pue:g} and CPU energy; not stored")
