"""Embodied emissions in the footprint's uncertainty model: vendor PCFs, lifetimes and usage rate.

SCI and BLOOM-style amortization charge each run, per asset,
``TE x overlap(run window, service window of length L) / (L x usage) x reserved share x
resource share``. The overlap is clipped at the end of the asset's life, so a run near the end
of an asset's life is charged only in draws where the asset still lives: the charge is not a
power of L. Per PCF group it is therefore tabulated over the lifetime's range (exact at the
lifetime's value, linear between grid points) and enters a term as a function of the lifetime
input. LLMCarbon's chip-only charge is a plain product and needs no table.

Identical items with the same PCF source share one PCF draw (r = 1), and their lifetimes one
lifetime draw, unless the set chooses per-asset or single draws.
"""

from __future__ import annotations

import weakref
from typing import Sequence

import numpy as np

from workbench.engine.assumptions import SPECS, Assumptions
from workbench.engine.embodied import HOUR_S, HOURS_PER_YEAR, AssetInput
from workbench.engine.footprint import PreparedFootprint
from workbench.engine.periods import Period
from workbench.engine.uncertainty import resolve
from workbench.engine.uncertainty.builder import (PHASE_DECLARED, PHASE_EMBODIED, Lookup, ModelBuilder, Resolved,
                                                  segment_sum)
from workbench.engine.uncertainty.defaults import TABLE
from workbench.engine.uncertainty.model import UncertainInput, explicit_members

YEAR_S = HOURS_PER_YEAR * HOUR_S
_CHARGES: "weakref.WeakKeyDictionary[PreparedFootprint, dict]" = weakref.WeakKeyDictionary()
GRID_POINTS = 257
QUADRATURE_NODES = 64


def asset_groups(assets: Sequence[AssetInput], correlation: str) -> list[str]:
    """Return each asset's PCF group: its item and PCF source, the asset itself, or one group for all."""
    if correlation == "all":
        return ["all hardware"] * len(assets)
    if correlation == "asset":
        return [f"asset {asset.asset_id} {asset.item}" for asset in assets]
    return [f"{asset.item} [{asset.embodied_source or 'no PCF source'}]" for asset in assets]


def add_embodied(b: ModelBuilder, prepared: PreparedFootprint, a: Assumptions, lookup: Lookup,
                 period: Period | None, chosen: np.ndarray, output: int, tabulate: bool = True) -> None:
    """Add the embodied emissions of the chosen runs to the model under the set's method."""
    if a.embodied_method == "llmcarbon":
        _add_chip_only(b, prepared, a, lookup, period, chosen, output)
        return
    _Amortized(b, prepared, a, lookup, period, chosen, output, tabulate).add()


def _assumption(b: ModelBuilder, lookup: Lookup, key: str, a: Assumptions, phase: int = PHASE_EMBODIED) -> int:
    resolved = resolve.assumption(lookup, key, a)
    spec = SPECS[key]
    return b.input(UncertainInput(key, spec.label, key, resolved.distribution, float(getattr(a, key)), spec.unit,
                                  resolved.basis, resolved.origin), phase)


def _window(prepared: PreparedFootprint, period: Period | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return each run's window start and end (clipped to the period) and the share of it in the period."""
    model = prepared.embodied
    start, end = model.start_s.copy(), model.end_s.copy()
    valid = ~np.isnan(start) & ~np.isnan(end) & (end > start)
    if period is not None:
        start = np.maximum(start, period.start_s)
        end = np.minimum(end, period.end_s)
    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = np.where(valid, np.clip((end - start) / (model.end_s - model.start_s), 0.0, 1.0), 0.0)
    return np.where(valid, start, 0.0), np.where(valid, end, 0.0), fraction


def _add_chip_only(b: ModelBuilder, prepared: PreparedFootprint, a: Assumptions, lookup: Lookup,
                   period: Period | None, chosen: np.ndarray, output: int) -> None:
    """LLMCarbon: accelerator-hours x die area x embodied per cm2 / chip lifetime."""
    _, hours, _, _ = prepared.run_scales(a)
    _, _, in_period = _window(prepared, period)
    hours = np.nan_to_num(hours * in_period)
    from_compute = np.zeros(len(prepared.inputs), dtype=bool)
    if len(prepared.declared_index):
        d = prepared.declared_arrays
        from_compute[prepared.declared_index] = np.isnan(d.accelerator_hours) & ~np.isnan(d.flops)
    per_cm2 = _assumption(b, lookup, "chip_embodied_kg_per_cm2", a)
    lifetime = _assumption(b, lookup, "chip_lifetime_years", a)
    area = _assumption(b, lookup, "chip_area_mm2", a)
    coefficient = hours / 100.0 / HOURS_PER_YEAR
    fixed = {per_cm2: 1.0, lifetime: -1.0, area: 1.0}
    for derived in (False, True):
        rows = np.flatnonzero(chosen & (from_compute == derived))
        if not len(rows):
            continue
        coefficients = np.zeros((1, len(b.outputs)))
        if derived:
            mfu = _assumption(b, lookup, "compute_mfu", a, PHASE_DECLARED)
            peak = _assumption(b, lookup, "compute_peak_flops_per_s", a, PHASE_DECLARED)
            coefficients[0, output] = coefficient[rows].sum() * a.compute_mfu * a.compute_peak_flops_per_s
            b.add(coefficients, fixed={**fixed, mfu: -1.0, peak: -1.0})
        else:
            coefficients[0, output] = coefficient[rows].sum()
            b.add(coefficients, fixed=fixed)


class _Amortized:
    """SCI or BLOOM amortization of every asset over the chosen runs, grouped by PCF."""

    def __init__(self, b: ModelBuilder, prepared: PreparedFootprint, a: Assumptions, lookup: Lookup,
                 period: Period | None, chosen: np.ndarray, output: int, tabulate: bool) -> None:
        self.b, self.prepared, self.a, self.lookup, self.output, self.tabulate = (
            b, prepared, a, lookup, output, tabulate)
        self.assets = list(prepared.embodied.assets)
        pcf = resolve.activity(lookup, "embodied.pcf")
        self.groups = asset_groups(self.assets, pcf.distribution.correlation or "item")
        position: dict[str, int] = {}
        for group in self.groups:
            position.setdefault(group, len(position))
        self.names = list(position)
        self.group_of = np.array([position[group] for group in self.groups], dtype=np.int64)
        self.bloom = a.embodied_method == "bloom"
        self.assumed_usage = np.array([self.bloom and asset.usage_rate is None for asset in self.assets], dtype=bool)
        self.lifetime_shared = a.lifetime_years is not None or resolve.correlation(lookup, "embodied.lifetime") == "all"
        self.weights = self._run_weights(period, chosen)

    def _run_weights(self, period: Period | None, chosen: np.ndarray) -> dict:
        start, end, _ = _window(self.prepared, period)
        shares = self.prepared.embodied.compute(self.a, period).resource_share
        weight = np.nan_to_num(shares) * self.prepared.embodied.reserved_fraction
        weight = np.where(chosen & (end > start), weight, 0.0)
        return {"start": start, "end": end, "weight": weight}

    # -- lifetime inputs and the values they take ---------------------------------------------------

    def _lifetime_input(self) -> tuple[int, Resolved | None, float]:
        """Return the shared lifetime input (index, resolved, value), or (-1, None, 1) for per-group lifetimes."""
        if self.a.lifetime_years is not None:
            index = _assumption(self.b, self.lookup, "lifetime_years", self.a)
            return index, resolve.assumption(self.lookup, "lifetime_years", self.a), float(self.a.lifetime_years)
        if self.lifetime_shared:
            resolved = resolve.activity(self.lookup, "embodied.lifetime")
            row = TABLE["embodied.lifetime"]
            index = self.b.input(UncertainInput("embodied.lifetime", row.label + " (one draw for all)",
                                                "embodied.lifetime", resolved.distribution, 1.0, "multiplier",
                                                resolved.basis, resolved.origin), PHASE_EMBODIED)
            return index, resolved, 1.0
        return -1, None, 1.0

    def _grid(self, resolved: Resolved | None, value: float) -> np.ndarray:
        """Return the lifetime values to tabulate at: the range of the distribution, with the value itself."""
        if resolved is None or resolved.distribution.is_fixed:
            return np.array([value])
        if not self.tabulate:
            step = 1e-4 * value
            return np.array([value - step, value, value + step])
        low, high = resolved.distribution.support()
        if not np.isfinite(low) or not np.isfinite(high):
            low, high = resolved.distribution.ppf(np.array([1e-6, 1.0 - 1e-6]))
        low = max(low, 1e-3 * value)
        grid = np.linspace(low, max(high, low * (1 + 1e-9)), GRID_POINTS)
        return np.unique(np.concatenate([grid, [value]]))

    def _lengths_s(self, grids: np.ndarray) -> np.ndarray:
        """Lifetimes in seconds per asset and grid point: the override in years, or a multiplier of each asset's."""
        if self.a.lifetime_years is not None:
            return grids * YEAR_S
        own = np.array([asset.lifetime_years for asset in self.assets]) * YEAR_S
        return own[:, None] * grids

    # -- the charge per asset ----------------------------------------------------------------------

    def _charge(self, lengths: np.ndarray) -> np.ndarray:
        """Return kgCO2e charged per asset at each lifetime (assets, points), usage of assumed assets as 1.

        Cached per prepared model, run weights and lifetimes, because an assumption change that
        does not touch embodied emissions (PUE, node uplift) leaves the charge unchanged.
        """
        cache = _CHARGES.setdefault(self.prepared, {})
        key = (self.bloom, hash(self.weights["weight"].tobytes()), hash(self.weights["start"].tobytes()),
               hash(self.weights["end"].tobytes()), hash(np.ascontiguousarray(lengths).tobytes()))
        if key not in cache:
            if len(cache) > 64:
                cache.clear()
            cache[key] = self._compute_charge(lengths)
        return cache[key]

    def _compute_charge(self, lengths: np.ndarray) -> np.ndarray:
        result = np.zeros(lengths.shape)
        w = self.weights
        usage = np.array([1.0 if asset.usage_rate is None or not self.bloom else asset.usage_rate
                          for asset in self.assets])
        total = np.array([asset.embodied_kg for asset in self.assets])
        start = np.array([asset.service_start_s for asset in self.assets])
        for site_runs, site_assets in self._site_pairs():
            runs = site_runs[w["weight"][site_runs] > 0]
            if not len(runs) or not len(site_assets):
                continue
            alpha = np.maximum(w["start"][runs][:, None], start[site_assets][None, :]) - start[site_assets][None, :]
            beta = w["end"][runs][:, None] - start[site_assets][None, :]
            beta = np.maximum(alpha, beta)
            weight = w["weight"][runs]
            length = lengths[site_assets]
            if length.shape[1] <= 3:
                overlap = np.clip(length[None, :, :], alpha[:, :, None], beta[:, :, None]) - alpha[:, :, None]
                result[site_assets] = np.einsum("r,raj->aj", weight, overlap)
            else:
                result[site_assets] = _relu_sums(alpha, weight, length) - _relu_sums(beta, weight, length)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(lengths > 0, result * (total / usage)[:, None] / lengths, 0.0)

    def _site_pairs(self):
        """Yield (run indices, asset indices) per site, as the embodied model groups them."""
        runs = self.prepared.embodied.runs
        shared = [i for i, asset in enumerate(self.assets) if asset.site is None]
        by_site: dict = {}
        for index, run in enumerate(runs):
            by_site.setdefault(run.site, []).append(index)
        for site, indices in by_site.items():
            own = [i for i, asset in enumerate(self.assets) if asset.site is not None and asset.site == site]
            yield np.array(indices, dtype=np.int64), np.array(shared + own, dtype=np.int64)

    # -- terms and families --------------------------------------------------------------------------

    def add(self) -> None:
        if not self.assets or not np.any(self.weights["weight"]):
            return
        usage = _assumption(self.b, self.lookup, "usage_rate", self.a) if self.assumed_usage.any() else -1
        shared_index, shared_resolved, shared_value = self._lifetime_input()
        members = [self._member(name) for name in self.names]
        pcf = resolve.members(self.lookup, "embodied.pcf", members)
        life = [shared_resolved] * len(self.names) if shared_index >= 0 else \
            resolve.members(self.lookup, "embodied.lifetime", members)
        grid_of: dict[int, np.ndarray] = {}
        for item in life:
            if id(item) not in grid_of:
                grid_of[id(item)] = self._grid(item, shared_value)
        grids = [grid_of[id(item)] for item in life]
        width = max(len(grid) for grid in grid_of.values())
        padded_of = {key: np.pad(grid, (0, width - len(grid)), mode="edge") for key, grid in grid_of.items()}
        padded = np.array([padded_of[id(item)] for item in life])
        charge = self._charge(self._lengths_s(padded[self.group_of]))
        tables = {cls: np.zeros((len(self.names), width)) for cls in (False, True)}
        for cls in (False, True):
            chosen = self.assumed_usage == cls
            tables[cls] = segment_sum(self.group_of[chosen], charge[chosen], len(self.names))
        # Every grid contains the lifetime's value itself, so the charge at the value is one column of the table.
        column = np.array([int(np.searchsorted(grids[k], shared_value)) for k in range(len(self.names))]) \
            if len(grid_of) > 1 else np.full(len(self.names), int(np.searchsorted(grids[0], shared_value)))
        rows = np.arange(len(self.names))
        self.at_value = {cls: tables[cls][rows, column] for cls in (False, True)}
        nominal = self.at_value[False] + self.at_value[True] / self._usage()
        self._terms_and_family(pcf, life, grids, tables, nominal, usage, shared_index)

    def _usage(self) -> float:
        return float(self.a.usage_rate) if self.bloom else 1.0

    def _member(self, name: str) -> str:
        return name.split(" [", 1)[0]

    def _terms_and_family(self, pcf: list[Resolved], life: list[Resolved], grids: list[np.ndarray], tables: dict,
                          nominal: np.ndarray, usage: int, shared_index: int) -> None:
        moments = {id(item): (item.distribution.mean(), item.distribution.sd() ** 2) for item in pcf}
        mean_te = np.array([moments[id(item)][0] for item in pcf])
        var_te = np.array([moments[id(item)][1] for item in pcf])
        mean_g, second_g = self._lifetime_moments(life, grids, tables, nominal, shared_index)
        second_te = var_te + mean_te ** 2
        mean_xi = mean_te * mean_g - 1.0
        var_xi = second_te * second_g - (mean_te * mean_g) ** 2
        explicit = explicit_members(nominal * nominal * var_xi)
        pcf_row, life_row = TABLE["embodied.pcf"], TABLE["embodied.lifetime"]
        pooled_shared: list[int] = []
        for k, name in enumerate(self.names):
            te = -1
            lifetime = shared_index
            if explicit[k]:
                te = self.b.input(UncertainInput(f"embodied.pcf:{name}", f"{pcf_row.label}: {name}", "embodied.pcf",
                                                 pcf[k].distribution, 1.0, "multiplier", pcf[k].basis, pcf[k].origin),
                                  PHASE_EMBODIED)
                if shared_index < 0:
                    lifetime = self.b.input(UncertainInput(
                        f"embodied.lifetime:{name}", f"{life_row.label}: {name}", "embodied.lifetime",
                        life[k].distribution, 1.0, "multiplier", life[k].basis, life[k].origin), PHASE_EMBODIED)
            if te < 0:
                pooled_shared.append(k)
                continue
            self._add_group(k, grids[k], tables, te, lifetime, usage, pooled_lifetime=not explicit[k]
                            and shared_index < 0)
        if pooled_shared and shared_index >= 0:
            merged = {cls: tables[cls][pooled_shared].sum(axis=0, keepdims=True) for cls in (False, True)}
            self._add_group(0, grids[pooled_shared[0]], merged, -1, shared_index, usage, pooled_lifetime=False)
        elif pooled_shared:
            self._add_at_values(pooled_shared, usage)
        pooled = ~explicit & (var_xi > 0)
        if pooled.any():
            vectors = np.zeros((int(pooled.sum()), len(self.b.outputs)))
            vectors[:, self.output] = nominal[pooled]
            first = int(np.flatnonzero(pooled)[0])
            self.b.family("embodied.pcf", f"{pcf_row.label} and lifetime ({int(pooled.sum())} independent groups)",
                          "embodied.pcf", vectors, mean_xi[pooled], var_xi[pooled], pcf[first])

    def _lifetime_moments(self, life: list[Resolved], grids: list[np.ndarray], tables: dict, nominal: np.ndarray,
                          shared_index: int) -> tuple[np.ndarray, np.ndarray]:
        """Return E[g] and E[g^2] of each group's lifetime factor g = charge(l) / charge(value).

        Groups that share a lifetime distribution share its grid, so their moments are computed
        together: by quadrature over the distribution's quantiles, or to first order without tables.
        """
        count = len(self.names)
        mean, second = np.ones(count), np.ones(count)
        if shared_index >= 0:
            return mean, second
        nodes = (np.arange(QUADRATURE_NODES) + 0.5) / QUADRATURE_NODES
        by_life: dict[int, list[int]] = {}
        for k, item in enumerate(life):
            by_life.setdefault(id(item), []).append(k)
        for members in by_life.values():
            distribution, grid = life[members[0]].distribution, grids[members[0]]
            rows = np.array([k for k in members if nominal[k] != 0], dtype=np.int64)
            if distribution.is_fixed or not len(rows):
                continue
            values = (tables[False][rows] + tables[True][rows] / self._usage())[:, :len(grid)] / nominal[rows, None]
            if self.tabulate:
                points = np.clip(distribution.ppf(nodes), grid[0], grid[-1])
                upper = np.clip(np.searchsorted(grid, points), 1, len(grid) - 1)
                fraction = (points - grid[upper - 1]) / (grid[upper] - grid[upper - 1])
                g = values[:, upper - 1] * (1.0 - fraction) + values[:, upper] * fraction
                mean[rows], second[rows] = g.mean(axis=1), (g * g).mean(axis=1)
            else:
                slope = (values[:, 2] - values[:, 0]) / (grid[2] - grid[0])
                mean[rows] = 1.0 + slope * (distribution.mean() - grid[1])
                second[rows] = mean[rows] ** 2 + (slope * distribution.sd()) ** 2
        return mean, second

    def _add_at_values(self, groups: list[int], usage: int) -> None:
        """Add pooled groups at their lifetimes' values (their spread is in the pooled family)."""
        for assumed in (False, True):
            total = float(self.at_value[assumed][groups].sum())
            if total:
                coefficients = np.zeros((1, len(self.b.outputs)))
                coefficients[0, self.output] = total
                self.b.add(coefficients, fixed={usage: -1.0} if assumed else None)

    def _add_group(self, k: int, grid: np.ndarray, tables: dict, te: int, lifetime: int, usage: int,
                   pooled_lifetime: bool) -> None:
        """Add one PCF group's charge: te x [usage^-1] x lifetime^-1 x table(lifetime), or at the lifetime's value."""
        for assumed in (False, True):
            ys = tables[assumed][k][:len(grid)]
            if not np.any(ys):
                continue
            fixed = {te: 1.0}
            if assumed:
                fixed[usage] = -1.0
            coefficients = np.zeros((1, len(self.b.outputs)))
            if len(grid) == 1:
                coefficients[0, self.output] = float(ys[0])
                self.b.add(coefficients, fixed=fixed)
            elif lifetime < 0 or pooled_lifetime:
                coefficients[0, self.output] = self.at_value[assumed][k]
                self.b.add(coefficients, fixed=fixed)
            else:
                # Charge x lifetime is piecewise linear in the lifetime, so the table is exact between the
                # kinks where an asset's end of life crosses a run's window. The 1 / lifetime factor is exact.
                coefficients[0, self.output] = 1.0
                fixed[lifetime] = -1.0
                self.b.add(coefficients, fixed=fixed, table=self.b.table(lifetime, grid, ys * grid))


def _relu_sums(breaks: np.ndarray, weight: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Return ``sum_r weight_r * max(L - breaks[r, a], 0)`` for every asset a and length L in ``lengths[a]``.

    Each column of ``breaks`` (runs, assets) is sorted once. The sum at L is then
    ``L * W(<L) - B(<L)`` with cumulative weights W and weighted breaks B. One search over the
    columns laid end to end finds them for every asset at once.
    """
    runs, assets = breaks.shape
    order = np.argsort(breaks, axis=0, kind="stable")
    ordered = np.take_along_axis(breaks, order, axis=0)
    weights = weight[order]
    cumulative_w = np.vstack([np.zeros((1, assets)), np.cumsum(weights, axis=0)])
    cumulative_b = np.vstack([np.zeros((1, assets)), np.cumsum(weights * ordered, axis=0)])
    span = float(max(np.abs(ordered).max(initial=0.0), np.abs(lengths).max(initial=0.0))) * 4.0 + 1.0
    offsets = np.arange(assets) * span
    keys = (ordered + offsets[None, :]).T.reshape(-1)
    queries = lengths + offsets[:, None]
    found = np.searchsorted(keys, queries.reshape(-1), side="left").reshape(lengths.shape)
    below = found - (np.arange(assets) * runs)[:, None]
    columns = np.arange(assets)[:, None]
    return lengths * cumulative_w[below, columns] - cumulative_b[below, columns]
