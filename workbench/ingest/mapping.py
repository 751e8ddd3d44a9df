"""Column mapping: what each column of a table contains, in which unit and time zone.

:func:`propose` reads the first rows of a file and proposes a :class:`Mapping`: the header
row, each column's role and type, units from the header or a unit column, whether time stamps
carry a zone and whether they mark interval starts or ends. The caller shows the proposal,
overrides what is wrong (:meth:`Mapping.override`) and passes the mapping to a reader. A
mapping is plain data (:meth:`Mapping.to_dict`), so it can be saved as a named template in a
project or as a JSON file and reused for the next file from the same source.

For meter files the roles are the ``METER_ROLES``. For asset registers, instruments and other
record tables the role is the reader's column name (``quantity``, ``mwh``...), so a mapping
renames the file's columns to the names the reader expects.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from workbench.errors import UsageError
from workbench.ingest.common import is_missing, normalize_column, split_header_unit
from workbench.ingest.tables import Cell, Layout, cell_text, is_blank_row, open_table
from workbench.ingest.units import UnitError, energy_scale_to_wh, power_scale_to_w

MAPPING_VERSION = 1
METER_ROLES = ("timestamp", "date", "start_time", "end_time", "energy", "power", "register", "meter", "unit",
               "cost", "quality", "ignore")
PREVIEW_ROWS = 50

_TIMESTAMP_NAMES = ("timestamp", "time_stamp", "datetime", "date_time", "interval_start", "interval_end",
                    "start", "end", "period_start", "period_end", "reading_time", "read_time", "zeit",
                    "date_and_time", "energy_consumption_time_period", "local_time", "utc_time", "time")
_DATE_NAMES = ("date", "day", "datum", "reading_date")
_START_TIME_NAMES = ("start_time", "starttime", "from", "von", "start_hour")
_END_TIME_NAMES = ("end_time", "endtime", "to", "bis", "end_hour")
_ENERGY_WORDS = ("energy", "usage", "consumption", "import", "active_energy", "kwh", "wh", "mwh", "verbrauch",
                 "delivered", "consumo", "consommation")
_REGISTER_WORDS = ("register", "reading", "cumulative", "counter", "meter_reading", "total_energy", "index",
                   "zahlerstand", "zaehlerstand", "lifetime")
_POWER_WORDS = ("power", "demand", "load", "watts", "wattage", "leistung", "puissance")
_METER_NAMES = ("meter", "meter_id", "meter_name", "device", "device_id", "channel", "point", "circuit",
                "pdu", "outlet", "mpan", "mprn", "esi_id", "service_point")
_UNIT_COLUMN_NAMES = ("unit", "units", "uom", "einheit", "unite")
_COST_NAMES = ("cost", "price", "amount", "charge")
_QUALITY_NAMES = ("quality", "notes", "note", "status", "estimated", "reading_quality", "flag")

_ISO_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}")
_NUMERIC_DATE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}$")
_NUMERIC_STAMP = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}[ T]\d{1,2}:\d{2}")
_CLOCK = re.compile(r"^\d{1,2}:\d{2}(:\d{2})?$")
_OFFSET = re.compile(r"(Z|[+-]\d{2}:?\d{2})$")
_NUMBER = re.compile(r"^[-+]?(\d+|\d{1,3}([.,' ]\d{3})+)([.,]\d*)?([eE][-+]?\d+)?$|^[-+]?[.,]\d+$")


@dataclass
class ColumnSpec:
    """One column of the file: its header text, role, value type and unit (None when not stated)."""

    column: str
    role: str = "ignore"
    type: str = "text"
    unit: str | None = None


@dataclass
class Mapping:
    """How to read one table file; every field can be overridden by the caller.

    Time fields: ``timezone`` is the IANA zone of stamps without an offset (None when the stamps
    carry one), ``timestamps_mark`` is 'start' or 'end', ``end_inclusive`` marks that an end time such
    as 00:14 means up to 00:15, ``date_order`` is 'ymd', 'dmy' or 'mdy' and ``excel_date_system``
    is 1900 or 1904 for stamps written as spreadsheet serial numbers. Register fields:
    ``register_rollover`` is the value at which a cumulative register returns to zero (2^bits x
    resolution, in the register's unit), ``register_signed`` marks two's-complement registers,
    ``replacements`` lists meter swaps as ``{"at": time stamp, "baseline": first reading of the
    new meter, "final": last reading of the old meter (optional)}``. ``max_power_kw`` bounds the
    physically possible power; a delta or interval implying more is rejected.
    """

    kind: str = "meter"
    columns: list[ColumnSpec] = field(default_factory=list)
    sheet: str | None = None
    header_row: int | None = None
    header_rows: int = 1
    delimiter: str | None = None
    decimal: str | None = None
    encoding: str | None = None
    timezone: str | None = None
    timestamps_mark: str | None = None
    end_inclusive: bool | None = None
    date_order: str | None = None
    excel_date_system: int | None = None
    interval_minutes: float | None = None
    register_rollover: float | None = None
    register_signed: bool = False
    replacements: list[dict[str, Any]] = field(default_factory=list)
    max_power_kw: float | None = None
    meter: str | None = None
    measurement_point: str | None = None
    accuracy_class: str | None = None
    notes: list[str] = field(default_factory=list)

    # -- access -------------------------------------------------------------------------------------

    def layout(self) -> Layout:
        return Layout(sheet=self.sheet, header_row=self.header_row, header_rows=self.header_rows,
                      delimiter=self.delimiter, decimal=self.decimal, encoding=self.encoding)

    def by_role(self, role: str) -> list[ColumnSpec]:
        return [spec for spec in self.columns if spec.role == role]

    def first(self, role: str) -> ColumnSpec | None:
        found = self.by_role(role)
        return found[0] if found else None

    def renamed(self, header: list[str]) -> list[str]:
        """Return ``header`` with each mapped column replaced by its role (record tables)."""
        roles = {spec.column: spec.role for spec in self.columns if spec.role != "ignore"}
        return [roles.get(name, normalize_column(split_header_unit(name)[0])) for name in header]

    # -- changes ------------------------------------------------------------------------------------

    def override(self, column: str, *, role: str | None = None, unit: str | None = None,
                 type: str | None = None) -> "Mapping":
        """Change one column's role, unit or type; raise UsageError for an unknown column or role."""
        spec = next((item for item in self.columns if item.column == column), None)
        if spec is None:
            known = ", ".join(repr(item.column) for item in self.columns)
            raise UsageError(f"the mapping has no column '{column}'", hint=f"Columns: {known}.")
        if role is not None:
            if self.kind == "meter" and role not in METER_ROLES:
                raise UsageError(f"unknown column role '{role}'", hint=f"Use one of: {', '.join(METER_ROLES)}.")
            spec.role = role
        if unit is not None:
            spec.unit = unit or None
        if type is not None:
            spec.type = type
        return self

    def with_settings(self, **settings: Any) -> "Mapping":
        """Return a copy with file-level settings replaced (timezone, header_row, ...)."""
        unknown = set(settings) - {item.name for item in fields(self)}
        if unknown:
            raise UsageError(f"unknown mapping setting {', '.join(sorted(unknown))}")
        return replace(self, **settings)

    # -- serialization ------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["version"] = MAPPING_VERSION
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Mapping":
        """Build a mapping from its dictionary form; raise UsageError when a key or value is invalid."""
        if not isinstance(data, dict):
            raise UsageError("a mapping must be a JSON object")
        version = data.get("version", MAPPING_VERSION)
        if version != MAPPING_VERSION:
            raise UsageError(f"mapping version {version} is not supported; this version reads {MAPPING_VERSION}")
        known = {item.name for item in fields(cls)}
        unknown = set(data) - known - {"version"}
        if unknown:
            raise UsageError(f"unknown mapping keys: {', '.join(sorted(unknown))}",
                             hint=f"Known keys: {', '.join(sorted(known))}.")
        values = {key: value for key, value in data.items() if key in known}
        columns = []
        for item in values.pop("columns", []) or []:
            if not isinstance(item, dict) or "column" not in item:
                raise UsageError("each mapping column needs at least a 'column' key")
            columns.append(ColumnSpec(**{key: item[key] for key in ("column", "role", "type", "unit") if key in item}))
        mapping = cls(columns=columns, **values)
        mapping.validate()
        return mapping

    @classmethod
    def from_json(cls, text: str) -> "Mapping":
        try:
            return cls.from_dict(json.loads(text))
        except json.JSONDecodeError as exc:
            raise UsageError(f"the mapping is not valid JSON: {exc.msg} at line {exc.lineno}") from None

    @classmethod
    def from_file(cls, path: str | Path) -> "Mapping":
        try:
            return cls.from_json(Path(path).read_text("utf-8"))
        except OSError as exc:
            raise UsageError(f"cannot read the mapping file {path}: {exc.strerror}") from None

    def validate(self) -> None:
        """Raise UsageError when a setting is out of its allowed values."""
        if self.timestamps_mark not in (None, "start", "end"):
            raise UsageError(f"timestamps_mark must be 'start' or 'end', not '{self.timestamps_mark}'")
        if self.date_order not in (None, "ymd", "dmy", "mdy"):
            raise UsageError(f"date_order must be ymd, dmy or mdy, not '{self.date_order}'")
        if self.excel_date_system not in (None, 1900, 1904):
            raise UsageError(f"excel_date_system must be 1900 or 1904, not {self.excel_date_system}")
        if self.header_rows < 1:
            raise UsageError("header_rows must be at least 1")
        if self.register_rollover is not None and self.register_rollover <= 0:
            raise UsageError("register_rollover must be greater than 0")
        if self.max_power_kw is not None and self.max_power_kw <= 0:
            raise UsageError("max_power_kw must be greater than 0")
        if self.kind == "meter":
            for spec in self.columns:
                if spec.role not in METER_ROLES:
                    raise UsageError(f"column '{spec.column}' has unknown role '{spec.role}'",
                                     hint=f"Use one of: {', '.join(METER_ROLES)}.")


@dataclass
class Proposal:
    """A proposed mapping with the preview rows it was made from and the reasons for each choice."""

    mapping: Mapping
    header: list[str]
    preview: list[list[str]]
    header_row: int
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"mapping": self.mapping.to_dict(), "header": self.header, "header_row": self.header_row,
                "preview": self.preview, "reasons": self.reasons}


# -- proposing --------------------------------------------------------------------------------------

def propose(path: str | Path, *, kind: str = "meter", layout: Layout | None = None,
            rows: int = PREVIEW_ROWS) -> Proposal:
    """Propose a mapping for ``path`` from its header and first ``rows`` data rows."""
    path = Path(path)
    layout = layout or Layout()
    table = open_table(path, layout=layout)
    header_rows = layout.header_rows
    preview = _take(table.rows, rows)
    reasons = list(table.notes)
    if layout.header_rows == 1 and _second_header_row(preview):
        # A row of units or sub-headings under the header: read both rows as the header.
        layout = Layout(**{**layout.__dict__, "header_row": table.header_row, "header_rows": 2})
        table = open_table(path, layout=layout)
        preview = _take(table.rows, rows)
        header_rows = 2
        reasons.append(f"rows {table.header_row}-{table.header_row + 1} form the header: the second row "
                       "holds units or sub-headings, not data")
    mapping = Mapping(kind=kind, header_row=table.header_row, header_rows=header_rows, delimiter=table.delimiter,
                      decimal=table.decimal, sheet=layout.sheet, encoding=layout.encoding)
    texts = [[cell_text(cell) for cell in cells] for _, cells in preview]
    for index, name in enumerate(table.header):
        values = [row[index] for row in texts if index < len(row) and row[index] != ""]
        raw = [cells[index] for _, cells in preview if index < len(cells)]
        mapping.columns.append(_propose_column(name, values, raw, kind, reasons))
    if kind == "meter":
        _propose_meter_settings(path, mapping, texts, reasons)
    return Proposal(mapping, table.header, texts[:10], table.header_row, reasons)


def _take(rows, count: int) -> list[tuple[int, list[Cell]]]:
    taken = []
    for number, cells in rows:
        if is_blank_row(cells):
            continue
        taken.append((number, cells))
        if len(taken) >= count:
            break
    return taken


def _second_header_row(preview: list[tuple[int, list[Cell]]]) -> bool:
    if len(preview) < 2:
        return False
    first = [cell_text(cell) for cell in preview[0][1]]
    filled = [text for text in first if text]
    if not filled or any(_value_type(text) != "text" for text in filled):
        return False
    second = [cell_text(cell) for cell in preview[1][1]]
    return any(_value_type(text) in ("number", "datetime", "date", "time") for text in second if text)


def _value_type(text: str) -> str:
    if _ISO_STAMP.match(text) or _NUMERIC_STAMP.match(text):
        return "datetime"
    if _NUMERIC_DATE.match(text) or re.match(r"^\d{4}-\d{2}-\d{2}$", text):
        return "date"
    if _CLOCK.match(text):
        return "time"
    if _NUMBER.match(text.replace("$", "").strip()):
        return "number"
    if re.match(r"^\d{9,13}(\.\d+)?$", text):
        return "number"
    return "text"


def _column_type(values: list[str], raw: list[Cell]) -> str:
    from datetime import date, datetime, time

    if any(isinstance(cell, datetime) for cell in raw):
        return "datetime"
    if any(isinstance(cell, date) for cell in raw):
        return "date"
    if any(isinstance(cell, time) for cell in raw):
        return "time"
    kinds = [_value_type(value) for value in values[:PREVIEW_ROWS] if not is_missing(value)]
    if not kinds:
        return "text"
    # A few bad cells (a typo, 'oops') do not change what the column holds.
    for candidate in ("datetime", "date", "time", "number"):
        if kinds.count(candidate) * 2 >= len(kinds):
            return candidate
    return "text"


def header_unit(name: str) -> str | None:
    """Return the unit stated in a header: in brackets, as a '/ unit' part, or as a name suffix."""
    bare, unit = split_header_unit(name)
    if unit:
        return _clean_unit(unit)
    for part in reversed([part.strip() for part in name.split(" / ")]):
        candidate = _clean_unit(part)
        if candidate and _is_energy_or_power(candidate):
            return candidate
    suffix = re.search(r"[_\s](k|m|g)?(wh|w|j)$", normalize_column(bare), re.IGNORECASE)
    if suffix:
        return suffix.group(0)[1:]
    return None


def _clean_unit(text: str) -> str | None:
    text = text.strip()
    text = re.sub(r"^(in|en|unit:?)\s+", "", text, flags=re.IGNORECASE)
    text = re.sub(r"^(real energy in\s+)", "", text, flags=re.IGNORECASE)
    words = {"kilowatt-hours": "kWh", "kilowatt hours": "kWh", "watt-hours": "Wh", "watts": "W",
             "kilowatts": "kW", "megawatt-hours": "MWh"}
    text = words.get(text.lower(), text)
    return text or None


def _is_energy_or_power(unit: str) -> bool:
    for check in (energy_scale_to_wh, power_scale_to_w):
        try:
            check(unit)
            return True
        except UnitError:
            continue
    return False


def _unit_kind(unit: str | None) -> str | None:
    if not unit:
        return None
    try:
        energy_scale_to_wh(unit)
        return "energy"
    except UnitError:
        pass
    try:
        power_scale_to_w(unit)
        return "power"
    except UnitError:
        return None


def _propose_column(name: str, values: list[str], raw: list[Cell], kind: str, reasons: list[str]) -> ColumnSpec:
    column_type = _column_type(values, raw)
    unit = header_unit(name)
    if kind != "meter":
        return ColumnSpec(name, normalize_column(split_header_unit(name)[0]) or "ignore", column_type, unit)
    normalized = normalize_column(split_header_unit(name)[0])
    role = _meter_role(normalized, column_type, unit, values)
    if role in ("energy", "power", "register") and unit is None:
        reasons.append(f"column '{name}' looks like {role} but states no unit; set its unit")
    if role != "ignore":
        reasons.append(f"column '{name}': {role} ({column_type}{', ' + unit if unit else ''})")
    return ColumnSpec(name, role, column_type, unit)


def _meter_role(name: str, column_type: str, unit: str | None, values: list[str]) -> str:
    words = set(re.split(r"[_/.]+", name))
    unit_kind = _unit_kind(unit)
    if column_type in ("datetime",) and (name in _TIMESTAMP_NAMES or "time" in name or "date" in name
                                         or "period" in name):
        return "timestamp"
    if column_type == "date" and (name in _DATE_NAMES or "date" in name):
        return "date"
    if column_type == "time" and (name in _START_TIME_NAMES or "start" in name):
        return "start_time"
    if column_type == "time" and (name in _END_TIME_NAMES or "end" in name):
        return "end_time"
    if column_type in ("datetime", "date"):
        return "timestamp"
    if column_type == "number" and (name in _TIMESTAMP_NAMES or name in _DATE_NAMES or words & {"time", "date"}):
        return "timestamp"
    if name in _UNIT_COLUMN_NAMES:
        return "unit"
    if column_type == "number":
        if any(word in name for word in _REGISTER_WORDS) and unit_kind != "power":
            return "register"
        if unit_kind == "power" or words & set(_POWER_WORDS):
            return "power"
        if unit_kind == "energy" or any(word in name for word in _ENERGY_WORDS):
            return "energy" if not _looks_cumulative(values) else "register"
        if name in _COST_NAMES or any(word in name for word in _COST_NAMES):
            return "cost"
    if column_type == "text" and any(value.startswith("$") for value in values[:5]):
        return "cost"
    if name in _METER_NAMES:
        return "meter"
    if name in _QUALITY_NAMES:
        return "quality"
    return "ignore"


def _looks_cumulative(values: list[str]) -> bool:
    """True when the values only grow and their steps are small next to their size (a register)."""
    numbers = []
    for value in values[:PREVIEW_ROWS]:
        try:
            numbers.append(float(value.replace(",", ".")) if value.count(",") == 1 and "." not in value
                           else float(value.replace(",", "")))
        except ValueError:
            return False
    if len(numbers) < 4:
        return False
    steps = [b - a for a, b in zip(numbers, numbers[1:])]
    if any(step < 0 for step in steps):
        return False
    mean_step = sum(steps) / len(steps)
    return min(numbers) > 0 and mean_step > 0 and min(numbers) > 20 * mean_step


def _propose_meter_settings(path: Path, mapping: Mapping, texts: list[list[str]], reasons: list[str]) -> None:
    from workbench.ingest.tables import excel_date_system

    names = [normalize_column(spec.column) for spec in mapping.columns]
    if mapping.first("timestamp") is None and mapping.first("start_time") is None and mapping.first("date"):
        mapping.first("date").role = "timestamp"
    stamp = mapping.first("timestamp")
    if stamp is not None:
        index = mapping.columns.index(stamp)
        samples = [row[index] for row in texts if index < len(row) and row[index]]
        if samples and all(_OFFSET.search(sample) for sample in samples[:10]):
            reasons.append(f"time stamps in '{stamp.column}' carry their UTC offset, so no time zone is needed")
        else:
            reasons.append(f"time stamps in '{stamp.column}' have no zone: state the meter's time zone "
                           "(UTC if the meter logs in UTC all year)")
        if set(re.split(r"[_/.]+", normalize_column(stamp.column))) & {"end", "ende", "bis", "to", "fin"}:
            mapping.timestamps_mark = "end"
            reasons.append(f"'{stamp.column}' names the interval end, so time stamps mark interval ends")
        if stamp.type == "number" and path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".ods"):
            mapping.excel_date_system = excel_date_system(path)
            stamp.type = "excel_serial"
            reasons.append(f"'{stamp.column}' holds plain numbers in a spreadsheet: read as date serials of the "
                           f"{mapping.excel_date_system} date system")
        mapping.date_order = _propose_date_order(samples)
    if mapping.first("end_time") is not None:
        mapping.end_inclusive = _propose_inclusive_end(mapping, texts)
        if mapping.end_inclusive:
            reasons.append("end times such as 00:14 or 00:59 are inclusive: each interval ends one minute later")
    unit_column = mapping.first("unit")
    if unit_column is not None:
        index = mapping.columns.index(unit_column)
        units = {row[index] for row in texts if index < len(row) and row[index]}
        if len(units) == 1:
            unit = units.pop()
            for spec in mapping.columns:
                if spec.role in ("energy", "power", "register") and spec.unit is None:
                    spec.unit = unit
                    reasons.append(f"column '{spec.column}' takes its unit '{unit}' from column '{unit_column.column}'")
    date_column = mapping.first("date")
    if date_column is not None:
        index = mapping.columns.index(date_column)
        mapping.date_order = _propose_date_order([row[index] for row in texts if index < len(row)])
    if mapping.date_order is None and _has_ambiguous_dates(mapping, texts):
        reasons.append("dates such as 7/2/2026 read as 2 July or 7 February; state date_order (mdy or dmy)")
    if "meter" not in [spec.role for spec in mapping.columns] and "meter" in names:
        mapping.columns[names.index("meter")].role = "meter"


def _propose_date_order(samples: list[str]) -> str | None:
    orders = set()
    for sample in samples:
        match = re.match(r"^(\d{1,2})[-/.](\d{1,2})[-/.]\d{2,4}", sample)
        if not match:
            continue
        first, second = int(match.group(1)), int(match.group(2))
        if first > 12:
            orders.add("dmy")
        elif second > 12:
            orders.add("mdy")
    return orders.pop() if len(orders) == 1 else None


def _has_ambiguous_dates(mapping: Mapping, texts: list[list[str]]) -> bool:
    for role in ("timestamp", "date"):
        spec = mapping.first(role)
        if spec is None:
            continue
        index = mapping.columns.index(spec)
        if any(re.match(r"^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}", row[index]) for row in texts if index < len(row)):
            return True
    return False


def _propose_inclusive_end(mapping: Mapping, texts: list[list[str]]) -> bool:
    start, end = mapping.first("start_time"), mapping.first("end_time")
    if start is None or end is None:
        return False
    start_index, end_index = mapping.columns.index(start), mapping.columns.index(end)
    inclusive = 0
    for row in texts:
        if max(start_index, end_index) >= len(row):
            continue
        minutes = _clock_minutes(row[end_index]) - _clock_minutes(row[start_index])
        if minutes > 0 and (minutes + 1) in (5, 10, 15, 30, 60) and minutes not in (5, 10, 15, 30, 60):
            inclusive += 1
    return inclusive > 0


def _clock_minutes(text: str) -> int:
    match = re.match(r"^(\d{1,2}):(\d{2})", text.strip())
    return int(match.group(1)) * 60 + int(match.group(2)) if match else -10_000
