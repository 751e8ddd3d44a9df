"""The uncertainty view on a real project: live interval, Monte Carlo run, charts, bindings and exports."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from workbench.errors import UsageError
from workbench.services import assumptions, distributions, uncertainty
from workbench.services.session import Session
from workbench.services.uncertainty_runs import prepare_context
from workbench.ui.uncertainty_view import UncertaintyView

WAIT_MS = 60_000


@pytest.fixture
def session(gpu_project: Path):
    opened = Session()
    opened.open(gpu_project)
    yield opened
    opened.close()


@pytest.fixture
def view(qtbot, session: Session):
    widget = UncertaintyView(session)
    qtbot.addWidget(widget)
    with qtbot.waitSignal(widget.live_applied, timeout=WAIT_MS):
        widget.show()
    yield widget
    widget.shutdown()


def expected_live(session: Session, **changes):
    project = session.project_file
    context = prepare_context(project, session.model)
    a = assumptions.snapshot(project, session.set_name)
    if changes:
        from dataclasses import replace
        a = replace(a, **changes)
    result = uncertainty.live_interval(context, a, distributions.snapshot(project, session.set_name))
    return result.intervals["total_co2e_kg"]


def run_and_wait(qtbot, view: UncertaintyView):
    with qtbot.waitSignal(view.run_finished, timeout=WAIT_MS) as blocker:
        view.start_monte_carlo()
    qtbot.waitUntil(lambda: view.job is None, timeout=WAIT_MS)
    return blocker.args[0]


def test_live_interval_matches_service(view: UncertaintyView, session: Session):
    expected = expected_live(session)
    interval = view.live.interval
    assert interval.low == pytest.approx(expected.low, rel=1e-12)
    assert interval.high == pytest.approx(expected.high, rel=1e-12)
    assert interval.point == pytest.approx(session.result.result.totals["total_co2e_kg"], rel=1e-9)
    lows = sorted(line.value() for line in view.histogram.analytic_lines)
    assert lows == pytest.approx([expected.low, expected.high], rel=1e-12)


def test_hidden_view_waits_until_shown(qtbot, session: Session):
    hidden = UncertaintyView(session)
    qtbot.addWidget(hidden)
    session.preview({"pue": 1.7})
    qtbot.wait(100)
    assert hidden.live is None
    with qtbot.waitSignal(hidden.live_applied, timeout=WAIT_MS):
        hidden.show()
    assert hidden.live.request.assumptions.pue == 1.7
    hidden.shutdown()


def test_preview_moves_live_interval(qtbot, view: UncertaintyView, session: Session):
    before = view.live.interval.point
    with qtbot.waitSignal(view.live_applied, timeout=WAIT_MS):
        session.preview({"pue": 2.0})
    expected = expected_live(session, pue=2.0)
    assert view.live.request.assumptions.pue == 2.0
    assert view.live.interval.point == pytest.approx(expected.point, rel=1e-12)
    assert view.live.interval.high == pytest.approx(expected.high, rel=1e-12)
    assert view.live.interval.point == pytest.approx(before * 2.0 / 1.55, rel=1e-9)
    assert "kgCO2e" in view.live_label.text()


def test_stale_live_response_dropped(qtbot, view: UncertaintyView, session: Session):
    first = view.live
    view._live_serial += 1  # a newer request exists, so the old response must not be shown
    view._apply_live(first)
    assert view.live is first
    stale = type(first)(type(first.request)(first.request.serial, first.request.context,
                                            first.request.assumptions, first.request.distributions),
                        first.output, first.interval, first.method, [])
    view._apply_live(stale)
    assert view.live is first
    assert view.tornado.rows != []


def test_fixed_run_charts_match_service(qtbot, view: UncertaintyView, session: Session):
    view.state.set("adaptive", False)
    view.state.set("trials", 5_000)
    view.state.set("seed", 7)
    run = run_and_wait(qtbot, view)

    project = session.project_file
    context = prepare_context(project, session.model)
    expected = uncertainty.monte_carlo(context, assumptions.snapshot(project), distributions.snapshot(project),
                                       trials=5_000, seed=7).run().summaries["total_co2e_kg"]
    assert run.summary.low == pytest.approx(expected.low, rel=1e-12)
    assert run.summary.high == pytest.approx(expected.high, rel=1e-12)
    assert int(view.histogram.bars.opts["height"].sum()) == 5_000
    assert sum(row[2] for row in view.histogram.rows) == 5_000
    positions = [line.value() for line in view.histogram.interval_lines]
    assert positions == pytest.approx([expected.low, expected.high], rel=1e-12)
    assert run.trace.trials[-1] == 5_000
    assert run.trace.mean[-1] == pytest.approx(expected.mean, rel=1e-12)
    assert run.trace.low[-1] == pytest.approx(expected.low, rel=1e-12)
    assert run.trace.high[-1] == pytest.approx(expected.high, rel=1e-12)
    assert "5,000 trials" in view.status_label.text()
    assert "seed 7" in view.status_label.text()
    assert "fixed number of trials" in view.status_label.text()
    assert view.run_button.isEnabled()
    assert not view.cancel_button.isEnabled()


def test_adaptive_run_reports_convergence(qtbot, view: UncertaintyView):
    assert view.state.adaptive
    run = run_and_wait(qtbot, view)
    assert run.result.adaptive
    assert run.result.trials % 10_000 == 0
    assert run.convergence in ("converged", "not converged")
    assert run.convergence in view.status_label.text()
    assert int(np.sum(run.histogram.counts)) == run.result.trials


def test_tornado_rows_widest_first(view: UncertaintyView):
    rows = view.live.tornado
    swings = [row["swing"] for row in rows]
    assert swings == sorted(swings, reverse=True)
    assert rows[0]["input"] == "pue"
    base = view.live.interval.point
    assert rows[0]["output_low"] - base == pytest.approx(rows[0]["low_effect"])
    assert len(view.tornado.rows) == min(len(rows), 15)


def test_cancel_keeps_previous_charts(qtbot, view: UncertaintyView):
    view.state.set("adaptive", False)
    view.state.set("trials", 2_000_000)
    with qtbot.waitSignal(view.run_finished, timeout=WAIT_MS) as blocker:
        handle = view.start_monte_carlo()
        handle.cancel()
    qtbot.waitUntil(lambda: view.job is None, timeout=WAIT_MS)
    assert type(blocker.args[0]).__name__ == "OperationCancelled"
    assert view.run is None
    assert "cancelled" in view.status_label.text()
    assert view.run_button.isEnabled()


def test_run_error_dialog_names_operation(qtbot, view: UncertaintyView, monkeypatch, message_boxes):
    def broken(request, progress=None):
        raise UsageError("no distribution for 'pue'", hint="Set one with --distribution.")

    monkeypatch.setattr("workbench.ui.uncertainty_view.run_monte_carlo", broken)
    run_and_wait(qtbot, view)
    assert message_boxes[-1]["text"] == "Running the Monte Carlo analysis failed."
    assert "no distribution for 'pue'" in message_boxes[-1]["informative"]


def test_widgets_set_state(view: UncertaintyView):
    view.adaptive_box.setChecked(False)
    view.trials_box.setValue(12_345)
    view.seed_box.setValue(99)
    assert view.state.adaptive is False
    assert view.state.trials == 12_345
    assert view.state.seed == 99
    assert view.trials_box.isEnabled()


def test_state_sets_widgets(view: UncertaintyView):
    view.state.set("adaptive", False)
    view.state.set("trials", 4_321)
    view.state.set("seed", 5)
    assert not view.adaptive_box.isChecked()
    assert view.trials_box.value() == 4_321
    assert view.seed_box.value() == 5
    view.state.set("adaptive", True)
    assert not view.trials_box.isEnabled()


def test_chart_exports_read_back(qtbot, view: UncertaintyView, tmp_path: Path):
    view.state.set("adaptive", False)
    view.state.set("trials", 3_000)
    run_and_wait(qtbot, view)
    for chart in (view.histogram, view.convergence, view.tornado):
        png = chart.export("png", tmp_path / f"{chart.name}.png")
        svg = chart.export("svg", tmp_path / f"{chart.name}.svg")
        data = chart.export("csv", tmp_path / f"{chart.name}.csv")
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert "<svg" in svg.read_text(encoding="utf-8")
        with open(data, newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        assert tuple(rows[0]) == chart.header
        assert len(rows) - 1 == len(chart.rows)
    with open(tmp_path / "uncertainty_histogram.csv", newline="", encoding="utf-8") as handle:
        counts = [int(row["trials"]) for row in csv.DictReader(handle)]
    assert sum(counts) == 3_000


def test_closing_project_clears_view(qtbot, view: UncertaintyView, session: Session):
    session.close()
    assert view.live is None
    assert not view.run_button.isEnabled()
    assert view.histogram.rows == []
    assert "Open a project" in view.live_label.text()


def test_preview_burst_keeps_one_request_in_flight(qtbot, view: UncertaintyView, session: Session):
    for step in range(20):
        session.preview({"pue": 1.2 + 0.01 * step})
        view._submit_live()
        assert len(view._live_jobs) <= 1
    qtbot.waitUntil(lambda: not view.live_busy(), timeout=WAIT_MS)
    assert view.live.request.assumptions.pue == pytest.approx(1.39)
    assert view.live.interval.point == pytest.approx(expected_live(session, pue=1.39).point, rel=1e-12)
