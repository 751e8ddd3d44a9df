"""Density curves and starting parameters for the distribution picker of the assumption editor.

A curve is the probability density of an absolute distribution over the range where it has
nearly all its mass: the support for bounded kinds, the 0.05th to 99.95th percentiles for
normal and lognormal. A fixed distribution has no density; its curve is one spike at the value.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from workbench.engine.uncertainty.distributions import KINDS, PARAMETERS, Distribution

__all__ = ["KINDS", "PARAMETERS", "Distribution", "PICKER_KINDS", "density_curve", "starting_distribution"]

# The kinds the picker offers, simplest first.
PICKER_KINDS = ("fixed", "normal", "lognormal", "triangular", "uniform", "pert", "beta")
TAIL = 0.0005


def starting_distribution(kind: str, value: float, spread: float = 0.05) -> Distribution:
    """Return a distribution of ``kind`` centred on ``value`` with about +/- ``spread`` (a fraction) of it.

    The picker fills its parameter boxes with it when the user picks a kind; a value of 0 spreads
    over +/- ``spread`` in absolute terms.
    """
    width = abs(value) * spread or spread
    low, high = value - width, value + width
    params = {
        "fixed": (),
        "normal": (value, width / 1.959963984540054),
        "lognormal": (value if value > 0 else 1.0, 1.0 + spread),
        "uniform": (low, high),
        "triangular": (low, value, high),
        "beta": (2.0, 2.0, low, high),
        "pert": (low, value, high, 4.0),
    }[kind]
    return Distribution(kind, params)


def density_curve(distribution: Distribution, value: float = 0.0, points: int = 201) -> pd.DataFrame:
    """Return columns x and density of ``distribution`` (absolute, or relative taken at ``value``).

    For a fixed distribution the frame has two rows at ``value`` with density 0 and 1, a spike.
    A distribution without spread gets the same spike at its mean.
    """
    d = distribution.at(value)
    if d.is_fixed:
        return pd.DataFrame({"x": [value, value], "density": [0.0, 1.0]})
    if d.sd() == 0:  # a degenerate normal, uniform or triangular: all its mass at one point
        return pd.DataFrame({"x": [d.mean(), d.mean()], "density": [0.0, 1.0]})
    low, high = _range(d)
    x = np.linspace(low, high, points)
    if d.kind == "triangular":  # put the mode on the grid so the peak is drawn exactly
        x = np.unique(np.append(x, d.params[1]))
    return pd.DataFrame({"x": x, "density": _pdf(d, x)})


def _range(d: Distribution) -> tuple[float, float]:
    low, high = d.support()
    if math.isinf(low) or math.isinf(high) or d.kind == "lognormal":
        low, high = (float(q) for q in d.ppf(np.array([TAIL, 1.0 - TAIL])))
        return low, high
    margin = 0.05 * (high - low)
    return low - margin, high + margin


def _pdf(d: Distribution, x: np.ndarray) -> np.ndarray:
    p = d.params
    if d.kind == "normal":
        return np.exp(-0.5 * ((x - p[0]) / p[1]) ** 2) / (p[1] * math.sqrt(2.0 * math.pi))
    if d.kind == "lognormal":
        return _lognormal_pdf(x, math.log(p[0]), math.log(p[1]))
    if d.kind == "uniform":
        return np.where((x >= p[0]) & (x <= p[1]), 1.0 / (p[1] - p[0]), 0.0)
    if d.kind == "triangular":
        return _triangular_pdf(x, *p)
    return _beta_pdf(x, *_beta_form(d))


def _lognormal_pdf(x: np.ndarray, mu: float, sigma: float) -> np.ndarray:
    positive = np.where(x > 0, x, 1.0)
    density = np.exp(-0.5 * ((np.log(positive) - mu) / sigma) ** 2) / (positive * sigma * math.sqrt(2.0 * math.pi))
    return np.where(x > 0, density, 0.0)


def _triangular_pdf(x: np.ndarray, low: float, mode: float, high: float) -> np.ndarray:
    width = high - low
    rising = 2.0 * (x - low) / (width * (mode - low)) if mode > low else np.zeros_like(x)
    falling = 2.0 * (high - x) / (width * (high - mode)) if high > mode else np.zeros_like(x)
    density = np.where(x < mode, rising, falling)
    if mode == low:
        density = np.where(x == low, 2.0 / width, density)
    return np.where((x >= low) & (x <= high), density, 0.0)


def _beta_form(d: Distribution) -> tuple[float, float, float, float]:
    if d.kind == "beta":
        return d.params
    low, mode, high, lam = d.params
    return 1.0 + lam * (mode - low) / (high - low), 1.0 + lam * (high - mode) / (high - low), low, high


def _beta_pdf(x: np.ndarray, alpha: float, beta: float, low: float, high: float) -> np.ndarray:
    width = high - low
    t = (x - low) / width
    inside = (t > 0) & (t < 1)
    safe = np.where(inside, t, 0.5)
    log_norm = math.lgamma(alpha + beta) - math.lgamma(alpha) - math.lgamma(beta)
    density = np.exp(log_norm + (alpha - 1.0) * np.log(safe) + (beta - 1.0) * np.log1p(-safe)) / width
    return np.where(inside, density, 0.0)
