"""A process killed while it exports a report leaves the project as before or as after, and no half-written file.

The export is written to a temporary file beside the target and renamed over it, so the final
name contains either the report of an earlier export or the complete new one. Each run starts with
an earlier report under the final name, so a kill that truncated it in place would show.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reliability import killcases
from reliability.killcases import kill_root, shim  # noqa: F401  (fixtures)

FAULT_CLASS = "process killed during export"
EARLIER_REPORT = b'{"earlier": "report"}\n'


@pytest.fixture(scope="module")
def baseline(kill_root, shim):  # noqa: F811
    return killcases.make_baseline(killcases.SCENARIOS["export"], kill_root, shim)


def _earlier_report(folder: Path) -> None:
    (folder / "report.json").write_bytes(EARLIER_REPORT)


def _report_bytes(folder: Path) -> bytes:
    data = (folder / "report.json").read_bytes()
    json.loads(data)
    return data


@pytest.mark.parametrize("index", range(len(killcases.statement_ids())), ids=killcases.statement_ids())
def test_export_killed_at_statement(baseline, index):
    outcome, folder = killcases.kill_at_statement(baseline, index, setup=_earlier_report)

    assert outcome in ("before", "after")
    # The file is renamed into place just before COMMIT, so a kill at COMMIT leaves a complete new report.
    assert _report_bytes(folder) in (EARLIER_REPORT, baseline.output_bytes)


@pytest.mark.parametrize("index", range(len(killcases.write_ids())), ids=killcases.write_ids())
def test_export_killed_at_project_write(baseline, index, shim):  # noqa: F811
    outcome, folder = killcases.kill_at_write(baseline, index, shim, setup=_earlier_report)

    assert outcome in ("before", "after")
    expected = baseline.output_bytes if outcome == "after" else (EARLIER_REPORT, baseline.output_bytes)
    assert _report_bytes(folder) in (expected if isinstance(expected, tuple) else (expected,))


# The report is written to a temporary file, synced, then renamed over the final name.
@pytest.mark.parametrize("index", range(3), ids=["report-write", "report-fsync", "report-rename"])
def test_export_killed_at_report_write(baseline, index, shim):  # noqa: F811
    outcome, folder = killcases.kill_at_write(baseline, index, shim, target="report.json", setup=_earlier_report)

    assert outcome == "before"
    assert _report_bytes(folder) == EARLIER_REPORT
