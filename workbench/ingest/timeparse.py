"""Turning the time stamps found in logs and meter files into UTC seconds.

Forms handled: ISO 8601 with or without an offset (``2025-09-08T17:26:50+08:00``), the
nvidia-smi form ``2026/07/14 08:12:53.353``, the C ``ctime`` form of ``nvidia-smi -q``
(``Thu Aug  6 01:03:40 2026``, local time), and Unix epoch seconds (integer or fractional) or
milliseconds. A time without an offset takes the zone the user declared. In the autumn fold, an
ambiguous local time is read as the first (daylight) occurrence until the file has already
passed it (or, for one meter's series, repeated it), and as the second (standard) one after
that. That is right for logs written in time order. A local time inside the spring gap does not
exist and is rejected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

_OFFSET = re.compile(r"(?:Z|[+-]\d\d:?\d\d)$", re.IGNORECASE)
_EPOCH = re.compile(r"^\d{9,13}(?:\.\d+)?$")
_CTIME = re.compile(r"^[A-Za-z]{3} +[A-Za-z]{3} +\d{1,2} +\d{1,2}:\d{2}:\d{2} +\d{4}$")


class NaiveTimeError(ValueError):
    """Time stamps carry no zone and the caller gave none."""


@dataclass
class FoldState:
    """Carries the latest local time seen, across the chunks of one file.

    ``repeat_is_second`` is for one series per call (a meter): there a stamp equal to an earlier
    one is the next interval, so an hourly file's repeated 02:00 is the standard-time hour. Logs
    that interleave several devices at one stamp (nvidia-smi) leave it False.
    """

    max_naive_ns: int = np.iinfo(np.int64).min
    naive_seen: bool = False
    repeat_is_second: bool = False


def parse_utc_seconds(texts: pd.Series, tz: ZoneInfo | None, state: FoldState | None = None
                      ) -> tuple[np.ndarray, dict[int, str]]:
    """Parse time stamp text to float UTC seconds.

    Returns the seconds (NaN where a value could not be used) and a map from the position in
    ``texts`` to the reason it could not. Raises NaiveTimeError when some stamps have no zone
    and ``tz`` is None.
    """
    state = state or FoldState()
    values = texts.astype("string").str.strip()
    seconds = np.full(len(values), np.nan)
    reasons: dict[int, str] = {}

    epoch = values.str.fullmatch(_EPOCH.pattern).fillna(False).to_numpy(dtype=bool)
    if epoch.any():
        numbers = pd.to_numeric(values[epoch], errors="coerce").to_numpy(dtype=float)
        # 13-digit integers are epoch milliseconds ('date +%s%N | cut -b1-13').
        numbers = np.where(numbers > 1e11, numbers / 1000.0, numbers)
        seconds[epoch] = numbers

    text = values.str.replace(r"^(\d{4})/(\d{1,2})/(\d{1,2})", r"\1-\2-\3", regex=True)
    ctime = text.str.fullmatch(_CTIME.pattern).fillna(False).to_numpy(dtype=bool)
    if ctime.any():
        collapsed = text[ctime].str.replace(r"\s+", " ", regex=True)
        text = text.copy()
        text[ctime] = pd.to_datetime(collapsed, format="%a %b %d %H:%M:%S %Y", errors="coerce").dt.strftime(
            "%Y-%m-%dT%H:%M:%S")
    has_offset = text.str.contains(_OFFSET.pattern, regex=True, case=False).fillna(False).to_numpy(dtype=bool)
    aware = has_offset & ~epoch
    naive = ~has_offset & ~epoch

    if aware.any():
        parsed = pd.to_datetime(text[aware], format="ISO8601", utc=True, errors="coerce")
        seconds[aware] = _to_seconds(parsed)

    if naive.any():
        parsed = pd.to_datetime(text[naive], format="ISO8601", errors="coerce")
        if parsed.notna().any():
            if tz is None:
                raise NaiveTimeError("time stamps have no time zone")
            seconds[naive] = localize_naive(parsed, tz, state, reasons, np.flatnonzero(naive))
            state.naive_seen = True

    for position in np.flatnonzero(np.isnan(seconds)):
        reasons.setdefault(int(position), "not a recognized date and time")
    return seconds, reasons


def _to_seconds(parsed: pd.Series) -> np.ndarray:
    as_ns = parsed.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(float)
    as_ns[parsed.isna().to_numpy()] = np.nan
    return as_ns / 1e9


def localize_naive(parsed: pd.Series, tz: ZoneInfo, state: FoldState, reasons: dict[int, str],
                   positions: np.ndarray) -> np.ndarray:
    """Convert naive local date-times to UTC seconds in ``tz``, in file order.

    An ambiguous local time is the first occurrence until a later local time was seen (or, with
    ``state.repeat_is_second``, the same one), then the second. A time in the spring gap gets NaN
    and a reason under its entry of ``positions``.
    """
    naive_ns = parsed.to_numpy(dtype="datetime64[ns]")
    valid = ~np.isnat(naive_ns)
    result = np.full(len(parsed), np.nan)
    if not valid.any():
        return result

    local = pd.DatetimeIndex(naive_ns[valid])
    first = local.tz_localize(tz, ambiguous=np.ones(len(local), dtype=bool), nonexistent="NaT")
    second = local.tz_localize(tz, ambiguous=np.zeros(len(local), dtype=bool), nonexistent="NaT")
    first_s = _index_seconds(first)
    second_s = _index_seconds(second)

    # An ambiguous stamp is the second occurrence once a later local time was already seen.
    local_ns = local.asi8
    running_max = np.maximum.accumulate(np.concatenate(([state.max_naive_ns], local_ns)))[:-1]
    state.max_naive_ns = int(max(state.max_naive_ns, local_ns.max()))
    ambiguous = first_s != second_s
    if state.repeat_is_second:
        second_pass = ambiguous & (running_max >= local_ns)
    else:
        second_pass = ambiguous & (running_max > local_ns)
    chosen = np.where(second_pass, second_s, first_s)

    gap = np.isnan(first_s)
    valid_positions = positions[valid]
    for position in valid_positions[gap]:
        reasons[int(position)] = f"this local time does not exist in {tz.key} (daylight-saving gap)"
    result[valid] = chosen
    return result


def _index_seconds(index: pd.DatetimeIndex) -> np.ndarray:
    values = index.asi8.astype(float)
    values[index.isna()] = np.nan
    return values / 1e9
