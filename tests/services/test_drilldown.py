"""Drill-down on the known project: runs, hours, factors, sources and lines behind each figure."""

from __future__ import annotations

import pytest
from known_project import HOURS, build_known_project

from workbench.services.drilldown import DrillTarget, drill_down
from workbench.services.session import Session


@pytest.fixture
def session(tmp_path):
    opened = Session()
    opened.open(build_known_project(tmp_path / "known.cwb"))
    yield opened
    opened.close()


def drill(session, target):
    return drill_down(session.project_file, session.result, session.set_name, target)


def test_total_lists_every_run_and_hour(session):
    result = drill(session, DrillTarget(figure="total_co2e_kg"))

    assert list(result.runs["run"]) == ["alpha", "beta"]
    assert len(result.run_hours) == 5
    assert len(result.energy_rows) == 8
    assert result.energy_rows["energy_kwh"].sum() == pytest.approx(1.7)
    assert result.run_hours["operational_co2e_kg"].sum() == pytest.approx(
        session.result.result.totals["operational_co2e_kg"])


def test_run_hours_use_finest_factor(session):
    result = drill(session, DrillTarget(runs=("alpha",)))

    hours = result.run_hours.set_index("hour_utc")
    assert list(hours.index) == list(HOURS)
    assert list(hours["facility_energy_kwh"]) == pytest.approx([0.75, 0.75, 0.75])
    assert list(hours["co2e_g_per_kwh"]) == pytest.approx([400.0, 500.0, 400.0])
    assert list(hours["dataset"]) == ["Grid annual", "Grid hourly", "Grid annual"]
    assert list(hours["vintage"]) == ["2025", "v2", "2025"]
    assert list(hours["resolution"]) == ["annual", "hourly", "annual"]
    assert hours["operational_co2e_kg"].sum() == pytest.approx(0.75 * (0.4 + 0.5 + 0.4))


def test_factor_summary_groups_by_dataset(session):
    factors = drill(session, DrillTarget(runs=("alpha",))).factors.set_index("dataset")

    assert factors.loc["Grid annual", "hours"] == 2
    assert factors.loc["Grid hourly", "hours"] == 1
    assert factors.loc["Grid annual", "mean_co2e_g_per_kwh"] == pytest.approx(400.0)
    assert factors.loc["Grid hourly", "facility_energy_kwh"] == pytest.approx(0.75)


def test_energy_rows_per_gpu_hour(session):
    rows = drill(session, DrillTarget(runs=("alpha",), hour_utc=HOURS[1])).energy_rows

    assert list(rows["device"]) == ["g0", "g1"]
    assert list(rows["energy_kwh"]) == pytest.approx([0.3, 0.2])
    assert list(rows["first_row"]) == [6, 8]
    assert list(rows["last_row"]) == [7, 9]
    assert set(rows["file"]) == {"alpha_gpu.csv"}
    assert set(rows["attribution"]) == {"stored"}


def test_sources_carry_sha256(session):
    sources = drill(session, DrillTarget()).sources.set_index("file")

    assert list(sources.index) == ["alpha_gpu.csv", "beta_gpu.xlsx"]
    assert len(sources.loc["alpha_gpu.csv", "sha256"]) == 64
    assert sources.loc["alpha_gpu.csv", "energy_rows"] == 6
    assert sources.loc["beta_gpu.xlsx", "energy_kwh"] == pytest.approx(0.2)
    assert bool(sources.loc["alpha_gpu.csv", "evidence_stored"]) is True
    assert bool(sources.loc["beta_gpu.xlsx", "evidence_stored"]) is False


def test_source_lines_come_from_evidence(session):
    lines = drill(session, DrillTarget(runs=("alpha",), hour_utc=HOURS[1])).source_lines

    assert list(lines["line"]) == [6, 7, 8, 9]
    assert list(lines["text"]) == ["2025-09-01T01:00:00Z,g0,300", "2025-09-01T01:30:00Z,g0,300",
                                   "2025-09-01T01:00:00Z,g1,200", "2025-09-01T01:30:00Z,g1,200"]


def test_source_without_text_shows_range(session):
    lines = drill(session, DrillTarget(runs=("beta",))).source_lines

    assert len(lines) == 1
    assert lines["file"].iloc[0] == "beta_gpu.xlsx"
    assert lines["text"].iloc[0].startswith("(rows 2-3;")


def test_source_lines_are_capped(session):
    lines = drill_down(session.project_file, session.result, session.set_name, DrillTarget(runs=("alpha",)),
                       max_source_rows=5).source_lines

    assert list(lines["line"]) == [2, 3, 4, 5, 6]


def test_assumptions_with_rationale(session):
    table = drill(session, DrillTarget()).assumptions.set_index("key")

    assert table.loc["pue", "value"] == "1.5"
    assert table.loc["pue", "rationale"] == "Known answer test values"
    assert table.loc["pue", "origin"] == "baseline"
    assert table.loc["factor_zone", "origin"] == "default"


def test_title_names_figure_run_and_hour():
    target = DrillTarget(runs=("alpha",), hour_utc=HOURS[0], figure="operational_co2e_kg")

    assert target.title() == "operational_co2e_kg of alpha, hour starting 2025-09-01T00:00:00Z"


def test_drill_down_reports_progress_and_cancels(session):
    from workbench.errors import OperationCancelled
    from workbench.progress import Progress

    fractions = []
    drill_down(session.project_file, session.result, session.set_name, DrillTarget(),
               progress=Progress(lambda fraction, message: fractions.append(fraction), min_interval_s=0))
    cancelled = Progress()
    cancelled.cancel()

    assert fractions == [0.05, 0.3, 0.7, 0.9, 1.0]
    with pytest.raises(OperationCancelled):
        drill_down(session.project_file, session.result, session.set_name, DrillTarget(), progress=cancelled)


def test_demo_project_without_meter_rows_drills(tmp_path):
    """The demo's energy rows have no meter, so meter_id is read as an all-NULL object column."""
    from workbench.services import demo

    demo.build_demo_project(tmp_path / "demo.cwb").close()
    demo_session = Session()
    demo_session.open(tmp_path / "demo.cwb")
    try:
        result = drill_down(demo_session.project_file, demo_session.result, demo_session.set_name,
                            DrillTarget(figure="total_co2e_kg"))
    finally:
        demo_session.close()

    assert len(result.runs) == 3
    assert len(result.energy_rows) > 0
    assert result.energy_rows["energy_kwh"].sum() > 0
