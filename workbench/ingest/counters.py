"""Deltas of cumulative energy counters that reset, wrap and glitch.

A counter such as DCGM's ``DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION`` (mJ since boot) or a RAPL
register only grows, except when something happens to it. The rules, in order:

* a drop followed by a reading at or above the last good value is a glitch (a momentary 0 or
  a stale read): the low reading is ignored and the baseline is kept, not rebased;
* a drop from near the top of a known register range is a wrap: the delta is
  ``max_range - previous + current``;
* any other drop is a reset (reboot, driver reload, meter replaced): the counter restarted from
  0, so the delta is the new reading, a lower bound, since the energy between the previous
  reading and the restart was never reported;
* a delta above ``max_power_w`` times the interval is physically impossible and not used, and
  an interval long enough for the register to wrap more than once is not used either.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# A drop counts as a wrap when the previous reading was in the top part of the register range.
WRAP_ZONE = 0.5


@dataclass
class CounterDeltas:
    """Energy per interval between consecutive readings; ``valid`` is False where it is unknown."""

    energy_j: np.ndarray
    valid: np.ndarray
    problems: list[tuple[int, str]] = field(default_factory=list)
    resets: int = 0
    wraps: int = 0


def counter_deltas(seconds: np.ndarray, values: np.ndarray, *, max_range: float | None = None,
                   max_power_w: float | None = None, unit_per_joule: float = 1.0) -> CounterDeltas:
    """Return reset- and wrap-aware deltas, in joules, of a counter read at ``seconds``.

    ``values`` are in counter units (``unit_per_joule`` of them make a joule: 1000 for mJ,
    1e6 for µJ); NaN is a missing reading. ``problems`` lists (position of the later reading,
    reason) for every interval that was not taken at face value.
    """
    count = max(len(values) - 1, 0)
    result = CounterDeltas(np.full(count, np.nan), np.zeros(count, dtype=bool))
    base = np.nan
    for index in range(1, len(values)):
        current, dt = values[index], seconds[index] - seconds[index - 1]
        if np.isnan(base):
            base = values[index - 1]
        if np.isnan(current) or np.isnan(base):
            base = current
            continue
        delta, base = _step(result, index, values, base, current, max_range, max_power_w, dt, unit_per_joule)
        if delta is None:
            continue
        energy_j = delta / unit_per_joule
        if max_power_w is not None and energy_j > max_power_w * max(dt, 0.0) * 1.001:
            result.problems.append((index, f"counter rose by {energy_j:,.0f} J in {dt:g} s, more than "
                                           f"{max_power_w:g} W allows; interval not used"))
            continue
        result.energy_j[index - 1] = energy_j
        result.valid[index - 1] = True
    return result


def _step(result: CounterDeltas, index: int, values: np.ndarray, base: float, current: float,
          max_range: float | None, max_power_w: float | None, dt: float, unit_per_joule: float):
    """Return (delta in counter units or None, new baseline) for the reading at ``index``."""
    if current >= base:
        return current - base, current
    following = values[index + 1] if index + 1 < len(values) else np.nan
    if not np.isnan(following) and following >= base:
        result.problems.append((index, f"counter went back from {base:g} to {current:g} and recovered; "
                                       "the reading was ignored"))
        return 0.0, base
    if max_range is not None and base >= WRAP_ZONE * max_range:
        if max_power_w is not None and max_power_w * dt * unit_per_joule > max_range:
            result.problems.append((index, f"the counter can wrap more than once in {dt:g} s; interval not used"))
            return None, current
        result.wraps += 1
        result.problems.append((index, f"counter wrapped at {max_range:g} (from {base:g} to {current:g})"))
        return max_range - base + current, current
    result.resets += 1
    result.problems.append((index, f"counter reset from {base:g} to {current:g}; the energy before the reset "
                                   "in this interval is unknown, so only the energy since the reset is counted"))
    return current, current
