"""Which inputs drive the spread: contribution to variance, tornado bars and Sobol indices.

* Contribution to variance (first order, GUM): ``(c_i u_i)^2 / u_c^2`` for each explicit input,
  and each pooled family's variance over ``u_c^2``; the shares add up to 1.
* Tornado: the output with one input at its 2.5th and at its 97.5th percentile and every other
  input at its value (a pooled family at its mean -/+ 1.96 sd).
* Sobol indices (optional): first-order ``S_i`` (Saltelli et al. 2010 estimator) and total
  ``S_Ti`` (Jansen 1999 estimator) from the matrices A, B and A_B^(i), which take
  ``N x (k + 2)`` model evaluations. Each pooled family counts as one input.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbench.engine.uncertainty.analytic import input_uncertainties
from workbench.engine.uncertainty.distributions import Z95, standard_normal_ppf
from workbench.engine.uncertainty.model import UncertaintyModel
from workbench.engine.uncertainty.montecarlo import DEFAULT_SEED

SOBOL_TRIALS = 8192


@dataclass(frozen=True)
class Contribution:
    """One input's (or pooled family's) share of an output's variance, with the signed ``c_i u_i``."""

    name: str
    label: str
    key: str
    share: float
    cu: float
    pooled: bool = False

    def as_dict(self) -> dict:
        return {"name": self.name, "label": self.label, "key": self.key, "share_of_variance": self.share,
                "c_times_u": self.cu, "pooled_family": self.pooled}


@dataclass(frozen=True)
class TornadoBar:
    """The output with one input at the low and the high end of its 95 % range."""

    name: str
    label: str
    input_low: float
    input_high: float
    output_low: float
    output_high: float

    @property
    def swing(self) -> float:
        return abs(self.output_high - self.output_low)

    def as_dict(self) -> dict:
        return {"name": self.name, "label": self.label, "input_low": self.input_low, "input_high": self.input_high,
                "output_low": self.output_low, "output_high": self.output_high, "swing": self.swing}


def _column(model: UncertaintyModel, output: str) -> np.ndarray:
    reported = list(model.reported)
    if output not in reported:
        raise ValueError(f"unknown output {output!r}; expected one of {reported}")
    return model.report_matrix()[:, reported.index(output)]


def contributions(model: UncertaintyModel, output: str) -> list[Contribution]:
    """Return every input's and family's contribution to the variance of ``output``, largest first."""
    weights = _column(model, output)
    u = input_uncertainties(model)[0]
    cu = (model.gradient() @ weights) * u
    family_var = [float(weights @ family.cov @ weights) for family in model.families]
    total = float((cu ** 2).sum() + sum(family_var))
    items = [Contribution(item.name, item.label, item.key, (value ** 2 / total) if total > 0 else 0.0, float(value))
             for item, value in zip(model.inputs, cu)]
    items += [Contribution(family.name, family.label, family.key, (var / total) if total > 0 else 0.0,
                           float(np.sqrt(var)), True) for family, var in zip(model.families, family_var)]
    return sorted(items, key=lambda item: -item.share)


def tornado(model: UncertaintyModel, output: str) -> list[TornadoBar]:
    """Return tornado bars for ``output`` with the widest swing first."""
    weights = _column(model, output)
    nominal = model.nominal_vector()
    base = float(model.evaluate(nominal[None, :])[0] @ weights)
    bars = []
    for index, item in enumerate(model.inputs):
        low, high = item.distribution.interval95()
        x = np.repeat(nominal[None, :], 2, axis=0)
        x[0, index], x[1, index] = low, high
        values = model.evaluate(x) @ weights
        bars.append(TornadoBar(item.name, item.label, low, high, float(values[0]), float(values[1])))
    for family in model.families:
        mean = float(family.mean @ weights)
        spread = Z95 * float(np.sqrt(max(weights @ family.cov @ weights, 0.0)))
        bars.append(TornadoBar(family.name, family.label, -Z95, Z95, base + mean - spread, base + mean + spread))
    return sorted(bars, key=lambda bar: -bar.swing)


@dataclass(frozen=True)
class SobolIndex:
    """First-order and total Sobol indices of one input (or pooled family)."""

    name: str
    label: str
    first_order: float
    total: float

    def as_dict(self) -> dict:
        return {"name": self.name, "label": self.label, "first_order": self.first_order, "total": self.total}


def sobol(model: UncertaintyModel, output: str, *, trials: int = SOBOL_TRIALS, seed: int = DEFAULT_SEED
          ) -> tuple[list[SobolIndex], dict]:
    """Estimate Sobol indices of ``output`` for every explicit input and pooled family.

    Returns the indices (largest total first) and the design: trials per matrix, evaluations, seed.
    """
    weights = _column(model, output)
    groups = [[index] for index in range(len(model.inputs))]
    width = len(model.inputs)
    for _ in model.families:
        groups.append(list(range(width, width + len(model.outputs))))
        width += len(model.outputs)
    rng = np.random.default_rng(seed)
    a, b = rng.random((trials, width)), rng.random((trials, width))
    f_a, f_b = _evaluate_uniform(model, a, weights), _evaluate_uniform(model, b, weights)
    # Centring leaves the indices unchanged but keeps the first-order estimator from drowning in the
    # output's mean when the spread is small beside it (a total of 1e7 kg +/- 1 %).
    centre = float(np.mean(np.concatenate([f_a, f_b])))
    f_a, f_b = f_a - centre, f_b - centre
    variance = float(np.var(np.concatenate([f_a, f_b]), ddof=1))
    labels = [(item.name, item.label) for item in model.inputs] + [(f.name, f.label) for f in model.families]
    result = []
    for (name, label), columns in zip(labels, groups):
        mixed = a.copy()
        mixed[:, columns] = b[:, columns]
        f_ab = _evaluate_uniform(model, mixed, weights) - centre
        first = float(np.mean(f_b * (f_ab - f_a)) / variance) if variance > 0 else 0.0
        total = float(np.mean((f_a - f_ab) ** 2) / 2.0 / variance) if variance > 0 else 0.0
        result.append(SobolIndex(name, label, first, total))
    design = {"trials": trials, "evaluations": trials * (len(groups) + 2), "seed": seed,
              "estimators": "first order Saltelli et al. 2010, total Jansen 1999"}
    return sorted(result, key=lambda item: -item.total), design


def _evaluate_uniform(model: UncertaintyModel, u: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Evaluate ``output`` for uniform numbers: inputs by their quantile functions, families by normal quantiles."""
    count = len(model.inputs)
    x = np.empty((len(u), count))
    for index, item in enumerate(model.inputs):
        x[:, index] = item.distribution.ppf(np.clip(u[:, index], 1e-12, 1 - 1e-12))
    components = model.evaluate(x)
    if model.families:
        z = standard_normal_ppf(np.clip(u[:, count:], 1e-12, 1 - 1e-12))
        blocks = [z[:, i * len(model.outputs):(i + 1) * len(model.outputs)] for i in range(len(model.families))]
        components = components + model.family_deviation(blocks)
    return components @ weights
