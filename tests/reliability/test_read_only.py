"""A read-only project file, project folder or export folder: a clear error, never a crash, nothing changed.

A read-only project opens read-only: reading commands work, writing commands fail with
ProjectReadOnlyError (exit status 4) naming the file and saying to work on a copy. A project in a
read-only folder without its -shm file cannot be opened by SQLite at all, and is refused with
that reason. An old format that needs upgrading is refused. The file's bytes never change.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reliability import faultkit, killcases
from reliability.killcases import kill_root  # noqa: F401  (fixture)
from workbench.errors import ProjectReadOnlyError
from workbench.services import assumptions, projects

FAULT_CLASS = "read-only project file or folder"
WRITING_COMMANDS = {
    "assumption-edit": ["assumptions", "project.cwb", "pue=1.5", "--rationale", "survey"],
    "signoff": ["signoff", "project.cwb", "--stage", "preparer", "--name", "Ada Preparer"],
    "import": ["import", "project.cwb", "--kind", "gpu-log", "more.csv", "--timezone", "UTC", "--run", "more"],
    "export": ["export", "project.cwb", "--format", "json", "--out", "report.json", "--draft"],
}
READING_COMMANDS = {
    "assumption-list": ["assumptions", "project.cwb"],
    "sources": ["sources", "project.cwb"],
    "signoff-list": ["signoff", "project.cwb", "--list"],
    "compute": ["compute", "project.cwb"],
}


@pytest.fixture(scope="module")
def start_project(kill_root) -> Path:  # noqa: F811
    return killcases.build_small_project(killcases.next_folder(kill_root))


def _copy(start_project: Path, kill_root: Path) -> Path:  # noqa: F811
    folder = killcases.next_folder(kill_root)
    killcases.write_gpu_log(folder / "more.csv", gpus=1, hours=1, power_w=100.0,
                            start=killcases.datetime(2025, 3, 2, tzinfo=killcases.timezone.utc))
    return faultkit.fresh_copy(start_project, folder)


@pytest.mark.parametrize("command", WRITING_COMMANDS, ids=[f"file-{name}" for name in WRITING_COMMANDS])
def test_read_only_file_rejects_writes(start_project, kill_root, command):  # noqa: F811
    path = _copy(start_project, kill_root)
    digest = faultkit.file_sha256(path)

    with faultkit.read_only(path):
        run = faultkit.run_child(WRITING_COMMANDS[command], path.parent)

    assert run.returncode == 4, run.stderr
    assert "Traceback" not in run.stderr
    assert "project.cwb: cannot be changed because the file is read-only" in run.stderr
    assert "Copy the project to a writable folder" in run.stderr
    assert faultkit.file_sha256(path) == digest
    assert not (path.parent / "report.json").exists()


@pytest.mark.parametrize("command", READING_COMMANDS, ids=[f"file-{name}" for name in READING_COMMANDS])
def test_read_only_file_still_reads(start_project, kill_root, command):  # noqa: F811
    path = _copy(start_project, kill_root)
    digest = faultkit.file_sha256(path)

    with faultkit.read_only(path):
        run = faultkit.run_child(READING_COMMANDS[command], path.parent)

    assert run.returncode == 0, run.stderr
    assert faultkit.file_sha256(path) == digest


def test_read_only_file_opens_read_only_in_process(start_project, kill_root):  # noqa: F811
    path = _copy(start_project, kill_root)

    with faultkit.read_only(path), projects.open_existing(path) as project:
        assert project.read_only
        assert project.read_only_reason == "the file is read-only"
        assert assumptions.resolve(project, "baseline")["pue"].value is not None
        with pytest.raises(ProjectReadOnlyError) as raised:
            assumptions.change(project, "baseline", {"pue": "1.5"}, rationale="survey")

    assert str(path) in str(raised.value)


@pytest.mark.parametrize("command", ["assumption-list", "assumption-edit"], ids=["folder-list", "folder-edit"])
def test_read_only_folder_without_shm_refused(start_project, kill_root, command):  # noqa: F811
    path = _copy(start_project, kill_root)
    digest = faultkit.file_sha256(path)
    argv = {**READING_COMMANDS, **WRITING_COMMANDS}[command]

    with faultkit.read_only(path.parent):
        run = faultkit.run_child([argv[0], str(path), *argv[2:]], path.parent.parent)

    assert run.returncode == 4, run.stderr
    assert "Traceback" not in run.stderr
    assert "its folder is read-only and SQLite needs to create 'project.cwb-shm'" in run.stderr
    assert "Copy the project to a writable folder" in run.stderr
    assert faultkit.file_sha256(path) == digest


@pytest.mark.parametrize("fixture", ["format1", "format4"], ids=["old-format1", "old-format4"])
def test_read_only_old_format_refused(kill_root, fixture):  # noqa: F811
    folder = killcases.next_folder(kill_root)
    path = faultkit.fresh_copy(killcases.FIXTURES / f"{fixture}.cwb", folder)
    digest = faultkit.file_sha256(path)

    with faultkit.read_only(path):
        run = faultkit.run_child(["sources", "project.cwb"], folder)

    assert run.returncode == 4, run.stderr
    assert "must be upgraded, but the file is read-only" in run.stderr
    assert "open the copy, which is upgraded" in run.stderr
    assert faultkit.file_sha256(path) == digest


def test_export_into_read_only_folder(start_project, kill_root):  # noqa: F811
    path = _copy(start_project, kill_root)
    before = faultkit.project_content(path)
    target = path.parent / "reports"
    target.mkdir()

    with faultkit.read_only(target):
        run = faultkit.run_child(["export", "project.cwb", "--format", "json", "--out", "reports/report.json",
                                  "--draft"], path.parent)

    assert run.returncode != 0
    assert "Traceback" not in run.stderr
    assert "report.json: cannot be written" in run.stderr
    assert "Check the folder's permissions" in run.stderr
    assert list(target.iterdir()) == []
    assert faultkit.project_content(path) == before


def test_copy_of_read_only_project_is_writable(start_project, kill_root):  # noqa: F811
    path = _copy(start_project, kill_root)
    copy = path.parent / "copy.cwb"

    with faultkit.read_only(path):
        shutil.copyfile(path, copy)
    with projects.open_existing(copy) as project:
        assumptions.change(project, "baseline", {"pue": "1.5"}, rationale="survey")

    assert faultkit.integrity_and_chain(copy)[1].ok
