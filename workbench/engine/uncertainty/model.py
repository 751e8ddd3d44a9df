"""The uncertainty model of one view under one assumption set, in precomputed (F3) form.

Every output (footprint: GPU energy, facility energy, operational and embodied emissions;
inventory: the scopes) is a sum of terms, each a coefficient vector times a product of powers of
a few uncertain inputs, optionally times a tabulated function of one input::

    y = sum_t  A_t * prod_i x_i ^ e_ti * f_t(x_j)  +  sum_f  D_f

Everything constant within a term (hours, energies, factors, shares) is summed out once when
the model is built, so a Monte Carlo trial costs O(number of terms), not O(hours x runs).

``D_f`` is a pooled family: many independent small inputs of one class (GPU sensor offsets, the
day-to-day errors of hourly grid factors, the PCFs of thousands of distinct items), each moving
the outputs by ``v_k * xi_k``. Their sum is drawn as one multivariate normal with the exact mean
``sum v_k E[xi_k]`` and covariance ``sum v_k v_k^T Var[xi_k]`` (central limit theorem), computed
with every other input at its value. A family's members whose variance share is large stay
explicit inputs instead, so a dominant input keeps its own distribution.

Explicit inputs are drawn in the order of :attr:`UncertaintyModel.inputs`, one Generator call per
input and batch, then one standard normal block per family.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from workbench.engine.uncertainty.distributions import Distribution

# A family with at most this many members is modelled with one explicit input per member.
EXPLICIT_MEMBERS = 16
# In larger families, members with at least this share of the family's variance stay explicit.
EXPLICIT_SHARE = 0.05


@dataclass(frozen=True)
class UncertainInput:
    """One explicit uncertain input: its identity, distribution (absolute) and the value the point estimate uses.

    ``name`` is stable across assumption sets (``pue``, ``ef.location.annual:FR:2025``,
    ``meter:site-main``), so common random numbers can pair the same input in two sets.
    ``offset`` is added to a draw before use, so ``f_dist = 1 + loss`` can be an input.
    """

    name: str
    label: str
    key: str
    distribution: Distribution
    nominal: float
    unit: str
    basis: str
    origin: str
    offset: float = 0.0

    @property
    def used_nominal(self) -> float:
        return self.nominal + self.offset

    def as_dict(self) -> dict:
        return {"name": self.name, "label": self.label, "key": self.key, "value": self.nominal, "unit": self.unit,
                "distribution": self.distribution.as_dict(), "describe": self.distribution.describe(),
                "u95_percent": self.distribution.u95_percent(self.nominal) if self.nominal else None,
                "basis": self.basis, "origin": self.origin}


@dataclass(frozen=True)
class PooledFamily:
    """Many independent inputs of one class, summed into one multivariate normal deviation of the outputs."""

    name: str
    label: str
    key: str
    members: int
    mean: np.ndarray
    cov: np.ndarray
    distribution: Distribution
    basis: str
    origin: str

    @property
    def root(self) -> np.ndarray:
        """Symmetric square root of :attr:`cov` (eigendecomposition; exact for singular matrices)."""
        values, vectors = np.linalg.eigh(self.cov)
        return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T

    def as_dict(self, outputs: Sequence[str]) -> dict:
        return {"name": self.name, "label": self.label, "key": self.key, "members": self.members,
                "describe": self.distribution.describe(), "basis": self.basis, "origin": self.origin,
                "sd": {name: float(math.sqrt(max(self.cov[i, i], 0.0))) for i, name in enumerate(outputs)}}


@dataclass(frozen=True)
class Term:
    """``coef * prod x_i ^ e_i * table(x_j)``; the table is (input index, xs, ys) for linear interpolation."""

    factors: tuple[tuple[int, float], ...]
    table: tuple[int, np.ndarray, np.ndarray] | None = None


@dataclass
class UncertaintyModel:
    """Inputs, terms and pooled families of one view; outputs are named, derived outputs are weighted sums."""

    view: str
    outputs: tuple[str, ...]
    inputs: tuple[UncertainInput, ...]
    terms: tuple[Term, ...]
    coefficients: np.ndarray  # (terms, outputs)
    families: tuple[PooledFamily, ...] = ()
    derived: dict[str, dict[str, float]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    fixed_inputs: tuple[dict, ...] = ()

    def __post_init__(self) -> None:
        self._roots = [family.root for family in self.families]

    # -- outputs -------------------------------------------------------------------------------

    @property
    def reported(self) -> tuple[str, ...]:
        """Component outputs followed by derived ones (totals)."""
        return self.outputs + tuple(self.derived)

    def report_matrix(self) -> np.ndarray:
        """Matrix (outputs, reported) that turns component values into every reported value."""
        columns = [np.eye(len(self.outputs))]
        for weights in self.derived.values():
            columns.append(np.array([[weights.get(name, 0.0)] for name in self.outputs]))
        return np.hstack(columns)

    def nominal_vector(self) -> np.ndarray:
        return np.array([item.nominal for item in self.inputs], dtype=float)

    def point(self) -> np.ndarray:
        """Return the reported outputs with every input at its value (equals the engine's point result)."""
        values = self.evaluate(self.nominal_vector()[None, :])[0]
        return values @ self.report_matrix()

    # -- evaluation ----------------------------------------------------------------------------

    def evaluate(self, x: np.ndarray) -> np.ndarray:
        """Return component outputs (trials, outputs) for input values ``x`` (trials, inputs); no families."""
        x = np.asarray(x, dtype=float)
        trials = x.shape[0]
        used = x + np.array([item.offset for item in self.inputs])[None, :] if len(self.inputs) else x
        values = np.empty((trials, len(self.terms)))
        for index, term in enumerate(self.terms):
            values[:, index] = _term_values(term, used, trials)
        return values @ self.coefficients

    def family_deviation(self, z: list[np.ndarray]) -> np.ndarray:
        """Return the summed deviation of every family for standard normal blocks ``z`` (one (trials, outputs) each)."""
        trials = z[0].shape[0] if z else 0
        total = np.zeros((trials, len(self.outputs)))
        for family, root, block in zip(self.families, self._roots, z):
            total += family.mean[None, :] + block @ root
        return total

    def gradient(self) -> np.ndarray:
        """Return d output / d input at the values (inputs, outputs), for the GUM law of propagation."""
        used = (self.nominal_vector() + np.array([item.offset for item in self.inputs]))[None, :] \
            if self.inputs else np.zeros((1, 0))
        result = np.zeros((len(self.inputs), len(self.outputs)))
        for term, coef in zip(self.terms, self.coefficients):
            for position, (index, exponent) in enumerate(term.factors):
                others = Term(term.factors[:position] + term.factors[position + 1:], term.table)
                value = exponent * used[0, index] ** (exponent - 1.0) if exponent != 1.0 else 1.0
                result[index] += coef * value * _term_values(others, used, 1)[0]
            if term.table is not None:
                index, xs, ys = term.table
                x0 = used[0, index]
                step = 1e-6 * max(abs(x0), 1e-12)
                slope = (np.interp(x0 + step, xs, ys) - np.interp(x0 - step, xs, ys)) / (2.0 * step)
                plain = Term(term.factors, None)
                result[index] += coef * slope * _term_values(plain, used, 1)[0]
        return result

    def family_variance(self) -> np.ndarray:
        """Return the summed covariance of every family (outputs, outputs)."""
        total = np.zeros((len(self.outputs), len(self.outputs)))
        for family in self.families:
            total += family.cov
        return total

    def input_names(self) -> list[str]:
        return [item.name for item in self.inputs]


def _term_values(term: Term, x: np.ndarray, trials: int) -> np.ndarray:
    value = np.ones(trials)
    for index, exponent in term.factors:
        column = x[:, index]
        if exponent == 1.0:
            value = value * column
        elif exponent == -1.0:
            value = value / column
        else:
            value = value * np.power(column, exponent)
    if term.table is not None:
        index, xs, ys = term.table
        value = value * np.interp(x[:, index], xs, ys)
    return value


def explicit_members(variance: np.ndarray) -> np.ndarray:
    """Return a mask of the family members that stay explicit inputs (see the module docstring)."""
    count = len(variance)
    if count <= EXPLICIT_MEMBERS:
        return variance > 0
    total = float(variance.sum())
    if total <= 0:
        return np.zeros(count, dtype=bool)
    chosen = np.zeros(count, dtype=bool)
    largest = np.argsort(-variance, kind="stable")[:EXPLICIT_MEMBERS]
    chosen[largest] = variance[largest] >= EXPLICIT_SHARE * total
    return chosen
