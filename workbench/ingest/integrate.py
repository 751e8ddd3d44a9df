"""Integrating sampled power to energy per device per UTC hour, chunk by chunk.

Consecutive samples of one device are joined by the trapezoid rule when both carry a power
reading and they are at most ``max_gap_s`` apart. A longer interval, or one whose end has no
reading, is a gap: it is not bridged, and its length is reported per hour. An interval that
crosses an hour boundary is split there, with the power interpolated linearly at the boundary,
so the hourly sums add up exactly to the whole-file integral.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

HOUR_S = 3600.0


class DuplicateInstantError(ValueError):
    """Two samples of one device share a time stamp: the device column does not separate series."""

    def __init__(self, device_code: int, seconds: float, count: int) -> None:
        super().__init__(f"{count} samples of one device at the same instant")
        self.device_code = device_code
        self.seconds = seconds
        self.count = count


@dataclass
class _Carry:
    t: float
    power_w: float
    row: int


class HourlyIntegrator:
    """Accumulates per-(device, hour) energy, coverage and gaps over chunks in file order."""

    def __init__(self, max_gap_s: float) -> None:
        self.max_gap_s = float(max_gap_s)
        self._last: dict[int, _Carry] = {}
        self._partials: list[pd.DataFrame] = []

    def add(self, device: np.ndarray, t: np.ndarray, power_w: np.ndarray, row: np.ndarray) -> np.ndarray:
        """Add one chunk of samples; return the rows rejected because time went backwards.

        Raises DuplicateInstantError when a device has two samples at one instant.
        """
        order = np.lexsort((row, device))
        device, t, power_w, row = device[order], t[order], power_w[order], row[order]
        backwards_rows: list[np.ndarray] = []

        while True:
            prev_t, prev_p, has_prev = self._previous(device, t, power_w)
            duplicate = has_prev & (t == prev_t)
            if duplicate.any():
                first = int(np.flatnonzero(duplicate)[0])
                same = (device == device[first]) & (t == t[first])
                raise DuplicateInstantError(int(device[first]), float(t[first]), int(same.sum()) +
                                            int(self._carry_matches(device[first], t[first])))
            backwards = has_prev & (t < prev_t)
            if not backwards.any():
                break
            # Drop the first backwards sample of each device and look again, because removing it
            # changes which sample the next one follows.
            first_bad = backwards & ~_shifted_any(backwards, device)
            backwards_rows.append(row[first_bad])
            keep = ~first_bad
            device, t, power_w, row = device[keep], t[keep], power_w[keep], row[keep]

        if len(t):
            self._partials.append(self._integrate(device, t, power_w, row, prev_t, prev_p, has_prev))
            self._remember_last(device, t, power_w, row)
        return np.concatenate(backwards_rows) if backwards_rows else np.empty(0, dtype=np.int64)

    def _carry_matches(self, device_code: int, seconds: float) -> bool:
        carry = self._last.get(device_code)
        return carry is not None and carry.t == seconds

    def _previous(self, device: np.ndarray, t: np.ndarray, power_w: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        prev_t = np.empty_like(t)
        prev_p = np.empty_like(power_w)
        has_prev = np.ones(len(t), dtype=bool)
        if len(t):
            prev_t[1:], prev_p[1:] = t[:-1], power_w[:-1]
            group_start = np.ones(len(t), dtype=bool)
            group_start[1:] = device[1:] != device[:-1]
            for index in np.flatnonzero(group_start):
                carry = self._last.get(int(device[index]))
                if carry is None:
                    has_prev[index] = False
                    prev_t[index], prev_p[index] = np.nan, np.nan
                else:
                    prev_t[index], prev_p[index] = carry.t, carry.power_w
        return prev_t, prev_p, has_prev

    def _remember_last(self, device: np.ndarray, t: np.ndarray, power_w: np.ndarray, row: np.ndarray) -> None:
        group_end = np.ones(len(t), dtype=bool)
        group_end[:-1] = device[:-1] != device[1:]
        for index in np.flatnonzero(group_end):
            self._last[int(device[index])] = _Carry(float(t[index]), float(power_w[index]), int(row[index]))

    def _integrate(self, device, t, power_w, row, prev_t, prev_p, has_prev) -> pd.DataFrame:
        samples = pd.DataFrame({"device": device, "hour": np.floor(t / HOUR_S).astype(np.int64),
                                "row": row, "measured": np.isfinite(power_w)})
        per_hour = samples.groupby(["device", "hour"]).agg(
            sample_count=("row", "size"), measured_samples=("measured", "sum"),
            first_row=("row", "min"), last_row=("row", "max"))

        t0, t1 = prev_t[has_prev], t[has_prev]
        p0, p1 = prev_p[has_prev], power_w[has_prev]
        bridged = (t1 - t0 <= self.max_gap_s) & np.isfinite(p0) & np.isfinite(p1)
        pieces = _split_by_hour(device[has_prev], t0, t1, np.where(bridged, p0, 0.0),
                                np.where(bridged, p1, 0.0), bridged)
        per_hour = per_hour.join(pieces, how="outer").fillna(0)
        return per_hour.reset_index()

    def finish(self) -> pd.DataFrame:
        """Return one row per (device, hour): energy_wh, sample_count, coverage, gap_seconds, rows."""
        columns = ["device", "hour", "energy_wh", "sample_count", "measured_samples", "coverage",
                   "gap_seconds", "first_row", "last_row"]
        if not self._partials:
            return pd.DataFrame(columns=columns)
        frame = pd.concat(self._partials, ignore_index=True)
        frame["first_row"] = frame["first_row"].replace(0, np.nan)
        frame["last_row"] = frame["last_row"].replace(0, np.nan)
        merged = frame.groupby(["device", "hour"]).agg(
            energy_j=("energy_j", "sum"), covered_s=("covered_s", "sum"), gap_s=("gap_s", "sum"),
            sample_count=("sample_count", "sum"), measured_samples=("measured_samples", "sum"),
            first_row=("first_row", "min"), last_row=("last_row", "max")).reset_index()
        merged["energy_wh"] = merged["energy_j"] / 3600.0
        merged["coverage"] = (merged["covered_s"] / HOUR_S).clip(upper=1.0)
        merged["gap_seconds"] = merged["gap_s"]
        return merged[columns]


def _shifted_any(mask: np.ndarray, device: np.ndarray) -> np.ndarray:
    """True where an earlier element of the same device group is also set in ``mask``."""
    result = np.zeros(len(mask), dtype=bool)
    seen: dict[int, bool] = {}
    for index in np.flatnonzero(mask):
        code = int(device[index])
        if seen.get(code):
            result[index] = True
        seen[code] = True
    return result


def _split_by_hour(device: np.ndarray, t0: np.ndarray, t1: np.ndarray, p0: np.ndarray, p1: np.ndarray,
                   bridged: np.ndarray) -> pd.DataFrame:
    """Split intervals at hour boundaries; return energy_j, covered_s and gap_s per (device, hour)."""
    if len(t0) == 0:
        return pd.DataFrame(columns=["energy_j", "covered_s", "gap_s"],
                            index=pd.MultiIndex.from_arrays([[], []], names=["device", "hour"]))
    first_hour = np.floor(t0 / HOUR_S).astype(np.int64)
    last_hour = np.maximum(np.ceil(t1 / HOUR_S).astype(np.int64) - 1, first_hour)
    pieces_per_interval = last_hour - first_hour + 1

    owner = np.repeat(np.arange(len(t0)), pieces_per_interval)
    offset = np.arange(len(owner)) - np.repeat(np.cumsum(pieces_per_interval) - pieces_per_interval,
                                               pieces_per_interval)
    hour = first_hour[owner] + offset
    start = np.maximum(t0[owner], hour * HOUR_S)
    end = np.minimum(t1[owner], (hour + 1) * HOUR_S)
    length = np.maximum(end - start, 0.0)

    span = t1[owner] - t0[owner]
    slope = np.divide(p1[owner] - p0[owner], span, out=np.zeros_like(span), where=span > 0)
    power_start = p0[owner] + slope * (start - t0[owner])
    power_end = p0[owner] + slope * (end - t0[owner])
    is_bridged = bridged[owner]

    pieces = pd.DataFrame({
        "device": device[owner], "hour": hour,
        "energy_j": np.where(is_bridged, (power_start + power_end) / 2.0 * length, 0.0),
        "covered_s": np.where(is_bridged, length, 0.0),
        "gap_s": np.where(is_bridged, 0.0, length),
    })
    return pieces.groupby(["device", "hour"]).sum()
