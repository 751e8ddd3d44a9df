"""The GUI's state object, without Qt: fields, listeners, previews, commits and stale responses."""

from __future__ import annotations

import pytest

from workbench.errors import AssumptionError, ForeignFileError
from workbench.project.audit import read_entries
from workbench.project.migrations import CURRENT_VERSION
from workbench.services import compute, projects
from workbench.services.session import RUN_COLUMNS, Session, compute_response


@pytest.fixture
def session(gpu_project):
    opened = Session()
    opened.open(gpu_project)
    yield opened
    opened.close()


def audit_count(path) -> int:
    with projects.open_existing(path, read_only=True) as project:
        return len(read_entries(project.conn))


def test_open_publishes_project_and_result(gpu_project):
    session = Session()
    seen = []
    for field in ("project", "sets", "factor_zones", "audit", "committed", "result"):
        session.subscribe(field, lambda value, field=field: seen.append(field))

    session.open(gpu_project)

    assert seen == ["project", "sets", "factor_zones", "audit", "committed", "result"]
    assert session.project.name == "glasses"
    assert session.project.format_version == CURRENT_VERSION
    assert session.set_name == "baseline"
    assert session.factor_zones == ["CN", "DE"]
    assert session.audit.ok is True
    assert list(session.result.runs.columns) == list(RUN_COLUMNS)
    with projects.open_existing(gpu_project, read_only=True) as project:
        expected = compute.compute_footprint(project).result
    assert session.result.result.totals == expected.totals
    assert session.result.runs["total_co2e_kg"].tolist() == [expected.runs[0].total_co2e_kg]
    session.close()
    assert session.project is None
    assert session.result is None


def test_unsubscribed_listener_is_not_called(session):
    calls = []
    unsubscribe = session.subscribe("assumptions", calls.append)
    session.preview({"pue": 1.4})
    unsubscribe()
    session.preview({"pue": 1.5})

    assert [assumptions.pue for assumptions in calls] == [1.4]


def test_unknown_field_is_rejected(session):
    with pytest.raises(KeyError, match="unknown session field 'colour'"):
        session.subscribe("colour", print)


def test_preview_stores_nothing(session, gpu_project):
    before = audit_count(gpu_project)

    request = session.preview({"pue": 2.0})
    session.apply(compute_response(request))

    assert session.assumptions.pue == 2.0
    assert session.committed.pue == 1.55
    assert session.result.result.assumptions.pue == 2.0
    assert audit_count(gpu_project) == before
    session.discard_preview()
    assert session.result.result.assumptions.pue == 1.55


def test_commit_writes_audit_entry(session, gpu_project):
    before = audit_count(gpu_project)

    changes = session.commit({"pue": 1.2}, "operator's 2025 measurement")

    assert changes[0]["old"] == 1.55
    assert changes[0]["new"] == 1.2
    assert session.committed.pue == 1.2
    assert session.result.result.assumptions.pue == 1.2
    assert session.audit.entries == before + 1
    assert audit_count(gpu_project) == before + 1


def test_commit_without_rationale_is_rejected(session, gpu_project):
    before = audit_count(gpu_project)

    with pytest.raises(AssumptionError, match="needs a rationale"):
        session.commit({"pue": 1.2}, "  ")

    assert session.committed.pue == 1.55
    assert audit_count(gpu_project) == before


def test_response_for_older_request_is_dropped(session):
    first = session.preview({"pue": 2.0})
    second = session.preview({"pue": 1.2})

    assert session.apply(compute_response(first)) is False
    assert session.apply(compute_response(second)) is True
    assert session.result.result.assumptions.pue == 1.2


def test_response_for_replaced_model_is_dropped(session):
    request = session.preview({"pue": 2.0})
    session.reload()

    assert session.apply(compute_response(request)) is False
    assert session.result.result.assumptions.pue == 1.55


def test_failed_open_keeps_current_project(session, gpu_project, tmp_path):
    foreign = tmp_path / "foreign.cwb"
    foreign.write_bytes(b"plain text, not a project" * 10)

    with pytest.raises(ForeignFileError):
        session.open(foreign)

    assert session.project.path == gpu_project
    assert session.result.result.totals["facility_energy_kwh"] > 0
