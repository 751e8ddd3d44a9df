"""CSV files of chart data, written so that a spreadsheet never evaluates a cell as a formula.

The one CSV writer of every chart: the charts view (``workbench.ui.charts``) writes DataFrames
with :func:`write_frame_csv`, and the uncertainty and comparison charts write rows with
:func:`write_csv`.
"""

from __future__ import annotations

import csv
import logging
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

# A text cell starting with one of these is a formula in Excel, LibreOffice and Google Sheets.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """Return ``value`` as CSV text; text that a spreadsheet would read as a formula gets a leading quote.

    Numbers are written with ``repr`` precision, so a negative number stays a number; only text
    cells (set names, labels) are quoted.
    """
    if value is None:
        return ""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalars
        value = value.item()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return "" if isinstance(value, float) and math.isnan(value) else repr(value) if isinstance(value, float) \
            else str(value)
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def write_csv(path: str | Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write ``header`` and ``rows`` to ``path`` as UTF-8 CSV; return the number of data rows written."""
    count = 0
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([csv_cell(name) for name in header])
        for row in rows:
            writer.writerow([csv_cell(value) for value in row])
            count += 1
    log.info("wrote %d chart rows to %s", count, path)
    return count


def write_frame_csv(frame: "pd.DataFrame", path: str | Path, *, index: bool = False) -> Path:
    """Write ``frame`` (with its index as the first columns when ``index``) to ``path``; return the path."""
    data = frame.reset_index() if index else frame
    write_csv(path, [str(column) for column in data.columns], data.itertuples(index=False, name=None))
    return Path(path)
