"""Footprint of training runs: the energy chain, time-matched factors and amortized hardware.

Per run and UTC hour, with every energy in kWh::

    node      = gpu_board x node_uplift + node_measured
    it        = node + it_measured                   (the PUE measurement point)
    facility  = it x pue + facility_measured         (PUE is never applied to facility energy)
    operational_co2e_kg = sum over hours of facility x factor(zone, hour) / 1000

Everything that does not depend on an assumption is summed once in :func:`prepare`: the energy
at each level and its dot product with the factor series of each zone a run may be matched to.
A recompute after an assumption change is then a handful of multiplications per run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

import numpy as np
import pandas as pd

from workbench.engine.assumptions import Assumptions
from workbench.engine.embodied import AssetInput, sci_embodied_kg
from workbench.engine.factors import FactorTable, MatchedFactors, match_hours

LEVELS = ("gpu_board", "node", "it", "facility")
VIEW = "footprint"


@dataclass(frozen=True)
class RunInput:
    """One run's hourly energy by level, plus what the run is and where it ran."""

    run_id: int
    name: str
    kind: str
    site: str | None
    zone: str | None
    start_s: float | None
    end_s: float | None
    gpu_count: int
    hours: np.ndarray  # hour starts, Unix seconds, sorted and unique
    energy_kwh: dict[str, np.ndarray]  # level -> kWh per hour, aligned with hours
    gpu_part_kwh: np.ndarray
    functional_unit: str | None = None
    functional_unit_amount: float | None = None


@dataclass
class _ZoneSums:
    """Energy-weighted factor sums of one run for one zone, in kWh x g/kWh, per level."""

    weighted: dict[str, float]
    unmatched_kwh: dict[str, float]
    resolution_kwh: dict[str, dict[str, float]]


@dataclass
class PreparedRun:
    run: RunInput
    totals_kwh: dict[str, float]
    zone_sums: dict[str, _ZoneSums] = field(default_factory=dict)


@dataclass(frozen=True)
class RunFootprint:
    """The footprint of one run under one assumption set."""

    run: str
    kind: str
    site: str | None
    zone: str | None
    gpu_count: int
    hours: int
    gpu_energy_kwh: float
    node_energy_kwh: float
    it_energy_kwh: float
    facility_energy_kwh: float
    operational_co2e_kg: float
    embodied_co2e_kg: float
    total_co2e_kg: float
    unmatched_energy_kwh: float
    resource_share: float | None
    factor_resolution_kwh: dict[str, float]
    warnings: tuple[str, ...]

    def as_dict(self) -> dict:
        return {key: getattr(self, key) for key in self.__dataclass_fields__}


NUMERIC_KEYS = ("gpu_energy_kwh", "node_energy_kwh", "it_energy_kwh", "facility_energy_kwh",
                "operational_co2e_kg", "embodied_co2e_kg", "total_co2e_kg", "unmatched_energy_kwh")


@dataclass(frozen=True)
class FootprintResult:
    """Footprints of all runs; its ``view`` keeps it from being added to an inventory."""

    view: str
    assumptions: Assumptions
    runs: tuple[RunFootprint, ...]
    totals: dict[str, float]
    warnings: tuple[str, ...]


class PreparedFootprint:
    """Runs, factors and assets prepared once; :meth:`compute` runs per assumption set."""

    def __init__(self, runs: Iterable[RunInput], factor_tables: dict[str, FactorTable],
                 assets: Iterable[AssetInput]) -> None:
        self.factor_tables = factor_tables
        self.assets = tuple(assets)
        self.runs = [PreparedRun(run, {level: float(run.energy_kwh[level].sum()) for level in LEVELS})
                     for run in runs]

    def _zone_sums(self, prepared: PreparedRun, zone: str | None) -> _ZoneSums:
        key = zone or ""
        cached = prepared.zone_sums.get(key)
        if cached is not None:
            return cached
        matched = match_hours(self.factor_tables.get(zone) if zone else None, prepared.run.hours)
        sums = _weighted_sums(prepared.run, matched)
        prepared.zone_sums[key] = sums
        return sums

    def matched_factors(self, run: RunInput, zone: str | None) -> MatchedFactors:
        return match_hours(self.factor_tables.get(zone) if zone else None, run.hours)

    def compute(self, assumptions: Assumptions) -> FootprintResult:
        """Compute every run's footprint under ``assumptions``."""
        results = tuple(self._compute_run(prepared, assumptions) for prepared in self.runs)
        totals = {key: float(sum(getattr(r, key) for r in results)) for key in NUMERIC_KEYS}
        warnings = tuple(w for r in results for w in r.warnings)
        return FootprintResult(VIEW, assumptions, results, totals, warnings)

    def _compute_run(self, prepared: PreparedRun, a: Assumptions) -> RunFootprint:
        run = prepared.run
        totals = prepared.totals_kwh
        zone = a.factor_zone or run.zone
        sums = self._zone_sums(prepared, zone)
        warnings = []

        node_kwh = totals["gpu_board"] * a.node_uplift + totals["node"]
        it_kwh = node_kwh + totals["it"]
        facility_kwh = it_kwh * a.pue + totals["facility"]
        scale = {"gpu_board": a.node_uplift * a.pue, "node": a.pue, "it": a.pue, "facility": 1.0}
        operational_kg = sum(sums.weighted[level] * scale[level] for level in LEVELS) / 1000.0
        unmatched = sum(sums.unmatched_kwh[level] * scale[level] for level in LEVELS)
        resolution_kwh = {}
        for level in LEVELS:
            for name, kwh in sums.resolution_kwh[level].items():
                resolution_kwh[name] = resolution_kwh.get(name, 0.0) + kwh * scale[level]

        if zone is None:
            warnings.append(f"run {run.name}: no grid zone (set the site's zone or the factor_zone assumption); "
                            "its operational emissions are not counted")
        elif unmatched > 0:
            warnings.append(f"run {run.name}: {unmatched:,.4g} kWh of facility energy has no emission factor for "
                            f"zone {zone}; import factors covering the run's hours")

        embodied_kg, share, embodied_warnings = sci_embodied_kg(run, self.assets, a)
        warnings.extend(embodied_warnings)
        return RunFootprint(
            run=run.name, kind=run.kind, site=run.site, zone=zone, gpu_count=run.gpu_count,
            hours=int(len(run.hours)), gpu_energy_kwh=float(run.gpu_part_kwh.sum()),
            node_energy_kwh=node_kwh, it_energy_kwh=it_kwh, facility_energy_kwh=facility_kwh,
            operational_co2e_kg=operational_kg, embodied_co2e_kg=embodied_kg,
            total_co2e_kg=operational_kg + embodied_kg, unmatched_energy_kwh=unmatched,
            resource_share=share, factor_resolution_kwh=resolution_kwh, warnings=tuple(warnings))

    def hourly(self, assumptions: Assumptions) -> pd.DataFrame:
        """Facility energy and operational emissions per run and UTC hour (for charts)."""
        frames = []
        for prepared in self.runs:
            run = prepared.run
            zone = assumptions.factor_zone or run.zone
            matched = self.matched_factors(run, zone)
            facility = _facility_series(run, assumptions)
            frames.append(pd.DataFrame({
                "run": run.name, "hour_utc": run.hours, "facility_energy_kwh": facility,
                "co2e_g_per_kwh": matched.g_per_kwh,
                "operational_co2e_kg": np.nan_to_num(facility * matched.g_per_kwh) / 1000.0}))
        if not frames:
            return pd.DataFrame(columns=["run", "hour_utc", "facility_energy_kwh", "co2e_g_per_kwh",
                                         "operational_co2e_kg"])
        return pd.concat(frames, ignore_index=True)


def _facility_series(run: RunInput, a: Assumptions) -> np.ndarray:
    energy = run.energy_kwh
    node = energy["gpu_board"] * a.node_uplift + energy["node"]
    return (node + energy["it"]) * a.pue + energy["facility"]


def _weighted_sums(run: RunInput, matched: MatchedFactors) -> _ZoneSums:
    found = ~np.isnan(matched.g_per_kwh)
    factors = np.where(found, matched.g_per_kwh, 0.0)
    weighted, unmatched, by_resolution = {}, {}, {}
    for level in LEVELS:
        energy = run.energy_kwh[level]
        weighted[level] = float(energy @ factors)
        unmatched[level] = float(energy[~found].sum())
        frame = pd.DataFrame({"resolution": matched.resolution[found], "kwh": energy[found]})
        by_resolution[level] = frame.groupby("resolution")["kwh"].sum().to_dict() if len(frame) else {}
    return _ZoneSums(weighted, unmatched, by_resolution)


def prepare(runs: Iterable[RunInput], factor_rows: pd.DataFrame, assets: Iterable[AssetInput]) -> PreparedFootprint:
    """Build the prepared model from plain inputs.

    ``factor_rows`` has columns id, zone, period_start, period_end, resolution, co2e_g_per_kwh.
    """
    tables = {}
    for zone, rows in factor_rows.groupby("zone"):
        tables[zone] = FactorTable(
            zone=zone, period_start=rows["period_start"].to_numpy(np.int64),
            period_end=rows["period_end"].to_numpy(np.int64), resolution=rows["resolution"].to_numpy(object),
            g_per_kwh=rows["co2e_g_per_kwh"].to_numpy(float), factor_id=rows["id"].to_numpy(np.int64))
    return PreparedFootprint(runs, tables, assets)
