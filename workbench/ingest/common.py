"""Pieces every reader shares: missing-value tokens, read results, header units, time zones."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from workbench.errors import RowProblem, UsageError

# Tokens that tools write where a value is unavailable. Each becomes a missing value, never 0:
# nvidia-smi brackets ([N/A], [Not Supported], ...), XML 'N/A', dmon '-', carbontracker 'None'.
MISSING_TOKENS = frozenset({
    "", "[n/a]", "n/a", "na", "[not supported]", "not supported",
    "[requested functionality has been deprecated]", "requested functionality has been deprecated",
    "[insufficient permissions]", "[function not found]", "[unknown error]", "[gpu is lost]",
    "-", "none", "null", "nan",
})


def is_missing(text: str) -> bool:
    """Return True when ``text`` is one of the tokens meaning 'no value'."""
    return text.strip().lower() in MISSING_TOKENS


@dataclass
class ReadResult:
    """What a reader found in one file: normalized rows, rejected rows and notes.

    ``tables`` maps a table name (such as ``"energy"`` or ``"assets"``) to a DataFrame whose
    columns the matching repository writer expects.
    """

    kind: str
    importer: str
    importer_version: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    rejected: list[RowProblem] = field(default_factory=list)
    rows_read: int = 0
    start_utc: float | None = None
    end_utc: float | None = None
    notes: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def rows_rejected(self) -> int:
        return len({problem.row for problem in self.rejected})

    @property
    def rows_accepted(self) -> int:
        return self.rows_read - self.rows_rejected


_BRACKET_UNIT = re.compile(r"^(?P<name>.*?)\s*[\[(](?P<unit>[^\])]*)[\])]\s*$")


def split_header_unit(header: str) -> tuple[str, str | None]:
    """Split ``'power.draw [W]'`` or ``'energy (kWh)'`` into name and unit; unit is None if absent."""
    text = header.strip().lstrip("\ufeff")
    match = _BRACKET_UNIT.match(text)
    if match and match.group("unit").strip():
        return match.group("name").strip(), match.group("unit").strip()
    return text, None


def resolve_timezone(name: str | None) -> ZoneInfo | None:
    """Return the ZoneInfo for an IANA zone name, None for None, or raise UsageError."""
    if name is None or name == "":
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"unknown time zone '{name}'",
                         hint="Use an IANA name such as 'UTC', 'Europe/Paris' or 'America/Chicago'.") from None


def display_name(path: str | Path) -> str:
    return Path(path).name


def normalize_column(name: str) -> str:
    """Lower-case a header and replace spaces and dashes with underscores, for name matching."""
    return re.sub(r"[\s\-]+", "_", name.strip().lstrip("\ufeff").lower())
