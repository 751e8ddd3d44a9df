"""Comparing assumption sets in a child process gives the figures of the same comparison in process."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reliability import killcases  # noqa: E402
from workbench.services import assumptions, background, comparison, projects  # noqa: E402


def test_compare_in_process_matches_thread(tmp_path):
    path = killcases.build_small_project(tmp_path)
    with projects.open_existing(path) as project:
        assumptions.change(project, "high-pue", {"pue": "1.6"}, rationale="worst case", base="baseline")
        expected = comparison.compare_sets(project, ["baseline", "high-pue"], trials=4000, seed=7)

    outcome = background.compare_sets_in_process(path, ["baseline", "high-pue"], trials=4000, seed=7)

    result, reference = outcome.as_json(), expected.as_json()
    assert result["sets"] == reference["sets"]
    assert result["point"] == reference["point"]
    assert result == reference
