"""Probability distributions of uncertain inputs: fixed, normal, lognormal, uniform, triangular, beta, PERT.

A :class:`Distribution` is either absolute (its parameters are values of the input, for example
PUE triangular 1.2 / 1.28 / 1.4) or relative (its parameters are multipliers of the input's
value, for example a grid factor normal with mean 1 and a standard deviation of 0.051). Relative
distributions follow the value when an assumption changes; :meth:`Distribution.at` turns one
into the absolute distribution around a value.

Parameters by kind (absolute units, or multipliers when relative):

* ``fixed``: none; the input takes its value.
* ``normal``: mean, sd.
* ``lognormal``: median, gsd (geometric standard deviation, ``exp`` of the sd of ``ln x``).
* ``uniform``: low, high (a rectangular distribution).
* ``triangular``: low, mode, high.
* ``beta``: alpha, beta, low, high (a beta distribution scaled to ``[low, high]``).
* ``pert``: low, mode, high, lambda (a beta with ``alpha = 1 + lambda (mode - low) / (high - low)``).

Sampling uses the NumPy ``Generator`` methods in one fixed call per input, so a run from a
stored seed draws the same numbers again. :meth:`Distribution.ppf` maps uniform numbers to the
distribution for common random numbers and Sobol designs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from workbench.engine.uncertainty.quantiles import beta_ppf, standard_normal_ppf, triangular_ppf
from workbench.errors import UsageError

Z95 = 1.959963984540054
KINDS = ("fixed", "normal", "lognormal", "uniform", "triangular", "beta", "pert")
PARAMETERS: dict[str, tuple[str, ...]] = {
    "fixed": (),
    "normal": ("mean", "sd"),
    "lognormal": ("median", "gsd"),
    "uniform": ("low", "high"),
    "triangular": ("low", "mode", "high"),
    "beta": ("alpha", "beta", "low", "high"),
    "pert": ("low", "mode", "high", "lambda"),
}
# Integer codes of Brightway's stats_arrays package (parameter array column ``uncertainty_type``),
# from the table "Mapping parameter array columns to uncertainty distributions" in the
# stats_arrays documentation (docs/index.rst) and BetaPERTUncertainty.id = 13 in
# src/stats_arrays/distributions/beta_pert.py. 0 (undefined) is read as fixed.
STATS_ARRAYS_CODE = {"fixed": 1, "lognormal": 2, "normal": 3, "uniform": 4, "triangular": 5, "beta": 10, "pert": 13}
KIND_OF_CODE = {code: kind for kind, code in STATS_ARRAYS_CODE.items()} | {0: "fixed"}


@dataclass(frozen=True)
class Distribution:
    """An input's distribution; ``relative`` ones scale with the input's value.

    ``correlation`` names how members of one input class share draws (see the defaults table);
    None takes the class's default.
    """

    kind: str
    params: tuple[float, ...] = ()
    relative: bool = False
    correlation: str | None = None

    def __post_init__(self) -> None:
        _validate(self.kind, self.params)

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def fixed(cls) -> "Distribution":
        return cls("fixed")

    @classmethod
    def normal_u95(cls, u95_fraction: float, *, correlation: str | None = None) -> "Distribution":
        """A relative normal whose 95 % half-width is ``u95_fraction`` of the value (sd = U / 1.96)."""
        return cls("normal", (1.0, u95_fraction / Z95), True, correlation)

    @classmethod
    def rectangular(cls, limit_fraction: float, *, correlation: str | None = None) -> "Distribution":
        """A relative uniform over value x (1 -/+ ``limit_fraction``): a manufacturer's error limit."""
        return cls("uniform", (1.0 - limit_fraction, 1.0 + limit_fraction), True, correlation)

    def at(self, value: float) -> "Distribution":
        """Return the absolute distribution of an input whose value is ``value``."""
        if not self.relative:
            return self
        if self.kind == "fixed":
            return replace(self, relative=False)
        scale = float(value)
        if self.kind == "normal":
            params = (self.params[0] * scale, self.params[1] * abs(scale))
        elif self.kind == "lognormal":
            params = (self.params[0] * scale, self.params[1])
        elif self.kind in ("uniform", "triangular"):
            params = tuple(sorted(p * scale for p in self.params)) if scale < 0 else tuple(p * scale
                                                                                              for p in self.params)
        elif self.kind == "beta":
            low, high = sorted((self.params[2] * scale, self.params[3] * scale))
            params = (self.params[0], self.params[1], low, high)
        else:
            params = tuple(p * scale for p in self.params[:3]) + (self.params[3],)
        return Distribution(self.kind, params, False, self.correlation)

    # -- moments and quantiles ----------------------------------------------------------------

    @property
    def is_fixed(self) -> bool:
        return self.kind == "fixed"

    def mean(self, value: float = 0.0) -> float:
        """Return the expected value; ``value`` for a fixed distribution."""
        k, p = self.kind, self.params
        if k == "fixed":
            return value
        if k == "normal":
            return p[0]
        if k == "lognormal":
            return p[0] * math.exp(math.log(p[1]) ** 2 / 2.0)
        if k == "uniform":
            return (p[0] + p[1]) / 2.0
        if k == "triangular":
            return (p[0] + p[1] + p[2]) / 3.0
        alpha, beta, low, high = self._beta_form()
        return low + (high - low) * alpha / (alpha + beta)

    def sd(self) -> float:
        """Return the standard deviation (the standard uncertainty of GUM)."""
        k, p = self.kind, self.params
        if k == "fixed":
            return 0.0
        if k == "normal":
            return p[1]
        if k == "lognormal":
            s2 = math.log(p[1]) ** 2
            return self.mean() * math.sqrt(math.expm1(s2))
        if k == "uniform":
            return (p[1] - p[0]) / math.sqrt(12.0)
        if k == "triangular":
            a, m, b = p
            return math.sqrt((a * a + b * b + m * m - a * b - a * m - b * m) / 18.0)
        alpha, beta, low, high = self._beta_form()
        total = alpha + beta
        return (high - low) * math.sqrt(alpha * beta / (total * total * (total + 1.0)))

    def second_moment(self) -> float:
        return self.sd() ** 2 + self.mean() ** 2

    def ppf(self, u: np.ndarray | float, value: float = 0.0) -> np.ndarray:
        """Return the quantiles at probabilities ``u`` (the inverse distribution function)."""
        u = np.asarray(u, dtype=float)
        k, p = self.kind, self.params
        if k == "fixed":
            return np.full(u.shape, value)
        if k == "normal":
            return p[0] + p[1] * standard_normal_ppf(u)
        if k == "lognormal":
            return p[0] * np.exp(math.log(p[1]) * standard_normal_ppf(u))
        if k == "uniform":
            return p[0] + (p[1] - p[0]) * u
        if k == "triangular":
            return triangular_ppf(u, *p)
        return beta_ppf(u, *self._beta_form())

    def interval95(self, value: float = 0.0) -> tuple[float, float]:
        """Return the 2.5th and 97.5th percentiles."""
        low, high = self.ppf(np.array([0.025, 0.975]), value)
        return float(low), float(high)

    def u95_percent(self, value: float | None = None) -> float:
        """Return U% in the IPCC convention: half-width of the 95 % interval over the mean, x 100."""
        if self.is_fixed:
            return 0.0
        low, high = self.interval95()
        centre = self.mean() if value is None else value
        return 0.0 if centre == 0 else 50.0 * (high - low) / abs(centre)

    def support(self) -> tuple[float, float]:
        """Return the smallest and largest value the distribution takes (±inf when unbounded)."""
        k, p = self.kind, self.params
        if k == "normal":
            return -math.inf, math.inf
        if k == "lognormal":
            return 0.0, math.inf
        if k in ("uniform", "triangular"):
            return p[0], p[-1]
        if k in ("beta", "pert"):
            _, _, low, high = self._beta_form()
            return low, high
        return math.nan, math.nan

    def _beta_form(self) -> tuple[float, float, float, float]:
        if self.kind == "beta":
            return self.params
        low, mode, high, lam = self.params
        return 1.0 + lam * (mode - low) / (high - low), 1.0 + lam * (high - mode) / (high - low), low, high

    # -- sampling -----------------------------------------------------------------------------

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw ``size`` values with one Generator call (absolute distributions only)."""
        if self.relative:
            raise ValueError("sample the absolute distribution: call .at(value) first")
        k, p = self.kind, self.params
        if k == "normal":
            return rng.normal(p[0], p[1], size)
        if k == "lognormal":
            return p[0] * np.exp(rng.normal(0.0, math.log(p[1]), size))
        if k == "uniform":
            return rng.uniform(p[0], p[1], size)
        if k == "triangular":
            if p[0] == p[2]:
                return np.full(size, p[1])
            return rng.triangular(p[0], p[1], p[2], size)
        if k in ("beta", "pert"):
            alpha, beta, low, high = self._beta_form()
            return low + (high - low) * rng.beta(alpha, beta, size)
        raise ValueError("a fixed input is not sampled")

    # -- text, JSON and stats_arrays ------------------------------------------------------------

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind}
        data.update(zip(PARAMETERS[self.kind], self.params))
        data["relative"] = self.relative
        if self.correlation:
            data["correlation"] = self.correlation
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Distribution":
        """Build a distribution from :meth:`as_dict` output; raise UsageError naming what is wrong."""
        kind = str(data.get("kind", "")).strip().lower()
        if kind not in KINDS:
            raise UsageError(f"unknown distribution kind '{data.get('kind')}'", hint=f"Use one of: {', '.join(KINDS)}.")
        names = PARAMETERS[kind]
        if kind == "pert" and "lambda" not in data:
            data = dict(data, **{"lambda": 4.0})
        missing = [name for name in names if data.get(name) is None]
        if missing:
            raise UsageError(f"a {kind} distribution needs {', '.join(names)}; missing {', '.join(missing)}")
        try:
            params = tuple(float(data[name]) for name in names)
        except (TypeError, ValueError):
            raise UsageError(f"the parameters of a {kind} distribution must be numbers: "
                             f"{ {name: data[name] for name in names} }") from None
        correlation = data.get("correlation") or None
        return cls(kind, params, bool(data.get("relative", False)), correlation)

    def describe(self) -> str:
        """Return a short text such as ``triangular 1.2 / 1.28 / 1.4`` or ``normal +/-10 % (95 %)``."""
        if self.is_fixed:
            return "fixed"
        if self.relative and self.kind == "normal" and self.params[0] == 1.0:
            text = f"normal +/-{100 * Z95 * self.params[1]:.4g} % (95 %)"
        elif self.relative and self.kind == "uniform" and math.isclose(self.params[0] + self.params[1], 2.0):
            text = f"rectangular +/-{100 * (self.params[1] - 1.0):.4g} %"
        elif self.relative and self.kind == "lognormal" and self.params[0] == 1.0:
            text = f"lognormal, median at the value, GSD {self.params[1]:.4g}"
        else:
            values = " / ".join(f"{p:.6g}" for p in self.params)
            text = f"{self.kind} {values}" + (" x value" if self.relative else "")
        return text + (f", correlation {self.correlation}" if self.correlation else "")

    def to_stats_arrays(self, value: float) -> dict[str, Any]:
        """Return a stats_arrays parameter row (absolute, at ``value``) with its ``uncertainty_type``."""
        d = self.at(value)
        row = {"uncertainty_type": STATS_ARRAYS_CODE[d.kind], "amount": value, "loc": None, "scale": None,
               "shape": None, "minimum": None, "maximum": None, "negative": False}
        p = d.params
        if d.kind == "fixed":
            row["loc"] = value
        elif d.kind == "normal":
            row.update(loc=p[0], scale=p[1])
        elif d.kind == "lognormal":
            row.update(loc=math.log(abs(p[0])), scale=math.log(p[1]), negative=p[0] < 0)
        elif d.kind == "uniform":
            row.update(minimum=p[0], maximum=p[1])
        elif d.kind == "triangular":
            row.update(minimum=p[0], loc=p[1], maximum=p[2])
        elif d.kind == "beta":
            row.update(loc=p[0], shape=p[1], minimum=p[2], maximum=p[3])
        else:
            row.update(minimum=p[0], loc=p[1], maximum=p[2], scale=p[3])
        return row

    @classmethod
    def from_stats_arrays(cls, row: dict[str, Any], *, relative: bool = False) -> "Distribution":
        """Read a stats_arrays parameter row; raise UsageError for codes or bounds this engine cannot use."""
        try:
            code = int(row.get("uncertainty_type", row.get("uncertainty type")))
        except (TypeError, ValueError):
            raise UsageError(f"stats_arrays row without an integer uncertainty_type: {row}") from None
        if code not in KIND_OF_CODE:
            raise UsageError(f"stats_arrays uncertainty type {code} is not supported",
                             hint="Supported: 0/1 fixed, 2 lognormal, 3 normal, 4 uniform, 5 triangular, 10 beta, "
                                  "13 PERT.")
        kind = KIND_OF_CODE[code]

        def get(name: str, default: float | None = None) -> float | None:
            item = row.get(name)
            return default if item is None or (isinstance(item, float) and math.isnan(item)) else float(item)

        if kind in ("normal", "lognormal") and (get("minimum") is not None or get("maximum") is not None):
            raise UsageError(f"bounded {kind} distributions (stats_arrays minimum/maximum) are not supported",
                             hint="Remove the bounds or use a triangular, beta or PERT distribution.")
        if kind == "fixed":
            return cls("fixed", (), relative, row.get("correlation"))
        if kind == "normal":
            params = (get("loc"), get("scale"))
        elif kind == "lognormal":
            sign = -1.0 if row.get("negative") else 1.0
            params = (sign * math.exp(get("loc")), math.exp(get("scale")))
        elif kind == "uniform":
            params = (get("minimum", 0.0), get("maximum"))
        elif kind == "triangular":
            low, high = get("minimum", 0.0), get("maximum")
            params = (low, get("loc", (low + high) / 2.0 if high is not None else None), high)
        elif kind == "beta":
            params = (get("loc"), get("shape"), get("minimum", 0.0), get("maximum", 1.0))
        else:
            params = (get("minimum"), get("loc"), get("maximum"), get("scale", 4.0))
        if any(p is None for p in params):
            raise UsageError(f"stats_arrays row for a {kind} distribution lacks a required field: {row}")
        return cls(kind, tuple(params), relative, row.get("correlation"))


def _validate(kind: str, params: tuple[float, ...]) -> None:
    if kind not in KINDS:
        raise UsageError(f"unknown distribution kind '{kind}'", hint=f"Use one of: {', '.join(KINDS)}.")
    names = PARAMETERS[kind]
    if len(params) != len(names):
        raise UsageError(f"a {kind} distribution takes {len(names)} parameters ({', '.join(names) or 'none'}), "
                         f"not {len(params)}")
    if any(not math.isfinite(p) for p in params):
        raise UsageError(f"{kind} distribution parameters must be finite numbers, not {params}")
    problem = None
    if kind == "normal" and params[1] < 0:
        problem = "the standard deviation must not be negative"
    elif kind == "lognormal" and (params[0] == 0 or params[1] < 1.0):
        problem = "the median must not be 0 and the geometric standard deviation must be at least 1"
    elif kind == "uniform" and not params[0] <= params[1]:
        problem = "low must not exceed high"
    elif kind in ("triangular", "pert") and not params[0] <= params[1] <= params[2]:
        problem = "the values must satisfy low <= mode <= high"
    elif kind == "pert" and (params[0] == params[2] or params[3] <= 0):
        problem = "low and high must differ and lambda must be positive"
    elif kind == "beta" and (params[0] <= 0 or params[1] <= 0 or not params[2] < params[3]):
        problem = "alpha and beta must be positive and low below high"
    if problem:
        raise UsageError(f"invalid {kind} distribution {params}: {problem}")
