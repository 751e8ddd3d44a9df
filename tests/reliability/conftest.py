"""Fixtures of the reliability tests: one small real project that hostile variants are copied from."""

from __future__ import annotations

import pytest

from reliability.hostile_projects import build_base_project


@pytest.fixture(scope="session")
def base_project(tmp_path_factory):
    """Path of a small current-format project; tests copy it and never change it."""
    return build_base_project(tmp_path_factory.mktemp("base-project"))
