"""A process killed while it imports a GPU log leaves the project as before or as after, never between."""

from __future__ import annotations

import pytest

from reliability import killcases
from reliability.killcases import kill_root, shim  # noqa: F401  (fixtures)

FAULT_CLASS = "process killed during import"


@pytest.fixture(scope="module")
def baseline(kill_root, shim):  # noqa: F811
    return killcases.make_baseline(killcases.SCENARIOS["import"], kill_root, shim)


@pytest.mark.parametrize("index", range(len(killcases.statement_ids())), ids=killcases.statement_ids())
def test_import_killed_at_statement(baseline, index):
    outcome, _ = killcases.kill_at_statement(baseline, index)

    assert outcome in ("before", "after")


@pytest.mark.parametrize("index", range(len(killcases.write_ids())), ids=killcases.write_ids())
def test_import_killed_at_write(baseline, index, shim):  # noqa: F811
    outcome, _ = killcases.kill_at_write(baseline, index, shim)

    assert outcome in ("before", "after")
