"""Parsing single cell values: numbers with locale decimal marks, dates and date-times."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

from workbench.ingest.common import is_missing
from workbench.ingest.tables import Cell, cell_text

_DECIMAL_COMMA = re.compile(r"^[-+]?\d{1,3}(?:\.\d{3})*,\d+$|^[-+]?\d+,\d+$")


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
    if decimal_comma and _DECIMAL_COMMA.match(text):
        text = text.replace(".", "").replace(",", ".")
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
