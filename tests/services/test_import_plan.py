"""The import wizard's services: detection with reasons, dry run that writes nothing, commit in one step."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from workbench.errors import DuplicateSourceError, InputRejectedError, OperationCancelled
from workbench.progress import Progress
from workbench.services import import_plan, imports, mappings, projects
from workbench.services.imports import ImportOptions

DEMO_INPUTS = Path(__file__).resolve().parents[2] / "sample_projects" / "inputs"
METER_WITH_BAD_ROW = (
    "timestamp,energy_kwh\n"
    "2025-09-01 00:00,1.5\n"
    "2025-09-01 01:00,oops\n"
    "2025-09-01 02:00,2.0\n"
)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def meter_csv(tmp_path: Path) -> Path:
    path = tmp_path / "meter.csv"
    path.write_text(METER_WITH_BAD_ROW, encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path):
    opened = projects.new_project(tmp_path / "plan.cwb")
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def demo_inputs(tmp_path_factory) -> Path:
    if DEMO_INPUTS.is_dir():
        return DEMO_INPUTS
    from workbench.services import demo

    folder = tmp_path_factory.mktemp("inputs")
    demo.write_inputs(folder)
    return folder


@pytest.mark.parametrize("name, kind", [
    ("grid-factors-2025.csv", "factors"), ("instruments-2025.csv", "instruments"),
    ("procurement-2025.csv", "procurement"), ("declared-runs.csv", "runs"),
    ("llm-7b-pretrain__node01__nvidia-smi.csv", "gpu-log"), ("dc-paris-main-meter.csv", "meter"),
    ("scope1-2025.csv", "scope1"),
])
def test_detect_kind_of_demo_inputs(demo_inputs, name, kind):
    detection = import_plan.detect_kind(demo_inputs / name)

    assert detection.kind == kind
    assert detection.reason != ""


def test_detect_meter_names_value_column(meter_csv):
    detection = import_plan.detect_kind(meter_csv)

    assert detection.kind == "meter"
    assert "'energy_kwh'" in detection.reason


def test_detect_unknown_table_says_why(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("colour,shape\nred,round\nblue,square\n", encoding="utf-8")

    detection = import_plan.detect_kind(path)

    assert detection.kind is None
    assert "colour, shape" in detection.reason


def test_dry_run_lists_rejected_row_and_writes_nothing(project, meter_csv):
    before = digest(project.path)

    dry_run = import_plan.prepare_all(project, [meter_csv], ImportOptions("auto", timezone="UTC", site="lab"))

    assert dry_run.ready
    assert dry_run.summary_lines() == ["meter.csv (meter): 2 rows to import, 1 rejected"]
    frame = import_plan.problems_frame(dry_run.problems())
    assert frame.to_dict("records") == [
        {"file": "meter.csv", "row": 3, "column": "energy_kwh", "value": "oops", "reason": "not a number"}]
    assert digest(project.path) == before
    assert project.conn.execute("SELECT count(*) FROM sources").fetchone()[0] == 0


def test_commit_stores_prepared_files(project, meter_csv):
    dry_run = import_plan.prepare_all(project, [meter_csv], ImportOptions("meter", timezone="UTC", site="lab"))

    reports = import_plan.commit_all(project, dry_run)

    assert [report.rows_accepted for report in reports] == [2]
    assert import_plan.report_line(reports[0]) == (
        "meter.csv (meter, source 1): 2 rows imported, 1 rejected and kept with their reasons; "
        "3.500 kWh, meters: 1")
    assert reports[0].totals["energy_kwh"] == pytest.approx(3.5)
    stored = project.conn.execute("SELECT row_number, column_name, raw_value FROM rejected_rows").fetchall()
    assert [tuple(row) for row in stored] == [(3, "energy_kwh", "oops")]


def test_commit_refuses_a_failed_file(project, meter_csv, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("timestamp,energy_kwh\n2025-09-01 00:00,bad\n", encoding="utf-8")
    dry_run = import_plan.prepare_all(project, [meter_csv, empty], ImportOptions("meter", timezone="UTC"))

    assert not dry_run.ready
    assert dry_run.failures()[0].startswith("empty.csv: ")
    with pytest.raises(InputRejectedError):
        import_plan.commit_all(project, dry_run)
    assert project.conn.execute("SELECT count(*) FROM sources").fetchone()[0] == 0


def test_commit_after_same_file_stored_is_duplicate(project, meter_csv):
    options = ImportOptions("meter", timezone="UTC")
    dry_run = import_plan.prepare_all(project, [meter_csv], options)
    imports.import_file(project, meter_csv, options)

    with pytest.raises(DuplicateSourceError):
        import_plan.commit_all(project, dry_run)
    assert project.conn.execute("SELECT count(*) FROM sources").fetchone()[0] == 1


def test_cancelled_dry_run_raises(project, meter_csv):
    progress = Progress(lambda fraction, message: None)
    progress.cancel()

    with pytest.raises(OperationCancelled):
        import_plan.prepare_all(project, [meter_csv], ImportOptions("meter", timezone="UTC"), progress)


def test_parsed_preview_follows_mapping(meter_csv):
    proposal = import_plan.mapping_proposal(meter_csv, "meter")
    mapping = proposal.mapping.override("energy_kwh", unit="Wh")

    frame, problems = import_plan.parsed_preview(meter_csv, ImportOptions("meter", timezone="UTC", mapping=mapping))

    assert frame["energy_wh"].sum() == pytest.approx(3.5)
    assert [problem.row for problem in problems] == [3]


def test_template_names_by_kind(project, meter_csv):
    mapping = import_plan.mapping_proposal(meter_csv, "meter").mapping
    mappings.save_template(project, "lab meter", mapping)

    assert import_plan.template_names(project, "meter") == ["lab meter"]
    assert import_plan.template_names(project, "procurement") == []


def test_readable_times_formats_utc_seconds():
    import pandas as pd

    frame = pd.DataFrame({"hour_utc": [1756684800], "energy_wh": [1500.0]})

    shown = import_plan.readable_times(frame)

    assert shown["hour_utc"].tolist() == ["2025-09-01 00:00:00"]
    assert shown["energy_wh"].tolist() == [1500.0]
