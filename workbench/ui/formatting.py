"""Number formatting shared by the runs table, the totals panel and dialogs."""

from __future__ import annotations

import math

MISSING = "—"


def format_significant(value: float | int | None, digits: int = 4) -> str:
    """Format ``value`` with ``digits`` significant digits, thousands separators and no exponent.

    Whole numbers of at least ``digits`` digits keep every digit (1,234,568 rather than
    1,235,000). Magnitudes below 1e-9 fall back to exponent notation. None and NaN become a dash.
    """
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
    return f"{number:,.{decimals}f}"


def format_quantity(value: float | None, unit: str, digits: int = 4) -> str:
    """Format ``value`` like :func:`format_significant` followed by its unit."""
    text = format_significant(value, digits)
    return text if text == MISSING else f"{text} {unit}"
