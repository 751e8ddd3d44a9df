"""Order-independent attribution of a difference between two assumption sets to the assumptions causing it.

The difference ``v(all) - v(none)`` between set A (no assumption switched) and set B (every
differing assumption switched to B's value) is split into one share per assumption with
Shapley values. A share is the change that switching the assumption makes, averaged over every
order of switching the assumptions one at a time from A to B. The shares add up to the
difference exactly (efficiency), do not depend on any chosen order, and split interaction
effects evenly. With
``k`` assumptions the exact value needs the ``2^k`` subsets; above :data:`EXACT_LIMIT` it is
estimated from sampled orders (each with its reverse), with a standard error.

Next to the Shapley value the result keeps the two one-at-a-time swaps: only this assumption
switched to B, and every assumption but this one switched.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from workbench.progress import Progress

EXACT_LIMIT = 10
SAMPLED_ORDERS = 64


@dataclass(frozen=True)
class Share:
    """One assumption's part of the difference, per output."""

    factor: str
    shapley: np.ndarray
    alone: np.ndarray
    all_but: np.ndarray
    standard_error: np.ndarray | None = None

    def as_dict(self, outputs: Sequence[str]) -> dict:
        data = {"factor": self.factor,
                "shapley": dict(zip(outputs, map(float, self.shapley))),
                "switched_alone": dict(zip(outputs, map(float, self.alone))),
                "switched_last": dict(zip(outputs, map(float, self.all_but)))}
        if self.standard_error is not None:
            data["standard_error"] = dict(zip(outputs, map(float, self.standard_error)))
        return data


@dataclass(frozen=True)
class Decomposition:
    """The difference between two sets per output and its shares; ``exact`` unless orders were sampled."""

    factors: tuple[str, ...]
    outputs: tuple[str, ...]
    reference: np.ndarray
    other: np.ndarray
    shares: tuple[Share, ...]
    exact: bool
    evaluations: int

    @property
    def difference(self) -> np.ndarray:
        return self.other - self.reference

    def as_dict(self) -> dict:
        return {"outputs": list(self.outputs), "reference": dict(zip(self.outputs, map(float, self.reference))),
                "other": dict(zip(self.outputs, map(float, self.other))),
                "difference": dict(zip(self.outputs, map(float, self.difference))),
                "method": "exact Shapley values over all subsets" if self.exact else
                          f"Shapley values estimated from {SAMPLED_ORDERS} sampled orders and their reverses",
                "evaluations": self.evaluations, "shares": [share.as_dict(self.outputs) for share in self.shares]}


def decompose(evaluate: Callable[[frozenset[str]], np.ndarray], factors: Sequence[str], outputs: Sequence[str], *,
              seed: int = 0, progress: Progress | None = None) -> Decomposition:
    """Split ``evaluate(all) - evaluate(none)`` into Shapley shares of ``factors``.

    ``evaluate(switched)`` returns the outputs with the factors in ``switched`` at set B's values
    and the rest at set A's.
    """
    factors = tuple(factors)
    cache: dict[frozenset[str], np.ndarray] = {}

    def value(switched: frozenset[str]) -> np.ndarray:
        if switched not in cache:
            cache[switched] = np.asarray(evaluate(switched), dtype=float)
            if progress is not None:
                progress.update(min(len(cache) / _planned(len(factors)), 0.99), "decomposing the difference")
        return cache[switched]

    everything = frozenset(factors)
    none = frozenset()
    exact = len(factors) <= EXACT_LIMIT
    if exact:
        values, errors = _exact(value, factors), None
    else:
        values, errors = _sampled(value, factors, seed)
    shares = tuple(Share(factor, values[i], value(frozenset([factor])) - value(none),
                         value(everything) - value(everything - {factor}),
                         None if errors is None else errors[i]) for i, factor in enumerate(factors))
    return Decomposition(factors, tuple(outputs), value(none), value(everything), shares, exact, len(cache))


def _planned(count: int) -> int:
    return 2 ** count if count <= EXACT_LIMIT else 2 * SAMPLED_ORDERS * count


def _exact(value: Callable[[frozenset[str]], np.ndarray], factors: tuple[str, ...]) -> list[np.ndarray]:
    k = len(factors)
    weights = [math.factorial(size) * math.factorial(k - size - 1) / math.factorial(k) for size in range(k)]
    result = []
    for i, factor in enumerate(factors):
        others = factors[:i] + factors[i + 1:]
        total = 0.0
        for mask in range(2 ** (k - 1)):
            subset = frozenset(others[j] for j in range(k - 1) if mask >> j & 1)
            total = total + weights[len(subset)] * (value(subset | {factor}) - value(subset))
        result.append(np.asarray(total, dtype=float))
    return result


def _sampled(value: Callable[[frozenset[str]], np.ndarray], factors: tuple[str, ...],
             seed: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    marginals: dict[str, list[np.ndarray]] = {factor: [] for factor in factors}
    for _ in range(SAMPLED_ORDERS):
        order = list(rng.permutation(len(factors)))
        for sequence in (order, order[::-1]):
            switched: frozenset[str] = frozenset()
            before = value(switched)
            for position in sequence:
                switched = switched | {factors[position]}
                after = value(switched)
                marginals[factors[position]].append(after - before)
                before = after
    means = [np.mean(marginals[factor], axis=0) for factor in factors]
    errors = [np.std(marginals[factor], axis=0, ddof=1) / math.sqrt(len(marginals[factor])) for factor in factors]
    return means, errors
