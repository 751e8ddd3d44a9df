"""Runs' energy summed per emission-factor correlation group, once per zone choice, period and grouping.

A correlation group is the set of hours whose factor error is one draw: one factor record of an
annual, monthly or other resolution (the same factor used for many rows is drawn once), or one
UTC day of a zone's hourly or daily series (hourly errors are correlated within a day and
independent between days). With the ``zone`` correlation a class is one draw per zone.

For every run, energy level and group the sums are kept in three variants, as in
:mod:`workbench.engine.run_sums`: all hours, hours with a metered hourly PUE (energy times that
PUE) and the other hours. Hours no factor covers are group -1 (energy without emissions).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Mapping

import numpy as np

from workbench.engine.chain import LEVELS
from workbench.engine.factors import match_hours

if TYPE_CHECKING:
    from workbench.engine.footprint import PreparedFootprint
    from workbench.engine.periods import Period

DAY_S = 86400
VARIANT_ALL, VARIANT_METERED, VARIANT_REST = 0, 1, 2
CLASS_OF_RESOLUTION = {"annual": "ef.location.annual", "other": "ef.location.annual",
                       "monthly": "ef.location.monthly", "daily": "ef.location.hourly",
                       "hourly": "ef.location.hourly"}
CLASSES = ("ef.location.annual", "ef.location.monthly", "ef.location.hourly")
_CACHE: "weakref.WeakKeyDictionary[PreparedFootprint, dict]" = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class FactorGroups:
    """Long-format sums: one row per run, level, variant and group, with energy (kWh) and kWh x g/kWh."""

    run: np.ndarray
    level: np.ndarray
    variant: np.ndarray
    group: np.ndarray
    energy_kwh: np.ndarray
    weighted: np.ndarray
    metered_runs: np.ndarray  # bool per run: the run's site has a metered hourly PUE
    group_class: tuple[str, ...]
    group_zone: tuple[str, ...]
    group_name: tuple[str, ...]


def group_key_label(class_key: str, zone: str, kind: str, value: int) -> str:
    """Return the stable input name of a group, e.g. ``ef.location.hourly:FR:2025-03-01``."""
    if kind == "zone":
        return f"{class_key}:{zone}"
    if kind == "day":
        day = datetime.fromtimestamp(value * DAY_S, timezone.utc).strftime("%Y-%m-%d")
        return f"{class_key}:{zone}:{day}"
    return f"{class_key}:{zone}:factor {value}"


def factor_groups(prepared: "PreparedFootprint", zone_override: str | None, period: "Period | None",
                  correlations: Mapping[str, str]) -> FactorGroups:
    """Return (and cache on ``prepared``) the runs' energy per factor group.

    ``correlations`` maps a factor class to ``factor``/``day`` (its default) or ``zone``.
    """
    cache = _CACHE.setdefault(prepared, {})
    key = (zone_override, None if period is None else (period.start_s, period.end_s),
           tuple(sorted(correlations.items())))
    if key not in cache:
        cache[key] = _compute(prepared, zone_override, period, correlations)
    return cache[key]


def _compute(prepared: "PreparedFootprint", zone_override: str | None, period: "Period | None",
             correlations: Mapping[str, str]) -> FactorGroups:
    codes: dict[tuple, int] = {}
    names: list[tuple[str, str, str]] = []
    parts: dict[str, list[np.ndarray]] = {name: [] for name in ("run", "level", "variant", "group", "energy",
                                                                "weighted")}
    metered_runs = np.zeros(len(prepared.inputs), dtype=bool)
    for index, run in enumerate(prepared.inputs):
        zone = zone_override or run.zone
        hours = run.hours
        mask = np.ones(len(hours), dtype=bool) if period is None else period.contains_hours(hours)
        hours = hours[mask]
        if not len(hours):
            continue
        table = prepared.factor_tables.get(zone) if zone else None
        matched = match_hours(table, hours)
        local = local_groups(matched, hours, zone or "", correlations, codes, names)
        factors = np.nan_to_num(matched.g_per_kwh)
        metered = prepared.metered_pue.get(run.site or "")
        pue = metered.at(hours) if metered is not None else np.full(len(hours), np.nan)
        has_pue = ~np.isnan(pue)
        metered_runs[index] = bool(has_pue.any())
        variants = [(VARIANT_ALL, None)]
        if metered_runs[index]:
            variants += [(VARIANT_METERED, np.where(has_pue, pue, 0.0)), (VARIANT_REST, (~has_pue).astype(float))]
        for level_index, level in enumerate(LEVELS):
            energy = run.energy_kwh[level][mask]
            if not energy.any():
                continue
            for variant, weight in variants:
                weighted_energy = energy if weight is None else energy * weight
                _append(parts, index, level_index, variant, local, weighted_energy, factors)
    arrays = {name: (np.concatenate(items) if items else np.empty(0)) for name, items in parts.items()}
    return FactorGroups(
        run=arrays["run"].astype(np.int64), level=arrays["level"].astype(np.int64),
        variant=arrays["variant"].astype(np.int64), group=arrays["group"].astype(np.int64),
        energy_kwh=arrays["energy"], weighted=arrays["weighted"], metered_runs=metered_runs,
        group_class=tuple(item[0] for item in names), group_zone=tuple(item[1] for item in names),
        group_name=tuple(item[2] for item in names))


def local_groups(matched, hours: np.ndarray, zone: str, correlations: Mapping[str, str],
                  codes: dict[tuple, int], names: list[tuple[str, str, str]]) -> np.ndarray:
    """Return each hour's global group index (-1 where no factor covers the hour), registering new groups."""
    result = np.full(len(hours), -1, dtype=np.int64)
    found = matched.factor_id >= 0
    if not found.any():
        return result
    names_of_resolution, inverse = np.unique(matched.resolution[found].astype(str), return_inverse=True)
    classes = np.array([CLASS_OF_RESOLUTION.get(name, "ef.location.annual") for name in names_of_resolution],
                       dtype=object)[inverse.reshape(-1)]
    days = (hours[found] // DAY_S).astype(np.int64)
    ids = matched.factor_id[found]
    keys = []
    for class_key in CLASSES:
        chosen = classes == class_key
        if not chosen.any():
            continue
        correlation = correlations.get(class_key, "day" if class_key == "ef.location.hourly" else "factor")
        if correlation == "zone":
            values, kind = np.zeros(int(chosen.sum()), dtype=np.int64), "zone"
        elif class_key == "ef.location.hourly":
            values, kind = days[chosen], "day"
        else:
            values, kind = ids[chosen], "factor"
        keys.append((chosen, class_key, kind, values))
    local = np.empty(int(found.sum()), dtype=np.int64)
    for chosen, class_key, kind, values in keys:
        unique, inverse = np.unique(values, return_inverse=True)
        mapped = np.empty(len(unique), dtype=np.int64)
        for position, value in enumerate(unique.tolist()):
            code = (class_key, zone, kind, value)
            if code not in codes:
                codes[code] = len(names)
                names.append((class_key, zone, group_key_label(class_key, zone, kind, value)))
            mapped[position] = codes[code]
        local[chosen] = mapped[inverse.reshape(-1)]
    result[found] = local
    return result


def _append(parts: dict[str, list[np.ndarray]], run: int, level: int, variant: int, groups: np.ndarray,
            energy: np.ndarray, factors: np.ndarray) -> None:
    shifted = groups + 1  # -1 (no factor) becomes bin 0
    size = int(shifted.max()) + 1 if len(shifted) else 0
    if size == 0:
        return
    present = np.unique(shifted)
    energy_sum = np.bincount(shifted, weights=energy, minlength=size)[present]
    weighted_sum = np.bincount(shifted, weights=energy * factors, minlength=size)[present]
    count = len(present)
    parts["run"].append(np.full(count, run))
    parts["level"].append(np.full(count, level))
    parts["variant"].append(np.full(count, variant))
    parts["group"].append(present - 1)
    parts["energy"].append(energy_sum)
    parts["weighted"].append(weighted_sum)
