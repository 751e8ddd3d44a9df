"""Importing into a project: all-or-nothing writes, duplicates, rejected rows, cancel."""

from __future__ import annotations

import hashlib

import pytest

from workbench.errors import DuplicateSourceError, InputRejectedError, OperationCancelled
from workbench.progress import Progress
from workbench.project import audit, repo
from workbench.services import imports

XYPP3 = ("nvidia_smi", "xypp3__gpu_glasses__nvidia_smi.csv")


def table_counts(project) -> dict[str, int]:
    tables = ("sources", "rejected_rows", "energy_hourly", "runs", "sites", "devices", "assets", "factors",
              "audit_log")
    return {table: project.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in tables}


def test_gpu_log_import_stores_source_rows_and_audit(project, samples):
    path = samples.joinpath(*XYPP3)
    report = imports.import_file(project, path, imports.ImportOptions(kind="gpu-log", run="glasses", site="lab"))

    assert report.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert report.totals["gpus"] == 8
    sources = repo.list_sources(project.conn)
    assert list(sources["original_name"]) == [path.name]
    assert sources["rows_accepted"].iloc[0] == 43
    assert bool(sources["has_evidence"].iloc[0])
    stored_wh = project.conn.execute("SELECT sum(energy_wh) FROM energy_hourly").fetchone()[0]
    assert stored_wh / 1000 == pytest.approx(report.totals["energy_kwh"])
    entries = audit.read_entries(project.conn)
    assert entries[-1]["action"] == "import"
    assert entries[-1]["details"]["sha256"] == report.sha256
    assert audit.verify_chain(project.conn).ok


def test_same_file_twice_refused_unless_asked(project, samples):
    path = samples.joinpath(*XYPP3)
    options = imports.ImportOptions(kind="gpu-log", run="glasses")
    imports.import_file(project, path, options)
    before = table_counts(project)
    with pytest.raises(DuplicateSourceError, match="already imported as source 1"):
        imports.import_file(project, path, options)
    assert table_counts(project) == before

    options.allow_duplicate = True
    assert imports.import_file(project, path, options).source_id == 2


def test_rejected_rows_stored_with_reason(project, tmp_path):
    path = tmp_path / "meter.csv"
    path.write_text("timestamp,energy_kwh\n2025-01-01T00:00:00Z,5\n2025-01-01T01:00:00Z,oops\n")
    report = imports.import_file(project, path, imports.ImportOptions(kind="meter"))
    assert report.rows_rejected == 1
    rejected = repo.list_rejected(project.conn)
    assert rejected[["row_number", "column_name", "raw_value"]].values.tolist() == [[3, "energy_kwh", "oops"]]
    assert rejected["reason"].iloc[0] == "not a number"


def test_strict_import_rejects_whole_file(project, tmp_path):
    path = tmp_path / "meter.csv"
    path.write_text("timestamp,energy_kwh\n2025-01-01T00:00:00Z,5\n2025-01-01T01:00:00Z,oops\n")
    before = table_counts(project)
    with pytest.raises(InputRejectedError, match="--strict") as caught:
        imports.import_file(project, path, imports.ImportOptions(kind="meter", strict=True))
    assert (caught.value.row, caught.value.column, caught.value.value) == (3, "energy_kwh", "oops")
    assert table_counts(project) == before


def test_file_with_no_usable_row_leaves_project_unchanged(project, tmp_path):
    path = tmp_path / "factors.csv"
    path.write_text("zone,period_start,period_end,co2e_g_per_kwh,source\nFR,2025-01-01,2025-12-31,-5,x\n")
    before = table_counts(project)
    with pytest.raises(InputRejectedError, match="no row could be used"):
        imports.import_file(project, path, imports.ImportOptions(kind="factors"))
    assert table_counts(project) == before


def test_failure_while_writing_rolls_everything_back(project, samples, monkeypatch):
    def fail(*args, **kwargs):
        raise OSError("disk went away")

    monkeypatch.setattr(imports.repo, "insert_energy", fail)
    before = table_counts(project)
    with pytest.raises(OSError, match="disk went away"):
        imports.import_file(project, samples.joinpath(*XYPP3), imports.ImportOptions(kind="gpu-log", run="r"))
    assert table_counts(project) == before


def test_cancel_leaves_project_unchanged(project, samples):
    progress = Progress(lambda fraction, message: progress.cancel() if fraction > 0.5 else None)
    before = table_counts(project)
    with pytest.raises(OperationCancelled, match="cancelled"):
        imports.import_file(project, samples.joinpath(*XYPP3), imports.ImportOptions(kind="gpu-log", run="r"),
                            progress)
    assert table_counts(project) == before


def test_site_time_zone_used_for_naive_stamps(project, samples):
    from workbench.services import entities

    entities.configure_site(project, "paris", timezone="Europe/Paris")
    path = samples / "codecarbon" / "codecarbon_repo" / "examples__emissions.csv"
    report = imports.import_file(project, path, imports.ImportOptions(kind="codecarbon", site="paris"))
    assert report.rows_accepted == 26
    start = project.conn.execute("SELECT start_utc FROM runs WHERE name = 'codecarbon'").fetchone()[0]
    # The first row ends at 10:39:13 Paris time (UTC+2) after 355.47 s of tracking.
    assert start == "2024-05-31T08:33:17Z"


def test_unknown_kind_is_a_usage_error(project, tmp_path):
    from workbench.errors import UsageError

    path = tmp_path / "x.csv"
    path.write_text("a\n1\n")
    with pytest.raises(UsageError, match="unknown import kind"):
        imports.import_file(project, path, imports.ImportOptions(kind="spreadsheet"))
