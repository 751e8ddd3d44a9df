"""Fixtures shared by every test package."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared_paths import samples_dir


@pytest.fixture(scope="session")
def samples() -> Path:
    """The folder of real input files written by other tools, read in place, never copied."""
    return samples_dir()


@pytest.fixture
def project(tmp_path):
    """A new, empty project file on disk, closed after the test."""
    from workbench.services.projects import new_project

    opened = new_project(tmp_path / "test.cwb", "test project")
    yield opened
    opened.close()
