"""The inventory's electricity as rows summed per source, site, run, level and emission-factor group.

Facility-meter hours, IT-meter hours and the runs' energy in hours without a meter are summed
over the hours that share a factor correlation group. Nothing here depends on an assumption, so
the rows are computed once per period and factor grouping and reused after every change.
"""

from __future__ import annotations

import weakref
from typing import Mapping

import numpy as np

from workbench.engine.factors import match_hours
from workbench.engine.inventory import PreparedInventory
from workbench.engine.inventory_layout import SOURCE_FACILITY_METER, SOURCE_IT_METER, SOURCE_RUNS
from workbench.engine.periods import Period
from workbench.engine.uncertainty.builder import unique_rows, segment_sum
from workbench.engine.uncertainty.factor_groups import local_groups

KIND_FACILITY_METER, KIND_IT_METER, KIND_RUN = range(3)
_CACHE: "weakref.WeakKeyDictionary[PreparedInventory, dict]" = weakref.WeakKeyDictionary()


def energy_structure(prepared: PreparedInventory, period: Period, correlations: Mapping[str, str]
                      ) -> tuple[dict[str, np.ndarray], list[tuple[str, str, str]]]:
    """Return the period's electricity as rows summed per source, site, run, level and factor group.

    Every row has a ``kind`` (facility meter, IT meter or run), ``site``, ``run`` and ``level``
    (-1 for meters) and ``group`` (-1 where no factor covers the hours). Its ``energy`` is kWh
    before any assumption and ``weighted`` is kWh x location factor / 1000 (kg). ``market`` and
    ``scope2`` describe its site. Nothing here depends on an assumption, so it is cached per period.
    """
    cache = _CACHE.setdefault(prepared, {})
    key = (period.start_s, period.end_s, tuple(sorted(correlations.items())))
    if key not in cache:
        cache[key] = _summed_rows(prepared, period, correlations)
    return cache[key]


def _summed_rows(prepared: PreparedInventory, period: Period, correlations: Mapping[str, str]
                 ) -> tuple[dict[str, np.ndarray], list[tuple[str, str, str]]]:
    layout = prepared.layout(period)
    groups = np.full(len(layout.hours), -1, dtype=np.int64)
    codes: dict[tuple, int] = {}
    names: list[tuple[str, str, str]] = []
    for index, site in enumerate(layout.sites):
        rows = layout.site_rows(index)
        hours = layout.hours[rows]
        table = prepared.location_tables.get(site.zone) if site.zone else None
        groups[rows] = local_groups(match_hours(table, hours), hours, site.zone or "", correlations, codes, names)
    location = np.nan_to_num(layout.location_g) / 1000.0
    parts = []
    for kind, source, values in ((KIND_FACILITY_METER, SOURCE_FACILITY_METER, layout.facility_kwh),
                                 (KIND_IT_METER, SOURCE_IT_METER, layout.it_kwh)):
        hour = np.flatnonzero(layout.source == source)
        energy = np.nan_to_num(values[hour])
        parts.append((kind, hour, np.full(len(hour), -1), np.full(len(hour), -1), energy))
    in_runs = layout.source[layout.run_position] == SOURCE_RUNS
    for level_index, level in enumerate(("gpu_board", "node", "it", "facility")):
        energy = layout.run_energy[level][in_runs]
        keep = energy != 0
        parts.append((KIND_RUN, layout.run_position[in_runs][keep], layout.run_index[in_runs][keep],
                      np.full(int(keep.sum()), level_index), energy[keep]))
    kind = np.concatenate([np.full(len(part[1]), part[0]) for part in parts])
    hour = np.concatenate([part[1] for part in parts]).astype(np.int64)
    run = np.concatenate([part[2] for part in parts]).astype(np.int64)
    level = np.concatenate([part[3] for part in parts]).astype(np.int64)
    energy = np.concatenate([part[4] for part in parts]).astype(float)
    site, group = layout.site_index[hour], groups[hour]
    columns = np.stack([kind, site, run + 1, level + 1, group + 1], axis=1)
    unique, inverse = unique_rows(columns)
    market = np.full(len(layout.sites), -1, dtype=np.int64)
    for index, rows in enumerate(layout.market_rows.values()):
        market[np.unique(layout.site_index[rows])] = index
    cloud = np.array([item.boundary == "cloud" for item in layout.sites], dtype=bool)
    summed = {"kind": unique[:, 0], "site": unique[:, 1], "run": unique[:, 2] - 1, "level": unique[:, 3] - 1,
              "group": unique[:, 4] - 1, "energy": segment_sum(inverse, energy, len(unique)),
              "weighted": segment_sum(inverse, energy * location[hour], len(unique))}
    summed["market"] = market[summed["site"]] if len(market) else summed["site"] * 0 - 1
    summed["scope2"] = (~cloud[summed["site"]]).astype(float) if len(cloud) else summed["energy"] * 0
    return summed, names
