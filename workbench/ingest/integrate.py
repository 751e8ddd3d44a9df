"""Integrating sampled power to energy per device per UTC hour, chunk by chunk.

Consecutive samples of one device are joined by the trapezoid rule when both carry a power
reading and they are at most ``max_gap_s`` apart. A longer interval, or one whose end has no
reading, is a gap: it is not bridged, and its length is reported per hour. An interval that
crosses an hour boundary is split there, with the power interpolated linearly at the boundary,
so the hourly sums add up exactly to the whole-file integral.

Samples more than ``MAX_SAMPLE_SPAN_S`` (a year) from the median time of their chunk are
rejected, and no interval longer than that is split into hours: a single mistyped year would
otherwise make one interval of millions of hours.

When the samples say whether the GPU was idle (utilization at or below a threshold), the energy
of intervals whose two ends are both idle is also summed as idle energy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

HOUR_S = 3600.0
MAX_SAMPLE_SPAN_S = 366 * 86400.0
FAR_SAMPLE_REASON = "the time is more than a year away from the other samples of this part of the file; sample not used"
# Positive sample intervals kept per file to detect the sampling interval (their median).
INTERVAL_SAMPLE_SIZE = 100_000
HOURLY_COLUMNS = ["device", "hour", "energy_wh", "idle_energy_wh", "sample_count", "measured_samples",
                  "coverage", "gap_seconds", "longest_gap_s", "first_row", "last_row"]
_SUMMED = ("energy_j", "idle_j", "idle_known_s", "covered_s", "gap_s", "sample_count", "measured_samples")


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
    idle: int


def auto_max_gap_s(interval_s: float | None, floor_s: float) -> float:
    """Return the gap limit used when the user sets none: three sampling intervals, at least ``floor_s``."""
    if interval_s is None or not np.isfinite(interval_s):
        return floor_s
    return max(floor_s, 3.0 * interval_s)


class HourlyIntegrator:
    """Accumulates per-(device, hour) energy, coverage and gaps over chunks in file order.

    ``max_gap_s`` may be None until the first chunk: it is then set from the detected sampling
    interval with :func:`auto_max_gap_s` and ``auto_floor_s``.
    """

    def __init__(self, max_gap_s: float | None, *, auto_floor_s: float = 120.0) -> None:
        self.max_gap_s = None if max_gap_s is None else float(max_gap_s)
        self.auto_floor_s = auto_floor_s
        self._last: dict[int, _Carry] = {}
        self._partials: list[pd.DataFrame] = []
        self._intervals: list[np.ndarray] = []
        self._interval_count = 0
        self.far_rows: set[int] = set()

    @property
    def interval_s(self) -> float | None:
        """Median of the first positive sample intervals seen, in seconds; None before two samples."""
        if not self._intervals:
            return None
        return float(np.median(np.concatenate(self._intervals)))

    def add(self, device: np.ndarray, t: np.ndarray, power_w: np.ndarray, row: np.ndarray,
            idle: np.ndarray | None = None) -> np.ndarray:
        """Add one chunk of samples; return the rows rejected because time went backwards or is far away.

        Rows in :attr:`far_rows` were rejected as more than MAX_SAMPLE_SPAN_S from the chunk's
        median time; the others because time went backwards for their device.

        ``idle`` is 1 for an idle sample, 0 for a busy one and -1 where unknown.
        Raises DuplicateInstantError when a device has two samples at one instant.
        """
        if idle is None:
            idle = np.full(len(t), -1, dtype=np.int8)
        order = np.argsort(device, kind="stable")
        device, t, power_w, row, idle = device[order], t[order], power_w[order], row[order], idle[order]
        backwards_rows: list[np.ndarray] = []
        far = _far_from_median(t)
        if far.any():
            backwards_rows.append(row[far])
            self.far_rows.update(int(item) for item in row[far])
            device, t, power_w, row, idle = device[~far], t[~far], power_w[~far], row[~far], idle[~far]

        while True:
            prev_t, prev_p, prev_idle, has_prev = self._previous(device, t, power_w, idle)
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
            device, t, power_w, row, idle = device[keep], t[keep], power_w[keep], row[keep], idle[keep]

        if len(t):
            self._note_intervals(t[has_prev] - prev_t[has_prev])
            self._partials.append(self._integrate(device, t, power_w, row, idle, prev_t, prev_p, prev_idle,
                                                  has_prev))
            self._remember_last(device, t, power_w, row, idle)
        return np.concatenate(backwards_rows) if backwards_rows else np.empty(0, dtype=np.int64)

    def add_intervals(self, device: np.ndarray, t0: np.ndarray, t1: np.ndarray, p0: np.ndarray, p1: np.ndarray,
                      row: np.ndarray, idle: np.ndarray | None = None) -> None:
        """Add explicit intervals with the power at their start and end, such as counter deltas.

        Each interval counts one sample, at its end. An interval with a NaN power is a gap.
        Intervals must not overlap; :meth:`add` and this method are not meant to be mixed.
        """
        if idle is None:
            idle = np.full(len(t1), -1, dtype=np.int8)
        self._note_intervals(t1 - t0)
        self._partials.append(self._integrate(device, t1, p1, row, idle, t0, p0, idle,
                                              np.ones(len(t1), dtype=bool)))

    def _note_intervals(self, intervals: np.ndarray) -> None:
        if self._interval_count < INTERVAL_SAMPLE_SIZE:
            positive = intervals[intervals > 0][:INTERVAL_SAMPLE_SIZE - self._interval_count]
            if len(positive):
                self._intervals.append(positive)
                self._interval_count += len(positive)
        if self.max_gap_s is None and self._interval_count:
            self.max_gap_s = auto_max_gap_s(self.interval_s, self.auto_floor_s)

    def _carry_matches(self, device_code: int, seconds: float) -> bool:
        carry = self._last.get(device_code)
        return carry is not None and carry.t == seconds

    def _previous(self, device, t, power_w, idle):
        prev_t = np.empty_like(t)
        prev_p = np.empty_like(power_w)
        prev_idle = np.empty_like(idle)
        has_prev = np.ones(len(t), dtype=bool)
        if len(t):
            prev_t[1:], prev_p[1:], prev_idle[1:] = t[:-1], power_w[:-1], idle[:-1]
            group_start = np.ones(len(t), dtype=bool)
            group_start[1:] = device[1:] != device[:-1]
            for index in np.flatnonzero(group_start):
                carry = self._last.get(int(device[index]))
                if carry is None:
                    has_prev[index] = False
                    prev_t[index], prev_p[index], prev_idle[index] = np.nan, np.nan, -1
                else:
                    prev_t[index], prev_p[index], prev_idle[index] = carry.t, carry.power_w, carry.idle
        return prev_t, prev_p, prev_idle, has_prev

    def _remember_last(self, device, t, power_w, row, idle) -> None:
        group_end = np.ones(len(t), dtype=bool)
        group_end[:-1] = device[:-1] != device[1:]
        for index in np.flatnonzero(group_end):
            self._last[int(device[index])] = _Carry(float(t[index]), float(power_w[index]), int(row[index]),
                                                    int(idle[index]))

    def _integrate(self, device, t, power_w, row, idle, prev_t, prev_p, prev_idle, has_prev) -> pd.DataFrame:
        hour = np.floor(t / HOUR_S).astype(np.int64)
        samples = _runs(device, hour, {
            "sample_count": (np.ones(len(t), dtype=np.int64), np.add),
            "measured_samples": (np.isfinite(power_w).astype(np.int64), np.add),
            "first_row": (row, np.minimum), "last_row": (row, np.maximum)})

        max_gap_s = self.max_gap_s if self.max_gap_s is not None else self.auto_floor_s
        # An interval longer than MAX_SAMPLE_SPAN_S is neither bridged nor split into hours.
        has_prev = has_prev & (t - np.where(has_prev, prev_t, t) <= MAX_SAMPLE_SPAN_S)
        t0, t1 = prev_t[has_prev], t[has_prev]
        p0, p1 = prev_p[has_prev], power_w[has_prev]
        bridged = (t1 - t0 <= max_gap_s) & np.isfinite(p0) & np.isfinite(p1)
        i0, i1 = prev_idle[has_prev], idle[has_prev]
        pieces = _split_by_hour(device[has_prev], t0, t1, np.where(bridged, p0, 0.0), np.where(bridged, p1, 0.0),
                                bridged, (i0 == 1) & (i1 == 1), (i0 >= 0) & (i1 >= 0))
        return pd.concat([samples, pieces], ignore_index=True)

    def finish(self) -> pd.DataFrame:
        """Return one row per (device, hour) with the HOURLY_COLUMNS.

        ``idle_energy_wh`` is NaN for hours in which no interval had a known idle state.
        """
        if not self._partials:
            return pd.DataFrame(columns=HOURLY_COLUMNS)
        frame = pd.concat(self._partials, ignore_index=True)
        aggregations = {name: (name, "sum") for name in _SUMMED}
        aggregations.update(first_row=("first_row", "min"), last_row=("last_row", "max"),
                            longest_gap_s=("longest_gap_s", "max"))
        merged = frame.groupby(["device", "hour"]).agg(**aggregations).reset_index()
        merged["energy_wh"] = merged["energy_j"] / 3600.0
        merged["idle_energy_wh"] = np.where(merged["idle_known_s"] > 0, merged["idle_j"] / 3600.0, np.nan)
        merged["coverage"] = (merged["covered_s"] / HOUR_S).clip(upper=1.0)
        merged["gap_seconds"] = merged["gap_s"]
        merged["longest_gap_s"] = merged["longest_gap_s"].fillna(0.0)
        for name in ("sample_count", "measured_samples"):
            merged[name] = merged[name].fillna(0).astype(np.int64)
        return merged[HOURLY_COLUMNS]


def _runs(device: np.ndarray, hour: np.ndarray, columns: dict[str, tuple[np.ndarray, np.ufunc]]) -> pd.DataFrame:
    """Reduce values over runs of equal (device, hour); the arrays are sorted by device, then time."""
    if len(device) == 0:
        return pd.DataFrame(columns=["device", "hour", *columns])
    start = np.ones(len(device), dtype=bool)
    start[1:] = (device[1:] != device[:-1]) | (hour[1:] != hour[:-1])
    starts = np.flatnonzero(start)
    reduced = {"device": device[starts], "hour": hour[starts]}
    for name, (values, ufunc) in columns.items():
        reduced[name] = ufunc.reduceat(values, starts)
    return pd.DataFrame(reduced)


def _far_from_median(t: np.ndarray) -> np.ndarray:
    """True for samples more than MAX_SAMPLE_SPAN_S from the median time (three samples or more)."""
    if len(t) < 3:
        return np.zeros(len(t), dtype=bool)
    return np.abs(t - np.median(t)) > MAX_SAMPLE_SPAN_S


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
                   bridged: np.ndarray, idle: np.ndarray, idle_known: np.ndarray) -> pd.DataFrame:
    """Split intervals at hour boundaries; sum energy, idle energy, covered and gap seconds per (device, hour)."""
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
    energy_j = np.where(is_bridged, (power_start + power_end) / 2.0 * length, 0.0)
    covered = np.where(is_bridged, length, 0.0)

    return _runs(device[owner], hour, {
        "energy_j": (energy_j, np.add),
        "idle_j": (np.where(idle[owner], energy_j, 0.0), np.add),
        "idle_known_s": (np.where(idle_known[owner], covered, 0.0), np.add),
        "covered_s": (covered, np.add),
        "gap_s": (np.where(is_bridged, 0.0, length), np.add),
        "longest_gap_s": (np.where(is_bridged, 0.0, span), np.maximum)})
