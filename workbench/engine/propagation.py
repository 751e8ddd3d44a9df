"""Closed-form uncertainty rules used by the worked examples (IPCC Approach 1, GUM).

These are the deterministic formulas only: the Monte Carlo engine lives with the uncertainty
analysis. ``U`` is the half-width of the 95 % interval as a percentage of the value (IPCC
convention); conversions to standard uncertainty use z = 1.96 (more exactly 1.959964).
"""

from __future__ import annotations

import math
from typing import Sequence

Z95 = 1.959963984540054


def product_u_pct(u_pct: Sequence[float]) -> float:
    """Return U% of a product or quotient of independent inputs: ``sqrt(sum U_i^2)``."""
    return math.sqrt(sum(u * u for u in u_pct))


def sum_u_abs(values: Sequence[float], u_pct: Sequence[float]) -> float:
    """Return the absolute 95 % half-width of a sum of independent terms: ``sqrt(sum (U_i x_i)^2)``."""
    return math.sqrt(sum((value * u / 100.0) ** 2 for value, u in zip(values, u_pct)))


def correlated_sum_u_abs(values: Sequence[float], u_pct: Sequence[float], correlation: float) -> float:
    """Return the 95 % half-width of a sum whose terms share one relative error with correlation r.

    ``u^2 = sum u_i^2 + 2 r sum_{i<j} u_i u_j`` (GUM law of propagation, equal pairwise r).
    """
    absolute = [value * u / 100.0 for value, u in zip(values, u_pct)]
    square = sum(a * a for a in absolute)
    cross = sum(absolute[i] * absolute[j] for i in range(len(absolute)) for j in range(i + 1, len(absolute)))
    return math.sqrt(square + 2.0 * correlation * cross)


def lognormal_product_interval(median: float, u_pct: Sequence[float]) -> tuple[float, float]:
    """Return the 95 % interval of a product of lognormal inputs, each U given as a factor 1 + U.

    ``ln(GSD_y)^2 = sum ln(GSD_i)^2`` with ``ln(GSD_i) = ln(1 + U_i) / 1.96``.
    """
    sigma = math.sqrt(sum((math.log(1.0 + u / 100.0) / Z95) ** 2 for u in u_pct))
    factor = math.exp(Z95 * sigma)
    return median / factor, median * factor


def adaptive_batch_size(coverage: float = 0.95) -> int:
    """Return the GUM Supplement 1 adaptive Monte Carlo batch size ``max(ceil(100 / (1 - p)), 10^4)``."""
    return max(math.ceil(100.0 / (1.0 - coverage)), 10_000)


def rectangular_u_pct(limit_pct: float) -> float:
    """Return the standard uncertainty of a +/- limit read as a rectangular distribution: ``a / sqrt(3)``."""
    return limit_pct / math.sqrt(3.0)


def meter_class_u95_pct(class_index: float) -> float:
    """Return the 95 % half-width of a meter accuracy class (rectangular, z = 1.96)."""
    return Z95 * rectangular_u_pct(class_index)


def sensor_offset_kwh(devices: int, offset_w: float, hours: float, *, correlated: bool) -> float:
    """Return the energy uncertainty of a persistent per-device power offset over ``hours``.

    Independent offsets add in quadrature (x sqrt(n)); fully correlated ones add linearly (x n).
    """
    per_device = offset_w * hours / 1000.0
    return per_device * (devices if correlated else math.sqrt(devices))
