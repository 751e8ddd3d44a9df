"""Footprint of training runs: the energy chain, time-matched factors and amortized hardware.

Per run and UTC hour, with every energy in kWh::

    node      = gpu_board x node_uplift + node_measured
    it        = node x f_dist + it_measured          (the PUE measurement point, see chain.py)
    facility  = it x pue + facility_measured         (PUE is never applied to facility energy)
    operational_co2e_kg = sum over hours of facility x location factor(zone, hour) / 1000

Declared runs (from papers, model cards, cloud bills) carry a one-kWh hourly profile over their
window at the level they state. At compute time the profile is scaled by the energy the
declaration gives under the assumptions (see declared.py), so it flows through the same chain.

Everything that does not depend on an assumption is summed once per zone choice and period
(run_sums.py). A recompute is then a few array operations over all runs, and the per-run rows
are only built when someone reads :attr:`FootprintResult.runs`.
"""

from __future__ import annotations

import logging
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from workbench.engine import quality
from workbench.engine.assumptions import Assumptions
from workbench.engine.chain import LEVELS, distribution_factor
from workbench.engine.declared import DeclaredArrays, declared_energy_arrays
from workbench.engine.embodied import AssetInput, EmbodiedModel, EmbodiedResult
from workbench.engine.factors import RESOLUTION_ORDER, FactorTable, MatchedFactors, factor_tables, match_hours
from workbench.engine.footprint_result import (EXTRA_KEYS, FLOP_UNIT, NUMERIC_KEYS, RUN_KINDS, TOKENS_UNIT,
                                               FootprintResult, RunFootprint, _column_totals)
from workbench.engine.periods import Period
from workbench.engine.run_sums import MeteredPue, RunSums, compute_sums
from workbench.engine.runs import RunInput, declared_run, uniform_profile
from workbench.engine.views import FOOTPRINT

log = logging.getLogger(__name__)

VIEW = FOOTPRINT
CATEGORY_CODE = {None: 0, "": 0, "PUE1": 1, "PUE2": 2, "PUE3": 3}
__all__ = ["LEVELS", "VIEW", "EXTRA_KEYS", "NUMERIC_KEYS", "RUN_KINDS", "FootprintResult", "PreparedFootprint",
           "RunFootprint", "RunInput", "declared_run", "prepare", "uniform_profile"]


class PreparedFootprint:
    """Runs, factors and assets prepared once; :meth:`compute` runs per assumption set."""

    def __init__(self, runs: Iterable[RunInput], factor_tables: dict[str, FactorTable],
                 assets: Iterable[AssetInput], metered_pue: Mapping[str, MeteredPue] | None = None) -> None:
        self.inputs = tuple(runs)
        self.factor_tables = factor_tables
        self.metered_pue = dict(metered_pue or {})
        self.embodied = EmbodiedModel(self.inputs, assets)
        self.assets = self.embodied.assets
        self._sums: dict[tuple, RunSums] = {}
        self.declared_index = np.array([i for i, run in enumerate(self.inputs) if run.declared is not None],
                                       dtype=np.int64)
        self.declared_arrays = DeclaredArrays.from_declarations(
            [self.inputs[i].declared for i in self.declared_index])
        self.site_category = np.array([CATEGORY_CODE.get(run.pue_category, 0) for run in self.inputs], dtype=np.int64)
        self.meter_category = np.array([CATEGORY_CODE.get(self.metered_pue[run.site].category, 0)
                                        if run.site in self.metered_pue else 0 for run in self.inputs], dtype=np.int64)
        self.base_quality = quality.telemetry_fractions(self.inputs)
        self.tokens = np.array([np.nan if run.tokens is None else run.tokens for run in self.inputs], dtype=float)
        self.flops = np.array([np.nan if run.flops is None else run.flops for run in self.inputs], dtype=float)
        self.accelerator_hours = np.array([run.accelerator_hours for run in self.inputs], dtype=float)
        self.no_asset_sites = self.embodied.sites_without_assets()

    @property
    def runs(self) -> tuple[RunInput, ...]:
        return self.inputs

    def sums(self, zone: str | None, period: Period | None) -> RunSums:
        """Return (and cache) the assumption-free sums for a zone override and period."""
        key = (zone, None if period is None else (period.start_s, period.end_s))
        cached = self._sums.get(key)
        if cached is None:
            cached = compute_sums(self.inputs, self.factor_tables, zone, self.metered_pue, period)
            self._sums[key] = cached
        return cached

    def matched_factors(self, run: RunInput, zone: str | None) -> MatchedFactors:
        return match_hours(self.factor_tables.get(zone) if zone else None, run.hours)

    def compute(self, assumptions: Assumptions, period: Period | None = None,
                selection: Sequence[int] | None = None) -> FootprintResult:
        """Compute every run's footprint under ``assumptions``, limited to ``period`` if given.

        ``selection`` lists the indices of the runs to report (all runs when None).
        """
        a = assumptions
        sums = self.sums(a.factor_zone or None, period)
        scale, accelerator_hours, f_dist, categories = self.run_scales(a)
        chain = _Chain(sums, a, scale, f_dist, a.pue_source == "metered")
        embodied = self.embodied.compute(a, period, accelerator_hours)
        columns = _figures(self, sums, chain, a, embodied, accelerator_hours, categories)
        chosen = np.arange(len(self.inputs)) if selection is None else np.asarray(selection, dtype=np.int64)
        columns = {key: values[chosen] for key, values in columns.items()}
        inputs = tuple(self.inputs[i] for i in chosen)
        run_warnings = _run_warnings(inputs, columns, a, self.no_asset_sites, embodied.warnings)
        warnings = tuple(w for group in run_warnings for w in group)
        totals = _column_totals(columns, np.ones(len(inputs), dtype=bool))
        totals.update(quality.shares(totals))
        resolution = {name: float(columns["resolution_kwh"][:, code].sum())
                      for code, name in enumerate(RESOLUTION_ORDER) if columns["resolution_kwh"][:, code].sum() > 0}
        return FootprintResult(VIEW, a, inputs, columns, totals, warnings, period, resolution, run_warnings)

    def run_scales(self, a: Assumptions) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Return per run: energy multiplier, accelerator-hours, f_dist and PUE category code."""
        scale = np.ones(len(self.inputs))
        accelerator_hours = self.accelerator_hours.copy()
        if len(self.declared_index):
            energy, hours = declared_energy_arrays(self.declared_arrays, a)
            scale[self.declared_index] = energy
            stated = accelerator_hours[self.declared_index]
            accelerator_hours[self.declared_index] = np.where(np.isnan(hours), stated, hours)
        categories = self.site_category.copy()
        if a.pue_category:
            categories[:] = CATEGORY_CODE[a.pue_category]
        if a.pue_source == "metered":
            categories = np.where(self.meter_category > 0, self.meter_category, categories)
        table = np.array([1.0, distribution_factor("PUE1", a), distribution_factor("PUE2", a), 1.0])
        return scale, accelerator_hours, table[categories], categories

    def hourly(self, assumptions: Assumptions) -> pd.DataFrame:
        """Facility energy and operational emissions per run and UTC hour (for charts)."""
        a = assumptions
        scale, _, f_dist, _ = self.run_scales(a)
        frames = []
        for index, run in enumerate(self.inputs):
            zone = a.factor_zone or run.zone
            matched = self.matched_factors(run, zone)
            facility = self.facility_series(index, a, scale[index], f_dist[index])
            frames.append(pd.DataFrame({
                "run": run.name, "hour_utc": run.hours, "facility_energy_kwh": facility,
                "co2e_g_per_kwh": matched.g_per_kwh,
                "operational_co2e_kg": np.nan_to_num(facility * matched.g_per_kwh) / 1000.0}))
        if not frames:
            return pd.DataFrame(columns=["run", "hour_utc", "facility_energy_kwh", "co2e_g_per_kwh",
                                         "operational_co2e_kg"])
        return pd.concat(frames, ignore_index=True)

    def facility_series(self, index: int, a: Assumptions, scale: float | None = None,
                        f_dist: float | None = None) -> np.ndarray:
        """Return run ``index``'s facility energy per hour of ``inputs[index].hours``, in kWh."""
        if scale is None or f_dist is None:
            scales, _, dists, _ = self.run_scales(a)
            scale, f_dist = scales[index], dists[index]
        run = self.inputs[index]
        energy = run.energy_kwh
        pue = np.full(len(run.hours), a.pue)
        if a.pue_source == "metered" and run.site in self.metered_pue:
            metered = self.metered_pue[run.site].at(run.hours)
            pue = np.where(np.isnan(metered), a.pue, metered)
        it = (energy["gpu_board"] * a.node_uplift + energy["node"]) * f_dist + energy["it"]
        return (it * pue + energy["facility"]) * scale


class _Chain:
    """Carries per-level sums up the energy chain for one assumption set (vectorized over runs)."""

    def __init__(self, sums: RunSums, a: Assumptions, scale: np.ndarray, f_dist: np.ndarray, metered: bool):
        self.sums = sums
        self.pue = a.pue
        self.metered = metered
        self.scale = scale
        self.before_pue = np.stack([a.node_uplift * f_dist, f_dist, np.ones(len(f_dist))], axis=1)

    def levels(self, quantity: str) -> np.ndarray:
        """Return facility-level contributions per run and source level, shape (runs, 4)."""
        get = self.sums.get
        if self.metered:
            pre = get(quantity, "metered")[:, :3] + self.pue * get(quantity, "rest")[:, :3]
        else:
            pre = self.pue * get(quantity, "all")[:, :3]
        levels = np.concatenate([self.before_pue * pre, get(quantity, "all")[:, 3:]], axis=1)
        return levels * self.scale[:, None]

    def total(self, quantity: str) -> np.ndarray:
        return self.levels(quantity).sum(axis=1)

    def resolution(self) -> np.ndarray:
        resolution = self.sums.resolution
        if self.metered:
            pre = resolution["metered"][:, :3] + self.pue * resolution["rest"][:, :3]
        else:
            pre = self.pue * resolution["all"][:, :3]
        levels = np.concatenate([self.before_pue[:, :, None] * pre, resolution["all"][:, 3:]], axis=1)
        return (levels * self.scale[:, None, None]).sum(axis=1)


def _figures(prepared: PreparedFootprint, sums: RunSums, chain: _Chain, a: Assumptions, embodied: EmbodiedResult,
             accelerator_hours: np.ndarray, categories: np.ndarray) -> dict[str, np.ndarray]:
    """Compute every per-run figure of the footprint as arrays."""
    f_dist = chain.before_pue[:, 1]
    energy = sums.get("energy", "all") * chain.scale[:, None]
    node = energy[:, 0] * a.node_uplift + energy[:, 1]
    it = node * f_dist + energy[:, 2]
    operational_levels = chain.levels("weighted") / 1000.0
    operational = operational_levels.sum(axis=1)
    annual = chain.total("annual_weighted") / 1000.0
    matched_energy = chain.total("matched_energy")
    with np.errstate(invalid="ignore", divide="ignore"):
        flat_kg = np.where(sums.matched_hours > 0,
                           matched_energy / sums.matched_hours * sums.factor_sum / 1000.0, 0.0)
    total = operational + embodied.co2e_kg
    split = quality.split(prepared, sums, chain, a, operational_levels, embodied.co2e_kg, categories)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_tokens = np.where(prepared.tokens > 0, total / (prepared.tokens / TOKENS_UNIT), np.nan)
        per_flop = np.where(prepared.flops > 0, total / (prepared.flops / FLOP_UNIT), np.nan)
    names = np.array(["", "PUE1", "PUE2", "PUE3"], dtype=object)
    return {
        "gpu_energy_kwh": sums.gpu_part_kwh * chain.scale, "node_energy_kwh": node, "it_energy_kwh": it,
        "facility_energy_kwh": chain.total("energy"), "operational_co2e_kg": operational,
        "embodied_co2e_kg": embodied.co2e_kg, "total_co2e_kg": total,
        "unmatched_energy_kwh": chain.total("unmatched"), "resource_share": embodied.resource_share,
        "measured_co2e_kg": split["measured"], "estimated_co2e_kg": split["estimated"],
        "defaulted_co2e_kg": split["defaulted"], "annual_factor_co2e_kg": annual,
        "annual_factor_delta_co2e_kg": annual - operational, "covariance_term_co2e_kg": flat_kg - operational,
        "mean_offset_term_co2e_kg": annual - flat_kg, "resolution_kwh": chain.resolution(),
        "hours": sums.hours_in_period, "f_dist": f_dist, "pue_category": names[categories],
        "accelerator_hours": accelerator_hours, "tokens": prepared.tokens,
        "sci_per_1e9_tokens": per_tokens, "sci_per_1e21_flop": per_flop,
    }


def _run_warnings(inputs: Sequence[RunInput], columns: dict[str, np.ndarray], a: Assumptions,
                  no_asset_sites: set, embodied_warnings: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    by_run: dict[str, list[str]] = {}
    for warning in embodied_warnings:
        by_run.setdefault(warning.split(":", 1)[0].removeprefix("run "), []).append(warning)
    result: list[tuple[str, ...]] = [()] * len(inputs)
    unmatched = columns["unmatched_energy_kwh"]
    for index in np.flatnonzero(unmatched > 0).tolist() + [i for i, run in enumerate(inputs)
                                                          if run.site in no_asset_sites or run.name in by_run
                                                          or not (a.factor_zone or run.zone)]:
        if result[index]:
            continue
        run = inputs[index]
        warnings = []
        zone = a.factor_zone or run.zone
        if zone is None:
            warnings.append(f"run {run.name}: no grid zone (set the site's zone or the factor_zone assumption); "
                            "its operational emissions are not counted")
        elif unmatched[index] > 0:
            warnings.append(f"run {run.name}: {unmatched[index]:,.4g} kWh of facility energy has no emission factor "
                            f"for zone {zone}; import factors covering the run's hours")
        if run.site in no_asset_sites and a.embodied_method != "llmcarbon":
            warnings.append(f"run {run.name}: no procurement records for site {run.site or '(none)'}, so its "
                            "embodied emissions are 0; import the site's asset register")
        warnings.extend(by_run.get(run.name, ()))
        result[index] = tuple(warnings)
    return tuple(result)


def prepare(runs: Iterable[RunInput], factor_rows: pd.DataFrame, assets: Iterable[AssetInput],
            metered_pue: Mapping[str, MeteredPue] | None = None) -> PreparedFootprint:
    """Build the prepared model from plain inputs.

    ``factor_rows`` has columns id, zone, period_start, period_end, resolution, co2e_g_per_kwh
    and optionally basis; only location-based rows are used for the footprint.
    """
    return PreparedFootprint(runs, factor_tables(factor_rows, "location"), assets, metered_pue)
