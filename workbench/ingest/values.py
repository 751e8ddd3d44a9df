"""Parsing single cell values: numbers with locale decimal marks, dates and date-times."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

from workbench.ingest.common import is_missing
from workbench.ingest.tables import Cell, cell_text

_DECIMAL_COMMA = re.compile(r"^[-+]?\d{1,3}(?:\.\d{3})*,\d+$|^[-+]?\d+,\d+$")
_THOUSANDS_COMMA = re.compile(r"^[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_CURRENCY = re.compile(r"^[$\u20ac\u00a3]\s*|\s*[$\u20ac\u00a3]$")
# Day zero of the two spreadsheet date systems. The 1900 system counts from 1899-12-30 because
# Excel treats 1900 as a leap year, so serials from 61 (1900-03-01) on come out right.
EXCEL_EPOCHS = {1900: datetime(1899, 12, 30), 1904: datetime(1904, 1, 1)}
_DATE_PARTS = re.compile(r"^(\d{1,4})[-/.](\d{1,2})[-/.](\d{1,4})(.*)$")


class ValueProblem(ValueError):
    """A cell cannot be read as the type its column needs; the message is the reason."""


def parse_number(cell: Cell, *, decimal_comma: bool = False) -> float | None:
    """Return the cell as a float, None when it is empty or a missing-value token.

    With ``decimal_comma`` (files separated by semicolons), ``1.234,5`` reads as 1234.5.
    Raises ValueProblem for text that is not a number.
    """
    if isinstance(cell, bool):
        raise ValueProblem("not a number")
    if isinstance(cell, (int, float)):
        return float(cell)
    text = cell_text(cell)
    if is_missing(text):
        return None
    text = _CURRENCY.sub("", text)
    if decimal_comma and _DECIMAL_COMMA.match(text):
        text = text.replace(".", "").replace(",", ".")
    elif not decimal_comma and _THOUSANDS_COMMA.match(text):
        text = text.replace(",", "")
    try:
        return float(text.replace("\u2212", "-"))
    except ValueError:
        raise ValueProblem("not a number") from None


def parse_date(cell: Cell) -> date:
    """Return the cell as a calendar date (ISO ``2024-03-01`` or a spreadsheet date cell)."""
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    text = cell_text(cell)
    if is_missing(text):
        raise ValueProblem("date is missing")
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise ValueProblem("not a date in the form YYYY-MM-DD") from None


def parse_period_bound(cell: Cell, *, is_end: bool) -> float:
    """Return a period bound in Unix seconds (UTC unless the text has an offset).

    A bare date marks a whole day: as a start it means 00:00 of that day, as an end it is
    inclusive and means 00:00 of the next day. A date-time end is exclusive.
    """
    if isinstance(cell, datetime):
        moment = cell if cell.tzinfo else cell.replace(tzinfo=timezone.utc)
        return moment.timestamp()
    text = cell_text(cell)
    if is_missing(text):
        raise ValueProblem("date is missing")
    if len(text) == 10 or isinstance(cell, date):
        day = parse_date(cell)
        seconds = datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp()
        return seconds + 86400.0 if is_end else seconds
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueProblem("not an ISO 8601 date or date-time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def excel_serial_to_datetime(serial: float, system: int = 1900) -> datetime:
    """Return the naive date-time of a spreadsheet serial number (days since the system's day zero).

    Raises ValueProblem for serials outside years 1900-2200, which are not dates.
    """
    if system not in EXCEL_EPOCHS:
        raise ValueProblem(f"unknown spreadsheet date system {system}; use 1900 or 1904")
    if not 1 <= serial <= 110_000:
        raise ValueProblem(f"{serial:g} is not a spreadsheet date serial (expected 1 to 110000)")
    # Serials carry binary fractions of a day; rounding to the millisecond undoes them.
    return EXCEL_EPOCHS[system] + timedelta(milliseconds=round(float(serial) * 86_400_000))


def normalize_date_text(text: str, order: str | None) -> str:
    """Rewrite a numeric date at the start of ``text`` as ISO ``YYYY-MM-DD``, keeping what follows.

    ``order`` is 'ymd', 'dmy' or 'mdy' and decides how ``7/2/2026`` reads. Without an order, only
    year-first dates and dates whose day is above 12 are rewritten; others raise ValueProblem,
    because 04-03-2021 could be either day.
    """
    match = _DATE_PARTS.match(text.strip())
    if not match:
        return text
    first, second, third, rest = match.groups()
    if len(first) == 4 and re.match(r"^\d{4}-\d{2}-\d{2}", text.strip()):
        return text.strip()
    if len(first) == 4:
        year, month, day = first, second, third
    else:
        if order not in ("dmy", "mdy"):
            if int(first) > 12:
                order = "dmy"
            elif int(second) > 12:
                order = "mdy"
            else:
                raise ValueProblem("the day and month cannot be told apart; state the date order (dmy or mdy)")
        day, month = (first, second) if order == "dmy" else (second, first)
        year = third if len(third) == 4 else f"20{int(third):02d}"
    rest = rest.strip().lstrip("T").strip()
    time_part = ""
    if rest:
        time_part = "T" + _pad_time(rest)
    return f"{int(year):04d}-{int(month):02d}-{int(day):02d}{time_part}"


def normalize_time_text(text: str) -> str:
    """Return a clock time such as ``0:00`` or ``7:05:3`` as ``HH:MM[:SS]``; other text unchanged."""
    return _pad_time(text.strip())


def _pad_time(text: str) -> str:
    match = re.match(r"^(\d{1,2}):(\d{1,2})(?::(\d{1,2})(\.\d+)?)?(.*)$", text.strip())
    if not match:
        return text
    hour, minute, second, fraction, rest = match.groups()
    result = f"{int(hour):02d}:{int(minute):02d}"
    if second is not None:
        result += f":{int(second):02d}{fraction or ''}"
    return result + rest
