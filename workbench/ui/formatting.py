"""Number formatting shared by the runs table, the totals panel and dialogs."""

from __future__ import annotations

import math

MISSING = "—"

# The preferences dialog sets these for the whole window (see set_number_style).
_style = {"digits": 4, "grouping": True}


def set_number_style(digits: int = 4, grouping: bool = True) -> None:
    """Set the significant digits and thousands separators used when a caller gives no ``digits``."""
    if not 2 <= digits <= 10:
        raise ValueError(f"significant digits must be between 2 and 10, not {digits}")
    _style["digits"] = digits
    _style["grouping"] = grouping


def number_style() -> tuple[int, bool]:
    return _style["digits"], _style["grouping"]


def format_significant(value: float | int | None, digits: int | None = None) -> str:
    """Format ``value`` with ``digits`` significant digits, thousands separators and no exponent.

    ``digits`` None uses the window's number style (4 digits with separators unless the
    preferences change it). Whole numbers of at least ``digits`` digits keep every digit
    (1,234,568 rather than 1,235,000). Magnitudes below 1e-9 fall back to exponent notation.
    None and NaN become a dash.
    """
    digits = _style["digits"] if digits is None else digits
    if value is None:
        return MISSING
    number = float(value)
    if math.isnan(number):
        return MISSING
    if number == 0:
        return "0"
    if math.isinf(number):
        return "∞" if number > 0 else "-∞"

    magnitude = math.floor(math.log10(abs(number)))
    decimals = max(digits - 1 - magnitude, 0)
    if decimals > 12:
        return f"{number:.{digits - 1}e}"
    return f"{number:,.{decimals}f}" if _style["grouping"] else f"{number:.{decimals}f}"


def format_quantity(value: float | None, unit: str, digits: int | None = None) -> str:
    """Format ``value`` like :func:`format_significant` followed by its unit."""
    text = format_significant(value, digits)
    return text if text == MISSING else f"{text} {unit}"
