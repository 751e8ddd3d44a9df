"""Reporting periods: a year, a month or an explicit interval, as half-open UTC intervals."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from workbench.errors import UsageError

_YEAR = re.compile(r"^\d{4}$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
HOUR_S = 3600


@dataclass(frozen=True)
class Period:
    """A reporting period ``[start_s, end_s)`` in Unix seconds, with the text it was given as."""

    start_s: float
    end_s: float
    label: str

    @property
    def hours(self) -> float:
        return (self.end_s - self.start_s) / HOUR_S

    def contains_hours(self, hour_starts):
        """Return a boolean mask of the hour starts that lie in the period."""
        return (hour_starts >= self.start_s) & (hour_starts < self.end_s)

    def overlap_s(self, start_s: float, end_s: float) -> float:
        """Seconds of ``[start_s, end_s)`` inside the period."""
        return max(0.0, min(end_s, self.end_s) - max(start_s, self.start_s))

    def as_dict(self) -> dict[str, str | float]:
        return {"label": self.label, "start_utc": _text(self.start_s), "end_utc": _text(self.end_s),
                "hours": self.hours}


def _text(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _bound(text: str, *, is_end: bool) -> float:
    if _DATE.match(text):
        day = datetime.fromisoformat(text).replace(tzinfo=timezone.utc)
        # A bare end date is inclusive: the period runs to the end of that day.
        return (day + timedelta(days=1) if is_end else day).timestamp()
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def parse_period(text: str) -> Period:
    """Parse ``2025``, ``2025-03``, ``2025-03-01`` or ``START/END`` (ISO dates or date-times, UTC unless offset).

    A bare end date is inclusive, so ``2025-01-01/2025-03-31`` is the first quarter.
    Raises UsageError for anything else.
    """
    text = text.strip()
    try:
        if _YEAR.match(text):
            year = int(text)
            start, end = datetime(year, 1, 1, tzinfo=timezone.utc), datetime(year + 1, 1, 1, tzinfo=timezone.utc)
            return Period(start.timestamp(), end.timestamp(), text)
        month = _MONTH.match(text)
        if month:
            year, number = int(month.group(1)), int(month.group(2))
            start = datetime(year, number, 1, tzinfo=timezone.utc)
            end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=timezone.utc)
            return Period(start.timestamp(), end.timestamp(), text)
        if _DATE.match(text):
            return Period(_bound(text, is_end=False), _bound(text, is_end=True), text)
        if "/" in text:
            first, last = (part.strip() for part in text.split("/", 1))
            start_s, end_s = _bound(first, is_end=False), _bound(last, is_end=True)
            if end_s <= start_s:
                raise UsageError(f"period '{text}' ends before it starts", hint="Write START/END with START first.")
            return Period(start_s, end_s, text)
    except ValueError:
        pass
    raise UsageError(f"'{text}' is not a reporting period",
                     hint="Write a year (2025), a month (2025-03), a day (2025-03-01) or START/END such as "
                          "2025-01-01/2025-06-30.")
