"""Display rules of the assumption editor's values: text, slider scale (linear or logarithmic), decimals and step."""

from __future__ import annotations

import math
from typing import Any

from workbench.services.assumption_commands import AssumptionRow
from workbench.services.assumptions import SPECS

SLIDER_STEPS = 1000


def shown(value: Any) -> str:
    """Format an assumption value for the table: up to 6 significant digits, "(empty)" for none."""
    if value is None or value == "":
        return "(empty)"
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def source_text(row: AssumptionRow) -> str:
    """Return where the value comes from, with the stored rationale when a set stores it."""
    text = row.source
    if row.rationale and row.origin != "default":
        text += f". Rationale: {row.rationale}"
    return text


def optional(row: AssumptionRow) -> bool:
    return SPECS[row.key].optional


def slider_range(row: AssumptionRow) -> tuple[float, float]:
    """Return the slider's lowest and highest value: the spec's range, else 0 to 10 x the value."""
    low = row.minimum if row.minimum is not None else 0.0
    high = row.maximum if row.maximum is not None else max(1.0, abs(row.value or 1.0) * 10)
    return low, high


def log_scale(row: AssumptionRow) -> bool:
    """Tell whether the slider moves in equal ratios: for positive ranges wider than a factor 1,000."""
    low, high = slider_range(row)
    return low > 0 and high / low > 1000


def decimals(row: AssumptionRow) -> int:
    """Return the decimals that give the spin box about 1,000 steps over the range (0 to 6)."""
    low, high = slider_range(row)
    if log_scale(row):
        return 0 if low >= 1 else 6
    return max(0, min(6, 3 - int(math.floor(math.log10(max(high - low, 1e-9))))))


def single_step(row: AssumptionRow) -> float:
    return 10.0 ** -decimals(row) if not log_scale(row) else max(row.minimum or 1.0, 1.0)


def slider_value(row: AssumptionRow, position: int) -> float:
    """Return the value at slider ``position`` (0 to :data:`SLIDER_STEPS`), rounded to the spin box's decimals."""
    low, high = slider_range(row)
    share = position / SLIDER_STEPS
    if log_scale(row):
        return float(round(math.exp(math.log(low) + (math.log(high) - math.log(low)) * share), 6))
    return round(low + (high - low) * share, decimals(row))


def slider_position(row: AssumptionRow, value: float) -> int:
    """Return the slider position nearest to ``value``, clamped to the range."""
    low, high = slider_range(row)
    if log_scale(row):
        share = (math.log(max(value, low)) - math.log(low)) / (math.log(high) - math.log(low))
    else:
        share = (value - low) / (high - low) if high > low else 0.0
    return int(round(min(max(share, 0.0), 1.0) * SLIDER_STEPS))
