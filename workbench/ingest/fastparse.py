"""Vectorized parsing of text columns with pyarrow compute kernels, for logs of any size.

Each function takes a pyarrow string array of one batch and tries a fast kernel first (trim,
cast). When the batch holds a value the kernel cannot read, the batch is parsed again by the
general, slower functions of :mod:`workbench.ingest.timeparse`, so a few odd rows cost time
only in their own batch and never change the result.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from workbench.ingest.common import MISSING_TOKENS
from workbench.ingest.timeparse import FoldState, NaiveTimeError, localize_naive, parse_utc_seconds

_MISSING = pa.array(sorted(MISSING_TOKENS))
_SLASH_DATE = re.compile(r"^\d{4}/\d{1,2}/\d{1,2}[ T]\d")
_ISO_NAIVE = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")
_ISO_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$", re.IGNORECASE)


def parse_numbers(text: pa.Array, unit_chars: str = "") -> tuple[np.ndarray, np.ndarray]:
    """Parse numbers that may carry a unit suffix (``'659.49 W'``) or a missing-value token.

    Returns the values (NaN where missing or invalid) and a mask of values that are neither a
    number nor a missing-value token. ``unit_chars`` are the letters of the suffix to drop.
    """
    trimmed = pc.utf8_trim(text, characters=" \t\r" + unit_chars)
    missing = pc.is_in(pc.utf8_lower(pc.utf8_trim_whitespace(text)), value_set=_MISSING)
    missing = pc.fill_null(missing, True)
    candidates = pc.if_else(missing, pa.scalar(None, pa.string()), trimmed)
    try:
        values = pc.cast(candidates, pa.float64()).to_numpy(zero_copy_only=False)
        bad = np.zeros(len(values), dtype=bool)
    except pa.ArrowInvalid:
        values = pd.to_numeric(pd.Series(candidates.to_numpy(zero_copy_only=False)), errors="coerce")
        values = values.to_numpy(dtype=float)
        bad = np.isnan(values) & ~missing.to_numpy(zero_copy_only=False)
    return np.where(bad, np.nan, values), bad


def parse_times(text: pa.Array, zone: ZoneInfo | None, fold: FoldState) -> tuple[np.ndarray, dict[int, str]]:
    """Parse one batch of time stamps to float UTC seconds; see :func:`parse_utc_seconds`.

    The common forms (nvidia-smi ``2026/07/14 09:00:44.579``, ISO 8601 with or without an
    offset) go through one Arrow cast; anything else, or a batch with one bad value, goes
    through the general parser. Raises NaiveTimeError when naive stamps meet no zone.
    """
    trimmed = pc.utf8_trim_whitespace(text)
    return finish_times(trimmed, fast_times(trimmed), zone, fold)


def fast_times(trimmed: pa.Array) -> tuple[np.ndarray, bool] | None:
    """Cast a batch of trimmed stamps in one common form to seconds, without any zone rule.

    Returns microseconds since the epoch and whether the stamps were naive (then they are read
    as UTC wall clock), or None when the batch needs the general parser. Safe to call from worker threads.
    """
    first = _first_value(trimmed)
    if first is None:
        return None
    try:
        if _ISO_OFFSET.match(first):
            return _micros(pc.cast(trimmed, pa.timestamp("us", tz="UTC"))), False
        if _SLASH_DATE.match(first):
            naive = pc.cast(pc.replace_substring(trimmed, "/", "-"), pa.timestamp("us"))
        elif _ISO_NAIVE.match(first):
            naive = pc.cast(trimmed, pa.timestamp("us"))
        else:
            return None
        return _micros(naive), True
    except pa.ArrowInvalid:
        return None


def finish_times(trimmed: pa.Array, fast: tuple[np.ndarray, bool] | None, zone: ZoneInfo | None,
                 fold: FoldState) -> tuple[np.ndarray, dict[int, str]]:
    """Apply the declared zone to the result of :func:`fast_times`, or parse ``trimmed`` in full.

    Batches must come in file order, because ``fold`` carries the daylight-saving state.
    """
    if fast is not None:
        micros, naive = fast
        seconds = micros / 1e6
        if not naive:
            return seconds, {}
        if zone is None:
            raise NaiveTimeError("time stamps have no time zone")
        if zone.key == "UTC":
            fold.naive_seen = True
            return seconds, {}
        local = pd.Series(micros.astype("datetime64[us]"))
        reasons: dict[int, str] = {}
        before = (fold.max_naive_ns, fold.naive_seen)
        localized = localize_naive(local, zone, fold, reasons, np.arange(len(local)))
        if not reasons:
            fold.naive_seen = True
            return localized, {}
        # The general parser reports the daylight-saving gap row by row, from the same fold state.
        fold.max_naive_ns, fold.naive_seen = before
    return parse_utc_seconds(trimmed.to_pandas(), zone, fold)


def _first_value(values: pa.Array) -> str | None:
    for value in values[:16].to_pylist():
        if value:
            return value
    return None


def _micros(stamps: pa.Array) -> np.ndarray:
    if stamps.null_count:
        raise pa.ArrowInvalid("null time stamp")
    return pc.cast(stamps, pa.int64()).to_numpy(zero_copy_only=False)
