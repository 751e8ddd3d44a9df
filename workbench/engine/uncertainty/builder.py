"""Assembling an :class:`~workbench.engine.uncertainty.model.UncertaintyModel` from per-row contributions.

The view builders (footprint, inventory) register inputs and add contributions row by row, as
arrays: each row has a coefficient per output and names, per row, the explicit inputs it is
multiplied by (-1 for none). Rows with the same product of inputs are summed into one term.
Inputs are ordered by phase (activity data, declared-run assumptions, energy chain, emission
factors, embodied, Scope 1), then by registration, and that order is the draw order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np

from workbench.engine.uncertainty.distributions import Distribution
from workbench.engine.uncertainty.model import PooledFamily, Term, UncertainInput, UncertaintyModel

PHASE_ACTIVITY, PHASE_DECLARED, PHASE_CHAIN, PHASE_FACTORS, PHASE_EMBODIED, PHASE_SCOPE1 = range(6)


@dataclass(frozen=True)
class Resolved:
    """The distribution an input uses, where it comes from and why."""

    distribution: Distribution
    origin: str
    basis: str


# key -> Resolved, or None when the key has no distribution set in the assumption set.
Lookup = Callable[[str], Resolved | None]


class ModelBuilder:
    """Collects inputs, term rows and pooled families, then builds the model."""

    def __init__(self, view: str, outputs: Sequence[str]) -> None:
        self.view = view
        self.outputs = tuple(outputs)
        self.output_index = {name: index for index, name in enumerate(self.outputs)}
        self._inputs: list[tuple[int, UncertainInput]] = []
        self._input_index: dict[str, int] = {}
        self._terms: dict[tuple, np.ndarray] = {}
        self._tables: list[tuple[int, np.ndarray, np.ndarray]] = []
        self._families: list[PooledFamily] = []
        self.notes: list[str] = []
        self.fixed: dict[str, dict] = {}

    # -- inputs ---------------------------------------------------------------------------------

    def input(self, item: UncertainInput, phase: int) -> int:
        """Register an input (once per name) and return its index.

        Inputs with a fixed distribution are folded into the coefficients at :meth:`build` and
        listed as inputs without uncertainty.
        """
        if item.name in self._input_index:
            return self._input_index[item.name]
        index = len(self._inputs)
        self._inputs.append((phase, item))
        self._input_index[item.name] = index
        return index

    def table(self, input_index: int, xs: np.ndarray, ys: np.ndarray) -> int:
        """Register a tabulated function of one input for :meth:`add` and return its id."""
        self._tables.append((input_index, np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)))
        return len(self._tables) - 1

    # -- terms ----------------------------------------------------------------------------------

    def add(self, coefficients: np.ndarray, fixed: Mapping[int, float] | None = None,
            per_row: Sequence[tuple[np.ndarray, float]] = (), table: int | None = None) -> None:
        """Add rows: ``coefficients`` (rows, outputs) times the inputs in ``fixed`` (index -> exponent)
        and, per row, the inputs named in each ``per_row`` array (index or -1) with its exponent.
        """
        coefficients = np.atleast_2d(np.asarray(coefficients, dtype=float))
        if coefficients.size == 0:
            return
        keep = np.any(coefficients != 0.0, axis=1)
        if not keep.any():
            return
        coefficients = coefficients[keep]
        base = {index: exponent for index, exponent in (fixed or {}).items() if index >= 0}
        columns = []
        for array, exponent in per_row:
            array = np.asarray(array, dtype=np.int64)[keep]
            low, high = int(array.min()), int(array.max())
            if low == high:
                if low >= 0:
                    base[low] = base.get(low, 0.0) + exponent
                continue
            columns.append((array, exponent))
        if not columns:
            self._accumulate(base, table, coefficients.sum(axis=0))
            return
        unique, inverse = unique_rows(np.stack([array for array, _ in columns], axis=1))
        sums = segment_sum(inverse, coefficients, len(unique))
        exponents = [exponent for _, exponent in columns]
        for row, total in zip(unique, sums):
            factors = dict(base)
            for index, exponent in zip(row.tolist(), exponents):
                if index >= 0:
                    factors[index] = factors.get(index, 0.0) + exponent
            self._accumulate(factors, table, total)

    def constant(self, values: Mapping[str, float]) -> None:
        """Add a constant (no input) to outputs by name."""
        row = np.zeros(len(self.outputs))
        for name, value in values.items():
            row[self.output_index[name]] += value
        self.add(row[None, :])

    def _accumulate(self, factors: dict[int, float], table: int | None, coefficients: np.ndarray) -> None:
        key = (tuple(sorted((index, exponent) for index, exponent in factors.items() if exponent != 0.0)), table)
        if key in self._terms:
            self._terms[key] = self._terms[key] + coefficients
        else:
            self._terms[key] = coefficients.astype(float).copy()

    # -- families -------------------------------------------------------------------------------

    def family(self, name: str, label: str, key: str, vectors: np.ndarray, mean_xi: np.ndarray, var_xi: np.ndarray,
               resolved: Resolved) -> None:
        """Add a pooled family: member deviation ``vectors`` (members, outputs) times ``xi`` with the given moments."""
        vectors = np.atleast_2d(np.asarray(vectors, dtype=float))
        if vectors.size == 0 or len(vectors) == 0:
            return
        mean = vectors.T @ np.asarray(mean_xi, dtype=float)
        cov = vectors.T @ (np.asarray(var_xi, dtype=float)[:, None] * vectors)
        if not np.any(cov) and not np.any(mean):
            return
        self._families.append(PooledFamily(name, label, key, int(len(vectors)), mean, cov, resolved.distribution,
                                           resolved.basis, resolved.origin))

    # -- result ---------------------------------------------------------------------------------

    def _fold_fixed(self) -> None:
        """Multiply fixed inputs (values, or tables at the value) into the coefficients of their terms."""
        folded: dict[tuple, np.ndarray] = {}
        for (factors, table_id), coefficients in self._terms.items():
            scale, kept = 1.0, []
            for index, exponent in factors:
                item = self._inputs[index][1]
                if item.distribution.is_fixed:
                    scale *= item.used_nominal ** exponent
                    self._note_fixed(item)
                else:
                    kept.append((index, exponent))
            if table_id is not None and self._inputs[self._tables[table_id][0]][1].distribution.is_fixed:
                index, xs, ys = self._tables[table_id]
                item = self._inputs[index][1]
                scale *= float(np.interp(item.used_nominal, xs, ys))
                self._note_fixed(item)
                table_id = None
            key = (tuple(kept), table_id)
            folded[key] = folded.get(key, 0.0) + coefficients * scale
        self._terms = folded

    def _note_fixed(self, item: UncertainInput) -> None:
        self.fixed.setdefault(item.key, {"key": item.key, "label": item.label, "basis": item.basis,
                                         "origin": item.origin})

    def build(self, derived: Mapping[str, Mapping[str, float]] | None = None) -> UncertaintyModel:
        """Return the model: fixed inputs folded in, unused inputs dropped, inputs ordered by phase."""
        self._fold_fixed()
        used = {index for key in self._terms for index, _ in key[0]}
        used |= {self._tables[key[1]][0] for key in self._terms if key[1] is not None}
        order = sorted((index for index in range(len(self._inputs)) if index in used),
                       key=lambda index: (self._inputs[index][0], index))
        position = {old: new for new, old in enumerate(order)}
        terms, rows = [], []
        for (factors, table_id), coefficients in self._terms.items():
            if not np.any(coefficients):
                continue
            table = None
            if table_id is not None:
                index, xs, ys = self._tables[table_id]
                table = (position[index], xs, ys)
            terms.append(Term(tuple((position[index], exponent) for index, exponent in factors), table))
            rows.append(coefficients)
        coefficients = np.array(rows) if rows else np.zeros((0, len(self.outputs)))
        inputs = tuple(self._inputs[index][1] for index in order)
        self.notes.extend(_fixed_notes(self.fixed))
        return UncertaintyModel(self.view, self.outputs, inputs, tuple(terms), coefficients, tuple(self._families),
                                {name: dict(weights) for name, weights in (derived or {}).items()},
                                tuple(self.notes), tuple(self.fixed.values()))


def _fixed_notes(fixed: Mapping[str, dict]) -> list[str]:
    keys = sorted(fixed)
    if not keys:
        return []
    return [f"inputs without a distribution, so without uncertainty here: {', '.join(keys)}"]


def unique_rows(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the distinct rows of an int matrix (values >= -1) and each row's position among them."""
    if len(codes) == 0:
        return codes.reshape(0, codes.shape[1] if codes.ndim == 2 else 0), np.zeros(0, dtype=np.int64)
    radices = codes.max(axis=0).astype(np.int64) + 2
    if float(np.prod(radices.astype(float))) < 2.0 ** 62:
        key = np.zeros(len(codes), dtype=np.int64)
        for column, radix in enumerate(radices):
            key = key * radix + (codes[:, column] + 1)
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        return codes[first], inverse.reshape(-1)
    unique, inverse = np.unique(codes, axis=0, return_inverse=True)
    return unique, inverse.reshape(-1)


def pool_members(b: ModelBuilder, class_key: str, members: Sequence, vectors: np.ndarray, resolved: Sequence[Resolved],
                 names: Sequence[str], phase: int, size: np.ndarray) -> np.ndarray:
    """Make the members of a class that dominate its variance explicit inputs and pool the others.

    ``vectors`` (members, outputs) is each member's effect on the outputs per unit of its
    multiplier, that is at a relative error of 100 %. ``size`` is that effect on the main output.
    Returns each member's input index, or -1 for pooled members.
    """
    from workbench.engine.uncertainty.defaults import TABLE
    from workbench.engine.uncertainty.model import explicit_members

    var = np.array([item.distribution.sd() ** 2 for item in resolved])
    mean = np.array([item.distribution.mean() - 1.0 for item in resolved])
    explicit = explicit_members(size * size * var)
    row = TABLE[class_key]
    result = np.full(len(members), -1, dtype=np.int64)
    for position in np.flatnonzero(explicit):
        item = resolved[position]
        result[position] = b.input(UncertainInput(f"{class_key}:{names[position]}", f"{row.label}: {names[position]}",
                                                  class_key, item.distribution, 1.0, "multiplier", item.basis,
                                                  item.origin), phase)
    pooled = ~explicit & (var > 0)
    if pooled.any():
        b.family(class_key, f"{row.label} ({int(pooled.sum())} independent members)", class_key, vectors[pooled],
                 mean[pooled], var[pooled], resolved[int(np.flatnonzero(pooled)[0])])
    return result


def main_component(vectors: np.ndarray, order: Sequence[int]) -> np.ndarray:
    """Return each member's effect on the first output in ``order`` that any member moves."""
    for column in order:
        if np.any(vectors[:, column]):
            return vectors[:, column]
    return np.zeros(len(vectors))


def segment_sum(index: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Return the sums of ``values`` rows (or elements) per ``index`` in ``range(size)``; faster than np.add.at."""
    index = np.asarray(index, dtype=np.int64)
    if values.ndim == 1:
        return np.bincount(index, weights=values, minlength=size)[:size]
    result = np.zeros((size, values.shape[1]))
    for column in range(values.shape[1]):
        if np.any(values[:, column]):
            result[:, column] = np.bincount(index, weights=values[:, column], minlength=size)[:size]
    return result
