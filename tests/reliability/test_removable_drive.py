"""A project on a drive that disappears while it is open, or between two commands.

While a project is open, SQLite keeps its file descriptor, so writes after the file vanished
would go to a deleted file and be lost when it closes. The workbench checks before each write
transaction that the path still names the file it opened, and otherwise raises
ProjectMissingError naming the file and saying to reconnect the drive. Changes committed before
the drive vanished stay in the file: after the drive comes back the project opens with them, its
audit chain intact.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from reliability import faultkit, killcases
from reliability.killcases import kill_root  # noqa: F401  (fixture)
from workbench.errors import ProjectFileError, ProjectMissingError
from workbench.services import assumptions, projects
from workbench.services.session import Session

FAULT_CLASS = "project drive removed mid-session"


@pytest.fixture(scope="module")
def start_project(kill_root) -> Path:  # noqa: F811
    return killcases.build_small_project(killcases.next_folder(kill_root))


def _drive(start_project: Path, kill_root: Path) -> Path:  # noqa: F811
    """Return a copy of the project inside a folder of its own, standing for a removable drive."""
    drive = killcases.next_folder(kill_root) / "drive"
    drive.mkdir()
    return faultkit.fresh_copy(start_project, drive)


def _pue(path: Path) -> object:
    with projects.open_existing(path) as project:
        return assumptions.resolve(project, "baseline")["pue"].value


def _assert_missing_error(error: ProjectMissingError, path: Path) -> None:
    assert str(path) in str(error)
    assert "the drive was removed, or the file was moved or deleted" in str(error)
    assert "Reconnect the drive or put the file back" in error.hint
    assert "This change was not written" in error.hint


def _remove_drive(drive: Path) -> Path:
    unplugged = drive.with_name("unplugged")
    drive.rename(unplugged)
    return unplugged


def _delete_file(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def test_drive_removed_then_back(start_project, kill_root):  # noqa: F811
    path = _drive(start_project, kill_root)
    project = projects.open_existing(path)
    assumptions.change(project, "baseline", {"pue": "1.31"}, rationale="first change, before the drive went")

    unplugged = _remove_drive(path.parent)
    with pytest.raises(ProjectMissingError) as raised:
        assumptions.change(project, "baseline", {"pue": "1.99"}, rationale="second change, drive gone")
    project.close()
    unplugged.rename(path.parent)

    _assert_missing_error(raised.value, path)
    integrity, chain = faultkit.integrity_and_chain(path)
    assert integrity == "ok"
    assert chain.ok
    assert _pue(path) == pytest.approx(1.31)


def test_file_moved_while_open(start_project, kill_root):  # noqa: F811
    path = _drive(start_project, kill_root)
    project = projects.open_existing(path)
    assumptions.change(project, "baseline", {"pue": "1.32"}, rationale="before the move")

    moved = path.with_name("moved.cwb")
    os.rename(path, moved)
    with pytest.raises(ProjectMissingError) as raised:
        assumptions.change(project, "baseline", {"pue": "1.99"}, rationale="after the move")
    project.close()

    _assert_missing_error(raised.value, path)
    # Closing wrote the committed change from the write-ahead log into the moved file.
    assert faultkit.integrity_and_chain(moved)[0] == "ok"
    assert faultkit.integrity_and_chain(moved)[1].ok
    assert _pue(moved) == pytest.approx(1.32)


def test_file_replaced_while_open(start_project, kill_root):  # noqa: F811
    path = _drive(start_project, kill_root)
    project = projects.open_existing(path)
    replacement = path.with_name("replacement.cwb")
    shutil.copyfile(path, replacement)
    digest = faultkit.file_sha256(replacement)

    os.replace(replacement, path)
    with pytest.raises(ProjectMissingError) as raised:
        assumptions.change(project, "baseline", {"pue": "1.99"}, rationale="after the swap")
    project.close()

    assert "was replaced by another file" in str(raised.value)
    assert faultkit.file_sha256(path) == digest


def test_file_deleted_while_open(start_project, kill_root):  # noqa: F811
    path = _drive(start_project, kill_root)
    project = projects.open_existing(path)

    _delete_file(path)
    with pytest.raises(ProjectMissingError) as raised:
        assumptions.change(project, "baseline", {"pue": "1.99"}, rationale="file deleted")
    project.close()

    _assert_missing_error(raised.value, path)
    assert not path.exists()


def test_session_commit_after_drive_removed(start_project, kill_root):  # noqa: F811
    path = _drive(start_project, kill_root)
    session = Session()
    session.open(path)
    session.commit({"pue": 1.33}, "before the drive went")

    unplugged = _remove_drive(path.parent)
    with pytest.raises(ProjectMissingError):
        session.commit({"pue": 1.98}, "drive gone")
    session.close()
    unplugged.rename(path.parent)

    assert _pue(path) == pytest.approx(1.33)
    assert faultkit.integrity_and_chain(path)[1].ok


@pytest.mark.parametrize("how", ["file-deleted", "drive-removed"], ids=["cli-file-deleted", "cli-drive-removed"])
def test_cli_between_commands(start_project, kill_root, how):  # noqa: F811
    path = _drive(start_project, kill_root)
    first = faultkit.run_child(["assumptions", str(path), "pue=1.34", "--rationale", "first"], path.parent.parent)
    assert first.returncode == 0, first.stderr

    if how == "file-deleted":
        _delete_file(path)
    else:
        _remove_drive(path.parent)
    run = faultkit.run_child(["assumptions", str(path), "pue=1.35", "--rationale", "second"], path.parent.parent)

    assert run.returncode == 4
    assert "Traceback" not in run.stderr
    assert f"{path}: no such project file" in run.stderr
    assert "Check the path" in run.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads folders without read permission")
def test_folder_made_unreadable(start_project, kill_root):  # noqa: F811
    path = _drive(start_project, kill_root)
    project = projects.open_existing(path)
    path.parent.chmod(0)
    try:
        with pytest.raises(ProjectFileError):
            assumptions.change(project, "baseline", {"pue": "1.99"}, rationale="folder unreadable")
    finally:
        path.parent.chmod(0o755)
        project.close()

    assert faultkit.integrity_and_chain(path)[1].ok
