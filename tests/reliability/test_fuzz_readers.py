"""Property tests over every ingest reader: hostile input gives rows or a typed error, never a crash.

Each reader gets mutations of a real seed input (flipped bits, inserted tokens, cut lines) and
arbitrary bytes. A reader must either return a ReadResult whose tables are DataFrames and whose
rejected rows name a row, or raise an error from ``workbench.errors`` that names the file.
Any other exception is a crash; the crashes found this way are pinned in test_fuzz_regressions.py.
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings

from reliability.fuzzing import PROFILE, hostile_inputs
from reliability.reader_targets import TARGETS, ReaderTarget, write_input
from workbench.errors import InputRejectedError, RowProblem, WorkbenchError
from workbench.ingest.common import ReadResult

FAULT_CLASS = "fuzzed reader input (hypothesis)"


def check_reader_outcome(target: ReaderTarget, path) -> None:
    """Call the reader and check the contract: a well-formed result or a typed error naming the file."""
    try:
        result = target.read(path)
    except InputRejectedError as exc:
        assert path.name in str(exc), f"error does not name the file: {exc}"
        return
    except WorkbenchError as exc:
        assert str(exc).strip() != ""
        return
    assert isinstance(result, ReadResult)
    for name, table in result.tables.items():
        assert isinstance(table, pd.DataFrame), f"table {name} is {type(table).__name__}"
    for problem in result.rejected:
        assert isinstance(problem, RowProblem)
        assert problem.describe().startswith(path.name)


@pytest.mark.parametrize("target", TARGETS, ids=[target.name for target in TARGETS])
def test_reader_survives_hostile_input(target, tmp_path):
    seeds = target.seeds()

    @settings(PROFILE)
    @given(data=hostile_inputs(seeds))
    def property_holds(data: bytes) -> None:
        path = write_input(tmp_path, target, data)
        check_reader_outcome(target, path)

    property_holds()
