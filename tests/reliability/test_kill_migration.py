"""A process killed while it upgrades an old project file leaves the old format or the new one, never between.

The command is ``carbon-workbench assumptions PROJECT`` (a listing), whose opening of the file runs every pending
migration in one transaction. The fixtures are project files written by formats 1 and 4.
"""

from __future__ import annotations

import pytest

from reliability import killcases
from reliability.killcases import kill_root, shim  # noqa: F401  (fixtures)

FAULT_CLASS = "process killed during migration"
FIXTURE_SCENARIOS = ("migration-format1", "migration-format4")


@pytest.fixture(scope="module", params=FIXTURE_SCENARIOS)
def baseline(request, kill_root, shim):  # noqa: F811
    return killcases.make_baseline(killcases.SCENARIOS[request.param], kill_root, shim)


@pytest.mark.parametrize("index", range(len(killcases.statement_ids())), ids=killcases.statement_ids())
def test_migration_killed_at_statement(baseline, index):
    outcome, _ = killcases.kill_at_statement(baseline, index)

    assert outcome in ("before", "after")


@pytest.mark.parametrize("index", range(len(killcases.write_ids())), ids=killcases.write_ids())
def test_migration_killed_at_write(baseline, index, shim):  # noqa: F811
    outcome, _ = killcases.kill_at_write(baseline, index, shim)

    assert outcome in ("before", "after")
