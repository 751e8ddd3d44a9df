"""Reader for Green Button (NAESB ESPI) XML: interval readings of a utility meter.

A feed is an Atom ``feed`` of ``entry`` elements whose ``content`` contains ESPI elements. The
prefixes differ between writers (``espi:``, a default namespace, ``ns0:``), so elements are
found by namespace URI. An ``IntervalBlock`` belongs to the ``MeterReading`` whose related link
names the block's collection, and the ``MeterReading`` links to its ``ReadingType``, which gives
the unit (``uom`` 72 = Wh, 38 = W, 169 = therm ...) and ``powerOfTenMultiplier``: the energy of
a reading is ``value x 10^multiplier`` in that unit. ``cost`` is in 1/100000 of the currency
whatever the energy multiplier is. ``timePeriod/start`` is Unix seconds UTC (some writers put a
fractional second); each reading's own duration is used, so daily readings of 82800 s and
90000 s on daylight-saving days stay right.

Only active electricity delivered to the customer (flowDirection 1) or net (19) is imported;
gas, reactive energy and energy sent to the grid are listed in the notes. The XML is parsed
with defusedxml, which refuses DTDs, entity declarations and external references.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from workbench.clock import epoch_to_text
from workbench.errors import InputRejectedError, RowProblem, UsageError
from workbench.ingest import intervals
from workbench.ingest.common import ReadResult
from workbench.ingest.registers import RegisterSettings, register_intervals
from workbench.ingest.units import UnitError, energy_scale_to_wh
from workbench.progress import Progress, no_progress

log = logging.getLogger(__name__)

IMPORTER_VERSION = "1"
ESPI = "{http://naesb.org/espi}"
ATOM = "{http://www.w3.org/2005/Atom}"
COST_SCALE = 1e-5
# ESPI unit-of-measure codes (from the IEC 61968-9 UnitSymbolKind list) seen in Green Button data.
UOM = {72: ("Wh", "energy"), 38: ("W", "power"), 73: ("VArh", "reactive energy"), 63: ("VAr", "reactive power"),
       71: ("VAh", "apparent energy"), 61: ("VA", "apparent power"), 169: ("therm", "gas"),
       119: ("ft3", "gas volume"), 42: ("m3", "volume"), 5: ("A", "current"), 29: ("V", "voltage"), 0: ("", "none")}
FLOW = {1: "delivered to the customer", 19: "net", 4: "received from the customer", 0: "not stated"}
# accumulationBehaviour: 4 deltaData is interval energy; 1 bulkQuantity and 3 cumulative are registers.
REGISTER_ACCUMULATION = {1, 3}
ESTIMATED_QUALITY = {8, 9, 12}


@dataclass
class _ReadingType:
    links: list[str]
    fields: dict[str, str]

    def number(self, name: str, default: int | None = None) -> int | None:
        text = self.fields.get(name, "").strip()
        return int(text) if text.lstrip("-").isdigit() else default


@dataclass
class _Series:
    """The readings of one MeterReading, in document order."""

    key: str
    reading_type: _ReadingType | None = None
    start: list[float] = field(default_factory=list)
    duration: list[float] = field(default_factory=list)
    value: list[float] = field(default_factory=list)
    cost: list[float] = field(default_factory=list)
    estimated: list[bool] = field(default_factory=list)
    number: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def read_green_button(path: str | Path, *, meter: str | None = None, measurement_point: str = "facility",
                      unit: str | None = None, progress: Progress | None = None) -> ReadResult:
    """Read a Green Button XML file into watt-hours per UTC hour.

    ``unit`` (such as 'Wh') is used when the file has interval readings but no ReadingType,
    as in exports cut down to their IntervalBlocks.
    """
    path = Path(path)
    progress = progress or no_progress("Import")
    root = _parse(path)
    feed = _Feed(root)
    result = ReadResult(kind="green-button", importer="espi-green-button-xml", importer_version=IMPORTER_VERSION,
                        options={"meter": meter, "measurement_point": measurement_point, "unit": unit,
                                 **feed.time_parameters()})
    if not feed.series:
        raise InputRejectedError(path, f"the file holds no IntervalBlock ({feed.describe()}), so it has no "
                                       "interval readings to import",
                                 hint="Export the usage data (IntervalBlocks) from the utility's Green Button "
                                      "download, not only the account or summary data.")
    _resolve_reading_types(path, feed, unit)
    progress.update(0.4, f"{path.name}: {sum(len(s.value) for s in feed.series)} readings")
    frames, problems = [], []
    name_base = meter or path.stem
    for series in feed.series:
        name = name_base if len(feed.series) == 1 else f"{name_base}:{_reading_id(series.key)}"
        result.rows_read += len(series.value)
        frame, reason = _series_energy(path, series, name, measurement_point, result)
        if frame is not None:
            frames.append(frame)
        if reason:
            problems.append(f"{series.key} ({len(series.value)} readings): {reason}")
    if not frames:
        raise InputRejectedError(path, "no electricity readings could be used: " + "; ".join(problems),
                                 hint="Check the ReadingType of the feed; gas use belongs in --kind scope1.")
    result.notes.extend(f"not imported: {problem}" for problem in problems)
    import pandas as pd

    energy = pd.concat(frames, ignore_index=True)
    result.tables["energy"] = energy
    result.start_utc = float(energy["hour_utc"].min())
    result.end_utc = float(energy["hour_utc"].max()) + 3600.0
    progress.update(1.0, f"{path.name}: done", force=True)
    return result


def _parse(path: Path):
    from defusedxml import DefusedXmlException, ElementTree

    try:
        return ElementTree.parse(path, forbid_dtd=True).getroot()
    except DefusedXmlException as exc:
        raise InputRejectedError(path, f"the XML declares a DTD, entities or external references ({type(exc).__name__}),"
                                       " which are not read for safety",
                                 hint="Green Button files need none of these; ask the utility for a plain export.")
    except ElementTree.ParseError as exc:
        raise InputRejectedError(path, f"the file is not well-formed XML: {exc}",
                                 hint="Check that the download finished.") from None
    except LookupError as exc:
        raise InputRejectedError(path, f"the XML declaration names an encoding Python does not know ({exc})",
                                 hint="Green Button files are UTF-8; ask the utility for a new export.") from None


class _Feed:
    """The ESPI resources of one document, found by namespace URI, with their Atom links."""

    def __init__(self, root) -> None:
        self.reading_types: list[_ReadingType] = []
        self.meter_readings: list[tuple[list[str], list[str]]] = []
        self.local_time: dict[str, str] = {}
        self.counts: Counter = Counter()
        self.series: list[_Series] = []
        entries = [root] if root.tag == f"{ATOM}entry" else list(root.iter(f"{ATOM}entry"))
        number = 0
        for entry in entries:
            links = _links(entry)
            content = entry.find(f"{ATOM}content")
            for child in (list(content) if content is not None else []):
                if not child.tag.startswith(ESPI):
                    self.counts[child.tag.rsplit("}", 1)[-1]] += 1
            for element in _content(entry):
                name = element.tag.replace(ESPI, "")
                self.counts[name] += 1
                if name == "ReadingType":
                    self.reading_types.append(_ReadingType(links.get("self", []), _fields(element)))
                elif name == "MeterReading":
                    self.meter_readings.append((links.get("self", []), links.get("related", [])))
                elif name == "LocalTimeParameters":
                    self.local_time = _fields(element)
                elif name == "IntervalBlock":
                    number = self._add_block(element, links, number)

    def _add_block(self, block, links: dict[str, list[str]], number: int) -> int:
        key = (links.get("up") or links.get("self") or ["IntervalBlock"])[0].strip()
        series = next((item for item in self.series if item.key == key), None)
        if series is None:
            series = _Series(key)
            self.series.append(series)
        for reading in block.iter(f"{ESPI}IntervalReading"):
            number += 1
            period = reading.find(f"{ESPI}timePeriod")
            series.start.append(_float(period, "start"))
            series.duration.append(_float(period, "duration"))
            series.value.append(_float(reading, "value"))
            series.cost.append(_float(reading, "cost"))
            codes = {int(q.text) for q in reading.iter(f"{ESPI}quality") if q.text and q.text.strip().isdigit()}
            series.estimated.append(bool(codes & ESTIMATED_QUALITY))
            series.number.append(number)
        return number

    def describe(self) -> str:
        found = ", ".join(f"{name} x{count}" for name, count in self.counts.most_common()) or "no ESPI elements"
        return f"it contains {found}"

    def time_parameters(self) -> dict:
        if not self.local_time:
            return {}
        return {"tz_offset_s": self.local_time.get("tzOffset"), "dst_offset_s": self.local_time.get("dstOffset"),
                "dst_start_rule": self.local_time.get("dstStartRule"),
                "dst_end_rule": self.local_time.get("dstEndRule")}


def _content(entry) -> list:
    content = entry.find(f"{ATOM}content")
    if content is None:
        return []
    return [element for element in content.iter() if element.tag.startswith(ESPI)
            and element.tag.replace(ESPI, "") in ("ReadingType", "MeterReading", "LocalTimeParameters",
                                                  "IntervalBlock", "UsagePoint", "ElectricPowerUsageSummary",
                                                  "UsageSummary")]


def _links(entry) -> dict[str, list[str]]:
    links: dict[str, list[str]] = {}
    for link in entry.findall(f"{ATOM}link"):
        href = (link.get("href") or "").strip()
        if href and href not in links.setdefault(link.get("rel", ""), []):
            links[link.get("rel", "")].append(href)
    return links


def _fields(element) -> dict[str, str]:
    return {child.tag.replace(ESPI, ""): (child.text or "").strip() for child in element}


def _float(element, name: str) -> float:
    if element is None:
        return math.nan
    child = element.find(f"{ESPI}{name}")
    if child is None or child.text is None:
        return math.nan
    try:
        return float(child.text.strip())
    except ValueError:
        return math.nan


def _reading_id(block_key: str) -> str:
    """Return the MeterReading id in a link such as ``.../MeterReading/1101/IntervalBlock``."""
    parts = block_key.rstrip("/").split("/")
    if "MeterReading" in parts and parts.index("MeterReading") + 1 < len(parts):
        return parts[parts.index("MeterReading") + 1]
    return parts[-1]


def _same_link(a: str, b: str) -> bool:
    a, b = a.rstrip("/"), b.rstrip("/")
    return a == b or a.endswith("/" + b) or b.endswith("/" + a)


# -- reading types ----------------------------------------------------------------------------------

def _resolve_reading_types(path: Path, feed: _Feed, unit: str | None) -> None:
    for series in feed.series:
        linked = _linked_reading_types(feed, series.key)
        if linked:
            series.reading_type = _merge(linked, series)
        elif unit:
            series.reading_type = _ReadingType([], {"uom": "", "powerOfTenMultiplier": "0", "unit_text": unit})
            series.notes.append(f"the file has no ReadingType for these readings; the stated unit {unit} was used")
        elif len(_distinct(feed.reading_types)) == 1:
            series.reading_type = feed.reading_types[0]
            series.notes.append("the MeterReading does not link to a ReadingType in the file; the feed's only "
                                "ReadingType was used")
        elif not feed.reading_types:
            raise InputRejectedError(path, f"the file has {len(series.value)} interval readings but no ReadingType, "
                                           "so their unit and power-of-ten multiplier are unknown",
                                     hint="Export the full feed (with its ReadingType and MeterReading entries), or "
                                          "state the unit of the values with --unit (such as Wh).")
        else:
            raise InputRejectedError(path, f"the readings of {series.key} cannot be matched to one of the "
                                           f"{len(feed.reading_types)} ReadingTypes of the feed",
                                     hint="Export the full feed with its MeterReading entries, which link them.")


def _linked_reading_types(feed: _Feed, block_key: str) -> list[_ReadingType]:
    for selves, related in feed.meter_readings:
        owns = any(_same_link(link, block_key) for link in related) or any(
            block_key.rstrip("/").startswith(self.rstrip("/") + "/") for self in selves)
        if not owns:
            continue
        targets = [link for link in related if "ReadingType" in link]
        return [rt for rt in feed.reading_types if any(_same_link(a, b) for a in rt.links for b in targets)]
    return []


def _distinct(reading_types: list[_ReadingType]) -> set[tuple]:
    return {(rt.fields.get("uom"), rt.fields.get("powerOfTenMultiplier"), rt.fields.get("flowDirection"),
             rt.fields.get("accumulationBehaviour")) for rt in reading_types}


def _merge(linked: list[_ReadingType], series: _Series) -> _ReadingType:
    """One ReadingType from several that share a link; they must agree on unit and multiplier."""
    units = {(rt.fields.get("uom"), rt.fields.get("powerOfTenMultiplier", "0")) for rt in linked}
    if len(units) > 1:
        series.notes.append(f"{len(linked)} ReadingTypes share one link and disagree on the unit or multiplier")
        return _ReadingType([], {"conflict": "1"})
    accumulation = {rt.fields.get("accumulationBehaviour") for rt in linked}
    if len(accumulation) > 1:
        series.notes.append(f"{len(linked)} ReadingTypes share one link with accumulationBehaviour "
                            f"{', '.join(sorted(a or '-' for a in accumulation))}; the values were read as interval "
                            "data (deltaData, 4)")
        chosen = next((rt for rt in linked if rt.fields.get("accumulationBehaviour") == "4"), linked[0])
        return chosen
    return linked[0]


# -- energy -----------------------------------------------------------------------------------------

def _series_energy(path: Path, series: _Series, name: str, measurement_point: str, result: ReadResult):
    """Return (hourly frame or None, reason the series was not imported or None)."""
    reading_type = series.reading_type
    result.notes.extend(f"{series.key}: {note}" for note in series.notes)
    if reading_type is None or reading_type.fields.get("conflict"):
        return None, "its ReadingTypes disagree on the unit"
    scale, unit_reason = _scale_to_wh(reading_type)
    start = np.array(series.start, dtype=float)
    duration = np.array(series.duration, dtype=float)
    reasons = [unit_reason] if unit_reason else []
    flow = reading_type.number("flowDirection", 1)
    if flow == 4:
        reasons.append("the readings are energy received from the customer (flowDirection 4), not consumption")
    if len(start) > 1 and np.all(start == start[0]):
        reasons.append(f"every reading has the same start {series.start[0]:.6f} ({epoch_to_text(series.start[0])}), "
                       "the time the file was written rather than the start of each period, so the readings "
                       "cannot be placed in time")
    if reasons:
        return None, "; ".join(reasons)
    value_wh = np.array(series.value, dtype=float) * scale
    if reading_type.fields.get("uom") == "38":
        value_wh = value_wh * duration / 3600.0  # average demand in W over the reading's duration
        result.notes.append(f"{series.key}: readings in W were read as average power over each reading's duration")
    if flow == 19:
        result.notes.append(f"{series.key}: the readings are net energy (flowDirection 19): consumption minus "
                            "energy sent to the grid")
    rows = np.array(series.number, dtype=np.int64)
    keep = _check_readings(path, start, duration, value_wh, rows, result)
    keep &= _drop_repeats(path, start, duration, value_wh, rows, keep, result)
    _record_cost(series, reading_type, keep, result)
    level = "facility" if measurement_point == "facility" else "it"
    estimated = np.array(series.estimated, dtype=bool)
    accumulation = reading_type.number("accumulationBehaviour", 4)
    if accumulation in REGISTER_ACCUMULATION:
        return _register_frame(path, start + duration, value_wh, rows, keep, estimated, name, level, result), None
    if not keep.any():
        return None, "no reading could be used"
    starts = start[keep]
    return intervals.hourly_frame(starts, starts + duration[keep], value_wh[keep], rows[keep], name, level,
                                  estimated[keep]), None


def _scale_to_wh(reading_type: _ReadingType) -> tuple[float, str | None]:
    multiplier = reading_type.number("powerOfTenMultiplier", 0) or 0
    unit_text = reading_type.fields.get("unit_text")
    if unit_text:
        try:
            return energy_scale_to_wh(unit_text), None
        except UnitError as exc:
            raise UsageError(str(exc), hint="State an energy unit such as Wh or kWh.") from None
    uom = reading_type.number("uom")
    if uom is None:
        return 0.0, "its ReadingType has no uom, so the unit of the values is unknown"
    symbol, quantity = UOM.get(uom, (f"code {uom}", "unknown"))
    if uom not in (72, 38):
        return 0.0, (f"the ReadingType's unit is {symbol or 'none'} (uom {uom}, {quantity}), not active "
                     "electricity in Wh or W")
    return 10.0 ** multiplier, None


def _check_readings(path: Path, start, duration, value_wh, rows, result: ReadResult) -> np.ndarray:
    keep = np.ones(len(start), dtype=bool)
    for position in range(len(start)):
        problem = None
        if not math.isfinite(start[position]):
            problem = ("timePeriod/start", "", "the reading has no start time")
        elif not math.isfinite(duration[position]) or duration[position] <= 0:
            problem = ("timePeriod/duration", str(duration[position]), "the reading has no positive duration")
        elif not math.isfinite(value_wh[position]):
            problem = ("value", "", "the reading has no value")
        elif value_wh[position] < 0:
            problem = ("value", f"{value_wh[position]:g}", "negative energy; net readings below zero are export")
        if problem:
            keep[position] = False
            result.rejected.append(RowProblem(path.name, int(rows[position]), f"IntervalReading/{problem[0]}",
                                              problem[1], problem[2]))
    return keep


def _drop_repeats(path: Path, start, duration, value_wh, rows, keep, result: ReadResult) -> np.ndarray:
    """Keep one reading per (start, duration); repeats with another value are rejected."""
    unique = np.ones(len(start), dtype=bool)
    seen: dict[tuple[float, float], float] = {}
    repeats = 0
    for position in np.flatnonzero(keep):
        key = (start[position], duration[position])
        if key not in seen:
            seen[key] = value_wh[position]
            continue
        unique[position] = False
        if seen[key] == value_wh[position]:
            repeats += 1
        else:
            result.rejected.append(RowProblem(path.name, int(rows[position]), "IntervalReading/value",
                                              f"{value_wh[position]:g}", "a second reading for the same interval with "
                                              f"another value ({seen[key]:g} Wh was read first); not counted"))
    if repeats:
        result.notes.append(f"{repeats} readings repeat an earlier reading of the same interval with the same value "
                            "(overlapping IntervalBlocks); each interval was counted once")
    return unique


def _record_cost(series: _Series, reading_type: _ReadingType, keep: np.ndarray, result: ReadResult) -> None:
    costs = np.array(series.cost, dtype=float)[keep]
    if not np.isfinite(costs).any():
        return
    total = float(np.nansum(costs)) * COST_SCALE
    result.options["cost_total"] = result.options.get("cost_total", 0.0) + total
    result.options["currency"] = reading_type.fields.get("currency") or None


def _register_frame(path, read_at, value_wh, rows, keep, estimated, name, level, result):
    found = register_intervals(read_at[keep], value_wh[keep], rows[keep], RegisterSettings())
    for row, value, reason in found.problems:
        result.rejected.append(RowProblem(path.name, row, "IntervalReading/value", value, reason))
    result.notes.extend(f"{name}: {note}" for note in found.notes)
    if not found.row:
        return None
    row_array = np.array(found.row, dtype=np.int64)
    return intervals.hourly_frame(np.array(found.start_s), np.array(found.end_s), np.array(found.energy_wh),
                                  row_array, name, level, np.isin(row_array, rows[estimated]))
