"""Fixtures shared by every test package."""

from __future__ import annotations

from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]


def _samples_dir() -> Path:
    for candidate in (REPOSITORY.parent / "shared" / "samples", REPOSITORY.parent.parent / "shared" / "samples"):
        if candidate.is_dir():
            return candidate
    raise RuntimeError("the shared samples folder (../shared/samples next to the repository) is missing")


@pytest.fixture(scope="session")
def samples() -> Path:
    """The folder of real input files written by other tools, read in place, never copied."""
    return _samples_dir()


@pytest.fixture
def project(tmp_path):
    """A new, empty project file on disk, closed after the test."""
    from workbench.services.projects import new_project

    opened = new_project(tmp_path / "test.cwb", "test project")
    yield opened
    opened.close()
