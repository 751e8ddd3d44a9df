"""Analytic propagation for the live view: IPCC Approach 1 in the form of the GUM law with covariance.

``u_c^2(y) = sum_i c_i^2 u^2(x_i) + pooled family variance``, ``c_i = dy/dx_i`` at the values.
Correlation is carried by shared inputs: one PUE, one grid factor or one PCF group used by many
rows is one input. The explicit inputs are therefore independent, and the covariance terms of
the GUM formula are the cross products inside ``c_i``. For products of independent inputs this is the
IPCC rule ``U = sqrt(sum U_i^2)``; for sums it is ``sqrt(sum (U_i x_i)^2)``.

An input whose 95 % range is asymmetric about its value enters with the larger half-width
(conservative) and is flagged. When any input's or output's U exceeds 50 % the linear rule is
no longer adequate: the result switches to Monte Carlo (or, on request, to the lognormal product
rule ``ln(GSD_y)^2 = sum ln(GSD_i)^2`` where the output is one product) and says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from workbench.engine.uncertainty.distributions import Z95
from workbench.engine.uncertainty.model import UncertaintyModel
from workbench.engine.uncertainty.montecarlo import DEFAULT_SEED, MonteCarlo

LARGE_U95_PERCENT = 50.0
AUTO_TRIALS = 20_000
ASYMMETRY = 0.05


@dataclass(frozen=True)
class Interval:
    """One output's point value, standard uncertainty and 95 % interval."""

    point: float
    u: float
    low: float
    high: float

    @property
    def u95_percent(self) -> float:
        return 0.0 if self.point == 0 else 50.0 * (self.high - self.low) / abs(self.point)

    def as_dict(self) -> dict:
        return {"point": self.point, "standard_uncertainty": self.u, "interval_95": [self.low, self.high],
                "u95_percent": self.u95_percent}


@dataclass
class AnalyticResult:
    """Intervals of every reported output, the method that produced them and why."""

    method: str
    intervals: dict[str, Interval]
    input_u: np.ndarray
    large_inputs: list[tuple[str, float]] = field(default_factory=list)
    asymmetric_inputs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"method": self.method, "outputs": {name: item.as_dict() for name, item in self.intervals.items()},
                "inputs_above_50_percent": [{"name": name, "u95_percent": u} for name, u in self.large_inputs],
                "asymmetric_inputs": self.asymmetric_inputs, "notes": self.notes}


def input_uncertainties(model: UncertaintyModel) -> tuple[np.ndarray, list[str], list[tuple[str, float]]]:
    """Return each input's standard uncertainty for Approach 1, the asymmetric ones and those above +/-50 %."""
    u = np.zeros(len(model.inputs))
    asymmetric, large = [], []
    for index, item in enumerate(model.inputs):
        distribution = item.distribution
        sd = distribution.sd()
        low, high = distribution.interval95()
        value = item.nominal
        below, above = value - low, high - value
        width = high - low
        if width > 0 and abs(above - below) > ASYMMETRY * width:
            asymmetric.append(item.name)
            sd = max(sd, max(above, below) / Z95)
        u[index] = sd
        if value != 0:
            percent = 100.0 * Z95 * sd / abs(value)
            if percent > LARGE_U95_PERCENT:
                large.append((item.name, percent))
    return u, asymmetric, large


def covariance(model: UncertaintyModel, u: np.ndarray | None = None) -> np.ndarray:
    """Return the covariance of the reported outputs under the GUM law (reported, reported)."""
    if u is None:
        u = input_uncertainties(model)[0]
    gradient = model.gradient()
    components = gradient.T @ (u[:, None] ** 2 * gradient) + model.family_variance()
    report = model.report_matrix()
    return report.T @ components @ report


def propagate(model: UncertaintyModel, *, large: str = "monte_carlo", seed: int = DEFAULT_SEED,
              trials: int = AUTO_TRIALS) -> AnalyticResult:
    """Return Approach 1 intervals, or Monte Carlo / lognormal-rule intervals when uncertainties are large.

    ``large`` is ``monte_carlo`` (the default switch), ``lognormal`` (the product rule where it
    applies, else Monte Carlo) or ``none`` (keep the linear result and only flag it).
    """
    u, asymmetric, large_inputs = input_uncertainties(model)
    cov = covariance(model, u)
    point = model.point()
    sd = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    intervals = {name: Interval(float(p), float(s), float(p - Z95 * s), float(p + Z95 * s))
                 for name, p, s in zip(model.reported, point, sd)}
    result = AnalyticResult("approach1", intervals, u, large_inputs, asymmetric)
    if asymmetric:
        result.notes.append("inputs with an asymmetric 95 % range enter Approach 1 with their larger half-width "
                            f"(conservative): {', '.join(asymmetric[:10])}")
    large_outputs = [name for name, item in intervals.items() if item.u95_percent > LARGE_U95_PERCENT]
    if not large_inputs and not large_outputs or large == "none":
        if large_inputs or large_outputs:
            result.notes.append("uncertainties above +/-50 % make the linear propagation unreliable")
        return result
    reason = ", ".join([f"{name} +/-{value:.0f} %" for name, value in large_inputs[:5]]
                       + [f"{name} +/-{intervals[name].u95_percent:.0f} %" for name in large_outputs[:5]])
    if large == "lognormal" and lognormal_applies(model):
        result.intervals = lognormal_rule(model)
        result.method = "lognormal"
        result.notes.append(f"uncertainties above +/-50 % ({reason}): the lognormal product rule is used "
                            "(ln(GSD_y)^2 = sum ln(GSD_i)^2, interval median / GSD^1.96 to median x GSD^1.96)")
        return result
    run = MonteCarlo(model, seed=seed, trials=trials).run()
    result.method = "monte_carlo"
    result.intervals = {name: Interval(summary.point, summary.sd, summary.low, summary.high)
                        for name, summary in run.summaries.items()}
    result.notes.append(f"uncertainties above +/-50 % ({reason}): the linear propagation is replaced by Monte "
                        f"Carlo with {trials:,} trials (seed {seed})")
    return result


def _terms_of(model: UncertaintyModel, output: str) -> list[int]:
    column = model.report_matrix()[:, list(model.reported).index(output)]
    return [index for index, coef in enumerate(model.coefficients @ column) if coef != 0]


def lognormal_applies(model: UncertaintyModel) -> bool:
    """Return True when every reported output is one product of inputs with positive values.

    The rule treats each input as lognormal with GSD = 1 + U (its own GSD for lognormal inputs),
    so pooled families and tabulated terms exclude it.
    """
    if model.families:
        return False
    for output in model.reported:
        terms = _terms_of(model, output)
        if len(terms) > 1 or any(model.terms[index].table is not None for index in terms):
            return False
    return all(item.used_nominal > 0 for item in model.inputs)


def lognormal_rule(model: UncertaintyModel) -> dict[str, Interval]:
    """Return the lognormal-rule intervals of a model of products, each input's U taken as a factor 1 + U."""
    point = model.point()
    result = {}
    for output, value in zip(model.reported, point):
        terms = _terms_of(model, output)
        sigma2 = 0.0
        for index, exponent in (model.terms[terms[0]].factors if terms else ()):
            item = model.inputs[index]
            distribution = item.distribution
            if distribution.kind == "lognormal":
                log_gsd = math.log(distribution.params[1])
            else:
                log_gsd = math.log1p(distribution.u95_percent(item.nominal) / 100.0) / Z95
            sigma2 += (exponent * log_gsd) ** 2
        factor = math.exp(Z95 * math.sqrt(sigma2))
        result[output] = Interval(float(value), float(abs(value) * math.sqrt(math.expm1(sigma2))),
                                  float(value / factor), float(value * factor))
    return result
