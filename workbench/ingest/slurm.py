"""Reader for Slurm ``sacct --parsable2`` (and ``-p``) output: jobs, their energy and their nodes.

Columns are found by name (``JobID``, ``JobName``, ``User``, ``State``, ``Start``, ``End``,
``ElapsedRaw`` or ``Elapsed``, ``NNodes``, ``NodeList``, ``AllocTRES``, ``ConsumedEnergyRaw``,
``ConsumedEnergy``, ``Cluster``); ``-p`` leaves a trailing ``|`` on every line, which is dropped.

Energy rules:

* A job appears as its allocation row (``38113``) and step rows (``38113.batch``,
  ``38113.extern``, ``38113.0``). They overlap (``.extern`` often repeats the job total, and
  ``.batch`` covers one node), so they are never added: the job's energy is the allocation
  row's ``ConsumedEnergyRaw`` (J), else its ``AllocTRES`` ``energy=``, else ``ConsumedEnergy``
  with its SI suffix (``20.54M``), else the ``.extern`` step's, which spans the allocation.
  ``TRESUsageOutAve`` is never read: its ``energy=`` is not job energy.
* A job on nodes it shared with other jobs is charged whole-node energy by Slurm; when the
  node size is stated, the energy is scaled by the job's share of GPUs (or CPUs).
* Energy above nodes x the maximum node power x elapsed time is implausible and not used.

Times follow the site's SLURM_TIME_FORMAT: ISO (``2024-03-15T20:24:16``), the
``2024-03-15-20:24:16`` form, or Unix seconds; naive times take the declared zone.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.errors import InputRejectedError, RowProblem
from workbench.ingest.codecarbon import hour_shares
from workbench.ingest.common import ReadResult, is_missing, resolve_timezone
from workbench.ingest.timeparse import NaiveTimeError, parse_utc_seconds
from workbench.progress import Progress, no_progress

log = logging.getLogger(__name__)

IMPORTER_VERSION = "1"
# NOTE: a generous bound for one GPU node (an 8-GPU H100 server is rated about 10.2 kW); sites
# with larger nodes set their own with max_node_power_w.
DEFAULT_MAX_NODE_POWER_W = 15_000.0
SI = {"": 1.0, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15}
_SI_NUMBER = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*([KMGTP]?)\s*$", re.IGNORECASE)
_DASH_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})-(\d{2}:\d{2}:\d{2})$")
_ELAPSED = re.compile(r"^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$")
REQUIRED = ("jobid", "start", "end")


def read_sacct(path: str | Path, *, timezone: str | None = None, run: str | None = None,
               gpus_per_node: int | None = None, cpus_per_node: int | None = None,
               max_node_power_w: float = DEFAULT_MAX_NODE_POWER_W, progress: Progress | None = None) -> ReadResult:
    """Read sacct output into jobs (``jobs``), their node allocations (``allocations``) and node energy."""
    path = Path(path)
    progress = progress or no_progress("Import")
    header, rows = _table(path)
    result = ReadResult(kind="slurm", importer="slurm-sacct", importer_version=IMPORTER_VERSION,
                        options={"timezone": timezone, "run": run, "gpus_per_node": gpus_per_node,
                                 "cpus_per_node": cpus_per_node, "max_node_power_w": max_node_power_w})
    groups = _group_rows(path, header, rows, result)
    jobs = [_job(path, parent, steps, run, gpus_per_node, cpus_per_node, result) for parent, steps in groups]
    jobs = [job for job in jobs if job is not None]
    if not jobs:
        raise InputRejectedError(path, "no job allocation row could be used",
                                 hint="Run sacct with --parsable2 and at least JobID, Start, End, NodeList and "
                                      "ConsumedEnergyRaw.")
    frame = _times(path, pd.DataFrame(jobs), timezone, result)
    _bound(frame, max_node_power_w, result)
    result.tables["jobs"] = frame
    result.tables["allocations"] = _allocations(frame)
    result.tables["energy"] = _node_energy(frame)
    usable = frame["start_utc"].notna()
    if usable.any():
        result.start_utc, result.end_utc = float(frame["start_utc"].min()), float(frame["end_utc"].max())
    progress.update(1.0, f"{path.name}: done", force=True)
    return result


def _table(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    lines = path.read_text("utf-8-sig", errors="replace").splitlines()
    numbered = [(number, line) for number, line in enumerate(lines, start=1) if line.strip()]
    if not numbered or "|" not in numbered[0][1]:
        raise InputRejectedError(path, "not sacct --parsable2 output: the first line has no '|' separators",
                                 hint="Export with sacct --parsable2 (or -p) and a header line.")
    trailing = numbered[0][1].rstrip().endswith("|")
    split = [(number, _cells(line, trailing)) for number, line in numbered]
    header = [name.strip().lower() for name in split[0][1]]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise InputRejectedError(path, f"sacct output without the column(s) {', '.join(missing)}",
                                 row=split[0][0], hint="Add them with sacct --format=JobID,Start,End,...")
    return header, split[1:]


def _cells(line: str, trailing: bool) -> list[str]:
    cells = line.rstrip("\r\n").split("|")
    return cells[:-1] if trailing and cells and cells[-1].strip() == "" else cells


def _group_rows(path: Path, header: list[str], rows, result: ReadResult) -> list[tuple[dict, list[dict]]]:
    groups: dict[str, tuple[dict | None, list[dict]]] = {}
    for number, cells in rows:
        result.rows_read += 1
        if len(cells) != len(header):
            result.rejected.append(RowProblem(path.name, number, "(whole row)", "|".join(cells)[:200],
                                              f"row has {len(cells)} fields but the header has {len(header)}"))
            continue
        values = dict(zip(header, (cell.strip() for cell in cells)))
        values["_row"] = number
        job_id = values["jobid"]
        parent_id, _, step = job_id.partition(".")
        parent, steps = groups.setdefault(parent_id, (None, []))
        if step or parent is not None:
            if not step:
                values["_repeat"] = True
            steps.append(values)
        else:
            groups[parent_id] = (values, steps)
    found = []
    for parent_id, (parent, steps) in groups.items():
        if parent is None:
            first = steps[0]
            result.rejected.append(RowProblem(path.name, first["_row"], "JobID", first["jobid"],
                                              f"job {parent_id} has step rows but no allocation row; run sacct "
                                              "without filtering steps out"))
            continue
        found.append((parent, steps))
    return found


def _job(path: Path, parent: dict, steps: list[dict], run: str | None, gpus_per_node, cpus_per_node,
         result: ReadResult) -> dict | None:
    tres = _tres(parent.get("alloctres", ""))
    energy_j, field = _energy(parent, tres, steps)
    nodes = _int(parent.get("nnodes")) or _int(tres.get("node"))
    alloc_gpus = _int(tres.get("gres/gpu"))
    alloc_cpus = _int(tres.get("cpu")) or _int(parent.get("alloccpus"))
    share = _node_share(nodes, alloc_gpus, alloc_cpus, gpus_per_node, cpus_per_node)
    repeats = [step for step in steps if step.get("_repeat")]
    for step in repeats:
        result.notes.append(f"row {step['_row']}: a second row for job {parent['jobid']} (an srun step shown "
                            "with the job's id) was not added to the job's energy")
    job_name = parent.get("jobname") or None
    return {
        "source_row": parent["_row"], "job_id": parent["jobid"], "cluster": parent.get("cluster") or None,
        "job_name": job_name, "user_name": parent.get("user") or None, "state": parent.get("state") or None,
        "run": run or job_name or f"slurm-{parent['jobid']}",
        "start_text": parent.get("start", ""), "end_text": parent.get("end", ""),
        "elapsed_s": _elapsed(parent), "nodes": nodes, "node_list": parent.get("nodelist") or None,
        "alloc_cpus": alloc_cpus, "alloc_gpus": alloc_gpus, "node_energy_j": energy_j,
        "energy_j": _shared(energy_j, share),
        "energy_field": field, "node_share": share,
        "energy_flag": "partial_node" if share is not None and share < 1.0 else None,
        "step_rows": len(steps),
    }


def _shared(energy_j: float | None, share: float | None) -> float | None:
    """Return the job's part of whole-node energy: all of it unless the node share is known."""
    if energy_j is None or share is None:
        return energy_j
    return energy_j * share


def _tres(text: str) -> dict[str, str]:
    pairs = (item.partition("=") for item in text.split(",") if "=" in item)
    return {key.strip().lower(): value.strip() for key, _, value in pairs}


def _energy(parent: dict, tres: dict[str, str], steps: list[dict]) -> tuple[float | None, str | None]:
    raw = parent.get("consumedenergyraw", "")
    if raw and not is_missing(raw) and _si(raw) is not None:
        return _si(raw), "ConsumedEnergyRaw"
    if "energy" in tres and _si(tres["energy"]) is not None:
        return _si(tres["energy"]), "AllocTRES energy"
    text = parent.get("consumedenergy", "")
    if text and not is_missing(text) and _si(text) is not None:
        return _si(text), "ConsumedEnergy"
    for step in steps:
        if step["jobid"].endswith(".extern") and _si(step.get("consumedenergyraw", "")) is not None:
            return _si(step["consumedenergyraw"]), "ConsumedEnergyRaw of .extern"
    return None, None


def _si(text: str) -> float | None:
    """Parse ``20543125``, ``20.54M`` or ``101.63K`` (decimal SI, as sacct prints energy)."""
    match = _SI_NUMBER.match(text or "")
    if match is None:
        return None
    return float(match.group(1)) * SI[match.group(2).upper()]


def _int(text) -> int | None:
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    value = _si(str(text))
    return int(value) if value is not None else None


def _node_share(nodes, alloc_gpus, alloc_cpus, gpus_per_node, cpus_per_node) -> float | None:
    if not nodes:
        return None
    if alloc_gpus and gpus_per_node:
        return min(1.0, alloc_gpus / (nodes * gpus_per_node))
    if alloc_cpus and cpus_per_node:
        return min(1.0, alloc_cpus / (nodes * cpus_per_node))
    return None


def _elapsed(values: dict) -> float | None:
    raw = values.get("elapsedraw", "")
    if raw.strip().isdigit():
        return float(raw)
    match = _ELAPSED.match(values.get("elapsed", "").strip())
    if match is None:
        return None
    days, hours, minutes, seconds = (float(group) if group else 0.0 for group in match.groups())
    return days * 86400 + hours * 3600 + minutes * 60 + seconds


def _times(path: Path, frame: pd.DataFrame, timezone: str | None, result: ReadResult) -> pd.DataFrame:
    zone = resolve_timezone(timezone)
    for column in ("start", "end"):
        texts = frame[f"{column}_text"].map(lambda text: _DASH_TIME.sub(r"\1T\2", text))
        unknown = texts.map(lambda text: is_missing(text) or text.lower() in ("unknown", "none"))
        try:
            seconds, reasons = parse_utc_seconds(texts.where(~unknown, ""), zone)
        except NaiveTimeError:
            raise InputRejectedError(path, "sacct times have no time zone and none was given",
                                     row=int(frame["source_row"].iloc[0]), column=column.capitalize(),
                                     value=frame[f"{column}_text"].iloc[0],
                                     hint="Pass --timezone with the cluster's time zone.") from None
        seconds[unknown.to_numpy()] = np.nan
        frame[f"{column}_utc"] = seconds
    missing = frame["start_utc"].isna() | frame["end_utc"].isna()
    for row in frame[missing].itertuples():
        result.rejected.append(RowProblem(path.name, int(row.source_row), "Start/End",
                                          f"{row.start_text} / {row.end_text}",
                                          "the job has no start or end time (still pending or running); "
                                          "it is not attributed"))
    return frame


def _bound(frame: pd.DataFrame, max_node_power_w: float, result: ReadResult) -> None:
    elapsed = frame["elapsed_s"].fillna(frame["end_utc"] - frame["start_utc"])
    limit = frame["nodes"].fillna(1).astype(float) * max_node_power_w * elapsed
    above = frame["node_energy_j"].notna() & (frame["node_energy_j"] > limit)
    for row in frame[above].itertuples():
        result.notes.append(f"job {row.job_id} (row {row.source_row}): {row.node_energy_j:,.0f} J is more than "
                            f"{row.nodes or 1} nodes x {max_node_power_w:g} W x {row.elapsed_s:g} s allow; "
                            "its energy is not used")
    frame.loc[above, "energy_flag"] = "above_bound"
    frame.loc[above, "energy_j"] = np.nan
    if frame["node_share"].isna().all() and len(frame):
        result.notes.append("the node size was not stated (--gpus-per-node or --cpus-per-node), so jobs on shared "
                            "nodes cannot be recognized and carry whole-node energy")


def expand_hostlist(text: str | None) -> list[str]:
    """Expand a Slurm host list such as ``gpu[01-03,07],login1`` into host names."""
    if not text or is_missing(text) or text.lower() == "none assigned":
        return []
    hosts, depth, current = [], 0, ""
    for char in text:
        depth += char == "["
        depth -= char == "]"
        if char == "," and depth == 0:
            hosts.extend(_expand_one(current))
            current = ""
        else:
            current += char
    hosts.extend(_expand_one(current))
    return hosts


def _expand_one(text: str) -> list[str]:
    match = re.search(r"\[([^\]]*)\]", text)
    if match is None:
        return [text] if text else []
    prefix, suffix = text[:match.start()], text[match.end():]
    names = []
    for part in match.group(1).split(","):
        low, _, high = part.partition("-")
        width = len(low)
        for number in range(int(low), int(high or low) + 1):
            names.extend(_expand_one(f"{prefix}{number:0{width}d}{suffix}"))
    return names


def _allocations(frame: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for index, job in frame.iterrows():
        if pd.isna(job["start_utc"]) or pd.isna(job["end_utc"]) or job["end_utc"] <= job["start_utc"]:
            continue
        hosts = expand_hostlist(job["node_list"])
        gpus = job["alloc_gpus"] / len(hosts) if hosts and job["alloc_gpus"] else None
        for host in hosts:
            rows.append({"job_index": index, "run": job["run"], "source_row": job["source_row"], "host": host,
                         "gpus": gpus, "start_utc": int(job["start_utc"]), "end_utc": int(job["end_utc"]),
                         "start_text": job["start_text"], "end_text": job["end_text"]})
    return pd.DataFrame(rows, columns=["job_index", "run", "source_row", "host", "gpus", "start_utc", "end_utc",
                                       "start_text", "end_text"])


def _node_energy(frame: pd.DataFrame) -> pd.DataFrame:
    """Job energy spread evenly over the job's UTC hours, at the node level, per run."""
    rows = []
    for job in frame.itertuples():
        if pd.isna(job.energy_j) or pd.isna(job.start_utc) or pd.isna(job.end_utc):
            continue
        for hour, share, seconds in hour_shares(job.start_utc, job.end_utc):
            rows.append({"run": job.run, "hour_utc": hour, "level": "node", "energy_wh": job.energy_j / 3600 * share,
                         "gpu_energy_wh": None, "sample_count": 1, "coverage": min(seconds / 3600.0, 1.0),
                         "gap_seconds": 0.0, "quality": "measured" if job.energy_flag is None else "estimated",
                         "first_row": job.source_row, "last_row": job.source_row})
    columns = ["run", "hour_utc", "level", "energy_wh", "gpu_energy_wh", "sample_count", "coverage", "gap_seconds",
               "quality", "first_row", "last_row"]
    if not rows:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame(rows).groupby(["run", "hour_utc", "level"], as_index=False).agg(
        energy_wh=("energy_wh", "sum"), gpu_energy_wh=("gpu_energy_wh", "first"), sample_count=("sample_count", "sum"),
        coverage=("coverage", "max"), gap_seconds=("gap_seconds", "sum"), quality=("quality", "max"),
        first_row=("first_row", "min"), last_row=("last_row", "max"))[columns]
