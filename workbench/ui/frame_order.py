"""The display order of a table: which frame rows a filter keeps and how a sort orders them.

:class:`ColumnData` contains the columns of one frame as arrays plus caches of sort keys and
factorized texts. :meth:`ColumnData.visible_order` computes the frame positions to show for a
sort key and a filter text with NumPy only. Nothing here uses Qt, and one ColumnData belongs to
one frame: a new frame gets a new object, so a worker still ordering the old frame fills only
the old caches.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

if TYPE_CHECKING:
    import pandas as pd


class ColumnData:
    """The shown columns of one frame: ``arrays[i]`` contains the values of the column ``keys[i]``."""

    def __init__(self, keys: Sequence[str], kinds: Sequence[str], arrays: Sequence[Any], length: int) -> None:
        self.keys = tuple(keys)
        self.kinds = tuple(kinds)
        self.arrays = list(arrays)
        self.length = length
        self._sort_cache: dict[int, np.ndarray] = {}
        self._text_cache: dict[int, Any] = {}

    @classmethod
    def from_frame(cls, frame: "pd.DataFrame | None", keys: Sequence[str], kinds: Sequence[str]) -> "ColumnData":
        """Take the columns ``keys`` of ``frame`` (None gives no rows); a missing column raises KeyError."""
        if frame is None:
            return cls(keys, kinds, [], 0)
        return cls(keys, kinds, [column_array(frame[key]) for key in keys], len(frame))

    def visible_order(self, sort_key: tuple[str, bool] | None, filter_text: str) -> np.ndarray:
        """Return the frame positions to show: rows matching ``filter_text``, sorted by ``sort_key``.

        ``sort_key`` is (column key, ascending) or None for frame order. The sort is stable and
        puts missing values last in both directions.
        """
        if not self.arrays:  # no frame
            return np.empty(0, dtype=np.int64)
        rows = self.matching_rows(filter_text)
        if sort_key is None or sort_key[0] not in self.keys:
            return rows
        position = self.keys.index(sort_key[0])
        return rows[stable_order(self.sort_keys(position)[rows], sort_key[1])]

    def matching_rows(self, filter_text: str) -> np.ndarray:
        """Return the positions of rows where a text column contains ``filter_text``, ignoring case.

        When the text is all digits, rows whose integer columns equal that number match too.
        Number columns never match, because their shown text is rounded.
        """
        if not filter_text:
            return np.arange(self.length, dtype=np.int64)
        needle = filter_text.lower()
        keep = np.zeros(self.length, dtype=bool)
        for position, kind in enumerate(self.kinds):
            if kind == "integer" and needle.isdigit():
                keep |= self.sort_keys(position) == float(needle)
            elif kind == "text":
                codes, uniques = self.factorized(position)
                matched = np.append(uniques.str.lower().str.contains(needle, regex=False).to_numpy(bool), False)
                keep |= matched[codes]  # code -1 (missing) reads the appended False
        return np.flatnonzero(keep)

    def factorized(self, position: int) -> tuple[np.ndarray, Any]:
        """Return (codes, sorted distinct texts) of column ``position``; code -1 marks a missing value.

        Filters test each distinct text once, and text columns sort by their codes, so a column
        of a million rows with a thousand run names costs a thousand string matches.
        """
        if position not in self._text_cache:
            import pandas as pd

            texts = pd.Series(self.arrays[position], copy=False).astype("string")
            codes, uniques = pd.factorize(texts, sort=True, use_na_sentinel=True)
            self._text_cache[position] = (codes.astype(np.int64), pd.Index(uniques).astype("string"))
        return self._text_cache[position]

    def sort_keys(self, position: int) -> np.ndarray:
        """Return float sort keys of column ``position`` (NaN for missing); text is ranked by its code."""
        if position not in self._sort_cache:
            import pandas as pd

            values = self.arrays[position]
            numeric = isinstance(values.dtype, np.dtype) and values.dtype != object
            if self.kinds[position] == "text" or not numeric:
                codes, _uniques = self.factorized(position)
                keys = codes.astype(float)
                keys[codes < 0] = np.nan
            else:
                keys = pd.to_numeric(pd.Series(values, copy=False), errors="coerce").to_numpy(float)
            self._sort_cache[position] = keys
        return self._sort_cache[position]


def column_array(series: "pd.Series") -> Any:
    """Return the column's values for cell lookups without copying strings into Python objects.

    NumPy-typed columns become NumPy arrays. String and other extension columns keep their
    pandas array, because its scalar lookup is fast enough for the cells a view paints.
    """
    if isinstance(series.dtype, np.dtype):
        return series.to_numpy()
    return series.array


def stable_order(keys: np.ndarray, ascending: bool) -> np.ndarray:
    """Return the stable argsort of ``keys`` with NaN last in both directions.

    NumPy sorts NaN after every number, and negating NaN leaves NaN, so one argsort serves both
    directions.
    """
    return np.argsort(keys if ascending else -keys, kind="stable")
