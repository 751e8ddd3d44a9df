"""Typed access to the named cells of one table row, raising RowError with the column and value."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from workbench.ingest.tables import Cell, cell_text
from workbench.ingest.values import ValueProblem, parse_number, parse_period_bound

TRUE_WORDS = frozenset({"yes", "y", "true", "1", "pass", "passed"})
FALSE_WORDS = frozenset({"no", "n", "false", "0", "fail", "failed"})


class RowError(Exception):
    """A cell of a row cannot be used; carries the column, the raw value and the reason."""

    def __init__(self, column: str, value: str, reason: str) -> None:
        super().__init__(reason)
        self.column, self.value, self.reason = column, value, reason


class RowFields:
    """The cells of one row by normalized column name, with typed getters."""

    def __init__(self, cells: list[Cell], position: dict[str, int], *, decimal_comma: bool = False,
                 timezone: ZoneInfo | None = None) -> None:
        self.cells = cells
        self.position = position
        self.decimal_comma = decimal_comma
        self.timezone = timezone

    def raw(self, column: str) -> Cell:
        index = self.position.get(column)
        return None if index is None or index >= len(self.cells) else self.cells[index]

    def text(self, column: str, *, required: bool = False) -> str:
        value = cell_text(self.raw(column))
        if required and not value:
            raise RowError(column, "", "value is missing")
        return value

    def number(self, column: str, *, required: bool = False, minimum: float | None = None,
               maximum: float | None = None, positive: bool = False) -> float | None:
        cell = self.raw(column)
        try:
            value = parse_number(cell, decimal_comma=self.decimal_comma) if cell is not None else None
        except ValueProblem as exc:
            raise RowError(column, cell_text(cell), str(exc)) from None
        if value is None:
            if required:
                raise RowError(column, cell_text(cell), "value is missing")
            return None
        if positive and value <= 0:
            raise RowError(column, cell_text(cell), "must be greater than 0")
        if minimum is not None and value < minimum:
            raise RowError(column, cell_text(cell), f"must be at least {minimum:g}")
        if maximum is not None and value > maximum:
            raise RowError(column, cell_text(cell), f"must be at most {maximum:g}")
        return value

    def moment(self, column: str, *, is_end: bool, required: bool = True) -> float | None:
        """Return a date or date-time as Unix seconds; a bare end date means the end of that day.

        Text without a UTC offset is read in the row's time zone (UTC when none was given).
        """
        cell = self.raw(column)
        text = cell_text(cell)
        if not text:
            if required:
                raise RowError(column, "", "value is missing")
            return None
        try:
            if self.timezone is not None and len(text) > 10 and not _has_offset(text):
                local = datetime.fromisoformat(text).replace(tzinfo=self.timezone)
                return local.timestamp()
            return parse_period_bound(cell, is_end=is_end)
        except (ValueProblem, ValueError) as exc:
            raise RowError(column, text, str(exc) or "not an ISO 8601 date or date-time") from None

    def flag(self, column: str, default: bool | None = None) -> bool | None:
        """Return yes/no, true/false, 1/0 or pass/fail as a bool; ``default`` when empty."""
        text = self.text(column).lower()
        if not text:
            return default
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
        raise RowError(column, text, "must be yes or no")

    def choice(self, column: str, choices: tuple[str, ...], default: str | None = None) -> str:
        text = self.text(column).lower()
        if not text and default is not None:
            return default
        if text not in choices:
            raise RowError(column, text, f"must be one of: {', '.join(choices)}")
        return text


def _has_offset(text: str) -> bool:
    tail = text[10:]
    return tail.endswith("Z") or "+" in tail or "-" in tail
