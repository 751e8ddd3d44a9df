"""Meter intervals: their bounds from time stamps, and their energy spread over UTC hours.

An interval's energy is assigned to the UTC hours it overlaps in proportion to the overlap,
so 15-minute data sums to hours and daily data spreads evenly. Interval bounds come from an
explicit end time where the file has one, else from the spacing of the stamps: each interval
runs to the next stamp when that is one typical spacing away, give or take the hour a
daylight-saving change adds or removes from a local day, and lasts the typical spacing otherwise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.ingest.integrate import HOUR_S

DST_TOLERANCE_S = 3600.0


def typical_spacing(seconds: np.ndarray, interval_minutes: float | None) -> float:
    """Return the interval length: as stated, else the most common spacing of sorted stamps."""
    if interval_minutes:
        return float(interval_minutes) * 60.0
    if len(seconds) < 2:
        return HOUR_S
    values, counts = np.unique(np.round(np.diff(seconds)), return_counts=True)
    values, counts = values[values > 0], counts[values > 0]
    return float(values[np.argmax(counts)]) if len(values) else HOUR_S


def bounds_from_stamps(seconds: np.ndarray, spacing: float, mark: str) -> tuple[np.ndarray, np.ndarray]:
    """Return (starts, ends) of intervals whose sorted stamps mark their start or their end.

    Only intervals of a day or longer follow the next stamp across a daylight-saving change
    (a local day of 23 or 25 hours); shorter intervals have one length in UTC.
    """
    follow = spacing >= 86400.0
    if mark == "start":
        starts = seconds.copy()
        ends = starts + spacing
        if follow and len(seconds) > 1:
            gap = np.diff(seconds)
            close = np.abs(gap - spacing) <= DST_TOLERANCE_S
            ends[:-1] = np.where(close, seconds[1:], ends[:-1])
        return starts, ends
    ends = seconds.copy()
    starts = ends - spacing
    if follow and len(seconds) > 1:
        gap = np.diff(seconds)
        close = np.abs(gap - spacing) <= DST_TOLERANCE_S
        starts[1:] = np.where(close, seconds[:-1], starts[1:])
    return starts, ends


def hourly_frame(starts: np.ndarray, ends: np.ndarray, energies_wh: np.ndarray, rows: np.ndarray,
                 meter_name: str, level: str, estimated: np.ndarray | None = None) -> pd.DataFrame:
    """Spread each interval's energy over the UTC hours it overlaps; one row per hour."""
    first_hour = np.floor(starts / HOUR_S).astype(np.int64)
    last_hour = np.maximum(np.ceil(ends / HOUR_S).astype(np.int64) - 1, first_hour)
    pieces = last_hour - first_hour + 1
    owner = np.repeat(np.arange(len(starts)), pieces)
    offset = np.arange(len(owner)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    hour = first_hour[owner] + offset
    overlap = np.minimum(ends[owner], (hour + 1) * HOUR_S) - np.maximum(starts[owner], hour * HOUR_S)
    share = overlap / (ends[owner] - starts[owner])
    flagged = np.zeros(len(starts), dtype=bool) if estimated is None else np.asarray(estimated, dtype=bool)
    frame = pd.DataFrame({"hour": hour, "energy_wh": energies_wh[owner] * share, "covered_s": overlap,
                          "row": rows[owner], "estimated": flagged[owner]})
    grouped = frame.groupby("hour").agg(energy_wh=("energy_wh", "sum"), covered_s=("covered_s", "sum"),
                                        sample_count=("row", "size"), first_row=("row", "min"),
                                        last_row=("row", "max"), estimated=("estimated", "any")).reset_index()
    return pd.DataFrame({
        "meter": meter_name, "hour_utc": grouped["hour"] * int(HOUR_S), "level": level,
        "energy_wh": grouped["energy_wh"], "gpu_energy_wh": np.nan, "sample_count": grouped["sample_count"],
        "coverage": (grouped["covered_s"] / HOUR_S).clip(upper=1.0),
        "gap_seconds": (HOUR_S - grouped["covered_s"]).clip(lower=0.0),
        "quality": np.where(grouped["estimated"], "estimated", "measured"),
        "first_row": grouped["first_row"], "last_row": grouped["last_row"],
    })


def integrated_frame(hourly: pd.DataFrame, meter_name: str, level: str) -> pd.DataFrame:
    """Turn an :class:`~workbench.ingest.integrate.HourlyIntegrator` result into meter energy rows.

    An hour that holds only the closing sample of the previous hour's interval has no covered
    time and no energy, so it is left out.
    """
    hourly = hourly[(hourly["coverage"] > 0) | (hourly["gap_seconds"] > 0) | (hourly["energy_wh"] != 0)]
    return pd.DataFrame({
        "meter": meter_name, "hour_utc": hourly["hour"].astype(np.int64) * int(HOUR_S), "level": level,
        "energy_wh": hourly["energy_wh"].astype(float), "gpu_energy_wh": np.nan,
        "sample_count": hourly["sample_count"].astype(np.int64), "coverage": hourly["coverage"].astype(float),
        "gap_seconds": hourly["gap_seconds"].astype(float), "quality": "measured",
        "first_row": hourly["first_row"], "last_row": hourly["last_row"],
    })
