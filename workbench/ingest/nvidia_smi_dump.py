"""Readers for ``nvidia-smi -q -x`` (XML) and ``nvidia-smi -q`` (text) dumps, one or many per file.

``nvidia-smi -q -x -l 5 > log.xml`` appends one XML document per interval; ``-q -l`` does the
same with text dumps opened by ``==============NVSMI LOG==============``. Each dump is a
snapshot: a ctime time stamp (local time, ``Thu Aug  6 01:03:40 2026``) and, per GPU, its
power. The power element moved between schema versions, so every path is optional and the
first one present wins:

=====================================  ===========================================
XML (DTD v10-v13)                      text
=====================================  ===========================================
gpu_power_readings/average_power_draw  GPU Power Readings / Average Power Draw
gpu_power_readings/power_draw          GPU Power Readings / Power Draw
power_readings/average_power_draw      Power Readings / Average Power Draw
power_readings/power_draw              Power Readings / Power Draw
gpu_power_readings/instant_power_draw  GPU Power Readings / Instantaneous Power Draw
power_readings/instant_power_draw      Power Readings / Instantaneous Power Draw
=====================================  ===========================================

A GPU with none of them, or only ``N/A``, is unmeasured (GeForce cards report ``N/A``), never
0 W. The path used is noted per file. XML is parsed with defusedxml, which refuses entity
declarations and never fetches the DTD the DOCTYPE names.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Iterator

import numpy as np
from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from workbench.errors import InputRejectedError
from workbench.ingest.common import ReadResult, is_missing
from workbench.ingest.gpu_devices import DeviceInfo
from workbench.ingest.snapshots import Reading, ReadingsOptions, integrate_readings
from workbench.progress import Progress, no_progress

log = logging.getLogger(__name__)

IMPORTER_VERSION = "1"
XML_POWER_PATHS = ("gpu_power_readings/average_power_draw", "gpu_power_readings/power_draw",
                   "power_readings/average_power_draw", "power_readings/power_draw",
                   "gpu_power_readings/instant_power_draw", "power_readings/instant_power_draw")
TEXT_POWER_PATHS = (("GPU Power Readings", "Average Power Draw"), ("GPU Power Readings", "Power Draw"),
                    ("Power Readings", "Average Power Draw"), ("Power Readings", "Power Draw"),
                    ("GPU Power Readings", "Instantaneous Power Draw"),
                    ("Power Readings", "Instantaneous Power Draw"))
TEXT_MARKER = "==============NVSMI LOG=============="
_WATTS = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*W\s*$", re.IGNORECASE)
_GPU_HEADER = re.compile(r"^GPU [0-9A-Fa-f]+:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-9A-Fa-f]\s*$")


def read_xml(path: str | Path, *, timezone: str | None = None, host: str | None = None,
             observed_at: str | None = None, max_gap_s: float | None = None,
             progress: Progress | None = None) -> ReadResult:
    """Read one or more concatenated ``nvidia-smi -q -x`` documents into hourly GPU energy.

    Documents are parsed one at a time as the file is read. ``observed_at`` is the time of a
    dump that has no ``<timestamp>`` (some v10 files).
    """
    path = Path(path)
    progress = progress or no_progress("Import")
    size = max(path.stat().st_size, 1)
    result = ReadResult(kind="nvidia-smi-xml", importer="nvidia-smi-q-xml", importer_version=IMPORTER_VERSION,
                        options={"timezone": timezone, "host": host, "max_gap_s": max_gap_s,
                                 "observed_at": observed_at})
    readings: list[Reading] = []
    used_paths: set[str] = set()
    devices: dict[tuple, DeviceInfo] = {}
    for line, document, done in _xml_documents(path):
        root = _parse_xml(path, line, document)
        readings.extend(_xml_readings(path, root, line, host, observed_at, used_paths, devices))
        progress.update(0.5 * done / size, f"{path.name}: {len(readings)} readings")
    result.rows_read = len(readings)
    _note_paths(result, used_paths)
    integrate_readings(path, readings, ReadingsOptions(timezone=timezone, max_gap_s=max_gap_s,
                                                       scope=host or path.stem), result)
    progress.update(1.0, f"{path.name}: done", force=True)
    return result


def _xml_documents(path: Path) -> Iterator[tuple[int, str, int]]:
    """Yield (first line number, document text, bytes read) for each document, one at a time.

    A document ends with its ``</nvidia_smi_log>`` line, so appended dumps are split there.
    """
    buffer: list[str] = []
    first, done = 1, 0
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            done += len(raw)
            line = raw.decode("utf-8", errors="replace")
            if not buffer:
                if not line.strip():
                    continue
                first = number
            buffer.append(line)
            if "</nvidia_smi_log>" in line:
                yield first, "".join(buffer), done
                buffer = []
    if buffer and "".join(buffer).strip():
        yield first, "".join(buffer), done


def _parse_xml(path: Path, line: int, document: str):
    try:
        return ElementTree.fromstring(document.strip())
    except DefusedXmlException as exc:
        raise InputRejectedError(path, f"the XML declares entities or external references ({type(exc).__name__}), "
                                 "which are not read from untrusted files", row=line,
                                 hint="Export the dump again with 'nvidia-smi -q -x'.") from None
    except ElementTree.ParseError as exc:
        raise InputRejectedError(path, f"not well-formed XML: {exc}", row=line,
                                 hint="Check that the file is complete 'nvidia-smi -q -x' output.") from None
    except LookupError as exc:
        raise InputRejectedError(path, f"the XML declaration names an unknown encoding ({exc})", row=line,
                                 hint="Export the dump again with 'nvidia-smi -q -x'.") from None


def _xml_readings(path: Path, root, line: int, host: str | None, observed_at: str | None,
                  used_paths: set[str], devices: dict[tuple, DeviceInfo]) -> list[Reading]:
    if root.tag != "nvidia_smi_log":
        raise InputRejectedError(path, f"the XML root is <{root.tag}>, not <nvidia_smi_log>", row=line,
                                 hint="Choose the output of 'nvidia-smi -q -x'.")
    stamp = (root.findtext("timestamp") or "").strip() or observed_at
    if not stamp:
        raise InputRejectedError(path, "the dump has no <timestamp> and no observation time was given", row=line,
                                 column="timestamp", hint="Pass --observed-at with the time the dump was taken.")
    readings = []
    for gpu in root.findall("gpu"):
        identity = (gpu.findtext("uuid") or gpu.get("id") or "").strip()
        info = devices.get((host, identity))
        if info is None:
            info = devices[(host, identity)] = DeviceInfo(
                identity=identity, field="uuid", uuid=(gpu.findtext("uuid") or "").strip() or None,
                gpu_index=(gpu.findtext("minor_number") or "").strip() or None,
                model=(gpu.findtext("product_name") or "").strip() or None, host=host)
        power_w, used = np.nan, None
        for candidate in XML_POWER_PATHS:
            value = _watts(gpu.findtext(candidate))
            if value is not None:
                power_w, used = value, candidate
                break
        if used:
            used_paths.add(used)
        utilization = _percent(gpu.findtext("utilization/gpu_util"))
        readings.append(Reading(row=line, time_text=stamp, device=info, power_w=power_w, power_field=used,
                                utilization_pct=utilization))
    return readings


def read_text(path: str | Path, *, timezone: str | None = None, host: str | None = None,
              max_gap_s: float | None = None, progress: Progress | None = None) -> ReadResult:
    """Read one or more ``nvidia-smi -q`` text dumps into hourly GPU energy, one dump at a time."""
    path = Path(path)
    progress = progress or no_progress("Import")
    result = ReadResult(kind="nvidia-smi-q", importer="nvidia-smi-q-text", importer_version=IMPORTER_VERSION,
                        options={"timezone": timezone, "host": host, "max_gap_s": max_gap_s})
    with open(path, "rb") as handle:
        head = [handle.readline().decode("utf-8", errors="replace") for _ in range(50)]
    if not any(line.strip() == TEXT_MARKER for line in head):
        raise InputRejectedError(path, f"not an 'nvidia-smi -q' dump: no '{TEXT_MARKER}' line at the top",
                                 hint="Choose the text output of 'nvidia-smi -q'.")
    readings: list[Reading] = []
    used_paths: set[str] = set()
    for dump in _text_dumps(path):
        readings.extend(_text_readings(path, dump, host, used_paths))
    result.rows_read = len(readings)
    _note_paths(result, used_paths)
    integrate_readings(path, readings, ReadingsOptions(timezone=timezone, max_gap_s=max_gap_s,
                                                       scope=host or path.stem), result)
    progress.update(1.0, f"{path.name}: done", force=True)
    return result


def _text_dumps(path: Path) -> Iterator[list[tuple[int, str]]]:
    """Yield the numbered lines of each dump, one dump at a time."""
    dump: list[tuple[int, str]] | None = None
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            if line.strip() == TEXT_MARKER:
                if dump is not None:
                    yield dump
                dump = []
            elif dump is not None:
                dump.append((number, line))
    if dump is not None:
        yield dump


def _text_readings(path: Path, dump: list[tuple[int, str]], host: str | None, used_paths: set[str]) -> list[Reading]:
    stamp, stamp_row = None, None
    gpus: list[dict] = []
    sections: list[tuple[int, str]] = []
    for number, line in dump:
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        key, separator, value = line.strip().partition(":")
        key, value = key.strip(), value.strip()
        if indent == 0 and _GPU_HEADER.match(line):
            gpus.append({"row": number, "id": line.strip()[4:], "values": {}})
            sections = []
            continue
        if indent == 0 and key == "Timestamp":
            stamp, stamp_row = value, number
            continue
        if not gpus:
            continue
        while sections and sections[-1][0] >= indent:
            sections.pop()
        if not separator or (not value and not key.endswith(")")):
            sections.append((indent, key))
            continue
        path_key = tuple(name for _level, name in sections) + (key,)
        gpus[-1]["values"].setdefault(path_key[-2:] if len(path_key) >= 2 else path_key, value)
    if stamp is None:
        raise InputRejectedError(path, "a dump has no 'Timestamp' line", row=dump[0][0] if dump else None,
                                 hint="Choose complete 'nvidia-smi -q' output.")
    readings = []
    for gpu in gpus:
        values = gpu["values"]
        power_w, used = np.nan, None
        for candidate in TEXT_POWER_PATHS:
            value = _watts(values.get(candidate))
            if value is not None:
                power_w, used = value, " / ".join(candidate)
                break
        if used:
            used_paths.add(used)
        uuid = values.get(("GPU UUID",))
        info = DeviceInfo(identity=uuid or gpu["id"], field="uuid" if uuid else "pci.bus_id", uuid=uuid,
                          gpu_index=values.get(("Minor Number",)), model=values.get(("Product Name",)), host=host)
        readings.append(Reading(row=gpu["row"], time_text=stamp, device=info, power_w=power_w, power_field=used,
                                utilization_pct=_percent(values.get(("Utilization", "Gpu")))))
    return readings


def _watts(text: str | None) -> float | None:
    if text is None or is_missing(text):
        return None
    match = _WATTS.match(text)
    return float(match.group(1)) if match else None


def _percent(text: str | None) -> float:
    if text is None or is_missing(text):
        return np.nan
    try:
        return float(text.strip().rstrip("%").strip())
    except ValueError:
        return np.nan


def _note_paths(result: ReadResult, used_paths: set[str]) -> None:
    if used_paths:
        result.options["power_paths"] = sorted(used_paths)
        result.notes.append("power read from " + ", ".join(sorted(used_paths)))
