"""Energy from cumulative meter registers: deltas that survive resets, rollovers and glitches.

A register reading is the meter's running total; the energy of an interval is the difference
of two readings. Real registers misbehave, and each case is handled the same documented way:

* **Rollover**: a register of fixed width returns to zero at its ``rollover`` value (2^bits x
  resolution). A drop from the upper half of the range into the lower half is a wrap, and the
  delta is ``reading + rollover - previous``. A signed register reads negative past its
  maximum; with ``signed`` set, negative readings are shifted by ``rollover`` first.
* **Momentary zero**: a reading of exactly 0 after a positive total is ignored and reported;
  the next reading is compared with the last good one, so nothing is rebased on the zero.
* **Backward reading**: a lower reading followed by one at or above the earlier level is a
  glitch; it is ignored and reported.
* **Counter reset**: a lower reading that the next reading does not climb back from means the
  register restarted from zero; the energy since the restart (the reading itself) is counted and
  the reset is noted.
* **Meter replacement**: an explicit event with the new meter's first reading (``baseline``)
  and optionally the old meter's last one (``final``) closes the old series and starts a new one.
* **Impossible delta**: a delta above the physical bound (``max_power_w`` times the interval),
  or, without a stated bound, above 100 times the file's median power, is rejected; when the
  following readings confirm the new level the series continues from it, because a register
  that was preset or swapped without notice would otherwise reject every later reading.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

SPIKE_FACTOR = 100.0


@dataclass(frozen=True)
class Replacement:
    """A meter swap at ``at_s`` (Unix seconds): the new meter starts at ``baseline``."""

    at_s: float
    baseline: float
    final: float | None = None


@dataclass
class RegisterSettings:
    """Register width and signedness, the physical bound and the replacement events of one meter."""

    rollover: float | None = None
    signed: bool = False
    max_power_w: float | None = None
    replacements: tuple[Replacement, ...] = ()
    wh_per_unit: float = 1.0


@dataclass
class RegisterIntervals:
    """Intervals between accepted readings with their energy in Wh, plus what was set aside and why."""

    start_s: list[float] = field(default_factory=list)
    end_s: list[float] = field(default_factory=list)
    energy_wh: list[float] = field(default_factory=list)
    row: list[int] = field(default_factory=list)
    problems: list[tuple[int, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def emit(self, start_s: float, end_s: float, energy_wh: float, row: int) -> None:
        self.start_s.append(start_s)
        self.end_s.append(end_s)
        self.energy_wh.append(energy_wh)
        self.row.append(row)


def register_intervals(t_s: np.ndarray, readings: np.ndarray, rows: np.ndarray,
                       settings: RegisterSettings) -> RegisterIntervals:
    """Turn time-sorted register readings of one meter into interval energies (Wh)."""
    values = readings.astype(float).copy()
    if settings.signed and settings.rollover:
        values = np.where(values < 0, values + settings.rollover, values)
    out = RegisterIntervals()
    spike_rate = _median_rate(t_s, values)
    walker = _Walker(t_s, values, rows, settings, spike_rate, out)
    walker.run()
    _summarize(out, walker)
    return out


def _median_rate(t_s: np.ndarray, values: np.ndarray) -> float | None:
    """Median of the positive register rates (units per second), the yardstick for spikes."""
    if len(values) < 3:
        return None
    rates = np.diff(values) / np.maximum(np.diff(t_s), 1e-9)
    positive = rates[rates > 0]
    return float(np.median(positive)) if len(positive) else None


class _Walker:
    """One pass over the readings of one meter, keeping the last accepted reading."""

    def __init__(self, t_s, values, rows, settings: RegisterSettings, spike_rate: float | None,
                 out: RegisterIntervals) -> None:
        self.t, self.v, self.rows = t_s, values, rows
        self.settings = settings
        self.spike_rate = spike_rate
        self.out = out
        self.last_v: float | None = None
        self.last_t: float | None = None
        self.replacements = sorted(settings.replacements, key=lambda item: item.at_s)
        self.wraps = 0
        self.resets = 0

    def run(self) -> None:
        for index in range(len(self.v)):
            if self.replacements and self.t[index] >= self.replacements[0].at_s:
                self._replace(index, self.replacements.pop(0))
                continue
            if self.last_v is None:
                self.last_v, self.last_t = self.v[index], self.t[index]
                continue
            delta = self.v[index] - self.last_v
            if delta < 0:
                self._drop(index)
            else:
                self._rise(index, delta)

    # -- cases -------------------------------------------------------------------------------------

    def _replace(self, index: int, event: Replacement) -> None:
        row, value, t = int(self.rows[index]), self.v[index], self.t[index]
        if self.last_v is not None and event.final is not None:
            old_part = event.final - self.last_v
            if old_part >= 0:
                self._accept(self.last_t, event.at_s, old_part, row)
        elif self.last_v is not None:
            self.out.notes.append(f"the old meter's last reading before the replacement at row {row} is not "
                                  "stated, so its energy since the previous reading is a gap")
        new_part = value - event.baseline
        if new_part < 0:
            self.out.problems.append((row, _fmt(value), f"reading is below the new meter's baseline "
                                                        f"{_fmt(event.baseline)}; not used"))
            self.last_v, self.last_t = event.baseline, event.at_s
            return
        self._accept(event.at_s, t, new_part, row)
        self.out.notes.append(f"meter replaced before row {row}: the new meter starts at {_fmt(event.baseline)}")
        self.last_v, self.last_t = value, t

    def _drop(self, index: int) -> None:
        row, value, t = int(self.rows[index]), self.v[index], self.t[index]
        rollover = self.settings.rollover
        if value == 0:
            self.out.problems.append((row, "0", f"momentary zero reading; ignored, the register continues "
                                                f"from {_fmt(self.last_v)}"))
            return
        if rollover and self.last_v >= rollover / 2 and value < rollover / 2:
            delta = value + rollover - self.last_v
            if self._plausible(delta, t - self.last_t):
                self.wraps += 1
                self._accept(self.last_t, t, delta, row)
            else:
                self.out.problems.append((row, _fmt(value), f"the register dropped from {_fmt(self.last_v)}; as a "
                                                            f"rollover at {_fmt(rollover)} the delta would be "
                                                            f"{_fmt(delta)}, above the bound, so the interval is "
                                                            "not counted (a double wrap or a reset)"))
            self.last_v, self.last_t = value, t
            return
        following = self._next_value(index)
        if following is not None and following >= self.last_v:
            self.out.problems.append((row, _fmt(value), f"backward reading after {_fmt(self.last_v)}; ignored "
                                                        f"because the next reading {_fmt(following)} continues "
                                                        "from the earlier level"))
            return
        self.resets += 1
        self.out.notes.append(f"counter reset at row {row}: the register fell from {_fmt(self.last_v)} to "
                              f"{_fmt(value)}; {_fmt(value)} since the restart was counted")
        if self._plausible(value, t - self.last_t):
            self._accept(self.last_t, t, value, row)
        else:
            self.out.problems.append((row, _fmt(value), "the reading after the reset implies more than the "
                                                        "physical bound; the interval is not counted"))
        self.last_v, self.last_t = value, t

    def _rise(self, index: int, delta: float) -> None:
        row, value, t = int(self.rows[index]), self.v[index], self.t[index]
        if self._plausible(delta, t - self.last_t):
            self._accept(self.last_t, t, delta, row)
            self.last_v, self.last_t = value, t
            return
        following = self._next_value(index)
        power_kw = delta * self.settings.wh_per_unit / max(t - self.last_t, 1e-9) * 3.6
        reason = (f"delta {_fmt(delta)} in {(t - self.last_t) / 60:g} min implies {power_kw:,.1f} kW, "
                  f"{self._bound_text()}")
        if following is not None and following >= value and not self._plausible(following - self.last_v,
                                                                                 self.t[index + 1] - self.last_t):
            self.out.problems.append((row, _fmt(value), reason + "; the next readings continue from this level, "
                                                                  "so the interval is not counted and the series "
                                                                  "continues from it"))
            self.last_v, self.last_t = value, t
            return
        self.out.problems.append((row, _fmt(value), reason + "; reading ignored"))

    # -- helpers -----------------------------------------------------------------------------------

    def _accept(self, start_s: float, end_s: float, delta: float, row: int) -> None:
        self.out.emit(float(start_s), float(end_s), float(delta) * self.settings.wh_per_unit, row)

    def _next_value(self, index: int) -> float | None:
        return float(self.v[index + 1]) if index + 1 < len(self.v) else None

    def _limit(self, seconds: float) -> float | None:
        limits = []
        if self.settings.max_power_w:
            limits.append(self.settings.max_power_w * seconds / 3600.0 / self.settings.wh_per_unit)
        elif self.spike_rate:
            limits.append(SPIKE_FACTOR * self.spike_rate * seconds)
        return min(limits) if limits else None

    def _plausible(self, delta: float, seconds: float) -> bool:
        limit = self._limit(seconds)
        return limit is None or delta <= limit

    def _bound_text(self) -> str:
        if self.settings.max_power_w:
            return f"above the physical bound of {self.settings.max_power_w / 1000:g} kW"
        return f"more than {SPIKE_FACTOR:g} times the file's median power"


def _summarize(out: RegisterIntervals, walker: _Walker) -> None:
    if walker.wraps:
        out.notes.append(f"the register rolled over {walker.wraps} time(s) at {_fmt(walker.settings.rollover)}")
    if not walker.settings.max_power_w and walker.spike_rate:
        out.notes.append(f"no physical bound was stated, so deltas above {SPIKE_FACTOR:g} times the median power "
                         "were rejected; state max_power_kw in the mapping to use the real bound")


def _fmt(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{value:,.6g}"
