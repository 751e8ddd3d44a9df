"""Live previews: the recomputer's pipeline of requests and the throttle of the runs table, on a real project."""

from __future__ import annotations

import threading
from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import QTimer

from workbench.services.session import Session
from workbench.ui.recompute import Recomputer, Throttle

WAIT_S = 10.0


@pytest.fixture
def session(gpu_project):
    opened = Session()
    opened.open(gpu_project)
    yield opened
    opened.close()


@pytest.fixture
def recomputer(session):
    previews = Recomputer(session)
    yield previews
    previews.shutdown()


def test_next_request_computes_while_response_paints(qtbot, session, recomputer):
    release_first = threading.Event()
    second_shaped = threading.Event()
    shaped: list[float] = []  # the PUE of each request, as the worker shapes it

    def freeze():
        def shape(response):
            shaped.append(response.request.assumptions.pue)
            if len(shaped) == 1:
                release_first.wait(WAIT_S)  # the first job waits until the second move is pending
            else:
                second_shaped.set()
        return shape

    recomputer.add_shaper(freeze)
    applied: list[float] = []
    second_done_during_paint: list[bool] = []

    def on_applied(response) -> None:
        applied.append(response.request.assumptions.pue)
        if len(applied) == 1:
            # Runs when control is back in the event loop, where the views paint this response.
            QTimer.singleShot(0, lambda: second_done_during_paint.append(second_shaped.wait(WAIT_S)))

    recomputer.applied.connect(on_applied)

    recomputer.preview(pue=1.6)
    qtbot.waitUntil(lambda: len(shaped) == 1)
    recomputer.preview(pue=1.7)  # a job runs, so this waits as a pending change
    release_first.set()
    qtbot.waitUntil(lambda: len(applied) == 2)

    assert applied == [1.6, 1.7]
    assert second_done_during_paint == [True], "the worker computed the next request while this one painted"
    assert recomputer.wait_idle()
    assert shaped == [1.6, 1.7]


def test_final_preview_equals_fresh_recompute(qtbot, session, recomputer):
    for step in range(12):
        recomputer.preview(pue=1.2 + 0.05 * step)
        qtbot.wait(5)
    assert recomputer.wait_idle()

    response = session.result
    assumptions = response.request.assumptions
    assert assumptions == replace(session.committed, pue=assumptions.pue)
    assert assumptions.pue == pytest.approx(1.75)
    fresh = session.model.compute(assumptions)
    assert response.result.totals == fresh.totals
    engine_hourly = session.model.prepared.hourly(assumptions)  # run by run, without the prepared series
    for column in ("facility_energy_kwh", "operational_co2e_kg"):
        np.testing.assert_allclose(response.hourly[column].to_numpy(float), engine_hourly[column].to_numpy(float),
                                   rtol=1e-12)


def test_throttle_shows_first_and_last_of_burst(qtbot):
    shown: list[int] = []
    throttle = Throttle(shown.append, 200)

    for value in range(5):
        throttle.offer(value)

    assert shown == [0]
    assert throttle.waiting()
    qtbot.waitUntil(lambda: shown == [0, 4])
    assert not throttle.waiting()


def test_throttle_show_now_drops_waiting_value(qtbot):
    shown: list[int] = []
    throttle = Throttle(shown.append, 100)

    throttle.offer(1)
    throttle.offer(2)
    throttle.show_now(3)
    qtbot.wait(300)  # longer than the interval, so a value still waiting would have shown

    assert shown == [1, 3]
    assert not throttle.waiting()
